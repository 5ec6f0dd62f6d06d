"""Inventories of equipment, the price catalogue, stored diagnostics and territorial aggregates.

Invariants:
- an inventory line counts toward the référentiel item whose ``item_code`` it carries (codes are
  stable across référentiel versions); a line « hors service » is kept but not counted;
- a diagnostic is pinned to one référentiel version (and one catalogue version): adopting a new
  version creates new diagnostics and never rewrites those of the previous one;
- aggregates are plain sums of établissement figures (``diagnostics.engine.Synthese``), stored so
  that dashboards read one row.
"""

from typing import Any

from django.db import models
from django.urls import reverse

from core.fields import JSONTexte
from referentiels.rules import LONGUEUR_CODE


class Emplacement(models.TextChoices):
    CLASSE = "classe", "Une classe"
    SALLE = "salle", "Une salle (hors classe)"
    ECOLE = "ecole", "L'établissement (mutualisé)"


class EtatMateriel(models.TextChoices):
    BON = "bon", "En service"
    USAGE = "usage", "En service, vieillissant"
    HORS_SERVICE = "hors_service", "Hors service"


class CouvertureWifi(models.TextChoices):
    AUCUNE = "aucune", "Aucune salle"
    PARTIELLE = "partielle", "Moins de la moitié des salles"
    MAJORITAIRE = "majoritaire", "La moitié des salles ou plus"
    TOTALE = "totale", "Toutes les salles"


class Inventaire(models.Model):
    """The connectivity and services of an établissement; its equipment lines hang off the établissement."""

    etablissement = models.OneToOneField(
        "territoires.Etablissement", primary_key=True, on_delete=models.CASCADE, related_name="inventaire"
    )
    debit_mbits = models.PositiveIntegerField("débit internet (Mbit/s)", null=True, blank=True)
    salles_connectees = models.PositiveIntegerField(
        "salles de classe connectées", default=0, help_text="Filaire ou Wi-Fi."
    )
    couverture_wifi = models.CharField(
        "couverture Wi-Fi des salles", max_length=12, choices=CouvertureWifi.choices, default=CouvertureWifi.AUCUNE
    )
    internet_direction = models.BooleanField("connexion internet de la direction", default=False)
    ent = models.BooleanField("ENT ou service équivalent", default=False)
    ent_nom = models.CharField("nom de l'ENT", max_length=120, blank=True)
    filtrage = models.BooleanField("filtrage de l'accès à internet", default=False)
    charte = models.BooleanField("charte d'usage de l'internet", default=False)
    accompagnement = models.BooleanField("accompagnement à la prise en main reçu", default=False)
    maintenance = models.BooleanField("contrat de maintenance", default=False)
    publie = models.BooleanField(
        "publié par la collectivité",
        default=False,
        help_text="Un inventaire publié peut être lu par tous ; sinon seuls les agrégats sont publics.",
    )
    simule = models.BooleanField(
        "simulé", default=False, help_text="Données de démonstration générées par le simulateur, pas un relevé."
    )
    modifie_le = models.DateTimeField("modifié le", auto_now=True)

    class Meta:
        verbose_name = "inventaire"

    def __str__(self) -> str:
        return f"Inventaire de {self.etablissement_id}"

    def get_absolute_url(self) -> str:
        return reverse("diagnostics:etablissement", args=[self.etablissement_id])

    def get_abilities(self, user: Any) -> dict[str, bool]:
        from .permissions import abilities_for_inventaire

        return abilities_for_inventaire(user, self.etablissement, publie=self.publie)


# What the agent edits in the connectivity and services form (the rest is counted or simulated).
CHAMPS_CONNECTIVITE = (
    "debit_mbits",
    "salles_connectees",
    "couverture_wifi",
    "internet_direction",
    "ent",
    "ent_nom",
    "filtrage",
    "charte",
    "accompagnement",
    "maintenance",
    "publie",
)


class LigneInventaire(models.Model):
    etablissement = models.ForeignKey(
        "territoires.Etablissement", on_delete=models.CASCADE, related_name="lignes_inventaire", db_index=False
    )
    item_code = models.CharField("item du référentiel", max_length=LONGUEUR_CODE)
    designation = models.CharField("désignation", max_length=255, blank=True)
    quantite = models.PositiveIntegerField("quantité", default=1)
    emplacement = models.CharField("emplacement", max_length=10, choices=Emplacement.choices, default=Emplacement.ECOLE)
    emplacement_detail = models.CharField("précision de l'emplacement", max_length=120, blank=True)
    annee_acquisition = models.PositiveSmallIntegerField("année d'acquisition", null=True, blank=True)
    etat = models.CharField("état", max_length=12, choices=EtatMateriel.choices, default=EtatMateriel.BON)
    numero_serie = models.CharField("numéro de série", max_length=120, blank=True)
    simule = models.BooleanField("simulé", default=False)

    class Meta:
        verbose_name = "ligne d'inventaire"
        verbose_name_plural = "lignes d'inventaire"
        ordering = ["item_code", "id"]
        indexes = [models.Index(fields=["etablissement", "item_code"], name="diag_ligne_etab_item")]

    def __str__(self) -> str:
        return f"{self.quantite} × {self.designation or self.item_code}"


class Catalogue(models.Model):
    """A version of the national price catalogue (per item code: low, typical, high, with source and date)."""

    numero = models.PositiveIntegerField("numéro", unique=True)
    titre = models.CharField("titre", max_length=255)
    notes = models.TextField("notes", blank=True)
    publie_le = models.DateField("en vigueur depuis")

    class Meta:
        verbose_name = "catalogue de prix"
        verbose_name_plural = "catalogues de prix"
        ordering = ["-numero"]

    def __str__(self) -> str:
        return f"Catalogue de prix, version {self.numero}"


class Prix(models.Model):
    catalogue = models.ForeignKey(Catalogue, on_delete=models.CASCADE, related_name="prix")
    item_code = models.CharField("item", max_length=LONGUEUR_CODE)
    libelle = models.CharField("libellé", max_length=255)
    bas = models.DecimalField("bas (€)", max_digits=12, decimal_places=2, null=True, blank=True)
    typique = models.DecimalField("typique (€)", max_digits=12, decimal_places=2, null=True, blank=True)
    haut = models.DecimalField("haut (€)", max_digits=12, decimal_places=2, null=True, blank=True)
    unite = models.CharField("unité", max_length=60, blank=True)
    par_eleve = models.BooleanField("prix par élève", default=False)
    source = models.TextField("source", blank=True)
    date_source = models.CharField("date de la source", max_length=60, blank=True)
    non_confirme = models.BooleanField("non confirmé", default=False)

    class Meta:
        verbose_name = "prix"
        verbose_name_plural = "prix"
        ordering = ["catalogue_id", "id"]
        constraints = [models.UniqueConstraint(fields=["catalogue", "item_code"], name="diag_prix_unique")]

    def __str__(self) -> str:
        return f"{self.libelle} : {self.typique if self.typique is not None else 'prix inconnu'}"


class PrixCollectivite(models.Model):
    """A collectivité's own negotiated price for an item: it replaces the catalogue's typical price."""

    collectivite = models.ForeignKey("territoires.Collectivite", on_delete=models.CASCADE, related_name="prix_negocies")
    item_code = models.CharField("item", max_length=LONGUEUR_CODE)
    montant = models.DecimalField("prix négocié (€)", max_digits=12, decimal_places=2)
    source = models.CharField("source (marché, devis…)", max_length=255)
    date = models.DateField("date")

    class Meta:
        verbose_name = "prix négocié"
        verbose_name_plural = "prix négociés"
        constraints = [models.UniqueConstraint(fields=["collectivite", "item_code"], name="diag_prix_coll_unique")]

    def __str__(self) -> str:
        return f"{self.collectivite_id} — {self.item_code} : {self.montant} €"


class Diagnostic(models.Model):
    """An établissement against one référentiel version, priced with one catalogue version.

    Every row is rewritten by each national recomputation: the unique (établissement, version) index serves the
    lookups by établissement (no index of its own), and on PostgreSQL the table keeps free room in its pages
    (fillfactor, migration 0003) so that those rewrites are HOT updates, which touch no index.
    """

    etablissement = models.ForeignKey(
        "territoires.Etablissement", on_delete=models.CASCADE, related_name="diagnostics", db_index=False
    )
    version = models.ForeignKey("referentiels.Version", on_delete=models.PROTECT, related_name="diagnostics")
    catalogue = models.ForeignKey(Catalogue, null=True, on_delete=models.PROTECT, related_name="diagnostics")
    calcule_le = models.DateTimeField("calculé le")
    taux = models.DecimalField("taux de conformité", max_digits=5, decimal_places=4)
    au_socle = models.BooleanField("au niveau du socle")
    cout_socle = models.DecimalField("coût pour atteindre le socle (€)", max_digits=14, decimal_places=2)
    cout_optionnel = models.DecimalField("coût des items optionnels (€)", max_digits=14, decimal_places=2)
    cout_incomplet = models.BooleanField("coût incomplet (prix inconnus)")
    manquants = models.PositiveIntegerField("items requis manquants")
    indetermines = models.PositiveIntegerField("items indéterminés")
    lignes = JSONTexte("résultat par item")
    # Figures of the établissement at computation time, for the ETIC-style aggregates.
    eleves = models.PositiveIntegerField(null=True)
    classes = models.PositiveIntegerField(null=True)
    terminaux = models.PositiveIntegerField(default=0)
    affichages = models.PositiveIntegerField(default=0)
    salles_connectees = models.PositiveIntegerField(default=0)
    debit_mbits = models.PositiveIntegerField(null=True)
    ent = models.BooleanField(default=False)
    stock_date = models.PositiveIntegerField("matériels d'année connue", default=0)
    stock_ancien = models.PositiveIntegerField("matériels de plus de 5 ans", default=0)
    simule = models.BooleanField("simulé", default=False)

    class Meta:
        verbose_name = "diagnostic"
        constraints = [models.UniqueConstraint(fields=["etablissement", "version"], name="diag_unique_par_version")]

    def __str__(self) -> str:
        return f"Diagnostic de {self.etablissement_id} (version {self.version_id})"


class Echelon(models.TextChoices):
    NATION = "nation", "France"
    REGION = "region", "Région"
    ACADEMIE = "academie", "Académie"
    DEPARTEMENT = "departement", "Département"
    EPCI = "epci", "EPCI"
    COLLECTIVITE = "collectivite", "Collectivité"


class Agregat(models.Model):
    """The sums of a territory's établissements (all niveaux when ``niveau`` is empty)."""

    echelon = models.CharField("échelon", max_length=12, choices=Echelon.choices)
    code = models.CharField("code du territoire", max_length=40)
    niveau = models.CharField("niveau", max_length=10, blank=True)
    synthese = JSONTexte("sommes")
    ventilations = JSONTexte("ventilations d'équité", default=dict)
    calcule_le = models.DateTimeField("calculé le")

    class Meta:
        verbose_name = "agrégat territorial"
        verbose_name_plural = "agrégats territoriaux"
        constraints = [models.UniqueConstraint(fields=["echelon", "code", "niveau"], name="diag_agregat_unique")]

    def __str__(self) -> str:
        return f"{self.echelon} {self.code} {self.niveau or 'tous niveaux'}"


class Histogramme(models.Model):
    """The distribution of a large territory's per-établissement values, for its decile gaps after one edit.

    ``taux``: the conformity rates (ten-thousandths), ``terminaux``: terminals per 100 pupils (tenths, rounded
    down), each as ``[[distinct values, ascending], [counts]]`` of the diagnosed établissements. Kept for the
    échelons with breakdowns (nation, région, académie, département), per niveau and all niveaux.
    """

    echelon = models.CharField("échelon", max_length=12, choices=Echelon.choices)
    code = models.CharField("code du territoire", max_length=40)
    niveau = models.CharField("niveau", max_length=10, blank=True)
    taux = JSONTexte("taux de conformité")
    terminaux = JSONTexte("terminaux pour 100 élèves")

    class Meta:
        verbose_name = "histogramme territorial"
        constraints = [models.UniqueConstraint(fields=["echelon", "code", "niveau"], name="diag_histogramme_unique")]

    def __str__(self) -> str:
        return f"Histogramme {self.echelon} {self.code} {self.niveau or 'tous niveaux'}"


class Commentaire(models.Model):
    """A remark on an établissement's inventory (by its directeur or the collectivité)."""

    etablissement = models.ForeignKey(
        "territoires.Etablissement", on_delete=models.CASCADE, related_name="commentaires_inventaire"
    )
    auteur = models.ForeignKey("comptes.User", null=True, on_delete=models.SET_NULL, related_name="+")
    texte = models.TextField("commentaire")
    cree_le = models.DateTimeField("écrit le", auto_now_add=True)

    class Meta:
        verbose_name = "commentaire d'inventaire"
        ordering = ["-cree_le", "-id"]

    def __str__(self) -> str:
        return f"Commentaire sur {self.etablissement_id}"
