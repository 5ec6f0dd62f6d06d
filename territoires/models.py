"""Territories, collectivités and établissements, from the national open data.

Every figure that comes from a file keeps the ``DataSource`` it came from, so that pages can
credit it ("Source : …, Licence Ouverte 2.0").
"""

from decimal import Decimal
from typing import Any

from django.db import models
from django.urls import reverse


class Niveau(models.TextChoices):
    ECOLE = "ecole", "École"
    COLLEGE = "college", "Collège"
    LYCEE = "lycee", "Lycée"


class Secteur(models.TextChoices):
    PUBLIC = "public", "Public"
    PRIVE_SOUS_CONTRAT = "prive_sous_contrat", "Privé sous contrat"
    PRIVE = "prive", "Privé (contrat non précisé)"
    INCONNU = "", "Non renseigné"


class DataSource(models.Model):
    """One open-data file as imported: what it is, who publishes it, and which version we hold."""

    code = models.SlugField("code", max_length=80, unique=True)
    titre = models.CharField("titre", max_length=255)
    producteur = models.CharField("producteur", max_length=255)
    licence = models.CharField("licence", max_length=100, default="Licence Ouverte 2.0")
    url = models.URLField("adresse officielle", max_length=500, blank=True)
    millesime = models.CharField("millésime", max_length=50, blank=True)
    fichier = models.CharField("fichier", max_length=255, blank=True)
    empreinte = models.CharField("empreinte SHA-256", max_length=64, blank=True)
    perimetre = models.CharField(
        "périmètre importé",
        max_length=255,
        blank=True,
        help_text="Départements auxquels l'import des établissements a été restreint (vide : toute la France).",
    )
    importe_le = models.DateTimeField("importé le", null=True, blank=True)

    class Meta:
        verbose_name = "source de données"
        verbose_name_plural = "sources de données"
        ordering = ["code"]

    def __str__(self) -> str:
        return self.titre

    @property
    def credit(self) -> str:
        return f"Source : {self.producteur}, {self.licence}" + (f" ({self.millesime})" if self.millesime else "")


class Region(models.Model):
    code = models.CharField("code INSEE", max_length=3, primary_key=True)
    nom = models.CharField("nom", max_length=100)

    class Meta:
        verbose_name = "région"
        ordering = ["nom"]

    def __str__(self) -> str:
        return self.nom


class Academie(models.Model):
    code = models.CharField("code", max_length=3, primary_key=True)
    nom = models.CharField("nom", max_length=100)
    region_academique = models.ForeignKey(
        Region,
        verbose_name="région académique",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="academies",
    )

    class Meta:
        verbose_name = "académie"
        ordering = ["nom"]

    def __str__(self) -> str:
        elision = "d'" if self.nom[:1] in "AEIOUÉÎ" else "de "
        return f"Académie {elision}{self.nom}"

    def get_absolute_url(self) -> str:
        return reverse("territoires:academie", args=[self.code])


class Departement(models.Model):
    code = models.CharField("code INSEE", max_length=3, primary_key=True)
    nom = models.CharField("nom", max_length=100)
    region = models.ForeignKey(Region, verbose_name="région", on_delete=models.PROTECT, related_name="departements")
    academie = models.ForeignKey(
        Academie,
        verbose_name="académie",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="departements",
    )

    class Meta:
        verbose_name = "département"
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.nom} ({self.code})"

    def get_absolute_url(self) -> str:
        return reverse("territoires:departement", args=[self.code])


class EPCI(models.Model):
    siren = models.CharField("SIREN", max_length=9, primary_key=True)
    nom = models.CharField("nom", max_length=255)
    type = models.CharField("type", max_length=10, help_text="CC, CA, CU, METRO ou MET69")
    mode_financement = models.CharField("mode de financement", max_length=10, blank=True)
    population = models.PositiveIntegerField("population totale", null=True, blank=True)

    class Meta:
        verbose_name = "EPCI"
        verbose_name_plural = "EPCI"
        ordering = ["nom"]

    def __str__(self) -> str:
        return self.nom


class Commune(models.Model):
    code_insee = models.CharField("code INSEE", max_length=5, primary_key=True)
    nom = models.CharField("nom", max_length=255)
    type = models.CharField("type", max_length=30, default="commune-actuelle")
    departement = models.ForeignKey(
        Departement, verbose_name="département", on_delete=models.PROTECT, related_name="communes"
    )
    epci = models.ForeignKey(
        EPCI, verbose_name="EPCI", null=True, blank=True, on_delete=models.SET_NULL, related_name="communes"
    )
    commune_parente = models.ForeignKey(
        "self",
        verbose_name="commune parente",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="arrondissements",
        help_text="Pour les arrondissements municipaux de Paris, Lyon et Marseille.",
    )
    siren = models.CharField("SIREN", max_length=9, blank=True)
    population = models.PositiveIntegerField("population légale", null=True, blank=True)
    superficie_km2 = models.DecimalField("superficie (km²)", max_digits=10, decimal_places=2, null=True, blank=True)
    codes_postaux = models.CharField("codes postaux", max_length=500, blank=True)
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)

    class Meta:
        verbose_name = "commune"
        ordering = ["nom"]

    def __str__(self) -> str:
        return f"{self.nom} ({self.code_insee})"

    @property
    def densite(self) -> Decimal | None:
        """Inhabitants per km²: a rough proxy of rurality, not INSEE's grille de densité."""
        if not self.population or not self.superficie_km2:
            return None
        return (Decimal(self.population) / self.superficie_km2).quantize(Decimal("0.1"))


class TypeCollectivite(models.TextChoices):
    COMMUNE = "commune", "Commune"
    EPCI = "epci", "EPCI"
    SYNDICAT = "syndicat", "Syndicat intercommunal ou mixte"
    DEPARTEMENT = "departement", "Département"
    REGION = "region", "Région"
    STATUT_PARTICULIER = "statut_particulier", "Collectivité à statut particulier"


class Collectivite(models.Model):
    """A local authority as an organisation: it may be compétente for établissements."""

    siren = models.CharField("SIREN", max_length=9, null=True, blank=True, unique=True)
    nom = models.CharField("nom", max_length=255)
    type = models.CharField("type", max_length=20, choices=TypeCollectivite.choices)
    commune = models.OneToOneField(
        Commune, null=True, blank=True, on_delete=models.PROTECT, related_name="collectivite"
    )
    epci = models.OneToOneField(EPCI, null=True, blank=True, on_delete=models.PROTECT, related_name="collectivite")
    departement = models.OneToOneField(
        Departement, null=True, blank=True, on_delete=models.PROTECT, related_name="collectivite"
    )
    region = models.OneToOneField(Region, null=True, blank=True, on_delete=models.PROTECT, related_name="collectivite")
    code = models.SlugField(
        "code",
        max_length=40,
        unique=True,
        help_text="Identifiant stable dans les adresses : « commune-35238 », « departement-35 », « ctm »…",
    )
    referent_numerique = models.CharField("référent numérique", max_length=255, blank=True)
    courriel_referent = models.EmailField("courriel du référent", blank=True)
    modifie_le = models.DateTimeField("modifié le", auto_now=True)

    class Meta:
        verbose_name = "collectivité"
        ordering = ["nom"]

    def __str__(self) -> str:
        return self.nom

    def get_absolute_url(self) -> str:
        return reverse("territoires:collectivite", args=[self.code])

    def get_abilities(self, user: Any) -> dict[str, bool]:
        from comptes.permissions import abilities_for_collectivite

        return abilities_for_collectivite(user, self)


class Perimetre(models.TextChoices):
    COMMUNE = "commune", "Commune"
    DEPARTEMENT = "departement", "Département"
    REGION = "region", "Région"


class OrigineCompetence(models.TextChoices):
    LOI = "loi", "Code de l'éducation (cas général)"
    STATUT = "statut", "Statut particulier de la collectivité"
    TRANSFERT = "transfert", "Transfert de compétence"


class Competence(models.Model):
    """Who must equip the public établissements of a niveau on a territory.

    The most precise périmètre wins (commune, then département, then région). The general case
    comes from the Code de l'éducation; special statutes and transfers are rows like any other.
    """

    niveau = models.CharField("niveau", max_length=10, choices=Niveau.choices)
    perimetre = models.CharField("périmètre", max_length=12, choices=Perimetre.choices)
    code_territoire = models.CharField("code du territoire", max_length=5)
    collectivite = models.ForeignKey(
        Collectivite, verbose_name="collectivité compétente", on_delete=models.PROTECT, related_name="competences"
    )
    origine = models.CharField("origine", max_length=10, choices=OrigineCompetence.choices)
    fondement = models.CharField("fondement juridique", max_length=255)
    depuis = models.DateField("depuis", null=True, blank=True)

    class Meta:
        verbose_name = "compétence"
        constraints = [
            models.UniqueConstraint(fields=["niveau", "perimetre", "code_territoire"], name="competence_unique"),
        ]

    def __str__(self) -> str:
        territoire = f"{self.get_perimetre_display()} {self.code_territoire}"
        return f"{self.get_niveau_display()} — {territoire} → {self.collectivite}"


class Circonscription(models.Model):
    code = models.CharField("code", max_length=20, primary_key=True)
    nom = models.CharField("nom", max_length=255)
    academie = models.ForeignKey(
        Academie,
        verbose_name="académie",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="circonscriptions",
    )

    class Meta:
        verbose_name = "circonscription"
        ordering = ["nom"]

    def __str__(self) -> str:
        return self.nom


class Etablissement(models.Model):
    uai = models.CharField("UAI", max_length=8, primary_key=True)
    nom = models.CharField("nom", max_length=255)
    niveau = models.CharField("type", max_length=10, choices=Niveau.choices, db_index=True)
    sous_type = models.CharField("sous-type", max_length=40, blank=True)
    nature = models.CharField("nature", max_length=100, blank=True)
    secteur = models.CharField("secteur", max_length=20, choices=Secteur.choices, blank=True, db_index=True)
    commune = models.ForeignKey(
        Commune, verbose_name="commune", on_delete=models.PROTECT, related_name="etablissements"
    )
    departement = models.ForeignKey(
        Departement, verbose_name="département", on_delete=models.PROTECT, related_name="etablissements"
    )
    academie = models.ForeignKey(
        Academie,
        verbose_name="académie",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="etablissements",
    )
    circonscription = models.ForeignKey(
        Circonscription,
        verbose_name="circonscription",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="etablissements",
    )
    adresse = models.CharField("adresse", max_length=255, blank=True)
    code_postal = models.CharField("code postal", max_length=5, blank=True)
    telephone = models.CharField("téléphone", max_length=30, blank=True)
    courriel = models.CharField("courriel", max_length=255, blank=True)
    site_web = models.CharField("site web", max_length=255, blank=True)
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)
    eleves = models.PositiveIntegerField("élèves", null=True, blank=True)
    eleves_annee = models.CharField("année des effectifs", max_length=9, blank=True)
    # No index on the source links: never queried by source, and 60,000 rows are written at each import.
    eleves_source = models.ForeignKey(
        DataSource, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    classes = models.PositiveIntegerField("classes", null=True, blank=True)
    classes_annee = models.CharField("année des classes", max_length=9, blank=True)
    classes_source = models.ForeignKey(
        DataSource, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    source = models.ForeignKey(
        DataSource,
        verbose_name="source de l'identité",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    collectivite_competente = models.ForeignKey(
        Collectivite,
        verbose_name="collectivité compétente",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="etablissements",
        help_text="Résolue depuis les compétences ; recalculée à chaque import ou transfert.",
    )
    recherche = models.CharField(max_length=500, blank=True, help_text="Nom, commune, UAI et code postal, normalisés.")
    modifie_le = models.DateTimeField("modifié le", auto_now=True)

    class Meta:
        verbose_name = "établissement"
        ordering = ["nom"]
        # Instant search filters on ``recherche`` and sorts by it: reading this narrow index in order
        # lets the database stop at the first 20 matches instead of scanning and sorting every row.
        indexes = [models.Index(fields=["recherche", "uai"], name="etablissement_recherche_idx")]

    def __str__(self) -> str:
        return f"{self.nom} ({self.uai})"

    def get_absolute_url(self) -> str:
        return reverse("territoires:etablissement", args=[self.uai])

    def get_abilities(self, user: Any) -> dict[str, bool]:
        from comptes.permissions import abilities_for_etablissement

        return abilities_for_etablissement(user, self)


class IPS(models.Model):
    """Indice de position sociale of an établissement for one rentrée, with its comparison points."""

    # The unique (établissement, rentrée) index serves the lookups by établissement: no second index.
    etablissement = models.ForeignKey(Etablissement, on_delete=models.CASCADE, related_name="ips", db_index=False)
    rentree = models.CharField("rentrée", max_length=9)
    valeur = models.DecimalField("IPS", max_digits=5, decimal_places=1, null=True, blank=True)
    non_significatif = models.BooleanField("non significatif", default=False)
    national = models.DecimalField("IPS national", max_digits=5, decimal_places=1, null=True, blank=True)
    academique = models.DecimalField("IPS académique", max_digits=5, decimal_places=1, null=True, blank=True)
    departemental = models.DecimalField("IPS départemental", max_digits=5, decimal_places=1, null=True, blank=True)
    source = models.ForeignKey(DataSource, on_delete=models.PROTECT, related_name="+", db_index=False)

    class Meta:
        verbose_name = "IPS"
        verbose_name_plural = "IPS"
        ordering = ["-rentree"]
        constraints = [models.UniqueConstraint(fields=["etablissement", "rentree"], name="ips_unique_par_rentree")]

    def __str__(self) -> str:
        return f"IPS {self.rentree} de {self.etablissement_id} : {self.valeur if self.valeur is not None else 'NS'}"


class Effectif(models.Model):
    """Pupils (and classes, for écoles) of an établissement for one rentrée, from one source."""

    etablissement = models.ForeignKey(Etablissement, on_delete=models.CASCADE, related_name="effectifs", db_index=False)
    rentree = models.CharField("rentrée", max_length=9)
    eleves = models.PositiveIntegerField("élèves", null=True, blank=True)
    classes = models.PositiveIntegerField("classes", null=True, blank=True)
    source = models.ForeignKey(DataSource, on_delete=models.PROTECT, related_name="+", db_index=False)

    class Meta:
        verbose_name = "effectif"
        ordering = ["-rentree"]
        constraints = [
            models.UniqueConstraint(fields=["etablissement", "rentree", "source"], name="effectif_unique"),
        ]

    def __str__(self) -> str:
        return f"Effectif {self.rentree} de {self.etablissement_id}"
