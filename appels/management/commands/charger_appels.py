"""Load the appels à projets shipped as data (SNÉÉ 2021, ENIR 2018, Label 2020, webradio 2022); idempotent."""

from django.core.management.base import BaseCommand

from appels.presets import presets
from appels.services import appel_charger


class Command(BaseCommand):
    help = "Charge les appels à projets de référence (SNÉÉ 2021, ENIR 2018, Label 2020, webradio 2022), s'ils manquent."

    def handle(self, *args, **options) -> None:
        for data in presets():
            appel, cree = appel_charger(data=data)
            self.stdout.write(f"{appel} : {'chargé' if cree else 'déjà présent'}.")
