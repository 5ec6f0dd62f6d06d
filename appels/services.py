"""Writes of the appels: one service per transition, in a transaction, with an audit entry and a signal.

Services check the move (transition table, invariants, data); views and the API check who may do it
through ``get_abilities`` before calling them. Bad data raises ``ValidationError`` with a French message
naming the field or line, and leaves the database untouched.
"""

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import F, Max, Q
from django.utils import timezone

from core.audit import log_action, log_actions
from territoires.models import Academie, Collectivite, Etablissement

from . import rules, selectors
from .models import (
    Annotation,
    AppelAProjets,
    Avis,
    Dossier,
    Enveloppe,
    EtatDossier,
    EtatProjet,
    EtatRevision,
    LigneDepense,
    Message,
    Paiement,
    Piece,
    Projet,
    Revision,
    TypePaiement,
    Volet,
)
from .signals import dossier_transition

E = EtatDossier
# Which state a dossier may move to from each state.
TRANSITIONS: dict[str, frozenset[str]] = {
    E.BROUILLON: frozenset({E.DEPOSE}),
    E.DEPOSE: frozenset({E.EN_INSTRUCTION, E.COMPLEMENTS, E.SANS_SUITE}),
    E.EN_INSTRUCTION: frozenset({E.ACCEPTE, E.REFUSE, E.COMPLEMENTS, E.SANS_SUITE}),
    E.COMPLEMENTS: frozenset({E.DEPOSE, E.SANS_SUITE}),
    E.ACCEPTE: frozenset(),
    E.REFUSE: frozenset(),
    E.SANS_SUITE: frozenset(),
}
TAILLE_MAX_PIECE = 10 * 1024 * 1024
MAX_LIGNES = 200


def _euros(montant: Decimal) -> str:
    return rules.format_euros(montant).replace(rules.NBSP, " ")


# --- Appels and revisions ---------------------------------------------------------------------------------------


def _date(texte: str, fin: bool = False) -> dt.datetime:
    jour = dt.date.fromisoformat(texte)
    heure = dt.time(23, 59, 59) if fin else dt.time(0, 0)
    return timezone.make_aware(dt.datetime.combine(jour, heure))


@transaction.atomic
def appel_charger(*, data: Mapping[str, Any], acteur: Any = None) -> tuple[AppelAProjets, bool]:
    """Create an appel and its published revision 1 from preset data; nothing when the appel exists."""
    existant = AppelAProjets.objects.filter(code=data["code"]).first()
    if existant is not None:
        return existant, False
    appel = AppelAProjets.objects.create(
        code=data["code"],
        titre=data["titre"],
        millesime=data["millesime"],
        niveau=data["niveau"],
        description=data.get("description", ""),
        sources=data.get("sources", ""),
    )
    revision = Revision(
        appel=appel,
        numero=1,
        etat=EtatRevision.PUBLIEE,
        ouverture=_date(data["ouverture"]),
        cloture=_date(data["cloture"], fin=True),
        eligibilite=data["eligibilite"],
        financement=data["financement"],
        pieces=data.get("pieces", []),
        vagues=data.get("vagues", []),
        enveloppe_nationale=Decimal(data.get("enveloppe_nationale") or 0),
        enveloppe_source=data.get("enveloppe_source", ""),
        notes=data.get("notes", ""),
        motif="Version initiale, chargée depuis les données de référence.",
        publiee_le=timezone.now(),
    )
    revision.full_clean()
    revision.save()
    log_action(appel, "appels.appel.charge", actor=acteur, data={"revision": 1})
    return appel, True


@transaction.atomic
def revision_creer(*, appel: AppelAProjets, acteur: Any) -> Revision:
    """A new draft revision, copied from the published one (or the latest)."""
    if appel.revisions.filter(etat=EtatRevision.BROUILLON).exists():
        raise ValidationError("Une révision en brouillon existe déjà pour cet appel : modifiez-la.")
    base = appel.revision_publiee() or appel.revisions.order_by("-numero").first()
    if base is None:
        raise ValidationError("Cet appel n'a aucune révision à copier.")
    numero = (appel.revisions.aggregate(m=Max("numero"))["m"] or 0) + 1
    revision = Revision.objects.create(
        appel=appel,
        numero=numero,
        ouverture=base.ouverture,
        cloture=base.cloture,
        eligibilite=base.eligibilite,
        financement=base.financement,
        pieces=base.pieces,
        vagues=base.vagues,
        enveloppe_nationale=base.enveloppe_nationale,
        enveloppe_source=base.enveloppe_source,
        notes=base.notes,
    )
    log_action(appel, "appels.revision.creee", actor=acteur, data={"numero": numero})
    return revision


CHAMPS_REVISION = (
    "ouverture",
    "cloture",
    "eligibilite",
    "financement",
    "pieces",
    "vagues",
    "enveloppe_nationale",
    "notes",
)


@transaction.atomic
def revision_modifier(*, revision: Revision, acteur: Any, **champs: Any) -> Revision:
    inconnus = set(champs) - set(CHAMPS_REVISION)
    if inconnus:
        raise ValidationError(f"Champ(s) non modifiable(s) : {', '.join(sorted(inconnus))}.")
    revision = Revision.objects.select_for_update().get(pk=revision.pk)
    if revision.etat != EtatRevision.BROUILLON:
        raise ValidationError("Seule une révision en brouillon se modifie ; créez une nouvelle révision.")
    for champ, valeur in champs.items():
        setattr(revision, champ, valeur)
    revision.full_clean()
    revision.save()
    log_action(
        revision.appel,
        "appels.revision.modifiee",
        actor=acteur,
        data={"numero": revision.numero, "champs": sorted(champs)},
    )
    return revision


@transaction.atomic
def revision_publier(*, revision: Revision, acteur: Any, motif: str = "") -> Revision:
    """Publish a draft; the published one is replaced. Once the appel has opened, a motif is required."""
    revision = Revision.objects.select_for_update().get(pk=revision.pk)
    if revision.etat != EtatRevision.BROUILLON:
        raise ValidationError("Cette révision n'est pas un brouillon.")
    revision.full_clean()
    precedente = revision.appel.revisions.select_for_update().filter(etat=EtatRevision.PUBLIEE).first()
    if precedente is not None and precedente.ouverture <= timezone.now() and not motif.strip():
        raise ValidationError(
            {"motif": "L'appel est ouvert : modifier ses règles est un acte explicite, indiquez-en le motif."}
        )
    if precedente is not None:
        precedente.etat = EtatRevision.REMPLACEE
        precedente.save(update_fields=["etat"])
    revision.etat = EtatRevision.PUBLIEE
    revision.motif = motif.strip()
    revision.publiee_le = timezone.now()
    revision.publiee_par = acteur if getattr(acteur, "is_authenticated", False) else None
    revision.save(update_fields=["etat", "motif", "publiee_le", "publiee_par"])
    log_action(
        revision.appel,
        "appels.revision.publiee",
        actor=acteur,
        data={"numero": revision.numero, "remplace": precedente.numero if precedente else None, "motif": motif},
    )
    return revision


@transaction.atomic
def enveloppe_fixer(*, appel: AppelAProjets, academie: Academie, montant: Decimal, acteur: Any) -> Enveloppe:
    if montant < 0:
        raise ValidationError({"montant": "Le montant de l'enveloppe ne peut pas être négatif."})
    enveloppe, _ = Enveloppe.objects.select_for_update().get_or_create(
        appel=appel, academie=academie, defaults={"montant": montant}
    )
    if montant < enveloppe.engage:
        raise ValidationError(
            {
                "montant": f"L'académie a déjà engagé {_euros(enveloppe.engage)} : "
                "l'enveloppe ne peut pas être inférieure."
            }
        )
    revision = appel.revision_publiee()
    nationale = revision.enveloppe_nationale if revision is not None else Decimal(0)
    autres = sum(
        Enveloppe.objects.filter(appel=appel).exclude(pk=enveloppe.pk).values_list("montant", flat=True), Decimal(0)
    )
    if nationale and autres + montant > nationale:
        raise ValidationError(
            {
                "montant": f"Les enveloppes académiques dépasseraient l'enveloppe nationale ({_euros(nationale)}) : "
                f"{_euros(nationale - autres)} restent à répartir."
            }
        )
    avant = enveloppe.montant
    enveloppe.montant = montant
    enveloppe.save(update_fields=["montant"])
    log_action(
        appel,
        "appels.enveloppe.fixee",
        actor=acteur,
        data={"academie": academie.pk, "avant": str(avant), "montant": str(montant)},
    )
    return enveloppe


# --- Dossiers ---------------------------------------------------------------------------------------------------


def _academie_de(collectivite: Collectivite, niveau: str) -> str:
    """The code of the académie that instructs the collectivité's dossiers: its territory's, else its schools'."""
    departement = collectivite.commune.departement if collectivite.commune_id else collectivite.departement
    if departement is not None and departement.academie_id:
        return departement.academie_id
    academie = (
        Etablissement.objects.filter(collectivite_competente=collectivite, niveau=niveau, academie__isnull=False)
        .values_list("academie_id", flat=True)
        .first()
    )
    if academie is None:
        raise ValidationError("L'académie de la collectivité n'a pas pu être déterminée.")
    return academie


def _cle(cle_idempotence: str) -> str:
    cle = (cle_idempotence or "").strip()
    if not cle or len(cle) > 64:
        raise ValidationError("Clé d'idempotence manquante ou trop longue.")
    return cle


def dossier_creer(
    *, appel: AppelAProjets, collectivite: Collectivite, acteur: Any, cle_idempotence: str, instant: Any = None
) -> tuple[Dossier, bool]:
    """Create the draft dossier of a collectivité for an open appel; the same key returns the same dossier.

    A double click or a retry sends the same ``cle_idempotence`` (a token of the form) and gets the
    dossier already created, never a second one.
    """
    cle = _cle(cle_idempotence)
    existant = Dossier.objects.filter(cle_idempotence=cle).first()
    if existant is not None:
        if existant.collectivite_id != collectivite.pk or existant.appel_id != appel.pk:
            raise ValidationError("Cette clé d'idempotence appartient à un autre dossier.")
        return existant, False
    revision = appel.revision_publiee()
    if revision is None or not revision.ouverte(instant):
        raise ValidationError(f"L'appel « {appel.titre} » n'est pas ouvert aux dépôts.")
    deja = Dossier.objects.filter(appel=appel, collectivite=collectivite).first()
    if deja is not None:
        raise ValidationError(f"{collectivite} a déjà un dossier pour cet appel (n° {deja.pk}).")
    try:
        with transaction.atomic():
            dossier = Dossier.objects.create(
                appel=appel,
                revision=revision,
                collectivite=collectivite,
                academie_id=_academie_de(collectivite, appel.niveau),
                cle_idempotence=cle,
                cree_par=acteur if getattr(acteur, "is_authenticated", False) else None,
            )
            log_action(dossier, "appels.dossier.cree", actor=acteur, data={"revision": revision.numero})
    except IntegrityError:
        # A concurrent request with the same key (or for the same collectivité) won the race.
        existant = Dossier.objects.filter(cle_idempotence=cle, collectivite=collectivite, appel=appel).first()
        if existant is None:
            raise ValidationError(f"{collectivite} a déjà un dossier pour cet appel.") from None
        return existant, False
    return dossier, True


def _verifier_modifiable(dossier: Dossier) -> None:
    if dossier.etat not in (E.BROUILLON, E.COMPLEMENTS):
        raise ValidationError(
            f"Le dossier est « {dossier.get_etat_display().lower()} » : il ne peut plus être modifié."
        )


def _lire_lignes(
    lignes: Sequence[Mapping[str, Any]], items: Mapping[str, tuple[str, str]] | None = None
) -> list[LigneDepense]:
    """Expense lines from the form or the API; with the référentiel's ``items``, a line's item code must be
    one of them (its volet, when not given, is the item's)."""
    if not lignes:
        raise ValidationError({"lignes": "Ajoutez au moins une ligne de dépense."})
    if len(lignes) > MAX_LIGNES:
        raise ValidationError({"lignes": f"{MAX_LIGNES} lignes au plus par école."})
    lues, erreurs = [], []
    for i, ligne in enumerate(lignes, start=1):
        item_code = str(ligne.get("item_code") or "").strip()
        volet = ligne.get("volet") or None
        if item_code and items:
            if item_code not in items:
                erreurs.append(f"Ligne {i} : l'item « {item_code} » n'est pas dans le référentiel en vigueur.")
                continue
            volet = volet or items[item_code][1]
        libelle = str(ligne.get("libelle") or "").strip() or (items[item_code][0] if item_code and items else "")
        if volet not in Volet.values:
            erreurs.append(f"Ligne {i} : volet inconnu « {volet or ''} ».")
            continue
        if not libelle:
            erreurs.append(f"Ligne {i} : le libellé est obligatoire.")
        try:
            quantite = int(str(ligne.get("quantite", "")).strip())
        except ValueError:
            erreurs.append(f"Ligne {i} : la quantité doit être un nombre entier.")
            continue
        try:
            prix = Decimal(str(ligne.get("prix_unitaire", "")).strip().replace(",", ".").replace(" ", ""))
        except InvalidOperation:
            erreurs.append(f"Ligne {i} : le prix unitaire doit être un montant en euros (par exemple 349,90).")
            continue
        if quantite <= 0:
            erreurs.append(f"Ligne {i} : la quantité doit être positive.")
        if not prix.is_finite() or prix < 0:
            erreurs.append(f"Ligne {i} : le prix unitaire ne peut pas être négatif.")
        elif prix != prix.quantize(Decimal("0.01")):
            erreurs.append(f"Ligne {i} : le prix unitaire a plus de deux décimales.")
        elif prix >= Decimal("10000000000"):
            erreurs.append(f"Ligne {i} : le prix unitaire est hors limites.")
        lues.append(
            LigneDepense(
                volet=volet,
                item_code=item_code[:60],
                libelle=libelle[:255],
                quantite=max(quantite, 0),
                prix_unitaire=prix if prix.is_finite() else Decimal(0),
            )
        )
    if erreurs:
        raise ValidationError({"lignes": erreurs})
    return lues


@transaction.atomic
def dossier_enregistrer_projet(
    *,
    dossier: Dossier,
    acteur: Any,
    etablissement: Etablissement,
    projet_pedagogique: str,
    lignes: Sequence[Mapping[str, Any]],
    classes: int | None = None,
    eleves: int | None = None,
) -> Projet:
    """Save the projet of one school of the dossier and its expense lines (replaced as a whole)."""
    dossier = Dossier.objects.select_for_update().select_related("revision", "appel", "collectivite").get(pk=dossier.pk)
    _verifier_modifiable(dossier)
    [(ecole, evaluation)] = selectors.etablissements_a_evaluer(
        [etablissement.pk], dossier.revision.regle_eligibilite
    ).values()
    lu = _lire_projet(
        dossier.collectivite,
        ecole,
        evaluation,
        {"projet_pedagogique": projet_pedagogique, "classes": classes, "eleves": eleves, "lignes": lignes},
        _items_si_cites(dossier.appel.niveau, lignes),
    )
    projet, cree = Projet.objects.update_or_create(
        dossier=dossier,
        etablissement=etablissement,
        defaults={
            "classes": lu.classes,
            "eleves": lu.eleves,
            "projet_pedagogique": lu.projet_pedagogique,
            "etat": EtatProjet.A_VALIDER,
            "motif": "",
            "valide_par": None,
            "valide_le": None,
        },
    )
    projet.lignes.all().delete()
    for ligne in lu.lignes:
        ligne.projet = projet
    LigneDepense.objects.bulk_create(lu.lignes)
    log_action(
        dossier,
        "appels.projet.enregistre",
        actor=acteur,
        data={"etablissement": etablissement.uai, "lignes": len(lu.lignes), "cree": cree},
    )
    return projet


@transaction.atomic
def projet_rediger(*, projet: Projet, acteur: Any, projet_pedagogique: str) -> Projet:
    """The school's team writes its projet pédagogique (the equipment follows the pedagogy)."""
    projet = Projet.objects.select_for_update().select_related("dossier").get(pk=projet.pk)
    _verifier_modifiable(projet.dossier)
    if not projet_pedagogique.strip():
        raise ValidationError({"projet_pedagogique": "Le projet pédagogique de l'école est obligatoire."})
    projet.projet_pedagogique = projet_pedagogique.strip()
    projet.etat = EtatProjet.A_VALIDER
    projet.save(update_fields=["projet_pedagogique", "etat"])
    log_action(projet.dossier, "appels.projet.redige", actor=acteur, data={"etablissement": projet.etablissement_id})
    return projet


@transaction.atomic
def dossier_retirer_projet(*, dossier: Dossier, acteur: Any, projet: Projet) -> None:
    """Remove a school's projet (and its lines and pieces) from a dossier still being written."""
    dossier = Dossier.objects.select_for_update().get(pk=dossier.pk)
    _verifier_modifiable(dossier)
    if projet.dossier_id != dossier.pk:
        raise ValidationError("Ce projet n'appartient pas au dossier.")
    uai = projet.etablissement_id
    projet.delete()
    log_action(dossier, "appels.projet.retire", actor=acteur, data={"etablissement": uai})


def est_un_pdf(fichier: UploadedFile) -> bool:
    fichier.seek(0)
    debut = fichier.read(1024)
    fichier.seek(0)
    return debut.lstrip()[:5] == b"%PDF-"


def _verifier_piece(revision: Revision, code: str, fichier: UploadedFile) -> None:
    """A piece the revision asks for, at most 10 MB, and a PDF."""
    if code not in {p["code"] for p in revision.pieces}:
        raise ValidationError({"code": f"Pièce « {code} » non demandée par cet appel."})
    if fichier.size is None or fichier.size > TAILLE_MAX_PIECE:
        raise ValidationError({"fichier": "Le fichier dépasse 10 Mo."})
    if not est_un_pdf(fichier):
        raise ValidationError(
            {"fichier": f"« {fichier.name} » n'est pas un PDF : les devis et pièces sont à déposer en PDF."}
        )


@transaction.atomic
def dossier_ajouter_piece(
    *, dossier: Dossier, acteur: Any, code: str, fichier: UploadedFile, projet: Projet | None = None
) -> Piece:
    dossier = Dossier.objects.select_for_update().select_related("revision").get(pk=dossier.pk)
    _verifier_modifiable(dossier)
    _verifier_piece(dossier.revision, code, fichier)
    if projet is not None and projet.dossier_id != dossier.pk:
        raise ValidationError({"projet": "Ce projet n'appartient pas au dossier."})
    piece = Piece(
        dossier=dossier, projet=projet, code=code, nom=(fichier.name or "piece.pdf")[:255], taille=fichier.size
    )
    piece.fichier.save(piece.nom, fichier, save=False)
    piece.save()
    log_action(dossier, "appels.piece.ajoutee", actor=acteur, data={"code": code, "nom": piece.nom})
    return piece


def _transition(
    dossier: Dossier, cible: str, acteur: Any, *, motif: str = "", data: dict[str, Any] | None = None, **champs: Any
) -> Dossier:
    """Move a locked dossier to ``cible`` (checked against TRANSITIONS), audit it and send the signal."""
    if cible not in TRANSITIONS[dossier.etat]:
        raise ValidationError(
            f"Le dossier est « {dossier.get_etat_display().lower()} » : il ne peut pas passer à l'état "
            f"« {EtatDossier(cible).label.lower()} »."
        )
    avant = dossier.etat
    dossier.etat = cible
    dossier.motif = motif.strip()
    for champ, valeur in champs.items():
        setattr(dossier, champ, valeur)
    dossier.save()
    log_action(
        dossier,
        f"appels.dossier.{cible}",
        actor=acteur,
        data={"de": avant, "vers": cible, **({"motif": motif.strip()} if motif.strip() else {}), **(data or {})},
    )
    transaction.on_commit(
        lambda: dossier_transition.send(sender=Dossier, dossier=dossier, transition=cible, acteur=acteur)
    )
    return dossier


def _verrouiller(dossier: Dossier) -> Dossier:
    return Dossier.objects.select_for_update().select_related("revision", "appel").get(pk=dossier.pk)


def _motif_obligatoire(motif: str, quoi: str) -> None:
    if not motif.strip():
        raise ValidationError({"motif": f"Indiquez le motif {quoi}."})


@transaction.atomic
def dossier_deposer(*, dossier: Dossier, acteur: Any, instant: Any = None) -> Dossier:
    """Submit the dossier (idempotent: a dossier already submitted is returned as it is)."""
    dossier = _verrouiller(dossier)
    if dossier.etat == E.DEPOSE:
        return dossier
    instant = instant or timezone.now()
    if dossier.etat == E.BROUILLON and not dossier.revision.ouverte(instant):
        cloture = timezone.localtime(dossier.revision.cloture)
        raise ValidationError(f"Dépôt refusé : l'appel était ouvert jusqu'au {cloture:%d/%m/%Y à %H:%M}.")
    complet = selectors.dossier_complet(dossier.pk)
    projets = list(complet.projets.all())
    erreurs = []
    if not projets:
        erreurs.append("Ajoutez le projet d'au moins une école.")
    erreurs += [f"{p.etablissement.nom} : aucune ligne de dépense." for p in projets if not p.lignes.all()]
    codes_deposes = {p.code for p in complet.pieces.all()}
    erreurs += [
        f"Pièce manquante : {piece['libelle']}."
        for piece in dossier.revision.pieces_obligatoires
        if piece["code"] not in codes_deposes
    ]
    if erreurs:
        raise ValidationError(erreurs)
    calcul = selectors.subvention_du_dossier(complet)
    vague = rules.choisir_vague(dossier.revision.vagues, calcul.depense)
    return _transition(
        dossier,
        E.DEPOSE,
        acteur,
        data={"montant_demande": str(calcul.subvention), "vague": vague},
        montant_demande=calcul.subvention,
        vague=vague,
        depose_le=instant,
    )


@transaction.atomic
def dossier_instruire(*, dossier: Dossier, acteur: Any) -> Dossier:
    return _transition(_verrouiller(dossier), E.EN_INSTRUCTION, acteur)


@transaction.atomic
def dossier_demander_complements(*, dossier: Dossier, acteur: Any, motif: str) -> Dossier:
    _motif_obligatoire(motif, "de la demande de compléments")
    return _transition(_verrouiller(dossier), E.COMPLEMENTS, acteur, motif=motif)


@transaction.atomic
def dossier_refuser(*, dossier: Dossier, acteur: Any, motif: str) -> Dossier:
    _motif_obligatoire(motif, "du refus")
    return _transition(_verrouiller(dossier), E.REFUSE, acteur, motif=motif, decide_le=timezone.now())


@transaction.atomic
def dossier_classer_sans_suite(*, dossier: Dossier, acteur: Any, motif: str) -> Dossier:
    _motif_obligatoire(motif, "du classement sans suite")
    return _transition(_verrouiller(dossier), E.SANS_SUITE, acteur, motif=motif, decide_le=timezone.now())


@transaction.atomic
def dossier_accepter(*, dossier: Dossier, acteur: Any, montant: Decimal | None = None) -> Dossier:
    """Accept within the académie's envelope (locked row: two simultaneous acceptances cannot exceed it)."""
    dossier = _verrouiller(dossier)
    if E.ACCEPTE not in TRANSITIONS[dossier.etat]:
        return _transition(dossier, E.ACCEPTE, acteur)  # raises the French message
    complet = selectors.dossier_complet(dossier.pk)
    non_valides = [p.etablissement.nom for p in complet.projets.all() if p.etat != EtatProjet.VALIDE]
    if non_valides:
        raise ValidationError(
            f"Projet(s) pédagogique(s) non validé(s) par l'IEN : {', '.join(non_valides)}. "
            "Le dossier ne peut pas être accepté."
        )
    calcule = selectors.subvention_du_dossier(complet).subvention
    montant = calcule if montant is None else montant
    if montant <= 0 or montant > calcule:
        raise ValidationError(
            {"montant": f"Le montant accordé doit être positif et au plus la subvention calculée ({_euros(calcule)})."}
        )
    enveloppe = (
        Enveloppe.objects.select_for_update().filter(appel_id=dossier.appel_id, academie_id=dossier.academie_id).first()
    )
    if enveloppe is None:
        raise ValidationError("Aucune enveloppe n'est fixée pour cette académie : la décision est impossible.")
    if enveloppe.engage + montant > enveloppe.montant:
        raise ValidationError(
            {
                "montant": f"Enveloppe de l'académie insuffisante : {_euros(enveloppe.disponible)} disponibles "
                f"pour {_euros(montant)} demandés."
            }
        )
    Enveloppe.objects.filter(pk=enveloppe.pk).update(engage=F("engage") + montant)
    return _transition(
        dossier,
        E.ACCEPTE,
        acteur,
        data={"montant_accorde": str(montant), "subvention_calculee": str(calcule)},
        montant_accorde=montant,
        decide_le=timezone.now(),
    )


@transaction.atomic
def projet_valider(*, projet: Projet, acteur: Any) -> Projet:
    return _decision_projet(projet, acteur, EtatProjet.VALIDE, "")


@transaction.atomic
def projet_renvoyer(*, projet: Projet, acteur: Any, motif: str) -> Projet:
    _motif_obligatoire(motif, "du renvoi")
    return _decision_projet(projet, acteur, EtatProjet.A_REPRENDRE, motif)


def _decision_projet(projet: Projet, acteur: Any, etat: str, motif: str) -> Projet:
    projet = Projet.objects.select_for_update().select_related("dossier", "etablissement").get(pk=projet.pk)
    if projet.dossier.etat not in (E.DEPOSE, E.EN_INSTRUCTION):
        raise ValidationError("Le projet ne peut être validé ou renvoyé que sur un dossier déposé ou en instruction.")
    projet.etat = etat
    projet.motif = motif.strip()
    projet.valide_par = acteur if etat == EtatProjet.VALIDE else None
    projet.valide_le = timezone.now() if etat == EtatProjet.VALIDE else None
    projet.save()
    code = "valide" if etat == EtatProjet.VALIDE else "renvoye"
    log_action(
        projet.dossier,
        f"appels.projet.{code}",
        actor=acteur,
        data={"etablissement": projet.etablissement_id, **({"motif": motif} if motif else {})},
    )
    return projet


# --- Payments ---------------------------------------------------------------------------------------------------


def _verifier_accepte(dossier: Dossier) -> Decimal:
    if dossier.etat != E.ACCEPTE or dossier.montant_accorde is None:
        raise ValidationError("Seul un dossier accepté donne lieu à des paiements.")
    return dossier.montant_accorde


@transaction.atomic
def paiement_avance(*, dossier: Dossier, acteur: Any) -> Paiement:
    """The advance on an accepted dossier, at the appel's advance rate (once)."""
    dossier = _verrouiller(dossier)
    accorde = _verifier_accepte(dossier)
    if dossier.paiements.exists():
        raise ValidationError("L'avance ne peut être versée qu'une fois, avant le solde.")
    montant, explication = rules.montant_avance(dossier.revision.regle_financement, accorde)
    if montant == 0:
        raise ValidationError("Cet appel ne prévoit pas d'avance.")
    paiement = Paiement.objects.create(
        dossier=dossier,
        type=TypePaiement.AVANCE,
        montant=montant,
        explication=[explication],
        cree_par=acteur if getattr(acteur, "is_authenticated", False) else None,
    )
    log_action(dossier, "appels.paiement.avance", actor=acteur, data={"montant": str(montant)})
    return paiement


@transaction.atomic
def paiement_solde(*, dossier: Dossier, acteur: Any, depenses_justifiees: Mapping[str, Mapping[str, Any]]) -> Paiement:
    """The balance: min(granted, the appel's rule on the justified expenses) minus the advance.

    ``depenses_justifiees`` maps each school's UAI to its justified expenses per volet (€).
    """
    dossier = _verrouiller(dossier)
    accorde = _verifier_accepte(dossier)
    if dossier.paiements.filter(type=TypePaiement.SOLDE).exists():
        raise ValidationError("Le solde de ce dossier a déjà été versé.")
    projets = {p.etablissement_id: p for p in dossier.projets.select_related("etablissement")}
    inconnues = sorted(set(depenses_justifiees) - set(projets))
    if inconnues:
        raise ValidationError(f"École(s) hors du dossier : {', '.join(inconnues)}.")
    saisies, propres = [], {}
    for uai, depenses in depenses_justifiees.items():
        lues: dict[str, Decimal] = {}
        for volet, brut in depenses.items():
            try:
                montant = Decimal(str(brut).replace(",", "."))
            except InvalidOperation:
                raise ValidationError(f"{uai}, {volet} : montant illisible « {brut} ».") from None
            if volet not in rules.VOLETS or not montant.is_finite() or montant < 0:
                raise ValidationError(f"{uai}, {volet} : volet inconnu ou montant négatif.")
            lues[volet] = montant
        projet = projets[uai]
        saisies.append(rules.EtablissementSaisi(uai, projet.etablissement.nom, projet.classes, projet.eleves, lues))
        propres[uai] = {v: str(m) for v, m in lues.items()}
    deja = sum(dossier.paiements.values_list("montant", flat=True), Decimal(0))
    montant, explication = rules.montant_solde(dossier.revision.regle_financement, accorde, deja, saisies)
    paiement = Paiement.objects.create(
        dossier=dossier,
        type=TypePaiement.SOLDE,
        montant=montant,
        depenses_justifiees=propres,
        explication=list(explication),
        cree_par=acteur if getattr(acteur, "is_authenticated", False) else None,
    )
    log_action(dossier, "appels.paiement.solde", actor=acteur, data={"montant": str(montant)})
    return paiement


# --- Instruction: thread with the applicant, private annotations, avis, batch decisions ----------------------

LONGUEUR_MAX_TEXTE = 5000


def _texte(texte: str, champ: str, quoi: str) -> str:
    texte = (texte or "").strip()
    if not texte:
        raise ValidationError({champ: f"Le texte {quoi} est vide."})
    if len(texte) > LONGUEUR_MAX_TEXTE:
        raise ValidationError({champ: f"Le texte {quoi} dépasse {LONGUEUR_MAX_TEXTE} caractères."})
    return texte


@transaction.atomic
def message_envoyer(*, dossier: Dossier, acteur: Any, texte: str, de_l_instruction: bool) -> Message:
    """A message of the thread between the collectivité and the instruction (both sides read it)."""
    texte = _texte(texte, "texte", "du message")
    message = Message.objects.create(
        dossier=dossier,
        auteur=acteur if getattr(acteur, "is_authenticated", False) else None,
        de_l_instruction=de_l_instruction,
        texte=texte,
    )
    log_action(dossier, "appels.message.envoye", actor=acteur, data={"message": message.pk})
    return message


@transaction.atomic
def annotation_ajouter(*, dossier: Dossier, acteur: Any, texte: str) -> Annotation:
    """A private note of the instruction. Audited on the annotation itself: the dossier's history, which the
    applicant reads, does not even show that it exists."""
    texte = _texte(texte, "texte", "de l'annotation")
    annotation = Annotation.objects.create(
        dossier=dossier, auteur=acteur if getattr(acteur, "is_authenticated", False) else None, texte=texte
    )
    log_action(annotation, "appels.annotation.ajoutee", actor=acteur, data={"dossier": dossier.pk})
    return annotation


@transaction.atomic
def avis_demander(*, dossier: Dossier, acteur: Any, destinataire: str, question: str) -> Avis:
    """Ask the opinion of a named person or organisation (e.g. « DAN de l'académie — Mme Le Goff »)."""
    destinataire = (destinataire or "").strip()
    if not destinataire:
        raise ValidationError({"destinataire": "Indiquez à qui l'avis est demandé (personne ou organisation)."})
    if len(destinataire) > 255:
        raise ValidationError({"destinataire": "Le nom du destinataire dépasse 255 caractères."})
    question = _texte(question, "question", "de la question")
    avis = Avis.objects.create(
        dossier=dossier,
        destinataire=destinataire,
        question=question,
        demande_par=acteur if getattr(acteur, "is_authenticated", False) else None,
    )
    log_action(avis, "appels.avis.demande", actor=acteur, data={"dossier": dossier.pk, "destinataire": destinataire})
    return avis


@transaction.atomic
def avis_repondre(*, avis: Avis, acteur: Any, reponse: str) -> Avis:
    """Record the answer of the person asked (once)."""
    avis = Avis.objects.select_for_update().get(pk=avis.pk)
    if avis.repondu_le is not None:
        raise ValidationError({"reponse": f"{avis.destinataire} a déjà répondu à cette demande d'avis."})
    avis.reponse = _texte(reponse, "reponse", "de la réponse")
    avis.repondu_le = timezone.now()
    avis.save(update_fields=["reponse", "repondu_le"])
    log_action(avis, "appels.avis.repondu", actor=acteur, data={"dossier": avis.dossier_id})
    return avis


DECISIONS_EN_LOT = ("accepter", "refuser")


def dossiers_decider_en_lot(
    *, dossiers: Sequence[Dossier], acteur: Any, decision: str, motif: str = ""
) -> list[Dossier]:
    """Accept or refuse several dossiers at once, each through its own service (envelope locked and checked for
    each): all of them, or none — the first refusal of a service cancels the whole batch, with every reason."""
    if decision not in DECISIONS_EN_LOT:
        raise ValidationError({"decision": f"Décision inconnue « {decision} » : accepter ou refuser."})
    if not dossiers:
        raise ValidationError({"dossiers": "Sélectionnez au moins un dossier."})
    if decision == "refuser":
        _motif_obligatoire(motif, "du refus")
    erreurs: list[str] = []
    decides: list[Dossier] = []
    with transaction.atomic():
        for dossier in sorted(dossiers, key=lambda d: d.pk):
            if not dossier.get_abilities(acteur)["decide"]:
                erreurs.append(f"Dossier n° {dossier.pk} : vous ne décidez pas des dossiers de cette académie.")
                continue
            try:
                if decision == "accepter":
                    decides.append(dossier_accepter(dossier=dossier, acteur=acteur))
                else:
                    decides.append(dossier_refuser(dossier=dossier, acteur=acteur, motif=motif))
            except ValidationError as exc:
                messages = (
                    [m for ms in exc.message_dict.values() for m in ms] if hasattr(exc, "error_dict") else exc.messages
                )
                erreurs += [f"Dossier n° {dossier.pk} : {m}" for m in messages]
        if erreurs:
            raise ValidationError(
                [f"Aucune décision enregistrée : le lot de {len(dossiers)} dossier(s) est annulé.", *erreurs]
            )
    return decides


@dataclass(frozen=True)
class ProjetLu:
    """The projet of one school as read and checked, before it is written."""

    ecole: dict[str, Any]  # the school's columns (selectors.COLONNES_DEPOT)
    classes: int
    eleves: int
    projet_pedagogique: str
    lignes: list[LigneDepense]

    def saisie(self) -> rules.EtablissementSaisi:
        depenses: dict[str, Decimal] = defaultdict(Decimal)
        for ligne in self.lignes:
            depenses[ligne.volet] += ligne.montant
        return rules.EtablissementSaisi(self.ecole["uai"], self.ecole["nom"], self.classes, self.eleves, dict(depenses))


def _lire_projet(
    collectivite: Collectivite,
    ecole: dict[str, Any],
    evaluation: rules.Evaluation,
    projet: Mapping[str, Any],
    items: Mapping[str, tuple[str, str]] | None,
) -> ProjetLu:
    """Check the projet of one school of ``collectivite`` (attachment, eligibility, text, counts, lines)."""
    if not selectors.est_rattachee(ecole, collectivite):
        raise ValidationError({"etablissement": f"{ecole['nom']} ({ecole['uai']}) ne relève pas de {collectivite}."})
    if not evaluation.eligible:
        raise ValidationError({"etablissement": list(evaluation.raisons)})
    texte = str(projet.get("projet_pedagogique") or "").strip()
    if not texte:
        raise ValidationError({"projet_pedagogique": "Le projet pédagogique de l'école est obligatoire."})
    classes = (ecole["classes"] or 0) if projet.get("classes") is None else projet["classes"]
    eleves = (ecole["eleves"] or 0) if projet.get("eleves") is None else projet["eleves"]
    if classes < 0 or eleves < 0:
        raise ValidationError({"classes": "Le nombre de classes et d'élèves ne peut pas être négatif."})
    return ProjetLu(ecole, classes, eleves, texte, _lire_lignes(projet.get("lignes") or [], items))


def _items_si_cites(niveau: str, lignes: Iterable[Mapping[str, Any]]) -> dict[str, tuple[str, str]] | None:
    """The référentiel's items, read only when a line names an item code (``_lire_lignes`` needs them then)."""
    if any(str(ligne.get("item_code") or "").strip() for ligne in lignes):
        return selectors.items_du_referentiel(niveau)
    return None


def _messages(exc: ValidationError) -> list[str]:
    return [m for ms in exc.message_dict.values() for m in ms] if hasattr(exc, "error_dict") else exc.messages


def _lire_projets(
    collectivite: Collectivite, revision: Revision, niveau: str, projets: Sequence[Mapping[str, Any]]
) -> list[ProjetLu]:
    """Every projet of a deposit, read with one query for the schools (and their facts); the first bad one
    raises, named by its rank and UAI."""
    if not projets:
        raise ValidationError({"projets": "Ajoutez le projet d'au moins une école."})
    uais = [str(p.get("uai") or "").strip().upper() for p in projets]
    ecoles = selectors.etablissements_a_evaluer(uais, revision.regle_eligibilite)
    items = _items_si_cites(niveau, (ligne for p in projets for ligne in p.get("lignes") or []))
    lus: list[ProjetLu] = []
    rangs: dict[str, int] = {}
    for i, (uai, projet) in enumerate(zip(uais, projets, strict=True), start=1):
        if uai not in ecoles:
            raise ValidationError({"projets": f"Projet {i} : UAI « {uai} » inconnu."})
        if uai in rangs:
            raise ValidationError({"projets": f"Projet {i} : l'école {uai} est déjà le projet {rangs[uai]}."})
        rangs[uai] = i
        ecole, evaluation = ecoles[uai]
        try:
            lus.append(_lire_projet(collectivite, ecole, evaluation, projet, items))
        except ValidationError as exc:
            raise ValidationError({"projets": [f"Projet {i} ({uai}) : {m}" for m in _messages(exc)]}) from None
    return lus


def _dossier_existant(appel: AppelAProjets, collectivite: Collectivite, cle: str) -> Dossier | None:
    """The dossier of this idempotency key (None when there is none); a refusal when the key is another
    collectivité's or appel's, or when the collectivité already has another dossier for the appel."""
    trouves = list(
        Dossier.objects.filter(Q(cle_idempotence=cle) | Q(appel=appel, collectivite=collectivite)).values_list(
            "pk", "cle_idempotence", "collectivite_id", "appel_id"
        )
    )
    par_cle = next((t for t in trouves if t[1] == cle), None)
    if par_cle is not None:
        if par_cle[2] != collectivite.pk or par_cle[3] != appel.pk:
            raise ValidationError("Cette clé d'idempotence appartient à un autre dossier.")
        dossier = Dossier.objects.select_related("revision").get(pk=par_cle[0])
        dossier.appel, dossier.collectivite = appel, collectivite
        return dossier
    if trouves:
        raise ValidationError(f"{collectivite} a déjà un dossier pour cet appel (n° {trouves[0][0]}).")
    return None


@dataclass(frozen=True)
class Depot:
    """The outcome of a one-request deposit: the dossier, whether this request filed it, its schools' UAI."""

    dossier: Dossier
    cree: bool
    etablissements: tuple[str, ...]


def dossier_deposer_en_une_fois(
    *,
    appel: AppelAProjets,
    collectivite: Collectivite,
    acteur: Any,
    cle_idempotence: str,
    projets: Sequence[Mapping[str, Any]],
    devis: UploadedFile,
    revision: Revision | None = None,
    instant: Any = None,
) -> Depot:
    """Create, fill (projets, lines, quote) and deposit a dossier in one transaction (the API's deposit).

    Idempotent on ``cle_idempotence``: a retry of a deposit already done returns the same dossier
    (``cree`` False); a failure leaves nothing behind, so the retry starts again from scratch.

    Everything is read and checked first (the schools and their facts in one query, the lines, the quote,
    the subsidy computed by the revision's rule from the lines just checked); then one short transaction
    writes the dossier, already deposited, its projets and lines (bulk), the quote and the audit entries of
    each step. The unique key and the one-dossier-per-collectivité constraint settle concurrent retries.
    ``revision`` is the appel's published revision when the caller has just read it.
    """
    cle = _cle(cle_idempotence)
    instant = instant or timezone.now()
    existant = _dossier_existant(appel, collectivite, cle)
    if existant is not None:
        if existant.etat == E.BROUILLON:  # a draft started on the pages with this key: filled and deposited
            return Depot(_completer_et_deposer(existant, acteur, projets, devis), True, _uais_du_dossier(existant))
        return Depot(existant, False, _uais_du_dossier(existant))
    if revision is None or revision.appel_id != appel.pk or revision.etat != EtatRevision.PUBLIEE:
        revision = Revision.objects.filter(appel=appel, etat=EtatRevision.PUBLIEE).first()
    if revision is None or instant < revision.ouverture:
        raise ValidationError(f"L'appel « {appel.titre} » n'est pas ouvert aux dépôts.")
    if not revision.ouverte(instant):
        cloture = timezone.localtime(revision.cloture)
        raise ValidationError(f"Dépôt refusé : l'appel était ouvert jusqu'au {cloture:%d/%m/%Y à %H:%M}.")
    lus = _lire_projets(collectivite, revision, appel.niveau, projets)
    _verifier_piece(revision, "devis", devis)
    manquantes = [f"Pièce manquante : {p['libelle']}." for p in revision.pieces_obligatoires if p["code"] != "devis"]
    if manquantes:
        raise ValidationError(manquantes)
    calcul = rules.calculer_subvention(revision.regle_financement, [p.saisie() for p in lus])
    vague = rules.choisir_vague(revision.vagues, calcul.depense)
    academie = _academie_de(collectivite, appel.niveau)
    auteur = acteur if getattr(acteur, "is_authenticated", False) else None
    # The dossier's INSERT comes first: when a concurrent request with the same key (or for the same
    # collectivité) committed first, its unique constraint fails and nothing else has been written.
    try:
        with transaction.atomic():
            dossier = Dossier.objects.create(
                appel=appel,
                revision=revision,
                collectivite=collectivite,
                academie_id=academie,
                cle_idempotence=cle,
                cree_par=auteur,
                etat=E.DEPOSE,
                montant_demande=calcul.subvention,
                vague=vague,
                depose_le=instant,
            )
            crees = Projet.objects.bulk_create(
                Projet(
                    dossier=dossier,
                    etablissement_id=p.ecole["uai"],
                    classes=p.classes,
                    eleves=p.eleves,
                    projet_pedagogique=p.projet_pedagogique,
                )
                for p in lus
            )
            for projet, lu in zip(crees, lus, strict=True):
                for ligne in lu.lignes:
                    ligne.projet = projet
            LigneDepense.objects.bulk_create(ligne for lu in lus for ligne in lu.lignes)
            piece = Piece(dossier=dossier, code="devis", nom=(devis.name or "devis.pdf")[:255], taille=devis.size)
            piece.fichier.save(piece.nom, devis, save=False)
            piece.save()
            # The audit entries of each step (the same as the pages' services write), in one INSERT.
            log_actions(
                [
                    (dossier, "appels.dossier.cree", {"revision": revision.numero}),
                    *(
                        (
                            dossier,
                            "appels.projet.enregistre",
                            {"etablissement": lu.ecole["uai"], "lignes": len(lu.lignes), "cree": True},
                        )
                        for lu in lus
                    ),
                    (dossier, "appels.piece.ajoutee", {"code": "devis", "nom": piece.nom}),
                    (
                        dossier,
                        f"appels.dossier.{E.DEPOSE}",
                        {
                            "de": E.BROUILLON,
                            "vers": E.DEPOSE,
                            "montant_demande": str(calcul.subvention),
                            "vague": vague,
                        },
                    ),
                ],
                actor=acteur,
            )
            transaction.on_commit(
                lambda: dossier_transition.send(sender=Dossier, dossier=dossier, transition=E.DEPOSE, acteur=acteur)
            )
    except IntegrityError:
        gagnant = _dossier_existant(appel, collectivite, cle)
        if gagnant is None:
            raise
        return Depot(gagnant, False, _uais_du_dossier(gagnant))
    return Depot(dossier, True, tuple(sorted(p.ecole["uai"] for p in lus)))


def _uais_du_dossier(dossier: Dossier) -> tuple[str, ...]:
    return tuple(dossier.projets.order_by("etablissement_id").values_list("etablissement_id", flat=True))


@transaction.atomic
def _completer_et_deposer(
    dossier: Dossier, acteur: Any, projets: Sequence[Mapping[str, Any]], devis: UploadedFile
) -> Dossier:
    """Fill a draft dossier school by school (the pages' services), add the quote and deposit it."""
    if not projets:
        raise ValidationError({"projets": "Ajoutez le projet d'au moins une école."})
    uais = [str(p.get("uai") or "").strip().upper() for p in projets]
    etablissements = Etablissement.objects.in_bulk(uais)
    for i, (uai, projet) in enumerate(zip(uais, projets, strict=True), start=1):
        if uai not in etablissements:
            raise ValidationError({"projets": f"Projet {i} : UAI « {uai} » inconnu."})
        try:
            dossier_enregistrer_projet(
                dossier=dossier,
                acteur=acteur,
                etablissement=etablissements[uai],
                projet_pedagogique=projet.get("projet_pedagogique") or "",
                classes=projet.get("classes"),
                eleves=projet.get("eleves"),
                lignes=projet.get("lignes") or [],
            )
        except ValidationError as exc:
            raise ValidationError({"projets": [f"Projet {i} ({uai}) : {m}" for m in _messages(exc)]}) from None
    dossier_ajouter_piece(dossier=dossier, acteur=acteur, code="devis", fichier=devis)
    return dossier_deposer(dossier=dossier, acteur=acteur)
