"""The full path of an appel à projets, in the browser: filing → IEN → académie → convention → payments.

The Commune de Rennes files a dossier on the open demonstration appel (SNÉÉ rules) for two of its schools, both in
the circonscription of the demo IEN; the IEN validates both projets; the instructeur of the académie de Rennes puts
the dossier under instruction and accepts it; the convention de financement is a PDF whose text names the dossier
and the amount; the advance and the balance are recorded. Every page on the way passes axe-core.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect
from pypdf import PdfReader

from .harness import Socle
from .ui import assert_accessible, javascript_errors, login

APPEL = "demo-snee"
COLLECTIVITE = "Commune de Rennes"

# Two eligible public schools of Rennes (not maternelles) in the circonscription of the demo IEN, chosen in the
# browser database itself (the demo accounts are created from the real import: the IEN's circonscription is the one
# of the first public school of Rennes).
CHOIX_ECOLES = """
import json
from comptes.models import Membership
from territoires.models import Etablissement
ien = Membership.objects.get(user__username="inspecteur.ien")
circonscription = ien.organisation.circonscription_id
ecoles = (
    Etablissement.objects.filter(
        commune_id="35238", niveau="ecole", secteur="public", circonscription_id=circonscription
    )
    .exclude(sous_type__icontains="maternelle")
    .exclude(nom__icontains="maternelle")
    .order_by("uai")
    .values("uai", "nom")[:2]
)
print(json.dumps(list(ecoles)))
"""


@pytest.fixture(scope="module")
def ecoles(socle_live: Socle) -> list[dict[str, str]]:
    """Open the demonstration appel (idempotent) and pick the two schools of the path."""
    socle_live.manage("charger_appels", "--demo")
    choisies = json.loads(socle_live.manage("shell", "-c", CHOIX_ECOLES).strip().splitlines()[-1])
    assert len(choisies) == 2, f"Deux écoles de Rennes dans la circonscription de l'IEN attendues : {choisies}"
    return choisies


def _pdf_minimal() -> bytes:
    return (
        b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Count 0/Kids[]>>endobj\n"
        b"trailer<</Root 1 0 R>>\n%%EOF\n"
    )


@pytest.fixture
def ouvrir(browser: Browser, socle_live: Socle) -> Iterator:
    """Open a signed-in page for a demo role (one browser context per person)."""
    contexts: list[BrowserContext] = []

    def _ouvrir(role: str) -> tuple[Page, list[str]]:
        ctx = browser.new_context(base_url=socle_live.url, locale="fr-FR", viewport={"width": 1280, "height": 900})
        ctx.set_default_timeout(20_000)
        contexts.append(ctx)
        page = ctx.new_page()
        erreurs = javascript_errors(page)
        login(page, *socle_live.compte(role))
        return page, erreurs

    yield _ouvrir
    for ctx in contexts:
        ctx.close()


def _euros(texte: str) -> str:
    """« 13 200,00 € » as printed on the pages (any kind of space), normalised to « 13200,00 »."""
    return re.sub(r"\s", "", texte).replace("€", "")


def test_parcours_appel_depot_validation_decision_convention_paiements(
    socle_live: Socle, ecoles: list[dict[str, str]], ouvrir
) -> None:
    # --- The agent of the Commune de Rennes files the dossier ------------------------------------------------
    agent, erreurs_agent = ouvrir("agent_collectivite")
    agent.goto("/appels/")
    assert_accessible(agent, "la liste des appels")
    agent.get_by_role("link", name=re.compile(r"^Démonstration — socle numérique")).click()
    expect(agent.get_by_role("heading", level=1)).to_contain_text("Démonstration")
    assert_accessible(agent, "la page de l'appel de démonstration")
    agent.get_by_role("link", name=f"Déposer un dossier pour {COLLECTIVITE}").click()
    expect(agent.get_by_role("heading", level=1)).to_have_text(f"Déposer un dossier — {COLLECTIVITE}")
    eligibilite = agent.get_by_role("table", name="Éligibilité de vos établissements")
    for ecole in ecoles:
        expect(eligibilite.get_by_role("row").filter(has_text=ecole["uai"])).to_contain_text("Éligible")
    assert_accessible(agent, "la page de dépôt")
    agent.get_by_role("button", name="Créer le dossier").click()
    expect(agent.get_by_role("heading", level=1)).to_contain_text(f"— {COLLECTIVITE}")
    numero = re.search(r"Dossier n° (\d+)", agent.get_by_role("heading", level=1).inner_text()).group(1)
    url_dossier = f"/appels/dossiers/{numero}/"
    assert agent.url.endswith(url_dossier)
    expect(agent.get_by_text("Brouillon", exact=True)).to_be_visible()
    assert_accessible(agent, "le dossier en brouillon")

    for ecole in ecoles:
        agent.get_by_role("link", name=ecole["nom"], exact=True).click()
        expect(agent.get_by_role("heading", level=1)).to_have_text(f"Projet de {ecole['nom']}")
        assert_accessible(agent, f"le projet de {ecole['nom']}")
        agent.get_by_label("Projet pédagogique").fill(
            "Écrire et publier en classe : une webradio par cycle, des tablettes partagées pour la lecture."
        )
        agent.get_by_label("Classes concernées").fill("8")
        agent.get_by_label("Élèves concernés").fill("200")
        agent.get_by_label("Devis (PDF)").set_input_files(
            {"name": f"devis-{ecole['uai']}.pdf", "mimeType": "application/pdf", "buffer": _pdf_minimal()}
        )
        ligne1 = agent.get_by_role("group", name="Ligne 1")
        ligne1.get_by_label("Volet").select_option("equipement")
        ligne1.get_by_label("Libellé").fill("Tablettes")
        ligne1.get_by_label("Quantité").fill("10")
        ligne1.get_by_label("Prix unitaire (€ TTC)").fill("800")
        ligne2 = agent.get_by_role("group", name="Ligne 2")
        ligne2.get_by_label("Volet").select_option("services")
        ligne2.get_by_label("Libellé").fill("Abonnement ENT")
        ligne2.get_by_label("Quantité").fill("1")
        ligne2.get_by_label("Prix unitaire (€ TTC)").fill("2000")
        agent.get_by_role("button", name="Enregistrer le projet").click()
        expect(agent.get_by_text(f"Projet de {ecole['nom']} enregistré.")).to_be_visible()

    projets = agent.get_by_role("table", name="Projets par école")
    for ecole in ecoles:
        ligne = projets.get_by_role("row").filter(has_text=ecole["uai"])
        expect(ligne).to_contain_text("Tablettes")
        expect(ligne).to_contain_text("À valider par l'IEN")
    # 70 % × 8 000 € of equipment + 50 % × 2 000 € of services, per school (within the caps): 6 600 € × 2.
    subvention = agent.get_by_role("heading", name=re.compile("Subvention calculée"))
    assert _euros(subvention.inner_text()).endswith("13200,00"), subvention.inner_text()
    assert_accessible(agent, "le dossier avec ses deux projets")
    agent.get_by_role("button", name="Déposer le dossier").click()
    expect(agent.get_by_text("Déposé", exact=True)).to_be_visible()
    expect(agent.get_by_role("button", name="Déposer le dossier")).to_have_count(0)
    assert_accessible(agent, "le dossier déposé")

    # --- The IEN validates both projets ------------------------------------------------------------------------
    ien, erreurs_ien = ouvrir("inspecteur")
    ien.goto("/appels/dossiers/")
    assert_accessible(ien, "les dossiers vus par l'IEN")
    ien.get_by_role("link", name=re.compile(rf"\b{numero}\b")).first.click()
    expect(ien.get_by_role("heading", level=1)).to_contain_text(f"Dossier n° {numero}")
    assert_accessible(ien, "le dossier vu par l'IEN")
    # He may validate projets, never decide on the dossier.
    expect(ien.get_by_role("button", name="Accepter")).to_have_count(0)
    for ecole in ecoles:
        ien.get_by_role("button", name=f"Valider le projet de {ecole['nom']}").click()
        expect(ien.get_by_text(f"Projet de {ecole['nom']} : validé.")).to_be_visible()
    projets = ien.get_by_role("table", name="Projets par école")
    for ecole in ecoles:
        expect(projets.get_by_role("row").filter(has_text=ecole["uai"])).to_contain_text("Validé")
    assert_accessible(ien, "le dossier aux projets validés")

    # --- The instructeur of the académie de Rennes decides ------------------------------------------------------
    instructeur, erreurs_instructeur = ouvrir("instructeur")
    instructeur.goto(f"/appels/{APPEL}/instruction/")
    expect(instructeur.get_by_role("heading", level=1)).to_contain_text("Instruction")
    assert_accessible(instructeur, "la page d'instruction")
    instructeur.goto(url_dossier)
    # A question to the applicant, a private annotation, an avis of the DAN with its answer.
    instructeur.get_by_label("Votre message").fill("Les tablettes sont-elles partagées entre les classes ?")
    instructeur.get_by_role("button", name="Envoyer le message").click()
    expect(instructeur.get_by_text("Message envoyé.")).to_be_visible()
    instructeur.get_by_label("Annotation interne").fill("Note interne : commune prioritaire.")
    instructeur.get_by_role("button", name="Annoter").click()
    expect(instructeur.get_by_text("Note interne : commune prioritaire.")).to_be_visible()
    instructeur.get_by_label("Avis demandé à").fill("DAN de l'académie de Rennes")
    instructeur.get_by_label("Question").fill("Le projet est-il cohérent avec le schéma académique ?")
    instructeur.get_by_role("button", name="Demander l'avis").click()
    instructeur.get_by_label("Réponse de DAN de l'académie de Rennes").fill("Avis favorable.")
    instructeur.get_by_role("button", name="Enregistrer la réponse de DAN de l'académie de Rennes").click()
    expect(instructeur.get_by_text("Réponse du")).to_contain_text("Avis favorable.")
    assert_accessible(instructeur, "le dossier avec ses échanges, annotations et avis")
    agent.goto(url_dossier)
    expect(agent.get_by_text("Les tablettes sont-elles partagées entre les classes ?")).to_be_visible()
    agent.get_by_label("Votre message").fill("Oui, six tablettes par classe, partagées.")
    agent.get_by_role("button", name="Envoyer le message").click()
    expect(agent.get_by_text("Oui, six tablettes par classe, partagées.")).to_be_visible()
    expect(agent.get_by_text("Note interne : commune prioritaire.")).to_have_count(0)
    expect(agent.get_by_text("Avis favorable.")).to_have_count(0)
    assert_accessible(agent, "le dossier avec le fil d'échanges")
    instructeur.reload()
    expect(instructeur.get_by_text("Oui, six tablettes par classe, partagées.")).to_be_visible()
    instructeur.get_by_role("button", name="Mettre en instruction").click()
    expect(instructeur.get_by_text("En instruction", exact=True)).to_be_visible()
    assert_accessible(instructeur, "le dossier en instruction")
    instructeur.get_by_role("button", name="Accepter").click()
    expect(instructeur.get_by_text(f"Dossier n° {numero} : accepté.")).to_be_visible()
    expect(instructeur.get_by_text("Accepté", exact=True)).to_be_visible()
    assert_accessible(instructeur, "le dossier accepté")

    # The convention de financement: a real PDF naming the collectivité and the amount granted.
    lien = instructeur.get_by_role("link", name="Convention de financement (PDF)")
    reponse = instructeur.request.get(lien.get_attribute("href"))
    assert reponse.ok and reponse.headers["content-type"] == "application/pdf"
    texte = "\n".join(p.extract_text() or "" for p in PdfReader(io.BytesIO(reponse.body())).pages)
    assert COLLECTIVITE in texte
    assert f"n° {numero}" in texte
    assert "13200,00" in _euros(texte), texte[:2000]
    for ecole in ecoles:
        assert ecole["uai"] in texte

    # The advance (30 % of the grant), then the balance on the justified expenses.
    instructeur.get_by_role("button", name="Verser l'avance").click()
    expect(instructeur.get_by_text("Paiement enregistré.")).to_be_visible()
    paiements = instructeur.get_by_role("heading", name="Convention et paiements").locator(
        "xpath=following-sibling::ul[1]"
    )
    expect(paiements).to_contain_text("Avance")
    assert "3960,00" in _euros(paiements.inner_text()), paiements.inner_text()
    for ecole in ecoles:
        justifiees = instructeur.get_by_role("group", name=f"Dépenses justifiées — {ecole['nom']}")
        justifiees.get_by_label("Équipement (€)").fill("8000")
        justifiees.get_by_label("Services et ressources (€)").fill("2000")
    instructeur.get_by_role("button", name="Verser le solde").click()
    expect(instructeur.get_by_text("Paiement enregistré.")).to_be_visible()
    expect(paiements).to_contain_text("Solde")
    assert "9240,00" in _euros(paiements.inner_text()), paiements.inner_text()
    assert_accessible(instructeur, "le dossier payé")

    # The applicant sees the decision and the payments on his own dossier.
    agent.goto(url_dossier)
    expect(agent.get_by_text("Accepté", exact=True)).to_be_visible()
    expect(agent.get_by_role("link", name="Convention de financement (PDF)")).to_be_visible()
    expect(agent.get_by_role("button", name="Verser le solde")).to_have_count(0)
    assert not (erreurs_agent + erreurs_ien + erreurs_instructeur)
