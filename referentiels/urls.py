from django.urls import path, register_converter

from . import views


class NiveauConverter:
    regex = "ecole|college|lycee"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(NiveauConverter, "niveau")

app_name = "referentiels"
urlpatterns = [
    path("", views.liste, name="liste"),
    path("amendements/<int:pk>/", views.amendement, name="amendement"),
    path("amendements/<int:pk>/completer/", views.amendement_completer, name="amendement_completer"),
    path(
        "amendements/<int:pk>/<str:action>/",
        views.amendement_action,
        name="amendement_action",
    ),
    path("<niveau:niveau>/", views.referentiel, name="referentiel"),
    path("<niveau:niveau>/comparer/", views.diff, name="diff"),
    path("<niveau:niveau>/comparer.json", views.diff_json, name="diff_json"),
    path("<niveau:niveau>/amendements/nouveau/", views.amendement_nouveau, name="amendement_nouveau"),
    path("<niveau:niveau>/brouillon/", views.brouillon_creer, name="brouillon_creer"),
    path("<niveau:niveau>/v<int:numero>/", views.version, name="version"),
    path("<niveau:niveau>/v<int:numero>/pdf/", views.version_pdf, name="version_pdf"),
    path("<niveau:niveau>/v<int:numero>/<str:action>/", views.version_action, name="version_action"),
]
