"""Services of the collectivité compétente: recomputation, transfer of the écoles competence, and its cancellation.

The resolution itself is the pure rule ``territoires.rules.resoudre_competence``; this module feeds it with the
``Competence`` rows and keeps ``Etablissement.collectivite_competente`` (denormalised) up to date.
"""

from collections.abc import Iterable
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from core.audit import log_action

from .models import Collectivite, Commune, Competence, Etablissement, OrigineCompetence, Perimetre, TypeCollectivite
from .rules import commune_de_rattachement, resoudre_competence

FONDEMENT_ECOLE = "Code de l'éducation, art. L.212-4 : la commune a la charge des écoles publiques"


def carte_competences() -> dict[tuple[str, str, str], int]:
    """(niveau, périmètre, code du territoire) → id of the collectivité compétente."""
    return {
        (niveau, perimetre, code): collectivite
        for niveau, perimetre, code, collectivite in Competence.objects.values_list(
            "niveau", "perimetre", "code_territoire", "collectivite_id"
        )
    }


def expliquer(etablissement: Etablissement) -> tuple[Collectivite | None, str]:
    """The collectivité compétente of one établissement and the reason, in French, with the legal basis of the
    competence that applies (for its page)."""
    collectivite_id, raison = resoudre_competence(
        niveau=etablissement.niveau,
        secteur=etablissement.secteur,
        code_commune=etablissement.commune_id,
        code_departement=etablissement.departement_id,
        code_region=etablissement.departement.region_id,
        competences=carte_competences(),
    )
    if collectivite_id is None:
        return None, raison
    collectivite = Collectivite.objects.get(pk=collectivite_id)
    territoires = {
        Perimetre.COMMUNE: commune_de_rattachement(etablissement.commune_id),
        Perimetre.DEPARTEMENT: etablissement.departement_id,
        Perimetre.REGION: etablissement.departement.region_id,
    }
    for perimetre, code in territoires.items():
        competence = Competence.objects.filter(
            niveau=etablissement.niveau, perimetre=perimetre, code_territoire=code
        ).first()
        if competence is not None:
            if competence.origine == OrigineCompetence.LOI:
                return collectivite, raison
            depuis = f", depuis le {competence.depuis:%d/%m/%Y}" if competence.depuis else ""
            return collectivite, f"{raison}. {competence.get_origine_display()}{depuis} : {competence.fondement}"
    return collectivite, raison


def recompute_collectivites_competentes(*, uais: Iterable[str] | None = None) -> int:
    """Recompute ``Etablissement.collectivite_competente`` (all, or the given UAIs); returns how many changed."""
    carte = carte_competences()
    if uais is None:
        lots = [Etablissement.objects.all()]
    else:  # in batches: SQLite limits the number of parameters of a query
        liste = sorted(uais)
        lots = [Etablissement.objects.filter(uai__in=liste[i : i + 5000]) for i in range(0, len(liste), 5000)]
    lignes = (
        ligne
        for qs in lots
        for ligne in qs.values_list(
            "uai",
            "niveau",
            "secteur",
            "commune_id",
            "departement_id",
            "departement__region_id",
            "collectivite_competente_id",
        ).iterator(chunk_size=5000)
    )
    a_modifier = []
    for uai, niveau, secteur, commune, departement, region, actuelle in lignes:
        collectivite, _ = resoudre_competence(
            niveau=niveau,
            secteur=secteur,
            code_commune=commune,
            code_departement=departement,
            code_region=region,
            competences=carte,
        )
        if collectivite != actuelle:
            a_modifier.append(Etablissement(uai=uai, collectivite_competente_id=collectivite))
    Etablissement.objects.bulk_update(a_modifier, ["collectivite_competente"], batch_size=250)
    return len(a_modifier)


def _etablissements_de(commune: Commune) -> list[str]:
    """UAIs of the établissements of a commune, its arrondissements included."""
    return list(
        Etablissement.objects.filter(
            commune__in=[commune.pk, *commune.arrondissements.values_list("pk", flat=True)]
        ).values_list("uai", flat=True)
    )


def competence_transfer(
    *, commune: Commune, collectivite: Collectivite, depuis: date, fondement: str, actor: Any
) -> Competence:
    """Record that ``collectivite`` (an EPCI or a syndicat) now equips the public écoles of ``commune``."""
    if collectivite.type not in (TypeCollectivite.EPCI, TypeCollectivite.SYNDICAT, TypeCollectivite.STATUT_PARTICULIER):
        raise ValidationError(
            {"collectivite": "La compétence des écoles ne peut être transférée qu'à un EPCI ou à un syndicat."}
        )
    if collectivite.type == TypeCollectivite.EPCI and collectivite.epci_id and commune.epci_id != collectivite.epci_id:
        raise ValidationError({"collectivite": f"La commune {commune.nom} n'est pas membre de {collectivite.nom}."})
    if not fondement.strip():
        raise ValidationError({"fondement": "Indiquez le fondement du transfert (délibération, arrêté préfectoral…)."})
    commune_collectivite = Collectivite.objects.filter(commune=commune).first()
    if commune_collectivite is None:
        raise ValidationError({"commune": f"La commune {commune.nom} n'est pas une collectivité connue."})
    with transaction.atomic():
        competence, _ = Competence.objects.update_or_create(
            niveau="ecole",
            perimetre=Perimetre.COMMUNE,
            code_territoire=commune.code_insee,
            defaults={
                "collectivite": collectivite,
                "origine": OrigineCompetence.TRANSFERT,
                "fondement": fondement.strip()[:255],
                "depuis": depuis,
            },
        )
        recalcules = recompute_collectivites_competentes(uais=_etablissements_de(commune))
        log_action(
            commune_collectivite,
            "territoires.competence.transferee",
            actor=actor,
            data={
                "commune": commune.code_insee,
                "vers": collectivite.code,
                "depuis": depuis.isoformat(),
                "fondement": competence.fondement,
                "etablissements_recalcules": recalcules,
            },
        )
    return competence


def competence_transfer_annuler(*, competence: Competence, actor: Any) -> Competence:
    """Give the écoles competence back to the commune (end of a transfer)."""
    if competence.origine != OrigineCompetence.TRANSFERT:
        raise ValidationError("Seule une compétence transférée peut être rendue à la commune.")
    commune = Commune.objects.get(pk=competence.code_territoire)
    commune_collectivite = Collectivite.objects.get(commune=commune)
    ancienne = competence.collectivite
    with transaction.atomic():
        competence.collectivite = commune_collectivite
        competence.origine = OrigineCompetence.LOI
        competence.fondement = FONDEMENT_ECOLE
        competence.depuis = None
        competence.save()
        recalcules = recompute_collectivites_competentes(uais=_etablissements_de(commune))
        log_action(
            commune_collectivite,
            "territoires.competence.transfert_annule",
            actor=actor,
            data={"commune": commune.code_insee, "ancienne": ancienne.code, "etablissements_recalcules": recalcules},
        )
    return competence
