from typing import Any

from django import forms

from comptes.models import Organisation, Role
from territoires.models import Niveau

from . import rules
from .models import Domaine, Operation

OUI_NON = [("", "Inchangé"), ("oui", "Oui"), ("non", "Non")]
TYPES_REGLE = [("", "Choisir (ou laisser inchangée)"), *rules.TYPES_REGLE.items()]


def organisations_du_comite(user: Any) -> Any:
    """The organisations through which ``user`` may propose an amendment."""
    return Organisation.objects.filter(
        memberships__user=user, memberships__role__in=[Role.MEMBRE_COMITE, Role.DNE]
    ).distinct()


class ModificationForm(forms.Form):
    """One change of an amendment: add, change or remove an item."""

    operation = forms.ChoiceField(label="Nature de la modification", choices=Operation.choices)
    code = forms.CharField(
        label="Code de l'item",
        max_length=rules.LONGUEUR_CODE,
        help_text="Code d'un item existant (modification, suppression) ou nouveau code (ajout) : "
        "lettres sans accent, chiffres, « - ».",
    )
    domaine = forms.ChoiceField(label="Domaine", choices=[("", "Inchangé"), *Domaine.choices], required=False)
    libelle = forms.CharField(label="Libellé", max_length=255, required=False)
    description = forms.CharField(label="Description", widget=forms.Textarea(attrs={"rows": 3}), required=False)
    obligatoire = forms.ChoiceField(label="Obligatoire", choices=OUI_NON, required=False)
    regle_type = forms.ChoiceField(label="Règle de quantité", choices=TYPES_REGLE, required=False)
    quantite = forms.IntegerField(label="Quantité", min_value=1, required=False)
    classes = forms.IntegerField(label="Pour combien de classes", min_value=1, required=False)
    eleves = forms.IntegerField(label="Pour combien d'élèves", min_value=1, required=False)
    mbits = forms.IntegerField(label="Débit minimum (Mbit/s)", min_value=1, required=False)
    regle_source = forms.CharField(label="Source de la règle", max_length=500, required=False)
    cout_bas = forms.DecimalField(label="Coût bas (€)", min_value=0, decimal_places=2, required=False)
    cout_typique = forms.DecimalField(label="Coût typique (€)", min_value=0, decimal_places=2, required=False)
    cout_haut = forms.DecimalField(label="Coût haut (€)", min_value=0, decimal_places=2, required=False)
    cout_unite = forms.CharField(label="Unité du coût", max_length=60, required=False)
    cout_source = forms.CharField(label="Source du coût", widget=forms.Textarea(attrs={"rows": 2}), required=False)
    cout_non_confirme = forms.ChoiceField(label="Coût non confirmé", choices=OUI_NON, required=False)

    # The service's error codes name rule fields; the form calls some of them differently.
    CHAMPS_SERVICE = {"type": "regle_type", "source": "regle_source"}

    def modification(self) -> dict[str, Any]:
        """The change as the service takes it; for a change, only the fields filled in."""
        data = self.cleaned_data
        operation, code = data["operation"], data["code"].strip()
        if operation == Operation.SUPPRESSION:
            return {"operation": operation, "code": code}
        donnees: dict[str, Any] = {}
        for champ in ("domaine", "libelle", "description", "cout_unite", "cout_source"):
            if data.get(champ):
                donnees[champ] = data[champ]
        for champ in ("cout_bas", "cout_typique", "cout_haut"):
            if data.get(champ) is not None:
                donnees[champ] = str(data[champ])
        for champ in ("obligatoire", "cout_non_confirme"):
            if data.get(champ):
                donnees[champ] = data[champ] == "oui"
        if data.get("regle_type"):
            regle: dict[str, Any] = {"type": data["regle_type"]}
            for champ in ("quantite", "classes", "eleves", "mbits"):
                if data.get(champ) is not None:
                    regle[champ] = data[champ]
            if data.get("regle_source"):
                regle["source"] = data["regle_source"]
            donnees["regle"] = regle
        if operation == Operation.AJOUT:
            donnees.setdefault("obligatoire", True)
            if "regle" not in donnees:
                donnees["regle"] = None  # the service explains that a rule is needed
        return {"operation": operation, "code": code, "donnees": donnees}


class AmendementForm(ModificationForm):
    """An amendment with its first change; the proposing organisation adds more while it is « proposé »."""

    organisation = forms.ModelChoiceField(label="Organisation qui propose", queryset=Organisation.objects.none())
    titre = forms.CharField(label="Titre de l'amendement", max_length=255)
    expose_motifs = forms.CharField(label="Exposé des motifs", widget=forms.Textarea(attrs={"rows": 5}))

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        queryset = organisations_du_comite(user)
        self.fields["organisation"].queryset = queryset
        if queryset.count() == 1:
            self.fields["organisation"].initial = queryset.first().pk


class RejetForm(forms.Form):
    motif = forms.CharField(label="Motif du rejet", widget=forms.Textarea(attrs={"rows": 3}))
    decision_ref = forms.CharField(label="Référence de la décision", max_length=255, required=False)


class AdoptionForm(forms.Form):
    # An amendment is adopted by the plenary: adopting it here records that decision, so it must be cited.
    decision_ref = forms.CharField(
        label="Référence de la décision de la plénière",
        max_length=255,
        help_text="Par exemple : décision 2026-004, plénière du 12 mai 2026.",
    )


class DiffForm(forms.Form):
    de = forms.IntegerField(label="Depuis la version", min_value=1)
    a = forms.IntegerField(label="Jusqu'à la version", min_value=1)


class SimulationForm(forms.Form):
    """An établissement profile, to show what each item requires of it."""

    classes = forms.IntegerField(label="Nombre de classes", min_value=0, max_value=rules.MAXIMUM, required=False)
    eleves = forms.IntegerField(label="Nombre d'élèves", min_value=0, max_value=rules.MAXIMUM, required=False)


NIVEAUX = [n for n, _ in Niveau.choices]
