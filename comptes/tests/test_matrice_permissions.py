"""The permission matrix is a test, not a comment (DESIGN.md): role × object × ability.

Letters in a cell: v = view, e = edit, t = transfer_competence, h = view_history; « - » = nothing.
"""

import pytest
from django.contrib.auth.models import AnonymousUser

from comptes.models import Organisation, Role, TypeOrganisation
from comptes.tests.factories import UserFactory, member_of

from .monde import ROLES, construire_monde, tous_les_profils

MATRICE = """
rôle               | ecole_a | college | ecole_privee | commune_a | departement
anonyme            | v       | v       | v            | v         | v
agent_commune_a    | veh     | vh      | vh           | veth      | vh
agent_commune_b    | vh      | vh      | vh           | vh        | vh
agent_departement  | vh      | veh     | vh           | vh        | veh
directeur_ecole_a  | veh     | vh      | vh           | vh        | vh
directeur_ecole_b  | vh      | vh      | vh           | vh        | vh
inspecteur         | vh      | vh      | vh           | vh        | vh
instructeur        | vh      | vh      | vh           | vh        | vh
dne                | veh     | veh     | veh          | veth      | veh
membre_comite      | vh      | vh      | vh           | vh        | vh
"""

LETTRES = {"v": "view", "e": "edit", "t": "transfer_competence", "h": "view_history"}
ABILITIES = {
    "ecole_a": ["view", "edit", "view_history"],
    "college": ["view", "edit", "view_history"],
    "ecole_privee": ["view", "edit", "view_history"],
    "commune_a": ["view", "edit", "transfer_competence", "view_history"],
    "departement": ["view", "edit", "transfer_competence", "view_history"],
}


def parse(matrice: str) -> dict[tuple[str, str], set[str]]:
    lines = [[cell.strip() for cell in line.split("|")] for line in matrice.strip().splitlines()]
    objets = lines[0][1:]
    return {
        (row[0], objet): {LETTRES[letter] for letter in cell if letter != "-"}
        for row in lines[1:]
        for objet, cell in zip(objets, row[1:], strict=True)
    }


EXPECTED = parse(MATRICE)
CELLS = [
    (role, objet, ability, ability in EXPECTED[role, objet])
    for role in ROLES
    for objet in ABILITIES
    for ability in ABILITIES[objet]
]


def test_the_matrix_covers_every_role_and_object():
    assert {role for role, _ in EXPECTED} == set(ROLES)
    assert {objet for _, objet in EXPECTED} == set(ABILITIES)


@pytest.fixture
def monde(db):
    return construire_monde()


@pytest.mark.parametrize(("role", "objet", "ability", "allowed"), CELLS)
def test_matrix(monde, role, objet, ability, allowed):
    user = monde.users[role] or AnonymousUser()
    abilities = monde.objet(objet).get_abilities(user)
    assert set(abilities) == set(ABILITIES[objet]), "a new ability must be added to the matrix"
    assert abilities[ability] is allowed


def test_a_role_held_in_the_wrong_kind_of_organisation_grants_nothing(monde):
    # « DNE » inside a commune, « agent » inside an association: misconfigured memberships are inert.
    commune = Organisation.objects.get(collectivite=monde.commune_b)
    faux_dne = member_of(commune, Role.DNE)
    association = Organisation.objects.create(nom="Fédération X", type=TypeOrganisation.ASSOCIATION)
    faux_agent = member_of(association, Role.AGENT_COLLECTIVITE)
    for user in (faux_dne, faux_agent):
        assert not monde.ecole_a.get_abilities(user)["edit"]
        assert not monde.commune_a.get_abilities(user)["edit"]


def test_a_deactivated_agent_loses_every_write(monde):
    agent = monde.users["agent_commune_a"]
    agent.is_active = False
    agent.save()
    assert monde.ecole_a.get_abilities(agent) == {"view": True, "edit": False, "view_history": False}


def test_staff_and_superuser_flags_grant_nothing_on_objects(monde):
    # The administration is for operators; rights on objects come from memberships only.
    operator = member_of(Organisation.objects.create(nom="Partenaire", type="association"), Role.MEMBRE_COMITE)
    operator.is_staff = operator.is_superuser = True
    operator.save()
    assert not monde.ecole_a.get_abilities(operator)["edit"]
    assert not monde.commune_a.get_abilities(operator)["edit"]


def test_a_logged_in_person_without_membership_reads_like_the_public(monde):
    # E.g. a fresh ProConnect account: the history names agents, so it is for the people of the platform.
    nobody = UserFactory(username="inconnu")
    assert monde.ecole_a.get_abilities(nobody) == {"view": True, "edit": False, "view_history": False}
    assert not any(v for k, v in monde.commune_a.get_abilities(nobody).items() if k != "view")


def test_acts_for_collectivite_agrees_with_the_scope_for_every_role(monde):
    # The one-query check of the deposit API must grant exactly what scope_of grants.
    from comptes.permissions import acts_for_collectivite, scope_of

    collectivites = [monde.commune_a, monde.commune_b, monde.departement]
    for user in tous_les_profils(monde):
        attendu = {c.pk for c in collectivites if c.pk in scope_of(user).collectivites}
        if hasattr(user, "_socle_scope"):
            del user._socle_scope  # the query itself, not the cached scope
        assert {c.pk for c in collectivites if acts_for_collectivite(user, c.pk)} == attendu
    assert acts_for_collectivite(monde.users["agent_commune_a"], monde.commune_a.pk)
    assert not acts_for_collectivite(monde.users["agent_commune_a"], monde.commune_b.pk)
