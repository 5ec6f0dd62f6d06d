"""ProConnect login, end to end against a fake OpenID Connect provider over real HTTP."""

from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from django.contrib.auth import SESSION_KEY
from django.test import Client, override_settings
from django.urls import reverse

from comptes.models import Membership, User
from comptes.tests.factories import UserFactory

from .fake_oidc import FakeOIDCProvider

BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "comptes.oidc.ProConnectBackend",
]

CLAIMS = {
    "sub": "f7c8e1a2-proconnect-0001",
    "email": "Claire.Lemoine@ille-et-vilaine.fr",
    "given_name": "Claire",
    "usual_name": "Lemoine",
    "siret": "22350001800013",
    "uid": "1",
}


@pytest.fixture
def provider():
    with (
        FakeOIDCProvider(claims=dict(CLAIMS)) as fake,
        override_settings(**fake.settings(), AUTHENTICATION_BACKENDS=BACKENDS),
    ):
        yield fake


def login_with_proconnect(client: Client) -> requests.Response:
    """Click « S'identifier avec ProConnect », log in at the provider, come back to Socle."""
    start = client.get(reverse("oidc_authentication_init"))
    assert start.status_code == 302
    authorize = requests.get(start["Location"], allow_redirects=False, timeout=5)
    assert authorize.status_code == 302, authorize.text
    back = urlsplit(authorize.headers["Location"])
    assert back.path == reverse("oidc_authentication_callback")
    return client.get(back.path, parse_qs(back.query))


@pytest.mark.django_db
def test_login_page_shows_the_proconnect_button_when_configured(provider):
    page = Client().get(reverse("comptes:login"))
    assert "ProConnect" in page.text
    assert reverse("oidc_authentication_init") in page.text


@pytest.mark.django_db
def test_login_page_has_no_proconnect_button_by_default():
    page = Client().get(reverse("comptes:login"))
    assert "ProConnect" not in page.text


@pytest.mark.django_db
def test_first_proconnect_login_creates_the_person_and_logs_them_in(provider):
    client = Client()
    response = login_with_proconnect(client)

    assert response.status_code == 302
    assert response["Location"] == reverse("core:home")
    user = User.objects.get(oidc_sub=CLAIMS["sub"])
    assert int(client.session[SESSION_KEY]) == user.pk
    assert (user.first_name, user.last_name) == ("Claire", "Lemoine")
    assert user.email == CLAIMS["email"]
    assert user.username == "claire.lemoine@ille-et-vilaine.fr"
    assert not user.has_usable_password()
    # ProConnect says who the person is, never what they may do.
    assert not Membership.objects.filter(user=user).exists()
    assert not user.is_staff
    # The provider saw the whole code flow.
    assert provider.requests == ["GET /authorize", "POST /token", "GET /userinfo"]
    assert "Claire Lemoine" in client.get(reverse("core:home")).text


@pytest.mark.django_db
def test_second_login_finds_the_same_person_by_sub_even_after_an_email_change(provider):
    login_with_proconnect(Client())
    provider.claims["email"] = "claire.lemoine@bretagne.bzh"
    provider.claims["usual_name"] = "Lemoine-Le Gall"

    client = Client()
    login_with_proconnect(client)

    assert User.objects.count() == 1
    user = User.objects.get()
    assert int(client.session[SESSION_KEY]) == user.pk
    assert user.last_name == "Lemoine-Le Gall"


@pytest.mark.django_db
def test_an_existing_local_account_is_linked_by_email(provider):
    local = UserFactory(username="clemoine", email="claire.lemoine@ille-et-vilaine.fr")
    client = Client()
    login_with_proconnect(client)

    local.refresh_from_db()
    assert int(client.session[SESSION_KEY]) == local.pk
    assert local.oidc_sub == CLAIMS["sub"]
    assert User.objects.count() == 1


@pytest.mark.django_db
def test_an_address_linked_to_another_proconnect_identity_is_not_taken_over(provider):
    other = UserFactory(username="claire", email=CLAIMS["email"], oidc_sub="another-identity")
    client = Client()
    response = login_with_proconnect(client)

    assert SESSION_KEY not in client.session
    assert response.status_code == 302
    assert response["Location"] == reverse("comptes:login")
    assert "La connexion avec ProConnect n&#x27;a pas abouti" in client.get(response["Location"]).text
    other.refresh_from_db()
    assert other.oidc_sub == "another-identity"
    assert User.objects.count() == 1


@pytest.mark.django_db
def test_a_deactivated_person_cannot_log_in_with_proconnect(provider):
    UserFactory(username="claire", email=CLAIMS["email"], oidc_sub=CLAIMS["sub"], is_active=False)
    client = Client()
    login_with_proconnect(client)
    assert SESSION_KEY not in client.session


@pytest.mark.django_db
def test_a_forged_callback_does_not_log_anyone_in(provider):
    client = Client()
    client.get(reverse("oidc_authentication_init"))
    response = client.get(reverse("oidc_authentication_callback"), {"code": "invented", "state": "invented"})
    assert response.status_code in (302, 400)
    assert SESSION_KEY not in client.session
    assert not User.objects.exists()


@pytest.mark.django_db
def test_a_refusal_at_the_provider_returns_to_the_login_page_with_a_message(provider):
    client = Client()
    start = client.get(reverse("oidc_authentication_init"))
    state = parse_qs(urlsplit(start["Location"]).query)["state"][0]
    response = client.get(reverse("oidc_authentication_callback"), {"error": "access_denied", "state": state})
    assert response["Location"] == reverse("comptes:login")
    page = client.get(response["Location"])
    assert "ProConnect n&#x27;a pas abouti" in page.text
    assert SESSION_KEY not in client.session
