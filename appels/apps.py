from django.apps import AppConfig


class AppelsConfig(AppConfig):
    name = "appels"
    verbose_name = "Appels à projets"

    def ready(self) -> None:
        from . import notifications, signals

        signals.dossier_transition.connect(notifications.notifier_transition, dispatch_uid="appels.notifications")
