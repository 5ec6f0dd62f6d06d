"""The import into an empty database writes the territories before it checks the school files (read meanwhile by a
child process); any failure, in a file or in the database, still leaves the database as it was."""

import sqlite3

import pytest
from django.apps import apps
from django.core.management import CommandError
from django.db import connection

from territoires.tests.test_import_fichiers import ETABLISSEMENTS, IPS_ECOLES, ecrire_mini, importer

AVEC_IPS = {"ips_ecoles_2022_2025.csv.gz": IPS_ECOLES, "etablissements_geolocalises_2026.csv.gz": ETABLISSEMENTS}


def lignes_des_territoires() -> dict[str, int]:
    return {m._meta.db_table: m.objects.count() for m in apps.get_app_config("territoires").get_models()}


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("fichier", "contenu", "message"),
    [
        (
            "etablissements_geolocalises_2026.csv.gz",
            ETABLISSEMENTS.replace("0350122T", "0350122A"),
            "ligne 3, colonne « uai » : code UAI « 0350122A » invalide",
        ),
        (
            "ips_ecoles_2022_2025.csv.gz",
            IPS_ECOLES.replace("2023-2024,35,0350122T", "2023-2024,35,0350122X"),
            "ips_ecoles_2022_2025.csv.gz, ligne 3, colonne « uai » : code UAI « 0350122X » invalide",
        ),
    ],
    ids=["etablissements", "ips"],
)
def test_a_bad_school_file_leaves_an_empty_database_empty(tmp_path, fichier, contenu, message):
    # The territories are written before the school files are checked: the bad school file rolls them back too.
    assert not any(lignes_des_territoires().values())
    ecrire_mini(tmp_path, **{**AVEC_IPS, fichier: contenu})
    with pytest.raises(CommandError) as exc:
        importer(tmp_path)
    assert message in str(exc.value)
    assert "la base n'a pas été modifiée" in str(exc.value)
    assert not any(lignes_des_territoires().values())
    # The same files, corrected, then import whole.
    ecrire_mini(tmp_path, **AVEC_IPS)
    importer(tmp_path)
    comptes = lignes_des_territoires()
    assert comptes["territoires_commune"] > 0
    assert comptes["territoires_etablissement"] > 0
    assert comptes["territoires_ips"] > 0


@pytest.mark.django_db
def test_a_database_failure_rolls_everything_back(tmp_path):
    if connection.vendor != "sqlite":
        pytest.skip("a SQLite trigger")
    ecrire_mini(tmp_path, **AVEC_IPS)
    with connection.cursor() as cursor:
        # The last table written refuses its rows: everything written before it must go too.
        cursor.execute(
            "CREATE TRIGGER refuser_ips BEFORE INSERT ON territoires_ips BEGIN SELECT RAISE(ABORT, 'IPS refusés'); END"
        )
    with pytest.raises(sqlite3.IntegrityError, match="IPS refusés"):
        importer(tmp_path)
    assert not any(lignes_des_territoires().values())
    with connection.cursor() as cursor:
        cursor.execute("DROP TRIGGER refuser_ips")
    importer(tmp_path)
    assert lignes_des_territoires()["territoires_ips"] > 0
