"""The permission oracles: what a user may do on one object, derived from memberships only.

Views, API and templates ask ``obj.get_abilities(user)``; none re-derives a rule.
"""

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .models import ROLE_ORGANISATION, Role

if TYPE_CHECKING:
    from territoires.models import Collectivite, Etablissement


@dataclass(frozen=True)
class Scope:
    """Everything a user's memberships grant, read in one query and cached on the user."""

    authenticated: bool = False
    dne: bool = False
    collectivites: frozenset[int] = field(default_factory=frozenset)
    etablissements: frozenset[str] = field(default_factory=frozenset)
    circonscriptions: frozenset[str] = field(default_factory=frozenset)
    academies: frozenset[str] = field(default_factory=frozenset)
    associations: frozenset[int] = field(default_factory=frozenset)
    roles: frozenset[str] = field(default_factory=frozenset)

    @property
    def member(self) -> bool:
        """Acts for at least one organisation. Anyone may open a ProConnect account: that alone shows no history
        (it names the agents who made each change)."""
        return bool(self.roles)


ANONYMOUS = Scope()


def scope_of(user: Any) -> Scope:
    if user is None or not user.is_authenticated or not user.is_active:
        return ANONYMOUS
    cached = getattr(user, "_socle_scope", None)
    if cached is not None:
        return cached
    rows = list(
        user.memberships.values_list(
            "role",
            "organisation_id",
            "organisation__collectivite_id",
            "organisation__etablissement_id",
            "organisation__circonscription_id",
            "organisation__academie_id",
            "organisation__type",
        )
    )
    by_role: dict[str, set] = {role: set() for role in Role.values}
    for role, org_id, collectivite, etablissement, circonscription, academie, org_type in rows:
        if org_type != ROLE_ORGANISATION[Role(role)]:
            # A role held in the wrong kind of organisation (e.g. « DNE » in a commune) grants nothing.
            continue
        target = {
            Role.AGENT_COLLECTIVITE: collectivite,
            Role.DIRECTEUR: etablissement,
            Role.INSPECTEUR: circonscription,
            Role.INSTRUCTEUR: academie,
            Role.DNE: org_id,
            Role.MEMBRE_COMITE: org_id,
        }[Role(role)]
        if target is not None:
            by_role[role].add(target)
    scope = Scope(
        authenticated=True,
        dne=bool(by_role[Role.DNE]),
        collectivites=frozenset(by_role[Role.AGENT_COLLECTIVITE]),
        etablissements=frozenset(by_role[Role.DIRECTEUR]),
        circonscriptions=frozenset(by_role[Role.INSPECTEUR]),
        academies=frozenset(by_role[Role.INSTRUCTEUR]),
        associations=frozenset(by_role[Role.MEMBRE_COMITE]),
        roles=frozenset(role for role, targets in by_role.items() if targets),
    )
    user._socle_scope = scope
    return scope


def acts_for_collectivite(user: Any, collectivite_id: int | None) -> bool:
    """``collectivite_id in scope_of(user).collectivites``, asked with one EXISTS query instead of reading every
    membership (an agent may hold hundreds); the scope already read is used when the user carries it."""
    if collectivite_id is None or user is None or not user.is_authenticated or not user.is_active:
        return False
    cached = getattr(user, "_socle_scope", None)
    if cached is not None:
        return collectivite_id in cached.collectivites
    return user.memberships.filter(
        role=Role.AGENT_COLLECTIVITE,
        organisation__type=ROLE_ORGANISATION[Role.AGENT_COLLECTIVITE],
        organisation__collectivite_id=collectivite_id,
    ).exists()


def abilities_for_etablissement(user: Any, etablissement: "Etablissement") -> dict[str, bool]:
    scope = scope_of(user)
    edit = (
        scope.dne
        or (etablissement.collectivite_competente_id in scope.collectivites)
        or (etablissement.uai in scope.etablissements)
    )
    return {
        "view": True,
        "edit": edit,
        "view_history": scope.member,
    }


def abilities_for_collectivite(user: Any, collectivite: "Collectivite") -> dict[str, bool]:
    scope = scope_of(user)
    own = collectivite.pk in scope.collectivites
    return {
        "view": True,
        "edit": scope.dne or own,
        # A commune's deliberation transfers its écoles; the DNE records it for the record too.
        "transfer_competence": (scope.dne or own) and collectivite.commune_id is not None,
        "view_history": scope.member,
    }
