from django.urls import path

from . import views

app_name = "comite"
urlpatterns = [
    path("", views.index, name="index"),
    path("organisations/", views.organisations, name="organisations"),
    path("seances/", views.seances, name="seances"),
    path("seances/<int:pk>/", views.seance, name="seance"),
    path("seances/<int:pk>/inscription/", views.seance_inscription, name="seance_inscription"),
    path("seances/<int:pk>/presences/", views.seance_presences, name="seance_presences"),
    path("seances/<int:pk>/compte-rendu/", views.seance_compte_rendu, name="seance_compte_rendu"),
    path("seances/<int:pk>/decision/", views.seance_decision, name="seance_decision"),
    path("points/", views.points, name="points"),
    path("points/<int:pk>/", views.point, name="point"),
    path("points/<int:pk>/<slug:action>/", views.point_action, name="point_action"),
    path("groupes/", views.groupes, name="groupes"),
    path("groupes/<slug:slug>/", views.groupe, name="groupe"),
    path("discussions/<int:pk>/", views.discussion, name="discussion"),
    path("discussions/<int:pk>/inscrire/", views.discussion_inscrire, name="discussion_inscrire"),
    path("decisions/", views.decisions, name="decisions"),
    path("decisions/<int:pk>/", views.decision, name="decision"),
    path("decisions/<int:pk>/<slug:action>/", views.decision_action, name="decision_action"),
    path("conventions/", views.conventions, name="conventions"),
    path("conventions/<int:pk>/", views.convention, name="convention"),
    path("documents/<int:pk>/", views.document, name="document"),
]
