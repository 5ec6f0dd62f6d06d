from django.urls import path

from . import views

app_name = "appels"
urlpatterns = [
    path("", views.liste, name="liste"),
    path("dossiers/", views.dossiers, name="dossiers"),
    path("dossiers/<int:pk>/", views.dossier, name="dossier"),
    path("dossiers/<int:pk>/ecoles/<str:uai>/", views.projet, name="projet"),
    path(
        "dossiers/<int:pk>/projets/<int:projet_pk>/projet-pedagogique/",
        views.projet_pedagogique,
        name="projet_pedagogique",
    ),
    path("dossiers/<int:pk>/projets/<int:projet_pk>/<str:action>/", views.projet_action, name="projet_action"),
    path("dossiers/<int:pk>/convention.pdf", views.convention, name="convention"),
    path("dossiers/<int:pk>/pieces/<int:piece_pk>/", views.piece, name="piece"),
    path("dossiers/<int:pk>/paiements/<str:type_>/", views.paiement, name="paiement"),
    path("dossiers/<int:pk>/echanges/<str:quoi>/", views.dossier_echange, name="dossier_echange"),
    path("dossiers/<int:pk>/<str:action>/", views.dossier_action, name="dossier_action"),
    path("<slug:code>/", views.appel, name="appel"),
    path("<slug:code>/simulateur/", views.simulateur, name="simulateur"),
    path("<slug:code>/retenus/", views.retenus, name="retenus"),
    path("<slug:code>/instruction/", views.instruction, name="instruction"),
    path("<slug:code>/instruction/lot/", views.instruction_lot, name="instruction_lot"),
    path("<slug:code>/revision/", views.revision, name="revision"),
    path("<slug:code>/enveloppes/", views.enveloppes, name="enveloppes"),
    path("<slug:code>/deposer/<int:collectivite>/", views.deposer, name="deposer"),
]
