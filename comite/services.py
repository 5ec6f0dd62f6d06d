"""Writes of the comité: one service per act, keyword-only, in a transaction, audited, signalled.

Each service checks the actor's abilities itself, so views, commands and tests share the same guard.
Errors are ``ValidationError`` with a French message naming the field; nothing is changed then.
"""

import datetime
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Model
from django.utils import timezone

from comptes.models import Organisation
from core.audit import log_action

from . import rules
from .models import (
    Convention,
    Decision,
    Discussion,
    DocumentConvention,
    GroupeTravail,
    Inscription,
    Issue,
    Membre,
    MembreOrganisation,
    Message,
    Mode,
    Nature,
    Notification,
    PointOrdreDuJour,
    Position,
    Seance,
    StatutPoint,
    TypePosition,
    TypeSeance,
)
from .permissions import comite_scope
from .signals import evenement_comite, utilisateurs_des_organisations, utilisateurs_du_secretariat


def _exiger(condition: bool, message: str = "Vous n'avez pas le droit de faire cette action.") -> None:
    if not condition:
        raise PermissionDenied(message)


def _signaler(obj: Model, code: str, texte: str, destinataires: set[int], actor: Any) -> None:
    evenement_comite.send(sender=type(obj), obj=obj, code=code, texte=texte, destinataires=destinataires, actor=actor)


def _exiger_secretariat(actor: Any) -> None:
    _exiger(comite_scope(actor).secretariat, "Seul le secrétariat du comité peut faire cette action.")


# --- members -------------------------------------------------------------------------------------------------


@transaction.atomic
def membre_ajouter(*, user: Any, organisation: Organisation, role_comite: str, actor: Any = None) -> Membre:
    """Seat ``user`` at the comité for ``organisation`` (idempotent)."""
    membre, created = Membre.objects.get_or_create(user=user, organisation=organisation, role_comite=role_comite)
    if created:
        log_action(membre, "comite.membre.ajoute", actor=actor, data={"role_comite": role_comite})
        if hasattr(user, "_comite_scope"):
            del user._comite_scope
    return membre


# --- meetings ------------------------------------------------------------------------------------------------


@transaction.atomic
def seance_creer(
    *,
    titre: str,
    date: datetime.datetime,
    actor: Any,
    type: str = TypeSeance.PLENIERE,
    groupe: GroupeTravail | None = None,
    mode: str = Mode.DISTANCIEL,
    lieu: str = "",
    lien_visio: str = "",
) -> Seance:
    _exiger_secretariat(actor)
    if type == TypeSeance.GROUPE and groupe is None:
        raise ValidationError({"groupe": "Une séance de groupe de travail doit indiquer son groupe."})
    if type == TypeSeance.PLENIERE and groupe is not None:
        raise ValidationError({"groupe": "Une séance plénière ne dépend d'aucun groupe de travail."})
    if mode in (Mode.DISTANCIEL, Mode.HYBRIDE) and not lien_visio:
        raise ValidationError({"lien_visio": "Une séance à distance ou hybride doit avoir un lien de visioconférence."})
    if mode in (Mode.PRESENTIEL, Mode.HYBRIDE) and not lieu:
        raise ValidationError({"lieu": "Une séance en présentiel ou hybride doit indiquer son lieu."})
    seance = Seance(titre=titre, date=date, type=type, groupe=groupe, mode=mode, lieu=lieu, lien_visio=lien_visio)
    seance.full_clean()
    seance.save()
    log_action(seance, "comite.seance.creee", actor=actor, data={"date": date.isoformat(), "mode": mode})
    destinataires = (
        utilisateurs_des_organisations(groupe.organisation_ids())
        if groupe
        else utilisateurs_des_organisations(MembreOrganisation.objects.filter(actif=True).values("organisation_id"))
    )
    _signaler(seance, "comite.seance.creee", f"Nouvelle séance : {seance}", destinataires, actor)
    return seance


@transaction.atomic
def seance_inscrire(*, seance: Seance, organisation: Organisation, actor: Any) -> Inscription:
    """Register ``actor`` to ``seance`` on behalf of ``organisation`` (idempotent)."""
    _exiger(seance.get_abilities(actor)["register"])
    _exiger(
        organisation.pk in comite_scope(actor).organisations,
        f"Vous ne pouvez pas vous inscrire au titre de « {organisation} ».",
    )
    inscription, created = Inscription.objects.get_or_create(
        seance=seance, user=actor, defaults={"organisation": organisation}
    )
    if created:
        log_action(seance, "comite.seance.inscription", actor=actor, data={"organisation": organisation.pk})
    return inscription


@transaction.atomic
def presences_enregistrer(*, seance: Seance, presents: Iterable[int], actor: Any) -> int:
    """Attendance: the given registrations were present, the others absent. Returns the number present."""
    _exiger(seance.get_abilities(actor)["record_attendance"])
    ids = {int(pk) for pk in presents}
    inscriptions = list(seance.inscriptions.select_for_update())
    inconnues = ids - {i.pk for i in inscriptions}
    if inconnues:
        raise ValidationError({"presents": "Une des personnes cochées n'est pas inscrite à cette séance."})
    for inscription in inscriptions:
        inscription.present = inscription.pk in ids
        inscription.save(update_fields=["present"])
    log_action(seance, "comite.seance.presences", actor=actor, data={"presents": sorted(ids)})
    return len(ids)


@transaction.atomic
def compte_rendu_enregistrer(*, seance: Seance, texte: str, actor: Any) -> Seance:
    _exiger(seance.get_abilities(actor)["edit"])
    avant = seance.compte_rendu
    seance.compte_rendu = texte.strip()
    seance.save(update_fields=["compte_rendu"])
    log_action(seance, "comite.seance.compte_rendu", actor=actor, data={"longueur": [len(avant), len(texte)]})
    if not avant and seance.compte_rendu:
        destinataires = {i.user_id for i in seance.inscriptions.all()}
        _signaler(seance, "comite.seance.compte_rendu", f"Compte rendu disponible : {seance}", destinataires, actor)
    return seance


# --- agenda items --------------------------------------------------------------------------------------------


def _deplacer(point: PointOrdreDuJour, cible: str) -> None:
    if not rules.point_may_move(point.statut, cible):
        raise ValidationError(
            {
                "statut": f"Le point « {point} » est « {point.get_statut_display()} » : il ne peut pas passer à "
                f"« {StatutPoint(cible).label} »."
            }
        )


@transaction.atomic
def point_proposer(
    *, organisation: Organisation, titre: str, actor: Any, description: str = "", amendement: Any = None
) -> PointOrdreDuJour:
    _exiger(
        organisation.pk in comite_scope(actor).organisations,
        f"Vous ne pouvez pas proposer de point au nom de « {organisation} ».",
    )
    if not titre.strip():
        raise ValidationError({"titre": "Indiquez le titre du point proposé."})
    point = PointOrdreDuJour.objects.create(
        organisation=organisation,
        titre=titre.strip(),
        description=description.strip(),
        propose_par=actor,
        amendement=amendement,
    )
    log_action(point, "comite.point.propose", actor=actor, data={"organisation": organisation.pk})
    _signaler(
        point,
        "comite.point.propose",
        f"{organisation.sigle or organisation} propose un point : {point.titre}",
        utilisateurs_du_secretariat(),
        actor,
    )
    return point


def _notifier_proposant(point: PointOrdreDuJour, code: str, texte: str, actor: Any) -> None:
    _signaler(point, code, texte, utilisateurs_des_organisations([point.organisation_id]), actor)


@transaction.atomic
def point_accepter(*, point: PointOrdreDuJour, actor: Any) -> PointOrdreDuJour:
    point = PointOrdreDuJour.objects.select_for_update().get(pk=point.pk)
    _exiger(point.get_abilities(actor)["accept"] or comite_scope(actor).secretariat)
    _deplacer(point, StatutPoint.ACCEPTE)
    point.statut = StatutPoint.ACCEPTE
    point.save(update_fields=["statut"])
    log_action(point, "comite.point.accepte", actor=actor)
    _notifier_proposant(point, "comite.point.accepte", f"Votre point « {point.titre} » est accepté.", actor)
    return point


@transaction.atomic
def point_inscrire(*, point: PointOrdreDuJour, seance: Seance, actor: Any) -> PointOrdreDuJour:
    """Schedule the item on a meeting; an amendment goes on a plenary and is marked « inscrit » in referentiels."""
    point = PointOrdreDuJour.objects.select_for_update().get(pk=point.pk)
    _exiger_secretariat(actor)
    _deplacer(point, StatutPoint.INSCRIT)
    if point.amendement_id and seance.type != TypeSeance.PLENIERE:
        raise ValidationError({"seance": "Un amendement ne peut être inscrit qu'à l'ordre du jour d'une plénière."})
    dernier = seance.points.exclude(pk=point.pk).order_by("-ordre").values_list("ordre", flat=True).first() or 0
    point.statut = StatutPoint.INSCRIT
    point.seance = seance
    point.ordre = dernier + 1
    point.save(update_fields=["statut", "seance", "ordre"])
    if point.amendement_id:
        from referentiels import services as referentiels_services

        amendement = point.amendement
        if amendement.etat != "inscrit":
            if amendement.etat == "propose":
                raise ValidationError(
                    {"seance": "Confiez d'abord l'amendement à un groupe de travail : il n'a pas encore été discuté."}
                )
            referentiels_services.amendement_inscrire(amendement=amendement, actor=actor)
    log_action(point, "comite.point.inscrit", actor=actor, data={"seance": seance.pk, "ordre": point.ordre})
    _notifier_proposant(
        point, "comite.point.inscrit", f"Votre point « {point.titre} » est inscrit à la séance {seance}.", actor
    )
    return point


@transaction.atomic
def point_decliner(*, point: PointOrdreDuJour, motif: str, actor: Any) -> PointOrdreDuJour:
    point = PointOrdreDuJour.objects.select_for_update().get(pk=point.pk)
    _exiger_secretariat(actor)
    if not motif.strip():
        raise ValidationError({"motif_refus": "Indiquez le motif du refus : il est communiqué à l'organisation."})
    _deplacer(point, StatutPoint.DECLINE)
    point.statut = StatutPoint.DECLINE
    point.motif_refus = motif.strip()
    point.seance = None
    point.save(update_fields=["statut", "motif_refus", "seance"])
    log_action(point, "comite.point.decline", actor=actor, data={"motif": point.motif_refus})
    _notifier_proposant(
        point, "comite.point.decline", f"Votre point « {point.titre} » est décliné : {point.motif_refus}", actor
    )
    return point


@transaction.atomic
def amendement_inscrire_en_pleniere(*, amendement: Any, seance: Seance, actor: Any) -> PointOrdreDuJour:
    """Put an amendment on a plenary's agenda: its open agenda item (created for it if none) is scheduled."""
    _exiger_secretariat(actor)
    point = (
        PointOrdreDuJour.objects.filter(amendement=amendement, statut__in=[StatutPoint.PROPOSE, StatutPoint.ACCEPTE])
        .order_by("cree_le")
        .first()
    )
    if point is None:
        point = PointOrdreDuJour.objects.create(
            organisation_id=amendement.organisation_id,
            titre=f"Amendement : {amendement.titre}"[:200],
            description=amendement.expose_motifs,
            propose_par=amendement.auteur,
            amendement=amendement,
        )
        log_action(point, "comite.point.propose", actor=actor, data={"amendement": amendement.pk})
    return point_inscrire(point=point, seance=seance, actor=actor)


# --- working groups and discussions --------------------------------------------------------------------------


@transaction.atomic
def discussion_ouvrir(*, amendement: Any, groupe: GroupeTravail, actor: Any) -> Discussion:
    """Assign an amendment to a working group: opens its thread and puts the amendment « en discussion »."""
    _exiger(groupe.get_abilities(actor)["open_discussion"], "Seul le secrétariat confie un amendement à un groupe.")
    if Discussion.objects.filter(amendement=amendement).exists():
        raise ValidationError({"amendement": "Cet amendement est déjà confié à un groupe de travail."})
    from referentiels import services as referentiels_services

    referentiels_services.amendement_mettre_en_discussion(amendement=amendement, actor=actor)
    discussion = Discussion.objects.create(amendement=amendement, groupe=groupe)
    log_action(discussion, "comite.discussion.ouverte", actor=actor, data={"groupe": groupe.slug})
    _signaler(
        discussion,
        "comite.discussion.ouverte",
        f"Le groupe « {groupe} » est saisi de l'amendement « {amendement} ».",
        utilisateurs_des_organisations(groupe.organisation_ids()),
        actor,
    )
    return discussion


@transaction.atomic
def message_poster(
    *, discussion: Discussion, texte: str, actor: Any, organisation: Organisation | None = None
) -> Message:
    _exiger(
        discussion.get_abilities(actor)["post_message"], "Seuls les membres du groupe de travail peuvent écrire ici."
    )
    if not texte.strip():
        raise ValidationError({"texte": "Le message est vide."})
    cs = comite_scope(actor)
    if organisation is not None and organisation.pk not in cs.organisations:
        raise PermissionDenied(f"Vous ne pouvez pas écrire au nom de « {organisation} ».")
    if organisation is None and cs.organisations:
        organisation = Organisation.objects.filter(pk__in=cs.organisations).order_by("nom").first()
    message = Message.objects.create(
        discussion=discussion, texte=texte.strip(), auteur=actor, organisation=organisation
    )
    log_action(discussion, "comite.discussion.message", actor=actor, data={"message": message.pk})
    destinataires = utilisateurs_des_organisations(discussion.groupe.organisation_ids())
    _signaler(discussion, "comite.discussion.message", f"Nouveau message sur « {discussion} »", destinataires, actor)
    return message


# --- decisions and positions ---------------------------------------------------------------------------------


def _numero_suivant(seance: Seance) -> str:
    annee = seance.date.year
    n = Decision.objects.filter(numero__startswith=f"{annee}-").count() + 1
    while Decision.objects.filter(numero=f"{annee}-{n:03d}").exists():
        n += 1
    return f"{annee}-{n:03d}"


@transaction.atomic
def decision_ouvrir(
    *,
    seance: Seance,
    titre: str,
    actor: Any,
    texte: str = "",
    nature: str = Nature.DECISION,
    point: PointOrdreDuJour | None = None,
    amendement: Any = None,
    objet: Model | None = None,
) -> Decision:
    """Put a question to the meeting; positions are then recorded and the outcome decided."""
    _exiger(seance.get_abilities(actor)["create_decision"], "Seul le secrétariat enregistre les décisions.")
    if point is not None:
        if point.seance_id != seance.pk:
            raise ValidationError({"point": "Ce point n'est pas à l'ordre du jour de cette séance."})
        amendement = amendement or point.amendement
    if not titre.strip():
        raise ValidationError({"titre": "Indiquez l'objet de la décision."})
    decision = Decision(
        seance=seance,
        point=point,
        numero=_numero_suivant(seance),
        nature=nature,
        titre=titre.strip(),
        texte=texte.strip(),
        amendement=amendement,
    )
    if objet is not None:
        decision.objet = objet
    decision.save()
    log_action(decision, "comite.decision.ouverte", actor=actor, data={"seance": seance.pk})
    return decision


@transaction.atomic
def position_enregistrer(
    *, decision: Decision, organisation: Organisation, position: str, actor: Any, commentaire: str = ""
) -> Position:
    """Record (or correct) the position of an organisation present at the meeting."""
    decision = Decision.objects.select_for_update().get(pk=decision.pk)
    _exiger(decision.get_abilities(actor)["record_position"], "Seul le secrétariat enregistre les positions.")
    if position not in TypePosition.values:
        raise ValidationError({"position": f"Position inconnue : « {position} »."})
    if not decision.seance.inscriptions.filter(organisation=organisation, present=True).exists():
        raise ValidationError(
            {"organisation": f"« {organisation} » n'est pas présente à la séance : sa position ne peut être notée."}
        )
    obj, created = Position.objects.update_or_create(
        decision=decision, organisation=organisation, defaults={"position": position, "commentaire": commentaire}
    )
    log_action(
        decision,
        "comite.decision.position",
        actor=actor,
        data={"organisation": organisation.pk, "position": position, "commentaire": commentaire, "nouvelle": created},
    )
    return obj


@transaction.atomic
def decision_arreter(*, decision: Decision, issue: str, actor: Any, motif: str = "") -> Decision:
    """Record the outcome; on an amendment, adopting (rejecting) it happens in the same transaction."""
    decision = Decision.objects.select_for_update().get(pk=decision.pk)
    _exiger(decision.get_abilities(actor)["decide"], "Seul le secrétariat arrête les décisions.")
    if issue not in rules.DECISION_ISSUES_FINALES:
        raise ValidationError({"issue": "Choisissez l'issue : adopté, rejeté ou ajourné."})
    if issue != Issue.AJOURNE and not decision.positions.exists():
        raise ValidationError(
            {"issue": "Aucune position n'est enregistrée : notez celles des organisations présentes."}
        )
    if issue == Issue.REJETE and decision.amendement_id and not motif.strip():
        raise ValidationError({"motif": "Indiquez le motif du rejet de l'amendement."})
    decision.issue = issue
    decision.decidee_le = timezone.now()
    decision.save(update_fields=["issue", "decidee_le"])
    if decision.amendement_id:
        from referentiels import services as referentiels_services

        if issue == Issue.ADOPTE:
            referentiels_services.amendement_adopter(
                amendement=decision.amendement,
                actor=actor,
                decision_ref=f"Comité des partenaires, décision {decision.numero}",
            )
        elif issue == Issue.REJETE:
            referentiels_services.amendement_rejeter(
                amendement=decision.amendement,
                motif=motif.strip(),
                actor=actor,
                decision_ref=f"Comité des partenaires, décision {decision.numero}",
            )
    if decision.point_id and issue != Issue.AJOURNE:
        PointOrdreDuJour.objects.filter(pk=decision.point_id).update(statut=StatutPoint.TRAITE)
    log_action(decision, f"comite.decision.{issue}", actor=actor, data={"motif": motif, "numero": decision.numero})
    destinataires = utilisateurs_des_organisations(decision.positions.values("organisation_id"))
    if decision.point_id:
        destinataires |= utilisateurs_des_organisations([decision.point.organisation_id])
    _signaler(
        decision,
        "comite.decision.arretee",
        f"Décision {decision.numero} : {decision.get_issue_display()}",
        destinataires,
        actor,
    )
    return decision


@transaction.atomic
def decision_publier(*, decision: Decision, actor: Any) -> Decision:
    decision = Decision.objects.select_for_update().get(pk=decision.pk)
    _exiger(decision.get_abilities(actor)["publish"], "Seul le secrétariat publie une décision arrêtée.")
    decision.publiee = True
    decision.save(update_fields=["publiee"])
    log_action(decision, "comite.decision.publiee", actor=actor)
    return decision


# --- conventions ---------------------------------------------------------------------------------------------


@transaction.atomic
def convention_document_deposer(
    *, convention: Convention, titre: str, fichier: UploadedFile, actor: Any, max_octets: int = rules.PDF_MAX_OCTETS
) -> DocumentConvention:
    _exiger(convention.get_abilities(actor)["upload"], "Seul le secrétariat dépose les documents des conventions.")
    fichier.seek(0)
    debut = fichier.read(8)
    fichier.seek(0)
    erreur = rules.pdf_upload_error(fichier.name or "", fichier.size or 0, debut, max_octets=max_octets)
    if erreur:
        raise ValidationError({"fichier": erreur})
    if not titre.strip():
        raise ValidationError({"titre": "Indiquez le titre du document."})
    document = DocumentConvention(convention=convention, titre=titre.strip(), taille=fichier.size, depose_par=actor)
    document.fichier.save(fichier.name, fichier, save=False)
    document.save()
    log_action(convention, "comite.convention.document", actor=actor, data={"document": document.pk, "titre": titre})
    return document


# --- daily digest --------------------------------------------------------------------------------------------


def digest_envoyer(*, now: datetime.datetime | None = None, base_url: str = "") -> int:
    """Send each person one e-mail with all their pending notifications; returns the number of e-mails."""
    now = now or timezone.now()
    envoyes = 0
    en_attente = Notification.objects.filter(envoyee_le__isnull=True, cree_le__lte=now).select_related("destinataire")
    par_personne = rules.group_by((n.destinataire, n) for n in en_attente.order_by("destinataire_id", "cree_le"))
    for personne, notifications in par_personne.items():
        if not personne.email:
            continue
        lignes = [f"- {n.texte}" + (f"\n  {base_url}{n.lien}" if n.lien else "") for n in notifications]
        corps = (
            f"Bonjour {personne.get_full_name() or personne.username},\n\n"
            "Voici ce qui vous concerne dans Socle (comité des partenaires, appels à projets…) :\n\n"
            + "\n".join(lignes)
            + "\n\nCe message récapitulatif est envoyé une fois par jour.\n"
        )
        with transaction.atomic():
            send_mail(
                subject=f"Socle : {len(notifications)} nouveauté(s) vous concernant",
                message=corps,
                from_email=settings.DEFAULT_FROM_EMAIL,
                recipient_list=[personne.email],
            )
            Notification.objects.filter(pk__in=[n.pk for n in notifications]).update(envoyee_le=now)
        envoyes += 1
    return envoyes


# --- initial data --------------------------------------------------------------------------------------------


@transaction.atomic
def donnees_initiales_charger(*, actor: Any = None) -> dict[str, Organisation]:
    """Organisations (with their comité profile), working groups and conventions; idempotent. Returns sigle → org."""
    from . import donnees

    orgs: dict[str, Organisation] = {}
    for nom, sigle, type_, signataire, invitee in donnees.ORGANISATIONS:
        org = (
            Organisation.objects.filter(sigle=sigle, type=type_).order_by("pk").first()
            or Organisation.objects.filter(nom=nom, type=type_).order_by("pk").first()
        )
        if org is None:
            org = Organisation.objects.create(nom=nom, sigle=sigle, type=type_)
            log_action(org, "comite.organisation.creee", actor=actor, data={"sigle": sigle})
        elif not org.sigle:
            org.sigle = sigle
            org.save(update_fields=["sigle"])
        profil, created = MembreOrganisation.objects.get_or_create(
            organisation=org, defaults={"signataire_2015": signataire, "invitee": invitee}
        )
        if created:
            log_action(profil, "comite.organisation.profil", actor=actor, data={"signataire_2015": signataire})
        orgs[sigle] = org
    for slug, nom, theme, ad_hoc, sigles in donnees.GROUPES:
        groupe, created = GroupeTravail.objects.get_or_create(
            slug=slug, defaults={"nom": nom, "theme": theme, "ad_hoc": ad_hoc}
        )
        if created:
            groupe.organisations.set([orgs[s] for s in sigles])
            log_action(groupe, "comite.groupe.cree", actor=actor)
    constitutive = _convention(donnees.CONVENTION_2015, actor=actor)
    if constitutive is not None:
        signataires = [orgs[s] for _, s, _, signe, _ in donnees.ORGANISATIONS if signe]
        constitutive.signataires.set(signataires)
        constitutive.comite_suivi.set(signataires)
    cadre_data = dict(donnees.CONVENTION_CADRE)
    signataires_cadre, suivi_cadre = cadre_data.pop("signataires"), cadre_data.pop("comite_suivi")
    cadre = _convention(cadre_data, actor=actor)
    if cadre is not None:
        cadre.signataires.set([orgs[s] for s in signataires_cadre])
        cadre.comite_suivi.set([orgs[s] for s in suivi_cadre])
    cadre = Convention.objects.get(titre=cadre_data["titre"])
    for data in donnees.CONVENTIONS_MISE_EN_OEUVRE:
        moe = _convention({**data, "type": "mise_en_oeuvre", "cadre": cadre}, actor=actor)
        if moe is not None:
            moe.signataires.set(cadre.signataires.all())
            moe.comite_suivi.set(cadre.comite_suivi.all())
    return orgs


def _convention(data: dict[str, Any], *, actor: Any) -> Convention | None:
    """Create the convention unless one with that title exists; None when it existed."""
    if Convention.objects.filter(titre=data["titre"]).exists():
        return None
    valeurs = dict(data)
    if isinstance(valeurs.get("date_signature"), str):
        valeurs["date_signature"] = datetime.date.fromisoformat(valeurs["date_signature"])
    convention = Convention.objects.create(**valeurs)
    log_action(convention, "comite.convention.creee", actor=actor)
    return convention
