import io
import os
from pathlib import Path

import pytest

# Playwright's sync API runs an event loop in the test thread; Django must still allow ORM calls there.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

# Départements of the real data imported once per session: a plain one (35, with the full Annuaire and the
# school census), Val-de-Marne (94, Annuaire), and every special case of the collectivité compétente.
DEPARTEMENTS_REELS = "35,94,69,75,2A,2B,972,973,976,67"


@pytest.fixture(scope="session")
def donnees_reelles(django_db_setup, django_db_blocker):
    """The real open data of ../shared/data (all territories, établissements of ``DEPARTEMENTS_REELS``),
    imported once per test session into the test database and kept for the whole session.

    Use it with ``db`` (transactions rolled back around each test). Tests using ``transactional_db`` or
    ``live_server`` flush the database: they must not rely on this fixture after them.
    """
    from django.conf import settings
    from django.core.management import call_command

    if not (Path(settings.SOCLE_DATA_DIR) / "communes_2026.csv.gz").is_file():
        pytest.skip(f"données ouvertes absentes de {settings.SOCLE_DATA_DIR}")
    with django_db_blocker.unblock():
        call_command("import_territoires", departements=DEPARTEMENTS_REELS, force=True, stdout=io.StringIO())
    return DEPARTEMENTS_REELS
