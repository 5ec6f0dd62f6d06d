"""Signals sent by the comité's services, and the receivers that queue notifications for the daily digest."""

from typing import Any

from django.db.models import Q
from django.dispatch import Signal, receiver

# Sent by every service of the comité after its write: sender=model class, obj, code, actor, recipients hint.
evenement_comite = Signal()


def utilisateurs_des_organisations(organisation_ids: Any) -> set[int]:
    """People acting for these organisations, through a membership or a seat at the comité."""
    from comptes.models import Membership

    from .models import Membre

    ids = set(Membership.objects.filter(organisation_id__in=organisation_ids).values_list("user_id", flat=True))
    ids |= set(Membre.objects.filter(organisation_id__in=organisation_ids).values_list("user_id", flat=True))
    return ids


def utilisateurs_du_secretariat() -> set[int]:
    from comptes.models import Membership, Role

    from .models import Membre, RoleComite

    ids = set(
        Membership.objects.filter(role=Role.DNE, organisation__type="ministere").values_list("user_id", flat=True)
    )
    ids |= set(
        Membre.objects.filter(
            Q(role_comite=RoleComite.SECRETARIAT) & Q(organisation__comite_profil__signataire_2015=True)
        ).values_list("user_id", flat=True)
    )
    return ids


@receiver(evenement_comite)
def mettre_en_file(
    sender: Any, *, obj: Any, code: str, texte: str, destinataires: set[int], actor: Any = None, **kwargs: Any
) -> None:
    from comptes.models import User

    from .models import Notification

    lien = obj.get_absolute_url() if hasattr(obj, "get_absolute_url") else ""
    auteur = getattr(actor, "pk", None)
    users = User.objects.filter(pk__in=destinataires - {auteur}, is_active=True).values_list("pk", flat=True)
    Notification.objects.bulk_create(
        [Notification(destinataire_id=pk, code=code, texte=texte[:500], lien=lien) for pk in users]
    )
