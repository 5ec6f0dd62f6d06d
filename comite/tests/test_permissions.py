"""The permission matrix of the comité, tried through the services (the guard) and the pages."""

import pytest
from django.core.exceptions import PermissionDenied

from comite import services
from comite.models import Decision, PointOrdreDuJour
from comite.permissions import comite_scope

from .conftest import connecter
from .factories import ROLES

pytestmark = pytest.mark.django_db

# role → (member pages, propose for AMRF or AMF, secrétariat)
ATTENDU = {
    "anonyme": (False, False, False),
    "agent_collectivite": (False, False, False),
    "membre_amrf": (True, True, False),
    "membre_amf": (True, True, False),
    "secretariat_signataire": (True, True, True),
    # The « secrétariat » role counts only in an organisation that signed the 2015 convention.
    "secretariat_non_signataire": (True, True, False),
    "dne": (True, True, True),
}
assert list(ATTENDU) == ROLES


@pytest.mark.parametrize("role", ROLES)
def test_scope_of_each_role(monde, role):
    membre, propose, secretariat = ATTENDU[role]
    cs = comite_scope(monde.users[role])
    assert cs.membre is membre
    assert bool(cs.organisations) is propose
    assert cs.secretariat is secretariat


@pytest.mark.parametrize("role", ROLES)
def test_only_the_secretariat_schedules_or_declines(monde, pleniere, role):
    point = services.point_proposer(
        organisation=monde.orgs["AMRF"], titre="Bande passante", actor=monde.users["membre_amrf"]
    )
    user = monde.users[role]
    secretariat = ATTENDU[role][2]
    assert point.get_abilities(user)["schedule"] is secretariat
    assert point.get_abilities(user)["decline"] is secretariat
    if secretariat:
        services.point_inscrire(point=point, seance=pleniere, actor=user)
        assert PointOrdreDuJour.objects.get(pk=point.pk).statut == "inscrit"
    else:
        with pytest.raises(PermissionDenied):
            services.point_inscrire(point=point, seance=pleniere, actor=user)
        with pytest.raises(PermissionDenied):
            services.point_decliner(point=point, motif="Hors sujet", actor=user)
        assert PointOrdreDuJour.objects.get(pk=point.pk).statut == "propose"


@pytest.mark.parametrize("role", ROLES)
def test_a_member_proposes_only_for_its_own_organisation(monde, role):
    user = monde.users[role]
    peut_amrf = role in ("membre_amrf",)
    if peut_amrf:
        services.point_proposer(organisation=monde.orgs["AMRF"], titre="Point", actor=user)
    else:
        with pytest.raises(PermissionDenied):
            services.point_proposer(organisation=monde.orgs["AMRF"], titre="Point", actor=user)
    assert PointOrdreDuJour.objects.filter(organisation=monde.orgs["AMRF"]).count() == int(peut_amrf)


@pytest.mark.parametrize("role", ROLES)
def test_positions_and_decisions_are_recorded_by_the_secretariat(monde, pleniere, role):
    dne = monde.users["dne"]
    inscription = services.seance_inscrire(
        seance=pleniere, organisation=monde.orgs["AMRF"], actor=monde.users["membre_amrf"]
    )
    services.presences_enregistrer(seance=pleniere, presents=[inscription.pk], actor=dne)
    decision = services.decision_ouvrir(seance=pleniere, titre="Avis sur la doctrine", actor=dne)
    user = monde.users[role]
    secretariat = ATTENDU[role][2]
    abilities = decision.get_abilities(user)
    assert abilities["record_position"] is secretariat
    assert abilities["decide"] is secretariat
    if secretariat:
        services.position_enregistrer(
            decision=decision, organisation=monde.orgs["AMRF"], position="favorable", actor=user
        )
        services.decision_arreter(decision=decision, issue="adopte", actor=user)
        assert Decision.objects.get(pk=decision.pk).issue == "adopte"
    else:
        with pytest.raises(PermissionDenied):
            services.position_enregistrer(
                decision=decision, organisation=monde.orgs["AMRF"], position="favorable", actor=user
            )
        with pytest.raises(PermissionDenied):
            services.decision_arreter(decision=decision, issue="adopte", actor=user)
        assert Decision.objects.get(pk=decision.pk).issue == "en_deliberation"


@pytest.mark.parametrize("role", ROLES)
def test_pages_members_see_minutes_public_sees_published_decisions_only(client, monde, pleniere, role):
    dne = monde.users["dne"]
    services.compte_rendu_enregistrer(seance=pleniere, texte="Relevé confidentiel des échanges.", actor=dne)
    brouillon = services.decision_ouvrir(seance=pleniere, titre="Question en délibération", actor=dne)
    publiee = services.decision_ouvrir(seance=pleniere, titre="Avis publié", actor=dne)
    services.decision_arreter(decision=publiee, issue="ajourne", actor=dne)
    services.decision_publier(decision=publiee, actor=dne)
    user = monde.users[role]
    if user is not None:
        connecter(client, user)
    membre = ATTENDU[role][0]

    page_seance = client.get(pleniere.get_absolute_url())
    if membre:
        assert page_seance.status_code == 200
        assert "Relevé confidentiel" in page_seance.text
    else:
        assert page_seance.status_code in (302, 403)
        assert "Relevé confidentiel" not in page_seance.text

    liste = client.get("/comite/decisions/")
    assert liste.status_code == 200
    assert "Avis publié" in liste.text
    assert ("Question en délibération" in liste.text) is membre
    assert client.get(publiee.get_absolute_url()).status_code == 200
    assert (client.get(brouillon.get_absolute_url()).status_code == 200) is membre
