"""The permission matrix over HTTP: the edit pages obey the same table as the oracle (test_matrice_permissions).

Allowed: GET 200, POST saves and redirects to the object's page, with an audit entry.
Forbidden: 403 for a logged-in person, the login page for an anonymous visitor; the object is unchanged.
"""

import pytest
from django.contrib.auth.views import redirect_to_login
from django.test import Client
from django.urls import reverse

from core.models import AuditEntry
from territoires.forms import VersionForm

from .monde import ROLES, construire_monde
from .test_matrice_permissions import EXPECTED

EDIT_PAGES = {
    # objet: (url name, url argument attribute, fields of the form)
    "ecole_a": ("territoires:etablissement_modifier", "uai", ("telephone", "courriel", "site_web", "adresse")),
    "college": ("territoires:etablissement_modifier", "uai", ("telephone", "courriel", "site_web", "adresse")),
    "ecole_privee": ("territoires:etablissement_modifier", "uai", ("telephone", "courriel", "site_web", "adresse")),
    "commune_a": ("territoires:collectivite_modifier", "code", ("referent_numerique", "courriel_referent")),
    "departement": ("territoires:collectivite_modifier", "code", ("referent_numerique", "courriel_referent")),
}
NEW_VALUES = {
    "telephone": "02 99 12 34 56",
    "courriel": "secretariat@ecole.example.org",
    "site_web": "https://ecole.example.org",
    "adresse": "12 rue de la Marne",
    "referent_numerique": "Loïc Tanguy, DSI",
    "courriel_referent": "loic.tanguy@example.org",
}
CASES = [(role, objet) for role in ROLES for objet in EDIT_PAGES]


@pytest.fixture
def monde(db):
    return construire_monde()


def client_for(monde, role: str) -> Client:
    client = Client()
    if monde.users[role] is not None:
        client.force_login(monde.users[role])
    return client


def snapshot(obj) -> dict:
    obj.refresh_from_db()
    return {field.attname: getattr(obj, field.attname) for field in obj._meta.concrete_fields}


def assert_refused(response, role: str, url: str) -> None:
    if role == "anonyme":
        assert response.status_code == 302
        assert response["Location"] == redirect_to_login(url)["Location"]
    else:
        assert response.status_code == 403


@pytest.mark.parametrize(("role", "objet"), CASES)
def test_edit_page(monde, role, objet):
    url_name, attribute, fields = EDIT_PAGES[objet]
    obj = monde.objet(objet)
    url = reverse(url_name, args=[getattr(obj, attribute)])
    allowed = "edit" in EXPECTED[role, objet]
    client = client_for(monde, role)
    before = snapshot(obj)
    audit_before = AuditEntry.objects.count()

    page = client.get(url)
    if allowed:
        assert page.status_code == 200
    else:
        assert_refused(page, role, url)

    payload = {name: NEW_VALUES[name] for name in fields} | {"version": VersionForm.version_of(obj)}
    response = client.post(url, payload)
    if allowed:
        assert response.status_code == 302, response.content[:2000]
        assert response["Location"] == obj.get_absolute_url()
        after = snapshot(obj)
        assert {name: after[name] for name in fields} == {name: NEW_VALUES[name] for name in fields}
        entry = AuditEntry.objects.order_by("-id").first()
        assert AuditEntry.objects.count() == audit_before + 1
        assert entry.actor == monde.users[role]
        assert entry.object_id == str(obj.pk)
    else:
        assert_refused(response, role, url)
        assert snapshot(obj) == before
        assert AuditEntry.objects.count() == audit_before


@pytest.mark.parametrize("role", ROLES)
def test_competence_transfer_page(monde, role):
    url = reverse("territoires:competence_transfert", args=[monde.commune_a.code])
    allowed = "transfer_competence" in EXPECTED[role, "commune_a"]
    client = client_for(monde, role)
    before = (snapshot(monde.ecole_a), list(monde.commune_a.competences.values()))
    audit_before = AuditEntry.objects.count()

    page = client.get(url)
    if allowed:
        assert page.status_code == 200
        return
    assert_refused(page, role, url)
    response = client.post(url, {"collectivite": monde.commune_b.pk, "depuis": "2026-01-01", "fondement": "x"})
    assert_refused(response, role, url)
    assert (snapshot(monde.ecole_a), list(monde.commune_a.competences.values())) == before
    assert AuditEntry.objects.count() == audit_before
