"""Every page of the appels under axe-core in a real Chromium (no serious or critical violation)."""

import os
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from appels import services

from .factories import (
    PDF,
    agent_de,
    appel_ouvert,
    circonscription,
    commune_avec_ecoles,
    directeur_de,
    dne,
    ien_de,
    instructeur_de,
    lignes,
)

CHROMIUM = os.environ.get("SOCLE_CHROMIUM", "/usr/bin/chromium")

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="Chromium absent"),
]


@pytest.fixture
def navigateur():
    playwright = pytest.importorskip("playwright.sync_api")
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
        try:
            yield browser
        finally:
            browser.close()


def _session(user) -> str:
    client = Client()
    client.force_login(user)
    return client.cookies["sessionid"].value


@pytest.mark.django_db(transaction=True)
def test_appels_pages_pass_axe(live_server, navigateur, settings, tmp_path):
    from tests.browser.ui import accessibility_violations, describe

    settings.MEDIA_ROOT = tmp_path
    appel = appel_ouvert("snee-2021")
    collectivite, ecoles = commune_avec_ecoles()
    agent = agent_de(collectivite)
    dossier, _ = services.dossier_creer(appel=appel, collectivite=collectivite, acteur=agent, cle_idempotence="k")
    services.dossier_enregistrer_projet(
        dossier=dossier, acteur=agent, etablissement=ecoles[0], projet_pedagogique="P", lignes=lignes()
    )
    services.dossier_ajouter_piece(
        dossier=dossier, acteur=agent, code="devis", fichier=SimpleUploadedFile("d.pdf", PDF)
    )
    services.dossier_deposer(dossier=dossier, acteur=agent)
    ien, instructeur = ien_de(circonscription()), instructeur_de(dossier.academie)
    services.enveloppe_fixer(appel=appel, academie=dossier.academie, montant=Decimal("50000"), acteur=None)
    base = live_server.url
    visites = [
        (None, "/appels/"),
        (None, f"/appels/{appel.code}/"),
        (None, f"/appels/{appel.code}/?uai={ecoles[0].uai}"),
        (None, f"/appels/{appel.code}/simulateur/"),
        (None, f"/appels/{appel.code}/retenus/"),
        (agent, f"/appels/{appel.code}/deposer/{collectivite.pk}/"),
        (agent, f"/appels/dossiers/{dossier.pk}/"),
        (agent, "/appels/dossiers/"),
        (directeur_de(ecoles[0]), f"/appels/dossiers/{dossier.pk}/"),
        (ien, f"/appels/dossiers/{dossier.pk}/"),
        (instructeur, f"/appels/dossiers/{dossier.pk}/"),
        (dne(), f"/appels/{appel.code}/enveloppes/"),
        (instructeur, f"/appels/{appel.code}/instruction/"),
    ]
    echecs = []
    for user, chemin in visites:
        contexte = navigateur.new_context(base_url=base)
        if user is not None:
            contexte.add_cookies([{"name": "sessionid", "value": _session(user), "url": base}])
        page = contexte.new_page()
        reponse = page.goto(chemin)
        assert reponse is not None and reponse.status == 200, chemin
        violations = accessibility_violations(page)
        if violations:
            echecs.append(f"{chemin} :\n{describe(violations)}")
        if chemin.endswith("/simulateur/"):
            page.get_by_label("Classes", exact=True).first.fill("3")
            page.get_by_label("Élèves", exact=True).first.fill("70")
            page.get_by_label("Équipement (€ TTC)").first.fill("9000")
            page.get_by_role("button", name="Estimer la subvention").click()
            page.wait_for_selector("#titre-resultat")
            violations = accessibility_violations(page)
            if violations:
                echecs.append(f"{chemin} (résultat) :\n{describe(violations)}")
        contexte.close()
    assert not echecs, "\n".join(echecs)
