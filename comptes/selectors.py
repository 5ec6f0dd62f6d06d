"""Reads of comptes."""

from dataclasses import dataclass
from typing import Any

from django.urls import NoReverseMatch

from .models import Membership


@dataclass(frozen=True)
class Rattachement:
    organisation: str
    type: str
    role: str
    depuis: Any
    url: str | None


def _url_of(objet: Any) -> str | None:
    try:
        return objet.get_absolute_url() if objet is not None and hasattr(objet, "get_absolute_url") else None
    except NoReverseMatch:  # a territorial page not served by this instance
        return None


def rattachements_de(user: Any) -> list[Rattachement]:
    """The organisations the person acts for, with the role and a link to the organisation's page when it has one."""
    memberships = (
        Membership.objects.filter(user=user)
        .select_related(
            "organisation__collectivite",
            "organisation__etablissement",
            "organisation__circonscription",
            "organisation__academie",
        )
        .order_by("organisation__nom", "role")
    )
    result = []
    for m in memberships:
        org = m.organisation
        objet = org.collectivite or org.etablissement or org.academie
        result.append(
            Rattachement(
                organisation=org.nom,
                type=org.get_type_display(),
                role=m.get_role_display(),
                depuis=m.depuis,
                url=_url_of(objet),
            )
        )
    return result
