"""Permission oracles of the référentiels (see comptes.permissions for the scope of a user).

- anyone reads the adopted and replaced versions, and the amendments that were adopted;
- members of the comité (membre_comite) and the DNE read drafts and every amendment, and propose amendments;
- the DNE steers amendments (working group, agenda, decision) and publishes versions.
"""

from typing import TYPE_CHECKING, Any

from comptes.permissions import scope_of

if TYPE_CHECKING:
    from .models import Amendement, Referentiel, Version


def est_du_comite(user: Any) -> bool:
    scope = scope_of(user)
    return scope.dne or bool(scope.associations)


def abilities_for_referentiel(user: Any, referentiel: "Referentiel") -> dict[str, bool]:
    scope = scope_of(user)
    comite = scope.dne or bool(scope.associations)
    return {
        "view": True,
        "view_drafts": comite,
        "view_amendements": comite,
        "propose": comite,
        "publish": scope.dne,
    }


def abilities_for_version(user: Any, version: "Version") -> dict[str, bool]:
    scope = scope_of(user)
    comite = scope.dne or bool(scope.associations)
    view = version.publique or comite
    return {
        "view": view,
        "export": view,
        "propose": comite and version.etat == "adoptee",
        "publish": scope.dne and version.etat in ("brouillon", "en_consultation"),
        "consult": scope.dne and version.etat == "brouillon",
    }


def abilities_for_amendement(user: Any, amendement: "Amendement") -> dict[str, bool]:
    scope = scope_of(user)
    comite = scope.dne or bool(scope.associations)
    etat = amendement.etat
    return {
        "view": comite or etat == "adopte",
        "discuss": scope.dne and etat == "propose",
        "schedule": scope.dne and etat == "en_discussion",
        "adopt": scope.dne and etat == "inscrit",
        "reject": scope.dne and etat in ("propose", "en_discussion", "inscrit"),
        "amend": (scope.dne or amendement.organisation_id in scope.associations) and etat == "propose",
        "rebase": (scope.dne or amendement.organisation_id in scope.associations)
        and etat in ("propose", "en_discussion", "inscrit"),
    }
