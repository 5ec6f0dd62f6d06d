"""Decisions: positions of the organisations present, outcome, and the amendment adopted in the same transaction."""

import pytest
from django.core.exceptions import ValidationError

from comite import services
from comite.models import Decision, Position
from core.audit import history_of

from .factories import amendement_webradio

pytestmark = pytest.mark.django_db


def _presents(monde, seance, *sigles):
    users = {"AMRF": "membre_amrf", "AMF": "membre_amf", "DNE": "dne"}
    ids = [
        services.seance_inscrire(seance=seance, organisation=monde.orgs[s], actor=monde.users[users[s]]).pk
        for s in sigles
    ]
    services.presences_enregistrer(seance=seance, presents=ids, actor=monde.users["dne"])


@pytest.fixture
def amendement_inscrit(monde, groupe, pleniere):
    dne = monde.users["dne"]
    amendement = amendement_webradio(monde.orgs["AMRF"], monde.users["membre_amrf"])
    services.discussion_ouvrir(amendement=amendement, groupe=groupe, actor=dne)
    point = services.amendement_inscrire_en_pleniere(amendement=amendement, seance=pleniere, actor=dne)
    amendement.refresh_from_db()
    assert amendement.etat == "inscrit"
    return point


def test_adopting_the_decision_adopts_the_amendment_and_publishes_version_2(monde, pleniere, amendement_inscrit):
    dne = monde.users["dne"]
    _presents(monde, pleniere, "AMRF", "AMF", "DNE")
    decision = services.decision_ouvrir(seance=pleniere, point=amendement_inscrit, titre="Kit webradio", actor=dne)
    assert decision.amendement == amendement_inscrit.amendement
    services.position_enregistrer(decision=decision, organisation=monde.orgs["AMRF"], position="favorable", actor=dne)
    services.position_enregistrer(
        decision=decision, organisation=monde.orgs["AMF"], position="reserve", commentaire="Coût à confirmer", actor=dne
    )
    services.decision_arreter(decision=decision, issue="adopte", actor=dne)

    amendement = amendement_inscrit.amendement
    amendement.refresh_from_db()
    assert amendement.etat == "adopte"
    version = amendement.version_produite
    assert (version.numero, version.etat) == (2, "adoptee")
    assert version.items.filter(code="webradio").exists()
    assert decision.numero in version.decision_ref
    amendement_inscrit.refresh_from_db()
    assert amendement_inscrit.statut == "traite"
    assert history_of(decision).first().action == "comite.decision.adopte"


def test_rejecting_the_decision_rejects_the_amendment_with_its_reason(monde, pleniere, amendement_inscrit):
    dne = monde.users["dne"]
    _presents(monde, pleniere, "AMF")
    decision = services.decision_ouvrir(seance=pleniere, point=amendement_inscrit, titre="Kit webradio", actor=dne)
    services.position_enregistrer(decision=decision, organisation=monde.orgs["AMF"], position="defavorable", actor=dne)
    with pytest.raises(ValidationError, match="motif"):
        services.decision_arreter(decision=decision, issue="rejete", actor=dne)
    services.decision_arreter(decision=decision, issue="rejete", motif="Relève des AAP, pas du socle.", actor=dne)
    amendement = amendement_inscrit.amendement
    amendement.refresh_from_db()
    assert (amendement.etat, amendement.motif_rejet) == ("rejete", "Relève des AAP, pas du socle.")
    assert amendement.referentiel.version_adoptee().numero == 1


def test_a_position_needs_the_organisation_present(monde, pleniere):
    dne = monde.users["dne"]
    _presents(monde, pleniere, "AMF")
    services.seance_inscrire(seance=pleniere, organisation=monde.orgs["AMRF"], actor=monde.users["membre_amrf"])
    decision = services.decision_ouvrir(seance=pleniere, titre="Doctrine", actor=dne)
    with pytest.raises(ValidationError, match="n'est pas présente"):
        services.position_enregistrer(
            decision=decision, organisation=monde.orgs["AMRF"], position="favorable", actor=dne
        )
    with pytest.raises(ValidationError, match="Aucune position"):
        services.decision_arreter(decision=decision, issue="adopte", actor=dne)
    assert not Position.objects.exists()
    assert Decision.objects.get(pk=decision.pk).issue == "en_deliberation"


def test_when_the_amendment_cannot_be_adopted_the_decision_stays_open(monde, groupe, pleniere):
    """Same transaction: an amendment never discussed cannot be adopted, and the decision is not recorded either."""
    dne = monde.users["dne"]
    amendement = amendement_webradio(monde.orgs["AMRF"], monde.users["membre_amrf"])
    _presents(monde, pleniere, "AMRF")
    decision = services.decision_ouvrir(seance=pleniere, titre="Kit webradio", amendement=amendement, actor=dne)
    services.position_enregistrer(decision=decision, organisation=monde.orgs["AMRF"], position="favorable", actor=dne)
    with pytest.raises(ValidationError):
        services.decision_arreter(decision=decision, issue="adopte", actor=dne)
    assert Decision.objects.get(pk=decision.pk).issue == "en_deliberation"
    amendement.refresh_from_db()
    assert amendement.etat == "propose"
    assert amendement.referentiel.version_adoptee().numero == 1


def test_an_amendment_goes_to_a_working_group_before_the_plenary(monde, pleniere):
    dne = monde.users["dne"]
    amendement = amendement_webradio(monde.orgs["AMRF"], monde.users["membre_amrf"])
    with pytest.raises(ValidationError, match="groupe de travail"):
        services.amendement_inscrire_en_pleniere(amendement=amendement, seance=pleniere, actor=dne)
    amendement.refresh_from_db()
    assert amendement.etat == "propose"
    assert not amendement.points_comite.filter(statut="inscrit").exists()


def test_discussion_thread_members_of_the_group_only(monde, groupe):
    from django.core.exceptions import PermissionDenied

    dne = monde.users["dne"]
    amendement = amendement_webradio(monde.orgs["AMRF"], monde.users["membre_amrf"])
    discussion = services.discussion_ouvrir(amendement=amendement, groupe=groupe, actor=dne)
    amendement.refresh_from_db()
    assert amendement.etat == "en_discussion"
    message = services.message_poster(discussion=discussion, texte="Favorable.", actor=monde.users["membre_amrf"])
    assert message.organisation == monde.orgs["AMRF"]
    with pytest.raises(PermissionDenied):
        services.message_poster(
            discussion=discussion, texte="Et nous ?", actor=monde.users["secretariat_non_signataire"]
        )
    assert list(discussion.messages.values_list("texte", flat=True)) == ["Favorable."]
