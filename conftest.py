import io
import os
from pathlib import Path

import pytest

# Playwright's sync API runs an event loop in the test thread; Django must still allow ORM calls there.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

# Départements of the real data imported for the tests: a plain one (35, with the full Annuaire and the school
# census), Val-de-Marne (94, Annuaire), and every special case of the collectivité compétente.
DEPARTEMENTS_REELS = "35,94,69,75,2A,2B,972,973,976,67"


@pytest.fixture(autouse=True)
def fast_password_hasher(settings):
    """Passwords are hashed with a fast hasher in tests: PBKDF2 costs about a second per user."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _effacer_donnees_territoires() -> None:
    """Remove every imported row (children first, raw deletes: no per-row cascade in Python)."""
    from django.contrib.contenttypes.models import ContentType
    from django.db import transaction

    from core.models import AuditEntry
    from territoires import models as t

    ordre = [
        t.IPS,
        t.Effectif,
        t.Etablissement,
        t.Circonscription,
        t.Competence,
        t.Collectivite,
        t.Commune,
        t.EPCI,
        t.Departement,
        t.Academie,
        t.Region,
        t.DataSource,
    ]
    with transaction.atomic():
        AuditEntry.objects.filter(content_type__in=[ContentType.objects.get_for_model(m) for m in ordre]).delete()
        for modele in ordre:
            qs = modele.objects.all()
            qs._raw_delete(qs.db)


@pytest.fixture(scope="module")
def donnees_reelles(django_db_setup, django_db_blocker):
    """The real open data of ../shared/data (all territories, établissements of ``DEPARTEMENTS_REELS``),
    imported once per test module into the test database, and removed after the module.

    Use it with ``db`` (each test is rolled back). Returns the imported départements, comma-separated. Tests using
    ``transactional_db`` or ``live_server`` flush the database: do not mix them with this fixture in one module.
    """
    from django.conf import settings
    from django.core.management import call_command

    if not (Path(settings.SOCLE_DATA_DIR) / "communes_2026.csv.gz").is_file():
        pytest.skip(f"données ouvertes absentes de {settings.SOCLE_DATA_DIR}")
    with django_db_blocker.unblock():
        call_command("import_territoires", departements=DEPARTEMENTS_REELS, force=True, stdout=io.StringIO())
    yield DEPARTEMENTS_REELS
    with django_db_blocker.unblock():
        _effacer_donnees_territoires()
