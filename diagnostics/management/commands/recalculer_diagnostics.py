"""Recompute every diagnostic against the adopted référentiel versions, and every territorial aggregate."""

from django.core.management.base import BaseCommand

from diagnostics import national, services


class Command(BaseCommand):
    help = "Recalcule tous les diagnostics (versions adoptées des référentiels) et tous les agrégats territoriaux."

    def handle(self, *args, **options) -> None:
        services.catalogue_charger_initial()
        bilan = national.recalculer_tout()
        self.stdout.write(
            f"{bilan.etablissements} établissements, {bilan.diagnostics} diagnostics, {bilan.agregats} agrégats "
            f"en {bilan.secondes:.1f} s."
        )
