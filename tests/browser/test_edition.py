"""The collectivité compétente keeps the coordinates of its écoles; another collectivité cannot touch them."""

from playwright.sync_api import Page, expect

from .harness import Socle
from .ui import assert_accessible, login

# A real école of Rennes: the Commune de Rennes equips it, the Département does not.
ECOLE = "Ecole élémentaire publique Camille Claudel"
FICHE = "/etablissements/0350626R/"
NOUVEAU_TELEPHONE = "02 99 12 34 56"


def test_l_agent_de_la_commune_modifie_le_telephone_d_une_ecole(page: Page, socle_live: Socle) -> None:
    username, password = socle_live.compte("agent_collectivite", collectivite="commune-35238")
    login(page, username, password)
    page.goto(FICHE)
    expect(page.get_by_role("heading", level=1)).to_have_text(ECOLE)
    telephone = page.locator("dt:text-is('Téléphone') + dd")
    ancien = telephone.inner_text()
    assert ancien != NOUVEAU_TELEPHONE

    page.get_by_role("link", name="Modifier les coordonnées").click()
    page.wait_for_url(f"**{FICHE}modifier/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Modifier les coordonnées")
    champ = page.get_by_label("Téléphone")
    expect(champ).to_have_value(ancien)
    assert_accessible(page, "le formulaire de modification de l'établissement")
    champ.fill(NOUVEAU_TELEPHONE)
    page.get_by_role("button", name="Enregistrer").click()

    page.wait_for_url(f"**{FICHE}")
    expect(page.get_by_text("La fiche de l'établissement a été enregistrée.")).to_be_visible()
    expect(telephone).to_have_text(NOUVEAU_TELEPHONE)
    # The history says who changed what, from which value to which.
    historique = page.get_by_role("table", name="Modifications de la fiche, les plus récentes d'abord")
    premiere = historique.get_by_role("row").nth(1)
    expect(premiere).to_contain_text(f"« {NOUVEAU_TELEPHONE} »")
    expect(premiere).to_contain_text(f"« {ancien} »")
    auteur = page.get_by_role("banner").locator(".fr-icon-account-circle-line").first.inner_text().strip()
    expect(premiere).to_contain_text(auteur)
    assert_accessible(page, "la fiche de l'établissement après modification")

    # Saved for everyone, not only in this session.
    page.get_by_role("button", name="Se déconnecter").click()
    page.goto(FICHE)
    expect(page.locator("dt:text-is('Téléphone') + dd")).to_have_text(NOUVEAU_TELEPHONE)


def test_l_agent_du_departement_ne_peut_pas_modifier_une_ecole(page: Page, socle_live: Socle) -> None:
    username, password = socle_live.compte("agent_collectivite", collectivite="departement-35")
    login(page, username, password)
    page.goto(FICHE)
    expect(page.get_by_role("heading", level=1)).to_have_text(ECOLE)
    expect(page.locator("dt:text-is('Téléphone') + dd")).to_be_visible()
    expect(page.get_by_role("link", name="Modifier les coordonnées")).to_have_count(0)

    response = page.goto(f"{FICHE}modifier/")
    assert response is not None
    assert response.status == 403
    expect(page.get_by_label("Téléphone")).to_have_count(0)
