"""Admin of the territories: imported data is read-only here (it comes from the open-data files, see
``import_territoires``); competence transfers go through ``territoires.competences`` so that they are audited.
"""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from . import models


class LectureSeule(admin.ModelAdmin):
    """Imported rows: browse and search, never edit (the next import would overwrite the edit)."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(models.DataSource)
class DataSourceAdmin(LectureSeule):
    list_display = ["code", "titre", "producteur", "millesime", "perimetre", "importe_le"]
    search_fields = ["code", "titre"]


@admin.register(models.Region)
class RegionAdmin(LectureSeule):
    list_display = ["code", "nom"]
    search_fields = ["code", "nom"]


@admin.register(models.Academie)
class AcademieAdmin(LectureSeule):
    list_display = ["code", "nom", "region_academique"]
    search_fields = ["code", "nom"]


@admin.register(models.Departement)
class DepartementAdmin(LectureSeule):
    list_display = ["code", "nom", "region", "academie"]
    search_fields = ["code", "nom"]
    list_filter = ["region"]


@admin.register(models.EPCI)
class EPCIAdmin(LectureSeule):
    list_display = ["siren", "nom", "type", "population"]
    search_fields = ["siren", "nom"]
    list_filter = ["type"]


@admin.register(models.Commune)
class CommuneAdmin(LectureSeule):
    list_display = ["code_insee", "nom", "departement", "epci", "population", "superficie_km2"]
    search_fields = ["code_insee", "nom", "siren"]
    list_filter = ["type", "departement__region"]
    list_select_related = ["departement", "epci"]


@admin.register(models.Collectivite)
class CollectiviteAdmin(admin.ModelAdmin):
    """Only the référent numérique is editable; identity comes from the data."""

    list_display = ["code", "nom", "type", "siren"]
    search_fields = ["code", "nom", "siren"]
    list_filter = ["type"]
    readonly_fields = ["code", "nom", "type", "siren", "commune", "epci", "departement", "region", "modifie_le"]
    fields = [*readonly_fields, "referent_numerique", "courriel_referent"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(models.Competence)
class CompetenceAdmin(LectureSeule):
    list_display = ["niveau", "perimetre", "code_territoire", "collectivite", "origine", "depuis"]
    list_filter = ["niveau", "perimetre", "origine"]
    search_fields = ["code_territoire", "collectivite__nom", "collectivite__code"]
    list_select_related = ["collectivite"]


@admin.register(models.Circonscription)
class CirconscriptionAdmin(LectureSeule):
    list_display = ["code", "nom", "academie"]
    search_fields = ["code", "nom"]


class IPSInline(admin.TabularInline):
    model = models.IPS
    extra = 0
    can_delete = False
    fields = ["rentree", "valeur", "non_significatif", "national", "academique", "departemental", "source"]
    readonly_fields = fields


class EffectifInline(admin.TabularInline):
    model = models.Effectif
    extra = 0
    can_delete = False
    fields = ["rentree", "eleves", "classes", "source"]
    readonly_fields = fields


@admin.register(models.Etablissement)
class EtablissementAdmin(LectureSeule):
    list_display = ["uai", "nom", "niveau", "secteur", "commune", "collectivite_competente"]
    search_fields = ["uai", "recherche"]
    list_filter = ["niveau", "secteur", "departement"]
    list_select_related = ["commune", "collectivite_competente"]
    inlines = [EffectifInline, IPSInline]
