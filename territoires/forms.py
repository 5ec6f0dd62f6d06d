"""Forms of the territoires pages. Validation only: the writes are in ``services.py``."""

import datetime as dt
from typing import Any

from django import forms
from django.core.validators import RegexValidator
from django.db.models import Q

from .models import Collectivite, Etablissement, TypeCollectivite

TELEPHONE = RegexValidator(
    r"^\+?[0-9 .\-()]{6,30}$",
    "Saisissez un numéro de téléphone valide, par exemple « 02 99 00 00 00 » ou « +33 2 99 00 00 00 ».",
)


class VersionForm(forms.Form):
    """Carries the ``modifie_le`` of the object as read, to detect a concurrent edit."""

    version = forms.CharField(widget=forms.HiddenInput)

    def clean_version(self) -> dt.datetime:
        try:
            return dt.datetime.fromisoformat(self.cleaned_data["version"])
        except ValueError as exc:
            raise forms.ValidationError("Version de la fiche illisible : rechargez la page.") from exc

    @staticmethod
    def version_of(obj: Any) -> str:
        return obj.modifie_le.isoformat() if obj.modifie_le else ""


class EtablissementForm(VersionForm):
    telephone = forms.CharField(label="Téléphone", max_length=30, required=False, validators=[TELEPHONE])
    courriel = forms.EmailField(
        label="Courriel", max_length=255, required=False, help_text="Format attendu : nom@domaine.fr"
    )
    site_web = forms.URLField(
        label="Site web",
        max_length=255,
        required=False,
        assume_scheme="https",
        help_text="Format attendu : https://www.exemple.fr",
    )
    adresse = forms.CharField(label="Adresse", max_length=255, required=False)

    FIELDS = ("telephone", "courriel", "site_web", "adresse")

    @classmethod
    def for_object(cls, etablissement: Etablissement) -> "EtablissementForm":
        initial = {name: getattr(etablissement, name) for name in cls.FIELDS}
        return cls(initial={**initial, "version": cls.version_of(etablissement)})


class CollectiviteForm(VersionForm):
    referent_numerique = forms.CharField(
        label="Référent numérique", max_length=255, required=False, help_text="Nom et fonction de la personne."
    )
    courriel_referent = forms.EmailField(
        label="Courriel du référent", required=False, help_text="Format attendu : nom@domaine.fr"
    )

    FIELDS = ("referent_numerique", "courriel_referent")

    @classmethod
    def for_object(cls, collectivite: Collectivite) -> "CollectiviteForm":
        initial = {name: getattr(collectivite, name) for name in cls.FIELDS}
        return cls(initial={**initial, "version": cls.version_of(collectivite)})


def collectivites_possibles(collectivite: Collectivite) -> Any:
    """Where a commune may transfer its écoles: its EPCI's collectivité, or an existing syndicat."""
    condition = Q(type=TypeCollectivite.SYNDICAT)
    commune = collectivite.commune
    if commune is not None and commune.epci_id:
        condition |= Q(epci_id=commune.epci_id)
    return Collectivite.objects.filter(condition).exclude(pk=collectivite.pk).order_by("type", "nom")


class CompetenceTransfertForm(forms.Form):
    collectivite = forms.ModelChoiceField(
        label="Collectivité qui reçoit la compétence",
        queryset=Collectivite.objects.none(),
        empty_label="Choisissez l'EPCI ou le syndicat",
        error_messages={"invalid_choice": "Choisissez l'EPCI de la commune ou un syndicat existant."},
    )
    depuis = forms.DateField(
        label="Date d'effet",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text="Format attendu : jj/mm/aaaa",
    )
    fondement = forms.CharField(
        label="Fondement (délibération)",
        max_length=255,
        help_text="Par exemple « Délibération du conseil municipal n° 2026-12 du 3 mars 2026 ».",
    )

    def __init__(self, *args: Any, commune_collectivite: Collectivite, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["collectivite"].queryset = collectivites_possibles(commune_collectivite)
