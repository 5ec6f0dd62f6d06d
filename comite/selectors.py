"""Reads of the comité: the querysets a person may see, in as few queries as the page needs."""

from typing import Any

from django.db.models import Count, Prefetch, QuerySet
from django.utils import timezone

from comptes.models import Organisation

from .models import (
    Convention,
    Decision,
    Discussion,
    GroupeTravail,
    Membre,
    MembreOrganisation,
    PointOrdreDuJour,
    Seance,
    StatutPoint,
)
from .permissions import comite_scope


def organisations_du_comite() -> QuerySet[MembreOrganisation]:
    return MembreOrganisation.objects.select_related("organisation").prefetch_related(
        Prefetch("organisation__membres_comite", queryset=Membre.objects.select_related("user"))
    )


def seances_visibles(user: Any) -> QuerySet[Seance]:
    if not comite_scope(user).membre:
        return Seance.objects.none()
    return Seance.objects.select_related("groupe").annotate(nb_inscrits=Count("inscriptions"))


def prochaines_seances(user: Any) -> QuerySet[Seance]:
    return seances_visibles(user).filter(date__gte=timezone.now()).order_by("date")


def points_visibles(user: Any) -> QuerySet[PointOrdreDuJour]:
    if not comite_scope(user).membre:
        return PointOrdreDuJour.objects.none()
    return PointOrdreDuJour.objects.select_related("organisation", "seance", "amendement")


def points_a_traiter(user: Any) -> QuerySet[PointOrdreDuJour]:
    if not comite_scope(user).secretariat:
        return PointOrdreDuJour.objects.none()
    return points_visibles(user).filter(statut__in=[StatutPoint.PROPOSE, StatutPoint.ACCEPTE]).order_by("cree_le")


def decisions_visibles(user: Any) -> QuerySet[Decision]:
    qs = Decision.objects.select_related("seance", "amendement")
    if comite_scope(user).membre:
        return qs
    return qs.filter(publiee=True)


def groupes_visibles(user: Any) -> QuerySet[GroupeTravail]:
    if not comite_scope(user).membre:
        return GroupeTravail.objects.none()
    return GroupeTravail.objects.annotate(nb_organisations=Count("organisations", distinct=True))


def discussions_du_groupe(groupe: GroupeTravail) -> QuerySet[Discussion]:
    return groupe.discussions.select_related("amendement").annotate(nb_messages=Count("messages"))


def conventions_visibles(user: Any) -> QuerySet[Convention]:
    if not comite_scope(user).membre:
        return Convention.objects.none()
    return Convention.objects.select_related("cadre").prefetch_related("signataires")


def organisations_de(user: Any) -> QuerySet[Organisation]:
    return Organisation.objects.filter(pk__in=comite_scope(user).organisations).order_by("nom")
