"""Latency of the instant search (htmx fragment) over real HTTP, against a trivial endpoint."""

import http.client
import random
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

from django.db.models import Count
from django.urls import reverse

from bench.environment import BASE_DIR, server_environment

WARMUP = 10
RESULT_LINK = re.compile(rb"/etablissements/[0-9]{7}[A-Z]/")


@dataclass
class Latencies:
    label: str
    seconds: list[float]

    @property
    def median_ms(self) -> float:
        return statistics.median(self.seconds) * 1000

    @property
    def p95_ms(self) -> float:
        ordered = sorted(self.seconds)
        return ordered[max(0, round(0.95 * len(ordered)) - 1)] * 1000


@dataclass
class SearchFigures:
    search: Latencies
    baseline: Latencies
    queries: dict[str, int]
    statuses: dict[int, int]
    empty_results: int

    @property
    def median_ratio(self) -> float:
        return self.search.median_ms / self.baseline.median_ms

    @property
    def p95_ratio(self) -> float:
        return self.search.p95_ms / self.baseline.p95_ms


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def server(db_path: Path) -> Iterator[int]:
    """A gunicorn (one sync worker) on a free port of 127.0.0.1 serving the benchmark database."""
    port = free_port()
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "socle.wsgi",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                "1",
                "--log-level",
                "warning",
            ],
            cwd=BASE_DIR,
            env=server_environment(db_path),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    status, _ = get(port, "/api/v1/", {"Accept": "application/json"})
                    if status == 200:
                        break
                except OSError:
                    pass
                if process.poll() is not None or time.monotonic() > deadline:
                    log.seek(0)
                    raise RuntimeError("the benchmark server did not start:\n" + log.read().decode()[-3000:])
                time.sleep(0.2)
            yield port
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def get(port: int, path: str, headers: dict[str, str]) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("GET", path, headers=headers)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def timed(port: int, paths: list[str], headers: dict[str, str]) -> tuple[list[float], list[tuple[int, bytes]]]:
    for path in paths[:WARMUP]:
        get(port, path, headers)
    seconds, responses = [], []
    for path in paths:
        start = time.perf_counter()
        response = get(port, path, headers)
        seconds.append(time.perf_counter() - start)
        responses.append(response)
    return seconds, responses


def sample_queries(n: int, seed: int) -> list[tuple[str, str]]:
    """A seeded mix of what people type: names, communes, UAI (whole or prefix) and postcodes."""
    from territoires.models import Commune, Etablissement

    rng = random.Random(seed)
    etablissements = list(Etablissement.objects.values_list("uai", "nom", "code_postal"))
    communes = list(Commune.objects.annotate(n=Count("etablissements")).filter(n__gt=0).values_list("nom", flat=True))
    if not etablissements or not communes:
        raise RuntimeError("the benchmark database holds no établissement: run the import first")

    def name() -> str:
        words = [w for w in rng.choice(etablissements)[1].split() if len(w) > 3]
        return " ".join(rng.sample(words, min(len(words), rng.choice([1, 2])))) or rng.choice(etablissements)[1]

    def uai() -> str:
        code = rng.choice(etablissements)[0]
        return code if rng.random() < 0.5 else code[:5]

    postcodes = sorted({row[2] for row in etablissements if row[2]})

    def postcode() -> str:
        return rng.choice(postcodes) if postcodes else rng.choice(etablissements)[0][:3]

    kinds = {"name": name, "commune": lambda: rng.choice(communes), "uai": uai, "postcode": postcode}
    queries = [(kind, kinds[kind]()) for kind in kinds for _ in range(n // len(kinds))]
    queries += [("name", name()) for _ in range(n - len(queries))]
    rng.shuffle(queries)
    return queries


def run_search(db_path: Path, n: int = 200, seed: int = 2026) -> SearchFigures:
    queries = sample_queries(n, seed)
    url = reverse("territoires:recherche")
    search_paths = [f"{url}?{urlencode({'q': q})}" for _, q in queries]
    with server(db_path) as port:
        baseline, _ = timed(port, ["/api/v1/"] * n, {"Accept": "application/json"})
        seconds, responses = timed(port, search_paths, {"HX-Request": "true"})
    statuses: dict[int, int] = {}
    for status, _ in responses:
        statuses[status] = statuses.get(status, 0) + 1
    kinds: dict[str, int] = {}
    for kind, _ in queries:
        kinds[kind] = kinds.get(kind, 0) + 1
    empty = sum(1 for status, body in responses if status == 200 and not RESULT_LINK.search(body))
    return SearchFigures(
        search=Latencies("search", seconds),
        baseline=Latencies("api root", baseline),
        queries=kinds,
        statuses=statuses,
        empty_results=empty,
    )
