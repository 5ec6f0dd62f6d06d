"""Admin of the référentiels: drafts are editable; adopted and replaced versions are read-only.

State changes (adoption, amendments) go through the pages and services, never through the admin.
"""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from .models import Amendement, Item, Modification, Referentiel, Version


@admin.register(Referentiel)
class ReferentielAdmin(admin.ModelAdmin):
    list_display = ["titre", "niveau"]

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ItemInline(admin.TabularInline):
    model = Item
    extra = 0
    fields = ["ordre", "code", "domaine", "libelle", "obligatoire", "regle", "cout_bas", "cout_typique", "cout_haut"]

    def _modifiable(self, obj: Version | None) -> bool:
        return obj is None or not obj.figee

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._modifiable(obj) and super().has_change_permission(request, obj)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._modifiable(obj) and super().has_add_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._modifiable(obj) and super().has_delete_permission(request, obj)


@admin.register(Version)
class VersionAdmin(admin.ModelAdmin):
    list_display = ["referentiel", "numero", "etat", "a_valider", "adoptee_le"]
    list_filter = ["referentiel", "etat"]
    readonly_fields = ["referentiel", "numero", "etat", "adoptee_le", "remplacee_le", "decision_ref"]
    inlines = [ItemInline]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # versions are born from the services (draft, amendment)

    def has_change_permission(self, request: HttpRequest, obj: Version | None = None) -> bool:
        return (obj is None or not obj.figee) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Version | None = None) -> bool:
        return obj is not None and not obj.figee and super().has_delete_permission(request, obj)


class ModificationInline(admin.TabularInline):
    model = Modification
    extra = 0
    can_delete = False
    readonly_fields = ["operation", "code", "donnees"]

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Amendement)
class AmendementAdmin(admin.ModelAdmin):
    list_display = ["titre", "referentiel", "organisation", "etat", "cree_le"]
    list_filter = ["referentiel", "etat"]
    inlines = [ModificationInline]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
