"""Notifications of the dossier transitions, sent in the daily digest of the comité app (reused, not duplicated).

On each transition (``signals.dossier_transition``, sent after commit), every person concerned by the dossier gets
one pending ``comite.Notification``: the agents of the collectivité, the instructeurs of its académie, the IEN of
the circonscriptions of its schools and their directeurs — not the person who made the change.
``manage.py envoyer_digest`` then sends each person one e-mail a day with all their pending notifications.
"""

from typing import Any

from django.db.models import Q

from comptes.models import Membership, Role

from .models import Dossier, EtatDossier

PREFIXE_CODE = "appels.dossier."


def personnes_concernees(dossier: Dossier) -> list[Any]:
    """The users concerned by ``dossier``: collectivité, académie, IEN and directeurs of its schools."""
    projets = list(dossier.projets.select_related("etablissement"))
    circonscriptions = {p.etablissement.circonscription_id for p in projets if p.etablissement.circonscription_id}
    ecoles = {p.etablissement_id for p in projets}
    rattachements = Membership.objects.filter(
        Q(role=Role.AGENT_COLLECTIVITE, organisation__collectivite_id=dossier.collectivite_id)
        | Q(role=Role.INSTRUCTEUR, organisation__academie_id=dossier.academie_id)
        | Q(role=Role.INSPECTEUR, organisation__circonscription_id__in=circonscriptions)
        | Q(role=Role.DIRECTEUR, organisation__etablissement_id__in=ecoles)
    ).select_related("user")
    personnes = {m.user_id: m.user for m in rattachements if m.user.is_active}
    return [personnes[pk] for pk in sorted(personnes)]


def texte_transition(dossier: Dossier, transition: str) -> str:
    texte = (
        f"Appel « {dossier.appel.titre} » — dossier n° {dossier.pk} ({dossier.collectivite}) : "
        f"{EtatDossier(transition).label.lower()}"
    )
    if dossier.motif:
        texte += f". Motif : {dossier.motif}"
    return texte[:500]


def notifier_transition(*, dossier: Dossier, transition: str, acteur: Any = None, **kwargs: Any) -> int:
    """Queue one digest notification per concerned person (the acteur excepted); returns how many."""
    from comite.models import Notification

    acteur_id = getattr(acteur, "pk", None)
    texte = texte_transition(dossier, transition)
    notifications = [
        Notification(
            destinataire=personne, code=f"{PREFIXE_CODE}{transition}", texte=texte, lien=dossier.get_absolute_url()
        )
        for personne in personnes_concernees(dossier)
        if personne.pk != acteur_id
    ]
    Notification.objects.bulk_create(notifications)
    return len(notifications)
