from typing import Any

from django.core.management.base import BaseCommand

from comite.services import digest_envoyer


class Command(BaseCommand):
    help = "Envoie à chaque personne un seul courriel récapitulant ses notifications du comité en attente."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--base-url", default="", help="Adresse du site préfixée aux liens (par exemple https://socle.example)."
        )

    def handle(self, *args: Any, base_url: str = "", **options: Any) -> None:
        envoyes = digest_envoyer(base_url=base_url.rstrip("/"))
        self.stdout.write(self.style.SUCCESS(f"{envoyes} courriel(s) récapitulatif(s) envoyé(s)."))
