"""The deposit API: one request files a complete dossier; retries with the same key never duplicate it."""

import base64

import pytest

from appels.models import Dossier, EtatDossier, Piece

from .factories import PDF, agent_de, appel_ouvert, commune_avec_ecoles

pytestmark = pytest.mark.django_db


@pytest.fixture
def monde(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    appel = appel_ouvert("snee-2021")
    collectivite, ecoles = commune_avec_ecoles()
    return appel, collectivite, ecoles, agent_de(collectivite)


def _depot(collectivite, ecoles, cle="cle-1", devis=PDF):
    return {
        "cle_idempotence": cle,
        "collectivite": collectivite.pk,
        "devis": base64.b64encode(devis).decode(),
        "projets": [
            {
                "uai": e.uai,
                "classes": 4,
                "eleves": 90,
                "projet_pedagogique": "Une webradio par cycle.",
                "lignes": [{"volet": "equipement", "libelle": "Tablettes", "quantite": 10, "prix_unitaire": "800.00"}],
            }
            for e in ecoles
        ],
    }


def test_an_agent_deposits_a_complete_dossier_once(client, monde):
    appel, collectivite, ecoles, agent = monde
    client.force_login(agent)
    url = f"/api/v1/appels/{appel.code}/depots/"
    reponse = client.post(url, _depot(collectivite, ecoles), content_type="application/json")
    assert reponse.status_code == 201, reponse.content
    corps = reponse.json()
    assert corps["etat"] == "depose"
    # 70 % × 8 000 € per school (4 classes: cap 14 000 €), two schools.
    assert corps["montant_demande"] == "11200.00"
    assert sorted(p["uai"] for p in corps["projets"]) == sorted(e.uai for e in ecoles)
    encore = client.post(url, _depot(collectivite, ecoles), content_type="application/json")
    assert encore.status_code == 200 and encore.json()["id"] == corps["id"]
    assert Dossier.objects.get().etat == EtatDossier.DEPOSE
    assert Piece.objects.count() == 1


def test_deposit_refused_for_another_collectivite_or_without_account(client, monde):
    appel, collectivite, ecoles, _ = monde
    autre, _ = commune_avec_ecoles()
    url = f"/api/v1/appels/{appel.code}/depots/"
    assert client.post(url, _depot(collectivite, ecoles), content_type="application/json").status_code == 403
    client.force_login(agent_de(autre))
    reponse = client.post(url, _depot(collectivite, ecoles), content_type="application/json")
    assert reponse.status_code == 403
    assert "Vous n'agissez pas pour cette collectivité." in reponse.json()["detail"]
    assert not Dossier.objects.exists()


def test_a_bad_deposit_names_the_problem_and_leaves_nothing(client, monde):
    appel, collectivite, ecoles, agent = monde
    client.force_login(agent)
    url = f"/api/v1/appels/{appel.code}/depots/"
    reponse = client.post(url, _depot(collectivite, ecoles, devis=b"<html>"), content_type="application/json")
    assert reponse.status_code == 400
    assert "PDF" in str(reponse.json())
    depot = _depot(collectivite, ecoles)
    depot["projets"][1]["uai"] = "9999999Z"
    reponse = client.post(url, depot, content_type="application/json")
    assert reponse.status_code == 400
    assert "Projet 2 : UAI « 9999999Z » inconnu." in str(reponse.json())
    assert not Dossier.objects.exists()
