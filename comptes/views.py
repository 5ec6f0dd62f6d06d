"""Pages of the person who is logged in."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from .selectors import rattachements_de


@login_required
def profil(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "comptes/profil.html",
        {"title": "Mon compte", "rattachements": rattachements_de(request.user)},
    )
