"""The Comité des partenaires du numérique pour l'éducation (DESIGN.md §6).

Organisations and their people, plenaries and working-group sessions, agenda items, decisions and avis
with the positions of the organisations present, discussion threads on amendments, the registry of
conventions, and the daily digest of notifications. Permissions: ``obj.get_abilities(user)`` only.
"""

from typing import Any

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.urls import reverse

from .permissions import comite_scope


class RoleComite(models.TextChoices):
    TITULAIRE = "titulaire", "Titulaire"
    SUPPLEANT = "suppleant", "Suppléant"
    INVITE = "invite", "Invité"
    SECRETARIAT = "secretariat", "Secrétariat"


class MembreOrganisation(models.Model):
    """An organisation's seat at the comité: whether it signed the 2015 convention, whether it still sits."""

    organisation = models.OneToOneField(
        "comptes.Organisation", on_delete=models.CASCADE, related_name="comite_profil", verbose_name="organisation"
    )
    signataire_2015 = models.BooleanField("signataire de la convention de 2015", default=False)
    invitee = models.BooleanField(
        "invitée", default=False, help_text="Participe sans être membre (par exemple les représentants des DAN)."
    )
    actif = models.BooleanField("siège aujourd'hui", default=True)
    description = models.TextField("description", blank=True)

    class Meta:
        verbose_name = "organisation membre du comité"
        verbose_name_plural = "organisations membres du comité"
        ordering = ["organisation__nom"]

    def __str__(self) -> str:
        return str(self.organisation)


class Membre(models.Model):
    """A person sitting at the comité for an organisation, with their role there."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="sieges_comite", verbose_name="personne"
    )
    organisation = models.ForeignKey(
        "comptes.Organisation", on_delete=models.CASCADE, related_name="membres_comite", verbose_name="organisation"
    )
    role_comite = models.CharField("rôle au comité", max_length=20, choices=RoleComite.choices)

    class Meta:
        verbose_name = "membre du comité"
        verbose_name_plural = "membres du comité"
        ordering = ["organisation__nom", "user__last_name"]
        constraints = [
            models.UniqueConstraint(fields=["user", "organisation", "role_comite"], name="comite_membre_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.get_role_comite_display()} — {self.organisation}"


class GroupeTravail(models.Model):
    nom = models.CharField("nom", max_length=200, unique=True)
    slug = models.SlugField("identifiant", max_length=80, unique=True)
    theme = models.TextField("thème", blank=True)
    ad_hoc = models.BooleanField("groupe ad hoc", default=False)
    organisations = models.ManyToManyField(
        "comptes.Organisation", blank=True, related_name="groupes_travail", verbose_name="organisations membres"
    )

    class Meta:
        verbose_name = "groupe de travail"
        verbose_name_plural = "groupes de travail"
        ordering = ["ad_hoc", "nom"]

    def __str__(self) -> str:
        return self.nom

    def get_absolute_url(self) -> str:
        return reverse("comite:groupe", args=[self.slug])

    def get_abilities(self, user: Any) -> dict[str, bool]:
        cs = comite_scope(user)
        return {
            "view": cs.membre,
            "post_message": cs.secretariat or bool(cs.organisations & self.organisation_ids()),
            "open_discussion": cs.secretariat,
        }

    def organisation_ids(self) -> frozenset[int]:
        if not hasattr(self, "_organisation_ids"):
            self._organisation_ids = frozenset(self.organisations.values_list("pk", flat=True))
        return self._organisation_ids


class TypeSeance(models.TextChoices):
    PLENIERE = "pleniere", "Séance plénière"
    GROUPE = "groupe", "Séance de groupe de travail"


class Mode(models.TextChoices):
    PRESENTIEL = "presentiel", "Présentiel"
    DISTANCIEL = "distanciel", "Distanciel"
    HYBRIDE = "hybride", "Hybride"


class Seance(models.Model):
    """A meeting: a monthly plenary or a working-group session."""

    type = models.CharField("type", max_length=20, choices=TypeSeance.choices, default=TypeSeance.PLENIERE)
    groupe = models.ForeignKey(
        GroupeTravail, null=True, blank=True, on_delete=models.PROTECT, related_name="seances", verbose_name="groupe"
    )
    titre = models.CharField("titre", max_length=200)
    date = models.DateTimeField("date")
    mode = models.CharField("mode", max_length=20, choices=Mode.choices, default=Mode.DISTANCIEL)
    lieu = models.CharField("lieu", max_length=200, blank=True)
    lien_visio = models.URLField("lien de visioconférence", blank=True)
    compte_rendu = models.TextField("compte rendu", blank=True)

    class Meta:
        verbose_name = "séance"
        ordering = ["-date"]
        constraints = [
            models.CheckConstraint(
                name="comite_seance_groupe_si_type_groupe",
                condition=models.Q(type="pleniere", groupe__isnull=True)
                | models.Q(type="groupe", groupe__isnull=False),
            )
        ]

    def __str__(self) -> str:
        return f"{self.titre} ({self.date:%d/%m/%Y})"

    def get_absolute_url(self) -> str:
        return reverse("comite:seance", args=[self.pk])

    def get_abilities(self, user: Any) -> dict[str, bool]:
        cs = comite_scope(user)
        return {
            "view": cs.membre,
            "view_minutes": cs.membre,
            "register": bool(cs.organisations),
            "edit": cs.secretariat,
            "record_attendance": cs.secretariat,
            "create_decision": cs.secretariat,
        }

    def organisations_presentes(self) -> models.QuerySet:
        from comptes.models import Organisation

        return Organisation.objects.filter(
            pk__in=self.inscriptions.filter(present=True).values("organisation_id")
        ).distinct()


class Inscription(models.Model):
    """A registration to a meeting; ``present`` is the attendance, filled in by the secrétariat."""

    seance = models.ForeignKey(Seance, on_delete=models.CASCADE, related_name="inscriptions")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="inscriptions_comite")
    organisation = models.ForeignKey("comptes.Organisation", on_delete=models.CASCADE, related_name="+")
    present = models.BooleanField("présent", null=True, blank=True)

    class Meta:
        verbose_name = "inscription"
        ordering = ["organisation__nom", "user__last_name"]
        constraints = [models.UniqueConstraint(fields=["seance", "user"], name="comite_inscription_unique")]

    def __str__(self) -> str:
        return f"{self.user} ({self.organisation}) — {self.seance}"


class StatutPoint(models.TextChoices):
    PROPOSE = "propose", "Proposé"
    ACCEPTE = "accepte", "Accepté"
    INSCRIT = "inscrit", "Inscrit à l'ordre du jour"
    DECLINE = "decline", "Décliné"
    TRAITE = "traite", "Traité"


class PointOrdreDuJour(models.Model):
    """An agenda item proposed by a member organisation; the secrétariat accepts, schedules or declines it."""

    titre = models.CharField("titre", max_length=200)
    description = models.TextField("description", blank=True)
    organisation = models.ForeignKey(
        "comptes.Organisation", on_delete=models.PROTECT, related_name="points_proposes", verbose_name="proposé par"
    )
    propose_par = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", verbose_name="auteur"
    )
    statut = models.CharField("statut", max_length=20, choices=StatutPoint.choices, default=StatutPoint.PROPOSE)
    seance = models.ForeignKey(
        Seance, null=True, blank=True, on_delete=models.SET_NULL, related_name="points", verbose_name="séance"
    )
    ordre = models.PositiveIntegerField("ordre de passage", default=0)
    motif_refus = models.TextField("motif du refus", blank=True)
    amendement = models.ForeignKey(
        "referentiels.Amendement",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="points_comite",
        verbose_name="amendement",
    )
    cree_le = models.DateTimeField("proposé le", auto_now_add=True)

    class Meta:
        verbose_name = "point à l'ordre du jour"
        verbose_name_plural = "points à l'ordre du jour"
        ordering = ["seance__date", "ordre", "cree_le"]

    def __str__(self) -> str:
        return self.titre

    def get_absolute_url(self) -> str:
        return reverse("comite:point", args=[self.pk])

    def get_abilities(self, user: Any) -> dict[str, bool]:
        from .rules import POINT_TRANSITIONS

        cs = comite_scope(user)
        allowed = POINT_TRANSITIONS.get(self.statut, frozenset())
        return {
            "view": cs.membre,
            "accept": cs.secretariat and StatutPoint.ACCEPTE in allowed,
            "schedule": cs.secretariat and StatutPoint.INSCRIT in allowed,
            "decline": cs.secretariat and StatutPoint.DECLINE in allowed,
        }


class Nature(models.TextChoices):
    DECISION = "decision", "Décision"
    AVIS = "avis", "Avis"


class Issue(models.TextChoices):
    EN_DELIBERATION = "en_deliberation", "En délibération"
    ADOPTE = "adopte", "Adopté"
    REJETE = "rejete", "Rejeté"
    AJOURNE = "ajourne", "Ajourné"


class Decision(models.Model):
    """A decision or avis of a meeting, linked to what it changes (an amendment, later an AAP…)."""

    seance = models.ForeignKey(Seance, on_delete=models.PROTECT, related_name="decisions", verbose_name="séance")
    point = models.ForeignKey(
        PointOrdreDuJour, null=True, blank=True, on_delete=models.SET_NULL, related_name="decisions"
    )
    numero = models.CharField("numéro", max_length=30, unique=True)
    nature = models.CharField("nature", max_length=20, choices=Nature.choices, default=Nature.DECISION)
    titre = models.CharField("objet", max_length=200)
    texte = models.TextField("texte", blank=True)
    issue = models.CharField("issue", max_length=20, choices=Issue.choices, default=Issue.EN_DELIBERATION)
    amendement = models.ForeignKey(
        "referentiels.Amendement",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="decisions_comite",
        verbose_name="amendement",
    )
    # Anything else a decision may change (an AAP, a convention…): a generic optional link.
    objet_type = models.ForeignKey(ContentType, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    objet_id = models.CharField(max_length=64, blank=True)
    objet = GenericForeignKey("objet_type", "objet_id")
    publiee = models.BooleanField("publiée", default=False)
    decidee_le = models.DateTimeField("décidée le", null=True, blank=True)

    class Meta:
        verbose_name = "décision ou avis"
        verbose_name_plural = "décisions et avis"
        ordering = ["-seance__date", "-pk"]

    def __str__(self) -> str:
        return f"{self.numero} — {self.titre}"

    def get_absolute_url(self) -> str:
        return reverse("comite:decision", args=[self.pk])

    def get_abilities(self, user: Any) -> dict[str, bool]:
        cs = comite_scope(user)
        open_ = self.issue == Issue.EN_DELIBERATION
        return {
            "view": cs.membre or self.publiee,
            "record_position": cs.secretariat and open_,
            "decide": cs.secretariat and open_,
            "publish": cs.secretariat and not open_ and not self.publiee,
        }


class TypePosition(models.TextChoices):
    FAVORABLE = "favorable", "Favorable"
    RESERVE = "reserve", "Réservé"
    DEFAVORABLE = "defavorable", "Défavorable"
    ABSTENTION = "abstention", "Abstention"


class Position(models.Model):
    """The position of one organisation present at the meeting on a decision."""

    decision = models.ForeignKey(Decision, on_delete=models.CASCADE, related_name="positions")
    organisation = models.ForeignKey("comptes.Organisation", on_delete=models.PROTECT, related_name="+")
    position = models.CharField("position", max_length=20, choices=TypePosition.choices)
    commentaire = models.TextField("commentaire", blank=True)

    class Meta:
        verbose_name = "position"
        ordering = ["organisation__nom"]
        constraints = [models.UniqueConstraint(fields=["decision", "organisation"], name="comite_position_unique")]

    def __str__(self) -> str:
        return f"{self.organisation} : {self.get_position_display()}"


class Discussion(models.Model):
    """The thread of a working group on one amendment."""

    amendement = models.OneToOneField(
        "referentiels.Amendement", on_delete=models.CASCADE, related_name="discussion_comite"
    )
    groupe = models.ForeignKey(GroupeTravail, on_delete=models.PROTECT, related_name="discussions")
    ouverte_le = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "discussion"
        ordering = ["-ouverte_le"]

    def __str__(self) -> str:
        return f"{self.groupe} — {self.amendement}"

    def get_absolute_url(self) -> str:
        return reverse("comite:discussion", args=[self.pk])

    def get_abilities(self, user: Any) -> dict[str, bool]:
        abilities = self.groupe.get_abilities(user)
        return {"view": abilities["view"], "post_message": abilities["post_message"]}


class Message(models.Model):
    discussion = models.ForeignKey(Discussion, on_delete=models.CASCADE, related_name="messages")
    auteur = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    organisation = models.ForeignKey("comptes.Organisation", null=True, on_delete=models.SET_NULL, related_name="+")
    texte = models.TextField("message")
    cree_le = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "message"
        ordering = ["cree_le", "pk"]

    def __str__(self) -> str:
        return f"{self.auteur} : {self.texte[:40]}"


class TypeConvention(models.TextChoices):
    CONSTITUTIVE = "constitutive", "Convention constitutive"
    CADRE = "cadre", "Convention-cadre"
    MISE_EN_OEUVRE = "mise_en_oeuvre", "Convention de mise en œuvre"


class StatutConvention(models.TextChoices):
    PROJET = "projet", "En projet"
    SIGNEE = "signee", "Signée"
    EN_VIGUEUR = "en_vigueur", "En vigueur"
    ECHUE = "echue", "Échue"
    RESILIEE = "resiliee", "Résiliée"


class Convention(models.Model):
    """Registry of conventions: constitutive, conventions-cadres and their conventions de mise en œuvre."""

    titre = models.CharField("titre", max_length=255)
    type = models.CharField("type", max_length=20, choices=TypeConvention.choices)
    cadre = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="conventions_mise_en_oeuvre",
        verbose_name="convention-cadre",
        limit_choices_to={"type": "cadre"},
    )
    theme = models.CharField("thème", max_length=200, blank=True)
    statut = models.CharField("statut", max_length=20, choices=StatutConvention.choices, default="projet")
    date_signature = models.DateField("date de signature", null=True, blank=True)
    date_fin = models.DateField("date de fin", null=True, blank=True)
    signataires = models.ManyToManyField("comptes.Organisation", blank=True, related_name="conventions_signees")
    comite_suivi = models.ManyToManyField(
        "comptes.Organisation", blank=True, related_name="conventions_suivies", verbose_name="comité de suivi"
    )
    description = models.TextField("description", blank=True)

    class Meta:
        verbose_name = "convention"
        ordering = ["date_signature", "titre"]
        constraints = [
            models.CheckConstraint(
                name="comite_convention_mise_en_oeuvre_a_un_cadre",
                condition=models.Q(type="mise_en_oeuvre", cadre__isnull=False) | ~models.Q(type="mise_en_oeuvre"),
            )
        ]

    def __str__(self) -> str:
        return self.titre

    def get_absolute_url(self) -> str:
        return reverse("comite:convention", args=[self.pk])

    def get_abilities(self, user: Any) -> dict[str, bool]:
        cs = comite_scope(user)
        return {"view": cs.membre, "upload": cs.secretariat}


class DocumentConvention(models.Model):
    convention = models.ForeignKey(Convention, on_delete=models.CASCADE, related_name="documents")
    titre = models.CharField("titre", max_length=200)
    fichier = models.FileField("fichier PDF", upload_to="comite/conventions/%Y/")
    taille = models.PositiveIntegerField("taille (octets)", default=0)
    depose_par = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    depose_le = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "document de convention"
        ordering = ["-depose_le"]

    def __str__(self) -> str:
        return self.titre


class Notification(models.Model):
    """A pending notification, sent in the person's daily digest (``manage.py envoyer_digest``)."""

    destinataire = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications_comite"
    )
    code = models.CharField("code", max_length=100)
    texte = models.CharField("texte", max_length=500)
    lien = models.CharField("lien", max_length=255, blank=True)
    cree_le = models.DateTimeField(auto_now_add=True, db_index=True)
    envoyee_le = models.DateTimeField(null=True, blank=True, db_index=True)

    class Meta:
        verbose_name = "notification"
        ordering = ["cree_le", "pk"]

    def __str__(self) -> str:
        return f"{self.destinataire} — {self.texte}"
