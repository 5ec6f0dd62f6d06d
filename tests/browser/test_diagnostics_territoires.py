"""The DNE reads the dashboard of Rennes Métropole (equity breakdowns, decile gap, its collectivités), then publishes
a new version of the price catalogue; the public reads the EPCI dashboard with the diffusion thresholds. Every page
passes axe-core with no serious or critical violation."""

from playwright.sync_api import Page, expect

from .harness import Socle
from .ui import assert_accessible, login

EPCI = "243500139"  # Rennes Métropole


def test_tableau_de_bord_de_l_epci_et_nouvelle_version_du_catalogue(page: Page, socle_live: Socle) -> None:
    socle_live.manage("charger_referentiels")
    socle_live.manage("simuler_inventaires", "--departements", "35", timeout=600)

    page.goto(f"/diagnostics/territoires/epci/{EPCI}/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Rennes Métropole")
    expect(page.get_by_role("table", name="Rural ou urbain (densité de la commune)")).to_be_visible()
    expect(page.get_by_role("table", name="Secteur")).to_be_visible()
    expect(page.get_by_text("Taux de conformité : 1er décile")).to_be_visible()
    expect(page.get_by_role("table", name="Indicateurs par territoire")).to_contain_text("Commune de Rennes")
    assert_accessible(page, "le tableau de bord de l'EPCI")

    login(page, *socle_live.compte("dne"))
    page.goto("/diagnostics/catalogue/")
    page.get_by_role("link", name="Publier une nouvelle version").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Publier une nouvelle version du catalogue de prix")
    assert_accessible(page, "la publication du catalogue")
    page.get_by_label("Vidéoprojecteur (ou TNI / VPI / ENI) : prix typique").fill("abc")
    page.get_by_role("button", name="Publier la version 2").click()
    expect(page.get_by_text("« abc » n'est pas un montant")).to_be_visible()
    assert_accessible(page, "la publication du catalogue en erreur")
    page.get_by_label("Vidéoprojecteur (ou TNI / VPI / ENI) : prix typique").fill("3000")
    page.get_by_role("button", name="Publier la version 2").click()
    page.wait_for_url("**/diagnostics/catalogue/")
    expect(page.get_by_text("Version 2 du catalogue publiée (1 prix modifié(s))")).to_be_visible()
    expect(page.get_by_role("link", name="Version 1")).to_be_visible()
    assert_accessible(page, "le catalogue de prix")
