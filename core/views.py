from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from territoires.selectors import compte_national


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "core/home.html", {"title": "Accueil", "tableau": compte_national()})
