"""National-scale benchmark of the diagnostics: full recomputation, one établissement, peak RSS.

``python -m bench.diagnostics [--db PATH|URL] [--echelle 1.0]`` prints figures and ratios; it never asserts.

Database: ``--db`` names a SQLite file or a PostgreSQL URL (kept, reused when already prepared); without it, a
temporary SQLite file, or — when ``DATABASE_URL`` is a PostgreSQL URL — a throw-away database created next to it
on that server and dropped at the end (``DATABASE_URL=postgres://… python -m bench.diagnostics``).

Data: with ``--db PATH`` of a database where the national list was imported (``python -m bench
--keep-db PATH``), every établissement gets a simulated inventory; otherwise (or when that database
has no établissement) a synthetic national territory is generated: ``60,000 × echelle``
établissements (80 % écoles, 12 % collèges, 8 % lycées) in 101 départements. Inventories come from
``diagnostics.simulation`` with one line per device (GLPI-style), i.e. a few million lines at
scale 1. Setup is not timed.

Figures (each in a fresh process, so the peak RSS is the recomputation's own):

- full recomputation (``diagnostics.national.recalculer_tout``): every diagnostic against the adopted
  versions and every territorial aggregate, written; target ≤ 10 s;
- baseline: one hand-written SQL aggregate over the same tables (lines joined to établissements,
  summed per département and item), same process, after the recomputation; target ratio ≤ 3×; both also in CPU
  time of the process (on SQLite the queries run in process: that ratio depends much less on the load);
- one établissement after an inventory edit (``recalculer_etablissement``, including its
  aggregates): median and maximum of 30 établissements; target ≤ 50 ms;
- the national dashboard ``/diagnostics/``: 30 requests with Django's test client, in process, after one warm-up;
  median and p95; target p95 ≤ 150 ms;
- peak RSS of the recomputation process; target ≤ 1 GiB.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

from core.throwaway_database import is_postgres_url, throwaway_postgres_database

BASE_DIR = Path(__file__).resolve().parent.parent
ETABLISSEMENTS_NATIONAUX = 60_000


def _setup(db: str) -> None:
    """Production-like settings (``bench.environment``) on ``db``, a SQLite path or a PostgreSQL URL."""
    from bench.environment import server_environment

    os.environ.update(server_environment(Path(db)))
    if is_postgres_url(db):
        os.environ["DATABASE_URL"] = db
    import django

    django.setup()


def _sans_secret(db: str) -> str:
    """The database named without its user or password."""
    if not is_postgres_url(db):
        return db
    parts = urlsplit(db)
    return f"{parts.hostname}:{parts.port or 5432}{parts.path}"


def _territoire_synthetique(n: int, seed: int) -> None:
    """Régions, départements, communes, collectivités and ``n`` établissements, all synthetic."""
    from territoires.models import (
        Academie,
        Collectivite,
        Commune,
        Departement,
        Etablissement,
        Niveau,
        Region,
        Secteur,
        TypeCollectivite,
    )

    rng = random.Random(seed)
    regions = [Region(code=f"{k:02d}", nom=f"Région {k}") for k in range(1, 14)]
    Region.objects.bulk_create(regions)
    academies = [Academie(code=f"{k:02d}", nom=f"Académie {k}", region_academique=regions[k % 13]) for k in range(30)]
    Academie.objects.bulk_create(academies)
    departements = [
        Departement(code=f"{k:03d}", nom=f"Département {k}", region=regions[k % 13], academie=academies[k % 30])
        for k in range(1, 102)
    ]
    Departement.objects.bulk_create(departements)
    communes = []
    for k in range(int(n * 0.6)):
        dep = departements[k % 101]
        rural = rng.random() < 0.7
        communes.append(
            Commune(
                code_insee=f"{k:05d}",
                nom=f"Commune {k}",
                departement=dep,
                population=rng.randint(100, 2000) if rural else rng.randint(5000, 200_000),
                superficie_km2=rng.randint(5, 40),
            )
        )
    Commune.objects.bulk_create(communes, batch_size=5000)
    colls = [
        Collectivite(nom=f"Commune {c.code_insee}", type=TypeCollectivite.COMMUNE, commune=c, code=f"c-{c.code_insee}")
        for c in communes
    ]
    colls += [
        Collectivite(nom=f"Dép {d.code}", type=TypeCollectivite.DEPARTEMENT, departement=d, code=f"d-{d.code}")
        for d in departements
    ]
    colls += [
        Collectivite(nom=f"Rég {r.code}", type=TypeCollectivite.REGION, region=r, code=f"r-{r.code}") for r in regions
    ]
    Collectivite.objects.bulk_create(colls, batch_size=5000)
    par_commune = {c.commune_id: c.pk for c in Collectivite.objects.filter(commune__isnull=False)}
    par_dep = {c.departement_id: c.pk for c in Collectivite.objects.filter(departement__isnull=False)}
    par_reg = {c.region_id: c.pk for c in Collectivite.objects.filter(region__isnull=False)}
    etabs = []
    for k in range(n):
        commune = communes[rng.randrange(len(communes))]
        tirage = rng.random()
        niveau = Niveau.ECOLE if tirage < 0.8 else Niveau.COLLEGE if tirage < 0.92 else Niveau.LYCEE
        classes = rng.randint(1, 8) if niveau == Niveau.ECOLE else rng.randint(8, 22)
        prive = rng.random() < 0.15
        dep = departements[int(commune.departement_id) - 1]
        competente = None
        if not prive:
            competente = {
                Niveau.ECOLE: par_commune[commune.code_insee],
                Niveau.COLLEGE: par_dep[dep.code],
                Niveau.LYCEE: par_reg[dep.region_id],
            }[niveau]
        etabs.append(
            Etablissement(
                uai=f"{k:07d}X",
                nom=f"Établissement {k}",
                niveau=niveau,
                secteur=Secteur.PRIVE_SOUS_CONTRAT if prive else Secteur.PUBLIC,
                commune=commune,
                departement=dep,
                academie_id=dep.academie_id,
                classes=classes,
                eleves=classes * rng.randint(20, 28),
                collectivite_competente_id=competente,
            )
        )
    Etablissement.objects.bulk_create(etabs, batch_size=5000)


def preparer(db: str, echelle: float, seed: int) -> dict[str, int]:
    """Migrate, load the référentiels and catalogue, create établissements if needed, simulate inventories."""
    _setup(db)
    from django.core.management import call_command

    from diagnostics import services
    from diagnostics.models import Inventaire, LigneInventaire
    from territoires.models import Etablissement

    call_command("migrate", verbosity=0)
    call_command("charger_referentiels", verbosity=0)
    services.catalogue_charger_initial()
    if not Etablissement.objects.exists():
        print(f"Generating a synthetic territory of {int(ETABLISSEMENTS_NATIONAUX * echelle):,} établissements…")
        _territoire_synthetique(int(ETABLISSEMENTS_NATIONAUX * echelle), seed)
    if not Inventaire.objects.exists():
        print("Simulating inventories (one line per device)…", flush=True)
        debut = time.perf_counter()
        services.inventaires_simuler(etablissements=Etablissement.objects.all(), seed=seed, unitaire=True)
        print(f"  done in {time.perf_counter() - debut:.0f} s", flush=True)
    return {
        "etablissements": Etablissement.objects.count(),
        "classes": sum(Etablissement.objects.values_list("classes", flat=True).exclude(classes=None)),
        "lignes": LigneInventaire.objects.count(),
    }


SQL_BASELINE = """
SELECT e.departement_id, l.item_code, SUM(l.quantite), COUNT(*)
FROM diagnostics_ligneinventaire l
JOIN territoires_etablissement e ON e.uai = l.etablissement_id
WHERE l.etat <> 'hors_service'
GROUP BY e.departement_id, l.item_code
"""


def mesurer(db: str, seed: int) -> dict[str, float]:
    """Run in a fresh process: full recomputation, SQL baseline, incremental recomputations, peak RSS."""
    _setup(db)
    from django.db import connection

    from diagnostics import calcul, national
    from diagnostics.models import Inventaire

    debut, cpu = time.perf_counter(), time.process_time()
    bilan = national.recalculer_tout()
    complet, complet_cpu = time.perf_counter() - debut, time.process_time() - cpu
    rss_complet = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    debut, cpu = time.perf_counter(), time.process_time()
    with connection.cursor() as cursor:
        cursor.execute(SQL_BASELINE)
        cursor.fetchall()
    baseline, baseline_cpu = time.perf_counter() - debut, time.process_time() - cpu
    charge = os.getloadavg()[0]
    rng = random.Random(seed)
    uais = list(Inventaire.objects.values_list("etablissement_id", flat=True))
    echantillon = rng.sample(uais, min(30, len(uais)))
    durees = []
    for uai in echantillon:
        t = time.perf_counter()
        calcul.recalculer_etablissement(uai)
        durees.append((time.perf_counter() - t) * 1000)
    from django.test import Client

    client = Client()
    client.get("/diagnostics/")  # warm the template cache
    pages = []
    statut = 200
    for _ in range(30):
        t = time.perf_counter()
        reponse = client.get("/diagnostics/")
        pages.append((time.perf_counter() - t) * 1000)
        statut = max(statut, reponse.status_code)
    pages.sort()
    return {
        "page_p95_ms": pages[int(len(pages) * 0.95) - 1],
        "page_median_ms": statistics.median(pages),
        "page_statut": statut,
        "complet_s": complet,
        "baseline_s": baseline,
        "complet_cpu_s": complet_cpu,
        "baseline_cpu_s": baseline_cpu,
        "charge": charge,
        "postgres": connection.vendor == "postgresql",
        "diagnostics": bilan.diagnostics,
        "agregats": bilan.agregats,
        "un_median_ms": statistics.median(durees) if durees else 0.0,
        "un_max_ms": max(durees) if durees else 0.0,
        "rss_mib": rss_complet,
    }


def run(db: str, echelle: float, seed: int) -> None:
    from bench.__main__ import Row, print_table, verdict

    volumes = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench.diagnostics",
            "--etape",
            "preparer",
            "--db",
            db,
            "--echelle",
            str(echelle),
            "--seed",
            str(seed),
        ],
        cwd=BASE_DIR,
        check=True,
        capture_output=True,
        text=True,
    )
    print(volumes.stderr, end="")
    v = json.loads(volumes.stdout.strip().splitlines()[-1])
    print(f"Data: {v['etablissements']:,} établissements, {v['classes']:,} classes, {v['lignes']:,} lines.", flush=True)
    print("Recomputing…", flush=True)
    sortie = subprocess.run(
        [sys.executable, "-m", "bench.diagnostics", "--etape", "mesurer", "--db", db, "--seed", str(seed)],
        cwd=BASE_DIR,
        check=True,
        capture_output=True,
        text=True,
    )
    m = json.loads(sortie.stdout.strip().splitlines()[-1])
    ratio = m["complet_s"] / m["baseline_s"] if m["baseline_s"] else float("inf")
    rows = [
        Row(
            "Full recomputation (diagnostics + aggregates)",
            f"{m['complet_s']:.1f} s",
            f"SQL aggregate {m['baseline_s']:.2f} s",
            f"{ratio:.1f}×",
            "≤ 10 s and ≤ 3×",
            verdict(m["complet_s"] <= 10 and ratio <= 3),
        ),
        Row(
            "  the same, CPU time of this process",
            f"{m.get('complet_cpu_s', 0):.1f} s",
            "server-side (PostgreSQL)" if m.get("postgres") else f"SQL aggregate {m.get('baseline_cpu_s', 0):.2f} s",
            ""
            if m.get("postgres") or not m.get("baseline_cpu_s")
            else f"{m['complet_cpu_s'] / m['baseline_cpu_s']:.1f}×",
            "(less load-dependent on SQLite)",
            "",
        ),
        Row(
            "One établissement after an edit",
            f"median {m['un_median_ms']:.0f} ms",
            f"max {m['un_max_ms']:.0f} ms",
            "",
            "≤ 50 ms",
            verdict(m["un_median_ms"] <= 50),
        ),
        Row(
            "National dashboard /diagnostics/ (in-process)",
            f"p95 {m['page_p95_ms']:.0f} ms",
            f"median {m['page_median_ms']:.0f} ms, HTTP {m['page_statut']}",
            "",
            "p95 ≤ 150 ms",
            verdict(m["page_p95_ms"] <= 150 and m["page_statut"] == 200),
        ),
        Row(
            "Peak RSS of the recomputation", f"{m['rss_mib']:.0f} MiB", "", "", "≤ 1 GiB", verdict(m["rss_mib"] <= 1024)
        ),
    ]
    print_table(rows)
    print(
        f"- {m['diagnostics']:,} diagnostics and {m['agregats']:,} aggregates written; "
        f"{v['lignes']:,} inventory lines (simulated; one per device when this benchmark simulated them). "
        f"Database: {'PostgreSQL' if is_postgres_url(db) else 'SQLite'} ({_sans_secret(db)}); "
        f"load average {m.get('charge', 0):.1f} at the recomputation, {os.getloadavg()[0]:.1f} at the end."
    )


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.diagnostics", description=__doc__)
    parser.add_argument(
        "--db",
        help="SQLite file or PostgreSQL URL (kept); default: a temporary SQLite file, or a throw-away database "
        "on DATABASE_URL's PostgreSQL server",
    )
    parser.add_argument("--echelle", type=float, default=1.0, help="share of the national scale (synthetic data)")
    parser.add_argument("--seed", type=int, default=2019)
    parser.add_argument("--etape", choices=("preparer", "mesurer"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.etape == "preparer":
        print(json.dumps(preparer(args.db, args.echelle, args.seed)))
        return 0
    if args.etape == "mesurer":
        print(json.dumps(mesurer(args.db, args.seed)))
        return 0
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "socle.settings")
    if args.db is not None:
        run(args.db if is_postgres_url(args.db) else str(Path(args.db).resolve()), args.echelle, args.seed)
        return 0
    base_url = os.environ.get("DATABASE_URL", "")
    if is_postgres_url(base_url):
        with throwaway_postgres_database(base_url, "socle_bench_diag") as url:
            run(url, args.echelle, args.seed)
        return 0
    with tempfile.TemporaryDirectory(prefix="socle-bench-diag-") as tmp:
        run(str(Path(tmp) / "bench.sqlite3"), args.echelle, args.seed)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
