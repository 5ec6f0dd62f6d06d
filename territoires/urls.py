from django.urls import path

from . import views

app_name = "territoires"
urlpatterns = [
    path("etablissements/", views.recherche, name="recherche"),
    path("etablissements/<str:uai>/", views.etablissement, name="etablissement"),
    path("etablissements/<str:uai>/modifier/", views.etablissement_modifier, name="etablissement_modifier"),
    path("collectivites/<slug:code>/", views.collectivite, name="collectivite"),
    path("collectivites/<slug:code>/modifier/", views.collectivite_modifier, name="collectivite_modifier"),
    path(
        "collectivites/<slug:code>/transfert-competence/",
        views.competence_transfert,
        name="competence_transfert",
    ),
    path("territoires/", views.academies, name="academies"),
    path("territoires/academies/<str:code>/", views.academie, name="academie"),
    path("territoires/departements/<str:code>/", views.departement, name="departement"),
]
