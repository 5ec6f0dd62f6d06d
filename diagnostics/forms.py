from django import forms

from .models import CHAMPS_CONNECTIVITE, Emplacement, EtatMateriel, Inventaire

ANNEE_MIN = 1980


class ConnectiviteForm(forms.ModelForm):
    class Meta:
        model = Inventaire
        fields = CHAMPS_CONNECTIVITE


class LigneForm(forms.Form):
    item_code = forms.ChoiceField(label="Item du référentiel")
    designation = forms.CharField(label="Désignation (modèle, marque)", max_length=255, required=False)
    quantite = forms.IntegerField(label="Quantité", min_value=1, max_value=10_000, initial=1)
    emplacement = forms.ChoiceField(label="Emplacement", choices=Emplacement.choices, initial=Emplacement.CLASSE)
    emplacement_detail = forms.CharField(label="Précision (classe, salle)", max_length=120, required=False)
    annee_acquisition = forms.IntegerField(label="Année d'acquisition", required=False, min_value=ANNEE_MIN)
    etat = forms.ChoiceField(label="État", choices=EtatMateriel.choices, initial=EtatMateriel.BON)
    numero_serie = forms.CharField(label="Numéro de série", max_length=120, required=False)

    def __init__(self, *args, codes: dict[str, str], annee: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["item_code"].choices = [(c, f"{libelle} ({c})") for c, libelle in codes.items()]
        self.fields["annee_acquisition"] = forms.IntegerField(
            label="Année d'acquisition", required=False, min_value=ANNEE_MIN, max_value=annee
        )


class ImportForm(forms.Form):
    fichier = forms.FileField(
        label="Fichier d'inventaire",
        help_text="CSV (séparateur « ; »), XLSX ou ODS selon le modèle, ou inventaire GLPI (JSON) ; 5 Mo au plus.",
        widget=forms.FileInput(attrs={"accept": ".csv,.xlsx,.ods,.json"}),
    )
    uai = forms.ChoiceField(
        label="Établissement de l'inventaire GLPI",
        required=False,
        help_text="Seulement pour un fichier JSON GLPI (les fichiers du modèle donnent l'UAI à chaque ligne).",
    )

    def __init__(self, *args, etablissements: dict | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["uai"].choices = [("", "—")] + [
            (uai, f"{e.nom} ({uai})") for uai, e in sorted((etablissements or {}).items(), key=lambda t: t[1].nom)
        ]


class CommentaireForm(forms.Form):
    texte = forms.CharField(label="Commentaire", widget=forms.Textarea(attrs={"rows": 3}), max_length=5000)


class PrixNegocieForm(forms.Form):
    collectivite = forms.ChoiceField(label="Collectivité")
    item_code = forms.ChoiceField(label="Item")
    montant = forms.DecimalField(label="Prix négocié (€)", min_value=0, max_digits=12, decimal_places=2)
    source = forms.CharField(label="Source (marché, devis…)", max_length=255)
    date = forms.DateField(label="Date (jj/mm/aaaa)", input_formats=["%d/%m/%Y", "%Y-%m-%d"])

    def __init__(self, *args, collectivites: list, codes: dict[str, str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["collectivite"].choices = [(c.pk, c.nom) for c in collectivites]
        self.fields["item_code"].choices = [(c, f"{libelle} ({c})") for c, libelle in codes.items()]
