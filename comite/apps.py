from django.apps import AppConfig


class ComiteConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "comite"
    verbose_name = "Comité des partenaires"

    def ready(self) -> None:
        from . import signals  # noqa: F401
