"""The administration at /gestion/ is for operators (staff) only."""

import pytest
from django.test import Client
from django.urls import reverse

from comptes.models import Membership, Organisation, Role
from comptes.tests.factories import UserFactory
from core.models import AuditEntry

from .monde import construire_monde


@pytest.fixture
def monde(db):
    return construire_monde()


@pytest.mark.parametrize("role", ["agent_commune_a", "dne", "directeur_ecole_a"])
def test_people_of_the_platform_are_not_let_into_the_administration(monde, role):
    client = Client()
    client.force_login(monde.users[role])
    for url in (reverse("admin:index"), reverse("admin:comptes_membership_add")):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("admin:login"))
    # Nor can they grant themselves a role by posting to it.
    dne = Organisation.objects.get(sigle="DNE")
    client.post(
        reverse("admin:comptes_membership_add"),
        {"user": monde.users[role].pk, "organisation": dne.pk, "role": Role.DNE},
    )
    assert (
        not Membership.objects.filter(user=monde.users[role], organisation=dne)
        .exclude(user=monde.users["dne"])
        .exists()
    )


def test_an_operator_grants_a_membership_and_it_is_audited(monde):
    operator = UserFactory(username="operateur", is_staff=True, is_superuser=True)
    person = UserFactory(username="nouvel.agent")
    organisation = Organisation.objects.get(collectivite=monde.commune_b)
    client = Client()
    client.force_login(operator)
    assert client.get(reverse("admin:comptes_user_change", args=[person.pk])).status_code == 200
    response = client.post(
        reverse("admin:comptes_membership_add"),
        {"user": person.pk, "organisation": organisation.pk, "role": Role.AGENT_COLLECTIVITE},
    )
    assert response.status_code == 302
    assert person.memberships.get().organisation == organisation
    entry = AuditEntry.objects.get(action="comptes.rattachement.accorde")
    assert entry.actor == operator
    assert entry.data["role"] == Role.AGENT_COLLECTIVITE


def test_the_administration_refuses_a_role_in_the_wrong_kind_of_organisation(monde):
    operator = UserFactory(username="operateur", is_staff=True, is_superuser=True)
    person = UserFactory(username="personne")
    commune = Organisation.objects.get(collectivite=monde.commune_b)
    client = Client()
    client.force_login(operator)
    response = client.post(
        reverse("admin:comptes_membership_add"), {"user": person.pk, "organisation": commune.pk, "role": Role.DNE}
    )
    assert response.status_code == 200
    assert "s'exerce dans une organisation de type" in response.text.replace("&#x27;", "'")
    assert not person.memberships.exists()
