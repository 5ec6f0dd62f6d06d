"""Forms of the comité's pages (rendered with ``includes/champ.html``)."""

from typing import Any

from django import forms

from .models import Issue, Mode, Nature, PointOrdreDuJour, Seance, TypePosition, TypeSeance


class PointForm(forms.Form):
    organisation = forms.ModelChoiceField(queryset=None, label="Au nom de", empty_label=None)
    titre = forms.CharField(label="Titre du point", max_length=200)
    description = forms.CharField(label="Description", widget=forms.Textarea(attrs={"rows": 4}), required=False)

    def __init__(self, *args: Any, organisations: Any, amendements: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = organisations
        if amendements is not None:
            self.fields["amendement"] = forms.ModelChoiceField(
                queryset=amendements,
                label="Amendement concerné (facultatif)",
                required=False,
                empty_label="Aucun",
            )


class InscrireForm(forms.Form):
    seance = forms.ModelChoiceField(queryset=Seance.objects.none(), label="Séance", empty_label=None)

    def __init__(self, *args: Any, seances: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["seance"].queryset = seances


class DeclinerForm(forms.Form):
    motif = forms.CharField(label="Motif du refus", widget=forms.Textarea(attrs={"rows": 3}))


class SeanceForm(forms.Form):
    type = forms.ChoiceField(label="Type", choices=TypeSeance.choices)
    groupe = forms.ModelChoiceField(queryset=None, label="Groupe de travail", required=False, empty_label="Aucun")
    titre = forms.CharField(label="Titre", max_length=200)
    date = forms.DateTimeField(
        label="Date et heure",
        widget=forms.DateTimeInput(format="%Y-%m-%dT%H:%M", attrs={"type": "datetime-local"}),
    )
    mode = forms.ChoiceField(label="Mode", choices=Mode.choices)
    lieu = forms.CharField(label="Lieu", required=False, max_length=200)
    lien_visio = forms.URLField(label="Lien de visioconférence", required=False, assume_scheme="https")

    def __init__(self, *args: Any, groupes: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["groupe"].queryset = groupes


class CompteRenduForm(forms.Form):
    texte = forms.CharField(label="Compte rendu", widget=forms.Textarea(attrs={"rows": 10}), required=False)


class InscriptionForm(forms.Form):
    organisation = forms.ModelChoiceField(queryset=None, label="Au titre de", empty_label=None)

    def __init__(self, *args: Any, organisations: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = organisations


class DecisionForm(forms.Form):
    point = forms.ModelChoiceField(
        queryset=PointOrdreDuJour.objects.none(), label="Point de l'ordre du jour", required=False, empty_label="Aucun"
    )
    nature = forms.ChoiceField(label="Nature", choices=Nature.choices)
    titre = forms.CharField(label="Objet", max_length=200)
    texte = forms.CharField(label="Texte soumis", widget=forms.Textarea(attrs={"rows": 4}), required=False)

    def __init__(self, *args: Any, points: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["point"].queryset = points


class PositionForm(forms.Form):
    organisation = forms.ModelChoiceField(queryset=None, label="Organisation présente", empty_label=None)
    position = forms.ChoiceField(label="Position", choices=TypePosition.choices)
    commentaire = forms.CharField(label="Commentaire", widget=forms.Textarea(attrs={"rows": 2}), required=False)

    def __init__(self, *args: Any, organisations: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = organisations


class ArreterForm(forms.Form):
    issue = forms.ChoiceField(label="Issue", choices=[c for c in Issue.choices if c[0] != Issue.EN_DELIBERATION])
    motif = forms.CharField(
        label="Motif (obligatoire en cas de rejet d'un amendement)",
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
    )


class DiscussionForm(forms.Form):
    amendement = forms.ModelChoiceField(queryset=None, label="Amendement à confier au groupe", empty_label=None)

    def __init__(self, *args: Any, amendements: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["amendement"].queryset = amendements


class MessageForm(forms.Form):
    texte = forms.CharField(label="Votre message", widget=forms.Textarea(attrs={"rows": 4}))


class DocumentForm(forms.Form):
    titre = forms.CharField(label="Titre du document", max_length=200)
    fichier = forms.FileField(
        label="Fichier",
        help_text="Format PDF uniquement, 10 Mo au maximum.",
        widget=forms.FileInput(attrs={"accept": "application/pdf,.pdf"}),
    )
