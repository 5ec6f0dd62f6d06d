"""Public pages of the territoires: search (full page and htmx), établissement, collectivité, territories."""

import csv
import io
from decimal import Decimal

import openpyxl
import pytest
import tablib
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from comptes.models import Role, TypeOrganisation
from comptes.tests.factories import OrganisationFactory, member_of
from core.audit import log_action
from territoires import models
from territoires.rules import normalise_recherche
from territoires.tests.factories import (
    AcademieFactory,
    CollectiviteFactory,
    CommuneFactory,
    DepartementFactory,
    EtablissementFactory,
    RegionFactory,
)

pytestmark = pytest.mark.django_db


def etab(**kwargs) -> models.Etablissement:
    """An établissement with its search text filled as the importer does."""
    e = EtablissementFactory(**kwargs)
    e.recherche = normalise_recherche(f"{e.nom} {e.commune.nom} {e.uai} {e.code_postal}")
    e.save(update_fields=["recherche"])
    return e


def source(code: str = "annuaire", **kwargs) -> models.DataSource:
    defaults = {"titre": "Annuaire de l'éducation", "producteur": "Ministère de l'Éducation nationale"}
    return models.DataSource.objects.create(code=code, **(defaults | kwargs))


def login(client, user) -> None:
    # The factory sets the password without saving it: save it, or the session hash would not match.
    user.save()
    # AxesStandaloneBackend (first in AUTHENTICATION_BACKENDS) cannot load a user: name the model backend.
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")


@pytest.fixture
def rennes():
    commune = CommuneFactory(code_insee="35238", nom="Rennes", codes_postaux="35000")
    return CollectiviteFactory(commune=commune, nom="Commune de Rennes", siren="213502388")


# --- Search -------------------------------------------------------------------------------------


def test_search_full_page_lists_matches_with_filters_and_exports(client, rennes):
    etab(uai="0350001A", nom="École Jean Jaurès", commune=rennes.commune, code_postal="35000")
    etab(uai="0350002B", nom="École Jules Ferry", commune=rennes.commune, code_postal="35000")
    response = client.get(reverse("territoires:recherche"), {"q": "jaures rennes"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" in html and "Rechercher un établissement" in html
    assert "École Jean Jaurès" in html
    assert "École Jules Ferry" not in html
    assert "1 établissement" in html
    assert "format=csv" in html and "format=xlsx" in html and "format=ods" in html
    assert "vendor/htmx.min.js" in html


def test_search_htmx_request_returns_only_the_results_fragment(client, rennes):
    etab(uai="0350001A", nom="École Jean Jaurès", commune=rennes.commune)
    response = client.get(reverse("territoires:recherche"), {"q": "Jaurès"}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" not in html
    assert "École Jean Jaurès" in html
    assert "1 résultat" in html


def test_htmx_history_restore_gets_the_full_page(client, rennes):
    etab(uai="0350001A", nom="École Jean Jaurès", commune=rennes.commune)
    headers = {"HX-Request": "true", "HX-History-Restore-Request": "true"}
    html = client.get(reverse("territoires:recherche"), {"q": "jaures"}, headers=headers).content.decode()
    assert "<html" in html and "École Jean Jaurès" in html


def test_search_htmx_is_limited_to_twenty_with_a_link_to_all_results(client, rennes):
    for i in range(25):
        etab(uai=f"03501{i:02d}A", nom=f"École maternelle {i:02d}", commune=rennes.commune)
    response = client.get(reverse("territoires:recherche"), {"q": "maternelle"}, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert html.count('href="/etablissements/0350') == 20
    assert "Voir tous les résultats" in html
    assert "Les 20 premiers résultats" in html


def test_search_without_query_invites_to_type(client):
    response = client.get(reverse("territoires:recherche"), headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert "Saisissez un nom" in response.content.decode()


def test_search_full_page_paginates(client, rennes):
    for i in range(55):
        etab(uai=f"0351{i:03d}A", nom=f"École {i:03d}", commune=rennes.commune)
    url = reverse("territoires:recherche")
    page1 = client.get(url, {"q": "ecole"}).content.decode()
    assert "55 établissements" in page1
    assert "École 000" in page1 and "École 049" in page1 and "École 050" not in page1
    assert 'class="fr-pagination__list"' in page1
    assert "q=ecole&amp;page=2" in page1
    page2 = client.get(url, {"q": "ecole", "page": 2}).content.decode()
    assert "École 050" in page2 and "École 054" in page2 and "École 049" not in page2
    assert 'aria-current="page" title="Page 2"' in page2


def test_search_filters_by_type_secteur_and_departement(client, rennes):
    etab(uai="0350001A", nom="Collège Anne de Bretagne", niveau="college", commune=rennes.commune)
    etab(uai="0350002B", nom="École Anne Frank", commune=rennes.commune)
    etab(uai="0350003C", nom="École Anne privée", commune=rennes.commune, secteur="prive_sous_contrat")
    url = reverse("territoires:recherche")
    html = client.get(url, {"q": "anne", "type": "college"}).content.decode()
    assert "Collège Anne de Bretagne" in html and "École Anne Frank" not in html
    html = client.get(url, {"q": "anne", "secteur": "prive_sous_contrat"}).content.decode()
    assert "École Anne privée" in html and "École Anne Frank" not in html
    html = client.get(url, {"departement": "29"}).content.decode()
    assert "Aucun établissement ne correspond" in html


def test_search_export_csv_is_french_spreadsheet_ready(client, rennes):
    etab(uai="0350001A", nom="École Jean Jaurès", commune=rennes.commune, code_postal="35000", eleves=1234)
    response = client.get(reverse("territoires:recherche"), {"q": "jaures", "format": "csv"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"] and ".csv" in response["Content-Disposition"]
    raw = response.content
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][:3] == ["UAI", "Nom", "Type"]
    assert rows[1][0] == "0350001A" and rows[1][1] == "École Jean Jaurès"
    assert rows[1][5] == "Rennes" and "1234" in rows[1]
    assert len(rows) == 2


@pytest.mark.parametrize("fmt", ["xlsx", "ods"])
def test_search_export_spreadsheets_have_headers_and_rows(client, rennes, fmt):
    etab(uai="0350001A", nom="École Jean Jaurès", commune=rennes.commune)
    etab(uai="0350002B", nom="École Jules Ferry", commune=rennes.commune)
    response = client.get(reverse("territoires:recherche"), {"q": "ecole", "format": fmt})
    assert response.status_code == 200
    data = tablib.Dataset().load(response.content, format=fmt)
    assert data.headers[:2] == ["UAI", "Nom"]
    assert [row[0] for row in data] == ["0350001A", "0350002B"]


# --- Établissement ------------------------------------------------------------------------------


def test_etablissement_page_shows_identity_figures_ips_sources_and_competent_collectivite(client, rennes):
    annuaire = source("annuaire", millesime="2026")
    effectifs = source("effectifs", titre="Effectifs des écoles", producteur="DEPP")
    ips_source = source("ips", titre="IPS des écoles", producteur="DEPP")
    e = etab(
        uai="0350001A",
        nom="École Jean Jaurès",
        commune=rennes.commune,
        nature="École élémentaire",
        eleves=210,
        eleves_annee="2025-2026",
        eleves_source=effectifs,
        classes=9,
        classes_annee="2025-2026",
        classes_source=effectifs,
        source=annuaire,
        collectivite_competente=rennes,
    )
    models.IPS.objects.create(
        etablissement=e,
        rentree="2023-2024",
        valeur=Decimal("104.3"),
        national=Decimal("102.4"),
        academique=Decimal("107.1"),
        departemental=Decimal("108.0"),
        source=ips_source,
    )
    response = client.get(reverse("territoires:etablissement", args=["0350001A"]))
    assert response.status_code == 200
    html = response.content.decode()
    for expected in [
        "École Jean Jaurès",
        "0350001A",
        "École élémentaire",
        "Rennes Métropole",  # EPCI of the commune
        "Ille-et-Vilaine (35)",
        "Académie de Rennes",
        "210",
        "2025-2026",
        "104,3",
        "102,4",
        "107,1",
        "108,0",
        "Effectifs des écoles",
        "IPS des écoles",
        "Annuaire de l&#x27;éducation",
        "Source : DEPP, Licence Ouverte 2.0",
        rennes.get_absolute_url(),
        reverse("diagnostics:etablissement", args=["0350001A"]),
        'class="fr-breadcrumb"',
    ]:
        assert expected in html, expected
    # Anonymous visitors neither edit nor read the history.
    assert "Modifier les coordonnées" not in html
    assert "Historique" not in html


def test_private_school_explains_that_equipment_is_not_a_public_duty(client, rennes):
    etab(uai="0350009J", nom="École Sainte-Anne", commune=rennes.commune, secteur="prive_sous_contrat")
    html = client.get(reverse("territoires:etablissement", args=["0350009J"])).content.decode()
    assert "n'incombe pas à une collectivité publique" in html


def test_only_web_addresses_are_links(client, rennes):
    etab(uai="0350001A", commune=rennes.commune, site_web="javascript:alert(1)")
    etab(uai="0350002B", commune=rennes.commune, site_web="https://ecole.example.fr")
    html = client.get(reverse("territoires:etablissement", args=["0350001A"])).content.decode()
    assert 'href="javascript' not in html and "javascript:alert(1)" in html
    html = client.get(reverse("territoires:etablissement", args=["0350002B"])).content.decode()
    assert 'href="https://ecole.example.fr"' in html


def test_unknown_uai_is_404(client):
    assert client.get(reverse("territoires:etablissement", args=["9999999Z"])).status_code == 404


def test_history_is_shown_to_authenticated_users(client, rennes):
    e = etab(uai="0350001A", nom="École Jean Jaurès", commune=rennes.commune)
    user = member_of(OrganisationFactory(), Role.MEMBRE_COMITE)
    log_action(e, "territoires.etablissement.modifie", actor=user, data={"champs": {"telephone": ["", "0299"]}})
    login(client, user)
    html = client.get(e.get_absolute_url()).content.decode()
    assert "Historique" in html
    assert "Coordonnées modifiées" in html
    assert "Téléphone : « (vide) » → « 0299 »" in html
    assert str(user) in html


def _queries_for_page(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_etablissement_page_query_count_does_not_grow_with_related_rows(client, rennes):
    org = OrganisationFactory(type=TypeOrganisation.COLLECTIVITE, collectivite=rennes)
    user = member_of(org, Role.AGENT_COLLECTIVITE)
    login(client, user)
    sources = [source(f"src-{i}", titre=f"Source {i}") for i in range(6)]

    def fill(e, n):
        for i in range(n):
            models.IPS.objects.create(etablissement=e, rentree=f"{2000 + i}", valeur=100 + i, source=sources[i % 6])
            models.Effectif.objects.create(etablissement=e, rentree=f"{2000 + i}", eleves=10 * i, source=sources[i % 6])
            log_action(e, "territoires.etablissement.modifie", actor=user, data={"champs": {"adresse": ["", str(i)]}})

    one = etab(uai="0350001A", commune=rennes.commune, collectivite_competente=rennes)
    many = etab(uai="0350002B", commune=rennes.commune, collectivite_competente=rennes)
    fill(one, 1)
    fill(many, 12)
    client.get(one.get_absolute_url())  # warm caches (content types, session)
    n_one = _queries_for_page(client, one.get_absolute_url())
    n_many = _queries_for_page(client, many.get_absolute_url())
    assert n_one == n_many
    assert n_many <= 12


def test_etablissement_page_within_max_queries(client, rennes, django_assert_max_num_queries):
    e = etab(uai="0350001A", commune=rennes.commune, collectivite_competente=rennes)
    for i in range(20):
        models.IPS.objects.create(etablissement=e, rentree=f"{2000 + i}", valeur=100, source=source(f"s{i}"))
    client.get(e.get_absolute_url())
    with django_assert_max_num_queries(8):
        client.get(e.get_absolute_url())


# --- Collectivité -------------------------------------------------------------------------------


def test_collectivite_page_counts_lists_competences_and_exports(client, rennes):
    for i in range(3):
        etab(uai=f"035000{i}A", nom=f"École {i}", commune=rennes.commune, collectivite_competente=rennes, eleves=100)
    etab(uai="0350009J", nom="Collège Ailleurs", niveau="college", commune=rennes.commune)
    models.Competence.objects.create(
        niveau="ecole",
        perimetre="commune",
        code_territoire="35238",
        collectivite=rennes,
        origine="loi",
        fondement="Article L212-4 du code de l'éducation",
    )
    response = client.get(rennes.get_absolute_url())
    assert response.status_code == 200
    html = response.content.decode()
    assert "Commune de Rennes" in html and "213502388" in html
    assert "Article L212-4 du code de l&#x27;éducation" in html
    assert "Code de l&#x27;éducation (cas général)" in html
    assert "École 0" in html and "École 2" in html and "Collège Ailleurs" not in html
    assert "3 établissements" in html and "300 élèves" in html
    assert "Transférer la compétence" not in html
    csv_response = client.get(rennes.get_absolute_url(), {"format": "csv"})
    lines = csv_response.content.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("UAI;Nom;")
    assert len(lines) == 4


def test_collectivite_page_paginates_its_etablissements(client, rennes):
    for i in range(51):
        etab(uai=f"0352{i:03d}A", nom=f"École {i:03d}", commune=rennes.commune, collectivite_competente=rennes)
    html = client.get(rennes.get_absolute_url(), {"page": 2}).content.decode()
    assert "École 050" in html and "École 000" not in html


def test_agent_sees_edit_and_transfer_buttons_on_own_collectivite(client, rennes):
    org = OrganisationFactory(type=TypeOrganisation.COLLECTIVITE, collectivite=rennes)
    login(client, member_of(org, Role.AGENT_COLLECTIVITE))
    html = client.get(rennes.get_absolute_url()).content.decode()
    assert reverse("territoires:collectivite_modifier", args=[rennes.code]) in html
    assert reverse("territoires:competence_transfert", args=[rennes.code]) in html


# --- Territories --------------------------------------------------------------------------------


@pytest.fixture
def deux_departements(rennes):
    finistere = DepartementFactory(code="29", nom="Finistère")
    brest = CollectiviteFactory(commune=CommuneFactory(code_insee="29019", nom="Brest", departement=finistere))
    region = models.Collectivite.objects.create(
        nom="Région Bretagne", type="region", region=RegionFactory(), code="region-53", siren="233500016"
    )
    etab(uai="0350001A", commune=rennes.commune, collectivite_competente=rennes)
    etab(uai="0350002B", commune=rennes.commune, collectivite_competente=rennes, secteur="prive_sous_contrat")
    etab(uai="0350003C", niveau="lycee", commune=rennes.commune, collectivite_competente=region)
    etab(uai="0290001D", commune=brest.commune, collectivite_competente=brest)
    return rennes, brest, region


@pytest.mark.usefixtures("deux_departements")
def test_departement_page_counts_by_type_and_secteur_and_lists_collectivites(client):
    response = client.get(reverse("territoires:departement", args=["35"]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1>Ille-et-Vilaine (35)</h1>" in html
    assert "Établissements du département par type et secteur" in html
    assert "Commune de Rennes" in html and "Région Bretagne" in html
    assert "Brest" not in html
    table = response.context["tableau"]
    assert table.total == 3
    ecoles = next(ligne for ligne in table.lignes if ligne["niveau"] == "ecole")
    assert ecoles["total"] == 2
    export = client.get(reverse("territoires:departement", args=["35"]), {"format": "xlsx"})
    sheet = openpyxl.load_workbook(io.BytesIO(export.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:2] == ("Code", "Collectivité")
    assert {(r[1], r[7]) for r in rows[1:]} == {("Commune de Rennes", 2), ("Région Bretagne", 1)}


def test_academie_page_and_list_of_academies(client, deux_departements):
    html = client.get(reverse("territoires:academie", args=["14"])).content.decode()
    assert "Académie de Rennes" in html
    assert "Ille-et-Vilaine (35)" in html and "Finistère (29)" in html
    assert "Commune de Brest" in html or "Brest" in html
    listing = client.get(reverse("territoires:academies")).content.decode()
    assert reverse("territoires:academie", args=["14"]) in listing
    assert reverse("territoires:departement", args=["29"]) in listing
    listing_csv = client.get(reverse("territoires:academies"), {"format": "csv"}).content.decode("utf-8-sig")
    assert listing_csv.splitlines()[0] == "Code académie;Académie;Code département;Département;Établissements"
    assert "14;Académie de Rennes;35;Ille-et-Vilaine;3" in listing_csv
    ods = client.get(reverse("territoires:academie", args=["14"]), {"format": "ods"})
    data = tablib.Dataset().load(ods.content, format="ods")
    assert data.headers[1] == "Collectivité"
    assert len(data) == 3


def test_unknown_departement_and_academie_are_404(client):
    assert client.get(reverse("territoires:departement", args=["99"])).status_code == 404
    assert client.get(reverse("territoires:academie", args=["99"])).status_code == 404
    assert client.get(reverse("territoires:collectivite", args=["commune-99999"])).status_code == 404


def test_home_has_search_box_and_national_counts(client, deux_departements):
    AcademieFactory()
    html = client.get(reverse("core:home")).content.decode()
    assert 'role="search"' in html and reverse("territoires:recherche") in html
    assert "Les établissements en chiffres" in html
    assert "Établissements en France, par type et secteur" in html
    assert reverse("territoires:academies") in html
