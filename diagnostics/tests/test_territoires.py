"""EPCI and collectivité dashboards: the département's content, the diffusion thresholds, deciles kept after an edit."""

import pytest
from django.urls import reverse

from diagnostics import national, services
from diagnostics.models import Agregat
from referentiels.tests.factories import login
from territoires.models import Etablissement

from .factories import agent, construire, dne

pytestmark = pytest.mark.django_db


@pytest.fixture
def monde():
    m = construire()
    services.inventaires_simuler(etablissements=Etablissement.objects.all(), seed=5)
    national.recalculer_tout()
    return m


def test_page_de_l_epci_avec_ventilations_deciles_sous_territoires_et_export(client, monde):
    epci = monde.ecole_a.commune.epci
    url = reverse("diagnostics:territoire", args=["epci", epci.siren])
    page = client.get(url).content.decode()
    # Four diagnosed établissements: the EPCI's figures are public, with its equity breakdowns…
    assert "Part au niveau du socle" in page
    for titre in ("Rural ou urbain", "Quartile d&#x27;IPS", "Secteur"):
        assert titre in page
    # …but the rural group (one collège) and the private group (one école) are hidden,
    assert page.count("Moins de 3 établissements diagnostiqués : non diffusé") >= 2
    # the decile of four values would be one school's own figure,
    assert "1er décile" not in page
    assert "Écart entre les déciles extrêmes non diffusé" in page
    # and no collectivité of the EPCI has three diagnosed établissements.
    assert "Indicateurs par territoire" not in page
    lignes = client.get(url + "?format=csv").content.decode("utf-8-sig").splitlines()
    assert len(lignes) == 2 and lignes[1].startswith(f"{epci.nom};4;4;")

    login(client, dne())
    page = client.get(url).content.decode()
    assert "non diffusé" not in page
    assert "Taux de conformité : 1er décile" in page
    assert "Déciles mis à jour le" in page
    assert "Indicateurs par territoire" in page  # the chart's table: Rennes, Bruz, the département
    for collectivite in (monde.rennes, monde.bruz, monde.departement):
        assert f'href="/diagnostics/territoires/collectivite/{collectivite.pk}/' in page
    lignes = client.get(url + "?format=csv").content.decode("utf-8-sig").splitlines()
    assert len(lignes) == 5  # header, the EPCI, its three collectivités: the same numbers as the table


def test_page_de_la_collectivite_a_les_memes_rubriques_que_le_departement(client, monde):
    url = reverse("diagnostics:territoire", args=["collectivite", str(monde.rennes.pk)])
    login(client, agent(monde.rennes))
    page = client.get(url).content.decode()
    assert "Rural ou urbain" in page and "Taux de conformité : 1er décile" in page
    agregat = Agregat.objects.get(echelon="collectivite", code=str(monde.rennes.pk), niveau="")
    # One école: no group to compare, the page says so rather than repeating the total.
    assert "zone" not in agregat.ventilations
    assert "un seul groupe dans ce territoire" in page
    # An agent of Bruz is the public for Rennes: one école, nothing shown.
    client.logout()
    login(client, agent(monde.bruz))
    page = client.get(url).content.decode()
    assert "ne sont pas diffusés" in page and "Rural ou urbain" not in page
    assert client.get(url + "?format=csv").content.decode("utf-8-sig").splitlines()[1:] == []


def test_les_deciles_suivent_la_modification_d_un_inventaire(client, monde):
    def deciles(echelon, code):
        return Agregat.objects.get(echelon=echelon, code=code, niveau="").ventilations["deciles_taux"]

    avant_rennes = deciles("collectivite", str(monde.rennes.pk))
    user = agent(monde.rennes)
    # Rennes' école becomes fully equipped on every measured service and gets plenty of devices.
    services.inventaire_modifier(
        etablissement=monde.ecole_a,
        user=user,
        donnees={"debit_mbits": 1000, "salles_connectees": 5, "ent": True, "internet_direction": True},
    )
    for code in ("videoprojecteur", "ordinateur-portable-enseignant", "classe-mobile-terminaux"):
        services.ligne_ajouter(etablissement=monde.ecole_a, user=user, donnees={"item_code": code, "quantite": 30})
    apres_rennes = deciles("collectivite", str(monde.rennes.pk))
    assert apres_rennes != avant_rennes
    # Right after the edit, every territory of the école has the deciles a full run gives, up to the nation.
    incremental = {
        (a.echelon, a.code, a.niveau): (a.ventilations.get("deciles_taux"), a.ventilations.get("deciles_terminaux"))
        for a in Agregat.objects.all()
    }
    national.recalculer_tout()
    complet = {
        (a.echelon, a.code, a.niveau): (a.ventilations.get("deciles_taux"), a.ventilations.get("deciles_terminaux"))
        for a in Agregat.objects.all()
    }
    assert incremental == complet
    login(client, dne())
    page = client.get(reverse("diagnostics:territoire", args=["region", monde.ecole_a.departement.region_id]))
    assert "Déciles mis à jour le" in page.content.decode()
    assert "ils suivent chaque modification d'inventaire" in page.content.decode().replace("&#x27;", "'")
