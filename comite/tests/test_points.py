"""Agenda items: proposed by a member organisation, accepted, scheduled or declined by the secrétariat."""

import pytest
from django.core.exceptions import ValidationError

from comite import services
from comite.models import PointOrdreDuJour
from core.audit import history_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def point(monde):
    return services.point_proposer(
        organisation=monde.orgs["AMRF"],
        titre="Débit minimal des écoles rurales",
        description="Fixer un seuil national.",
        actor=monde.users["membre_amrf"],
    )


def test_accepted_then_scheduled_on_a_meeting_in_order(monde, pleniere, point):
    dne = monde.users["dne"]
    autre = services.point_proposer(
        organisation=monde.orgs["AMF"], titre="Maintenance", actor=monde.users["membre_amf"]
    )
    services.point_inscrire(point=autre, seance=pleniere, actor=dne)
    services.point_accepter(point=point, actor=dne)
    services.point_inscrire(point=point, seance=pleniere, actor=dne)

    point.refresh_from_db()
    assert point.statut == "inscrit"
    assert point.seance == pleniere
    assert list(pleniere.points.order_by("ordre").values_list("titre", flat=True)) == [
        "Maintenance",
        "Débit minimal des écoles rurales",
    ]
    assert [e.action for e in history_of(point)] == [
        "comite.point.inscrit",
        "comite.point.accepte",
        "comite.point.propose",
    ]


def test_declining_needs_a_reason_and_is_final(monde, pleniere, point):
    dne = monde.users["dne"]
    with pytest.raises(ValidationError, match="motif"):
        services.point_decliner(point=point, motif="  ", actor=dne)
    assert PointOrdreDuJour.objects.get(pk=point.pk).statut == "propose"

    services.point_decliner(point=point, motif="Déjà traité en septembre.", actor=dne)
    point.refresh_from_db()
    assert (point.statut, point.motif_refus) == ("decline", "Déjà traité en septembre.")
    with pytest.raises(ValidationError, match="Décliné"):
        services.point_inscrire(point=point, seance=pleniere, actor=dne)
    assert PointOrdreDuJour.objects.get(pk=point.pk).seance is None


def test_an_empty_title_is_refused(monde):
    with pytest.raises(ValidationError, match="titre"):
        services.point_proposer(organisation=monde.orgs["AMRF"], titre=" ", actor=monde.users["membre_amrf"])
    assert not PointOrdreDuJour.objects.exists()


def test_pages_propose_then_schedule(client, monde, pleniere):
    from .conftest import connecter, texte

    connecter(client, monde.users["membre_amrf"])
    response = client.post(
        "/comite/points/",
        {"organisation": monde.orgs["AMRF"].pk, "titre": "Sobriété numérique", "description": ""},
        follow=True,
    )
    assert "transmise au secrétariat" in texte(response)
    point = PointOrdreDuJour.objects.get(titre="Sobriété numérique")
    # A member cannot schedule it.
    client.post(f"/comite/points/{point.pk}/inscrire/", {"seance": pleniere.pk})
    assert PointOrdreDuJour.objects.get(pk=point.pk).statut == "propose"

    connecter(client, monde.users["dne"])
    page = client.get(point.get_absolute_url())
    assert "Inscrire à l’ordre du jour" in texte(page)
    response = client.post(f"/comite/points/{point.pk}/inscrire/", {"seance": pleniere.pk}, follow=True)
    assert "inscrit à l'ordre du jour" in texte(response)
    assert PointOrdreDuJour.objects.get(pk=point.pk).seance == pleniere
    response = client.post(f"/comite/points/{point.pk}/decliner/", {"motif": ""}, follow=True)
    assert "Indiquez le motif du refus" in texte(response)


def test_secretariat_schedules_a_meeting_from_the_page(client, monde):
    from comite.models import Seance

    from .conftest import connecter, texte

    connecter(client, monde.users["dne"])
    donnees = {"type": "pleniere", "titre": "Plénière de janvier", "date": "2027-01-14T14:00", "mode": "hybride"}
    response = client.post("/comite/seances/", {**donnees, "lieu": "DNE, Paris"}, follow=True)
    assert "Une séance à distance ou hybride doit avoir un lien de visioconférence." in texte(response)
    assert not Seance.objects.exists()
    response = client.post(
        "/comite/seances/",
        {**donnees, "lieu": "DNE, Paris", "lien_visio": "https://webconf.example.org/j"},
        follow=True,
    )
    assert "La séance est créée." in texte(response)
    seance = Seance.objects.get()
    assert (seance.mode, seance.lien_visio) == ("hybride", "https://webconf.example.org/j")
    assert "Rejoindre la visioconférence" in texte(response)
