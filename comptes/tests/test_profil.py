"""« Mon compte »: the person sees the organisations they act for, with links to their pages."""

import pytest
from django.test import Client
from django.urls import reverse

from comptes.tests.factories import UserFactory

from .monde import construire_monde


@pytest.fixture
def monde(db):
    return construire_monde()


def test_anonymous_visitors_are_sent_to_the_login_page(db):
    response = Client().get(reverse("comptes:profil"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("comptes:login"))


def test_an_agent_sees_their_collectivite_and_role_with_a_link(monde):
    client = Client()
    client.force_login(monde.users["agent_commune_a"])
    page = client.get(reverse("comptes:profil"))
    assert page.status_code == 200
    assert "<h1>Mon compte</h1>" in page.text
    assert "Agent de collectivité" in page.text
    assert f'href="{reverse("territoires:collectivite", args=[monde.commune_a.code])}"' in page.text
    # Only their own organisations.
    assert monde.commune_b.nom not in page.text


def test_a_directeur_sees_a_link_to_their_etablissement(monde):
    client = Client()
    client.force_login(monde.users["directeur_ecole_a"])
    page = client.get(reverse("comptes:profil"))
    assert "Directeur d'école / chef d'établissement" in page.text.replace("&#x27;", "'")
    assert f'href="{reverse("territoires:etablissement", args=[monde.ecole_a.uai])}"' in page.text


def test_a_person_without_membership_is_told_how_to_get_one(db):
    client = Client()
    client.force_login(UserFactory())
    page = client.get(reverse("comptes:profil"))
    assert "aucune organisation" in page.text
    assert "<table" not in page.text


def test_the_header_links_to_mon_compte_once_logged_in(monde):
    client = Client()
    assert reverse("comptes:profil") not in client.get(reverse("core:home")).text
    client.force_login(monde.users["inspecteur"])
    assert f'href="{reverse("comptes:profil")}"' in client.get(reverse("core:home")).text
