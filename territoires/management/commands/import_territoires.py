"""``manage.py import_territoires``: territories, collectivités and établissements from the national open data.

Examples::

    manage.py import_territoires                        # everything, from settings.SOCLE_DATA_DIR
    manage.py import_territoires --departements 35,94   # établissements of two départements only
    manage.py import_territoires --download             # fetch the official files first
    manage.py import_territoires --force                # re-import even if no file changed

Territories (régions … communes, EPCI) are always imported for the whole country; ``--departements`` restricts the
établissements and their figures. Re-running with unchanged files (same SHA-256) and the same filter does nothing.
"""

import sys
import time
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from territoires.importers.etablissements import departements_demandes
from territoires.importers.readers import ErreurImport
from territoires.importers.run import importer, localiser, telecharger
from territoires.rules import code_departement_valide

ETAPES = 10


class Command(BaseCommand):
    # A data import depends on no URL, template or other app: no system checks (and a faster start).
    requires_system_checks: list[str] = []
    help = (
        "Importe régions, académies, départements, EPCI, communes, collectivités et établissements (données ouvertes)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--data-dir", help="dossier des fichiers (défaut : SOCLE_DATA_DIR)")
        parser.add_argument("--departements", help="limiter les établissements à ces départements, ex. 35,94")
        parser.add_argument("--download", action="store_true", help="télécharger les fichiers depuis leurs portails")
        parser.add_argument("--force", action="store_true", help="réimporter même si aucun fichier n'a changé")

    def handle(self, *args: Any, **options: Any) -> None:
        debut = time.monotonic()
        self.tty = bool(getattr(self.stdout, "isatty", lambda: False)()) and sys.stdout.isatty()
        self.numero = 0
        departements = departements_demandes(options.get("departements"))
        if departements:
            invalides = sorted(d for d in departements if not code_departement_valide(d))
            if invalides:
                raise CommandError(f"--departements : code(s) invalide(s) : {', '.join(invalides)}")
        dossier = Path(options.get("data_dir") or settings.SOCLE_DATA_DIR)
        try:
            if options.get("download"):
                chemins = telecharger(Path(settings.SOCLE_DOWNLOAD_DIR), dossier, etape=self.etape)
            else:
                if not dossier.is_dir():
                    raise CommandError(f"Dossier de données introuvable : {dossier}")
                chemins = localiser(dossier)
            rapport = importer(chemins, departements=departements, force=options.get("force", False), etape=self.etape)
        except ErreurImport as exc:
            if self.tty:
                self.stdout.write("")
            raise CommandError(
                "Import annulé, la base n'a pas été modifiée :\n" + "\n".join(f"- {m}" for m in exc.messages)
            ) from exc
        if self.tty:
            self.stdout.write("")
        if rapport.inchange:
            self.stdout.write(
                "Aucun fichier n'a changé depuis le dernier import : rien à faire (--force pour réimporter)."
            )
            return
        for modele, compte in rapport.comptes.items():
            self.stdout.write(f"{modele} : {compte}")
        self.stdout.write(f"Collectivités compétentes recalculées : {rapport.recalcules}")
        for avertissement in rapport.avertissements:
            self.stdout.write(self.style.WARNING(f"Attention : {avertissement}"))
        self.stdout.write(self.style.SUCCESS(f"Import terminé en {time.monotonic() - debut:.1f} s."))

    def etape(self, texte: str) -> None:
        """A progress bar on a terminal, plain lines otherwise."""
        self.numero += 1
        if self.tty:
            fait = min(self.numero, ETAPES)
            barre = "█" * (fait * 20 // ETAPES) + "░" * (20 - fait * 20 // ETAPES)
            self.stdout.write(f"\r{barre} {texte[:60]:<60}", ending="")
            self.stdout.flush()
        else:
            self.stdout.write(f"[{self.numero}] {texte}")
