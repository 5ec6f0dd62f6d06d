"""Demo accounts: one per role of DESIGN.md, attached to real organisations of the imported data.

Idempotent: the passwords are generated once, kept in ``var/comptes-demo.txt`` (not versioned) and printed on
every run; a second run changes nothing.
"""

import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from comptes.models import Organisation, Role, TypeOrganisation, User
from comptes.services import rattachement_accorder
from territoires.models import Academie, Circonscription, Collectivite, Etablissement, Niveau, Secteur

COMMUNE = "commune-35238"
DEPARTEMENT = "departement-35"
REGION = "region-53"
ACADEMIE = "14"
CODE_COMMUNE_ECOLE = "35238"
DNE = ("Ministère de l'Éducation nationale — DNE", "DNE")
AMRF = ("Association des maires ruraux de France (AMRF)", "AMRF")

IMPORT_D_ABORD = "Lancez d'abord l'import des données : « python manage.py import_territoires » (ou « make setup »)."


@dataclass(frozen=True)
class CompteDemo:
    identifiant: str
    prenom: str
    nom: str
    role: Role
    organisation: Organisation


class Command(BaseCommand):
    help = "Crée (une seule fois) un compte de démonstration par rôle et affiche les identifiants."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--fichier",
            type=Path,
            default=settings.VAR_DIR / "comptes-demo.txt",
            help="Fichier où les mots de passe sont conservés (par défaut var/comptes-demo.txt).",
        )

    def handle(self, *args: Any, fichier: Path, **options: Any) -> None:
        mots_de_passe = lire_mots_de_passe(fichier)
        with transaction.atomic():
            comptes = comptes_attendus()
            lignes = []
            for compte in comptes:
                mot_de_passe = mots_de_passe.setdefault(compte.identifiant, secrets.token_urlsafe(12))
                creer_compte(compte, mot_de_passe)
                lignes.append((compte.role.label, compte.identifiant, mot_de_passe, compte.organisation.nom))
        ecrire_mots_de_passe(fichier, mots_de_passe)
        self.stdout.write(f"Comptes de démonstration (mots de passe conservés dans {fichier}) :\n")
        self.stdout.write(tableau(("Rôle", "Identifiant", "Mot de passe", "Organisation"), lignes))


def comptes_attendus() -> list[CompteDemo]:
    commune = collectivite(COMMUNE, "la Commune de Rennes")
    departement = collectivite(DEPARTEMENT, "le Département d'Ille-et-Vilaine")
    region = collectivite(REGION, "la Région Bretagne")
    ecole = (
        Etablissement.objects.filter(niveau=Niveau.ECOLE, secteur=Secteur.PUBLIC, commune_id=CODE_COMMUNE_ECOLE)
        .select_related("circonscription")
        .order_by("uai")
        .first()
    )
    if ecole is None:
        raise CommandError(f"Aucune école publique de Rennes ({CODE_COMMUNE_ECOLE}) n'est importée. {IMPORT_D_ABORD}")
    academie = Academie.objects.filter(code=ACADEMIE).first()
    if academie is None:
        raise CommandError(f"L'académie de Rennes (code {ACADEMIE}) n'est pas importée. {IMPORT_D_ABORD}")
    circonscription = (
        ecole.circonscription or Circonscription.objects.filter(academie=academie).order_by("code").first()
    )
    if circonscription is None:
        raise CommandError(f"Aucune circonscription de l'académie de Rennes n'est importée. {IMPORT_D_ABORD}")

    def territoriale(type_: str, objet: Any) -> Organisation:
        organisation, _ = Organisation.objects.get_or_create(
            **{type_: objet},
            defaults={
                "nom": str(objet) if isinstance(objet, Academie) else objet.nom,
                "type": type_,
                "siren": getattr(objet, "siren", None) or "",
            },
        )
        return organisation

    def nationale(type_: str, nom: str, sigle: str) -> Organisation:
        existing = (
            Organisation.objects.filter(type=type_, sigle=sigle).order_by("pk").first()
            or Organisation.objects.filter(type=type_, nom=nom).order_by("pk").first()
        )
        return existing or Organisation.objects.create(type=type_, nom=nom, sigle=sigle)

    c = TypeOrganisation
    return [
        CompteDemo(
            "agent.rennes", "Morgane", "Le Bihan", Role.AGENT_COLLECTIVITE, territoriale(c.COLLECTIVITE, commune)
        ),
        CompteDemo(
            "agent.ille-et-vilaine",
            "Yann",
            "Guillou",
            Role.AGENT_COLLECTIVITE,
            territoriale(c.COLLECTIVITE, departement),
        ),
        CompteDemo(
            "agent.bretagne", "Gwenaëlle", "Riou", Role.AGENT_COLLECTIVITE, territoriale(c.COLLECTIVITE, region)
        ),
        CompteDemo("directeur.ecole", "Sophie", "Martin", Role.DIRECTEUR, territoriale(c.ETABLISSEMENT, ecole)),
        CompteDemo(
            "inspecteur.ien", "Karim", "Benali", Role.INSPECTEUR, territoriale(c.CIRCONSCRIPTION, circonscription)
        ),
        CompteDemo("instructeur.rennes", "Hélène", "Caradec", Role.INSTRUCTEUR, territoriale(c.ACADEMIE, academie)),
        CompteDemo("dne.national", "Thomas", "Bernard", Role.DNE, nationale(c.MINISTERE, *DNE)),
        CompteDemo("comite.amrf", "Jeanne", "Perrot", Role.MEMBRE_COMITE, nationale(c.ASSOCIATION, *AMRF)),
    ]


def collectivite(code: str, libelle: str) -> Collectivite:
    found = Collectivite.objects.filter(code=code).first()
    if found is None:
        raise CommandError(f"La collectivité « {code} » ({libelle}) est introuvable. {IMPORT_D_ABORD}")
    return found


def creer_compte(compte: CompteDemo, mot_de_passe: str) -> User:
    user, created = User.objects.get_or_create(
        username=compte.identifiant,
        defaults={
            "first_name": compte.prenom,
            "last_name": compte.nom,
            "email": f"{compte.identifiant}@demo.socle.invalid",
        },
    )
    if created or not user.check_password(mot_de_passe):
        # New account, or the password file was lost: the printed password must be the one that works.
        user.set_password(mot_de_passe)
        user.save(update_fields=["password"])
    rattachement_accorder(user=user, organisation=compte.organisation, role=compte.role)
    return user


def lire_mots_de_passe(fichier: Path) -> dict[str, str]:
    if not fichier.exists():
        return {}
    result = {}
    for numero, ligne in enumerate(fichier.read_text(encoding="utf-8").splitlines(), start=1):
        if not ligne.strip() or ligne.startswith("#"):
            continue
        identifiant, sep, mot_de_passe = ligne.partition("\t")
        if not sep or not mot_de_passe.strip():
            raise CommandError(f"{fichier}, ligne {numero} : attendu « identifiant<tab>mot de passe ».")
        result[identifiant.strip()] = mot_de_passe.strip()
    return result


def ecrire_mots_de_passe(fichier: Path, mots_de_passe: dict[str, str]) -> None:
    contenu = "# Comptes de démonstration de Socle : identifiant<tab>mot de passe\n" + "".join(
        f"{identifiant}\t{mot_de_passe}\n" for identifiant, mot_de_passe in mots_de_passe.items()
    )
    if fichier.exists() and fichier.read_text(encoding="utf-8") == contenu:
        return
    fichier.parent.mkdir(parents=True, exist_ok=True)
    fichier.write_text(contenu, encoding="utf-8")
    fichier.chmod(0o600)


def tableau(entetes: tuple[str, ...], lignes: list[tuple[str, ...]]) -> str:
    largeurs = [max(len(str(cell)) for cell in colonne) for colonne in zip(entetes, *lignes, strict=False)]

    def ligne(cells: tuple[str, ...]) -> str:
        return "  ".join(str(cell).ljust(largeur) for cell, largeur in zip(cells, largeurs, strict=True)).rstrip()

    return "\n".join([ligne(entetes), ligne(tuple("-" * n for n in largeurs)), *map(ligne, lignes)]) + "\n"
