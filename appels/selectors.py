"""Reads of the appels: facts of a school for the eligibility rules, visible dossiers, a dossier's subsidy."""

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet

from comptes.models import ROLE_ORGANISATION, Membership, Role
from comptes.permissions import scope_of
from territoires.models import IPS, Collectivite, Etablissement

from . import rules
from .models import (
    AppelAProjets,
    Dossier,
    EtatDossier,
    EtatRevision,
    FinancementAnterieur,
    LigneDepense,
    Projet,
    Revision,
)


def _sous_type(sous_type: str, nature: str) -> str:
    if sous_type:
        return sous_type.lower()
    nature = nature.upper()
    for mot, resultat in (("MATERNELLE", "maternelle"), ("ELEMENTAIRE", "elementaire"), ("PRIMAIRE", "primaire")):
        if mot in nature:
            return resultat
    return ""


def sous_type_de(etablissement: Etablissement) -> str:
    """``maternelle``, ``elementaire``, ``primaire``… from the sous-type, or else the nature of the school."""
    return _sous_type(etablissement.sous_type, etablissement.nature)


# The columns the facts are built from, as read by ``Etablissement.objects.values(*COLONNES_FAITS)``.
COLONNES_FAITS = (
    "uai",
    "niveau",
    "sous_type",
    "nature",
    "secteur",
    "classes",
    "eleves",
    "commune_id",
    "commune__population",
    "commune__superficie_km2",
    "commune__departement_id",
    "commune__epci_id",
    "commune__epci__type",
    "commune__epci__population",
    "collectivite_competente__type",
    "collectivite_competente__commune_id",
    "collectivite_competente__epci_id",
)


def faits_depuis_colonnes(ligne: dict[str, Any], ips: Decimal | None, financements: Iterable[str]) -> dict[str, object]:
    """The facts the eligibility rules may name, for one school (its commune, EPCI, collectivité compétente…).

    The single definition of the facts: from the columns ``COLONNES_FAITS`` (bulk reads) or, through
    ``faits_etablissement``, from a model instance.
    """
    population = ligne["commune__population"]
    superficie = ligne["commune__superficie_km2"]
    population_collectivite = None
    if ligne["collectivite_competente__commune_id"]:
        if ligne["collectivite_competente__commune_id"] == ligne["commune_id"]:
            population_collectivite = population
    elif (
        ligne["collectivite_competente__epci_id"]
        and ligne["collectivite_competente__epci_id"] == ligne["commune__epci_id"]
    ):
        population_collectivite = ligne["commune__epci__population"]
    faits: dict[str, object] = {
        "collectivite.type": ligne["collectivite_competente__type"],
        "collectivite.population": population_collectivite,
        "commune.population": population,
        "commune.densite": (Decimal(population) / superficie).quantize(Decimal("0.1"))
        if population and superficie
        else None,
        "commune.outre_mer": (ligne["commune__departement_id"] or "")[:2] in ("97", "98"),
        "epci.type": ligne["commune__epci__type"],
        "epci.population": ligne["commune__epci__population"],
        "etablissement.niveau": ligne["niveau"],
        "etablissement.sous_type": _sous_type(ligne["sous_type"], ligne["nature"]) or None,
        "etablissement.secteur": ligne["secteur"] or None,
        "etablissement.ips": ips,
        "etablissement.classes": ligne["classes"],
        "etablissement.eleves": ligne["eleves"],
    }
    for code in financements:
        faits[f"{rules.PREFIXE_FINANCEMENT}{code}"] = True
    return faits


def faits_etablissement(etablissement: Etablissement, financements: Iterable[str] = ()) -> dict[str, object]:
    """The facts of one school, from its instance (see ``faits_depuis_colonnes``)."""
    commune = etablissement.commune
    epci = commune.epci
    collectivite = etablissement.collectivite_competente
    ligne = {
        "uai": etablissement.uai,
        "niveau": etablissement.niveau,
        "sous_type": etablissement.sous_type,
        "nature": etablissement.nature,
        "secteur": etablissement.secteur,
        "classes": etablissement.classes,
        "eleves": etablissement.eleves,
        "commune_id": commune.pk,
        "commune__population": commune.population,
        "commune__superficie_km2": commune.superficie_km2,
        "commune__departement_id": commune.departement_id,
        "commune__epci_id": commune.epci_id,
        "commune__epci__type": epci.type if epci else None,
        "commune__epci__population": epci.population if epci else None,
        "collectivite_competente__type": collectivite.type if collectivite else None,
        "collectivite_competente__commune_id": collectivite.commune_id if collectivite else None,
        "collectivite_competente__epci_id": collectivite.epci_id if collectivite else None,
    }
    ips = next((i.valeur for i in etablissement.ips.all() if i.valeur is not None and not i.non_significatif), None)
    return faits_depuis_colonnes(ligne, ips, financements)


def financements_de(uais: Sequence[str]) -> dict[str, set[str]]:
    """Past fundings per UAI: recorded ones, and accepted dossiers of any appel."""
    par_uai: dict[str, set[str]] = defaultdict(set)
    for uai, code in FinancementAnterieur.objects.filter(etablissement_id__in=uais).values_list(
        "etablissement_id", "code"
    ):
        par_uai[uai].add(code)
    for uai, code in Projet.objects.filter(etablissement_id__in=uais, dossier__etat=EtatDossier.ACCEPTE).values_list(
        "etablissement_id", "dossier__appel__code"
    ):
        par_uai[uai].add(code)
    return par_uai


def ips_de(uais: Sequence[str]) -> dict[str, Decimal]:
    """The latest significant IPS of each school (as ``faits_etablissement`` picks it)."""
    ips: dict[str, Decimal] = {}
    for uai, valeur in (
        IPS.objects.filter(etablissement_id__in=uais, valeur__isnull=False, non_significatif=False)
        .order_by("etablissement_id", "-rentree")
        .values_list("etablissement_id", "valeur")
    ):
        ips.setdefault(uai, valeur)
    return ips


# The columns of a school that a deposit reads: its facts, its name, its collectivité compétente.
COLONNES_DEPOT = (*COLONNES_FAITS, "nom", "collectivite_competente_id")


def etablissements_a_evaluer(
    uais: Sequence[str], expression: rules.Expression
) -> dict[str, tuple[dict[str, Any], rules.Evaluation]]:
    """The schools of ``uais`` (known ones only) as columns, each with its evaluation by ``expression``.

    One query for the columns; the IPS and past fundings are read only when the rule names them.
    """
    lignes = {ligne["uai"]: ligne for ligne in Etablissement.objects.filter(uai__in=uais).values(*COLONNES_DEPOT)}
    noms = rules.faits_utilises(expression)
    connus = list(lignes)
    ips = ips_de(connus) if lignes and "etablissement.ips" in noms else {}
    lus_financements = lignes and any(n.startswith(rules.PREFIXE_FINANCEMENT) for n in noms)
    financements = financements_de(connus) if lus_financements else {}
    return {
        uai: (ligne, rules.evaluer(expression, faits_depuis_colonnes(ligne, ips.get(uai), financements.get(uai, ()))))
        for uai, ligne in lignes.items()
    }


def etablissements_avec_faits(queryset: QuerySet[Etablissement]) -> QuerySet[Etablissement]:
    return queryset.select_related("commune__epci", "commune__departement", "collectivite_competente").prefetch_related(
        "ips"
    )


@dataclass(frozen=True)
class EligibiliteEcole:
    etablissement: Etablissement
    evaluation: rules.Evaluation


def eligibilite_des_etablissements(
    expression: rules.Expression, etablissements: Sequence[Etablissement]
) -> list[EligibiliteEcole]:
    financements = financements_de([e.uai for e in etablissements])
    return [
        EligibiliteEcole(e, rules.evaluer(expression, faits_etablissement(e, financements.get(e.uai, ()))))
        for e in etablissements
    ]


def condition_rattachement(collectivite: Collectivite) -> Q:
    """The schools a collectivité may file for: those it is compétente for, and the private schools under
    contract of its territory when it is a commune (they apply through the commune, e.g. SNÉÉ 2021; the
    appel's eligibility rule then decides on the secteur)."""
    condition = Q(collectivite_competente=collectivite)
    if collectivite.commune_id:
        condition |= Q(commune_id=collectivite.commune_id, secteur="prive_sous_contrat")
    return condition


def est_rattachee(ligne: dict[str, Any], collectivite: Collectivite) -> bool:
    """``condition_rattachement`` on a school's columns (``collectivite_competente_id``, ``commune_id``,
    ``secteur``), for a school already read."""
    return ligne["collectivite_competente_id"] == collectivite.pk or (
        collectivite.commune_id is not None
        and ligne["commune_id"] == collectivite.commune_id
        and ligne["secteur"] == "prive_sous_contrat"
    )


def etablissements_de_collectivite(collectivite: Collectivite, niveau: str) -> list[Etablissement]:
    return list(
        etablissements_avec_faits(
            Etablissement.objects.filter(condition_rattachement(collectivite), niveau=niveau)
        ).order_by("nom")
    )


VOLET_DU_DOMAINE = {"services": "services", "accompagnement": "accompagnement"}


def items_du_referentiel(niveau: str) -> dict[str, tuple[str, str]]:
    """Items of the adopted référentiel of ``niveau``: code → (libellé, volet of the AAP it falls under)."""
    from referentiels.models import Item

    return {
        code: (libelle, VOLET_DU_DOMAINE.get(domaine, "equipement"))
        for code, libelle, domaine in Item.objects.filter(version__referentiel__niveau=niveau, version__etat="adoptee")
        .values_list("code", "libelle", "domaine")
        .order_by("ordre", "id")
    }


def revision_publiee_de(code: str) -> Revision | None:
    """The published revision of the appel ``code``, with its appel (None when the appel has none)."""
    return Revision.objects.select_related("appel").filter(appel__code=code, etat=EtatRevision.PUBLIEE).first()


def collectivite_du_depot(user: Any, collectivite_id: int) -> Collectivite | None:
    """The collectivité ``user`` deposits for, with its territory (for the académie), when ``user`` acts for it;
    None when it does not (or when there is no such collectivité).

    One query: the collectivité read with the right of ``comptes.permissions.acts_for_collectivite`` (an active
    agent's membership of the collectivité's organisation) as an EXISTS condition; a test checks both agree.
    """
    if user is None or not user.is_authenticated or not user.is_active:
        return None
    droit = Membership.objects.filter(
        user=user,
        role=Role.AGENT_COLLECTIVITE,
        organisation__type=ROLE_ORGANISATION[Role.AGENT_COLLECTIVITE],
        organisation__collectivite=OuterRef("pk"),
    )
    return (
        Collectivite.objects.select_related("commune__departement", "departement")
        .filter(Exists(droit), pk=collectivite_id)
        .first()
    )


def appels_publies() -> QuerySet[AppelAProjets]:
    return AppelAProjets.objects.filter(revisions__etat=EtatRevision.PUBLIEE).distinct().order_by("-millesime", "titre")


def dossiers_visibles(user: Any) -> QuerySet[Dossier]:
    """The dossiers ``user`` may see: its collectivités', its académies', its circonscriptions' (all for the DNE)."""
    scope = scope_of(user)
    base = Dossier.objects.select_related("appel", "collectivite", "academie")
    if scope.dne:
        return base
    condition = Q(collectivite_id__in=scope.collectivites) | Q(academie_id__in=scope.academies)
    if scope.circonscriptions:
        condition |= Q(projets__etablissement__circonscription_id__in=scope.circonscriptions)
    if scope.etablissements:
        condition |= Q(projets__etablissement_id__in=scope.etablissements)
    if not scope.authenticated:
        return base.none()
    return base.filter(condition).distinct()


def dossier_complet(pk: int) -> Dossier:
    return (
        Dossier.objects.select_related("appel", "revision", "collectivite", "academie")
        .prefetch_related(
            Prefetch(
                "projets",
                queryset=Projet.objects.select_related("etablissement__circonscription").prefetch_related(
                    Prefetch("lignes", queryset=LigneDepense.objects.order_by("id"))
                ),
            ),
            "pieces",
        )
        .get(pk=pk)
    )


def saisie_du_dossier(dossier: Dossier) -> list[rules.EtablissementSaisi]:
    saisies = []
    for projet in dossier.projets.all():
        depenses: dict[str, Decimal] = defaultdict(Decimal)
        for ligne in projet.lignes.all():
            depenses[ligne.volet] += ligne.montant
        saisies.append(
            rules.EtablissementSaisi(
                projet.etablissement_id, projet.etablissement.nom, projet.classes, projet.eleves, dict(depenses)
            )
        )
    return saisies


def subvention_du_dossier(dossier: Dossier) -> rules.ResultatFinancement:
    """The subsidy of a dossier by the funding rule of the revision it is pinned to."""
    return rules.calculer_subvention(dossier.revision.regle_financement, saisie_du_dossier(dossier))


def dossiers_retenus(appel: AppelAProjets) -> QuerySet[Dossier]:
    """The accepted dossiers of an appel, for the public list of results per académie."""
    return (
        Dossier.objects.filter(appel=appel, etat=EtatDossier.ACCEPTE)
        .select_related("collectivite", "academie")
        .prefetch_related("projets__etablissement")
        .order_by("academie__nom", "collectivite__nom")
    )


@dataclass(frozen=True)
class BilanDossier:
    dossier: Dossier
    non_eligibles: dict[str, tuple[str, ...]]  # UAI → reasons
    resultat: rules.ResultatFinancement


def bilan_campagne(
    appel: AppelAProjets, etats: Sequence[str] = (), academies: Iterable[str] | None = None
) -> list[BilanDossier]:
    """Eligibility of every school and subsidy of every dossier of an appel, each by its own revision.

    The instruction dashboard of a national campaign: plain column reads (no model instance per line),
    a fixed number of queries whatever the number of dossiers.
    """
    filtre: dict[str, Any] = {"etat__in": list(etats)} if etats else {}
    if academies is not None:
        filtre["academie_id__in"] = list(academies)
    dossiers = list(Dossier.objects.filter(appel=appel, **filtre).select_related("collectivite").order_by("id"))
    revisions = {r.pk: r for r in appel.revisions.all()}
    du_dossier = {f"dossier__{cle}": valeur for cle, valeur in filtre.items()}
    projets = list(
        Projet.objects.filter(dossier__appel=appel, **du_dossier)
        .values_list("pk", "dossier_id", "etablissement_id", "etablissement__nom", "classes", "eleves")
        .order_by("dossier_id", "etablissement__nom")
    )
    depenses: dict[int, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    lignes = LigneDepense.objects.filter(
        projet__dossier__appel=appel, **{f"projet__{k}": v for k, v in du_dossier.items()}
    )
    for projet_id, volet, quantite, prix in lignes.values_list("projet_id", "volet", "quantite", "prix_unitaire"):
        depenses[projet_id][volet] += prix * quantite
    uais = sorted({p[2] for p in projets})
    colonnes = {ligne["uai"]: ligne for ligne in Etablissement.objects.filter(uai__in=uais).values(*COLONNES_FAITS)}
    ips = ips_de(uais)
    financements = financements_de(uais)
    par_dossier: dict[int, list[tuple[Any, ...]]] = defaultdict(list)
    for projet in projets:
        par_dossier[projet[1]].append(projet)
    bilans = []
    for dossier in dossiers:
        revision = revisions[dossier.revision_id]
        dossier.revision = revision
        non_eligibles = {}
        saisies = []
        for projet_id, _, uai, nom, classes, eleves in par_dossier[dossier.pk]:
            faits = faits_depuis_colonnes(colonnes[uai], ips.get(uai), financements.get(uai, ()))
            evaluation = rules.evaluer(revision.regle_eligibilite, faits)
            if not evaluation.eligible:
                non_eligibles[uai] = evaluation.raisons
            saisies.append(rules.EtablissementSaisi(uai, nom, classes, eleves, dict(depenses[projet_id])))
        bilans.append(
            BilanDossier(dossier, non_eligibles, rules.calculer_subvention(revision.regle_financement, saisies))
        )
    return bilans
