"""Writes of the référentiels: one service per transition, in a transaction, with an audit entry.

Services check the move (transition table, invariants, data); views and the API check who may do
it through ``get_abilities`` before calling them. Bad data raises ``ValidationError`` with a French
message and leaves the database untouched.
"""

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from comptes.models import Organisation, TypeOrganisation
from core.audit import log_action

from . import rules
from .models import (
    Amendement,
    EtatAmendement,
    EtatVersion,
    Item,
    Modification,
    Referentiel,
    Version,
)
from .signals import version_adoptee

# Which state an amendment may move to from each state.
TRANSITIONS: dict[str, frozenset[str]] = {
    EtatAmendement.PROPOSE: frozenset({EtatAmendement.EN_DISCUSSION, EtatAmendement.REJETE}),
    EtatAmendement.EN_DISCUSSION: frozenset({EtatAmendement.INSCRIT, EtatAmendement.REJETE}),
    # A plenary may send an item back to the working group.
    EtatAmendement.INSCRIT: frozenset({EtatAmendement.ADOPTE, EtatAmendement.REJETE, EtatAmendement.EN_DISCUSSION}),
    EtatAmendement.ADOPTE: frozenset(),
    EtatAmendement.REJETE: frozenset(),
}
ORGANISATIONS_DU_COMITE = (TypeOrganisation.ASSOCIATION, TypeOrganisation.MINISTERE)


def _verifier_transition(amendement: Amendement, cible: str) -> None:
    if cible not in TRANSITIONS[amendement.etat]:
        raise ValidationError(
            f"L'amendement « {amendement.titre} » est « {amendement.get_etat_display().lower()} » : "
            f"il ne peut pas passer à l'état « {EtatAmendement(cible).label.lower()} »."
        )


def _erreur(exc: rules.RegleInvalide) -> ValidationError:
    return ValidationError(exc.message, code=exc.champ or "invalide")


def items_de(version: Version | None) -> dict[str, dict[str, object]]:
    """The items of a version as data (code → fields), in their order."""
    if version is None:
        return {}
    return {item.code: item.as_data() for item in version.items.order_by("ordre", "id")}


def _creer_items(version: Version, items: Mapping[str, Mapping[str, Any]]) -> None:
    Item.objects.bulk_create(
        Item(
            version=version,
            code=code,
            ordre=rang,
            domaine=data["domaine"],
            libelle=data["libelle"],
            description=data["description"],
            obligatoire=data["obligatoire"],
            regle=data["regle"],
            cout_bas=data["cout_bas"],
            cout_typique=data["cout_typique"],
            cout_haut=data["cout_haut"],
            cout_unite=data["cout_unite"],
            cout_source=data["cout_source"],
            cout_non_confirme=data["cout_non_confirme"],
        )
        for rang, (code, data) in enumerate(items.items(), start=1)
    )


def _adopter(*, referentiel: Referentiel, version: Version, decision_ref: str) -> Version | None:
    """Make ``version`` the adopted one of its (locked) référentiel; return the replaced version."""
    maintenant = timezone.now()
    precedente = referentiel.versions.select_for_update().filter(etat=EtatVersion.ADOPTEE).first()
    if precedente is not None:
        precedente.etat = EtatVersion.REMPLACEE
        precedente.remplacee_le = maintenant
        precedente.save(update_fields=["etat", "remplacee_le"])
    version.etat = EtatVersion.ADOPTEE
    version.adoptee_le = maintenant
    version.decision_ref = decision_ref.strip()[:255]
    version.save(update_fields=["etat", "adoptee_le", "decision_ref"])
    return precedente


def _numero_suivant(referentiel: Referentiel) -> int:
    return (referentiel.versions.aggregate(m=Max("numero"))["m"] or 0) + 1


def valider_items(items: Sequence[Mapping[str, Any]]) -> dict[str, dict[str, object]]:
    """Validate a list of items (each with its ``code``): French message on the first faulty one."""
    resultat: dict[str, dict[str, object]] = {}
    for rang, item in enumerate(items, start=1):
        try:
            code = rules.valider_code(item.get("code"))
            if code in resultat:
                raise rules.RegleInvalide(f"Item {rang} : le code « {code} » est en double.", champ="code")
            resultat[code] = rules.valider_item(code, {k: v for k, v in item.items() if k != "code"})
        except rules.RegleInvalide as exc:
            raise _erreur(exc) from None
    return resultat


def referentiel_charger_version_initiale(
    *,
    niveau: str,
    titre: str,
    description: str,
    items: Sequence[Mapping[str, Any]],
    a_valider: bool,
    notes: str = "",
    actor: Any = None,
) -> tuple[Version, bool]:
    """Create the référentiel of ``niveau`` and its adopted version 1, unless it has versions already.

    Return (version 1, created). Idempotent: an existing référentiel is left as it is.
    """
    donnees = valider_items(items)
    with transaction.atomic():
        referentiel, _ = Referentiel.objects.select_for_update().get_or_create(
            niveau=niveau, defaults={"titre": titre, "description": description}
        )
        existante = referentiel.versions.filter(numero=1).first()
        if existante is not None:
            return existante, False
        version = Version.objects.create(referentiel=referentiel, numero=1, a_valider=a_valider, notes=notes)
        _creer_items(version, donnees)
        _adopter(referentiel=referentiel, version=version, decision_ref="")
        log_action(version, "referentiels.version.adoptee", actor=actor, data={"numero": 1, "items": len(donnees)})
        version_adoptee.send(sender=Version, version=version, precedente=None, amendement=None, actor=actor)
    return version, True


def version_creer_brouillon(*, referentiel: Referentiel, actor: Any, notes: str = "") -> Version:
    """A new draft version, starting from the items of the adopted one."""
    with transaction.atomic():
        referentiel = Referentiel.objects.select_for_update().get(pk=referentiel.pk)
        courante = referentiel.version_adoptee()
        version = Version.objects.create(
            referentiel=referentiel,
            numero=_numero_suivant(referentiel),
            notes=notes,
            a_valider=courante.a_valider if courante else False,
        )
        _creer_items(version, items_de(courante))
        log_action(version, "referentiels.version.brouillon_cree", actor=actor, data={"numero": version.numero})
    return version


def version_mettre_en_consultation(*, version: Version, actor: Any) -> Version:
    with transaction.atomic():
        version = Version.objects.select_for_update().get(pk=version.pk)
        if version.etat != EtatVersion.BROUILLON:
            raise ValidationError(f"Seul un brouillon peut être mis en consultation (version {version.numero}).")
        version.etat = EtatVersion.EN_CONSULTATION
        version.save(update_fields=["etat"])
        log_action(version, "referentiels.version.en_consultation", actor=actor, data={"numero": version.numero})
    return version


def version_publier(*, version: Version, actor: Any, decision_ref: str = "") -> Version:
    """Adopt a draft (or a version in consultation): it becomes the current version."""
    with transaction.atomic():
        referentiel = Referentiel.objects.select_for_update().get(pk=version.referentiel_id)
        version = Version.objects.select_for_update().get(pk=version.pk)
        if version.etat not in (EtatVersion.BROUILLON, EtatVersion.EN_CONSULTATION):
            raise ValidationError(f"La version {version.numero} est déjà {version.get_etat_display().lower()}.")
        courante = referentiel.version_adoptee()
        if courante is not None and courante.numero > version.numero:
            raise ValidationError(
                f"La version {version.numero} est antérieure à la version adoptée ({courante.numero})."
            )
        valider_items([{"code": code, **data} for code, data in items_de(version).items()])
        precedente = _adopter(referentiel=referentiel, version=version, decision_ref=decision_ref)
        log_action(
            version,
            "referentiels.version.adoptee",
            actor=actor,
            data={"numero": version.numero, "precedente": precedente.numero if precedente else None},
        )
        version_adoptee.send(sender=Version, version=version, precedente=precedente, amendement=None, actor=actor)
    return version


# --- Amendments -------------------------------------------------------------------------------------


def _normaliser_modifications(
    base: Mapping[str, Mapping[str, object]], modifications: Sequence[Mapping[str, Any]]
) -> list[dict[str, object]]:
    """Check the changes against ``base`` and return them as stored (validated, JSON-ready)."""
    if not modifications:
        raise ValidationError("Un amendement doit comporter au moins une modification.")
    try:
        apres = rules.appliquer_modifications(base, list(modifications))
    except rules.RegleInvalide as exc:
        raise _erreur(exc) from None
    normalisees: list[dict[str, object]] = []
    for modification in modifications:
        code = str(modification["code"]).strip()
        operation = modification["operation"]
        donnees: dict[str, object] = {}
        if operation == "ajout":
            donnees = dict(apres[code])
        elif operation == "modification" and code in apres:
            donnees = {k: apres[code][k] for k in (modification.get("donnees") or {})}
        elif operation == "modification":
            # Changed then removed within the same amendment: keep the change as given (JSON-ready).
            donnees = {
                k: str(v) if isinstance(v, Decimal) else v for k, v in (modification.get("donnees") or {}).items()
            }
        normalisees.append({"operation": operation, "code": code, "donnees": donnees})
    return normalisees


def amendement_proposer(
    *,
    version_base: Version,
    organisation: Organisation,
    auteur: Any,
    titre: str,
    expose_motifs: str,
    modifications: Sequence[Mapping[str, Any]],
) -> Amendement:
    """A member organisation proposes changes to the adopted version ``version_base``.

    ``modifications``: ``{"operation": "ajout" | "modification" | "suppression", "code": …, "donnees": {…}}``;
    for a change, ``donnees`` holds only the changed fields.
    """
    titre = (titre or "").strip()
    expose_motifs = (expose_motifs or "").strip()
    if not titre:
        raise ValidationError({"titre": "Le titre de l'amendement est obligatoire."})
    if not expose_motifs:
        raise ValidationError({"expose_motifs": "L'exposé des motifs est obligatoire."})
    if organisation.type not in ORGANISATIONS_DU_COMITE:
        raise ValidationError(
            {"organisation": f"« {organisation} » n'est pas une organisation membre du comité des partenaires."}
        )
    if version_base.etat != EtatVersion.ADOPTEE:
        raise ValidationError(
            f"Un amendement se propose sur la version adoptée ; la version {version_base.numero} est "
            f"{version_base.get_etat_display().lower()}."
        )
    stockees = _normaliser_modifications(items_de(version_base), modifications)
    with transaction.atomic():
        amendement = Amendement.objects.create(
            referentiel_id=version_base.referentiel_id,
            version_base=version_base,
            organisation=organisation,
            auteur=auteur if getattr(auteur, "is_authenticated", False) else None,
            titre=titre[:255],
            expose_motifs=expose_motifs,
        )
        Modification.objects.bulk_create(
            Modification(amendement=amendement, ordre=rang, **m) for rang, m in enumerate(stockees, start=1)
        )
        log_action(
            amendement,
            "referentiels.amendement.propose",
            actor=auteur,
            data={"version_base": version_base.numero, "organisation": organisation.pk, "modifications": stockees},
        )
    return amendement


def amendement_ajouter_modification(
    *, amendement: Amendement, modification: Mapping[str, Any], actor: Any
) -> Amendement:
    """Add one change to an amendment still « proposé » (checked with its other changes against its base)."""
    with transaction.atomic():
        courant = Amendement.objects.select_for_update().select_related("version_base").get(pk=amendement.pk)
        if courant.etat != EtatAmendement.PROPOSE:
            raise ValidationError(
                f"L'amendement « {courant.titre} » est « {courant.get_etat_display().lower()} » : "
                "on ne peut plus le compléter."
            )
        existantes = courant.modifications_data()
        stockee = _normaliser_modifications(items_de(courant.version_base), [*existantes, modification])[-1]
        Modification.objects.create(amendement=courant, ordre=len(existantes) + 1, **stockee)
        log_action(courant, "referentiels.amendement.complete", actor=actor, data={"modification": stockee})
    amendement.refresh_from_db()
    return amendement


def _changer_etat(
    *, amendement: Amendement, cible: str, actor: Any, action: str, data: dict | None = None
) -> Amendement:
    with transaction.atomic():
        courant = Amendement.objects.select_for_update().get(pk=amendement.pk)
        _verifier_transition(courant, cible)
        precedent = courant.etat
        courant.etat = cible
        courant.save(update_fields=["etat", "modifie_le"])
        log_action(courant, action, actor=actor, data={"de": precedent, "vers": cible, **(data or {})})
    amendement.refresh_from_db()
    return amendement


def amendement_mettre_en_discussion(*, amendement: Amendement, actor: Any, commentaire: str = "") -> Amendement:
    """The amendment goes to a working group."""
    return _changer_etat(
        amendement=amendement,
        cible=EtatAmendement.EN_DISCUSSION,
        actor=actor,
        action="referentiels.amendement.en_discussion",
        data={"commentaire": commentaire} if commentaire else None,
    )


def amendement_inscrire(*, amendement: Amendement, actor: Any, commentaire: str = "") -> Amendement:
    """The amendment is put on the agenda of a plenary."""
    return _changer_etat(
        amendement=amendement,
        cible=EtatAmendement.INSCRIT,
        actor=actor,
        action="referentiels.amendement.inscrit",
        data={"commentaire": commentaire} if commentaire else None,
    )


def amendement_rejeter(*, amendement: Amendement, motif: str, actor: Any, decision_ref: str = "") -> Amendement:
    motif = (motif or "").strip()
    if not motif:
        raise ValidationError({"motif": "Le motif du rejet est obligatoire."})
    with transaction.atomic():
        courant = Amendement.objects.select_for_update().get(pk=amendement.pk)
        _verifier_transition(courant, EtatAmendement.REJETE)
        courant.etat = EtatAmendement.REJETE
        courant.motif_rejet = motif
        courant.decision_ref = decision_ref.strip()[:255]
        courant.save(update_fields=["etat", "motif_rejet", "decision_ref", "modifie_le"])
        log_action(
            courant, "referentiels.amendement.rejete", actor=actor, data={"motif": motif, "decision_ref": decision_ref}
        )
    amendement.refresh_from_db()
    return amendement


def amendement_rebaser(*, amendement: Amendement, actor: Any) -> Amendement:
    """Move an open amendment onto the current adopted version, if its changes still apply."""
    with transaction.atomic():
        courant = Amendement.objects.select_for_update().get(pk=amendement.pk)
        if not courant.ouvert:
            raise ValidationError(f"L'amendement « {courant.titre} » est clos : il ne peut plus être rebasé.")
        adoptee = courant.referentiel.version_adoptee()
        if adoptee is None or adoptee.pk == courant.version_base_id:
            raise ValidationError("L'amendement porte déjà sur la version adoptée.")
        try:
            rules.appliquer_modifications(items_de(adoptee), courant.modifications_data())
        except rules.RegleInvalide as exc:
            raise ValidationError(
                f"L'amendement ne s'applique pas à la version {adoptee.numero} : {exc.message}"
            ) from None
        ancienne = courant.version_base.numero
        courant.version_base = adoptee
        courant.save(update_fields=["version_base", "modifie_le"])
        log_action(
            courant, "referentiels.amendement.rebase", actor=actor, data={"de": ancienne, "vers": adoptee.numero}
        )
    amendement.refresh_from_db()
    return amendement


def amendement_adopter(*, amendement: Amendement, actor: Any, decision_ref: str = "") -> Version:
    """Adopt the amendment: publish a new adopted version, atomically.

    The new version is the current adopted version's items with the amendment's changes applied;
    the current version becomes « remplacée ». The référentiel row is locked first, so two adoptions
    racing on the same référentiel run one after the other and never make two current versions.
    """
    with transaction.atomic():
        referentiel = Referentiel.objects.select_for_update().get(pk=amendement.referentiel_id)
        courant = Amendement.objects.select_for_update().get(pk=amendement.pk)
        _verifier_transition(courant, EtatAmendement.ADOPTE)
        base = referentiel.version_adoptee()
        try:
            nouveaux = rules.appliquer_modifications(items_de(base), courant.modifications_data())
        except rules.RegleInvalide as exc:
            numero = base.numero if base else 0
            raise ValidationError(
                f"L'amendement ne s'applique pas à la version adoptée ({numero}) : {exc.message}"
            ) from None
        version = Version.objects.create(
            referentiel=referentiel,
            numero=_numero_suivant(referentiel),
            a_valider=base.a_valider if base else False,
            notes=f"Amendement « {courant.titre} » proposé par {courant.organisation}.",
        )
        _creer_items(version, nouveaux)
        precedente = _adopter(referentiel=referentiel, version=version, decision_ref=decision_ref)
        courant.etat = EtatAmendement.ADOPTE
        courant.version_produite = version
        courant.decision_ref = decision_ref.strip()[:255]
        courant.save(update_fields=["etat", "version_produite", "decision_ref", "modifie_le"])
        diff = rules.diff_items(items_de(precedente), nouveaux)
        log_action(
            version,
            "referentiels.version.adoptee",
            actor=actor,
            data={
                "numero": version.numero,
                "precedente": precedente.numero if precedente else None,
                "amendement": courant.pk,
                "decision_ref": decision_ref,
                "ajoutes": list(diff.ajoutes),
                "supprimes": list(diff.supprimes),
                "modifies": [code for code, _ in diff.modifies],
            },
        )
        log_action(
            courant,
            "referentiels.amendement.adopte",
            actor=actor,
            data={"version": version.numero, "decision_ref": decision_ref},
        )
        version_adoptee.send(sender=Version, version=version, precedente=precedente, amendement=courant, actor=actor)
    amendement.refresh_from_db()
    return version
