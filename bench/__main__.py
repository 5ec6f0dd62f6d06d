"""``python -m bench [--only import,search,page] [--keep-db PATH]``: print the figures, never assert."""

import argparse
import os
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bench.importing import ImportFigures

FIGURES = ("import", "search", "page")


@dataclass
class Row:
    figure: str
    value: str
    baseline: str = ""
    ratio: str = ""
    target: str = ""
    verdict: str = ""


def verdict(ok: bool) -> str:
    return "met" if ok else "NOT MET"


def print_table(rows: list[Row]) -> None:
    header = Row("Figure", "Value", "Baseline (same run)", "Ratio", "Target", "Verdict")
    table = [header, *rows]
    widths = [max(len(getattr(r, f)) for r in table) for f in Row.__dataclass_fields__]
    line = "+" + "+".join("-" * (w + 2) for w in widths) + "+"
    print(line)
    for i, row in enumerate(table):
        cells = [getattr(row, f).ljust(w) for f, w in zip(Row.__dataclass_fields__, widths, strict=True)]
        print("| " + " | ".join(cells) + " |")
        if i == 0:
            print(line.replace("-", "="))
    print(line)


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--only", default=",".join(FIGURES), help="comma-separated: import,search,page")
    parser.add_argument(
        "--keep-db",
        type=Path,
        metavar="PATH",
        help="SQLite file of the benchmark: reused when it exists (no import), else imported into and kept",
    )
    parser.add_argument("--requests", type=int, default=200, help="search requests (and baseline requests)")
    parser.add_argument("--seed", type=int, default=2026, help="seed of the search queries")
    args = parser.parse_args(argv)
    args.only = [f.strip() for f in args.only.split(",") if f.strip()]
    unknown = set(args.only) - set(FIGURES)
    if unknown:
        parser.error(f"unknown figure(s): {', '.join(sorted(unknown))}; choose among {', '.join(FIGURES)}")
    return args


def import_rows(figures: "ImportFigures") -> tuple[list[Row], list[str]]:
    rows = [
        Row(
            "National import",
            f"{figures.seconds:.1f} s",
            f"pandas.read_csv {figures.baseline_seconds:.2f} s",
            f"{figures.ratio:.1f}×",
            "≤ 30 s and ≤ 5×",
            verdict(figures.seconds <= 30 and figures.ratio <= 5),
        )
    ]
    return rows, []


def search_rows(db_path: Path, args: argparse.Namespace) -> tuple[list[Row], list[str]]:
    from bench import search

    print(f"Search: {args.requests} requests over HTTP…", flush=True)
    s = search.run_search(db_path, n=args.requests, seed=args.seed)
    all_ok = set(s.statuses) == {200}
    rows = [
        Row(
            "Search median",
            f"{s.search.median_ms:.1f} ms",
            f"API root {s.baseline.median_ms:.1f} ms",
            f"{s.median_ratio:.1f}×",
            "",
            "",
        ),
        Row(
            "Search p95",
            f"{s.search.p95_ms:.1f} ms",
            f"API root {s.baseline.p95_ms:.1f} ms",
            f"{s.p95_ratio:.1f}×",
            "p95 ≤ 50 ms",
            verdict(s.search.p95_ms <= 50 and all_ok),
        ),
    ]
    mix = ", ".join(f"{n} {kind}" for kind, n in sorted(s.queries.items()))
    statuses = ", ".join(f"{n}× HTTP {code}" for code, n in sorted(s.statuses.items()))
    return rows, [f"Search queries: {mix}; answers: {statuses}; {s.empty_results} found nothing."]


def page_rows() -> tuple[list[Row], list[str]]:
    from bench import page

    print("Établissement pages: SQL queries…", flush=True)
    pages = page.run_page()
    equal = len({p.queries for p in pages}) == 1 and all(p.status == 200 for p in pages)
    rows = [
        Row(
            f"Page {p.uai} SQL queries",
            str(p.queries),
            f"{p.milliseconds:.0f} ms, HTTP {p.status}",
            "",
            "equal counts",
            verdict(equal),
        )
        for p in pages
    ]
    return rows, [f"Page {p.uai}: {p.description}." for p in pages]


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    tmpdir = None
    if args.keep_db:
        db_path = args.keep_db.resolve()
        db_path.parent.mkdir(parents=True, exist_ok=True)
    else:
        tmpdir = Path(tempfile.mkdtemp(prefix="socle-bench-"))
        db_path = tmpdir / "bench.sqlite3"
    reuse = db_path.exists()

    from bench.environment import setup_django

    setup_django(db_path)
    from bench import importing

    rows: list[Row] = []
    notes: list[str] = []
    started = time.perf_counter()
    try:
        if reuse:
            importing.migrate()
            notes.append(f"Reusing the imported database {db_path} (import not measured).")
        else:
            print(f"Importing the national data into a fresh database ({db_path})…", flush=True)
            figures = importing.run_import()
            notes.append(
                f"Import: {figures.files} files, {figures.megabytes:.1f} MB, {figures.rows:,} CSV rows "
                f"→ {figures.etablissements:,} établissements; import CPU time {figures.cpu_seconds:.1f} s "
                f"(wall-clock minus CPU = waiting for the disk or for other processes)."
            )
            if "import" in args.only:
                rows += import_rows(figures)[0]
        steps = {"search": lambda: search_rows(db_path, args), "page": page_rows}
        for name, step in steps.items():
            if name not in args.only:
                continue
            try:
                step_rows, step_notes = step()
            except Exception as exc:  # report, never abort the other figures
                step_rows = [Row(f"{name}", "not measured", "", "", "", "NOT MET")]
                step_notes = [f"{name} failed: {type(exc).__name__}: {exc}"]
            rows += step_rows
            notes += step_notes
    finally:
        from django.db import connections

        connections.close_all()
        if tmpdir is not None:
            shutil.rmtree(tmpdir, ignore_errors=True)

    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    notes.append(f"Machine: {os.cpu_count()} CPU, load average {load} (1, 5, 15 min) at the end of the run.")
    print()
    print_table(rows)
    for note in notes:
        print(f"- {note}")
    print(f"- Total benchmark time: {time.perf_counter() - started:.0f} s. See bench/README.md.")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
