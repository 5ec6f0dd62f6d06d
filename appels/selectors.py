"""Reads of the appels: facts of a school for the eligibility rules, visible dossiers, a dossier's subsidy."""

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Prefetch, Q, QuerySet

from comptes.permissions import scope_of
from territoires.models import Collectivite, Etablissement

from . import rules
from .models import AppelAProjets, Dossier, EtatDossier, EtatRevision, FinancementAnterieur, LigneDepense, Projet


def sous_type_de(etablissement: Etablissement) -> str:
    """``maternelle``, ``elementaire``, ``primaire``… from the sous-type, or else the nature of the school."""
    if etablissement.sous_type:
        return etablissement.sous_type.lower()
    nature = etablissement.nature.upper()
    for mot, sous_type in (("MATERNELLE", "maternelle"), ("ELEMENTAIRE", "elementaire"), ("PRIMAIRE", "primaire")):
        if mot in nature:
            return sous_type
    return ""


def faits_etablissement(etablissement: Etablissement, financements: Iterable[str] = ()) -> dict[str, object]:
    """The facts the eligibility rules may name, for one school (its commune, EPCI, collectivité compétente…)."""
    commune = etablissement.commune
    epci = commune.epci
    collectivite = etablissement.collectivite_competente
    ips = next((i.valeur for i in etablissement.ips.all() if i.valeur is not None and not i.non_significatif), None)
    population_collectivite = None
    if collectivite is not None:
        if collectivite.commune_id:
            population_collectivite = commune.population if collectivite.commune_id == commune.pk else None
        elif collectivite.epci_id and epci is not None and collectivite.epci_id == epci.pk:
            population_collectivite = epci.population
    faits: dict[str, object] = {
        "collectivite.type": collectivite.type if collectivite else None,
        "collectivite.population": population_collectivite,
        "commune.population": commune.population,
        "commune.densite": commune.densite,
        "commune.outre_mer": commune.departement_id[:2] in ("97", "98"),
        "epci.type": epci.type if epci else None,
        "epci.population": epci.population if epci else None,
        "etablissement.niveau": etablissement.niveau,
        "etablissement.sous_type": sous_type_de(etablissement) or None,
        "etablissement.secteur": etablissement.secteur or None,
        "etablissement.ips": ips,
        "etablissement.classes": etablissement.classes,
        "etablissement.eleves": etablissement.eleves,
    }
    for code in financements:
        faits[f"{rules.PREFIXE_FINANCEMENT}{code}"] = True
    return faits


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


def etablissements_de_collectivite(collectivite: Collectivite, niveau: str) -> list[Etablissement]:
    return list(
        etablissements_avec_faits(
            Etablissement.objects.filter(collectivite_competente=collectivite, niveau=niveau)
        ).order_by("nom")
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
