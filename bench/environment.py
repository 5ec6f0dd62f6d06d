"""Point Django at the benchmark database before it is set up."""

import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent


def server_environment(db_path: Path) -> dict[str, str]:
    """Environment of the benchmark (in-process and server): production-like settings on ``db_path``."""
    env = dict(os.environ)
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": env.get("DJANGO_SETTINGS_MODULE") or "socle.settings",
            "DATABASE_URL": f"sqlite:///{db_path}",
            # Production-like: no debug toolbar of queries, cached templates; but plain HTTP on 127.0.0.1.
            "DJANGO_DEBUG": "false",
            "DJANGO_SECRET_KEY": env.get("DJANGO_SECRET_KEY") or "socle-bench-not-secret",
            "DJANGO_SSL_REDIRECT": "false",
            "DJANGO_LOG_LEVEL": "ERROR",
        }
    )
    return env


def setup_django(db_path: Path) -> None:
    os.environ.update(server_environment(db_path))
    import django

    django.setup()
