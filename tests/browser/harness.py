"""A real Socle for the browser tests: its own database, the real import, the demo accounts, a server.

Nothing here touches the developer's database (``var/socle.sqlite3``) nor the demo passwords file
(``var/comptes-demo.txt``): the browser run gets a temporary SQLite file, or a throw-away
PostgreSQL database next to the one of ``DATABASE_URL``, and its own folder for the passwords.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from core.throwaway_database import is_postgres_url, throwaway_postgres_database

BASE_DIR = Path(__file__).resolve().parents[2]
MANAGE = [sys.executable, str(BASE_DIR / "manage.py")]
# The département whose real open data the browser tests walk through.
DEPARTEMENT = "35"


@dataclass
class Socle:
    """A running Socle: its address and the demo accounts (username → password) it was given."""

    url: str
    env: dict[str, str]
    comptes: dict[str, str] = field(default_factory=dict)
    memberships: list[dict[str, str]] = field(default_factory=list)
    log: Path | None = None

    def dirige(self, username: str, uai: str) -> bool:
        return any(m["username"] == username and m["etablissement"] == uai for m in self.memberships)

    def compte(self, role: str, *, collectivite: str | None = None) -> tuple[str, str]:
        """(identifiant, mot de passe) of a demo account holding ``role``, in ``collectivite`` (its code) if given."""
        if role == "agent_collectivite" and collectivite is None:
            collectivite = "commune-35238"
        for m in self.memberships:
            if m["role"] == role and (collectivite is None or m["collectivite"] == collectivite):
                if m["username"] not in self.comptes:
                    raise LookupError(f"Mot de passe de {m['username']} absent du fichier de creer_comptes_demo")
                return m["username"], self.comptes[m["username"]]
        raise LookupError(f"Aucun compte de démonstration « {role} » ({collectivite or 'toute organisation'})")

    def manage(self, *args: str, timeout: float = 300) -> str:
        """Run a management command against the browser database and return its output."""
        return run_manage(self.env, *args, timeout=timeout)


# The commands running now, so that a session ending early can stop them.
RUNNING: set[subprocess.Popen] = set()
CANCELLED = threading.Event()


def run_manage(env: dict[str, str], *args: str, timeout: float = 600) -> str:
    return run_python(env, str(BASE_DIR / "manage.py"), *args, timeout=timeout)


def run_python(env: dict[str, str], *args: str, timeout: float = 600) -> str:
    """Run Python in the project with ``env``; its standard output, or an error with the end of both outputs."""
    started = time.monotonic()
    command = " ".join(args)
    if CANCELLED.is_set():
        raise RuntimeError(f"`python {command}` : préparation annulée")
    with subprocess.Popen(
        [sys.executable, *args], env=env, cwd=BASE_DIR, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    ) as proc:
        RUNNING.add(proc)
        try:
            stdout, stderr = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            stdout, stderr = proc.communicate()
        finally:
            RUNNING.discard(proc)
    if proc.returncode != 0:
        raise RuntimeError(
            f"`python {command}` a échoué (code {proc.returncode}) :\n{stdout[-3000:]}\n{stderr[-5000:]}"
        )
    if os.environ.get("SOCLE_BROWSER_VERBOSE"):
        print(f"[browser] python {command}: {time.monotonic() - started:.1f}s", file=sys.stderr)
    return stdout


def cancel() -> None:
    """Stop a preparation under way (the session ends early): its commands fail, and everything is undone."""
    CANCELLED.set()
    for proc in list(RUNNING):
        proc.terminate()


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def browser_database(workdir: Path) -> Iterator[str]:
    """Yield the DATABASE_URL of an empty database dedicated to this browser run; drop it afterwards."""
    base_url = os.environ.get("DATABASE_URL", "")
    if not is_postgres_url(base_url):
        yield f"sqlite:///{workdir / 'socle-browser.sqlite3'}"
        return
    with throwaway_postgres_database(base_url, "socle_browser") as url:
        yield url


def read_comptes(fichier: Path) -> dict[str, str]:
    """The demo passwords as ``creer_comptes_demo --fichier`` keeps them: « identifiant<tab>mot de passe » lines."""
    comptes = {}
    for line in fichier.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            username, _, password = line.partition("\t")
            comptes[username.strip()] = password.strip()
    return comptes


@contextlib.contextmanager
def start_server(env: dict[str, str], log: Path, timeout: float = 60) -> Iterator[str]:
    """Serve Socle with Django's server on a free loopback port until the block ends."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    with log.open("w") as out:
        proc = subprocess.Popen(
            [*MANAGE, "runserver", "--noreload", "--skip-checks", f"127.0.0.1:{port}"],
            env=env,
            cwd=BASE_DIR,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + timeout
        while True:
            if CANCELLED.is_set():
                raise RuntimeError("Démarrage du serveur annulé")
            if proc.poll() is not None:
                raise RuntimeError(f"Le serveur s'est arrêté (code {proc.returncode}) :\n{log.read_text()[-5000:]}")
            try:
                with urllib.request.urlopen(url + "/", timeout=2) as response:
                    if response.status == 200:
                        break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"Le serveur ne répond pas sur {url} après {timeout} s :\n{log.read_text()[-5000:]}")
            time.sleep(0.2)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@contextlib.contextmanager
def socle(workdir: Path) -> Iterator[Socle]:
    """Prepare the database (migrate, import, demo accounts) and serve it."""
    with browser_database(workdir) as database_url:
        var = workdir / "var"
        var.mkdir(exist_ok=True)
        env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "DJANGO_DEBUG": "true",
            "DJANGO_SETTINGS_MODULE": "tests.browser.settings",
            "PYTHONUNBUFFERED": "1",
            "SOCLE_MEDIA_ROOT": str(var / "media"),
        }
        env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        # migrate, import_territoires, creer_comptes_demo in one process (one Django start-up instead of three);
        # the passwords go to our own file: the developer's var/comptes-demo.txt stays as it is.
        fichier = var / "comptes-demo.txt"
        output = run_python(
            env, "-m", "tests.browser.preparer", "--departements", DEPARTEMENT, "--fichier", str(fichier)
        )
        memberships = json.loads(output.strip().splitlines()[-1])
        comptes = read_comptes(fichier)
        log = workdir / "runserver.log"
        with start_server(env, log) as url:
            yield Socle(url=url, env=env, comptes=comptes, memberships=memberships, log=log)


def chromium_path() -> str:
    path = os.environ.get("SOCLE_CHROMIUM", "/usr/bin/chromium")
    if not (Path(path).exists() or shutil.which(path)):
        raise RuntimeError(f"Chromium est introuvable ({path}) : lancez `make system-deps` (apt-get install chromium).")
    return path


CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
