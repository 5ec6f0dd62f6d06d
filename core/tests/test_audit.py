import pytest

from comptes.tests.factories import UserFactory
from core.audit import history_of, log_action
from territoires.tests.factories import EtablissementFactory

pytestmark = pytest.mark.django_db


def test_log_action_records_who_what_and_the_object():
    etablissement = EtablissementFactory()
    user = UserFactory()
    log_action(etablissement, "territoires.etablissement.modifie", actor=user, data={"telephone": ["", "02 99"]})

    [entry] = history_of(etablissement)
    assert entry.action == "territoires.etablissement.modifie"
    assert entry.actor == user
    assert entry.data == {"telephone": ["", "02 99"]}
    assert etablissement.uai in entry.object_repr


def test_anonymous_actor_is_recorded_as_nobody():
    from django.contrib.auth.models import AnonymousUser

    etablissement = EtablissementFactory()
    entry = log_action(etablissement, "territoires.etablissement.importe", actor=AnonymousUser())
    assert entry.actor is None


def test_log_actions_records_several_entries_like_log_action():
    from django.contrib.auth.models import AnonymousUser

    from core.audit import log_actions

    etablissement = EtablissementFactory()
    user = UserFactory()
    log_actions(
        [
            (etablissement, "territoires.etablissement.cree", None),
            (etablissement, "territoires.etablissement.modifie", {"telephone": ["", "02 99"]}),
        ],
        actor=user,
    )
    nouveau, premier = history_of(etablissement)
    assert (premier.action, premier.data, premier.actor) == ("territoires.etablissement.cree", {}, user)
    assert (nouveau.action, nouveau.data, nouveau.actor) == (
        "territoires.etablissement.modifie",
        {"telephone": ["", "02 99"]},
        user,
    )
    assert etablissement.uai in nouveau.object_repr and premier.at <= nouveau.at
    [anonyme] = log_actions([(etablissement, "territoires.etablissement.importe", None)], actor=AnonymousUser())
    assert anonyme.actor is None
