"""The first import into an empty SQLite file (``make demo``) runs with the rollback journal and checks every foreign
key once before its commit (``run._chargement_sqlite``). The tests' database lives in transactions, where that mode
is never taken: here ``manage.py`` runs in a process of its own on a file, as a user runs it."""

import os
import sqlite3
import subprocess
import sys
from contextlib import closing

import pytest
from django.conf import settings
from django.db import connection

from territoires.models import IPS, Etablissement
from territoires.tests.test_import_ecriture import AVEC_IPS
from territoires.tests.test_import_fichiers import ecrire_mini, importer

pytestmark = pytest.mark.skipif(connection.vendor != "sqlite", reason="the embedded SQLite file only")

TABLES_ECRITES = ("territoires_commune", "territoires_collectivite", "territoires_etablissement", "territoires_ips")


def manage(base, *args) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env={**os.environ, "DATABASE_URL": f"sqlite:///{base}"},
        capture_output=True,
        text=True,
        timeout=300,
    )


def etat(base) -> dict:
    with closing(sqlite3.connect(base)) as c:
        return {
            "journal": c.execute("PRAGMA journal_mode").fetchone()[0],
            **{t: c.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES_ECRITES},  # noqa: S608
        }


@pytest.fixture
def base_migree(tmp_path):
    base = tmp_path / "socle.sqlite3"
    assert manage(base, "migrate", "--noinput").returncode == 0
    return base


@pytest.fixture
def donnees(tmp_path):
    """The small open-data files of the import tests, IPS included."""
    dossier = tmp_path / "donnees"
    dossier.mkdir()
    return ecrire_mini(dossier, **AVEC_IPS)


@pytest.mark.django_db
def test_the_first_import_into_a_file_writes_what_the_usual_path_writes(donnees, base_migree):
    fait = manage(base_migree, "import_territoires", "--data-dir", str(donnees))
    assert fait.returncode == 0, fait.stderr
    # The same files through the usual path (the tests' transaction: journal and checks as always).
    importer(donnees)
    attendus = sorted(
        Etablissement.objects.values_list("uai", "nom", "secteur", "commune_id", "collectivite_competente__code")
    )
    with closing(sqlite3.connect(base_migree)) as c, c:
        ecrits = sorted(
            c.execute(
                "SELECT e.uai, e.nom, e.secteur, e.commune_id, col.code FROM territoires_etablissement e "
                "LEFT JOIN territoires_collectivite col ON col.id = e.collectivite_competente_id"
            ).fetchall()
        )
    assert ecrits == attendus
    # The same IPS: rows, values and sources.
    ips_attendus = sorted(
        (uai, rentree, None if valeur is None else float(valeur), ns, source)
        for uai, rentree, valeur, ns, source in IPS.objects.values_list(
            "etablissement_id", "rentree", "valeur", "non_significatif", "source__code"
        )
    )
    with closing(sqlite3.connect(base_migree)) as c, c:
        ips_ecrits = sorted(
            (uai, rentree, valeur, bool(ns), source)
            for uai, rentree, valeur, ns, source in c.execute(
                "SELECT i.etablissement_id, i.rentree, i.valeur, i.non_significatif, s.code FROM territoires_ips i "
                "JOIN territoires_datasource s ON s.id = i.source_id"
            )
        )
    assert ips_ecrits == ips_attendus
    assert len(ips_ecrits) > 0
    assert etat(base_migree)["journal"] == "wal"  # the write-ahead log is back for the server


def test_a_broken_foreign_key_found_at_the_end_rolls_the_first_import_back(donnees, base_migree):
    with closing(sqlite3.connect(base_migree)) as c, c:
        # A defective write: every établissement ends up in a commune that does not exist.
        c.execute(
            "CREATE TRIGGER casser AFTER INSERT ON territoires_etablissement BEGIN "
            "UPDATE territoires_etablissement SET commune_id = '99999' WHERE uai = NEW.uai; END"
        )
    rate = manage(base_migree, "import_territoires", "--data-dir", str(donnees))
    assert rate.returncode != 0
    assert "territoires_etablissement.commune_id contains a value '99999'" in rate.stderr
    assert etat(base_migree) == {"journal": "wal", **dict.fromkeys(TABLES_ECRITES, 0)}
    with closing(sqlite3.connect(base_migree)) as c, c:
        c.execute("DROP TRIGGER casser")
    fait = manage(base_migree, "import_territoires", "--data-dir", str(donnees))
    assert fait.returncode == 0, fait.stderr
    assert etat(base_migree)["territoires_etablissement"] > 0


def test_the_first_import_runs_beside_an_open_connection(donnees, base_migree):
    # A server already started on the new file: the journal cannot change, the import runs as usual.
    with closing(sqlite3.connect(base_migree)) as serveur:
        serveur.execute("SELECT count(*) FROM territoires_etablissement").fetchone()
        fait = manage(base_migree, "import_territoires", "--data-dir", str(donnees))
        assert fait.returncode == 0, fait.stderr
        assert serveur.execute("SELECT count(*) FROM territoires_etablissement").fetchone()[0] > 0
    assert etat(base_migree)["journal"] == "wal"


def test_a_failure_in_the_last_table_rolls_the_first_import_back(donnees, base_migree):
    # The rollback journal of the first import: a refusal in the last table written undoes everything before it.
    with closing(sqlite3.connect(base_migree)) as c, c:
        c.execute(
            "CREATE TRIGGER refuser_ips BEFORE INSERT ON territoires_ips BEGIN SELECT RAISE(ABORT, 'IPS refusés'); END"
        )
    rate = manage(base_migree, "import_territoires", "--data-dir", str(donnees))
    assert rate.returncode != 0
    assert "IPS refusés" in rate.stderr
    assert etat(base_migree) == {"journal": "wal", **dict.fromkeys(TABLES_ECRITES, 0)}
