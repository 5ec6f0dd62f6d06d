"""SQL queries per établissement page, for établissements with very different amounts of data."""

import time
from dataclasses import dataclass

from django.db import connection
from django.db.models import Count
from django.test import Client
from django.test.utils import CaptureQueriesContext


@dataclass
class PageFigure:
    uai: str
    description: str
    status: int
    queries: int
    milliseconds: float


def pick_etablissements() -> list[tuple[str, str]]:
    """The richest, a middle one and the barest établissement (by IPS rows, effectifs and collectivité)."""
    from territoires.models import Etablissement

    annotated = Etablissement.objects.annotate(
        n_ips=Count("ips", distinct=True), n_effectifs=Count("effectifs", distinct=True)
    )
    richest = annotated.order_by("-n_ips", "-n_effectifs", "uai").first()
    bare = annotated.filter(n_ips=0, n_effectifs=0).order_by("uai")
    barest = (
        bare.filter(collectivite_competente__isnull=True).first()
        or bare.first()
        or annotated.order_by("n_ips", "n_effectifs", "uai").first()
    )
    middle = annotated.filter(n_ips=1).exclude(uai__in=[richest.uai, barest.uai]).order_by("uai").first()
    chosen = [e for e in (richest, middle, barest) if e is not None]

    def describe(e: Etablissement) -> str:
        collectivite = "with" if e.collectivite_competente_id else "no"
        return f"{e.get_niveau_display()}, {e.n_ips} IPS, {e.n_effectifs} effectifs, {collectivite} collectivité"

    return [(e.uai, describe(e)) for e in chosen]


def run_page() -> list[PageFigure]:
    from territoires.models import Etablissement

    client = Client()
    figures = []
    for uai, description in pick_etablissements():
        url = Etablissement(uai=uai).get_absolute_url()
        client.get(url)  # warm the template cache
        with CaptureQueriesContext(connection) as ctx:
            start = time.perf_counter()
            response = client.get(url)
            elapsed = time.perf_counter() - start
        figures.append(PageFigure(uai, description, response.status_code, len(ctx.captured_queries), elapsed * 1000))
    return figures
