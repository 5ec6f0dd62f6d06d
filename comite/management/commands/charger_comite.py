"""Load the comité: organisations, working groups, conventions, meetings, and the webradio story (idempotent).

The story runs through the real services: the AMRF proposes to add the webradio kit to the collège
référentiel, the working group « Référentiels nationaux » discusses it, the secrétariat puts it on a
plenary's agenda, the positions are recorded and the decision adopts it: version 2 is published.
"""

import datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.core.management.base import BaseCommand
from django.db import transaction

from comite import services
from comite.models import Decision, Discussion, GroupeTravail, Membre, RoleComite, Seance
from comptes.models import Membership, Organisation, Role, User
from comptes.services import rattachement_accorder

PARIS = ZoneInfo("Europe/Paris")
VISIO = "https://webconf.numerique.gouv.fr/comite-partenaires"


def _quand(texte: str) -> datetime.datetime:
    return datetime.datetime.fromisoformat(texte).replace(tzinfo=PARIS)


def personne(organisation: Organisation, role: str, username: str, prenom: str, nom: str) -> User:
    """The first person holding ``role`` in ``organisation`` (a demo account), else a comité-only person."""
    membership = (
        Membership.objects.filter(organisation=organisation, role=role, user__is_active=True)
        .select_related("user")
        .order_by("pk")
        .first()
    )
    if membership is not None:
        return membership.user
    user, created = User.objects.get_or_create(
        username=username, defaults={"first_name": prenom, "last_name": nom, "email": f"{username}@demo.socle.invalid"}
    )
    if created:
        # No password here: creer_comptes_demo gives one to its accounts (same usernames for the DNE and the AMRF).
        user.set_unusable_password()
        user.save(update_fields=["password"])
    rattachement_accorder(user=user, organisation=organisation, role=role)
    return user


MOIS = [
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
]


def _prochaine_pleniere() -> dict[str, Any]:
    from django.utils import timezone

    aujourdhui = timezone.localdate()
    annee, mois = (aujourdhui.year + 1, 1) if aujourdhui.month == 12 else (aujourdhui.year, aujourdhui.month + 1)
    return {
        "titre": f"Séance plénière de {MOIS[mois - 1]} {annee}",
        "date": datetime.datetime(annee, mois, 10, 14, 0, tzinfo=PARIS),
    }


class Command(BaseCommand):
    help = "Charge le comité des partenaires (organisations, groupes, conventions, séances) et l'histoire webradio."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--sans-histoire",
            action="store_true",
            help="Ne pas jouer l'histoire webradio (pour la rejouer à la main, par exemple dans un test).",
        )

    def handle(self, *args: Any, sans_histoire: bool = False, **options: Any) -> None:
        orgs = services.donnees_initiales_charger()
        self.stdout.write(f"{len(orgs)} organisations du comité, {GroupeTravail.objects.count()} groupes de travail.")

        secretariat = personne(orgs["DNE"], Role.DNE, "dne.national", "Thomas", "Bernard")
        amrf = personne(orgs["AMRF"], Role.MEMBRE_COMITE, "comite.amrf", "Jeanne", "Perrot")
        amf = personne(orgs["AMF"], Role.MEMBRE_COMITE, "comite.amf", "Sophie", "Lefèvre")
        adf = personne(orgs["ADF"], Role.MEMBRE_COMITE, "comite.adf", "Paul", "Garnier")
        services.membre_ajouter(user=secretariat, organisation=orgs["DNE"], role_comite=RoleComite.SECRETARIAT)
        for user, sigle in ((amrf, "AMRF"), (amf, "AMF"), (adf, "ADF")):
            services.membre_ajouter(user=user, organisation=orgs[sigle], role_comite=RoleComite.TITULAIRE)

        groupe = GroupeTravail.objects.get(slug="referentiels-nationaux")
        seances = {
            "septembre": self._seance(
                secretariat,
                titre="Séance plénière de septembre 2026",
                date=_quand("2026-09-10T14:00"),
                mode="hybride",
                lieu="DNE, 110 rue de Grenelle, Paris",
                lien_visio=VISIO,
            ),
            "groupe": self._seance(
                secretariat,
                titre="Groupe « Référentiels nationaux » — octobre 2026",
                date=_quand("2026-10-01T10:00"),
                type="groupe",
                groupe=groupe,
                mode="distanciel",
                lien_visio=VISIO,
            ),
            "octobre": self._seance(
                secretariat,
                titre="Séance plénière d'octobre 2026",
                date=_quand("2026-10-08T14:00"),
                mode="distanciel",
                lien_visio=VISIO,
            ),
            # The next monthly plenary, always ahead of today.
            "prochaine": self._seance(secretariat, mode="distanciel", lien_visio=VISIO, **_prochaine_pleniere()),
        }
        if not sans_histoire:
            self._histoire_webradio(secretariat, amrf, amf, adf, orgs, groupe, seances)

    def _seance(self, actor: User, *, titre: str, **kwargs: Any) -> Seance:
        existante = Seance.objects.filter(titre=titre).first()
        return existante or services.seance_creer(actor=actor, titre=titre, **kwargs)

    def _histoire_webradio(
        self, secretariat: User, amrf: User, amf: User, adf: User, orgs: dict, groupe: GroupeTravail, seances: dict
    ) -> None:
        try:
            from referentiels.models import Amendement, Referentiel
            from referentiels.presets import WEBRADIO_AMENDEMENT
            from referentiels.services import amendement_proposer
        except ImportError:  # pragma: no cover - referentiels is part of Socle
            self.stdout.write("Référentiels indisponibles : histoire webradio non jouée.")
            return
        college = Referentiel.objects.filter(niveau="college").first()
        if college is None or college.version_adoptee() is None:
            self.stdout.write("Référentiel collège absent (lancez charger_referentiels) : histoire webradio non jouée.")
            return
        if Amendement.objects.filter(organisation=orgs["AMRF"], titre=WEBRADIO_AMENDEMENT["titre"]).exists():
            self.stdout.write("Histoire webradio déjà jouée.")
            return
        with transaction.atomic():
            amendement = amendement_proposer(
                version_base=college.version_adoptee(), organisation=orgs["AMRF"], auteur=amrf, **WEBRADIO_AMENDEMENT
            )
            discussion: Discussion = services.discussion_ouvrir(amendement=amendement, groupe=groupe, actor=secretariat)
            services.message_poster(
                discussion=discussion,
                actor=amrf,
                texte="Dans nos communes rurales, la webradio est souvent le premier projet d'éducation aux médias du "
                "collège de secteur : une référence commune aiderait les départements.",
            )
            services.message_poster(
                discussion=discussion,
                actor=secretariat,
                texte="Le groupe propose un kit mutualisé par collège ; le coût (≈ 700 €) reste à confirmer.",
            )
            pleniere = seances["octobre"]
            for user, sigle in ((secretariat, "DNE"), (amrf, "AMRF"), (amf, "AMF"), (adf, "ADF")):
                services.seance_inscrire(seance=pleniere, organisation=orgs[sigle], actor=user)
            services.presences_enregistrer(
                seance=pleniere, presents=pleniere.inscriptions.values_list("pk", flat=True), actor=secretariat
            )
            point = services.amendement_inscrire_en_pleniere(amendement=amendement, seance=pleniere, actor=secretariat)
            decision: Decision = services.decision_ouvrir(
                seance=pleniere,
                point=point,
                titre="Ajout d'un kit webradio au socle numérique des collèges",
                texte="Le comité est invité à adopter l'amendement de l'AMRF, examiné par le groupe de travail "
                "« Référentiels nationaux ».",
                actor=secretariat,
            )
            positions = [
                ("AMRF", "favorable", "Auteur de l'amendement."),
                ("AMF", "favorable", ""),
                ("ADF", "reserve", "Favorable sur le principe ; le coût du kit doit être confirmé avant les AAP."),
                ("DNE", "favorable", ""),
            ]
            for sigle, position, commentaire in positions:
                services.position_enregistrer(
                    decision=decision,
                    organisation=orgs[sigle],
                    position=position,
                    commentaire=commentaire,
                    actor=secretariat,
                )
            services.decision_arreter(decision=decision, issue="adopte", actor=secretariat)
            services.decision_publier(decision=decision, actor=secretariat)
            services.compte_rendu_enregistrer(
                seance=pleniere,
                texte="Présents : DNE, AMRF, AMF, ADF.\n\nPoint 1 — Amendement de l'AMRF : ajout d'un kit webradio au "
                f"socle numérique des collèges. Adopté (décision {decision.numero}) ; l'ADF réserve sa position "
                "sur le coût du kit. La version 2 du référentiel collège est publiée.",
                actor=secretariat,
            )
        amendement.refresh_from_db()
        self.stdout.write(
            f"Histoire webradio jouée : décision {decision.numero}, {amendement.version_produite} publiée."
        )
        self.stdout.write(f"{Membre.objects.count()} sièges au comité.")
