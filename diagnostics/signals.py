"""When a référentiel version is adopted, diagnostics are computed against it (the old ones stay as they are)."""

from typing import Any

from django.db import transaction


def version_adoptee(sender: Any, **kwargs: Any) -> None:
    from .tasks import recalculer_tout_tache

    transaction.on_commit(recalculer_tout_tache.enqueue)
