import datetime

import pytest
from django.utils import timezone

from comite import services
from comite.models import GroupeTravail

from .factories import MondeComite, monde_comite


def texte(response) -> str:
    """The page as a reader sees it (entities decoded)."""
    import html

    return html.unescape(response.content.decode())


def connecter(client, user) -> None:
    # The factories set the password without saving it: log in with what the database holds.
    user.refresh_from_db()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")


@pytest.fixture
def monde(db) -> MondeComite:
    return monde_comite()


@pytest.fixture
def groupe(monde: MondeComite) -> GroupeTravail:
    g = GroupeTravail.objects.create(nom="Référentiels nationaux", slug="referentiels-nationaux")
    g.organisations.set([monde.orgs["DNE"], monde.orgs["AMRF"], monde.orgs["AMF"]])
    return g


@pytest.fixture
def pleniere(monde: MondeComite):
    return services.seance_creer(
        titre="Plénière de décembre",
        date=timezone.now() + datetime.timedelta(days=10),
        mode="distanciel",
        lien_visio="https://webconf.example.org/comite",
        actor=monde.users["dne"],
    )
