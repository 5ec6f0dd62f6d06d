"""The whole national import, as `make setup` runs it (about 5 s on SQLite: see bench/README.md)."""

import io
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.db.models import Count

from territoires.models import Collectivite, Competence, DataSource, Etablissement, Secteur

pytestmark = [pytest.mark.national, pytest.mark.django_db]


def index_des_territoires() -> dict[str, dict[str, tuple[tuple[str, ...], bool]]]:
    """Per table of territoires: index or constraint name → (columns, unique)."""
    with connection.cursor() as cursor:
        return {
            model._meta.db_table: {
                nom: (tuple(c["columns"]), c["unique"])
                for nom, c in connection.introspection.get_constraints(cursor, model._meta.db_table).items()
                if c["index"] or c["unique"]
            }
            for model in apps.get_app_config("territoires").get_models()
        }


@pytest.fixture
def index_avant():
    return index_des_territoires()


@pytest.fixture
def national(index_avant):
    if not (Path(settings.SOCLE_DATA_DIR) / "etablissements_geolocalises_2026.csv.gz").is_file():
        pytest.skip("données nationales absentes")
    sortie = io.StringIO()
    call_command("import_territoires", force=True, stdout=sortie)
    return sortie.getvalue()


def test_indexes_are_all_there_after_the_import_into_an_empty_database(national, index_avant):
    # On SQLite the plain indexes of the empty tables are built after their bulk insert: none may be lost, and the
    # search still reads the établissements through its index.
    assert index_des_territoires() == index_avant
    assert any(nom == "etablissement_recherche_idx" for nom in index_avant["territoires_etablissement"])


def test_national_import(national):
    # Every école, collège and lycée of the national directory, completed by the derived list.
    assert Etablissement.objects.count() >= 59_591
    assert Etablissement.objects.filter(niveau="ecole", sous_type="maternelle").count() > 11_000
    # Var and Vaucluse are completed by the derived directory.
    assert Etablissement.objects.filter(departement_id="83").count() > 400
    # Every public school outside the collectivités d'outre-mer knows who equips it.
    sans = Etablissement.objects.filter(secteur=Secteur.PUBLIC, collectivite_competente__isnull=True).exclude(
        departement_id__in=["975", "977", "978", "984", "986", "987", "988", "989"]
    )
    assert sans.count() == 0
    # Private schools never have one.
    assert (
        not Etablissement.objects.exclude(secteur=Secteur.PUBLIC).filter(collectivite_competente__isnull=False).exists()
    )
    # One collectivité per commune (not per arrondissement), EPCI, département and région, special cases merged.
    assert Collectivite.objects.filter(type="commune").count() > 34_800
    assert Collectivite.objects.filter(type="statut_particulier").count() == 7
    assert Competence.objects.filter(niveau="college", perimetre="commune").count() == 58  # Métropole de Lyon
    # Every source is credited.
    assert DataSource.objects.filter(empreinte="").count() == 0
    par_source = dict(Etablissement.objects.values_list("source__code").annotate(n=Count("uai")))
    assert set(par_source) == {
        "etablissements_geolocalises_2026",
        "etablissements_national_derive",
        "annuaire_education_35",
        "annuaire_education_94",
    }
