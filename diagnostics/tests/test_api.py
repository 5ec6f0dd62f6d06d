"""The read-only diagnostics API: same permissions as the pages, same diffusion thresholds."""

import pytest

from diagnostics import national, services
from diagnostics.models import Diagnostic
from referentiels.tests.factories import login
from territoires.models import Etablissement

from .factories import agent, construire, directeur, dne

pytestmark = pytest.mark.django_db


@pytest.fixture
def monde():
    m = construire()
    services.inventaires_simuler(etablissements=Etablissement.objects.all(), seed=5)
    national.recalculer_tout()
    return m


def _url(uai: str) -> str:
    return f"/api/v1/diagnostics/etablissements/{uai}/"


def test_diagnostic_d_un_etablissement_selon_les_droits(client, monde):
    assert client.get(_url(monde.ecole_a.uai)).status_code in (401, 403)
    login(client, agent(monde.bruz))
    assert client.get(_url(monde.ecole_a.uai)).status_code == 403
    client.logout()
    login(client, directeur(monde.ecole_a))
    reponse = client.get(_url(monde.ecole_a.uai))
    assert reponse.status_code == 200
    donnees = reponse.json()
    diagnostic = Diagnostic.objects.get(etablissement=monde.ecole_a)
    assert donnees["uai"] == "0350001A"
    assert donnees["cout_socle"] == str(diagnostic.cout_socle)
    assert donnees["catalogue_version"] == 1 and donnees["referentiel_version"] == 1
    items = {i["code"]: i for i in donnees["items"]}
    assert "videoprojecteur" in items and items["videoprojecteur"]["libelle"]
    # The total is the sum of the required items' rounded costs.
    assert sum(float(i["cout"]) for i in donnees["items"] if i["obligatoire"]) == pytest.approx(
        float(diagnostic.cout_socle)
    )
    assert client.post(_url(monde.ecole_a.uai), {}).status_code in (403, 405)
    assert client.get(_url("9999999Z")).status_code == 404


def test_un_inventaire_publie_est_lisible_par_tous(client, monde):
    services.inventaire_modifier(etablissement=monde.ecole_b, user=agent(monde.bruz), donnees={"publie": True})
    assert client.get(_url(monde.ecole_b.uai)).status_code == 200


def test_agregats_publics_avec_les_seuils_de_diffusion(client, monde):
    donnees = client.get("/api/v1/diagnostics/territoires/?echelon=departement&code=35&niveau=").json()
    (dep,) = donnees["results"]
    assert dep["synthese"]["diagnostiques"] == 4 and not dep["masque"]
    assert dep["deciles_taux"] is None  # fewer than 10: one school's own figure
    masques = {(g["dimension"], g["groupe"]) for g in dep["groupes"] if g["masque"]}
    assert ("zone", "rural") in masques and ("secteur", "prive_sous_contrat") in masques
    assert all(g["synthese"] is None for g in dep["groupes"] if g["masque"])
    rennes = client.get(f"/api/v1/diagnostics/territoires/?echelon=collectivite&code={monde.rennes.pk}").json()
    assert rennes["results"][0]["masque"] and rennes["results"][0]["synthese"] is None
    login(client, dne())
    dep = client.get("/api/v1/diagnostics/territoires/?echelon=departement&code=35&niveau=").json()["results"][0]
    assert dep["deciles_taux"] is not None and not any(g["masque"] for g in dep["groupes"])
    assert client.post("/api/v1/diagnostics/territoires/", {}).status_code == 403
