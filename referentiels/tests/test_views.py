"""Pages of the référentiels: who sees what, who may do what, and the downloads (PDF, CSV, ODS, JSON)."""

import io

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from pypdf import PdfReader

from referentiels import services
from referentiels.models import Amendement, EtatAmendement, EtatVersion, Version
from referentiels.presets import WEBRADIO_AMENDEMENT

from .factories import association, charger, dne_user, jusqu_a_inscrit, login, membre_comite, proposer, utilisateur

pytestmark = pytest.mark.django_db


def client_de(client, role):
    user = utilisateur(role)
    if user is not None:
        login(client, user)
    return client, user


def test_liste_et_version_publiques(client):
    charger("ecole")
    charger("college")
    page = client.get("/referentiels/")
    assert page.status_code == 200
    contenu = page.content.decode()
    assert "Socle numérique de base des écoles" in contenu and "Version 1" in contenu
    page = client.get("/referentiels/ecole/v1/")
    contenu = page.content.decode()
    assert page.status_code == 200
    assert "Vidéoprojecteur (ou TNI / VPI / ENI)" in contenu
    assert "DSDEN 27 : 10, 12 ou 15 terminaux pour 4 classes" in contenu
    assert "Non confirmé" in contenu
    assert "<caption" in contenu
    assert "À valider par le comité" in client.get("/referentiels/college/v1/").content.decode()


@pytest.mark.parametrize(
    ("role", "voit_brouillon"),
    [("anonyme", False), ("agent_collectivite", False), ("membre_comite", True), ("dne", True)],
)
def test_brouillons_reserves_au_comite(client, role, voit_brouillon):
    v1 = charger("ecole")
    brouillon = services.version_creer_brouillon(referentiel=v1.referentiel, actor=None)
    client, _ = client_de(client, role)
    assert client.get(brouillon.get_absolute_url()).status_code == (200 if voit_brouillon else 404)
    assert client.get(f"{brouillon.get_absolute_url()}pdf/").status_code == (200 if voit_brouillon else 404)
    api = client.get(f"/api/v1/referentiels/ecole/versions/{brouillon.numero}/")
    assert api.status_code == (200 if voit_brouillon else 404)
    assert client.get(v1.get_absolute_url()).status_code == 200
    page = client.get("/referentiels/ecole/").content.decode()
    assert ("Version 2" in page) == voit_brouillon


@pytest.mark.parametrize(
    ("role", "peut"), [("anonyme", False), ("agent_collectivite", False), ("membre_comite", True), ("dne", True)]
)
def test_qui_peut_proposer(client, role, peut):
    charger("college")
    client, user = client_de(client, role)
    url = "/referentiels/college/amendements/nouveau/"
    reponse = client.get(url)
    if role == "anonyme":
        assert reponse.status_code == 302 and "/comptes/connexion/" in reponse["Location"]
    else:
        assert reponse.status_code == (200 if peut else 403)
    organisation = user.memberships.first().organisation if user else association()
    reponse = client.post(
        url,
        {
            "organisation": organisation.pk,
            "titre": "Webradio",
            "expose_motifs": "EMI",
            "operation": "ajout",
            "code": "webradio",
            "domaine": "mobiles",
            "libelle": "Kit webradio",
            "regle_type": "par_etablissement",
            "quantite": "1",
            "cout_typique": "700",
            "cout_non_confirme": "oui",
        },
    )
    assert Amendement.objects.count() == (1 if peut else 0)
    if peut:
        amendement = Amendement.objects.get()
        assert reponse.status_code == 302 and reponse["Location"] == amendement.get_absolute_url()
        assert amendement.auteur == user and amendement.modifications.get().donnees["cout_typique"] == "700.00"


def test_mauvaise_saisie_message_sur_le_champ(client):
    charger("college")
    user = membre_comite()
    login(client, user)
    organisation = user.memberships.first().organisation
    base = {"organisation": organisation.pk, "titre": "T", "expose_motifs": "M", "domaine": "mobiles", "libelle": "Kit"}
    reponse = client.post(
        "/referentiels/college/amendements/nouveau/",
        {**base, "operation": "ajout", "code": "ent", "regle_type": "presence"},
    )
    assert reponse.status_code == 400
    assert "l&#x27;item « ent » existe déjà" in reponse.content.decode()
    reponse = client.post(
        "/referentiels/college/amendements/nouveau/",
        {**base, "operation": "ajout", "code": "kit", "regle_type": "par_classes", "quantite": "3"},
    )
    assert reponse.status_code == 400
    assert "Item « kit », règle, champ « classes » : un nombre entier est attendu" in reponse.content.decode()
    reponse = client.post(
        "/referentiels/college/amendements/nouveau/", {**base, "operation": "suppression", "code": "robot"}
    )
    assert "impossible de supprimer l&#x27;item « robot »" in reponse.content.decode()
    assert Amendement.objects.count() == 0


def test_adopter_sans_citer_la_decision_de_la_pleniere_est_refuse(client):
    v1 = charger("college")
    amendement = services.amendement_proposer(
        version_base=v1, organisation=association(), auteur=None, **WEBRADIO_AMENDEMENT
    )
    client, _ = client_de(client, "dne")
    for action in ("discuss", "schedule"):
        client.post(reverse("referentiels:amendement_action", args=[amendement.pk, action]))
    reponse = client.post(reverse("referentiels:amendement_action", args=[amendement.pk, "adopt"]), {}, follow=True)
    assert "Citez la décision de la plénière qui adopte l&#x27;amendement." in reponse.content.decode()
    amendement.refresh_from_db()
    assert amendement.etat == EtatAmendement.INSCRIT
    assert Version.objects.filter(referentiel=v1.referentiel).count() == 1


@pytest.mark.parametrize(
    ("role", "peut"), [("anonyme", False), ("agent_collectivite", False), ("membre_comite", False), ("dne", True)]
)
def test_qui_peut_faire_avancer_et_adopter(client, role, peut):
    v1 = charger("college")
    amendement = services.amendement_proposer(
        version_base=v1, organisation=association(), auteur=None, **WEBRADIO_AMENDEMENT
    )
    client, _ = client_de(client, role)
    lecture = client.get(amendement.get_absolute_url())
    assert lecture.status_code == (404 if role in ("anonyme", "agent_collectivite") else 200)
    for action in ("discuss", "schedule", "adopt"):
        reponse = client.post(
            reverse("referentiels:amendement_action", args=[amendement.pk, action]), {"decision_ref": "Plénière"}
        )
        if role == "anonyme":
            assert reponse.status_code == 302 and "/comptes/connexion/" in reponse["Location"]
        elif not peut:
            assert reponse.status_code in (403, 404)
    amendement.refresh_from_db()
    if peut:
        assert amendement.etat == EtatAmendement.ADOPTE
        v2 = Version.objects.get(referentiel=v1.referentiel, numero=2)
        assert v2.etat == EtatVersion.ADOPTEE and v2.decision_ref == "Plénière"
        # Adopted amendments are public, with the version they produced.
        client.logout()
        assert "Version 2" in client.get(amendement.get_absolute_url()).content.decode()
    else:
        assert amendement.etat == EtatAmendement.PROPOSE
        assert Version.objects.filter(referentiel=v1.referentiel).count() == 1


def test_rejet_garde_le_motif(client):
    v1 = charger("ecole")
    amendement = proposer(v1, [{"operation": "suppression", "code": "micro"}])
    login(client, dne_user())
    url = reverse("referentiels:amendement_action", args=[amendement.pk, "reject"])
    client.post(url, {"motif": ""})
    amendement.refresh_from_db()
    assert amendement.etat == EtatAmendement.PROPOSE
    client.post(url, {"motif": "Le micro reste indispensable."})
    amendement.refresh_from_db()
    assert amendement.etat == EtatAmendement.REJETE
    assert "Le micro reste indispensable." in client.get(amendement.get_absolute_url()).content.decode()


def test_a_rebaser_visible(client):
    v1 = charger("ecole")
    premier = jusqu_a_inscrit(proposer(v1, [{"operation": "suppression", "code": "micro"}]))
    second = proposer(v1, [{"operation": "suppression", "code": "haut-parleurs"}], titre="Second")
    services.amendement_adopter(amendement=premier, actor=None)
    login(client, membre_comite())
    assert "À rebaser" in client.get(second.get_absolute_url()).content.decode()
    assert "À rebaser" in client.get("/referentiels/ecole/").content.decode()


def _webradio_v2():
    v1 = charger("college")
    amendement = jusqu_a_inscrit(
        services.amendement_proposer(version_base=v1, organisation=association(), auteur=None, **WEBRADIO_AMENDEMENT)
    )
    return v1, services.amendement_adopter(amendement=amendement, actor=None)


def test_diff_page_et_json(client):
    _webradio_v2()
    page = client.get("/referentiels/college/comparer/?de=1&a=2")
    assert page.status_code == 200
    contenu = page.content.decode()
    assert "Items ajoutés (1)" in contenu and "webradio" in contenu
    data = client.get("/referentiels/college/comparer.json?de=1&a=2").json()
    assert [i["code"] for i in data["ajoutes"]] == ["webradio"]
    assert data["supprimes"] == [] and data["modifies"] == []
    inverse = client.get("/referentiels/college/comparer.json?de=2&a=1").json()
    assert [i["code"] for i in inverse["supprimes"]] == ["webradio"]
    assert client.get("/referentiels/college/comparer.json?de=1&a=9").status_code == 400


def test_diff_champ_par_champ(client):
    v1 = charger("ecole")
    amendement = proposer(v1, [{"operation": "modification", "code": "visualiseur", "donnees": {"obligatoire": True}}])
    services.amendement_adopter(amendement=jusqu_a_inscrit(amendement), actor=None)
    data = client.get("/referentiels/ecole/comparer.json?de=1&a=2").json()
    assert data["modifies"] == [
        {"code": "visualiseur", "changements": [{"champ": "obligatoire", "avant": False, "apres": True}]}
    ]


def test_pdf_contient_les_items(client):
    _webradio_v2()
    reponse = client.get("/referentiels/college/v2/pdf/")
    assert reponse.status_code == 200 and reponse["Content-Type"] == "application/pdf"
    texte = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(reponse.content)).pages)
    texte = " ".join(texte.split())
    assert "Socle numérique de base des collèges — version 2" in texte
    assert "Kit webradio" in texte
    assert "Accès internet très haut débit" in texte
    assert "à valider par le comité" in texte


def test_export_csv_et_ods(client):
    charger("ecole")
    reponse = client.get("/referentiels/ecole/v1/?format=csv")
    assert reponse.status_code == 200
    lignes = reponse.content.decode("utf-8-sig").splitlines()
    assert lignes[0].startswith("Code;Domaine;Libellé")
    videoprojecteur = next(ligne for ligne in lignes if ligne.startswith("videoprojecteur;"))
    assert "1 par classe" in videoprojecteur and "3300,00" in videoprojecteur
    assert len(lignes) == 1 + Version.objects.get().items.count()
    ods = client.get("/referentiels/ecole/v1/?format=ods")
    assert ods.status_code == 200 and ods["Content-Type"] == "application/vnd.oasis.opendocument.spreadsheet"
    import tablib

    feuille = tablib.Dataset().load(ods.content, format="ods")
    assert "classe-mobile-terminaux" in feuille["Code"]


def test_api_publique(client):
    _webradio_v2()
    liste = client.get("/api/v1/referentiels/").json()
    college = next(r for r in liste if r["niveau"] == "college")
    assert college["version_en_vigueur"] == 2
    version = client.get("/api/v1/referentiels/college/versions/2/").json()
    assert version["etat"] == "adoptee"
    webradio = next(i for i in version["items"] if i["code"] == "webradio")
    assert webradio["regle"] == {"type": "par_etablissement", "quantite": 1, "unite": "kit"}
    assert webradio["cout_typique"] == "700.00" and webradio["cout_non_confirme"] is True
    diff = client.get("/api/v1/referentiels/college/diff/?de=1&a=2").json()
    assert [i["code"] for i in diff["ajoutes"]] == ["webradio"]
    assert client.post("/api/v1/referentiels/", {}).status_code in (401, 403, 405)
    schema = client.get("/api/schema/").content.decode()
    assert "/api/v1/referentiels/{niveau}/versions/{numero}/" in schema


def test_dne_prepare_consulte_et_publie_une_version(client):
    v1 = charger("lycee")
    login(client, dne_user())
    reponse = client.post("/referentiels/lycee/brouillon/")
    brouillon = Version.objects.get(referentiel=v1.referentiel, numero=2)
    assert reponse["Location"] == brouillon.get_absolute_url() and brouillon.etat == EtatVersion.BROUILLON
    client.post("/referentiels/lycee/v2/consult/")
    brouillon.refresh_from_db()
    assert brouillon.etat == EtatVersion.EN_CONSULTATION
    client.post("/referentiels/lycee/v2/publish/", {"decision_ref": "Plénière de juin"})
    brouillon.refresh_from_db()
    v1.refresh_from_db()
    assert (brouillon.etat, v1.etat, brouillon.decision_ref) == ("adoptee", "remplacee", "Plénière de juin")
    assert "La version en vigueur est la" in client.get("/referentiels/lycee/v1/").content.decode()


@pytest.mark.parametrize("role", ["anonyme", "agent_collectivite", "membre_comite"])
def test_seule_la_dne_publie(client, role):
    v1 = charger("lycee")
    brouillon = services.version_creer_brouillon(referentiel=v1.referentiel, actor=None)
    client, _ = client_de(client, role)
    assert client.post("/referentiels/lycee/brouillon/").status_code in (302, 403)
    assert client.post("/referentiels/lycee/v2/publish/").status_code in (302, 403, 404)
    brouillon.refresh_from_db()
    assert brouillon.etat == EtatVersion.BROUILLON
    assert Version.objects.filter(referentiel=v1.referentiel).count() == 2


def test_admin_lit_une_version_adoptee_sans_la_modifier(client):
    from comptes.tests.factories import UserFactory

    v1 = charger("ecole")
    login(client, UserFactory(is_superuser=True, is_staff=True))
    assert client.get(f"/gestion/referentiels/version/{v1.pk}/change/").status_code == 200
    assert client.get("/gestion/referentiels/amendement/").status_code == 200
    client.post(f"/gestion/referentiels/version/{v1.pk}/change/", {"notes": "changé", "a_valider": "on"})
    v1.refresh_from_db()
    assert v1.notes != "changé"


def test_calcul_pour_une_ecole_de_5_classes(client):
    charger("ecole")
    contenu = client.get("/referentiels/ecole/v1/?classes=5&eleves=120").content.decode()
    assert "Pour cet établissement" in contenu
    import re

    lignes = {
        code: re.sub(r"\s+", " ", ligne)
        for code, ligne in re.findall(r"Code : ([a-z-]+)</span>(.*?)</tr>", contenu, flags=re.S)
    }
    assert "<td>5</td>" in lignes["videoprojecteur"]
    assert "<td>1</td>" in lignes["classe-mobile"]
    assert "<td>15 terminaux</td>" in lignes["classe-mobile-terminaux"]
    assert "<td>Requis</td>" in lignes["ent"]
    sans = client.get("/referentiels/ecole/v1/?eleves=120").content.decode()
    assert "Inconnu : précisez le nombre de classes" in sans
    erreur = client.get("/referentiels/ecole/v1/?classes=-2")
    assert erreur.status_code == 200 and "Pour cet établissement" not in erreur.content.decode()


def test_apercu_et_conflit_sur_la_page_amendement(client):
    v1 = charger("ecole")
    premier = jusqu_a_inscrit(proposer(v1, [{"operation": "suppression", "code": "micro"}]))
    second = proposer(v1, [{"operation": "modification", "code": "micro", "donnees": {"libelle": "Micro-casque"}}])
    login(client, membre_comite())
    contenu = client.get(second.get_absolute_url()).content.decode()
    assert "Effet sur la version en vigueur (version 1)" in contenu and "Micro-casque" in contenu
    services.amendement_adopter(amendement=premier, actor=None)
    contenu = client.get(second.get_absolute_url()).content.decode()
    assert "ne s'applique plus à la version en vigueur" in contenu
    assert "impossible de modifier l&#x27;item « micro »" in contenu


def test_completer_un_amendement(client):
    v1 = charger("ecole")
    organisation = association()
    auteur = membre_comite(organisation)
    autre = membre_comite(association(nom="Association des maires de France", sigle="AMF"))
    amendement = proposer(v1, [{"operation": "suppression", "code": "micro"}], organisation=organisation)
    url = reverse("referentiels:amendement_completer", args=[amendement.pk])
    login(client, autre)
    assert client.get(url).status_code == 403
    login(client, auteur)
    assert "Ajouter une modification" in client.get(amendement.get_absolute_url()).content.decode()
    reponse = client.post(url, {"operation": "suppression", "code": "micro"})
    assert reponse.status_code == 400
    assert "impossible de supprimer l&#x27;item « micro »" in reponse.content.decode()
    reponse = client.post(
        url, {"operation": "modification", "code": "visualiseur", "obligatoire": "oui", "cout_haut": "320"}
    )
    assert reponse.status_code == 302
    assert amendement.modifications_data()[1] == {
        "operation": "modification",
        "code": "visualiseur",
        "donnees": {"obligatoire": True, "cout_haut": "320.00"},
    }
    services.amendement_mettre_en_discussion(amendement=amendement, actor=None)
    assert client.get(url).status_code == 403
    with pytest.raises(ValidationError, match="on ne peut plus le compléter"):
        services.amendement_ajouter_modification(
            amendement=amendement, modification={"operation": "suppression", "code": "visualiseur"}, actor=None
        )
    assert amendement.modifications.count() == 2
