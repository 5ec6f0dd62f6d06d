"""Appels à projets, their revisions and envelopes; dossiers, projets per school, expense lines and pieces.

Invariants:
- an appel's rules (eligibility, funding, calendar, pieces) live on a *revision*; a published revision is
  frozen: changing an open appel is an explicit, audited new revision (``services.revision_publier``);
- a dossier is pinned to the revision it was filed under, and keeps it;
- the accepted amounts of an académie never exceed its envelope (``Enveloppe.engage`` ≤ ``montant``, locked
  with ``select_for_update`` by ``services.dossier_accepter``);
- amounts are ``Decimal`` with cents; expense lines are never negative (database constraint too).
"""

from decimal import Decimal
from functools import cached_property
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone

from territoires.models import Niveau

from . import rules


class AppelAProjets(models.Model):
    code = models.SlugField("code", max_length=60, unique=True)
    titre = models.CharField("titre", max_length=255)
    millesime = models.CharField("millésime", max_length=9)
    niveau = models.CharField("niveau visé", max_length=10, choices=Niveau.choices)
    description = models.TextField("description", blank=True)
    sources = models.TextField("sources", blank=True)
    cree_le = models.DateTimeField("créé le", auto_now_add=True)

    class Meta:
        verbose_name = "appel à projets"
        verbose_name_plural = "appels à projets"
        ordering = ["-millesime", "titre"]

    def __str__(self) -> str:
        return f"{self.titre} ({self.millesime})"

    def get_absolute_url(self) -> str:
        return reverse("appels:appel", args=[self.code])

    def revision_publiee(self) -> "Revision | None":
        return self.revisions.filter(etat=EtatRevision.PUBLIEE).first()

    def get_abilities(self, user: Any) -> dict[str, bool]:
        from .permissions import abilities_for_appel

        return abilities_for_appel(user, self)


class EtatRevision(models.TextChoices):
    BROUILLON = "brouillon", "Brouillon"
    PUBLIEE = "publiee", "Publiée"
    REMPLACEE = "remplacee", "Remplacée"


CHAMPS_FIGES = (
    "eligibilite",
    "financement",
    "pieces",
    "vagues",
    "ouverture",
    "cloture",
    "enveloppe_nationale",
    "notes",
)


class RevisionFigee(ValidationError):
    pass


def valider_pieces(pieces: Any) -> None:
    if not isinstance(pieces, list):
        raise ValidationError({"pieces": "Une liste de pièces est attendue."})
    for i, piece in enumerate(pieces, start=1):
        if not isinstance(piece, dict) or not str(piece.get("code", "")).strip() or not piece.get("libelle"):
            raise ValidationError({"pieces": f"Pièce {i} : « code » et « libelle » sont obligatoires."})


def valider_vagues(vagues: Any) -> None:
    if not isinstance(vagues, list):
        raise ValidationError({"vagues": "Une liste de vagues est attendue."})
    for i, vague in enumerate(vagues, start=1):
        if not isinstance(vague, dict) or "numero" not in vague or not vague.get("libelle"):
            raise ValidationError({"vagues": f"Vague {i} : « numero » et « libelle » sont obligatoires."})
        if not isinstance(vague["numero"], int) or isinstance(vague["numero"], bool) or vague["numero"] < 1:
            raise ValidationError({"vagues": f"Vague {i} : « numero » est un entier positif."})
        try:
            rules.choisir_vague([vague], Decimal(0))
        except rules.RegleInvalide as exc:
            raise ValidationError({"vagues": f"Vague {i} : {exc.message}"}) from None


class Revision(models.Model):
    """The rules of an appel as published at one time (Wagtail's RevisionMixin / DraftStateMixin)."""

    appel = models.ForeignKey(AppelAProjets, on_delete=models.PROTECT, related_name="revisions")
    numero = models.PositiveIntegerField("numéro")
    etat = models.CharField("état", max_length=12, choices=EtatRevision.choices, default=EtatRevision.BROUILLON)
    ouverture = models.DateTimeField("ouverture des dépôts")
    cloture = models.DateTimeField("clôture des dépôts")
    eligibilite = models.JSONField("règle d'éligibilité", default=dict)
    financement = models.JSONField("règle de financement", default=dict)
    pieces = models.JSONField("pièces demandées", default=list, blank=True)
    vagues = models.JSONField("vagues", default=list, blank=True)
    enveloppe_nationale = models.DecimalField("enveloppe nationale (€)", max_digits=14, decimal_places=2, default=0)
    enveloppe_source = models.CharField("source de l'enveloppe", max_length=500, blank=True)
    notes = models.TextField("notes", blank=True)
    motif = models.TextField("motif de la révision", blank=True)
    cree_le = models.DateTimeField("créée le", auto_now_add=True)
    publiee_le = models.DateTimeField("publiée le", null=True, blank=True)
    publiee_par = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = "révision d'appel à projets"
        verbose_name_plural = "révisions d'appels à projets"
        ordering = ["appel_id", "numero"]
        constraints = [
            models.UniqueConstraint(fields=["appel", "numero"], name="appels_revision_numero_unique"),
            models.UniqueConstraint(
                fields=["appel"], condition=models.Q(etat="publiee"), name="appels_une_revision_publiee"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.appel} — révision {self.numero}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            stored = Revision.objects.filter(pk=self.pk).values(*CHAMPS_FIGES, "etat").first()
            frozen = stored is not None and stored["etat"] != EtatRevision.BROUILLON
            if frozen and any(getattr(self, f) != stored[f] for f in CHAMPS_FIGES):
                raise RevisionFigee(
                    f"La révision {self.numero} est publiée : toute modification passe par une nouvelle révision."
                )
        super().save(*args, **kwargs)

    def clean(self) -> None:
        try:
            rules.lire_eligibilite(self.eligibilite)
        except rules.RegleInvalide as exc:
            raise ValidationError({"eligibilite": exc.args[0]}) from None
        try:
            rules.lire_financement(self.financement)
        except rules.RegleInvalide as exc:
            raise ValidationError({"financement": exc.args[0]}) from None
        valider_pieces(self.pieces)
        valider_vagues(self.vagues)
        if self.ouverture and self.cloture and self.cloture <= self.ouverture:
            raise ValidationError({"cloture": "La clôture doit suivre l'ouverture."})

    @cached_property
    def regle_eligibilite(self) -> rules.Expression:
        return rules.lire_eligibilite(self.eligibilite)

    @cached_property
    def regle_financement(self) -> rules.RegleFinancement:
        return rules.lire_financement(self.financement)

    def ouverte(self, instant: Any = None) -> bool:
        instant = instant or timezone.now()
        return self.etat == EtatRevision.PUBLIEE and self.ouverture <= instant < self.cloture

    @property
    def pieces_obligatoires(self) -> list[dict[str, Any]]:
        return [p for p in self.pieces if p.get("obligatoire")]


class Enveloppe(models.Model):
    """The share of an appel's envelope given to an académie; ``engage`` is the sum of accepted amounts."""

    appel = models.ForeignKey(AppelAProjets, on_delete=models.CASCADE, related_name="enveloppes")
    academie = models.ForeignKey("territoires.Academie", on_delete=models.PROTECT, related_name="+")
    montant = models.DecimalField("montant (€)", max_digits=14, decimal_places=2, validators=[MinValueValidator(0)])
    engage = models.DecimalField("engagé (€)", max_digits=14, decimal_places=2, default=Decimal("0.00"))

    class Meta:
        verbose_name = "enveloppe académique"
        verbose_name_plural = "enveloppes académiques"
        ordering = ["appel_id", "academie_id"]
        constraints = [
            models.UniqueConstraint(fields=["appel", "academie"], name="appels_enveloppe_unique"),
            models.CheckConstraint(
                condition=models.Q(engage__lte=models.F("montant")), name="appels_enveloppe_non_depassee"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.appel} — {self.academie}"

    @property
    def disponible(self) -> Decimal:
        return self.montant - self.engage


class FinancementAnterieur(models.Model):
    """An établissement funded before by a programme (``financement.<code>`` in eligibility rules)."""

    etablissement = models.ForeignKey(
        "territoires.Etablissement", on_delete=models.CASCADE, related_name="financements_anterieurs"
    )
    code = models.SlugField("programme", max_length=60)
    source = models.CharField("source", max_length=255, blank=True)

    class Meta:
        verbose_name = "financement antérieur"
        verbose_name_plural = "financements antérieurs"
        constraints = [models.UniqueConstraint(fields=["etablissement", "code"], name="appels_financement_unique")]

    def __str__(self) -> str:
        return f"{self.etablissement_id} — {self.code}"


class EtatDossier(models.TextChoices):
    BROUILLON = "brouillon", "Brouillon"
    DEPOSE = "depose", "Déposé"
    EN_INSTRUCTION = "en_instruction", "En instruction"
    COMPLEMENTS = "complements", "Compléments demandés"
    ACCEPTE = "accepte", "Accepté"
    REFUSE = "refuse", "Refusé"
    SANS_SUITE = "sans_suite", "Classé sans suite"


class Dossier(models.Model):
    appel = models.ForeignKey(AppelAProjets, on_delete=models.PROTECT, related_name="dossiers")
    revision = models.ForeignKey(
        Revision,
        verbose_name="révision de l'appel",
        on_delete=models.PROTECT,
        related_name="dossiers",
        help_text="La révision sous laquelle le dossier a été créé ; il la garde.",
    )
    collectivite = models.ForeignKey(
        "territoires.Collectivite", verbose_name="collectivité", on_delete=models.PROTECT, related_name="dossiers"
    )
    academie = models.ForeignKey(
        "territoires.Academie", verbose_name="académie", on_delete=models.PROTECT, related_name="+"
    )
    etat = models.CharField("état", max_length=16, choices=EtatDossier.choices, default=EtatDossier.BROUILLON)
    cle_idempotence = models.CharField("clé d'idempotence", max_length=64, unique=True)
    montant_demande = models.DecimalField(
        "subvention demandée (€)", max_digits=14, decimal_places=2, default=Decimal("0.00")
    )
    montant_accorde = models.DecimalField(
        "subvention accordée (€)", max_digits=14, decimal_places=2, null=True, blank=True
    )
    motif = models.TextField("dernier motif", blank=True)
    vague = models.PositiveSmallIntegerField("vague", null=True, blank=True)
    cree_par = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    cree_le = models.DateTimeField("créé le", auto_now_add=True)
    depose_le = models.DateTimeField("déposé le", null=True, blank=True)
    decide_le = models.DateTimeField("décidé le", null=True, blank=True)
    modifie_le = models.DateTimeField("modifié le", auto_now=True)

    class Meta:
        verbose_name = "dossier"
        ordering = ["-cree_le", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["appel", "collectivite"], name="appels_un_dossier_par_collectivite"),
        ]
        indexes = [models.Index(fields=["academie", "etat"])]

    def __str__(self) -> str:
        return f"Dossier n° {self.pk} — {self.collectivite} — {self.appel.titre}"

    def get_absolute_url(self) -> str:
        return reverse("appels:dossier", args=[self.pk])

    def get_abilities(self, user: Any) -> dict[str, bool]:
        from .permissions import abilities_for_dossier

        return abilities_for_dossier(user, self)


class EtatProjet(models.TextChoices):
    A_VALIDER = "a_valider", "À valider par l'IEN"
    VALIDE = "valide", "Validé"
    A_REPRENDRE = "a_reprendre", "Renvoyé pour reprise"


class Projet(models.Model):
    """The projet pédagogique of one school of a dossier, validated by the IEN of its circonscription."""

    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="projets")
    etablissement = models.ForeignKey("territoires.Etablissement", on_delete=models.PROTECT, related_name="+")
    classes = models.PositiveIntegerField("classes concernées")
    eleves = models.PositiveIntegerField("élèves concernés")
    projet_pedagogique = models.TextField("projet pédagogique")
    etat = models.CharField("validation", max_length=12, choices=EtatProjet.choices, default=EtatProjet.A_VALIDER)
    motif = models.TextField("motif du renvoi", blank=True)
    valide_par = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    valide_le = models.DateTimeField("validé le", null=True, blank=True)

    class Meta:
        verbose_name = "projet d'école"
        ordering = ["dossier_id", "etablissement__nom"]
        constraints = [models.UniqueConstraint(fields=["dossier", "etablissement"], name="appels_projet_unique")]

    def __str__(self) -> str:
        return f"Projet de {self.etablissement}"

    def get_abilities(self, user: Any) -> dict[str, bool]:
        from .permissions import abilities_for_projet

        return abilities_for_projet(user, self)


class Volet(models.TextChoices):
    EQUIPEMENT = "equipement", "Équipement"
    SERVICES = "services", "Services et ressources"
    ACCOMPAGNEMENT = "accompagnement", "Accompagnement"


class LigneDepense(models.Model):
    projet = models.ForeignKey(Projet, on_delete=models.CASCADE, related_name="lignes")
    volet = models.CharField("volet", max_length=16, choices=Volet.choices)
    item_code = models.CharField("item du référentiel", max_length=60, blank=True)
    libelle = models.CharField("libellé", max_length=255)
    quantite = models.PositiveIntegerField("quantité")
    prix_unitaire = models.DecimalField(
        "prix unitaire TTC (€)", max_digits=12, decimal_places=2, validators=[MinValueValidator(0)]
    )

    class Meta:
        verbose_name = "ligne de dépense"
        verbose_name_plural = "lignes de dépense"
        ordering = ["projet_id", "id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(prix_unitaire__gte=0), name="appels_prix_positif"),
        ]

    def __str__(self) -> str:
        return f"{self.libelle} × {self.quantite}"

    @property
    def montant(self) -> Decimal:
        return self.prix_unitaire * self.quantite


def chemin_piece(instance: "Piece", filename: str) -> str:
    return f"appels/dossiers/{instance.dossier_id}/{instance.code}-{timezone.now():%Y%m%d%H%M%S}.pdf"


class Piece(models.Model):
    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="pieces")
    projet = models.ForeignKey(Projet, null=True, blank=True, on_delete=models.CASCADE, related_name="pieces")
    code = models.SlugField("pièce", max_length=60)
    nom = models.CharField("nom du fichier", max_length=255)
    fichier = models.FileField("fichier", upload_to=chemin_piece)
    taille = models.PositiveIntegerField("taille (octets)")
    depose_le = models.DateTimeField("déposée le", auto_now_add=True)

    class Meta:
        verbose_name = "pièce justificative"
        verbose_name_plural = "pièces justificatives"
        ordering = ["dossier_id", "code", "id"]

    def __str__(self) -> str:
        return self.nom


class TypePaiement(models.TextChoices):
    AVANCE = "avance", "Avance"
    SOLDE = "solde", "Solde"


class Paiement(models.Model):
    """A payment of a granted subsidy: the advance, then the balance on the justified expenses."""

    dossier = models.ForeignKey(Dossier, on_delete=models.PROTECT, related_name="paiements")
    type = models.CharField("type", max_length=8, choices=TypePaiement.choices)
    montant = models.DecimalField("montant (€)", max_digits=14, decimal_places=2, validators=[MinValueValidator(0)])
    depenses_justifiees = models.JSONField("dépenses justifiées", default=dict, blank=True)
    explication = models.JSONField("calcul", default=list, blank=True)
    cree_le = models.DateTimeField("enregistré le", auto_now_add=True)
    cree_par = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = "paiement"
        ordering = ["dossier_id", "cree_le", "id"]
        constraints = [
            models.UniqueConstraint(fields=["dossier", "type"], name="appels_un_paiement_par_type"),
            models.CheckConstraint(condition=models.Q(montant__gte=0), name="appels_paiement_positif"),
        ]

    def __str__(self) -> str:
        return f"{self.get_type_display()} du dossier n° {self.dossier_id}"


class Message(models.Model):
    """A message of the thread between the applicant (the collectivité) and the instruction, on one dossier."""

    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="messages")
    auteur = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    de_l_instruction = models.BooleanField("écrit par l'instruction", default=False)
    texte = models.TextField("message")
    cree_le = models.DateTimeField("écrit le", auto_now_add=True)

    class Meta:
        verbose_name = "message"
        ordering = ["dossier_id", "cree_le", "id"]

    def __str__(self) -> str:
        return f"Message sur le dossier n° {self.dossier_id}"


class Annotation(models.Model):
    """A private note of the instruction on a dossier: never shown to the applicant."""

    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="annotations")
    auteur = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    texte = models.TextField("annotation")
    cree_le = models.DateTimeField("écrite le", auto_now_add=True)

    class Meta:
        verbose_name = "annotation privée"
        verbose_name_plural = "annotations privées"
        ordering = ["dossier_id", "cree_le", "id"]

    def __str__(self) -> str:
        return f"Annotation sur le dossier n° {self.dossier_id}"


class Avis(models.Model):
    """An opinion asked by the instruction from a named person or organisation (e.g. the DAN), with the answer."""

    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="avis")
    destinataire = models.CharField("avis demandé à", max_length=255)
    question = models.TextField("question")
    demande_par = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    demande_le = models.DateTimeField("demandé le", auto_now_add=True)
    reponse = models.TextField("réponse", blank=True)
    repondu_le = models.DateTimeField("répondu le", null=True, blank=True)

    class Meta:
        verbose_name = "avis"
        verbose_name_plural = "avis"
        ordering = ["dossier_id", "demande_le", "id"]

    def __str__(self) -> str:
        return f"Avis de {self.destinataire} sur le dossier n° {self.dossier_id}"
