"""Permission oracle of inventories and diagnostics (see comptes.permissions for the scope of a user).

- the agent of the collectivité compétente edits (form, import) its établissements' inventories;
- the directeur reads his établissement's inventory and diagnostic, and comments them;
- the académie (instructeur), the circonscription (inspecteur) and the DNE read their scope;
- anyone reads an inventory the collectivité published; otherwise only aggregates are public.
"""

from typing import TYPE_CHECKING, Any

from comptes.permissions import scope_of

if TYPE_CHECKING:
    from territoires.models import Etablissement


def abilities_for_inventaire(user: Any, etablissement: "Etablissement", *, publie: bool = False) -> dict[str, bool]:
    scope = scope_of(user)
    competente = (
        etablissement.collectivite_competente_id is not None
        and etablissement.collectivite_competente_id in scope.collectivites
    )
    directeur = etablissement.uai in scope.etablissements
    etat = (
        scope.dne
        or (etablissement.academie_id is not None and etablissement.academie_id in scope.academies)
        or (etablissement.circonscription_id is not None and etablissement.circonscription_id in scope.circonscriptions)
    )
    view = publie or competente or directeur or etat
    return {
        "view": view,
        "edit": competente,
        "import": competente,
        "publish": competente,
        "comment": competente or directeur,
        "view_history": view and scope.authenticated,
    }
