"""Every page of the comité renders for the people who may see it, and says what it is about."""

import io

import pytest
from django.core.management import call_command

from comite.models import Convention, GroupeTravail, PointOrdreDuJour, Seance

from .conftest import connecter, texte

pytestmark = pytest.mark.django_db


@pytest.fixture
def comite_charge():
    call_command("charger_referentiels", stdout=io.StringIO())
    call_command("charger_comite", stdout=io.StringIO())


def test_public_pages(client, comite_charge):
    assert "Créé par la convention du 1er octobre 2015" in texte(client.get("/comite/"))
    organisations = texte(client.get("/comite/organisations/"))
    assert "Association des maires ruraux de France (AMRF)" in organisations
    assert "Jeanne Perrot" not in organisations  # people are for members only
    decisions = texte(client.get("/comite/decisions/"))
    assert "Ajout d'un kit webradio au socle numérique des collèges" in decisions
    for url in ("/comite/seances/", "/comite/points/", "/comite/groupes/", "/comite/conventions/"):
        assert client.get(url).status_code == 302


@pytest.mark.parametrize("username", ["dne.national", "comite.amrf"])
def test_member_pages(client, comite_charge, username):
    from comptes.models import User

    connecter(client, User.objects.get(username=username))
    secretariat = username == "dne.national"
    index = texte(client.get("/comite/"))
    assert "Prochaines séances" in index
    assert ("Propositions à traiter par le secrétariat" in index) is secretariat
    assert "Jeanne Perrot (titulaire)" in texte(client.get("/comite/organisations/"))
    seances = texte(client.get("/comite/seances/"))
    assert "Séance plénière d'octobre 2026" in seances
    assert ("Programmer une séance" in seances) is secretariat
    seance = Seance.objects.get(titre="Séance plénière d'octobre 2026")
    page = texte(client.get(seance.get_absolute_url()))
    assert "l'ADF réserve sa position" in page
    point = PointOrdreDuJour.objects.get()
    assert "Traité" in texte(client.get(point.get_absolute_url()))
    assert "Référentiels nationaux" in texte(client.get("/comite/groupes/"))
    groupe = texte(client.get(GroupeTravail.objects.get(slug="referentiels-nationaux").get_absolute_url()))
    assert "Ajouter un kit webradio au socle numérique des collèges" in groupe
    assert "Convention constitutive" in texte(client.get("/comite/conventions/"))
    cadre = Convention.objects.get(type="cadre")
    page = texte(client.get(cadre.get_absolute_url()))
    assert "Convention de mise en œuvre — cloud éducatif" in page
    assert ("Déposer un document" in page) is secretariat


def test_admin_lists_decisions_read_only(client, comite_charge):
    from comptes.models import User

    admin = User.objects.create_superuser("operateur", "operateur@example.org", "motdepasse-operateur-2026")
    connecter(client, admin)
    page = texte(client.get("/gestion/comite/decision/"))
    assert "Ajout d'un kit webradio au socle numérique des collèges" in page
    assert client.get("/gestion/comite/decision/add/").status_code == 403
    assert client.get("/gestion/comite/groupetravail/add/").status_code == 200
