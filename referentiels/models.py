"""Référentiels du socle numérique de base: one per niveau, published by version, amended by the comité.

Invariants:
- one adopted version per référentiel at a time (a partial unique index, on SQLite and PostgreSQL);
- an adopted (or replaced) version and its items never change: models refuse it, services check it;
- a new version is only born adopted through ``services`` (amendment adoption or draft publication).
"""

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse

from territoires.models import Niveau

from . import rules


class EtatVersion(models.TextChoices):
    BROUILLON = "brouillon", "Brouillon"
    EN_CONSULTATION = "en_consultation", "En consultation"
    ADOPTEE = "adoptee", "Adoptée"
    REMPLACEE = "remplacee", "Remplacée"


ETATS_PUBLICS = (EtatVersion.ADOPTEE, EtatVersion.REMPLACEE)
ETATS_FIGES = ETATS_PUBLICS
CHAMPS_FIGES = ("numero", "referentiel_id", "notes", "a_valider", "decision_ref", "adoptee_le")


class Domaine(models.TextChoices):
    CLASSE = "classe", rules.DOMAINES["classe"]
    MOBILES = "mobiles", rules.DOMAINES["mobiles"]
    DIRECTION = "direction", rules.DOMAINES["direction"]
    RESEAU = "reseau", rules.DOMAINES["reseau"]
    SERVICES = "services", rules.DOMAINES["services"]
    ACCOMPAGNEMENT = "accompagnement", rules.DOMAINES["accompagnement"]
    MAINTENANCE = "maintenance", rules.DOMAINES["maintenance"]


class VersionFigee(ValidationError):
    """Raised when something tries to change an adopted or replaced version."""


class Referentiel(models.Model):
    niveau = models.CharField("niveau", max_length=10, choices=Niveau.choices, unique=True)
    titre = models.CharField("titre", max_length=255)
    description = models.TextField("description", blank=True)

    class Meta:
        verbose_name = "référentiel"
        ordering = ["id"]

    def __str__(self) -> str:
        return self.titre

    def get_absolute_url(self) -> str:
        return reverse("referentiels:referentiel", args=[self.niveau])

    def version_adoptee(self) -> "Version | None":
        return self.versions.filter(etat=EtatVersion.ADOPTEE).first()

    def get_abilities(self, user: Any) -> dict[str, bool]:
        from .permissions import abilities_for_referentiel

        return abilities_for_referentiel(user, self)


class Version(models.Model):
    referentiel = models.ForeignKey(Referentiel, on_delete=models.PROTECT, related_name="versions")
    numero = models.PositiveIntegerField("numéro")
    etat = models.CharField("état", max_length=20, choices=EtatVersion.choices, default=EtatVersion.BROUILLON)
    a_valider = models.BooleanField(
        "à valider par le comité",
        default=False,
        help_text="Contenu reconstitué, à valider par le comité des partenaires avant de faire foi.",
    )
    notes = models.TextField("notes de version", blank=True)
    decision_ref = models.CharField("référence de la décision", max_length=255, blank=True)
    cree_le = models.DateTimeField("créée le", auto_now_add=True)
    adoptee_le = models.DateTimeField("adoptée le", null=True, blank=True)
    remplacee_le = models.DateTimeField("remplacée le", null=True, blank=True)

    class Meta:
        verbose_name = "version de référentiel"
        verbose_name_plural = "versions de référentiel"
        ordering = ["referentiel_id", "numero"]
        constraints = [
            models.UniqueConstraint(fields=["referentiel", "numero"], name="referentiels_version_numero_unique"),
            models.UniqueConstraint(
                fields=["referentiel"],
                condition=models.Q(etat="adoptee"),
                name="referentiels_une_version_adoptee",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.referentiel} — version {self.numero}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            stored = Version.objects.filter(pk=self.pk).values(*CHAMPS_FIGES, "etat").first()
            if stored and stored["etat"] in ETATS_FIGES:
                # The only change allowed on an adopted version is being replaced.
                replaced = stored["etat"] == EtatVersion.ADOPTEE and self.etat == EtatVersion.REMPLACEE
                same = all(getattr(self, f) == stored[f] for f in CHAMPS_FIGES)
                if not (replaced and same):
                    etat = EtatVersion(stored["etat"]).label.lower()
                    raise VersionFigee(f"La version {self.numero} est {etat} : elle ne peut plus changer.")
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("referentiels:version", args=[self.referentiel.niveau, self.numero])

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        if self.figee:
            raise VersionFigee(f"La version {self.numero} a été adoptée : elle ne peut pas être supprimée.")
        return super().delete(*args, **kwargs)

    @property
    def publique(self) -> bool:
        return self.etat in ETATS_PUBLICS

    @property
    def figee(self) -> bool:
        return self.etat in ETATS_FIGES

    def get_abilities(self, user: Any) -> dict[str, bool]:
        from .permissions import abilities_for_version

        return abilities_for_version(user, self)


class Item(models.Model):
    version = models.ForeignKey(Version, on_delete=models.CASCADE, related_name="items")
    code = models.CharField("code", max_length=rules.LONGUEUR_CODE)
    domaine = models.CharField("domaine", max_length=20, choices=Domaine.choices)
    libelle = models.CharField("libellé", max_length=255)
    description = models.TextField("description", blank=True)
    obligatoire = models.BooleanField("obligatoire", default=True)
    regle = models.JSONField("règle de quantité")
    cout_bas = models.DecimalField("coût bas (€)", max_digits=12, decimal_places=2, null=True, blank=True)
    cout_typique = models.DecimalField("coût typique (€)", max_digits=12, decimal_places=2, null=True, blank=True)
    cout_haut = models.DecimalField("coût haut (€)", max_digits=12, decimal_places=2, null=True, blank=True)
    cout_unite = models.CharField("unité du coût", max_length=60, blank=True, default="")
    cout_source = models.TextField("source du coût", blank=True)
    cout_non_confirme = models.BooleanField("coût non confirmé", default=False)
    ordre = models.PositiveIntegerField("ordre", default=0)

    class Meta:
        verbose_name = "item"
        ordering = ["version_id", "ordre", "id"]
        constraints = [models.UniqueConstraint(fields=["version", "code"], name="referentiels_item_code_unique")]

    def __str__(self) -> str:
        return f"{self.code} — {self.libelle}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        self._check_version()
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        self._check_version()
        return super().delete(*args, **kwargs)

    def _check_version(self) -> None:
        version = Version.objects.filter(pk=self.version_id).values_list("etat", "numero").first()
        if version and version[0] in ETATS_FIGES:
            raise VersionFigee(f"La version {version[1]} a été adoptée : ses items ne peuvent plus changer.")

    @property
    def regle_lue(self) -> rules.Regle:
        return rules.lire_regle(self.regle, code=self.code)

    @property
    def regle_texte(self) -> str:
        return rules.decrire_regle(self.regle_lue)

    @property
    def non_confirme(self) -> bool:
        return self.cout_non_confirme or bool(self.regle.get("non_confirme"))

    def as_data(self) -> dict[str, object]:
        """The item as the rules see it (JSON-ready, amounts as strings)."""
        return {
            "domaine": self.domaine,
            "libelle": self.libelle,
            "description": self.description,
            "obligatoire": self.obligatoire,
            "regle": self.regle,
            "cout_bas": None if self.cout_bas is None else str(self.cout_bas),
            "cout_typique": None if self.cout_typique is None else str(self.cout_typique),
            "cout_haut": None if self.cout_haut is None else str(self.cout_haut),
            "cout_unite": self.cout_unite,
            "cout_source": self.cout_source,
            "cout_non_confirme": self.cout_non_confirme,
        }


class EtatAmendement(models.TextChoices):
    PROPOSE = "propose", "Proposé"
    EN_DISCUSSION = "en_discussion", "En discussion (groupe de travail)"
    INSCRIT = "inscrit", "Inscrit à l'ordre du jour"
    ADOPTE = "adopte", "Adopté"
    REJETE = "rejete", "Rejeté"


ETATS_OUVERTS = (EtatAmendement.PROPOSE, EtatAmendement.EN_DISCUSSION, EtatAmendement.INSCRIT)


class Amendement(models.Model):
    """A member organisation's proposal to add, change or remove items, against a base version."""

    referentiel = models.ForeignKey(Referentiel, on_delete=models.PROTECT, related_name="amendements")
    version_base = models.ForeignKey(
        Version, verbose_name="version de base", on_delete=models.PROTECT, related_name="amendements"
    )
    organisation = models.ForeignKey(
        "comptes.Organisation", verbose_name="organisation", on_delete=models.PROTECT, related_name="amendements"
    )
    auteur = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="auteur", null=True, blank=True, on_delete=models.SET_NULL
    )
    titre = models.CharField("titre", max_length=255)
    expose_motifs = models.TextField("exposé des motifs")
    etat = models.CharField("état", max_length=20, choices=EtatAmendement.choices, default=EtatAmendement.PROPOSE)
    motif_rejet = models.TextField("motif du rejet", blank=True)
    decision_ref = models.CharField("référence de la décision", max_length=255, blank=True)
    version_produite = models.OneToOneField(
        Version,
        verbose_name="version produite",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="amendement_source",
    )
    cree_le = models.DateTimeField("proposé le", auto_now_add=True)
    modifie_le = models.DateTimeField("modifié le", auto_now=True)

    class Meta:
        verbose_name = "amendement"
        ordering = ["-cree_le", "-id"]

    def __str__(self) -> str:
        return self.titre

    def get_absolute_url(self) -> str:
        return reverse("referentiels:amendement", args=[self.pk])

    @property
    def ouvert(self) -> bool:
        return self.etat in ETATS_OUVERTS

    @property
    def a_rebaser(self) -> bool:
        """Still open, but its base version is no longer the adopted one."""
        return self.ouvert and self.version_base.etat != EtatVersion.ADOPTEE

    def modifications_data(self) -> list[dict[str, object]]:
        return [
            {"operation": m.operation, "code": m.code, "donnees": m.donnees}
            for m in self.modifications.order_by("ordre", "id")
        ]

    def get_abilities(self, user: Any) -> dict[str, bool]:
        from .permissions import abilities_for_amendement

        return abilities_for_amendement(user, self)


class Operation(models.TextChoices):
    AJOUT = "ajout", "Ajout"
    MODIFICATION = "modification", "Modification"
    SUPPRESSION = "suppression", "Suppression"


class Modification(models.Model):
    """One change of an amendment: the item code, and for an addition or a change, its (changed) fields."""

    amendement = models.ForeignKey(Amendement, on_delete=models.CASCADE, related_name="modifications")
    operation = models.CharField("opération", max_length=20, choices=Operation.choices)
    code = models.CharField("code de l'item", max_length=rules.LONGUEUR_CODE)
    donnees = models.JSONField("données", default=dict, blank=True)
    ordre = models.PositiveIntegerField("ordre", default=0)

    class Meta:
        verbose_name = "modification"
        ordering = ["ordre", "id"]

    def __str__(self) -> str:
        return f"{self.get_operation_display()} de « {self.code} »"
