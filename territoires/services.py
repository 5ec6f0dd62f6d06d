"""Writes of the territoires pages: contact details of établissements and collectivités.

Each service runs in one transaction, refuses a concurrent edit (the caller passes the
``modifie_le`` it read as ``version``) and writes an audit entry with the changed fields.
"""

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone

from core.audit import log_action

from .models import Collectivite, Etablissement

CONCURRENT_EDIT_MESSAGE = "Cette fiche a été modifiée par quelqu'un d'autre pendant votre saisie : rechargez la page"

ETABLISSEMENT_CHAMPS = ("telephone", "courriel", "site_web", "adresse")
COLLECTIVITE_CHAMPS = ("referent_numerique", "courriel_referent")


class ConcurrentEditError(ValidationError):
    """The object changed between the moment the form was displayed and its submission."""

    def __init__(self) -> None:
        super().__init__(CONCURRENT_EDIT_MESSAGE, code="concurrent_edit")


def _as_datetime(version: dt.datetime | str | None) -> dt.datetime | None:
    if version is None or isinstance(version, dt.datetime):
        return version
    try:
        return dt.datetime.fromisoformat(version)
    except ValueError as exc:
        raise ConcurrentEditError() from exc


def _update(
    *,
    model: type[models.Model],
    pk: Any,
    champs: tuple[str, ...],
    data: dict[str, Any],
    actor: Any,
    version: dt.datetime | str | None,
    action: str,
) -> tuple[models.Model, dict[str, list[Any]]]:
    unknown = set(data) - set(champs)
    if unknown:
        raise ValidationError(f"Champ non modifiable : {', '.join(sorted(unknown))}.")
    expected = _as_datetime(version)
    with transaction.atomic():
        # Lock the row: two submissions of the same version cannot both pass the check.
        obj = model.objects.select_for_update().get(pk=pk)
        if expected is None or obj.modifie_le != expected:
            raise ConcurrentEditError()
        changes = {}
        for name, value in data.items():
            value = (value or "").strip() if isinstance(value, str) or value is None else value
            old = getattr(obj, name)
            if old != value:
                changes[name] = [old, value]
                setattr(obj, name, value)
        if changes:
            obj.modifie_le = timezone.now()
            obj.save(update_fields=[*changes, "modifie_le"])
            log_action(obj, action, actor=actor, data={"champs": changes})
    return obj, changes


def etablissement_update(
    *, etablissement: Etablissement, data: dict[str, Any], actor: Any, version: dt.datetime | str | None
) -> Etablissement:
    """Update the contact details of ``etablissement`` (téléphone, courriel, site web, adresse).

    Raises ``ConcurrentEditError`` (nothing saved) when the fiche changed since ``version``.
    """
    obj, _ = _update(
        model=Etablissement,
        pk=etablissement.pk,
        champs=ETABLISSEMENT_CHAMPS,
        data=data,
        actor=actor,
        version=version,
        action="territoires.etablissement.modifie",
    )
    return obj


def collectivite_update(
    *, collectivite: Collectivite, data: dict[str, Any], actor: Any, version: dt.datetime | str | None
) -> Collectivite:
    """Update the référent numérique of ``collectivite``; same rules as ``etablissement_update``."""
    obj, _ = _update(
        model=Collectivite,
        pk=collectivite.pk,
        champs=COLLECTIVITE_CHAMPS,
        data=data,
        actor=actor,
        version=version,
        action="territoires.collectivite.modifie",
    )
    return obj
