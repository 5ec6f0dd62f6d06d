"""What a user does in the browser, and the accessibility check every page must pass."""

from __future__ import annotations

from urllib.parse import urlsplit

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

BLOCKING_IMPACTS = {"serious", "critical"}
_axe = Axe()


def accessibility_violations(page: Page) -> list[dict]:
    """The serious and critical axe-core violations of the page as it is now."""
    response = _axe.run(page).response
    return [v for v in response["violations"] if v.get("impact") in BLOCKING_IMPACTS]


def describe(violations: list[dict]) -> str:
    lines = []
    for violation in violations:
        targets = ", ".join(" ".join(node.get("target", [])) for node in violation.get("nodes", [])[:5])
        lines.append(f"- [{violation['impact']}] {violation['id']}: {violation['help']} → {targets}")
    return "\n".join(lines)


def assert_accessible(page: Page, what: str) -> None:
    violations = accessibility_violations(page)
    assert not violations, f"axe-core sur {what} ({page.url}) :\n{describe(violations)}"


def javascript_errors(page: Page) -> list[str]:
    """A list that fills with the page's uncaught exceptions and console errors (a CSP refusal is one)."""
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(f"exception : {exc}"))
    page.on("console", lambda msg: errors.append(f"console : {msg.text}") if msg.type == "error" else None)
    return errors


def login(page: Page, username: str, password: str) -> None:
    """Log in through the real form, as a person would, and land on the home page."""
    page.goto("/comptes/connexion/")
    page.get_by_label("Identifiant", exact=True).fill(username)
    page.get_by_label("Mot de passe", exact=True).fill(password)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url(lambda url: urlsplit(url).path == "/")
    expect(page.get_by_role("button", name="Se déconnecter").first).to_be_visible()
