from django.urls import path

from . import views

app_name = "diagnostics"
urlpatterns = [
    path("diagnostics/", views.territoire, name="nation"),
    path("diagnostics/territoires/<str:echelon>/<str:code>/", views.territoire, name="territoire"),
    path("diagnostics/etablissements/<str:uai>/", views.etablissement, name="etablissement"),
    path("diagnostics/etablissements/<str:uai>/inventaire/", views.inventaire_modifier, name="inventaire_modifier"),
    path("diagnostics/import/", views.importer, name="importer"),
    path("diagnostics/import/modele/", views.modele, name="modele"),
    path("diagnostics/catalogue/", views.catalogue, name="catalogue"),
    path("diagnostics/catalogue/nouvelle-version/", views.catalogue_publier, name="catalogue_publier"),
]
