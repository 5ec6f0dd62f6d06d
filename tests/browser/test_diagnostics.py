"""An agent of the Commune de Rennes imports an inventory file: one bad line is refused with its error and nothing
is written; the fixed file is previewed, then applied; the école's diagnostic and the département's dashboard show
it. Every page passes axe-core with no serious or critical violation."""

from playwright.sync_api import Page, expect

from .harness import Socle
from .ui import assert_accessible, login

UAI = "0350626R"  # École élémentaire publique Camille Claudel, Rennes
ENTETE = "uai;item;designation;quantite;emplacement;precision_emplacement;annee_acquisition;etat;numero_serie\n"
BONNE = f"{UAI};videoprojecteur;VPI Epson;3;classe;CE1;2022;bon;VP-01\n"
MAUVAISE = f"{UAI};poste-enseignant;Portable;trois;classe;CE1;2021;bon;\n"
CORRIGEE = f"{UAI};poste-enseignant;Portable;3;classe;CE1;2021;bon;\n"


def _deposer(page: Page, contenu: str) -> None:
    page.get_by_label("Fichier d'inventaire").set_input_files(
        files=[{"name": "inventaire-rennes.csv", "mimeType": "text/csv", "buffer": contenu.encode("utf-8")}]
    )
    page.get_by_role("button", name="Voir l'aperçu").click()


def test_import_d_inventaire_puis_diagnostic_et_tableau_de_bord(page: Page, socle_live: Socle) -> None:
    socle_live.manage("charger_referentiels")
    socle_live.manage("simuler_inventaires", "--departements", "35", timeout=600)
    login(page, *socle_live.compte("agent_collectivite", collectivite="commune-35238"))

    page.goto(f"/diagnostics/etablissements/{UAI}/")
    expect(page.get_by_text("Inventaire simulé").first).to_be_visible()
    lignes_avant = page.get_by_role("table", name="Lignes de l'inventaire (simulées)").get_by_role("row").count()

    page.goto("/diagnostics/import/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Importer un inventaire")
    assert_accessible(page, "la page d'import")

    _deposer(page, ENTETE + BONNE + MAUVAISE)
    expect(
        page.get_by_role(
            "heading", name="1 ligne(s) en erreur dans « inventaire-rennes.csv » : rien n'a été enregistré"
        )
    ).to_be_visible()
    erreurs = page.get_by_role("table", name="Erreurs par ligne du fichier (l'en-tête est la ligne 1)")
    expect(erreurs).to_contain_text("3")
    expect(erreurs).to_contain_text("« trois » n'est pas un nombre entier")
    expect(page.get_by_role("button", name="Appliquer l'import")).to_have_count(0)
    assert_accessible(page, "l'aperçu en erreur")
    page.goto(f"/diagnostics/etablissements/{UAI}/")
    expect(page.get_by_text("Inventaire simulé").first).to_be_visible()  # nothing written
    assert (
        page.get_by_role("table", name="Lignes de l'inventaire (simulées)").get_by_role("row").count() == lignes_avant
    )

    page.goto("/diagnostics/import/")
    _deposer(page, ENTETE + BONNE + CORRIGEE)
    expect(
        page.get_by_role("heading", name="Aperçu de « inventaire-rennes.csv » : 2 ligne(s) valide(s)")
    ).to_be_visible()
    assert_accessible(page, "l'aperçu valide")
    page.get_by_role("button", name="Appliquer l'import").click()

    page.wait_for_url(f"**/diagnostics/etablissements/{UAI}/")
    expect(page.get_by_text("Import appliqué : 2 lignes pour 1 établissement(s).")).to_be_visible()
    expect(page.get_by_text("Inventaire simulé")).to_have_count(0)
    equipements = page.get_by_role("table", name="Lignes de l'inventaire")
    expect(equipements.get_by_role("row")).to_have_count(3)
    expect(equipements).to_contain_text("VPI Epson")
    expect(
        page.get_by_role("table", name="Items requis du socle : quantité requise, présente, manque et coût estimé")
    ).to_be_visible()
    expect(page.get_by_text("Inventaire importé")).to_be_visible()
    assert_accessible(page, "le diagnostic de l'école")

    page.goto("/diagnostics/territoires/departement/35/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Diagnostics numériques : Ille-et-Vilaine (35)")
    expect(
        page.get_by_role(
            "img",
            name="Part des établissements au niveau du socle, par territoire "
            "(mêmes chiffres que le tableau ci-dessous)",
        )
    ).to_be_visible()
    expect(page.get_by_role("table", name="Indicateurs par territoire")).to_contain_text("Commune de Rennes")
    assert_accessible(page, "le tableau de bord du département")
