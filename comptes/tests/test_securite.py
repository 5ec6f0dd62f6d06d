"""Security defaults: login throttling, CSP, CSRF, and the production settings."""

import os
import re
import subprocess
import sys

import pytest
from axes.models import AccessAttempt
from axes.utils import reset
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.test import Client
from django.urls import reverse

from comptes.tests.factories import UserFactory

PASSWORD = "motdepasse-demo-2026"


@pytest.fixture
def agent(db):
    reset()  # no lockout left over from another test
    yield UserFactory(username="agent.rennes")
    reset()


def login(client: Client, username: str, password: str):
    return client.post(reverse("comptes:login"), {"username": username, "password": password})


def test_the_right_password_logs_in(agent):
    client = Client()
    response = login(client, "agent.rennes", PASSWORD)
    assert response.status_code == 302
    assert int(client.session[SESSION_KEY]) == agent.pk


def test_a_wrong_password_shows_an_error_on_the_form(agent):
    response = login(Client(), "agent.rennes", "pas-le-bon")
    assert response.status_code == 200
    assert "fr-alert--error" in response.text


def test_after_too_many_failures_even_the_right_password_is_refused(agent):
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        login(client, "agent.rennes", "pas-le-bon")
    response = login(client, "agent.rennes", PASSWORD)

    assert response.status_code == 429
    assert "Connexion temporairement bloquée" in response.text
    assert SESSION_KEY not in client.session
    assert AccessAttempt.objects.filter(username="agent.rennes").exists()


def test_the_lockout_is_per_username(agent):
    UserFactory(username="agent.bruz")
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        login(client, "agent.rennes", "pas-le-bon")
    response = login(client, "agent.bruz", PASSWORD)
    assert response.status_code == 302


def test_an_operator_reset_lifts_the_lockout(agent):
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        login(client, "agent.rennes", "pas-le-bon")
    reset(username="agent.rennes")
    assert login(client, "agent.rennes", PASSWORD).status_code == 302


@pytest.mark.django_db
@pytest.mark.parametrize("url_name", ["core:home", "comptes:login"])
def test_pages_carry_a_csp_with_a_script_nonce(url_name):
    response = Client().get(reverse(url_name))
    policy = response["Content-Security-Policy"]
    assert "default-src 'self'" in policy
    assert "frame-ancestors 'none'" in policy
    nonce = re.search(r"script-src [^;]*'nonce-([^']+)'", policy).group(1)
    scripts = re.findall(r"<script\b[^>]*>", response.text)
    assert scripts, "the DSFR scripts are on every page"
    for tag in scripts:
        assert f'nonce="{nonce}"' in tag
    # The nonce changes on every response.
    assert nonce not in Client().get(reverse(url_name))["Content-Security-Policy"]


@pytest.mark.django_db
def test_pages_refuse_to_be_framed_and_sniffed():
    response = Client().get(reverse("core:home"))
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


def test_a_post_without_csrf_token_is_refused(agent):
    client = Client(enforce_csrf_checks=True)
    response = login(client, "agent.rennes", PASSWORD)
    assert response.status_code == 403
    assert SESSION_KEY not in client.session


def test_a_post_with_the_csrf_token_of_the_form_is_accepted(agent):
    client = Client(enforce_csrf_checks=True)
    form = client.get(reverse("comptes:login"))
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.text).group(1)
    response = client.post(
        reverse("comptes:login"), {"username": "agent.rennes", "password": PASSWORD, "csrfmiddlewaretoken": token}
    )
    assert response.status_code == 302
    assert int(client.session[SESSION_KEY]) == agent.pk


def test_logout_is_post_only_and_csrf_protected(agent):
    client = Client(enforce_csrf_checks=True)
    client.force_login(agent)
    assert client.get(reverse("comptes:logout")).status_code == 405
    assert client.post(reverse("comptes:logout")).status_code == 403
    assert int(client.session[SESSION_KEY]) == agent.pk


def load_settings(**environ: str) -> subprocess.CompletedProcess:
    """Import socle.settings in a fresh interpreter with the given environment (as a deployment would)."""
    env = {key: value for key, value in os.environ.items() if not key.startswith(("DJANGO_", "OIDC_"))}
    env.update(environ)
    code = (
        "import socle.settings as s; "
        "s.SECURE_SSL_REDIRECT = getattr(s, 'SECURE_SSL_REDIRECT', False); "
        "s.SECURE_HSTS_SECONDS = getattr(s, 'SECURE_HSTS_SECONDS', 0); "
        "print(s.DEBUG, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS, "
        "s.PROCONNECT_ENABLED, 'comptes.oidc.ProConnectBackend' in s.AUTHENTICATION_BACKENDS)"
    )
    return subprocess.run(
        [sys.executable, "-c", code], cwd=settings.BASE_DIR, env=env, capture_output=True, text=True, timeout=60
    )


def test_production_refuses_to_start_without_a_secret_key():
    result = load_settings(DJANGO_DEBUG="false", DJANGO_SECRET_KEY="")
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set" in result.stderr


def test_production_settings_are_secure():
    result = load_settings(DJANGO_DEBUG="false", DJANGO_SECRET_KEY="x" * 50)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", "True", "True", "True", "31536000", "False", "False"]


def test_the_demo_runs_without_secure_cookies_on_plain_http():
    result = load_settings(DJANGO_DEBUG="true")
    assert result.returncode == 0, result.stderr
    debug, session_secure, csrf_secure = result.stdout.split()[:3]
    assert (debug, session_secure, csrf_secure) == ("True", "False", "False")


def test_proconnect_is_enabled_by_its_settings():
    result = load_settings(
        DJANGO_DEBUG="false",
        DJANGO_SECRET_KEY="x" * 50,
        OIDC_RP_CLIENT_ID="socle",
        OIDC_RP_CLIENT_SECRET="secret",
        OIDC_OP_AUTHORIZATION_ENDPOINT="https://proconnect.example/authorize",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[-2:] == ["True", "True"]


def test_the_login_does_not_redirect_to_another_site(agent):
    client = Client()
    response = client.post(
        reverse("comptes:login"),
        {"username": "agent.rennes", "password": PASSWORD, "next": "https://hameconnage.example/"},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("core:home")
