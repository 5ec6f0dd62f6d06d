"""Deadline surge: ``CLIENTS`` concurrent clients deposit ``N`` dossiers over HTTP on a real server.

The benchmark prepares a fresh database (SQLite file in a temporary folder; a throw-away PostgreSQL database
when ``DATABASE_URL`` points to PostgreSQL), starts gunicorn with several workers on 127.0.0.1, and each client
logs in through the real login form (session + CSRF) then deposits its dossiers through the authenticated
deposit API (``POST /api/v1/appels/<code>/depots/``: projet, expense lines, quote, deposit — one request).
A request that fails (connection error, 5xx, 429) is retried with the same idempotency key (bounded); one
request in 50 is also sent twice on purpose (a double click). Then the database is checked: exactly ``N``
dossiers, all deposited, no key twice, no collectivité twice, no envelope exceeded.
"""

from __future__ import annotations

import base64
import contextlib
import http.client
import json
import os
import re
import secrets
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode, urlsplit, urlunsplit

from bench.environment import BASE_DIR, server_environment
from core.throwaway_database import is_postgres_url, throwaway_postgres_database

APPEL = "afflux-snee"
MOT_DE_PASSE = "afflux-bench-mot-de-passe"
TENTATIVES = 5
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


# --- run inside the benchmark database (subprocesses) -------------------------------------------------------


def preparer(n: int, clients: int, sortie: str) -> None:
    """Migrate, open the appel with its envelope, create ``n`` communes with one school each and ``clients``
    agents sharing them; write who files for which collectivité to ``sortie``."""
    import django

    django.setup()
    import datetime as dt
    import io
    from decimal import Decimal

    from django.contrib.auth.hashers import make_password
    from django.core.management import call_command
    from django.utils import timezone

    from appels import services
    from appels.presets import preset
    from comptes.models import Membership, Organisation, Role, TypeOrganisation, User
    from territoires.models import Academie, Collectivite, Commune, Departement, Etablissement, Region

    call_command("migrate", verbosity=0, stdout=io.StringIO())
    data = dict(preset("snee-2021"))
    data.update(
        code=APPEL,
        ouverture=(timezone.localdate() - dt.timedelta(days=1)).isoformat(),
        cloture=(timezone.localdate() + dt.timedelta(days=1)).isoformat(),
    )
    appel, _ = services.appel_charger(data=data)
    region = Region.objects.create(code="53", nom="Bretagne")
    academie = Academie.objects.create(code="14", nom="Rennes", region_academique=region)
    departement = Departement.objects.create(code="35", nom="Ille-et-Vilaine", region=region, academie=academie)
    # The national envelope, all of it for this académie (deposits do not engage it; the check is that
    # nothing did).
    services.enveloppe_fixer(appel=appel, academie=academie, montant=Decimal(data["enveloppe_nationale"]), acteur=None)
    communes = Commune.objects.bulk_create(
        Commune(code_insee=f"9{i:04d}", nom=f"Commune {i}", departement=departement, population=1000 + i)
        for i in range(n)
    )
    collectivites = Collectivite.objects.bulk_create(
        Collectivite(nom=f"Commune {i}", type="commune", commune=c, code=f"afflux-{i}") for i, c in enumerate(communes)
    )
    Etablissement.objects.bulk_create(
        (
            Etablissement(
                uai=f"9{i:06d}Z", nom=f"École {i}", niveau="ecole", sous_type="elementaire", secteur="public",
                commune=communes[i], departement=departement, academie=academie,
                collectivite_competente=collectivites[i], classes=4, eleves=90,
            )
            for i in range(n)
        ),
        batch_size=2000,
    )  # fmt: skip
    organisations = Organisation.objects.bulk_create(
        Organisation(nom=c.nom, type=TypeOrganisation.COLLECTIVITE, collectivite=c) for c in collectivites
    )
    mot_de_passe = make_password(MOT_DE_PASSE)
    agents = User.objects.bulk_create(User(username=f"afflux-{k}", password=mot_de_passe) for k in range(clients))
    Membership.objects.bulk_create(
        (
            Membership(user=agents[i % clients], organisation=o, role=Role.AGENT_COLLECTIVITE)
            for i, o in enumerate(organisations)
        ),
        batch_size=2000,
    )
    travail = [
        {
            "username": a.username,
            "depots": [[c.pk, f"9{i:06d}Z"] for i, c in enumerate(collectivites) if i % clients == k],
        }
        for k, a in enumerate(agents)
    ]
    Path(sortie).write_text(json.dumps(travail))


def verifier(n: int) -> None:
    """Print the checks of the database after the surge, as one JSON line."""
    import django

    django.setup()
    from django.db.models import Count, F

    from appels.models import Dossier, Enveloppe, EtatDossier

    dossiers = Dossier.objects.filter(appel__code=APPEL)
    print(
        json.dumps(
            {
                "dossiers": dossiers.count(),
                "deposes": dossiers.filter(etat=EtatDossier.DEPOSE).count(),
                "cles_en_double": dossiers.values("cle_idempotence").annotate(n=Count("id")).filter(n__gt=1).count(),
                "collectivites_en_double": dossiers.values("collectivite")
                .annotate(n=Count("id"))
                .filter(n__gt=1)
                .count(),
                "sans_projet": dossiers.filter(projets__isnull=True).count(),
                "enveloppes_depassees": Enveloppe.objects.filter(engage__gt=F("montant")).count(),
            }
        )
    )


# --- the benchmark ------------------------------------------------------------------------------------------


@dataclass
class Resultat:
    latences_ms: list[float] = field(default_factory=list)
    crees: int = 0
    rejoues: int = 0
    reprises: int = 0
    echecs: list[str] = field(default_factory=list)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def base_de_donnees(workdir: Path, base_url: str) -> Iterator[tuple[str, str]]:
    """(DATABASE_URL, label): a fresh SQLite file, or a throw-away PostgreSQL database next to ``base_url``'s."""
    if not is_postgres_url(base_url):
        yield f"sqlite:///{workdir / 'afflux.sqlite3'}", "SQLite"
        return
    with throwaway_postgres_database(base_url, "socle_afflux") as url:
        yield url, "PostgreSQL"


def _python(env: dict[str, str], code: str, timeout: float) -> str:
    sortie = subprocess.run(
        [sys.executable, "-c", code],
        env=env,
        cwd=BASE_DIR,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if sortie.returncode != 0:
        raise RuntimeError(f"{code[:80]}… a échoué :\n{sortie.stderr[-3000:]}")
    return sortie.stdout


@contextlib.contextmanager
def serveur(env: dict[str, str], workers: int, log: Path, threads: int = 1) -> Iterator[tuple[int, int]]:
    """gunicorn on 127.0.0.1: ``workers`` processes; with ``threads`` > 1, threaded workers (keep-alive)."""
    port = _free_port()
    options = ["--worker-class", "gthread", "--threads", str(threads), "--keep-alive", "30"] if threads > 1 else []
    with log.open("w") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "socle.wsgi", "--workers", str(workers), *options,
             "--bind", f"127.0.0.1:{port}", "--timeout", "120", "--log-level", "warning"],
            env=env, cwd=BASE_DIR, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
        limite = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"gunicorn s'est arrêté :\n{log.read_text()[-3000:]}")
            with contextlib.suppress(OSError):
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            if time.monotonic() > limite:
                raise RuntimeError("gunicorn ne répond pas après 60 s")
            time.sleep(0.2)
        yield port, proc.pid
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _cookies(reponse: http.client.HTTPResponse, jar: dict[str, str]) -> None:
    # The cookies are Secure (production-like settings): kept by hand on this plain-HTTP loopback.
    for entete in reponse.headers.get_all("Set-Cookie") or []:
        nom, _, reste = entete.partition("=")
        jar[nom.strip()] = reste.split(";", 1)[0]


def _requete(
    conn: http.client.HTTPConnection,
    methode: str,
    chemin: str,
    jar: dict[str, str],
    corps: bytes | None = None,
    entetes: dict[str, str] | None = None,
) -> tuple[int, bytes]:
    tous = {"Cookie": "; ".join(f"{k}={v}" for k, v in jar.items()), **(entetes or {})}
    conn.request(methode, chemin, body=corps, headers=tous)
    reponse = conn.getresponse()
    contenu = reponse.read()
    _cookies(reponse, jar)
    return reponse.status, contenu


def client(port: int, travail: dict, resultat: Resultat, verrou: threading.Lock, depart: threading.Barrier) -> None:
    """One agent: log in through the form, then deposit each of its dossiers (bounded retries, same key)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    jar: dict[str, str] = {}
    statut, page = _requete(conn, "GET", "/comptes/connexion/", jar)
    jeton = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    if statut != 200 or not jeton:
        raise RuntimeError(f"page de connexion : {statut}")
    formulaire = urlencode(
        {"username": travail["username"], "password": MOT_DE_PASSE, "csrfmiddlewaretoken": jeton.group(1).decode()}
    ).encode()
    statut, _ = _requete(conn, "POST", "/comptes/connexion/", jar, formulaire,
                         {"Content-Type": "application/x-www-form-urlencoded"})  # fmt: skip
    if statut != 302 or "sessionid" not in jar:
        depart.abort()
        raise RuntimeError(f"connexion de {travail['username']} : {statut}")
    devis = base64.b64encode(PDF).decode()
    depots = []  # every request body encoded before the start: the clients only send and time
    for collectivite, uai in travail["depots"]:
        cle = f"afflux-{collectivite}-{secrets.token_hex(6)}"
        depots.append((cle, json.dumps(
            {
                "cle_idempotence": cle,
                "collectivite": collectivite,
                "devis": devis,
                "projets": [
                    {
                        "uai": uai, "classes": 4, "eleves": 90, "projet_pedagogique": "Une webradio par cycle.",
                        "lignes": [
                            {"volet": "equipement", "libelle": "Tablettes", "quantite": 10, "prix_unitaire": "800.00"},
                            {"volet": "services", "libelle": "ENT, 2 ans", "quantite": 1, "prix_unitaire": "1500.00"},
                        ],
                    }
                ],
            }
        ).encode()))  # fmt: skip
    entetes = {"Content-Type": "application/json", "X-CSRFToken": jar.get("csrftoken", "")}
    depart.wait(timeout=600)  # every agent is logged in: the surge starts for all at once
    for numero, (cle, corps) in enumerate(depots):
        envois = 2 if numero % 50 == 49 else 1  # one in 50: a double click
        for _envoi in range(envois):
            for tentative in range(TENTATIVES):
                debut = time.perf_counter()
                try:
                    statut, contenu = _requete(conn, "POST", f"/api/v1/appels/{APPEL}/depots/", jar, corps, entetes)
                except (OSError, http.client.HTTPException):
                    conn.close()
                    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
                    statut, contenu = 0, b""
                duree = (time.perf_counter() - debut) * 1000
                with verrou:
                    resultat.latences_ms.append(duree)
                    if statut == 201:
                        resultat.crees += 1
                    elif statut == 200:
                        resultat.rejoues += 1
                    elif tentative < TENTATIVES - 1 and (statut == 0 or statut >= 500 or statut == 429):
                        resultat.reprises += 1
                    else:
                        resultat.echecs.append(f"{cle} : HTTP {statut} {contenu[:200]!r}")
                if statut in (200, 201) or not (statut == 0 or statut >= 500 or statut == 429):
                    break
                time.sleep(0.05 * (tentative + 1))
    conn.close()


def run_afflux(
    n: int, clients: int, workers: int, workdir: Path, threads: int = 1, base_url: str | None = None
) -> dict:
    """Prepare, serve, surge, verify; returns the figures. ``base_url``: a PostgreSQL DATABASE_URL for a
    throw-away database on that server (default: the environment's), else SQLite."""
    base_url = os.environ.get("DATABASE_URL", "") if base_url is None else base_url
    charge_avant = os.getloadavg()  # the machine's load before the benchmark adds its own
    with base_de_donnees(workdir, base_url) as (database_url, moteur):
        env = server_environment(workdir / "inutilise.sqlite3")
        env.update(
            {
                "DATABASE_URL": database_url,
                "SOCLE_MEDIA_ROOT": str(workdir / "media"),
                "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
                "PYTHONPATH": str(BASE_DIR),
            }
        )
        travail_json = workdir / "travail.json"
        print(f"Surge: database ({moteur}), {n:,} collectivités and schools, {clients} agents (not timed)…", flush=True)
        _python(env, f"from bench.appels_afflux import preparer; preparer({n}, {clients}, {str(travail_json)!r})", 900)
        travail = json.loads(travail_json.read_text())
        resultat = Resultat()
        verrou = threading.Lock()
        # The server keeps its database connections (as a deployment does: ``conn_max_age`` in DATABASE_URL).
        env_serveur = {**env, "DATABASE_URL": f"{database_url}{'&' if '?' in database_url else '?'}conn_max_age=600"}
        with serveur(env_serveur, workers, workdir / "gunicorn.log", threads) as (port, pid):
            print(f"Surge: {clients} clients → gunicorn ({workers} workers) on 127.0.0.1:{port}…", flush=True)
            depart = threading.Barrier(len(travail) + 1)
            fils = [
                threading.Thread(target=client, args=(port, t, resultat, verrou, depart), daemon=True) for t in travail
            ]
            for f in fils:
                f.start()
            depart.wait(timeout=600)  # logins through the form (one password hash each) are not timed
            debut = time.perf_counter()
            avant, serveur_avant = os.times(), cpu_processus(pid)
            base_avant = cpu_backends(database_url)
            for f in fils:
                f.join(timeout=3600)
            secondes = time.perf_counter() - debut
            # CPU seconds of the surge alone (logins excluded): the server's processes, the clients' threads.
            serveur_cpu = cpu_processus(pid) - serveur_avant
            base_apres = cpu_backends(database_url)
            base_cpu = sum(cpu - base_avant.get(p, 0.0) for p, cpu in base_apres.items()) if base_apres else None
            clients_cpu = os.times().user + os.times().system - avant.user - avant.system
        controle = json.loads(
            _python(env, f"from bench.appels_afflux import verifier; verifier({n})", 300).splitlines()[-1]
        )
    latences = sorted(resultat.latences_ms)
    return {
        "moteur": moteur,
        "secondes": secondes,
        "requetes": len(latences),
        "debit": resultat.crees / secondes if secondes else 0.0,
        "p50": statistics.median(latences) if latences else 0.0,
        "p95": latences[int(0.95 * (len(latences) - 1))] if latences else 0.0,
        "crees": resultat.crees,
        "rejoues": resultat.rejoues,
        "reprises": resultat.reprises,
        "echecs": resultat.echecs,
        "controle": controle,
        "serveur_cpu": serveur_cpu,
        "base_cpu": base_cpu,
        "clients_cpu": clients_cpu,
        "charge_avant": charge_avant,
        "charge": os.getloadavg(),
    }


def cpu_processus(pid: int) -> float:
    """CPU seconds (user + system) of a process and its descendants, from /proc (Linux; 0 elsewhere)."""
    tic = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
    total = 0.0
    a_voir = [pid]
    while a_voir:
        courant = a_voir.pop()
        with contextlib.suppress(OSError, ValueError, IndexError):
            champs = Path(f"/proc/{courant}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(champs[11]) + int(champs[12])) / tic  # utime, stime (fields 14 and 15)
            for tache in Path(f"/proc/{courant}/task").iterdir():
                a_voir += [int(e) for e in (tache / "children").read_text().split()]
    return total


def cpu_backends(database_url: str) -> dict[int, float]:
    """CPU seconds of each PostgreSQL backend connected to the benchmark database, by pid (from /proc: the
    server on this machine; empty for SQLite or a remote server). The backends kept by the server's workers."""
    if database_url.startswith("sqlite"):
        return {}
    import psycopg

    tic = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
    parts = urlsplit(database_url)
    with psycopg.connect(urlunsplit(("postgresql", parts.netloc, parts.path, "", "")), autocommit=True) as conn:
        pids = [
            r[0]
            for r in conn.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        ]
    cpu = {}
    for backend in pids:
        with contextlib.suppress(OSError, ValueError, IndexError):
            champs = Path(f"/proc/{backend}/stat").read_text().rsplit(")", 1)[1].split()
            cpu[backend] = (int(champs[11]) + int(champs[12])) / tic
    return cpu
