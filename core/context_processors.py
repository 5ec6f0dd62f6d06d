from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse


def socle(request: HttpRequest) -> dict:
    return {
        "SOCLE_THEME": settings.SOCLE_THEME,
        "PROCONNECT_ENABLED": settings.PROCONNECT_ENABLED,
    }


# Entries are (url name, label); each app's pages add theirs here.
MENU = [
    ("core:home", "Accueil"),
    ("territoires:recherche", "Établissements"),
    ("territoires:academies", "Territoires"),
    ("referentiels:liste", "Référentiels"),
    ("diagnostics:nation", "Diagnostics"),
    ("appels:liste", "Appels à projets"),
    ("comite:index", "Comité des partenaires"),
]


def menu(request: HttpRequest) -> dict:
    return {"SOCLE_MENU": [{"url": reverse(name), "label": label} for name, label in MENU]}
