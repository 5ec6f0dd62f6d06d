"""Admin of the appels: read-only. Every change goes through the pages and services (revisions, envelopes,
transitions, payments), which check the rules and write the audit trail; the admin only shows."""

from typing import Any

from django.contrib import admin
from django.db import transaction
from django.http import HttpRequest

from core.audit import log_action

from .models import AppelAProjets, Dossier, Enveloppe, FinancementAnterieur, Paiement, Projet, Revision


class LectureSeule(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class RevisionInline(admin.TabularInline):
    model = Revision
    extra = 0
    fields = ["numero", "etat", "ouverture", "cloture", "enveloppe_nationale", "publiee_le", "motif"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(AppelAProjets)
class AppelAdmin(LectureSeule):
    list_display = ["titre", "millesime", "niveau", "code"]
    inlines = [RevisionInline]


@admin.register(Enveloppe)
class EnveloppeAdmin(LectureSeule):
    list_display = ["appel", "academie", "montant", "engage"]
    list_filter = ["appel"]


class ProjetInline(admin.TabularInline):
    model = Projet
    extra = 0
    fields = ["etablissement", "classes", "eleves", "etat", "motif"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Dossier)
class DossierAdmin(LectureSeule):
    list_display = ["pk", "appel", "collectivite", "academie", "etat", "vague", "montant_demande", "montant_accorde"]
    list_filter = ["appel", "etat", "academie"]
    search_fields = ["collectivite__nom", "projets__etablissement__uai"]
    list_select_related = ["appel", "collectivite", "academie"]
    inlines = [ProjetInline]


@admin.register(Paiement)
class PaiementAdmin(LectureSeule):
    list_display = ["dossier", "type", "montant", "cree_le"]


@admin.register(FinancementAnterieur)
class FinancementAnterieurAdmin(admin.ModelAdmin):
    """Past fundings (e.g. the lists of ENIR 2017 schools) are plain records the DNE may keep here."""

    list_display = ["etablissement", "code", "source"]
    list_filter = ["code"]
    raw_id_fields = ["etablissement"]
    search_fields = ["etablissement__uai", "etablissement__nom"]

    def save_model(self, request: HttpRequest, obj: FinancementAnterieur, form: Any, change: bool) -> None:
        with transaction.atomic():
            super().save_model(request, obj, form, change)
            log_action(obj.etablissement, "appels.financement_anterieur.enregistre", actor=request.user,
                       data={"code": obj.code, "source": obj.source})  # fmt: skip

    def delete_model(self, request: HttpRequest, obj: FinancementAnterieur) -> None:
        with transaction.atomic():
            log_action(obj.etablissement, "appels.financement_anterieur.supprime", actor=request.user,
                       data={"code": obj.code})  # fmt: skip
            super().delete_model(request, obj)
