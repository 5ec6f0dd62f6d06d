"""The single audit mechanism: every write of Socle records an entry through ``log_action``."""

from collections.abc import Iterable
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models

from .models import AuditEntry


def log_action(obj: models.Model, action: str, *, actor: Any = None, data: dict | None = None) -> AuditEntry:
    """Record that ``actor`` did ``action`` on ``obj``; call it inside the writing transaction."""
    return log_actions([(obj, action, data)], actor=actor)[0]


def log_actions(entries: Iterable[tuple[models.Model, str, dict | None]], *, actor: Any = None) -> list[AuditEntry]:
    """``log_action`` for several ``(obj, action, data)`` by one actor, in one INSERT (entries in their order);
    call it inside the writing transaction."""
    if actor is not None and not getattr(actor, "is_authenticated", False):
        actor = None
    return AuditEntry.objects.bulk_create(
        AuditEntry(
            action=action,
            actor=actor,
            content_type=ContentType.objects.get_for_model(obj),
            object_id=str(obj.pk),
            object_repr=str(obj)[:255],
            data=data or {},
        )
        for obj, action, data in entries
    )


def history_of(obj: models.Model) -> models.QuerySet[AuditEntry]:
    """The entries about ``obj``, newest first, with their author in the same query."""
    return AuditEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(obj), object_id=str(obj.pk)
    ).select_related("actor")
