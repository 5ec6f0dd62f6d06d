"""Load the versions 1 of the école, collège and lycée référentiels (idempotent)."""

from django.core.management.base import BaseCommand

from referentiels.presets import REFERENTIELS
from referentiels.services import referentiel_charger_version_initiale


class Command(BaseCommand):
    help = "Charge la version 1 des référentiels du socle numérique (écoles, collèges, lycées), si elle manque."

    def handle(self, *args, **options) -> None:
        for data in REFERENTIELS:
            version, created = referentiel_charger_version_initiale(
                niveau=data["niveau"],
                titre=data["titre"],
                description=data["description"],
                items=data["items"],
                a_valider=data["a_valider"],
                notes=data["notes"],
            )
            etat = "chargée" if created else "déjà présente"
            self.stdout.write(f"{version} : {etat} ({version.items.count()} items).")
