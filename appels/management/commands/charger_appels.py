"""Load the appels à projets shipped as data (SNÉÉ 2021, ENIR 2018, Label 2020, webradio 2022); idempotent.

``--demo`` also opens a demonstration appel with the SNÉÉ 2021 rules (code ``demo-snee``), open from
yesterday for 90 days, with its national envelope split evenly between the académies, so that the demo
accounts can file, instruct and decide dossiers. The historical appels keep their real (closed) calendars.
"""

import copy
import datetime as dt
from decimal import ROUND_DOWN, Decimal

from django.core.management.base import BaseCommand
from django.utils import timezone

from appels.models import Enveloppe
from appels.presets import preset, presets
from appels.services import appel_charger, enveloppe_fixer
from territoires.models import Academie

CODE_DEMO = "demo-snee"


class Command(BaseCommand):
    help = "Charge les appels à projets de référence (SNÉÉ 2021, ENIR 2018, Label 2020, webradio 2022), s'ils manquent."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--demo", action="store_true", help="Ouvre aussi un appel de démonstration (règles SNÉÉ).")

    def handle(self, *args, **options) -> None:
        for data in presets():
            appel, cree = appel_charger(data=data)
            self.stdout.write(f"{appel} : {'chargé' if cree else 'déjà présent'}.")
        if options["demo"]:
            self._demo()

    def _demo(self) -> None:
        data = copy.deepcopy(preset("snee-2021"))
        aujourd_hui = timezone.localdate()
        data.update(
            code=CODE_DEMO,
            titre="Démonstration — socle numérique dans les écoles (règles SNÉÉ 2021)",
            millesime=str(aujourd_hui.year),
            ouverture=(aujourd_hui - dt.timedelta(days=1)).isoformat(),
            cloture=(aujourd_hui + dt.timedelta(days=90)).isoformat(),
            notes="Appel fictif pour la démonstration de Socle : mêmes règles que le SNÉÉ 2021. " + data["notes"],
        )
        appel, cree = appel_charger(data=data)
        self.stdout.write(f"{appel} : {'ouvert' if cree else 'déjà présent'}.")
        academies = list(Academie.objects.order_by("code"))
        if not academies or Enveloppe.objects.filter(appel=appel).exists():
            return
        part = (Decimal(data["enveloppe_nationale"]) / len(academies)).quantize(Decimal(1), rounding=ROUND_DOWN)
        for academie in academies:
            enveloppe_fixer(appel=appel, academie=academie, montant=part, acteur=None)
        self.stdout.write(f"Enveloppes : {len(academies)} académies × {part} €.")
