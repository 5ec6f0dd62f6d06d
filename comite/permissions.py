"""What a person may do at the comité, derived from ``comptes.permissions.scope_of`` (memberships only).

A member organisation acts through its ``membre_comite`` memberships (``scope.associations``); the DNE
(``scope.dne``) holds the secrétariat, shared with the people a signatory organisation seats there with
the « secrétariat » role.
"""

from dataclasses import dataclass, field
from typing import Any

from comptes.models import Role
from comptes.permissions import scope_of


@dataclass(frozen=True)
class ComiteScope:
    authenticated: bool = False
    # May read the comité's working pages (meetings, minutes, working groups, conventions).
    membre: bool = False
    # Organisations the person may speak for (propose agenda items, register, post messages).
    organisations: frozenset[int] = field(default_factory=frozenset)
    secretariat: bool = False


PUBLIC = ComiteScope()


def comite_scope(user: Any) -> ComiteScope:
    scope = scope_of(user)
    if not scope.authenticated:
        return PUBLIC
    cached = getattr(user, "_comite_scope", None)
    if cached is not None:
        return cached
    from .models import Membre, RoleComite

    organisations = set(scope.associations)
    if scope.dne:
        organisations |= set(
            user.memberships.filter(role=Role.DNE, organisation__type="ministere").values_list(
                "organisation_id", flat=True
            )
        )
    secretariat = scope.dne or (
        bool(scope.associations)
        and Membre.objects.filter(
            user=user,
            role_comite=RoleComite.SECRETARIAT,
            organisation_id__in=scope.associations,
            organisation__comite_profil__signataire_2015=True,
        ).exists()
    )
    result = ComiteScope(
        authenticated=True,
        membre=bool(organisations),
        organisations=frozenset(organisations),
        secretariat=secretariat,
    )
    user._comite_scope = result
    return result


def may_propose_point(user: Any) -> bool:
    """Any member organisation may propose an agenda item."""
    return bool(comite_scope(user).organisations)
