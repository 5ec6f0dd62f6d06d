"""Background work of the diagnostics: the national recomputation after a référentiel version is adopted."""

from django_tasks import task

from . import national


@task()
def recalculer_tout_tache() -> int:
    """Recompute every diagnostic against the adopted versions (new rows for the new version) and every aggregate."""
    return national.recalculer_tout().diagnostics
