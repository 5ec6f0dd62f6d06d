"""The permission matrix of the référentiels, read from ``get_abilities`` (the one oracle views and API ask)."""

import pytest

from referentiels import services
from referentiels.models import EtatAmendement

from .factories import ajout, charger, jusqu_a_inscrit, proposer, utilisateur

pytestmark = pytest.mark.django_db

ROLES = ["anonyme", "agent_collectivite", "membre_comite", "dne"]

# role → (read a draft, propose on the adopted version, publish a draft)
VERSIONS = {
    "anonyme": (False, False, False),
    "agent_collectivite": (False, False, False),
    "membre_comite": (True, True, False),
    "dne": (True, True, True),
}
# role → (read an open amendment, discuss, schedule, adopt, reject)
AMENDEMENTS = {
    "anonyme": (False, False, False, False, False),
    "agent_collectivite": (False, False, False, False, False),
    "membre_comite": (True, False, False, False, False),
    "dne": (True, True, False, False, True),
}


@pytest.mark.parametrize("role", ROLES)
def test_matrice_versions(role):
    v1 = charger("ecole")
    brouillon = services.version_creer_brouillon(referentiel=v1.referentiel, actor=None)
    user = utilisateur(role)
    lire, proposer_, publier = VERSIONS[role]
    assert v1.get_abilities(user)["view"] is True  # the adopted version is public
    assert v1.get_abilities(user)["propose"] is proposer_
    assert v1.get_abilities(user)["publish"] is False  # already adopted
    assert brouillon.get_abilities(user)["view"] is lire
    assert brouillon.get_abilities(user)["propose"] is False  # one proposes against the adopted version
    assert brouillon.get_abilities(user)["publish"] is publier
    assert v1.referentiel.get_abilities(user)["view_drafts"] is lire


@pytest.mark.parametrize("role", ROLES)
def test_matrice_amendements(role):
    v1 = charger("ecole")
    amendement = proposer(v1, [ajout("kit")])
    user = utilisateur(role)
    abilities = amendement.get_abilities(user)
    attendu = dict(zip(["view", "discuss", "schedule", "adopt", "reject"], AMENDEMENTS[role], strict=True))
    assert {k: abilities[k] for k in attendu} == attendu
    # Once on the agenda, only the DNE may adopt; once adopted, everyone reads it and nobody moves it.
    jusqu_a_inscrit(amendement)
    assert amendement.get_abilities(user)["adopt"] is (role == "dne")
    services.amendement_adopter(amendement=amendement, actor=None)
    assert amendement.etat == EtatAmendement.ADOPTE
    abilities = amendement.get_abilities(user)
    assert abilities["view"] is True
    assert not any(abilities[k] for k in ("discuss", "schedule", "adopt", "reject", "rebase"))
