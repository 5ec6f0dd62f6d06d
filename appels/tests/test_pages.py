"""Pages and API: the public simulator, the filing form, and the permission matrix over HTTP."""

import html
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from appels import services
from appels.models import Dossier, EtatDossier, EtatProjet, LigneDepense, Projet
from core.audit import history_of
from territoires.tests.factories import AcademieFactory

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

pytestmark = pytest.mark.django_db


def nbsp(texte: str) -> str:
    return html.unescape(texte).replace("\u00a0", " ")


@pytest.fixture
def appel():
    return appel_ouvert("snee-2021")


def test_simulator_api_without_an_account(client, appel):
    reponse = client.post(
        "/api/v1/appels/snee-2021/simulation/",
        {"etablissements": [{"libelle": "École A", "classes": 2, "eleves": 50, "depenses": {"equipement": "12000"}}]},
        content_type="application/json",
    )
    assert reponse.status_code == 200
    data = reponse.json()
    assert data["subvention"] == "4900.00"  # 12 000 capped at 3 500 × 2 classes, × 70 %
    assert any("3 500 € × 2 classes = 7 000,00 €" in nbsp(e) for e in data["explications"])
    assert {p["libelle"] for p in data["parametres_non_confirmes"]} >= {
        "total : plancher de la dépense par établissement"
    }


def test_simulator_api_refuses_a_negative_expense(client, appel):
    reponse = client.post(
        "/api/v1/appels/snee-2021/simulation/",
        {"etablissements": [{"classes": 2, "eleves": 50, "depenses": {"equipement": "-5"}}]},
        content_type="application/json",
    )
    assert reponse.status_code == 400
    assert "equipement" in str(reponse.json())


def test_appels_api_lists_the_published_rules(client, appel):
    data = client.get("/api/v1/appels/").json()
    assert [a["code"] for a in data] == ["snee-2021"]
    assert data[0]["revision"]["numero"] == 1
    assert any(p["non_confirme"] for p in data[0]["revision"]["parametres"])


def test_simulator_page(client, appel):
    page = client.get(reverse("appels:simulateur", args=["snee-2021"]))
    assert page.status_code == 200
    reponse = client.post(
        reverse("appels:simulateur", args=["snee-2021"]),
        {
            "ecoles-TOTAL_FORMS": "2",
            "ecoles-INITIAL_FORMS": "0",
            "ecoles-0-libelle": "École des Lilas",
            "ecoles-0-classes": "4",
            "ecoles-0-eleves": "90",
            "ecoles-0-equipement": "12000",
            "ecoles-0-services": "1000",
            "ecoles-1-classes": "",
        },
    )
    texte = nbsp(reponse.content.decode())
    assert "Subvention estimée : 8 900,00 €" in texte  # 70 % × 12 000 + 50 % × 1 000
    assert "Paramètres non confirmés" in texte


def test_appel_page_shows_rules_and_sources(client, appel):
    page = nbsp(client.get(reverse("appels:appel", args=["snee-2021"])).content.decode())
    assert "école non éligible : l'appel vise les écoles élémentaires et primaires" in page
    assert "Non confirmé" in page
    assert "idruide.com" in page


def test_menu_links_to_the_appels(client, appel):
    assert 'href="/appels/"' in client.get("/appels/").content.decode()


# --- Filing and the permission matrix over HTTP --------------------------------------------------------------


@pytest.fixture
def monde(settings, tmp_path, appel):
    settings.MEDIA_ROOT = tmp_path
    collectivite, ecoles = commune_avec_ecoles()
    return appel, collectivite, ecoles, agent_de(collectivite)


def test_agent_sees_which_schools_are_eligible_and_files_once(client, monde):
    appel, collectivite, ecoles, agent = monde
    client.force_login(agent)
    url = reverse("appels:deposer", args=[appel.code, collectivite.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert ecoles[0].nom in page.content.decode()
    cle = page.context["cle"]
    premier = client.post(url, {"cle": cle})
    second = client.post(url, {"cle": cle})  # double click
    assert premier.status_code == second.status_code == 302
    assert Dossier.objects.count() == 1
    assert premier["Location"] == second["Location"]


def test_projet_form_refuses_negative_price_and_saves_nothing(client, monde):
    appel, collectivite, ecoles, agent = monde
    dossier, _ = services.dossier_creer(appel=appel, collectivite=collectivite, acteur=agent, cle_idempotence="k")
    client.force_login(agent)
    url = reverse("appels:projet", args=[dossier.pk, ecoles[0].uai])
    donnees = {
        "projet_pedagogique": "Webradio de l'école.",
        "classes": "4",
        "eleves": "90",
        "lignes-TOTAL_FORMS": "2",
        "lignes-INITIAL_FORMS": "0",
        "lignes-0-volet": "equipement",
        "lignes-0-libelle": "Vidéoprojecteur",
        "lignes-0-quantite": "4",
        "lignes-0-prix_unitaire": "800",
        "lignes-1-volet": "services",
        "lignes-1-libelle": "ENT",
        "lignes-1-quantite": "1",
        "lignes-1-prix_unitaire": "-20",
    }
    reponse = client.post(url, donnees)
    assert reponse.status_code == 200
    assert "Ligne 2 : Le montant ne peut pas être négatif." in nbsp(reponse.content.decode())
    assert not Projet.objects.exists()
    donnees["lignes-1-prix_unitaire"] = "20"
    donnees["devis"] = SimpleUploadedFile("devis.pdf", PDF, content_type="application/pdf")
    assert client.post(url, donnees).status_code == 302
    assert LigneDepense.objects.count() == 2
    assert dossier.pieces.count() == 1


def test_projet_form_refuses_a_quote_that_is_not_a_pdf_and_saves_nothing(client, monde):
    appel, collectivite, ecoles, agent = monde
    dossier, _ = services.dossier_creer(appel=appel, collectivite=collectivite, acteur=agent, cle_idempotence="k")
    client.force_login(agent)
    reponse = client.post(
        reverse("appels:projet", args=[dossier.pk, ecoles[0].uai]),
        {
            "projet_pedagogique": "P",
            "classes": "4",
            "eleves": "90",
            "lignes-TOTAL_FORMS": "1",
            "lignes-INITIAL_FORMS": "0",
            "lignes-0-volet": "equipement",
            "lignes-0-libelle": "Vidéoprojecteur",
            "lignes-0-quantite": "1",
            "lignes-0-prix_unitaire": "800",
            "devis": SimpleUploadedFile("devis.pdf", b"<html>pas un pdf</html>"),
        },
    )
    assert "n'est pas un PDF" in nbsp(reponse.content.decode())
    assert not Projet.objects.exists()


def _depose(monde):
    appel, collectivite, ecoles, agent = monde
    dossier, _ = services.dossier_creer(appel=appel, collectivite=collectivite, acteur=agent, cle_idempotence="k")
    services.dossier_enregistrer_projet(
        dossier=dossier, acteur=agent, etablissement=ecoles[0], projet_pedagogique="P", lignes=lignes()
    )
    services.dossier_ajouter_piece(
        dossier=dossier, acteur=agent, code="devis", fichier=SimpleUploadedFile("d.pdf", PDF)
    )
    return services.dossier_deposer(dossier=dossier, acteur=agent)


def test_permission_matrix_on_the_dossier_page(client, monde):
    dossier = _depose(monde)
    autre_commune, _ = commune_avec_ecoles()
    autre_circ = circonscription("0359999Z", "Saint-Malo")
    autre_academie = AcademieFactory(code="06", nom="Créteil")
    cas = {
        "agent de la commune": (monde[3], 200),
        "agent d'une autre commune": (agent_de(autre_commune), 404),
        "IEN de la circonscription": (ien_de(circonscription()), 200),
        "IEN d'une autre circonscription": (ien_de(autre_circ), 404),
        "instructeur de l'académie": (instructeur_de(AcademieFactory()), 200),
        "instructeur d'une autre académie": (instructeur_de(autre_academie), 404),
        "DNE": (dne(), 200),
        "directeur de l'école du projet": (directeur_de(monde[2][0]), 200),
        "directeur d'une autre école": (directeur_de(monde[2][1]), 404),
    }
    for role, (user, attendu) in cas.items():
        client.force_login(user)
        assert client.get(dossier.get_absolute_url()).status_code == attendu, role
        visibles = client.get(reverse("appels:dossiers")).context["dossiers"]
        assert (dossier in list(visibles)) == (attendu == 200), role
    client.logout()
    assert client.get(dossier.get_absolute_url()).status_code == 302  # to the login page


def test_only_the_instructor_of_the_academie_decides(client, monde):
    dossier = _depose(monde)
    services.enveloppe_fixer(appel=monde[0], academie=dossier.academie, montant=Decimal("50000"), acteur=None)
    url = reverse("appels:dossier_action", args=[dossier.pk, "instruire"])
    for intrus in (monde[3], ien_de(circonscription()), instructeur_de(AcademieFactory(code="06", nom="Créteil"))):
        client.force_login(intrus)
        assert client.post(url).status_code in (403, 404)
    dossier.refresh_from_db()
    assert dossier.etat == EtatDossier.DEPOSE
    instructeur = instructeur_de(AcademieFactory())
    client.force_login(instructeur)
    client.post(url)
    # Acceptance refused while the IEN has not validated the projet.
    client.post(reverse("appels:dossier_action", args=[dossier.pk, "accepter"]))
    dossier.refresh_from_db()
    assert dossier.etat == EtatDossier.EN_INSTRUCTION
    projet = dossier.projets.get()
    valider = reverse("appels:projet_action", args=[dossier.pk, projet.pk, "valider"])
    assert client.post(valider).status_code == 403  # the instructor is not the IEN
    client.force_login(ien_de(circonscription()))
    client.post(valider)
    projet.refresh_from_db()
    assert projet.etat == EtatProjet.VALIDE
    client.force_login(instructeur)
    client.post(reverse("appels:dossier_action", args=[dossier.pk, "accepter"]), {"montant": ""})
    dossier.refresh_from_db()
    assert (dossier.etat, dossier.montant_accorde) == (EtatDossier.ACCEPTE, Decimal("8400.00"))


def test_an_agent_cannot_file_for_another_collectivite(client, monde):
    appel, _, _, _ = monde
    autre, _ = commune_avec_ecoles()
    client.force_login(monde[3])
    assert client.get(reverse("appels:deposer", args=[appel.code, autre.pk])).status_code == 403


def _accepte(monde):
    dossier = _depose(monde)
    services.enveloppe_fixer(appel=monde[0], academie=dossier.academie, montant=Decimal("50000"), acteur=None)
    services.dossier_instruire(dossier=dossier, acteur=None)
    services.projet_valider(projet=dossier.projets.get(), acteur=None)
    return services.dossier_accepter(dossier=dossier, acteur=None)


def test_public_list_of_retained_dossiers_and_its_export(client, monde):
    dossier = _accepte(monde)
    page = nbsp(client.get(reverse("appels:retenus", args=[monde[0].code])).content.decode())
    assert str(dossier.collectivite) in page
    assert "8 400,00 €" in page
    [retenu] = client.get(f"/api/v1/appels/{monde[0].code}/retenus/").json()
    assert (retenu["academie"], retenu["montant_accorde"]) == ("14", "8400.00")
    assert retenu["etablissements"] == [monde[2][0].uai]
    export = client.get(reverse("appels:retenus", args=[monde[0].code]), {"format": "csv"})
    assert export["Content-Type"].startswith("text/csv")
    assert "8400,00" in export.content.decode("utf-8-sig")


def test_convention_pdf_for_the_applicant_not_for_the_ien(client, monde):
    dossier = _accepte(monde)
    client.force_login(monde[3])
    reponse = client.get(reverse("appels:convention", args=[dossier.pk]))
    assert reponse.status_code == 200
    assert reponse["Content-Type"] == "application/pdf"
    assert reponse.content.startswith(b"%PDF-")
    client.force_login(ien_de(circonscription()))
    assert client.get(reverse("appels:convention", args=[dossier.pk])).status_code == 403


def test_only_the_instructor_records_payments(client, monde):
    dossier = _accepte(monde)
    url = reverse("appels:paiement", args=[dossier.pk, "avance"])
    client.force_login(monde[3])
    assert client.post(url).status_code == 403
    assert not dossier.paiements.exists()
    client.force_login(instructeur_de(AcademieFactory()))
    client.post(url)
    uai = dossier.projets.get().etablissement_id
    client.post(reverse("appels:paiement", args=[dossier.pk, "solde"]), {f"justifie-{uai}-equipement": "12000"})
    assert [(p.type, p.montant) for p in dossier.paiements.order_by("id")] == [
        ("avance", Decimal("2520.00")),
        ("solde", Decimal("5880.00")),
    ]
    page = nbsp(client.get(dossier.get_absolute_url()).content.decode())
    assert "Solde : 5 880,00 €" in page


def test_dne_changes_an_open_appel_through_an_audited_revision(client, appel):
    url = reverse("appels:revision", args=[appel.code])
    client.force_login(agent_de(commune_avec_ecoles()[0]))
    assert client.get(url).status_code == 403
    client.force_login(dne())
    client.post(url, {"action": "creer"})
    form = client.get(url).context["form"]
    donnees = {nom: form[nom].value() for nom in form.fields}
    donnees["financement"] = '{"postes": [{"code": "p", "volets": ["equipement"], "taux": "1.5"}]}'
    reponse = client.post(url, {**donnees, "action": "enregistrer"})
    assert "un taux s'écrit entre 0 et 1" in nbsp(reponse.content.decode())
    assert appel.revisions.get(numero=2).financement["assiette"] == "dossier"  # unchanged
    donnees["financement"] = '{"postes": [{"code": "p", "volets": ["equipement"], "taux": "0.6"}]}'
    assert client.post(url, {**donnees, "action": "enregistrer"}).status_code == 302
    client.post(url, {"action": "publier", "motif": ""})
    assert appel.revision_publiee().numero == 1  # an open appel changes only with a motif
    client.post(url, {"action": "publier", "motif": "Taux unique de 60 % (décision du comité)."})
    assert appel.revision_publiee().numero == 2
    page = nbsp(client.get(reverse("appels:appel", args=[appel.code])).content.decode())
    assert "Révision 2 (publiée)" in page
    assert "Taux unique de 60 % (décision du comité)." in page
    assert "Révision 1 (remplacée)" in page
    simulation = client.post(
        f"/api/v1/appels/{appel.code}/simulation/",
        {"etablissements": [{"classes": 1, "eleves": 20, "depenses": {"equipement": "1000"}}]},
        content_type="application/json",
    )
    assert simulation.json()["subvention"] == "600.00"


def test_envelopes_are_saved_together_or_not_at_all(client, appel):
    rennes, creteil = AcademieFactory(), AcademieFactory(code="06", nom="Créteil")
    url = reverse("appels:enveloppes", args=[appel.code])
    client.force_login(dne())
    reponse = client.post(url, {"montant-14": "100000000", "montant-06": "6000000"})
    assert "enveloppe nationale" in nbsp(reponse.content.decode())
    assert not appel.enveloppes.exists()
    client.post(url, {"montant-14": "60 000 000", "montant-06": "45000000"})
    assert {e.academie_id: e.montant for e in appel.enveloppes.all()} == {
        rennes.code: Decimal("60000000"),
        creteil.code: Decimal("45000000"),
    }


def test_pieces_are_served_to_who_sees_the_dossier_only(client, monde):
    dossier = _depose(monde)
    url = reverse("appels:piece", args=[dossier.pk, dossier.pieces.get().pk])
    client.force_login(instructeur_de(AcademieFactory()))
    reponse = client.get(url)
    assert reponse.status_code == 200
    assert b"".join(reponse.streaming_content).startswith(b"%PDF-")
    assert "attachment" in reponse["Content-Disposition"]
    client.force_login(agent_de(commune_avec_ecoles()[0]))
    assert client.get(url).status_code == 404


def test_instructor_exports_his_dossiers_only(client, monde):
    dossier = _depose(monde)
    autre = AcademieFactory(code="06", nom="Créteil")
    client.force_login(instructeur_de(autre))
    assert str(dossier.collectivite) not in client.get(reverse("appels:dossiers"), {"format": "csv"}).content.decode(
        "utf-8-sig"
    )
    client.force_login(instructeur_de(AcademieFactory()))
    export = client.get(reverse("appels:dossiers"), {"format": "csv"}).content.decode("utf-8-sig")
    assert str(dossier.collectivite) in export
    assert "8400,00" in export


def test_dossiers_api_is_scoped_to_the_user(client, monde):
    dossier = _depose(monde)
    assert client.get("/api/v1/appels-dossiers/").status_code in (401, 403)
    client.force_login(agent_de(commune_avec_ecoles()[0]))
    assert client.get("/api/v1/appels-dossiers/").json()["results"] == []
    assert client.get(f"/api/v1/appels-dossiers/{dossier.pk}/").status_code == 404
    client.force_login(ien_de(circonscription()))
    [data] = client.get("/api/v1/appels-dossiers/", {"etat": "depose"}).json()["results"]
    assert (data["id"], data["montant_demande"], data["projets"][0]["depense"]) == (dossier.pk, "8400.00", "12000.00")


def test_agent_removes_a_school_from_a_draft_only(client, monde):
    appel, collectivite, ecoles, agent = monde
    dossier, _ = services.dossier_creer(appel=appel, collectivite=collectivite, acteur=agent, cle_idempotence="k")
    projet = services.dossier_enregistrer_projet(
        dossier=dossier, acteur=agent, etablissement=ecoles[1], projet_pedagogique="P", lignes=lignes()
    )
    url = reverse("appels:projet_action", args=[dossier.pk, projet.pk, "retirer"])
    client.force_login(ien_de(circonscription()))
    assert client.post(url).status_code in (403, 404)
    client.force_login(agent)
    client.post(url)
    assert not dossier.projets.exists()
    assert not LigneDepense.objects.exists()


def test_eligibility_api_explains_each_refusal(client, appel):
    label = appel_ouvert("label-ecoles-numeriques-2020")
    _, petites = commune_avec_ecoles(population=800, n=1)
    _, grandes = commune_avec_ecoles(population=9000, n=1)
    reponse = client.get(f"/api/v1/appels/{label.code}/eligibilite/", {"uai": f"{petites[0].uai},{grandes[0].uai}"})
    assert reponse.status_code == 200
    par_uai = {e["uai"]: e for e in reponse.json()}
    assert par_uai[petites[0].uai]["eligible"]
    assert par_uai[petites[0].uai]["avertissements"]  # the aire urbaine is not known: to check
    assert not par_uai[grandes[0].uai]["eligible"]
    assert nbsp(par_uai[grandes[0].uai]["raisons"][0]) == (
        "école non éligible : la commune compte plus de 3 500 habitants (9 000)"
    )
    assert client.get(f"/api/v1/appels/{label.code}/eligibilite/").status_code == 400
    page = nbsp(
        client.get(reverse("appels:appel", args=[label.code]), {"uai": grandes[0].uai.lower()}).content.decode()
    )
    assert "non éligible — école non éligible : la commune compte plus de 3 500 habitants (9 000)" in page


def test_admin_shows_dossiers_read_only(admin_client, monde):
    dossier = _depose(monde)
    assert admin_client.get("/gestion/appels/dossier/").status_code == 200
    page = admin_client.get(f"/gestion/appels/dossier/{dossier.pk}/change/")
    assert page.status_code == 200
    assert 'name="etat"' not in page.content.decode()
    assert admin_client.post(f"/gestion/appels/dossier/{dossier.pk}/delete/").status_code == 403


def test_instruction_page_shows_the_academie_dossiers_only(client, monde, django_assert_max_num_queries):
    dossier = _depose(monde)
    url = reverse("appels:instruction", args=[monde[0].code])
    client.force_login(monde[3])
    assert client.get(url).status_code == 403
    client.force_login(instructeur_de(AcademieFactory(code="06", nom="Créteil")))
    assert client.get(url).context["bilans"] == []
    client.force_login(instructeur_de(AcademieFactory()))
    client.get(url)  # session and caches
    with django_assert_max_num_queries(20):
        page = client.get(url)
    [bilan] = page.context["bilans"]
    assert bilan.dossier == dossier
    assert "8 400,00 €" in nbsp(page.content.decode())


def test_simulator_takes_the_school_from_its_uai(client, appel):
    _, ecoles = commune_avec_ecoles(n=1)
    url = reverse("appels:simulateur", args=["snee-2021"])
    donnees = {"ecoles-TOTAL_FORMS": "1", "ecoles-INITIAL_FORMS": "0", "ecoles-0-equipement": "20000"}
    reponse = client.post(url, {**donnees, "ecoles-0-uai": ecoles[0].uai.lower()})
    texte = nbsp(reponse.content.decode())
    # 4 classes from the directory: 20 000 € capped at 3 500 € × 4 = 14 000 €, × 70 %.
    assert "Subvention estimée : 9 800,00 €" in texte
    assert ecoles[0].nom in texte
    inconnu = nbsp(client.post(url, {**donnees, "ecoles-0-uai": "9999999Z"}).content.decode())
    assert "UAI « 9999999Z » inconnu." in inconnu
    sans = nbsp(client.post(url, donnees).content.decode())
    assert "Indiquez l'UAI de l'école, ou ses classes et ses élèves." in sans


def test_dossier_page_shows_what_the_instructor_must_check(client, monde):
    appel = appel_ouvert("label-ecoles-numeriques-2020")
    collectivite, ecoles = commune_avec_ecoles(population=900)
    agent = agent_de(collectivite)
    dossier, _ = services.dossier_creer(appel=appel, collectivite=collectivite, acteur=agent, cle_idempotence="lab")
    services.dossier_enregistrer_projet(
        dossier=dossier, acteur=agent, etablissement=ecoles[0], projet_pedagogique="P", lignes=lignes("8000")
    )
    client.force_login(agent)
    page = nbsp(client.get(dossier.get_absolute_url()).content.decode())
    assert "À vérifier, donnée manquante : population de l'aire urbaine" in page


def test_the_school_director_writes_its_projet_pedagogique(client, monde):
    appel, collectivite, ecoles, agent = monde
    dossier, _ = services.dossier_creer(appel=appel, collectivite=collectivite, acteur=agent, cle_idempotence="k")
    projet = services.dossier_enregistrer_projet(
        dossier=dossier, acteur=agent, etablissement=ecoles[0], projet_pedagogique="À compléter", lignes=lignes()
    )
    url = reverse("appels:projet_pedagogique", args=[dossier.pk, projet.pk])
    client.force_login(directeur_de(ecoles[1]))
    assert client.get(url).status_code == 403
    directeur = directeur_de(ecoles[0])
    client.force_login(directeur)
    assert "Rédiger le projet pédagogique" in client.get(dossier.get_absolute_url()).content.decode()
    client.post(url, {"projet_pedagogique": "Webradio des CM2 et robotique en cycle 3."})
    projet.refresh_from_db()
    assert projet.projet_pedagogique == "Webradio des CM2 et robotique en cycle 3."
    assert history_of(dossier).first().actor == directeur
    services.dossier_ajouter_piece(
        dossier=dossier, acteur=agent, code="devis", fichier=SimpleUploadedFile("d.pdf", PDF)
    )
    services.dossier_deposer(dossier=dossier, acteur=agent)
    assert client.get(url).status_code == 403  # submitted: no more changes
