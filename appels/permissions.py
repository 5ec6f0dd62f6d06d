"""Permission oracles of the appels à projets (see comptes.permissions for a user's scope).

- anyone reads a published appel, its rules and the simulator;
- the DNE configures appels (revisions, envelopes) and reads every dossier;
- an agent of a collectivité files and edits its own dossiers only;
- an IEN reads the dossiers with a school of his circonscription and validates or returns those projets;
- an instructeur académique reads his académie's dossiers and decides on them;
- a directeur d'école reads the dossiers that carry a projet of his school.
"""

from typing import TYPE_CHECKING, Any

from comptes.permissions import scope_of

if TYPE_CHECKING:
    from .models import AppelAProjets, Dossier, Projet

ETATS_MODIFIABLES = ("brouillon", "complements")


def abilities_for_appel(user: Any, appel: "AppelAProjets") -> dict[str, bool]:
    scope = scope_of(user)
    return {
        "view": True,
        "configure": scope.dne,
        "file": bool(scope.collectivites),
        "instruct": scope.dne or bool(scope.academies),
    }


def _circonscriptions(dossier: "Dossier") -> set[str]:
    return {p.etablissement.circonscription_id for p in dossier.projets.all() if p.etablissement.circonscription_id}


def abilities_for_dossier(user: Any, dossier: "Dossier") -> dict[str, bool]:
    scope = scope_of(user)
    own = dossier.collectivite_id in scope.collectivites
    instructeur = dossier.academie_id in scope.academies
    ien = bool(scope.circonscriptions) and bool(_circonscriptions(dossier) & scope.circonscriptions)
    directeur = bool(scope.etablissements) and any(
        p.etablissement_id in scope.etablissements for p in dossier.projets.all()
    )
    modifiable = dossier.etat in ETATS_MODIFIABLES
    return {
        "view": scope.dne or own or instructeur or ien or directeur,
        "edit": own and modifiable,
        "submit": own and modifiable,
        "instruct": instructeur,
        "decide": instructeur,
        "validate_projets": ien,
        "pay": instructeur and dossier.etat == "accepte",
        "convention": (scope.dne or own or instructeur) and dossier.etat == "accepte",
        "view_history": scope.dne or own or instructeur or ien,
        # The thread between the applicant and the instruction: both sides write, the DNE reads.
        "view_messages": scope.dne or own or instructeur,
        "message": own or instructeur,
        # Private to the instruction: never the applicant (nor the IEN, nor the schools).
        "view_annotations": scope.dne or instructeur,
        "annotate": instructeur,
        "ask_avis": instructeur,
    }


def abilities_for_projet(user: Any, projet: "Projet") -> dict[str, bool]:
    scope = scope_of(user)
    circonscription = projet.etablissement.circonscription_id
    ien = circonscription is not None and circonscription in scope.circonscriptions
    directeur = projet.etablissement_id in scope.etablissements
    return {
        "view": ien or directeur or projet.dossier.get_abilities(user)["view"],
        "validate": ien and projet.dossier.etat in ("depose", "en_instruction"),
        # The teaching team writes its projet pédagogique with the collectivité, while the dossier is open.
        "write": directeur and projet.dossier.etat in ETATS_MODIFIABLES,
    }
