"""Diagnostics of one établissement, and what the national recomputation (``national.py``) shares with it.

- ``charger_contexte``: the adopted version of each niveau with its items, the current catalogue and the
  collectivités' negotiated prices → ``ItemSocle`` lists (``Contexte``);
- ``lignes_de_stock``: inventory lines summed **in SQL** per (établissement, item code), with the units whose
  acquisition year is known and those older than 5 years;
- ``calculer_un``: the pure engine for one établissement → its diagnostic row and aggregate vector;
- ``_ecrire_diagnostics``: one bulk upsert (COPY on PostgreSQL for many rows).

Recomputing one établissement (after an inventory edit) recomputes its diagnostic and adds the
difference of its figures to every aggregate it belongs to (no re-read of the territory). The
equity breakdowns follow; so do the decile gaps: the nation's, régions', académies' and départements' by
moving the établissement's values in their stored histograms (``Histogramme``), an EPCI's and a
collectivité's from their stored diagnostics (a few hundred rows).
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from functools import reduce
from operator import add, or_
from typing import Any

from django.db import connection, transaction
from django.db.models import F, Q, Sum, Window
from django.db.models.functions import Coalesce, RowNumber
from django.utils import timezone

from referentiels.models import EtatVersion, Version
from referentiels.rules import Profil, lire_regle
from territoires.models import IPS, Etablissement

from . import engine
from .models import (
    Agregat,
    Catalogue,
    Diagnostic,
    EtatMateriel,
    Histogramme,
    Inventaire,
    LigneInventaire,
    PrixCollectivite,
)
from .models import Echelon as E

TAILLE_LOT = 2000
_JSON = json.JSONEncoder(separators=(",", ":")).encode
NIVEAUX = ("ecole", "college", "lycee")


@dataclass
class Contexte:
    versions: dict[str, Version]
    items: dict[str, list[engine.ItemSocle]]
    catalogue: Catalogue | None
    prix_collectivites: dict[int, dict[str, Decimal]]
    annee: int
    _cache: dict[tuple[str, int], list[engine.ItemSocle]] = field(default_factory=dict)
    _speciales: dict[str, tuple[tuple[str, str], ...]] = field(default_factory=dict)
    memo: engine.Memo = field(default_factory=dict)
    # JSON of each memoised item result (by identity: memoised results are shared objects).
    fragments: dict[int, str] = field(default_factory=dict)

    def fragment(self, r: engine.ResultatItem) -> str:
        cle = id(r)
        texte = self.fragments.get(cle)
        if texte is None:
            texte = self.fragments[cle] = _JSON(
                [r.code, int(r.obligatoire), r.requis, r.present, r.manque, r.unites, str(r.cout), int(r.prix_inconnu)]
            )
        return texte

    def fragments_de(self, resultats: tuple[engine.ResultatItem, ...]) -> str:
        """The JSON of the items' results, comma-separated (in C when every fragment is known already)."""
        try:
            return ",".join(map(self.fragments.__getitem__, map(id, resultats)))
        except KeyError:
            return ",".join([self.fragment(r) for r in resultats])

    def speciales(self, niveau: str) -> tuple[tuple[str, str], ...]:
        if niveau not in self._speciales:
            self._speciales[niveau] = engine.mesures_speciales(self.items.get(niveau, []))
        return self._speciales[niveau]

    def items_pour(self, niveau: str, collectivite_id: int | None) -> list[engine.ItemSocle] | None:
        items = self.items.get(niveau)
        if items is None:
            return None
        surcharges = self.prix_collectivites.get(collectivite_id or 0)
        if not surcharges:
            return items
        cle = (niveau, collectivite_id or 0)
        if cle not in self._cache:
            self._cache[cle] = [
                engine.ItemSocle(
                    i.code,
                    i.regle,
                    i.obligatoire,
                    engine.Prix(surcharges[i.code], par_eleve=i.prix.par_eleve if i.prix else False)
                    if i.code in surcharges
                    else i.prix,
                    i.libelle,
                )
                for i in items
            ]
        return self._cache[cle]


def catalogue_courant() -> Catalogue | None:
    return Catalogue.objects.order_by("-numero").first()


def charger_contexte(
    *,
    versions: dict[str, Version] | None = None,
    collectivites: Iterable[int] | None = None,
    niveaux: Iterable[str] | None = None,
) -> Contexte:
    """Adopted versions (or the given ones) with their items priced by the current catalogue."""
    if versions is None:
        adoptees = Version.objects.filter(etat=EtatVersion.ADOPTEE).select_related("referentiel")
        if niveaux is not None:
            adoptees = adoptees.filter(referentiel__niveau__in=list(niveaux))
        versions = {v.referentiel.niveau: v for v in adoptees}
    catalogue = catalogue_courant()
    prix: dict[str, Any] = {}
    if catalogue is not None:
        prix = {p.item_code: p for p in catalogue.prix.all()}
    items: dict[str, list[engine.ItemSocle]] = {}
    for niveau, version in versions.items():
        liste = []
        for item in version.items.order_by("ordre", "id"):
            p = prix.get(item.code)
            prix_item = None
            if p is not None and p.typique is not None:
                prix_item = engine.Prix(p.typique, par_eleve=p.par_eleve, non_confirme=p.non_confirme)
            liste.append(
                engine.ItemSocle(
                    item.code, lire_regle(item.regle, code=item.code), item.obligatoire, prix_item, item.libelle
                )
            )
        items[niveau] = liste
    surcharges = PrixCollectivite.objects.all()
    if collectivites is not None:
        surcharges = surcharges.filter(collectivite_id__in=list(collectivites))
    prix_coll: dict[int, dict[str, Decimal]] = defaultdict(dict)
    for coll, code, montant in surcharges.values_list("collectivite_id", "item_code", "montant"):
        prix_coll[coll][code] = montant
    return Contexte(versions, items, catalogue, dict(prix_coll), timezone.localdate().year)


# --- Reading inventories in SQL -----------------------------------------------------------------


@dataclass
class Stock:
    lignes: dict[str, int] = field(default_factory=dict)
    date: int = 0
    ancien: int = 0


def lignes_de_stock(ctx: Contexte, etablissements: Iterable[str] | None = None) -> list[tuple[Any, ...]]:
    """Inventory lines summed in SQL per (établissement, item code): (uai, code, units in service, of which with a
    known acquisition year, of which older than ``engine.AGE_ANCIEN`` years)."""
    qs = LigneInventaire.objects.all()
    if etablissements is not None:
        qs = qs.filter(etablissement_id__in=list(etablissements))
    limite = ctx.annee - engine.AGE_ANCIEN
    en_service = ~Q(etat=EtatMateriel.HORS_SERVICE)
    rows = (
        qs.values_list("etablissement_id", "item_code")
        .order_by()
        .annotate(
            n=Coalesce(Sum("quantite", filter=en_service), 0),
            date=Coalesce(Sum("quantite", filter=en_service & Q(annee_acquisition__isnull=False)), 0),
            ancien=Coalesce(Sum("quantite", filter=en_service & Q(annee_acquisition__lt=limite)), 0),
        )
    )
    # The ORM builds the SQL; the rows are read from the cursor directly (plain integers, no converters).
    sql, params = rows.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def stocks(ctx: Contexte, etablissements: Iterable[str] | None = None) -> dict[str, Stock]:
    """``lignes_de_stock`` per établissement."""
    resultat: dict[str, Stock] = defaultdict(Stock)
    for uai, code, n, date, ancien in lignes_de_stock(ctx, etablissements):
        s = resultat[uai]
        s.lignes[code] = n
        s.date += date
        s.ancien += ancien
    return resultat


_TERMINAUX = tuple(sorted(engine.TERMINAUX))
_AFFICHAGES = tuple(sorted(engine.AFFICHAGES))
_ZEROS = (0,) * max(len(_TERMINAUX), len(_AFFICHAGES))

CHAMPS_ETAB = (
    "uai",
    "niveau",
    "secteur",
    "classes",
    "eleves",
    "collectivite_competente_id",
    "commune__epci_id",
    "departement_id",
    "academie_id",
    "departement__region_id",
    "commune__population",
    "commune__superficie_km2",
)
CHAMPS_INVENTAIRE = (
    "etablissement_id",
    "debit_mbits",
    "salles_connectees",
    "internet_direction",
    "ent",
    "accompagnement",
    "maintenance",
    "simule",
)


@dataclass
class Calcul:
    ligne: tuple[Any, ...] | None  # the diagnostic's columns (``COLONNES_DIAGNOSTIC``), None when not diagnosed
    taux: Decimal | None
    vecteur: list[int]


COLONNES_DIAGNOSTIC = (
    "etablissement_id",
    "version_id",
    "catalogue_id",
    "calcule_le",
    "taux",
    "au_socle",
    "cout_socle",
    "cout_optionnel",
    "cout_incomplet",
    "manquants",
    "indetermines",
    "lignes",
    "eleves",
    "classes",
    "terminaux",
    "affichages",
    "salles_connectees",
    "debit_mbits",
    "ent",
    "stock_date",
    "stock_ancien",
    "simule",
)


def _dernier_ips(uais: Iterable[str] | None = None) -> dict[str, Decimal]:
    """Each établissement's IPS of its latest rentrée with a value (chosen in SQL: one row per établissement)."""
    qs = IPS.objects.filter(valeur__isnull=False)
    if uais is not None:
        qs = qs.filter(etablissement_id__in=list(uais))
    recent = Window(RowNumber(), partition_by=[F("etablissement_id")], order_by=F("rentree").desc())
    return dict(qs.annotate(rang=recent).filter(rang=1).values_list("etablissement_id", "valeur"))


def calculer_un(
    ctx: Contexte,
    etab: dict[str, Any],
    inventaire: tuple[Any, ...] | None,
    stock: Stock | None,
    maintenant: Any,
) -> Calcul:
    """The diagnostic row (unsaved) and the integer vector of one établissement."""
    niveau = etab["niveau"]
    stock = stock or Stock()
    items = ctx.items_pour(niveau, etab["collectivite_competente_id"])
    if inventaire is None or items is None:
        etat = engine.Etat(eleves=etab["eleves"], classes=etab["classes"])
        return Calcul(None, None, engine.vecteur_etablissement(None, etat))
    _, debit, salles, internet, ent, accompagnement, maintenance, simule = inventaire
    mesures = engine.Mesures(
        debit_mbits=debit or 0,
        salles_connectees=salles,
        internet=internet or bool(debit),
        ent=ent,
        accompagnement=accompagnement,
        maintenance=maintenance,
    )
    lignes = stock.lignes
    profil = Profil(niveau=niveau, classes=etab["classes"], eleves=etab["eleves"])
    resultat = engine.evaluer(
        items, profil, engine.mesures_presentes(items, lignes, mesures, ctx.speciales(niveau)), ctx.memo
    )
    terminaux = sum(map(lignes.get, _TERMINAUX, _ZEROS))
    affichages = sum(map(lignes.get, _AFFICHAGES, _ZEROS))
    # The facts stored on the diagnostic row are also the tail of its aggregate vector.
    faits = (
        etab["eleves"],
        etab["classes"],
        terminaux,
        affichages,
        salles,
        debit,
        ent,
        stock.date,
        stock.ancien,
        simule,
    )
    ligne = (
        etab["uai"],
        ctx.versions[niveau].pk,
        ctx.catalogue.pk if ctx.catalogue else None,
        maintenant,
        resultat.taux_decimal,
        resultat.au_socle,
        resultat.cout_socle,
        resultat.cout_optionnel,
        resultat.cout_incomplet,
        resultat.manquants,
        resultat.indetermines,
        "[" + ctx.fragments_de(resultat.items) + "]",
        *faits,
    )
    vecteur = engine.vecteur_valeurs(resultat, *faits)
    return Calcul(ligne, resultat.taux_decimal, vecteur)


def _ecrire_diagnostics(lignes: list[tuple[Any, ...]]) -> None:
    """Upsert the rows (one statement per batch, on SQLite and PostgreSQL)."""
    if not lignes:
        return
    table = connection.ops.quote_name(Diagnostic._meta.db_table)
    colonnes = ", ".join(connection.ops.quote_name(c) for c in COLONNES_DIAGNOSTIC)
    maj = ", ".join(
        f"{connection.ops.quote_name(c)} = excluded.{connection.ops.quote_name(c)}"
        for c in COLONNES_DIAGNOSTIC
        if c not in ("etablissement_id", "version_id")
    )
    marques = ", ".join(["%s"] * len(COLONNES_DIAGNOSTIC))
    # Identifiers are constants of this module; values go through parameters.
    sql = f"INSERT INTO {table} ({colonnes}) VALUES ({marques}) ON CONFLICT (etablissement_id, version_id) DO UPDATE SET {maj}"  # noqa: E501, S608
    rang_date = COLONNES_DIAGNOSTIC.index("calcule_le")
    if _copie_possible(lignes):
        # PostgreSQL: the rows are copied into a temporary table, then upserted by one statement.
        lot = connection.ops.quote_name("diagnostics_lot")
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"CREATE TEMPORARY TABLE {lot} AS SELECT {colonnes} FROM {table} WITH NO DATA")  # noqa: S608
            _copier(cursor, lot, COLONNES_DIAGNOSTIC, lignes)
            cursor.execute(
                f"INSERT INTO {table} ({colonnes}) SELECT {colonnes} FROM {lot} "  # noqa: S608
                f"ON CONFLICT (etablissement_id, version_id) DO UPDATE SET {maj}"
            )
            cursor.execute(f"DROP TABLE {lot}")
        return
    quand = connection.ops.adapt_datetimefield_value(lignes[0][rang_date])
    with connection.cursor() as cursor:
        for debut in range(0, len(lignes), TAILLE_LOT):
            lot = [(*ligne[:rang_date], quand, *ligne[rang_date + 1 :]) for ligne in lignes[debut : debut + TAILLE_LOT]]
            cursor.executemany(sql, lot)


# Below this many rows, plain multi-row statements; above, PostgreSQL's COPY.
SEUIL_COPIE = 500


def _copie_possible(lignes: list[Any]) -> bool:
    return connection.vendor == "postgresql" and len(lignes) >= SEUIL_COPIE


def _copier(cursor: Any, table: str, colonnes: tuple[str, ...], lignes: Iterable[tuple[Any, ...]]) -> None:
    """``COPY table (colonnes) FROM STDIN`` of the rows (PostgreSQL, psycopg 3): JSON columns take JSON text."""
    noms = ", ".join(connection.ops.quote_name(c) for c in colonnes)
    with cursor.cursor.copy(f"COPY {table} ({noms}) FROM STDIN") as copie:
        for ligne in lignes:
            copie.write_row(ligne)


# --- Aggregates -----------------------------------------------------------------------------------


def cles_territoire(etab: dict[str, Any]) -> list[tuple[str, str]]:
    """The (échelon, code) of every territory an établissement counts in."""
    cles = [(E.NATION, "FR")]
    for echelon, champ in (
        (E.REGION, "departement__region_id"),
        (E.ACADEMIE, "academie_id"),
        (E.DEPARTEMENT, "departement_id"),
        (E.EPCI, "commune__epci_id"),
        (E.COLLECTIVITE, "collectivite_competente_id"),
    ):
        if etab.get(champ) is not None:
            cles.append((echelon, str(etab[champ])))
    return cles


VENTILEES = (E.NATION, E.REGION, E.ACADEMIE, E.DEPARTEMENT)
RANG_TERMINAUX = engine.CHAMPS_SYNTHESE.index("terminaux")
RANG_ELEVES = engine.CHAMPS_SYNTHESE.index("eleves")
RANG_TAUX = engine.CHAMPS_SYNTHESE.index("taux_somme")


def dimensions_de(
    etab: dict[str, Any], quartiles: dict[str, tuple[Decimal, Decimal, Decimal] | None]
) -> dict[str, str]:
    """The equity groups of an établissement: rural/urban, IPS quartile, secteur."""
    q = engine.quartile_de(etab.get("ips"), quartiles.get(etab["niveau"]))
    return {
        "zone": engine.zone_densite(etab["commune__population"], etab["commune__superficie_km2"]),
        "ips": f"Q{q}" if q else "inconnu",
        "secteur": etab["secteur"] or "inconnu",
    }


_DECIMALES: dict[tuple[int, int], str] = {}


def _decimal(valeur: int, echelle: int) -> str:
    """``str(Decimal(valeur) / echelle)``, memoised (a few thousand distinct values at most)."""
    texte = _DECIMALES.get((valeur, echelle))
    if texte is None:
        texte = _DECIMALES[(valeur, echelle)] = str(Decimal(valeur) / echelle)
    return texte


def _poser_deciles(vent: dict[str, Any], taux: tuple[int, int] | None, terminaux: tuple[int, int] | None) -> None:
    """The decile gaps of a territory into its breakdowns (the rate in ten-thousandths, terminals in tenths)."""
    for nom, extremes, echelle in (("deciles_taux", taux, 10_000), ("deciles_terminaux", terminaux, 10)):
        if extremes is None:
            vent.pop(nom, None)
        else:
            vent[nom] = [_decimal(extremes[0], echelle), _decimal(extremes[1], echelle)]


def quartiles_ips(
    ips: dict[str, Decimal], niveaux: dict[str, str]
) -> dict[str, tuple[Decimal, Decimal, Decimal] | None]:
    """National IPS quartile cut points per niveau (écoles' and collèges' IPS are not comparable)."""
    par_niveau: dict[str, list[Decimal]] = defaultdict(list)
    for uai, valeur in ips.items():
        if uai in niveaux:
            par_niveau[niveaux[uai]].append(valeur)
    return {niveau: engine.quartiles(valeurs) for niveau, valeurs in par_niveau.items()}


def _vecteur_stocke(etab: dict[str, Any], diagnostic: Diagnostic | None) -> list[int]:
    """The vector an établissement contributed at the last computation (from its stored diagnostic)."""
    if diagnostic is None:
        return engine.vecteur_etablissement(None, engine.Etat(eleves=etab["eleves"], classes=etab["classes"]))
    etat = engine.Etat(
        eleves=diagnostic.eleves,
        classes=diagnostic.classes,
        terminaux=diagnostic.terminaux,
        affichages=diagnostic.affichages,
        salles_connectees=diagnostic.salles_connectees,
        debit_mbits=diagnostic.debit_mbits,
        ent=diagnostic.ent,
        stock_date=diagnostic.stock_date,
        stock_ancien=diagnostic.stock_ancien,
        simule=diagnostic.simule,
    )
    v = engine.vecteur_etablissement(None, etat)
    v[1] = 1
    v[2] = int(diagnostic.au_socle)
    v[3] = int(diagnostic.cout_socle * 100)
    v[4] = int(diagnostic.cout_incomplet)
    v[5] = int(diagnostic.taux * 10_000)
    return v


def _quartiles_stockes() -> dict[str, tuple[Decimal, Decimal, Decimal] | None]:
    nation = Agregat.objects.filter(echelon=E.NATION, code="FR", niveau="").values_list("ventilations", flat=True)
    stockes = (nation.first() or {}).get("quartiles_ips", {})
    return {n: (Decimal(q[0]), Decimal(q[1]), Decimal(q[2])) for n, q in stockes.items()}


# After an edit, the decile gaps of the larger échelons (``VENTILEES``) and of the EPCI and collectivités of at
# least ``national.SEUIL_HISTOGRAMME`` établissements (a métropole, a région's lycées) are read from their
# histograms, moved by one count; a smaller EPCI's or collectivité's are recomputed from its stored diagnostics
# (a few dozen rows).
DECILES_RELUS = (E.EPCI, E.COLLECTIVITE)


def _valeurs_deciles(taux: Decimal | int | None, terminaux: int, eleves: int | None) -> tuple[int | None, int | None]:
    """An établissement's values in the decile gaps: the rate in ten-thousandths, terminals per 100 pupils in
    tenths (rounded down; None without pupils); (None, None) when not diagnosed (``taux`` None)."""
    if taux is None:
        return None, None
    return int(taux * 10_000), (terminaux * 1000 // eleves if eleves else None)


def _deciles_territoires(
    etab: dict[str, Any], agregats: list[Agregat]
) -> dict[tuple[str, str, str], tuple[list[int], list[int]]]:
    """The per-établissement values (rate, terminals per 100 pupils) of the établissement's EPCI and collectivité:
    their établissements first (indexed by collectivité, by commune of the EPCI), then their adopted diagnostics by
    établissement (the unique index). Fewer than ``national.SEUIL_HISTOGRAMME`` rows: larger territories keep
    histograms."""
    voulus = {(a.echelon, a.code, a.niveau) for a in agregats if a.echelon in DECILES_RELUS}
    if not voulus:
        return {}
    versions = set(Version.objects.filter(etat=EtatVersion.ADOPTEE).values_list("pk", flat=True))
    resultat: dict[tuple[str, str, str], tuple[list[int], list[int]]] = {}
    for echelon, champ in ((E.EPCI, "commune__epci_id"), (E.COLLECTIVITE, "collectivite_competente_id")):
        code = etab.get(champ)
        if code is None or not any(cle[0] == echelon for cle in voulus):
            continue
        membres = Etablissement.objects.filter(**{champ: code})
        niveaux = dict(membres.values_list("uai", "niveau"))
        # The versions are filtered here: a condition on them in SQL could lead SQLite to read every diagnostic.
        lignes = [
            (uai, t, term, eleves)
            for uai, version, t, term, eleves in Diagnostic.objects.filter(
                etablissement_id__in=membres.values("uai")
            ).values_list("etablissement_id", "version_id", "taux", "terminaux", "eleves")
            if version in versions
        ]
        for cle in voulus:
            if cle[0] != echelon:
                continue
            taux: list[int] = []
            terminaux: list[int] = []
            for uai, t, term, eleves in lignes:
                if cle[2] and niveaux[uai] != cle[2]:
                    continue
                valeur_taux, valeur_terminaux = _valeurs_deciles(t, term, eleves)
                if valeur_taux is not None:
                    taux.append(valeur_taux)
                if valeur_terminaux is not None:
                    terminaux.append(valeur_terminaux)
            resultat[cle] = (taux, terminaux)
    return resultat


def _deplacer_histogrammes(
    cles: list[tuple[str, str, str]],
    avant: tuple[int | None, int | None],
    apres: tuple[int | None, int | None],
) -> dict[tuple[str, str, str], tuple[tuple[int, int] | None, tuple[int, int] | None]]:
    """Move the établissement's values in the histograms of its territories that have one; their new decile gaps.

    A territory whose histogram lacks the former value (data changed outside of the services) is left out: a large
    échelon's deciles then keep their date until the next full recomputation, an EPCI's or a collectivité's are
    recomputed from its diagnostics."""
    resultat = {}
    lignes = Histogramme.objects.select_for_update().filter(
        reduce(or_, (Q(echelon=ech, code=code, niveau=niv) for ech, code, niv in cles))
    )
    for ligne in lignes:
        h_taux = engine.Histogramme(*ligne.taux)
        h_terminaux = engine.Histogramme(*ligne.terminaux)
        if not (
            engine.histogramme_deplacer(h_taux, avant[0], apres[0])
            and engine.histogramme_deplacer(h_terminaux, avant[1], apres[1])
        ):
            continue
        ligne.taux = list(h_taux)
        ligne.terminaux = list(h_terminaux)
        ligne.save(update_fields=["taux", "terminaux"])
        resultat[(ligne.echelon, ligne.code, ligne.niveau)] = (
            engine.decile_extremes_histogramme(h_taux),
            engine.decile_extremes_histogramme(h_terminaux),
        )
    return resultat


def recalculer_etablissement(uai: str) -> Diagnostic | None:
    """Recompute one établissement after an edit and add the difference to its aggregates (sums, breakdowns,
    decile gaps)."""
    etab = Etablissement.objects.filter(uai=uai).values(*CHAMPS_ETAB).first()
    if etab is None:
        return None
    ctx = charger_contexte(
        niveaux=[etab["niveau"]],
        collectivites=[etab["collectivite_competente_id"]] if etab["collectivite_competente_id"] else [],
    )
    version = ctx.versions.get(etab["niveau"])
    ancien = None
    if version is not None:
        ancien = Diagnostic.objects.filter(etablissement_id=uai, version=version).first()
    inventaire = Inventaire.objects.filter(etablissement_id=uai).values_list(*CHAMPS_INVENTAIRE).first()
    calcul = calculer_un(ctx, etab, inventaire, stocks(ctx, [uai]).get(uai), timezone.now())
    avant = _vecteur_stocke(etab, ancien)
    delta = [b - a for a, b in zip(avant, calcul.vecteur, strict=True)]
    with transaction.atomic():
        if calcul.ligne is not None:
            _ecrire_diagnostics([calcul.ligne])
        elif ancien is not None:
            ancien.delete()
        if any(delta):
            cles = [(ech, code, niv) for ech, code in cles_territoire(etab) for niv in ("", etab["niveau"])]
            filtre = reduce(or_, (Q(echelon=ech, code=code, niveau=niv) for ech, code, niv in cles))
            dimensions = dimensions_de({**etab, "ips": _dernier_ips([uai]).get(uai)}, _quartiles_stockes())
            agregats = list(Agregat.objects.select_for_update().filter(filtre))
            v = calcul.vecteur
            deciles = _deplacer_histogrammes(
                cles,
                _valeurs_deciles(ancien.taux if ancien else None, avant[RANG_TERMINAUX], avant[RANG_ELEVES]),
                _valeurs_deciles(calcul.taux, v[RANG_TERMINAUX], v[RANG_ELEVES]),
            )
            sans_histogramme = [a for a in agregats if (a.echelon, a.code, a.niveau) not in deciles]
            deciles.update(
                {
                    cle: (engine.decile_extremes(taux), engine.decile_extremes(terminaux))
                    for cle, (taux, terminaux) in _deciles_territoires(etab, sans_histogramme).items()
                }
            )
            maintenant = timezone.now()
            for agregat in agregats:
                agregat.synthese = {
                    nom: agregat.synthese.get(nom, 0) + d for nom, d in zip(engine.CHAMPS_SYNTHESE, delta, strict=True)
                }
                vent = agregat.ventilations
                for dimension, valeur in dimensions.items():
                    # Small territories store only their breakdowns of two groups or more (the set of
                    # établissements, hence of groups, does not change with an inventory edit).
                    if agregat.echelon not in VENTILEES and dimension not in vent:
                        continue
                    groupes = vent.setdefault(dimension, {})
                    groupes[valeur] = list(map(add, groupes.get(valeur, [0] * len(delta)), delta))
                cle = (agregat.echelon, agregat.code, agregat.niveau)
                if cle in deciles:
                    _poser_deciles(vent, *deciles[cle])
                    vent["deciles_le"] = maintenant.isoformat()
                agregat.save(update_fields=["synthese", "ventilations"])
    return Diagnostic.objects.filter(etablissement_id=uai, version=version).first() if version else None


def diagnostic_a_la_demande(uai: str, version: Version) -> Diagnostic | None:
    """The diagnostic of one établissement against any chosen version, computed now and NOT stored."""
    etab = Etablissement.objects.filter(uai=uai).values(*CHAMPS_ETAB).first()
    if etab is None or version.referentiel.niveau != etab["niveau"]:
        return None
    ctx = charger_contexte(
        versions={etab["niveau"]: version},
        collectivites=[etab["collectivite_competente_id"]] if etab["collectivite_competente_id"] else [],
    )
    inventaire = Inventaire.objects.filter(etablissement_id=uai).values_list(*CHAMPS_INVENTAIRE).first()
    calcul = calculer_un(ctx, etab, inventaire, stocks(ctx, [uai]).get(uai), timezone.now())
    if calcul.ligne is None:
        return None
    champs = dict(zip(COLONNES_DIAGNOSTIC, calcul.ligne, strict=True))
    champs["lignes"] = json.loads(champs["lignes"])
    del champs["version_id"]
    return Diagnostic(version=version, **champs)
