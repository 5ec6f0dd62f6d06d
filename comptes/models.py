"""People, the organisations they act for, and their role in each (DESIGN.md, « Who uses it »)."""

from django.contrib.auth.models import AbstractUser
from django.db import models


class User(AbstractUser):
    """A person. Permissions come from memberships, never from flags on the user."""

    oidc_sub = models.CharField("identifiant ProConnect", max_length=255, null=True, blank=True, unique=True)

    class Meta:
        verbose_name = "personne"

    def __str__(self) -> str:
        return self.get_full_name() or self.username


class TypeOrganisation(models.TextChoices):
    COLLECTIVITE = "collectivite", "Collectivité"
    ETABLISSEMENT = "etablissement", "Établissement"
    CIRCONSCRIPTION = "circonscription", "Circonscription"
    ACADEMIE = "academie", "Académie"
    MINISTERE = "ministere", "Ministère (DNE)"
    ASSOCIATION = "association", "Organisation partenaire"


class Organisation(models.Model):
    """What a person acts for. Territorial organisations point at their territorial object."""

    nom = models.CharField("nom", max_length=255)
    type = models.CharField("type", max_length=20, choices=TypeOrganisation.choices)
    sigle = models.CharField("sigle", max_length=30, blank=True)
    siren = models.CharField("SIREN", max_length=9, blank=True)
    collectivite = models.OneToOneField(
        "territoires.Collectivite", null=True, blank=True, on_delete=models.CASCADE, related_name="organisation"
    )
    etablissement = models.OneToOneField(
        "territoires.Etablissement", null=True, blank=True, on_delete=models.CASCADE, related_name="organisation"
    )
    circonscription = models.OneToOneField(
        "territoires.Circonscription", null=True, blank=True, on_delete=models.CASCADE, related_name="organisation"
    )
    academie = models.OneToOneField(
        "territoires.Academie", null=True, blank=True, on_delete=models.CASCADE, related_name="organisation"
    )

    class Meta:
        verbose_name = "organisation"
        ordering = ["nom"]
        constraints = [
            models.CheckConstraint(
                name="organisation_pointe_son_objet",
                condition=(
                    models.Q(type="collectivite", collectivite__isnull=False)
                    | models.Q(type="etablissement", etablissement__isnull=False)
                    | models.Q(type="circonscription", circonscription__isnull=False)
                    | models.Q(type="academie", academie__isnull=False)
                    | models.Q(type__in=["ministere", "association"])
                ),
            )
        ]

    def __str__(self) -> str:
        return self.nom


class Role(models.TextChoices):
    AGENT_COLLECTIVITE = "agent_collectivite", "Agent de collectivité"
    DIRECTEUR = "directeur", "Directeur d'école / chef d'établissement"
    INSPECTEUR = "inspecteur", "Inspecteur (IEN)"
    INSTRUCTEUR = "instructeur", "Instructeur académique"
    DNE = "dne", "DNE (national)"
    MEMBRE_COMITE = "membre_comite", "Membre du comité"


# Which organisation type each role is granted through: a role elsewhere grants nothing.
ROLE_ORGANISATION = {
    Role.AGENT_COLLECTIVITE: TypeOrganisation.COLLECTIVITE,
    Role.DIRECTEUR: TypeOrganisation.ETABLISSEMENT,
    Role.INSPECTEUR: TypeOrganisation.CIRCONSCRIPTION,
    Role.INSTRUCTEUR: TypeOrganisation.ACADEMIE,
    Role.DNE: TypeOrganisation.MINISTERE,
    Role.MEMBRE_COMITE: TypeOrganisation.ASSOCIATION,
}


class Membership(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField("rôle", max_length=30, choices=Role.choices)
    depuis = models.DateField("depuis", auto_now_add=True)

    class Meta:
        verbose_name = "rattachement"
        constraints = [
            models.UniqueConstraint(fields=["user", "organisation", "role"], name="membership_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.get_role_display()} — {self.organisation}"

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        expected = ROLE_ORGANISATION[Role(self.role)]
        if self.organisation_id and self.organisation.type != expected:
            raise ValidationError(
                {
                    "role": f"Le rôle « {self.get_role_display()} » s'exerce dans une organisation de type "
                    f"« {expected.label} »."
                }
            )
