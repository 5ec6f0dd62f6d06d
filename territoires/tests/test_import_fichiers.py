# ruff: noqa: E501 (CSV fixtures keep their real, long lines)
"""import_territoires on small hand-written files: idempotence, all-or-nothing on bad input, download."""

import gzip
import http.server
import io
import json
import re
import threading
from functools import partial

import pytest
from django.core.management import CommandError, call_command

from core.audit import history_of
from territoires.models import (
    Collectivite,
    Commune,
    Competence,
    DataSource,
    Etablissement,
    OrigineCompetence,
)

REGIONS = """code_region,nom_region,chef_lieu,zone,type_liaison
53,Bretagne,35238,metro,0
"""
ACADEMIES = """code_academie,nom_academie,code_region_academique,nom_region_academique,departements
14,Rennes,53,Bretagne,22|29|35|56
"""
DEPARTEMENTS = """code_departement,nom_departement,code_region,nom_region,chef_lieu,zone,type_liaison,code_academie,nom_academie
35,Ille-et-Vilaine,53,Bretagne,35238,metro,1,14,Rennes
"""
EPCI = """code_epci,nom_epci,type_epci,mode_financement,population_totale,population_municipale,nb_communes
243500139,Rennes Métropole,METRO,FPU,483199,473973,43
200043990,CC Vallons de Haute-Bretagne Communauté,CC,FPU,40000,39000,18
"""
COMMUNES = """code_insee,nom,type,zone,code_departement,code_region,code_arrondissement,commune_parente,siren,population,codes_postaux,code_epci,nom_epci,type_epci,code_academie,rang_chef_lieu,type_liaison
35016,Baulon,commune-actuelle,metro,35,53,352,,213500168,2210,35580,200043990,CC Vallons,CC,14,0,0
35047,Bruz,commune-actuelle,metro,35,53,353,,213500473,19683,35170,243500139,Rennes Métropole,METRO,14,0,0
35238,Rennes,commune-actuelle,metro,35,53,353,,213502388,230890,35000|35200|35700,243500139,Rennes Métropole,METRO,14,0,0
"""
ETABLISSEMENTS = """uai,nom,type_etablissement,sous_type,secteur,code_commune,nom_commune,code_postal,code_departement,code_academie,latitude,longitude,code_commune_methode
0350002M,Collège Pierre Brossolette,college,,Public,35047,Bruz,35171,35,14,48.021014,-1.744140,x
0350122T,Ecole primaire publique les Lucioles,ecole,primaire,Public,35016,Baulon,35580,35,14,47.986145,-1.929490,x
0350024L,Lycée général Emile Zola,lycee,general_technologique,Public,35238,Rennes,35044,35,14,48.106629,-1.673170,x
"""


def ecrire_mini(dossier, **remplacements):
    fichiers = {
        "regions_2026.csv": REGIONS,
        "academies.csv": ACADEMIES,
        "departements_2026.csv": DEPARTEMENTS,
        "epci_2026.csv": EPCI,
        "communes_2026.csv.gz": COMMUNES,
        "etablissements_geolocalises_2026.csv.gz": ETABLISSEMENTS,
    }
    fichiers.update(remplacements)
    for nom, contenu in fichiers.items():
        donnees = contenu if isinstance(contenu, bytes) else contenu.encode()
        if nom.endswith(".gz") and not donnees.startswith(b"\x1f\x8b"):
            donnees = gzip.compress(donnees)
        (dossier / nom).write_bytes(donnees)
    return dossier


def importer(dossier, *args):
    out = io.StringIO()
    call_command("import_territoires", "--data-dir", str(dossier), *args, stdout=out)
    return out.getvalue()


def photo():
    """What a user would see change: counts and one row of each kind."""
    e = Etablissement.objects.filter(uai="0350122T").values("nom", "secteur", "collectivite_competente_id").first()
    return {
        "communes": Commune.objects.count(),
        "etablissements": Etablissement.objects.count(),
        "collectivites": Collectivite.objects.count(),
        "sources": list(DataSource.objects.values_list("code", "empreinte")),
        "lucioles": e,
    }


@pytest.mark.django_db
def test_import_creates_territories_collectivites_and_schools_then_reruns_in_place(tmp_path):
    ecrire_mini(tmp_path)
    sortie = importer(tmp_path, "--force")
    assert "Communes : " in sortie
    lucioles = Etablissement.objects.get(uai="0350122T")
    assert lucioles.collectivite_competente.code == "commune-35016"
    assert lucioles.recherche == "ecole primaire publique les lucioles baulon 0350122t 35580"
    assert lucioles.source.code == "etablissements_geolocalises_2026"
    assert "Licence Ouverte 2.0" in lucioles.source.credit
    assert Etablissement.objects.get(uai="0350002M").collectivite_competente.code == "departement-35"
    assert Etablissement.objects.get(uai="0350024L").collectivite_competente.code == "region-53"
    assert Collectivite.objects.get(code="commune-35238").siren == "213502388"
    assert Collectivite.objects.get(code="departement-35").siren is None
    entree = (
        history_of(DataSource.objects.get(code="communes_2026"))
        .filter(action="territoires.datasource.importee")
        .order_by("-pk")
        .first()
    )
    assert entree.data["comptes"]["Établissements"].endswith("0 inchangé(s)")

    avant = photo()
    assert "rien à faire" in importer(tmp_path)
    sortie = importer(tmp_path, "--force")
    assert "Établissements : 0 créé(s), 0 modifié(s), 3 inchangé(s)" in sortie
    assert photo() == avant


@pytest.mark.django_db
def test_a_changed_file_updates_in_place(tmp_path):
    ecrire_mini(tmp_path)
    importer(tmp_path, "--force")
    ecrire_mini(
        tmp_path, **{"etablissements_geolocalises_2026.csv.gz": ETABLISSEMENTS.replace("les Lucioles", "Les Lucioles")}
    )
    sortie = importer(tmp_path)
    assert "Établissements : 0 créé(s), 1 modifié(s), 2 inchangé(s)" in sortie
    assert Etablissement.objects.get(uai="0350122T").nom == "Ecole primaire publique Les Lucioles"


@pytest.mark.django_db
def test_reimport_never_overwrites_a_transferred_competence(tmp_path):
    ecrire_mini(tmp_path)
    importer(tmp_path, "--force")
    competence = Competence.objects.get(niveau="ecole", code_territoire="35016")
    competence.collectivite = Collectivite.objects.get(code="epci-200043990")
    competence.origine = OrigineCompetence.TRANSFERT
    competence.save()
    importer(tmp_path, "--force")
    competence.refresh_from_db()
    assert competence.collectivite.code == "epci-200043990"
    assert Etablissement.objects.get(uai="0350122T").collectivite_competente.code == "epci-200043990"


MAUVAIS = [
    (
        "etablissements_geolocalises_2026.csv.gz",
        ETABLISSEMENTS.replace("0350122T", "0350A22T"),
        "etablissements_geolocalises_2026.csv.gz, ligne 3, colonne « uai » : code UAI « 0350A22T » invalide "
        "(7 caractères puis une lettre de contrôle)",
    ),
    (
        "etablissements_geolocalises_2026.csv.gz",
        ETABLISSEMENTS.replace("0350122T", "0350122A"),
        "ligne 3, colonne « uai » : code UAI « 0350122A » invalide",
    ),
    (
        "communes_2026.csv.gz",
        COMMUNES.replace("code_departement", "departement_code"),
        "communes_2026.csv.gz : colonne « code_departement » absente",
    ),
    (
        "communes_2026.csv.gz",
        COMMUNES[: COMMUNES.index("35238,Rennes") + 30],
        "communes_2026.csv.gz, ligne 4 : 4 champs au lieu de 17 (ligne incomplète : fichier tronqué ?)",
    ),
    (
        "communes_2026.csv.gz",
        gzip.compress(COMMUNES.encode())[:-30],
        "communes_2026.csv.gz : le fichier compressé (gzip) est tronqué ou corrompu",
    ),
    (
        "epci_2026.csv",
        EPCI.encode().replace("Métropole".encode(), "Métropole".encode("latin-1")),
        "epci_2026.csv : le fichier n'est pas encodé en UTF-8 (octet invalide à la position 116, ligne 2)",
    ),
    (
        "epci_2026.csv",
        EPCI.replace("243500139", "243500138"),
        "epci_2026.csv, ligne 2, colonne « code_epci » : SIREN « 243500138 » invalide",
    ),
    (
        "communes_2026.csv.gz",
        COMMUNES.replace("35047,Bruz", "3504,Bruz"),
        "communes_2026.csv.gz, ligne 3, colonne « code_insee » : code commune INSEE « 3504 » invalide",
    ),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("fichier", "contenu", "message"), MAUVAIS, ids=lambda v: str(v)[:25])
def test_bad_input_is_reported_precisely_and_changes_nothing(tmp_path, fichier, contenu, message):
    ecrire_mini(tmp_path)
    importer(tmp_path, "--force")
    avant = photo()
    ecrire_mini(tmp_path, **{fichier: contenu})
    with pytest.raises(CommandError) as exc:
        importer(tmp_path, "--force")
    assert "la base n'a pas été modifiée" in str(exc.value)
    assert message in str(exc.value)
    assert photo() == avant


@pytest.mark.django_db
def test_every_error_is_listed_at_once(tmp_path):
    contenu = ETABLISSEMENTS.replace("0350122T", "0350122A").replace("0350024L", "350024L")
    ecrire_mini(tmp_path, **{"etablissements_geolocalises_2026.csv.gz": contenu})
    with pytest.raises(CommandError) as exc:
        importer(tmp_path, "--force")
    assert "ligne 3" in str(exc.value)
    assert "ligne 4" in str(exc.value)


@pytest.mark.django_db
def test_a_missing_required_file_is_named(tmp_path):
    ecrire_mini(tmp_path)
    (tmp_path / "epci_2026.csv").unlink()
    with pytest.raises(CommandError, match=re.escape("fichier requis absent : epci_2026.csv")):
        importer(tmp_path)


@pytest.mark.django_db
def test_departement_filter_restricts_schools_only(tmp_path):
    ecrire_mini(tmp_path)
    sortie = importer(tmp_path, "--force", "--departements", "94")
    assert "Communes : 3 créé(s)" in sortie or "Communes : 0 créé(s)" in sortie
    assert Commune.objects.filter(code_insee="35238").exists()
    assert "Établissements : 0 créé(s), 0 modifié(s), 0 inchangé(s)" in sortie
    assert DataSource.objects.get(code="etablissements_geolocalises_2026").perimetre == "94"
    assert DataSource.objects.get(code="communes_2026").perimetre == ""
    # Same files, another filter: the import runs again.
    assert "rien à faire" not in importer(tmp_path, "--departements", "35")


# --- Download from the official portals (here a local HTTP server serving their formats) --------------------------

DECOUPAGE_REGIONS = [{"code": "53", "nom": "Bretagne", "chefLieu": "35238", "zone": "metro"}]
DECOUPAGE_DEPARTEMENTS = [
    {"code": "35", "nom": "Ille-et-Vilaine", "region": "53", "chefLieu": "35238", "zone": "metro"}
]
DECOUPAGE_EPCI = [
    {
        "code": "243500139",
        "nom": "Rennes Métropole",
        "type": "METRO",
        "modeFinancement": "FPU",
        "populationTotale": 483199,
        "membres": [{"code": "35238", "siren": "213502388", "nom": "Rennes"}],
    }
]
DECOUPAGE_COMMUNES = [
    {
        "code": "35238",
        "nom": "Rennes",
        "type": "commune-actuelle",
        "departement": "35",
        "region": "53",
        "siren": "213502388",
        "population": 230890,
        "codesPostaux": ["35000", "35200", "35700"],
    }
]
# data.education.gouv.fr export of "Adresse et géolocalisation des établissements" (`;`-separated, 3-char codes).
GEOLOCALISATION_OFFICIELLE = (
    "numero_uai;appellation_officielle;denomination_principale;patronyme_uai;secteur_public_prive_libe;adresse_uai;"
    "code_postal_uai;libelle_commune;latitude;longitude;nature_uai;nature_uai_libe;etat_etablissement_libe;"
    "code_departement;code_region;code_academie;code_commune\n"
    "0350027P;Collège Les Gayeulles;COLLEGE;LES GAYEULLES;Public;140 boulevard DE VITRE;35703;Rennes;"
    "48.12537928586194;-1.6499493581762867;340;COLLEGE;OUVERT;035;53;14;35238\n"
)
ACADEMIES_OFFICIELLES = "code_academie;libelle_academie;code_region_2016\n14;Rennes;53\n"


@pytest.fixture
def portail(tmp_path):
    racine = tmp_path / "portail"
    racine.mkdir()
    for nom, contenu in {
        "regions.json": json.dumps(DECOUPAGE_REGIONS),
        "departements.json": json.dumps(DECOUPAGE_DEPARTEMENTS),
        "epci.json": json.dumps(DECOUPAGE_EPCI),
        "communes.json": json.dumps(DECOUPAGE_COMMUNES),
        "academies.csv": ACADEMIES_OFFICIELLES,
        "geoloc.csv": GEOLOCALISATION_OFFICIELLE,
    }.items():
        (racine / nom).write_text(contenu, encoding="utf-8")
    handler = partial(http.server.SimpleHTTPRequestHandler, directory=str(racine))
    handler.log_message = lambda *a, **k: None  # type: ignore[assignment]
    serveur = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=serveur.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{serveur.server_address[1]}"
    serveur.shutdown()
    serveur.server_close()


@pytest.mark.django_db
def test_download_reads_the_official_formats(tmp_path, portail, settings):
    from territoires.importers.registry import DATASETS

    urls = {d.code: "" for d in DATASETS}
    urls.update(
        {
            "regions_2026": f"{portail}/regions.json",
            "departements_2026": f"{portail}/departements.json",
            "epci_2026": f"{portail}/epci.json",
            "communes_2026": f"{portail}/communes.json",
            "academies": f"{portail}/academies.csv",
            "etablissements_geolocalises_2026": f"{portail}/geoloc.csv",
        }
    )
    settings.SOCLE_DATASET_URLS = urls
    settings.SOCLE_DOWNLOAD_DIR = tmp_path / "telechargements"
    vide = tmp_path / "vide"
    vide.mkdir()
    sortie = importer(vide, "--download", "--force")
    assert "Téléchargement de communes_2026" in sortie
    college = Etablissement.objects.get(uai="0350027P")
    assert college.nom == "Collège Les Gayeulles"
    assert college.niveau == "college"
    assert college.secteur == "public"
    assert college.departement_id == "35"
    assert college.commune.epci.nom == "Rennes Métropole"
    assert college.collectivite_competente.code == "departement-35"
    assert college.departement.academie.nom == "Rennes"
    assert DataSource.objects.get(code="communes_2026").url == f"{portail}/communes.json"
    assert (tmp_path / "telechargements" / "communes_2026.json").is_file()


@pytest.mark.django_db
def test_download_failure_is_reported(tmp_path, settings):
    from territoires.importers.registry import DATASETS

    settings.SOCLE_DATASET_URLS = {d.code: "" for d in DATASETS} | {"regions_2026": "http://127.0.0.1:9/regions.json"}
    settings.SOCLE_DOWNLOAD_DIR = tmp_path / "t"
    with pytest.raises(
        CommandError, match=re.escape("regions_2026 : téléchargement impossible depuis http://127.0.0.1:9/")
    ):
        importer(tmp_path, "--download")


@pytest.mark.django_db
def test_an_unreadable_file_is_the_only_error_reported(tmp_path):
    ecrire_mini(tmp_path, **{"epci_2026.csv": EPCI.encode("latin-1")})
    with pytest.raises(CommandError) as exc:
        importer(tmp_path, "--force")
    lignes = str(exc.value).splitlines()[1:]
    assert lignes == [
        "- epci_2026.csv : le fichier n'est pas encodé en UTF-8 (octet invalide à la position 116, ligne 2)"
    ]


@pytest.mark.django_db
def test_a_new_special_statute_takes_over_the_territory_of_an_existing_collectivite(tmp_path, monkeypatch):
    from territoires.importers import collectivites

    ecrire_mini(tmp_path)
    importer(tmp_path, "--force")
    ancienne = Collectivite.objects.get(code="departement-35")
    speciale = {
        "code": "collectivite-test",
        "nom": "Collectivité de test",
        "siren": "213502388",  # taken from the commune of Rennes
        "commune": None,
        "departement": "35",
        "region": None,
        "epci": None,
        "remplace": ["departement-35", "commune-35238"],
        "fondement": "Statut de test",
        "competences": [],
    }
    monkeypatch.setattr(collectivites, "charger_particulieres", lambda *a: [speciale])
    importer(tmp_path, "--force")
    ancienne.refresh_from_db()
    assert ancienne.departement_id is None
    nouvelle = Collectivite.objects.get(code="collectivite-test")
    assert nouvelle.departement_id == "35"
    assert nouvelle.siren == "213502388"
    assert Etablissement.objects.get(uai="0350002M").collectivite_competente == nouvelle
    assert Etablissement.objects.get(uai="0350024L").collectivite_competente.code == "region-53"


@pytest.mark.django_db
def test_invalid_departement_filter_is_refused(tmp_path):
    with pytest.raises(CommandError, match="code\\(s\\) invalide\\(s\\) : 20"):
        importer(tmp_path, "--departements", "35,20")


IPS_ECOLES = """rentree_scolaire,code_du_departement,uai,nom_de_l_etablissement,secteur,ips,ips_national,ips_academique,ips_departemental
2022-2023,35,0350122T,ECOLE PRIMAIRE PUBLIQUE LES LUCIOLES,public,106.2,105.4,109.1,112.4
2023-2024,35,0350122T,ECOLE PRIMAIRE PUBLIQUE LES LUCIOLES,public,NS,105.3,109.0,112.2
"""


@pytest.mark.django_db
def test_ips_are_imported_then_updated_in_place(tmp_path):
    from territoires.models import IPS

    ecrire_mini(tmp_path, **{"ips_ecoles_2022_2025.csv.gz": IPS_ECOLES})
    importer(tmp_path, "--force")
    lucioles = {i.rentree: i for i in IPS.objects.filter(etablissement_id="0350122T")}
    assert str(lucioles["2022-2023"].valeur) == "106.2"
    assert str(lucioles["2022-2023"].departemental) == "112.4"
    assert lucioles["2023-2024"].valeur is None and lucioles["2023-2024"].non_significatif
    assert lucioles["2022-2023"].source.code == "ips_ecoles_2022_2025"

    assert "IPS : 0 créé(s), 0 modifié(s), 2 inchangé(s)" in importer(tmp_path, "--force")
    ecrire_mini(tmp_path, **{"ips_ecoles_2022_2025.csv.gz": IPS_ECOLES.replace("106.2", "107.0")})
    assert "IPS : 0 créé(s), 1 modifié(s), 1 inchangé(s)" in importer(tmp_path)
    assert str(IPS.objects.get(etablissement_id="0350122T", rentree="2022-2023").valeur) == "107.0"


@pytest.mark.django_db
def test_an_ips_file_with_a_bad_uai_names_its_line(tmp_path):
    ecrire_mini(
        tmp_path,
        **{"ips_ecoles_2022_2025.csv.gz": IPS_ECOLES.replace("2023-2024,35,0350122T", "2023-2024,35,0350122X")},
    )
    with pytest.raises(CommandError) as exc:
        importer(tmp_path, "--force")
    assert "ips_ecoles_2022_2025.csv.gz, ligne 3, colonne « uai » : code UAI « 0350122X » invalide" in str(exc.value)
    assert not Etablissement.objects.exists()


IPS_COLLEGES = """rentree_scolaire,academie,code_du_departement,departement,uai,nom_de_l_etablissment,code_insee_de_la_commune,nom_de_la_commune,secteur,effectifs,ips,ecart_type_de_l_ips
2022-2023,RENNES,035,ILLE-ET-VILAINE,0350002M,COLLEGE PRIVE PIERRE BROSSOLETTE,35047,BRUZ,privé sous contrat,540.0,110.4,31.3
"""
# A college outside the import, with a value that is not a number: not reported (its figures are not read), but the
# file is then read row by row instead of column by column.
HORS_IMPORT = "2022-2023,RENNES,035,ILLE-ET-VILAINE,0352778E,COLLEGE AILLEURS,35238,RENNES,public,abc,n/a,31.3\n"


@pytest.mark.django_db
@pytest.mark.parametrize("autre_ligne", ["", HORS_IMPORT], ids=["par-colonnes", "ligne-par-ligne"])
def test_ips_and_pupils_of_an_ips_file_are_the_same_however_it_is_read(tmp_path, autre_ligne):
    from territoires.models import IPS

    ecrire_mini(
        tmp_path,
        **{
            "etablissements_geolocalises_2026.csv.gz": ETABLISSEMENTS.replace(
                "Collège Pierre Brossolette,college,,Public", "Collège Pierre Brossolette,college,,Privé"
            ),
            "ips_colleges_2022.csv": IPS_COLLEGES + autre_ligne,
        },
    )
    importer(tmp_path, "--force")
    college = Etablissement.objects.get(uai="0350002M")
    ips = IPS.objects.get(etablissement=college)
    assert (ips.rentree, str(ips.valeur), ips.source.code) == ("2022-2023", "110.4", "ips_colleges_2022")
    assert (college.eleves, college.eleves_annee) == (540, "2022-2023")
    assert college.secteur == "prive_sous_contrat"  # the IPS file says "sous contrat"
    assert IPS.objects.count() == 1
