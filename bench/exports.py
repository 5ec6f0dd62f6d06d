"""Benchmark of the list exports: a national list of établissements in CSV, XLSX and ODS.

``python -m bench.exports [--rows 60000] [--repeat 3]`` prints figures and ratios; it never asserts.

Setup (not timed): a fresh SQLite database with production-like settings, migrated, holding ``--rows``
synthetic établissements in one département (the size of the national list, ≈ 60,000).

Figures, each the median of ``--repeat`` runs, in one process:

- **through the view**: ``GET /territoires/recherche/?departement=…&format=csv|xlsx|ods`` with Django's test
  client, the whole (streamed) response read; what a user waits for, database reads included;
- **writer only**: ``core.exports.export_content`` on the same rows already in memory (lists of Python
  values): the cost of each file format alone;
- peak memory of each writer (``tracemalloc``, a separate run) and the size of each file;
- for reference, the same XLSX written with openpyxl's write-only workbook (one run).

Baseline: the CSV export, same rows, same process; the ratio is each spreadsheet format against it.
Target (ours): XLSX and ODS complete, ≤ 10 s through the view for 60,000 rows.
"""

from __future__ import annotations

import argparse
import io
import shutil
import statistics
import sys
import tempfile
import time
import tracemalloc
import zipfile
from pathlib import Path

from bench.__main__ import Row, print_table, verdict

FORMATS = ("csv", "xlsx", "ods")
ROWS_NATIONAL = 60_000
TARGET_SECONDS = 10.0


def _database(n: int) -> str:
    """Migrate and fill the database with ``n`` établissements; the code of their département."""
    from django.core.management import call_command

    from territoires import models

    call_command("migrate", verbosity=0)
    region = models.Region.objects.create(code="53", nom="Bretagne")
    academie = models.Academie.objects.create(code="14", nom="Rennes", region_academique=region)
    departement = models.Departement.objects.create(code="35", nom="Ille-et-Vilaine", region=region, academie=academie)
    communes = models.Commune.objects.bulk_create(
        models.Commune(code_insee=f"35{k:03d}", nom=f"Saint-Aubin-du-Cormier {k}", departement=departement)
        for k in range(300)
    )
    niveaux = [models.Niveau.ECOLE] * 8 + [models.Niveau.COLLEGE, models.Niveau.LYCEE]
    models.Etablissement.objects.bulk_create(
        (
            models.Etablissement(
                uai=f"{i:07d}A",
                nom=f"École élémentaire publique Jean Jaurès {i}",
                niveau=niveaux[i % 10],
                nature="ECOLE ELEMENTAIRE",
                secteur=models.Secteur.PUBLIC if i % 5 else models.Secteur.PRIVE_SOUS_CONTRAT,
                commune=communes[i % 300],
                departement=departement,
                academie=academie,
                code_postal=f"35{i % 1000:03d}",
                eleves=i % 900,
                classes=i % 36,
            )
            for i in range(n)
        ),
        batch_size=5000,
    )
    return departement.code


def _through_view(departement: str, fmt: str) -> tuple[float, bytes]:
    from django.test import Client
    from django.urls import reverse

    client = Client()
    start = time.perf_counter()
    response = client.get(reverse("territoires:recherche"), {"departement": departement, "format": fmt})
    content = b"".join(response.streaming_content) if response.streaming else response.content
    elapsed = time.perf_counter() - start
    if response.status_code != 200:
        raise RuntimeError(f"{fmt}: HTTP {response.status_code}")
    return elapsed, content


def _rows_in_memory(departement: str) -> tuple[list[str], list[list]]:
    from territoires import selectors, views

    qs = selectors.recherche_etablissements(selectors.Filtres(departement=departement))
    return list(views.ETABLISSEMENT_COLONNES), [views._etablissement_ligne(e) for e in qs.iterator(chunk_size=2000)]


def _writer(fmt: str, headers: list[str], rows: list[list]) -> float:
    from core.exports import export_content

    start = time.perf_counter()
    export_content(fmt=fmt, headers=headers, rows=rows)
    return time.perf_counter() - start


def _openpyxl_write_only(headers: list[str], rows: list[list]) -> float:
    """The same XLSX with openpyxl's streaming (write-only) workbook: the usual library way, for reference."""
    import openpyxl

    start = time.perf_counter()
    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet("Export")
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    workbook.save(io.BytesIO())
    return time.perf_counter() - start


def _peak_memory(fmt: str, headers: list[str], rows: list[list]) -> int:
    from core.exports import iter_export

    tracemalloc.start()
    try:
        for _chunk in iter_export(fmt=fmt, headers=headers, rows=iter(rows)):
            pass
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def _data_rows(fmt: str, content: bytes) -> int:
    """Rows of the file, header excluded (counted in the XML of the spreadsheets)."""
    if fmt == "csv":
        return content.count(b"\r\n") - 1
    part, marker = ("xl/worksheets/sheet1.xml", b"<row ") if fmt == "xlsx" else ("content.xml", b"<table:table-row>")
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return archive.read(part).count(marker) - 1


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.exports", description=__doc__)
    parser.add_argument("--rows", type=int, default=ROWS_NATIONAL, help="établissements in the list")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each figure (median)")
    args = parser.parse_args(argv)

    tmpdir = Path(tempfile.mkdtemp(prefix="socle-bench-exports-"))
    view: dict[str, float] = {}
    writer: dict[str, float] = {}
    peak: dict[str, int] = {}
    size: dict[str, int] = {}
    count: dict[str, int] = {}
    try:
        from bench.environment import setup_django

        setup_django(tmpdir / "bench.sqlite3")
        print(f"Database: migrate and {args.rows:,} établissements (not timed)…", flush=True)
        departement = _database(args.rows)
        headers, rows = _rows_in_memory(departement)
        for fmt in FORMATS:
            print(f"{fmt.upper()}: {args.repeat} × view, {args.repeat} × writer, memory…", flush=True)
            timings = []
            for _ in range(args.repeat):
                elapsed, content = _through_view(departement, fmt)
                timings.append(elapsed)
            view[fmt] = statistics.median(timings)
            size[fmt], count[fmt] = len(content), _data_rows(fmt, content)
            writer[fmt] = statistics.median(_writer(fmt, headers, rows) for _ in range(args.repeat))
            peak[fmt] = _peak_memory(fmt, headers, rows)
        print("openpyxl write-only XLSX, for reference…", flush=True)
        reference = _openpyxl_write_only(headers, rows)
    finally:
        from django.db import connections

        connections.close_all()
        shutil.rmtree(tmpdir, ignore_errors=True)

    table: list[Row] = []
    for fmt in FORMATS:
        baseline = fmt == "csv"
        complete = count[fmt] == args.rows
        table.append(
            Row(
                f"{fmt.upper()} export, {args.rows:,} rows, through the view",
                f"{view[fmt]:.2f} s",
                "(the baseline)" if baseline else f"CSV {view['csv']:.2f} s",
                "1.0×" if baseline else f"{view[fmt] / view['csv']:.1f}×",
                "complete" if baseline else f"complete, ≤ {TARGET_SECONDS:.0f} s",
                verdict(complete and (baseline or view[fmt] <= TARGET_SECONDS)),
            )
        )
    for fmt in FORMATS:
        baseline = fmt == "csv"
        table.append(
            Row(
                f"{fmt.upper()} writer only, {args.rows:,} rows",
                f"{writer[fmt]:.2f} s",
                "(the baseline)" if baseline else f"CSV {writer['csv']:.2f} s",
                "1.0×" if baseline else f"{writer[fmt] / writer['csv']:.1f}×",
            )
        )
    table.append(
        Row(
            f"(reference) openpyxl write-only XLSX, {args.rows:,} rows",
            f"{reference:.2f} s",
            f"CSV {writer['csv']:.2f} s",
            f"{reference / writer['csv']:.1f}×",
        )
    )
    print()
    print_table(table)
    for fmt in FORMATS:
        print(
            f"- {fmt.upper()}: {count[fmt]:,} data rows in the file, {size[fmt] / 1e6:.1f} MB, "
            f"writer peak memory {peak[fmt] / 1e6:.1f} MB (tracemalloc)."
        )
    print(
        f"- Synthetic list: {args.rows:,} établissements of one département (11 columns: texts, integers); "
        "SQLite, production-like settings, Django test client in process; medians of "
        f"{args.repeat} runs. Before this writer, XLSX and ODS were capped at 5,000 rows "
        "(tablib/odfpy: ≈ 22 s per 10,000 rows in ODS)."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
