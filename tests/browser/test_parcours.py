"""Each role walks Socle as a person would: home → search → établissement → collectivité compétente.

Real data (the import of Ille-et-Vilaine), real accounts (``creer_comptes_demo``), a real server and Chromium;
every page on the way passes axe-core with no serious or critical violation.
"""

import re

import pytest
from playwright.sync_api import Page, expect

from .harness import Socle
from .ui import assert_accessible, javascript_errors, login

# A real école of Rennes, from the annuaire de l'éducation nationale.
ECOLE = "Ecole élémentaire publique Jean Zay"
ECOLE_UAI = "0350612A"
RECHERCHE = "Jean Zay"
COLLECTIVITE = "Commune de Rennes"

ROLES = ["anonyme", "agent_collectivite", "directeur", "inspecteur", "instructeur", "dne", "membre_comite"]


def nombre(texte: str) -> int:
    return int(re.sub(r"\D", "", texte))


@pytest.mark.parametrize("role", ROLES)
def test_parcours_accueil_recherche_etablissement_collectivite(page: Page, socle_live: Socle, role: str) -> None:
    erreurs = javascript_errors(page)
    if role == "anonyme":
        page.goto("/")
        expect(page.get_by_role("link", name="Se connecter")).to_be_visible()
        peut_modifier_ecole = peut_modifier_collectivite = False
    else:
        username, password = socle_live.compte(role)
        login(page, username, password)
        # Who may edit, as comptes/permissions.py says: the commune that equips the école, its directeur, the DNE.
        peut_modifier_collectivite = role in {"agent_collectivite", "dne"}
        peut_modifier_ecole = peut_modifier_collectivite or (
            role == "directeur" and socle_live.dirige(username, ECOLE_UAI)
        )

    # Home: the search box answers while one types (htmx), without leaving the page.
    expect(page.get_by_role("heading", level=1, name="Socle")).to_be_visible()
    assert_accessible(page, "l'accueil")
    recherche = page.get_by_label("Rechercher un établissement par nom, commune, code postal ou UAI")
    with page.expect_response(lambda r: "/etablissements/?" in r.url and r.request.headers.get("hx-request") == "true"):
        recherche.fill(RECHERCHE)
    resultats = page.locator("#resultats")
    expect(resultats.get_by_role("status")).to_contain_text(f"pour « {RECHERCHE} »")
    lien = resultats.get_by_role("link", name=ECOLE, exact=True)
    expect(lien).to_be_visible()
    expect(resultats.get_by_role("row").filter(has=page.get_by_role("link", name=ECOLE, exact=True))).to_contain_text(
        "Rennes"
    )
    assert page.url.rstrip("/") == socle_live.url, "la recherche instantanée ne doit pas quitter l'accueil"
    assert_accessible(page, "l'accueil avec les résultats de recherche")

    # Enter opens the full search page: the same query, its count, its filters.
    recherche.press("Enter")
    page.wait_for_url(re.compile(r"/etablissements/\?(.*&)?q=Jean"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Rechercher un établissement")
    expect(page.get_by_label("Nom, commune, code postal ou UAI")).to_have_value(RECHERCHE)
    compte = page.get_by_role("heading", level=2, name=re.compile(r"^\d+ établissements?$"))
    expect(compte).to_be_visible()
    assert nombre(compte.inner_text()) >= 1
    assert_accessible(page, "la page de recherche")
    lien = page.get_by_role("table", name="Établissements trouvés").get_by_role("link", name=ECOLE, exact=True)

    # The établissement: its identity and the collectivité that must equip it.
    lien.click()
    page.wait_for_url(f"**/etablissements/{ECOLE_UAI}/")
    expect(page.get_by_role("heading", level=1)).to_have_text(ECOLE)
    expect(page.get_by_text(f"UAI {ECOLE_UAI}")).to_be_visible()
    expect(page.locator("dd", has_text="Rennes (35238)")).to_be_visible()
    assert nombre(page.locator("dt:text-is('Élèves') + dd").inner_text().split("(")[0]) > 0
    expect(page.get_by_role("link", name="Modifier les coordonnées")).to_have_count(1 if peut_modifier_ecole else 0)
    assert_accessible(page, "la fiche de l'établissement")

    # The collectivité compétente: the commune, with the count of its établissements.
    page.get_by_role("link", name=COLLECTIVITE, exact=True).click()
    page.wait_for_url("**/collectivites/commune-35238/")
    expect(page.get_by_role("heading", level=1)).to_have_text(COLLECTIVITE)
    expect(page.locator("dd", has_text="Commune de Rennes (35238)")).to_be_visible()
    total = page.get_by_text(re.compile(r"^[\d\s\u202f\u00a0]+ établissements, [\d\s\u202f\u00a0]+ élèves\.$"))
    expect(total).to_be_visible()
    # Rennes equips some seventy public écoles: the count is real, not a handful of fixtures.
    assert nombre(total.inner_text().split("établissements")[0]) > 50
    expect(page.get_by_role("table", name="Établissements par type et secteur")).to_contain_text("École")
    modifier = page.get_by_role("link", name="Modifier le référent numérique")
    expect(modifier).to_have_count(1 if peut_modifier_collectivite else 0)
    assert_accessible(page, "la fiche de la collectivité")
    assert not erreurs, "erreurs JavaScript pendant le parcours :\n" + "\n".join(erreurs)
