"""The public read-only API of the territoires: what a re-user of the open data sees."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework import throttling

from comptes.tests.factories import UserFactory
from territoires import models
from territoires.tests.factories import (
    AcademieFactory,
    CollectiviteFactory,
    CommuneFactory,
    DepartementFactory,
    EtablissementFactory,
    RegionFactory,
)

pytestmark = pytest.mark.django_db

API = "/api/v1"


@pytest.fixture
def source() -> models.DataSource:
    return models.DataSource.objects.create(
        code="ips-ecoles",
        titre="IPS des écoles",
        producteur="Ministère de l'Éducation nationale – DEPP",
        millesime="2024-2025",
    )


@pytest.fixture
def rennes() -> models.Commune:
    commune = CommuneFactory(code_insee="35238", nom="Rennes", codes_postaux="35000|35200|35700")
    CollectiviteFactory(commune=commune, nom="Ville de Rennes")
    return commune


@pytest.fixture
def vannes() -> models.Commune:
    region = RegionFactory(code="53", nom="Bretagne")
    departement = DepartementFactory(code="56", nom="Morbihan", region=region, academie=AcademieFactory())
    return CommuneFactory(code_insee="56260", nom="Vannes", departement=departement, codes_postaux="56000")


def etablissement_in(commune: models.Commune, **fields) -> models.Etablissement:
    collectivite = getattr(commune, "collectivite", None)
    return EtablissementFactory(commune=commune, collectivite_competente=collectivite, **fields)


# --- Lists and filters -------------------------------------------------------------------------------


def test_etablissement_list_is_paginated(client, rennes):
    for _ in range(3):
        etablissement_in(rennes)

    response = client.get(f"{API}/etablissements/", {"page_size": 2})

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 3
    assert len(body["results"]) == 2
    assert "page=2" in body["next"]
    second = client.get(body["next"]).json()
    assert len(second["results"]) == 1
    assert second["previous"]


def test_etablissement_list_item_names_its_territory_and_collectivite(client, rennes):
    ecole = etablissement_in(rennes, nom="École Jean Jaurès")

    item = client.get(f"{API}/etablissements/").json()["results"][0]

    assert item["uai"] == ecole.uai
    assert item["nom"] == "École Jean Jaurès"
    assert item["commune"] == {"code_insee": "35238", "nom": "Rennes"}
    assert item["departement"] == {"code": "35", "nom": "Ille-et-Vilaine"}
    assert item["academie"] == {"code": "14", "nom": "Rennes"}
    assert item["collectivite_competente"] == {"code": "commune-35238", "nom": "Ville de Rennes", "type": "commune"}


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"departement": "35"}, {"ecole-rennes", "college-rennes-prive"}),
        ({"departement": "56"}, {"lycee-vannes"}),
        ({"academie": "14"}, {"ecole-rennes", "college-rennes-prive", "lycee-vannes"}),
        ({"niveau": "college"}, {"college-rennes-prive"}),
        ({"secteur": "prive_sous_contrat"}, {"college-rennes-prive"}),
        ({"commune": "56260"}, {"lycee-vannes"}),
        ({"collectivite": "commune-35238"}, {"ecole-rennes", "college-rennes-prive"}),
        ({"niveau": "ecole", "departement": "56"}, set()),
    ],
)
def test_etablissement_filters(client, rennes, vannes, params, expected):
    etablissement_in(rennes, nom="ecole-rennes")
    etablissement_in(
        rennes,
        nom="college-rennes-prive",
        niveau=models.Niveau.COLLEGE,
        secteur=models.Secteur.PRIVE_SOUS_CONTRAT,
    )
    etablissement_in(vannes, nom="lycee-vannes", niveau=models.Niveau.LYCEE)

    response = client.get(f"{API}/etablissements/", params)

    assert response.status_code == 200
    assert {item["nom"] for item in response.json()["results"]} == expected


def test_an_unknown_choice_is_refused_with_a_message(client):
    response = client.get(f"{API}/etablissements/", {"niveau": "universite"})

    assert response.status_code == 400
    assert "niveau" in response.json()


def test_commune_filters_by_departement_and_whole_postcode(client, rennes, vannes):
    by_departement = client.get(f"{API}/communes/", {"departement": "56"}).json()
    by_postcode = client.get(f"{API}/communes/", {"code_postal": "35200"}).json()
    by_partial_postcode = client.get(f"{API}/communes/", {"code_postal": "3520"}).json()

    assert [c["code_insee"] for c in by_departement["results"]] == ["56260"]
    assert [c["code_insee"] for c in by_postcode["results"]] == ["35238"]
    assert by_postcode["results"][0]["codes_postaux"] == ["35000", "35200", "35700"]
    assert by_partial_postcode["count"] == 0


def test_departements_filter_by_academie(client, vannes):
    DepartementFactory(code="35")
    DepartementFactory(code="75", nom="Paris", academie=AcademieFactory(code="01", nom="Paris"))

    codes = [d["code"] for d in client.get(f"{API}/departements/", {"academie": "14"}).json()["results"]]

    assert codes == ["35", "56"]


def test_the_list_runs_the_same_queries_for_3_or_30_etablissements(client, rennes, vannes):
    def queries_for_list() -> int:
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(f"{API}/etablissements/", {"page_size": 100})
        assert response.status_code == 200
        return len(ctx.captured_queries)

    for _ in range(3):
        etablissement_in(rennes)
    few = queries_for_list()
    for i in range(27):
        etablissement_in(vannes if i % 2 else rennes, niveau=models.Niveau.COLLEGE)
    many = queries_for_list()

    assert few == many
    assert many <= 3  # count + page (+ the throttle cache never hits the database)


# --- Details and lookups -----------------------------------------------------------------------------


def test_etablissement_detail_with_latest_ips_and_credited_figures(client, rennes, source):
    effectifs = models.DataSource.objects.create(
        code="effectifs-ecoles", titre="Effectifs des écoles", producteur="MEN – DEPP", millesime="2022"
    )
    ecole = etablissement_in(
        rennes,
        eleves=212,
        eleves_annee="2022-2023",
        eleves_source=effectifs,
        classes=9,
        classes_annee="2022-2023",
        classes_source=effectifs,
    )
    models.IPS.objects.create(etablissement=ecole, rentree="2022-2023", valeur="101.5", source=source)
    models.IPS.objects.create(etablissement=ecole, rentree="2024-2025", valeur="98.3", national="103.1", source=source)

    body = client.get(f"{API}/etablissements/{ecole.uai}/").json()

    assert body["commune"]["nom"] == "Rennes"
    assert body["departement"]["code"] == "35"
    assert body["academie"]["nom"] == "Rennes"
    assert body["collectivite_competente"]["code"] == "commune-35238"
    assert body["ips"]["rentree"] == "2024-2025"
    assert body["ips"]["valeur"] == "98.3"
    assert body["ips"]["source"]["credit"].startswith("Source : Ministère de l'Éducation nationale")
    assert body["eleves"]["nombre"] == 212
    assert body["eleves"]["annee"] == "2022-2023"
    assert body["eleves"]["source"]["credit"] == "Source : MEN – DEPP, Licence Ouverte 2.0 (2022)"
    assert body["classes"]["nombre"] == 9


def test_etablissement_without_ips_nor_collectivite(client, vannes):
    lycee = etablissement_in(vannes, niveau=models.Niveau.LYCEE)

    body = client.get(f"{API}/etablissements/{lycee.uai}/").json()

    assert body["ips"] is None
    assert body["collectivite_competente"] is None
    assert body["eleves"]["source"] is None


def test_detail_queries_do_not_depend_on_related_data(client, rennes, vannes, source):
    bare = etablissement_in(vannes)
    rich = etablissement_in(rennes, eleves_source=source, classes_source=source, source=source)
    for year in range(2016, 2025):
        models.IPS.objects.create(etablissement=rich, rentree=f"{year}-{year + 1}", valeur="100.0", source=source)

    counts = []
    for etablissement in (bare, rich):
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(f"{API}/etablissements/{etablissement.uai}/").status_code == 200
        counts.append(len(ctx.captured_queries))

    assert counts[0] == counts[1]


@pytest.mark.parametrize(
    ("path", "key", "value"),
    [
        ("communes/35238/", "nom", "Rennes"),
        ("collectivites/commune-35238/", "nom", "Ville de Rennes"),
        ("departements/35/", "nom", "Ille-et-Vilaine"),
        ("academies/14/", "nom", "Rennes"),
        ("regions/53/", "nom", "Bretagne"),
        ("epci/243500139/", "nom", "Rennes Métropole"),
    ],
)
def test_lookups_by_natural_codes(client, rennes, path, key, value):
    response = client.get(f"{API}/{path}")

    assert response.status_code == 200
    assert response.json()[key] == value


def test_unknown_uai_is_404(client):
    assert client.get(f"{API}/etablissements/9999999Z/").status_code == 404


def test_api_root_lists_the_endpoints(client):
    body = client.get(f"{API}/").json()

    assert body["etablissements"].endswith("/api/v1/etablissements/")
    assert body["collectivites"].endswith("/api/v1/collectivites/")


# --- Nobody writes through the API ---------------------------------------------------------------


@pytest.mark.parametrize("logged_in", [False, True])
@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("post", "etablissements/"),
        ("put", "etablissements/{uai}/"),
        ("patch", "etablissements/{uai}/"),
        ("delete", "etablissements/{uai}/"),
        ("post", "collectivites/"),
        ("delete", "collectivites/commune-35238/"),
        ("delete", "communes/35238/"),
    ],
)
def test_writes_are_refused_and_change_nothing(client, rennes, method, path, logged_in):
    ecole = etablissement_in(rennes, nom="École Jean Jaurès")
    if logged_in:
        client.force_login(UserFactory(is_superuser=True, is_staff=True))
    payload = {"uai": "0350999Z", "nom": "Renommée", "niveau": "ecole", "commune": "35238"}

    response = getattr(client, method)(
        f"{API}/{path.format(uai=ecole.uai)}", data=payload, content_type="application/json"
    )

    assert response.status_code in (403, 405)
    ecole.refresh_from_db()
    assert ecole.nom == "École Jean Jaurès"
    assert models.Etablissement.objects.count() == 1
    assert models.Collectivite.objects.filter(code="commune-35238").exists()
    assert models.Commune.objects.filter(code_insee="35238").exists()


def test_anonymous_clients_are_throttled(client, monkeypatch):
    from django.core.cache import cache

    cache.clear()
    monkeypatch.setattr(throttling.AnonRateThrottle, "THROTTLE_RATES", {"anon": "3/minute", "user": "3/minute"})

    statuses = [client.get(f"{API}/regions/").status_code for _ in range(4)]

    cache.clear()
    assert statuses == [200, 200, 200, 429]


# --- Documentation pages -----------------------------------------------------------------------------


def inline_scripts(html: str) -> list[str]:
    return [tag for tag in re.findall(r"<script[^>]*>", html) if "src=" not in tag]


def test_swagger_page_has_no_inline_script_and_serves_its_init_script(client):
    response = client.get("/api/docs/")
    html = response.content.decode()

    assert response.status_code == 200
    assert "script-src" in response["Content-Security-Policy"]
    assert inline_scripts(html) == []
    assert "https://" not in html  # served from our static files, no CDN
    script_url = re.search(r'<script src="([^"]*script=[^"]*)"', html).group(1).replace("&amp;", "&")
    script = client.get(script_url)
    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")
    assert "/api/schema/" in script.content.decode()


def test_redoc_page_has_no_inline_script_and_no_cdn(client):
    response = client.get("/api/redoc/")
    html = response.content.decode()

    assert response.status_code == 200
    assert inline_scripts(html) == []
    assert "https://" not in html
    assert 'spec-url="/api/schema/"' in html


def test_schema_describes_the_v1_endpoints(client):
    response = client.get("/api/schema/", HTTP_ACCEPT="application/json")

    assert response.status_code == 200
    paths = response.json()["paths"]
    assert "/api/v1/etablissements/{uai}/" in paths
    assert "/api/v1/collectivites/{code}/" in paths
