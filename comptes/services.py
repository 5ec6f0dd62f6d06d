"""Writes of comptes: each in a transaction, with its audit entry."""

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from core.audit import log_action

from .models import ROLE_ORGANISATION, Membership, Organisation, Role, User


@transaction.atomic
def rattachement_accorder(*, user: User, organisation: Organisation, role: str, actor: Any = None) -> Membership:
    """Grant ``role`` in ``organisation`` to ``user``; granting it again changes nothing."""
    expected = ROLE_ORGANISATION[Role(role)]
    if organisation.type != expected:
        raise ValidationError(
            {"role": f"Le rôle « {Role(role).label} » s'exerce dans une organisation de type « {expected.label} »."}
        )
    membership, created = Membership.objects.get_or_create(user=user, organisation=organisation, role=role)
    if created:
        log_action(
            user,
            "comptes.rattachement.accorde",
            actor=actor,
            data={"organisation": organisation.pk, "organisation_nom": organisation.nom, "role": role},
        )
    return membership
