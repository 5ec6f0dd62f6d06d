"""Admin of the comité: reference data (seats, groups, conventions) is editable by an operator; what carries a
state or a vote (agenda items, decisions, positions, notifications) is read-only here and changes through the
pages and services only, so that every change is audited.
"""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from . import models


@admin.register(models.MembreOrganisation)
class MembreOrganisationAdmin(admin.ModelAdmin):
    list_display = ["organisation", "signataire_2015", "invitee", "actif"]
    list_filter = ["signataire_2015", "invitee", "actif"]


@admin.register(models.Membre)
class MembreAdmin(admin.ModelAdmin):
    list_display = ["user", "organisation", "role_comite"]
    list_filter = ["role_comite", "organisation"]
    autocomplete_fields = ["user"]


@admin.register(models.GroupeTravail)
class GroupeTravailAdmin(admin.ModelAdmin):
    list_display = ["nom", "ad_hoc"]
    prepopulated_fields = {"slug": ["nom"]}
    filter_horizontal = ["organisations"]


@admin.register(models.Convention)
class ConventionAdmin(admin.ModelAdmin):
    list_display = ["titre", "type", "statut", "date_signature", "cadre"]
    list_filter = ["type", "statut"]
    filter_horizontal = ["signataires", "comite_suivi"]


class LectureSeule(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(models.PointOrdreDuJour)
class PointAdmin(LectureSeule):
    list_display = ["titre", "organisation", "statut", "seance"]
    list_filter = ["statut"]


@admin.register(models.Decision)
class DecisionAdmin(LectureSeule):
    list_display = ["numero", "titre", "nature", "issue", "publiee", "seance"]
    list_filter = ["issue", "nature", "publiee"]


@admin.register(models.Notification)
class NotificationAdmin(LectureSeule):
    list_display = ["cree_le", "destinataire", "code", "envoyee_le"]
    list_filter = ["code"]
