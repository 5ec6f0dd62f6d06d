"""The administration (/gestion/) is for Socle's operators only: they grant memberships there."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from core.audit import log_action

from .models import Membership, Organisation, User


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["organisation"]
    fields = ["organisation", "role", "depuis"]
    readonly_fields = ["depuis"]


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    inlines = [MembershipInline]
    list_display = ["username", "first_name", "last_name", "email", "is_active", "is_staff"]
    search_fields = ["username", "first_name", "last_name", "email", "oidc_sub"]
    readonly_fields = ["oidc_sub", "last_login", "date_joined"]
    fieldsets = (
        *DjangoUserAdmin.fieldsets,
        ("ProConnect", {"fields": ["oidc_sub"]}),
    )

    def save_formset(self, request, form, formset, change):
        instances = formset.save(commit=False)
        for obj in formset.deleted_objects:
            log_action(obj.user, "comptes.rattachement.retire", actor=request.user, data=_membership_data(obj))
            obj.delete()
        for obj in instances:
            obj.save()
            log_action(obj.user, "comptes.rattachement.accorde", actor=request.user, data=_membership_data(obj))
        formset.save_m2m()


def _membership_data(membership: Membership) -> dict:
    return {
        "organisation": membership.organisation_id,
        "organisation_nom": membership.organisation.nom,
        "role": membership.role,
    }


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["nom", "type", "sigle", "siren"]
    list_filter = ["type"]
    search_fields = ["nom", "sigle", "siren"]
    raw_id_fields = ["collectivite", "etablissement", "circonscription", "academie"]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "organisation", "role", "depuis"]
    list_filter = ["role"]
    search_fields = ["user__username", "user__last_name", "organisation__nom"]
    autocomplete_fields = ["user", "organisation"]
    list_select_related = ["user", "organisation"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        log_action(obj.user, "comptes.rattachement.accorde", actor=request.user, data=_membership_data(obj))

    def delete_model(self, request, obj):
        log_action(obj.user, "comptes.rattachement.retire", actor=request.user, data=_membership_data(obj))
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset.select_related("user", "organisation"):
            log_action(obj.user, "comptes.rattachement.retire", actor=request.user, data=_membership_data(obj))
        super().delete_queryset(request, queryset)
