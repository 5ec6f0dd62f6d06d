from typing import Any

from django import forms
from django.forms import formset_factory

from .models import Volet

NEGATIF = "Le montant ne peut pas être négatif."


def _montant(label: str, required: bool = False) -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        min_value=0,
        max_digits=12,
        decimal_places=2,
        required=required,
        error_messages={"min_value": NEGATIF, "invalid": "Saisissez un montant en euros (par exemple 1250,50)."},
    )


class EcoleSimuleeForm(forms.Form):
    uai = forms.CharField(
        label="UAI", max_length=8, required=False, help_text="Facultatif : reprend le nom, les classes et les élèves."
    )
    libelle = forms.CharField(label="École", max_length=200, required=False, help_text="Nom libre, facultatif.")
    classes = forms.IntegerField(label="Classes", min_value=0, max_value=1000, required=False)
    eleves = forms.IntegerField(label="Élèves", min_value=0, max_value=10000, required=False)
    equipement = _montant("Équipement (€ TTC)")
    services = _montant("Services et ressources (€ TTC)")
    accompagnement = _montant("Accompagnement (€ TTC)")

    def clean(self) -> dict[str, Any]:
        donnees = super().clean() or {}
        uai = (donnees.get("uai") or "").strip().upper()
        if uai:
            from territoires.models import Etablissement

            etablissement = Etablissement.objects.filter(uai=uai).first()
            if etablissement is None:
                raise forms.ValidationError(f"UAI « {uai} » inconnu.")
            donnees["libelle"] = donnees.get("libelle") or etablissement.nom
            if donnees.get("classes") is None:
                donnees["classes"] = etablissement.classes or 0
            if donnees.get("eleves") is None:
                donnees["eleves"] = etablissement.eleves or 0
        elif self.has_changed() and (donnees.get("classes") is None or donnees.get("eleves") is None):
            raise forms.ValidationError("Indiquez l'UAI de l'école, ou ses classes et ses élèves.")
        return donnees


EcolesSimuleesFormSet = formset_factory(EcoleSimuleeForm, extra=3, max_num=50, validate_max=True)


class ProjetForm(forms.Form):
    projet_pedagogique = forms.CharField(
        label="Projet pédagogique",
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text="Les usages visés par l'équipe de l'école : l'équipement suit la pédagogie.",
    )
    classes = forms.IntegerField(label="Classes concernées", min_value=0, max_value=1000)
    eleves = forms.IntegerField(label="Élèves concernés", min_value=0, max_value=10000)
    devis = forms.FileField(
        label="Devis (PDF)",
        required=False,
        help_text="Un fichier PDF de 10 Mo au plus.",
        widget=forms.FileInput(attrs={"accept": "application/pdf,.pdf"}),
    )


class ProjetPedagogiqueForm(forms.Form):
    projet_pedagogique = forms.CharField(
        label="Projet pédagogique",
        widget=forms.Textarea(attrs={"rows": 10}),
        help_text="Les usages visés par l'équipe : l'équipement suit la pédagogie.",
    )


class LigneForm(forms.Form):
    volet = forms.ChoiceField(
        label="Volet", choices=[("", "—"), *Volet.choices], required=False, help_text="Vide : celui de l'item."
    )
    item_code = forms.CharField(label="Item du référentiel", max_length=60, required=False)
    libelle = forms.CharField(label="Libellé", max_length=255, required=False)
    quantite = forms.IntegerField(
        label="Quantité", min_value=1, required=False, error_messages={"min_value": "La quantité doit être positive."}
    )
    prix_unitaire = _montant("Prix unitaire (€ TTC)")

    def __init__(self, *args: Any, items: dict[str, tuple[str, str]] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if items:
            self.fields["item_code"] = forms.ChoiceField(
                label="Item du référentiel",
                choices=[("", "—"), *((code, libelle) for code, (libelle, _) in items.items())],
                required=False,
            )

    def vide(self) -> bool:
        return not any(
            self.cleaned_data.get(f) not in (None, "") for f in ("volet", "libelle", "quantite", "prix_unitaire")
        )


LignesFormSet = formset_factory(LigneForm, extra=6, max_num=200, validate_max=True)


class MotifForm(forms.Form):
    motif = forms.CharField(label="Motif", widget=forms.Textarea(attrs={"rows": 3}))


class AccepterForm(forms.Form):
    montant = _montant("Montant accordé (€)", required=False)


class JSONTexteField(forms.CharField):
    """A JSON document typed in a textarea; the rule's own validation runs in the service."""

    widget = forms.Textarea(attrs={"rows": 12})

    def to_python(self, value: object) -> object:
        import json

        texte = super().to_python(value)
        try:
            return json.loads(texte)
        except ValueError as exc:
            raise forms.ValidationError(f"JSON invalide : {exc}") from None

    def prepare_value(self, value: object) -> object:
        import json

        return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, indent=2)


class RevisionForm(forms.Form):
    ouverture = forms.DateTimeField(label="Ouverture des dépôts", help_text="jj/mm/aaaa hh:mm")
    cloture = forms.DateTimeField(label="Clôture des dépôts", help_text="jj/mm/aaaa hh:mm")
    enveloppe_nationale = _montant("Enveloppe nationale (€)", required=True)
    eligibilite = JSONTexteField(label="Règle d'éligibilité (JSON)")
    financement = JSONTexteField(label="Règle de financement (JSON)")
    pieces = JSONTexteField(label="Pièces demandées (JSON)")
    vagues = JSONTexteField(label="Vagues (JSON)")
    notes = forms.CharField(label="Notes", widget=forms.Textarea(attrs={"rows": 3}), required=False)
