from django.apps import AppConfig


class DiagnosticsConfig(AppConfig):
    name = "diagnostics"
    verbose_name = "Diagnostics et inventaires"

    def ready(self) -> None:
        from referentiels.signals import version_adoptee

        from .signals import version_adoptee as recalculer

        version_adoptee.connect(recalculer, dispatch_uid="diagnostics.recalcul_apres_adoption")
