"""The login form: reachable from every page, accessible, and clear when the password is wrong."""

from playwright.sync_api import Page, expect

from .harness import Socle
from .ui import assert_accessible


def test_connexion_refusee_puis_acceptee(page: Page, socle_live: Socle) -> None:
    username, password = socle_live.compte("instructeur")
    page.goto("/")
    page.get_by_role("link", name="Se connecter").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Se connecter à Socle")
    assert_accessible(page, "la page de connexion")

    page.get_by_label("Identifiant", exact=True).fill(username)
    page.get_by_label("Mot de passe", exact=True).fill(password + "-faux")
    page.get_by_role("button", name="Se connecter").click()
    expect(page.get_by_role("alert")).to_be_visible()
    expect(page.get_by_role("button", name="Se déconnecter")).to_have_count(0)
    # The identifiant typed stays in its field; the password is asked again.
    expect(page.get_by_label("Identifiant", exact=True)).to_have_value(username)
    expect(page.get_by_label("Mot de passe", exact=True)).to_have_value("")
    assert_accessible(page, "la page de connexion avec une erreur")

    page.get_by_label("Mot de passe", exact=True).fill(password)
    page.get_by_role("button", name="Se connecter").click()
    expect(page.get_by_role("button", name="Se déconnecter").first).to_be_visible()
