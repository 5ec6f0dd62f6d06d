"""A throw-away PostgreSQL database, for the browser tests and the benchmarks that need an empty one of their own."""

import contextlib
import os
import secrets
from collections.abc import Iterator
from urllib.parse import urlsplit, urlunsplit

POSTGRES_SCHEMES = ("postgres://", "postgresql://", "pgsql://")


def is_postgres_url(url: str) -> bool:
    return url.startswith(POSTGRES_SCHEMES)


@contextlib.contextmanager
def throwaway_postgres_database(base_url: str, prefix: str) -> Iterator[str]:
    """Yield the URL of a new, empty database on the server of ``base_url``; drop it afterwards.

    The name is unique per run (``prefix``, the process id, a random suffix): several people or CI jobs may share
    one server.
    """
    import psycopg

    name = f"{prefix}_{os.getpid()}_{secrets.token_hex(3)}"
    parts = urlsplit(base_url)
    admin_dsn = urlunsplit(("postgresql", parts.netloc, parts.path or "/postgres", parts.query, ""))
    with psycopg.connect(admin_dsn, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, ""))
    finally:
        with psycopg.connect(admin_dsn, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
