"""National import into a fresh SQLite database, against reading the same files with pandas."""

import io
import os
import time
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.db import connections


@dataclass
class ImportFigures:
    seconds: float
    cpu_seconds: float
    baseline_seconds: float
    files: int
    megabytes: float
    rows: int
    etablissements: int

    @property
    def ratio(self) -> float:
        return self.seconds / self.baseline_seconds


def imported_files(data_dir: Path) -> list[Path]:
    """Every open-data file the importer reads (per its registry), that is present in ``data_dir``."""
    from territoires.importers.registry import DATASETS

    return [data_dir / d.fichier for d in DATASETS if (data_dir / d.fichier).exists()]


def read_with_pandas(files: list[Path]) -> tuple[float, int]:
    import pandas as pd

    # pandas' first read initialises its parser and dtype machinery (~0.3 s CPU): done before timing, so that the
    # baseline is not inflated by it (the import, which reads through pandas too, would otherwise find it warm).
    for path in sorted(files, key=lambda p: p.stat().st_size)[:2]:
        pd.read_csv(path, dtype=str)
    start = time.perf_counter()
    rows = sum(len(pd.read_csv(path, dtype=str)) for path in files)
    return time.perf_counter() - start, rows


def _cpu() -> float:
    """CPU time of this process and of its children waited for: the import reads the school files in a child
    process (``territoires.importers.lecture_a_part``), in parallel; its CPU counts too."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def migrate() -> None:
    call_command("migrate", interactive=False, verbosity=0)


def run_import(data_dir: Path | None = None) -> ImportFigures:
    """Migrate the (fresh) database, then time ``import_territoires`` and the pandas baseline."""
    from territoires.models import Etablissement

    data_dir = Path(data_dir or settings.SOCLE_DATA_DIR)
    files = imported_files(data_dir)
    for path in files:  # same page cache for both: read every file once before timing anything
        path.read_bytes()
    baseline, rows = read_with_pandas(files)

    migrate()
    start, cpu_start = time.perf_counter(), _cpu()
    call_command("import_territoires", data_dir=str(data_dir), stdout=io.StringIO(), stderr=io.StringIO())
    seconds, cpu_seconds = time.perf_counter() - start, _cpu() - cpu_start
    connections.close_all()
    return ImportFigures(
        seconds=seconds,
        cpu_seconds=cpu_seconds,
        baseline_seconds=baseline,
        files=len(files),
        megabytes=sum(p.stat().st_size for p in files) / 1e6,
        rows=rows,
        etablissements=Etablissement.objects.count(),
    )
