"""Generate simulated inventories (ETIC 2018-2019 distributions), then recompute diagnostics and aggregates."""

import time

from django.core.management.base import BaseCommand

from diagnostics import national, services
from territoires.models import Etablissement


class Command(BaseCommand):
    help = (
        "Génère des inventaires SIMULÉS (distributions ETIC 2018-2019) pour les établissements d'un ou plusieurs "
        "départements (ou de toute la France avec --national), puis recalcule les diagnostics. Idempotent ; "
        "un inventaire réel n'est jamais écrasé."
    )

    def add_arguments(self, parser):
        parser.add_argument("--departements", default="35", help="codes séparés par des virgules (défaut : 35)")
        parser.add_argument("--national", action="store_true", help="tous les établissements de la liste nationale")
        parser.add_argument("--graine", type=int, default=2019)
        parser.add_argument("--sans-recalcul", action="store_true")

    def handle(self, *args, **options) -> None:
        services.catalogue_charger_initial()
        qs = Etablissement.objects.all()
        if not options["national"]:
            codes = [c.strip() for c in options["departements"].split(",") if c.strip()]
            qs = qs.filter(departement_id__in=codes)
        debut = time.perf_counter()
        n, lignes = services.inventaires_simuler(etablissements=qs, seed=options["graine"])
        self.stdout.write(f"{n} inventaires simulés ({lignes} lignes) en {time.perf_counter() - debut:.1f} s.")
        if not options["sans_recalcul"]:
            bilan = national.recalculer_tout()
            self.stdout.write(
                f"{bilan.diagnostics} diagnostics et {bilan.agregats} agrégats recalculés en {bilan.secondes:.1f} s."
            )
