"""Reads of the territoires pages, each in a fixed, small number of queries."""

import re
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Case, Count, IntegerField, Prefetch, Q, QuerySet, Sum, Value, When

from .models import (
    IPS,
    Academie,
    Collectivite,
    Competence,
    DataSource,
    Departement,
    Effectif,
    Etablissement,
    Niveau,
    Secteur,
)
from .rules import normalise_recherche

SEARCH_LIMIT = 20
# What a search result row shows (name, UAI, type, secteur, commune, département).
ROW_RELATED = ("commune", "departement")
_UAI_PREFIX = re.compile(r"^\d{3,7}[a-z]?$")


@dataclass(frozen=True)
class Filtres:
    """Optional filters of the établissements lists (all validated against the choices)."""

    q: str = ""
    niveau: str = ""
    secteur: str = ""
    departement: str = ""

    @classmethod
    def from_query(cls, params: Any) -> "Filtres":
        niveau = params.get("type", "") or params.get("niveau", "")
        secteur = params.get("secteur", "")
        departement = params.get("departement", "")
        return cls(
            q=params.get("q", "").strip()[:200],
            niveau=niveau if niveau in Niveau.values else "",
            secteur=secteur if secteur in Secteur.values and secteur else "",
            departement=departement.strip().upper()[:3] if re.fullmatch(r"\w{2,3}", departement.strip()) else "",
        )

    @property
    def actif(self) -> bool:
        return bool(self.q or self.niveau or self.secteur or self.departement)


def recherche_etablissements(filtres: Filtres) -> QuerySet[Etablissement]:
    """Établissements matching every word of the query (name, commune, UAI, postcode) and the filters.

    When the query looks like a UAI, the exact then prefix UAI matches come first; otherwise by name.
    ``recherche`` holds the normalised text, so each word is one ``LIKE '%word%'`` on one column of
    one table; an index on ``recherche`` lets the database read it in order and stop at the limit.
    """
    qs = Etablissement.objects.select_related(*ROW_RELATED)
    words = normalise_recherche(filtres.q).split()
    # The longest (usually rarest) word first: the database stops at the first word that fails.
    for word in sorted(set(words), key=len, reverse=True):
        qs = qs.filter(recherche__contains=word)
    if filtres.niveau:
        qs = qs.filter(niveau=filtres.niveau)
    if filtres.secteur:
        qs = qs.filter(secteur=filtres.secteur)
    if filtres.departement:
        qs = qs.filter(departement_id=filtres.departement)
    if len(words) == 1 and _UAI_PREFIX.match(words[0]):
        uai = words[0].upper()
        qs = qs.annotate(
            rang_uai=Case(
                When(uai=uai, then=Value(0)),
                When(uai__startswith=uai, then=Value(1)),
                default=Value(2),
                output_field=IntegerField(),
            )
        ).order_by("rang_uai", "uai")
    else:
        # ``recherche`` starts with the normalised name: an accent-free alphabetical order, the same
        # on every database (SQLite would sort « École » after « Lycée » by name).
        qs = qs.order_by("recherche", "uai")
    return qs


def _uai_d_abord(matches: QuerySet[Etablissement], prefixe: str, limit: int) -> list[str]:
    """UAIs for a query that looks like a UAI: the same order as ``recherche_etablissements``.

    The exact and prefix matches are read on the primary key's index (a range: UAIs are digits and
    capital letters); the scan of the search text only runs when they are fewer than the limit, and
    never for a whole UAI (no other text contains one).
    """
    dernier = prefixe + "Z" * (8 - len(prefixe))
    tete = list(
        matches.filter(uai__gte=prefixe, uai__lte=dernier, uai__startswith=prefixe)
        .order_by("uai")
        .values_list("uai", flat=True)[: limit + 1]
    )
    if len(tete) > limit or (tete and tete[0] == prefixe and len(prefixe) == 8):
        return tete
    reste = matches.exclude(uai__in=tete).order_by("uai").values_list("uai", flat=True)[: limit + 1 - len(tete)]
    return tete + list(reste)


def recherche_instantanee(filtres: Filtres, limit: int = SEARCH_LIMIT) -> tuple[list[Etablissement], bool]:
    """The first ``limit`` results and whether there are more, in two small queries (no COUNT)."""
    if not normalise_recherche(filtres.q):
        return [], False
    # Two steps: the narrow query (UAIs only, no join) does the scan and the sort; then only the
    # rows shown are read with what they display.
    matches = recherche_etablissements(filtres).select_related(None)
    words = normalise_recherche(filtres.q).split()
    if len(words) == 1 and _UAI_PREFIX.match(words[0]):
        uais = _uai_d_abord(matches, words[0].upper(), limit)
    else:
        uais = list(matches.values_list("uai", flat=True)[: limit + 1])
    par_uai = Etablissement.objects.select_related(*ROW_RELATED).in_bulk(uais[:limit])
    return [par_uai[uai] for uai in uais[:limit] if uai in par_uai], len(uais) > limit


def etablissement_detail(uai: str) -> Etablissement:
    """The établissement with everything its page shows: a fixed number of queries whatever the data."""
    return (
        Etablissement.objects.select_related(
            "commune",
            "commune__epci",
            "departement",
            "departement__region",
            "academie",
            "circonscription",
            "source",
            "eleves_source",
            "classes_source",
            "collectivite_competente",
        )
        .prefetch_related(
            Prefetch("ips", queryset=IPS.objects.select_related("source").order_by("-rentree")),
            Prefetch("effectifs", queryset=Effectif.objects.select_related("source").order_by("-rentree")),
        )
        .get(uai=uai)
    )


def sources_of(etablissement: Etablissement) -> list[DataSource]:
    """Every data source credited on the établissement's page, each once (uses prefetched rows)."""
    found: OrderedDict[int, DataSource] = OrderedDict()
    candidates = [etablissement.source, etablissement.eleves_source, etablissement.classes_source]
    candidates += [row.source for row in etablissement.ips.all()]
    candidates += [row.source for row in etablissement.effectifs.all()]
    for source in candidates:
        if source is not None:
            found.setdefault(source.pk, source)
    return list(found.values())


def collectivite_detail(code: str) -> Collectivite:
    return Collectivite.objects.select_related(
        "commune", "commune__departement", "commune__epci", "epci", "departement", "region"
    ).get(code=code)


def competences_of(collectivite: Collectivite) -> list[Competence]:
    return list(collectivite.competences.order_by("niveau", "perimetre", "code_territoire"))


def competences_cedees(collectivite: Collectivite) -> list[Competence]:
    """Competences on the collectivité's own territory held by another one (e.g. écoles transferred to the EPCI)."""
    if collectivite.commune_id:
        perimetre, code = "commune", collectivite.commune_id
    elif collectivite.departement_id:
        perimetre, code = "departement", collectivite.departement_id
    elif collectivite.region_id:
        perimetre, code = "region", collectivite.region_id
    else:
        return []
    return list(
        Competence.objects.filter(perimetre=perimetre, code_territoire=code)
        .exclude(collectivite=collectivite)
        .select_related("collectivite")
        .order_by("niveau")
    )


def etablissement_fiche(uai: str) -> Etablissement:
    """The établissement as its edit form needs it (no related rows)."""
    return Etablissement.objects.select_related("commune").get(uai=uai)


def etablissements_of(collectivite: Collectivite) -> QuerySet[Etablissement]:
    """The établissements a collectivité is compétente for."""
    return (
        Etablissement.objects.filter(collectivite_competente=collectivite)
        .select_related(*ROW_RELATED)
        .order_by("nom", "uai")
    )


# --- Counts -------------------------------------------------------------------------------------


@dataclass
class Tableau:
    """Counts of établissements by niveau (rows) × secteur (columns), with totals."""

    lignes: list[dict[str, Any]] = field(default_factory=list)
    secteurs: list[tuple[str, str]] = field(default_factory=list)
    totaux: dict[str, int] = field(default_factory=dict)
    total: int = 0
    eleves: int = 0

    @property
    def vide(self) -> bool:
        return self.total == 0


def compte_par_type_et_secteur(qs: QuerySet[Etablissement]) -> Tableau:
    """One GROUP BY query: the niveau × secteur table of ``qs``."""
    rows = qs.order_by().values("niveau", "secteur").annotate(n=Count("uai"), eleves=Sum("eleves"))
    counts: dict[tuple[str, str], int] = {}
    eleves = 0
    for row in rows:
        key = (row["niveau"], row["secteur"] or "")
        counts[key] = counts.get(key, 0) + row["n"]
        eleves += row["eleves"] or 0
    present = {secteur for (_, secteur) in counts}
    toujours = {Secteur.PUBLIC, Secteur.PRIVE_SOUS_CONTRAT}
    secteurs = [(value, label) for value, label in Secteur.choices if value in present or value in toujours]
    tableau = Tableau(secteurs=secteurs, eleves=eleves)
    for niveau, label in Niveau.choices:
        valeurs = [counts.get((niveau, secteur), 0) for secteur, _ in secteurs]
        tableau.lignes.append({"niveau": niveau, "label": label, "valeurs": valeurs, "total": sum(valeurs)})
    tableau.totaux = {secteur: sum(counts.get((n, secteur), 0) for n in Niveau.values) for secteur, _ in secteurs}
    tableau.total = sum(counts.values())
    return tableau


def collectivites_competentes(qs: QuerySet[Etablissement]) -> QuerySet:
    """The collectivités compétentes for the établissements of ``qs``, with their counts, biggest first."""
    return (
        qs.filter(collectivite_competente__isnull=False)
        .order_by()
        .values(
            "collectivite_competente__code",
            "collectivite_competente__nom",
            "collectivite_competente__type",
            "collectivite_competente__siren",
        )
        .annotate(
            n=Count("uai"),
            ecoles=Count("uai", filter=Q(niveau=Niveau.ECOLE)),
            colleges=Count("uai", filter=Q(niveau=Niveau.COLLEGE)),
            lycees=Count("uai", filter=Q(niveau=Niveau.LYCEE)),
        )
        .order_by("-n", "collectivite_competente__nom")
    )


def compte_national() -> Tableau:
    return compte_par_type_et_secteur(Etablissement.objects.all())


def departement_detail(code: str) -> Departement:
    return Departement.objects.select_related("region", "academie").get(code=code)


def academie_detail(code: str) -> Academie:
    return Academie.objects.select_related("region_academique").get(code=code)


def departements_of(academie: Academie) -> list[dict[str, Any]]:
    """The académie's départements with their number of établissements (one query)."""
    return list(academie.departements.annotate(n=Count("etablissements")).values("code", "nom", "n").order_by("code"))


def academies_avec_departements() -> list[Academie]:
    """Every académie with its départements and counts (two queries)."""
    departements = Departement.objects.annotate(n=Count("etablissements")).order_by("code")
    return list(Academie.objects.prefetch_related(Prefetch("departements", queryset=departements)).order_by("nom"))


def departements_sans_academie() -> list[Departement]:
    return list(Departement.objects.filter(academie__isnull=True).order_by("code"))
