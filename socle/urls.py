from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("", include("core.urls")),
    path("comptes/", include("comptes.urls")),
    path("referentiels/", include("referentiels.urls")),
    path("comite/", include("comite.urls")),
    path("appels/", include("appels.urls")),
    path("", include("territoires.urls")),
    path("", include("diagnostics.urls")),
    path("oidc/", include("mozilla_django_oidc.urls")),
    path("gestion/", admin.site.urls),
    path("api/", include("socle.api_urls")),
]
