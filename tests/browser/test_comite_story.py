"""The comité's story in a real browser: an AMRF member proposes to add a webradio kit to the collège socle,
the working group « Référentiels nationaux » discusses it, the secrétariat puts it on a plenary's agenda,
the positions of the organisations present are recorded, the decision adopts it, and the public sees the
new version and what changed. Every page on the way passes axe-core with no serious or critical violation.
"""

import re

from playwright.sync_api import Page, expect

from .harness import Socle
from .ui import assert_accessible, login

TITRE = "Ajouter un kit webradio au socle des collèges"
LIBELLE = "Kit webradio mutualisé"


def logout(page: Page) -> None:
    page.get_by_role("button", name="Se déconnecter").click()
    expect(page.get_by_role("link", name="Se connecter")).to_be_visible()


def test_webradio_amendment_from_proposal_to_published_version(page: Page, socle_live: Socle) -> None:
    socle_live.manage("charger_referentiels")
    socle_live.manage("charger_comite", "--sans-histoire")
    from comite.management.commands.charger_comite import _prochaine_pleniere

    pleniere = _prochaine_pleniere()["titre"]
    membre_amrf = socle_live.compte("membre_comite")
    dne = socle_live.compte("dne")

    # 1. A member of the AMRF proposes the amendment on the collège référentiel, and registers to the plenary.
    login(page, *membre_amrf)
    page.goto("/referentiels/college/amendements/nouveau/")
    assert_accessible(page, "le formulaire d'amendement")
    page.locator("[name=titre]").fill(TITRE)
    page.locator("[name=expose_motifs]").fill(
        "L'éducation aux médias passe par la webradio ; les collèges ruraux n'en ont pas."
    )
    page.locator("[name=operation]").select_option("ajout")
    page.locator("[name=code]").fill("kit-webradio")
    page.locator("[name=domaine]").select_option("mobiles")
    page.locator("[name=libelle]").fill(LIBELLE)
    page.locator("[name=obligatoire]").select_option("oui")
    page.locator("[name=regle_type]").select_option("par_etablissement")
    page.locator("[name=quantite]").fill("1")
    page.locator("[name=cout_typique]").fill("700")
    page.locator("[name=cout_unite]").fill("par collège")
    page.locator("[name=cout_non_confirme]").select_option("oui")
    page.get_by_role("button", name="Proposer l'amendement").click()
    page.wait_for_url(re.compile(r"/referentiels/amendements/\d+/$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text(TITRE)

    page.goto("/comite/seances/")
    assert_accessible(page, "la liste des séances")
    page.get_by_role("link", name=pleniere).click()
    page.get_by_role("button", name="M’inscrire à la séance").click()
    expect(page.get_by_text("Vous êtes inscrit à la séance.")).to_be_visible()
    logout(page)

    # 2. The secrétariat (DNE) gives the amendment to the working group; the thread opens.
    login(page, *dne)
    page.goto("/comite/groupes/referentiels-nationaux/")
    assert_accessible(page, "la page du groupe de travail")
    page.get_by_label("Amendement à confier au groupe").select_option(label=TITRE)
    page.get_by_role("button", name="Ouvrir la discussion").click()
    expect(page.get_by_text("L'amendement est confié au groupe de travail.")).to_be_visible()
    page.get_by_label("Votre message").fill("Le groupe propose un kit par collège ; coût à confirmer.")
    page.get_by_role("button", name="Publier le message").click()
    expect(page.get_by_text("Le groupe propose un kit par collège ; coût à confirmer.")).to_be_visible()
    assert_accessible(page, "la discussion de l'amendement")

    # 3. The secrétariat puts it on the plenary's agenda, registers and records attendance.
    page.get_by_role("combobox", name=re.compile("Séance")).select_option(index=0)
    page.get_by_role("button", name="Inscrire à l’ordre du jour").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(pleniere)
    expect(page.get_by_role("link", name=f"Amendement : {TITRE}")).to_be_visible()
    page.get_by_role("button", name="M’inscrire à la séance").click()
    for case in page.get_by_role("checkbox").all():
        case.check(force=True)  # the DSFR label is drawn over its checkbox
    page.get_by_role("button", name="Enregistrer les présences").click()
    expect(page.get_by_text("Les présences sont enregistrées.")).to_be_visible()
    assert_accessible(page, "la page de la séance plénière")

    # 4. The question is put to the plenary; positions are recorded; the decision adopts the amendment.
    page.get_by_label("Point de l'ordre du jour").select_option(index=1)
    page.get_by_label("Objet").fill("Kit webradio au socle numérique des collèges")
    page.get_by_role("button", name="Soumettre la question").click()
    page.wait_for_url(re.compile(r"/comite/decisions/\d+/$"))
    decision_url = page.url
    for organisation, position in (("AMRF", "Favorable"), ("DNE", "Favorable")):
        page.get_by_label("Organisation présente").select_option(
            label=_option(page, "Organisation présente", organisation)
        )
        page.get_by_role("combobox", name="Position", exact=True).select_option(label=position)
        page.get_by_role("button", name="Enregistrer la position").click()
        expect(page.get_by_text("est enregistrée")).to_be_visible()
    assert_accessible(page, "la décision en délibération")
    page.get_by_label("Issue").select_option(label="Adopté")
    page.get_by_role("button", name="Enregistrer l’issue").click()
    expect(page.get_by_text("L'issue de la décision est enregistrée.")).to_be_visible()
    page.get_by_role("button", name="Publier la décision").click()
    expect(page.get_by_text("La décision est publiée.")).to_be_visible()
    logout(page)

    # 5. The public reads the published decision, the positions, the new version and the diff.
    page.goto(decision_url)
    expect(page.get_by_text("Adopté", exact=True)).to_be_visible()
    positions = page.get_by_role("table", name="Positions exprimées en séance")
    expect(positions).to_contain_text("Association des maires ruraux de France (AMRF)")
    expect(positions).to_contain_text("Favorable")
    assert_accessible(page, "la décision publiée")
    comparer = page.get_by_role("link", name=re.compile(r"Comparer la version \d+ et la version \d+"))
    expect(comparer).to_be_visible()
    comparer.click()
    expect(page.get_by_text(LIBELLE).first).to_be_visible()
    assert_accessible(page, "la comparaison des versions")
    page.go_back()
    page.get_by_role("link", name=re.compile(r"version \d+$")).first.click()
    expect(page.get_by_text(LIBELLE).first).to_be_visible()


def _option(page: Page, label: str, contient: str) -> str:
    """The label of the option of the select ``label`` that contains ``contient``."""
    options = page.get_by_label(label).locator("option").all_inner_texts()
    return next(o for o in options if contient in o)


def test_comite_pages_are_accessible_for_the_public_and_the_secretariat(page: Page, socle_live: Socle) -> None:
    socle_live.manage("charger_referentiels")
    socle_live.manage("charger_comite", "--sans-histoire")

    # The public: the comité's home, its composition and its published decisions; the rest asks to log in.
    for url, titre in (
        ("/comite/", "Comité des partenaires du numérique pour l’éducation"),
        ("/comite/organisations/", "Organisations membres du comité"),
        ("/comite/decisions/", "Décisions et avis du comité"),
    ):
        page.goto(url)
        expect(page.get_by_role("heading", level=1)).to_have_text(titre)
        assert_accessible(page, f"{url} (public)")
    page.goto("/comite/seances/")
    page.wait_for_url(re.compile(r"/comptes/connexion/"))

    # The secrétariat: every list and the forms it fills in.
    login(page, *socle_live.compte("dne"))
    page.get_by_role("link", name="Comité des partenaires").first.click()
    expect(page.get_by_role("heading", name="Prochaines séances")).to_be_visible()
    assert_accessible(page, "l'accueil du comité (secrétariat)")
    for url, titre in (
        ("/comite/seances/", "Séances du comité"),
        ("/comite/points/", "Points à l’ordre du jour"),
        ("/comite/groupes/", "Groupes de travail"),
        ("/comite/conventions/", "Registre des conventions"),
    ):
        page.goto(url)
        expect(page.get_by_role("heading", level=1)).to_have_text(titre)
        assert_accessible(page, url)
    page.get_by_role("link", name=re.compile("Convention-cadre de partenariat")).click()
    expect(page.get_by_role("heading", name="Conventions de mise en œuvre")).to_be_visible()
    assert_accessible(page, "une convention-cadre et son formulaire de dépôt")
    page.goto("/comite/points/")
    page.get_by_label("Titre du point").fill("Sobriété numérique des équipements")
    page.get_by_role("button", name="Proposer le point").click()
    expect(page.get_by_text("Votre proposition est transmise au secrétariat du comité.")).to_be_visible()
    assert_accessible(page, "un point proposé, vu du secrétariat")
