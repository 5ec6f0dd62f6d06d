from django.apps import AppConfig


class ReferentielsConfig(AppConfig):
    name = "referentiels"
    verbose_name = "Référentiels du socle numérique"
