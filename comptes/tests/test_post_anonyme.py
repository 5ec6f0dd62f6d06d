"""An anonymous visitor can write nothing: every URL of the project is POSTed to, and no data changes.

The URLs are read from the URL configuration (nothing to maintain when an app adds a page). Each one receives an
empty POST and, when the page shows forms to a logged-in DNE agent (the widest role), the very fields of those
forms, filled as the page proposes them (the administration's forms as an operator sees them).
"""

from html.parser import HTMLParser
from typing import Any

import pytest
from django.apps import apps
from django.test import Client
from django.urls import NoReverseMatch, URLPattern, URLResolver, get_resolver, reverse

from comptes.tests.factories import UserFactory

from .monde import construire_monde

# Tables an anonymous POST may legitimately touch: its session, and the login throttling records.
IGNORED_TABLES = {"django_session", "axes_accessattempt", "axes_accesslog", "axes_accessfailurelog"}


def named_patterns(resolver: URLResolver | None = None, namespace: tuple = (), params: frozenset = frozenset()):
    """(full name, parameter names) for every named URL pattern of the project."""
    resolver = resolver or get_resolver()
    for pattern in resolver.url_patterns:
        names = params | set(getattr(pattern.pattern, "converters", {})) | set(pattern.pattern.regex.groupindex)
        if isinstance(pattern, URLResolver):
            child_ns = (*namespace, pattern.namespace) if pattern.namespace else namespace
            yield from named_patterns(pattern, child_ns, frozenset(names))
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield ":".join((*namespace, pattern.name)), frozenset(names)


def argument(name: str, param: str, monde: Any) -> Any:
    """A value for a URL parameter, pointing at a real object of the world when the parameter is known."""
    if param == "code":
        if "academie" in name:
            return "14"
        if "departement" in name:
            return "35"
        if "region" in name:
            return "53"
        return monde.commune_a.code
    known = {
        "uai": monde.ecole_a.uai,
        "siren": "243500139",
        "code_insee": "35238",
        "niveau": "ecole",
        "format": "json",
        "app_label": "comptes",
        "object_id": str(monde.users["agent_commune_a"].pk),
    }
    if param in known:
        return known[param]
    return 1 if param in {"pk", "numero", "id"} else "x"


def urls(monde: Any) -> list[str]:
    found = set()
    for name, params in named_patterns():
        try:
            found.add(reverse(name, kwargs={p: argument(name, p, monde) for p in params}))
        except NoReverseMatch:
            continue
    return sorted(found)


class FormFields(HTMLParser):
    """The fields of the POST forms of a page, with the values the page proposes."""

    def __init__(self, url: str) -> None:
        super().__init__()
        self.url = url
        self.fields: dict[str, str] = {}
        self.in_form = False
        self.select: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {key: value or "" for key, value in attrs}
        if tag == "form":
            self.in_form = a.get("method", "get").lower() == "post" and a.get("action", "") in ("", self.url)
        elif not self.in_form or not a.get("name"):
            return
        elif tag == "input" and a.get("type") not in ("submit", "button", "file"):
            if a.get("type") in ("checkbox", "radio"):
                self.fields.setdefault(a["name"], a.get("value", "on"))
            else:
                self.fields[a["name"]] = a.get("value") or "1"
        elif tag == "textarea":
            self.fields[a["name"]] = "Texte"
        elif tag == "select":
            self.select = a["name"]
        elif tag == "option" and self.select and a.get("value"):
            self.fields.setdefault(self.select, a["value"])

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.in_form = False
        elif tag == "select":
            self.select = None


def form_fields(client: Client, url: str) -> dict[str, str]:
    page = client.get(url)
    parser = FormFields(url)
    if page.status_code == 200 and "html" in page.get("Content-Type", ""):
        parser.feed(page.content.decode(errors="replace"))
    return parser.fields


def snapshot() -> dict[str, list]:
    state = {}
    for model in apps.get_models():
        if model._meta.db_table in IGNORED_TABLES or not model._meta.managed:
            continue
        state[model._meta.label] = list(model._default_manager.order_by("pk").values())
    return state


@pytest.mark.django_db
def test_an_anonymous_post_to_any_url_changes_nothing():
    monde = construire_monde()
    all_urls = urls(monde)
    assert reverse("territoires:etablissement_modifier", args=[monde.ecole_a.uai]) in all_urls
    assert reverse("comptes:profil") in all_urls
    assert reverse("admin:comptes_membership_add") in all_urls

    # A page that crashes is another test's business; here only writes matter.
    dne = Client(raise_request_exception=False)
    dne.force_login(monde.users["dne"])
    operator = Client(raise_request_exception=False)
    operator.force_login(UserFactory(username="operateur", is_staff=True, is_superuser=True))
    payloads = {}
    for url in all_urls:
        payloads[url] = form_fields(dne, url) or form_fields(operator, url)

    before = snapshot()
    changed = []
    for url in all_urls:
        statuses = [
            Client(raise_request_exception=False).post(url, payload).status_code for payload in ({}, payloads[url])
        ]
        after = snapshot()
        if after != before:
            changed.append(f"{url} {sorted(payloads[url])} → {statuses}")
            before = after
    assert not changed, "anonymous POSTs changed data:\n" + "\n".join(changed)
    assert payloads[reverse("territoires:etablissement_modifier", args=[monde.ecole_a.uai])], "edit form found"
    assert payloads[reverse("admin:comptes_membership_add")], "admin form found"
