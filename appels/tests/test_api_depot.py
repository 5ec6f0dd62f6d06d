"""The deposit API: one request files a complete dossier; retries with the same key never duplicate it."""

import base64
import datetime as dt
import threading
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, connections
from django.test import Client

from appels import selectors, services
from appels.models import Dossier, EtatDossier, LigneDepense, Piece, Projet
from comite.models import Notification
from core.audit import history_of
from core.models import AuditEntry

from .factories import (
    PDF,
    agent_de,
    appel_ouvert,
    circonscription,
    commune_avec_ecoles,
    directeur_de,
    ien_de,
    instructeur_de,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def monde(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    appel = appel_ouvert("snee-2021")
    collectivite, ecoles = commune_avec_ecoles()
    return appel, collectivite, ecoles, agent_de(collectivite)


def _depot(collectivite, ecoles, cle="cle-1", devis=PDF):
    return {
        "cle_idempotence": cle,
        "collectivite": collectivite.pk,
        "devis": base64.b64encode(devis).decode(),
        "projets": [
            {
                "uai": e.uai,
                "classes": 4,
                "eleves": 90,
                "projet_pedagogique": "Une webradio par cycle.",
                "lignes": [{"volet": "equipement", "libelle": "Tablettes", "quantite": 10, "prix_unitaire": "800.00"}],
            }
            for e in ecoles
        ],
    }


def test_an_agent_deposits_a_complete_dossier_once(client, monde):
    appel, collectivite, ecoles, agent = monde
    client.force_login(agent)
    url = f"/api/v1/appels/{appel.code}/depots/"
    reponse = client.post(url, _depot(collectivite, ecoles), content_type="application/json")
    assert reponse.status_code == 201, reponse.content
    corps = reponse.json()
    assert corps["etat"] == "depose"
    # 70 % × 8 000 € per school (4 classes: cap 14 000 €), two schools.
    assert corps["montant_demande"] == "11200.00"
    assert corps["etablissements"] == sorted(e.uai for e in ecoles)
    encore = client.post(url, _depot(collectivite, ecoles), content_type="application/json")
    assert encore.status_code == 200 and encore.json() == corps  # the same dossier, described the same way
    assert Dossier.objects.get().etat == EtatDossier.DEPOSE
    assert Piece.objects.count() == 1


def test_deposit_refused_for_another_collectivite_or_without_account(client, monde):
    appel, collectivite, ecoles, _ = monde
    autre, _ = commune_avec_ecoles()
    url = f"/api/v1/appels/{appel.code}/depots/"
    assert client.post(url, _depot(collectivite, ecoles), content_type="application/json").status_code == 403
    client.force_login(agent_de(autre))
    reponse = client.post(url, _depot(collectivite, ecoles), content_type="application/json")
    assert reponse.status_code == 403
    assert "Vous n'agissez pas pour cette collectivité." in reponse.json()["detail"]
    assert not Dossier.objects.exists()


def test_a_bad_deposit_names_the_problem_and_leaves_nothing(client, monde):
    appel, collectivite, ecoles, agent = monde
    client.force_login(agent)
    url = f"/api/v1/appels/{appel.code}/depots/"
    reponse = client.post(url, _depot(collectivite, ecoles, devis=b"<html>"), content_type="application/json")
    assert reponse.status_code == 400
    assert "PDF" in str(reponse.json())
    depot = _depot(collectivite, ecoles)
    depot["projets"][1]["uai"] = "9999999Z"
    reponse = client.post(url, depot, content_type="application/json")
    assert reponse.status_code == 400
    assert "Projet 2 : UAI « 9999999Z » inconnu." in str(reponse.json())
    assert not Dossier.objects.exists()


def test_the_deposit_is_the_same_dossier_as_filed_step_by_step(client, monde, django_capture_on_commit_callbacks):
    """Projets, lines, quote, subsidy recomputed from the database, audit trail and notifications."""
    appel, collectivite, ecoles, agent = monde
    ien = ien_de(circonscription())
    client.force_login(agent)
    depot = _depot(collectivite, ecoles)
    depot["projets"][0]["lignes"].append(
        {"volet": "services", "libelle": "ENT", "quantite": 3, "prix_unitaire": "99.90"}
    )
    with django_capture_on_commit_callbacks(execute=True):
        reponse = client.post(f"/api/v1/appels/{appel.code}/depots/", depot, content_type="application/json")
    assert reponse.status_code == 201, reponse.content
    dossier = selectors.dossier_complet(reponse.json()["id"])
    assert (dossier.etat, dossier.vague, dossier.cree_par, dossier.academie_id) == (
        EtatDossier.DEPOSE, 1, agent, collectivite.commune.departement.academie_id
    )  # fmt: skip
    assert dossier.montant_demande == selectors.subvention_du_dossier(dossier).subvention
    assert Decimal(reponse.json()["montant_demande"]) == dossier.montant_demande
    assert sorted(ligne.montant for p in dossier.projets.all() for ligne in p.lignes.all()) == [
        Decimal("299.70"), Decimal("8000.00"), Decimal("8000.00")
    ]  # fmt: skip
    assert [p.projet_pedagogique for p in dossier.projets.all()] == ["Une webradio par cycle."] * 2
    [piece] = dossier.pieces.all()
    assert piece.fichier.read() == PDF
    actions = sorted(e.action for e in history_of(dossier))
    assert actions == sorted(
        ["appels.dossier.cree", "appels.projet.enregistre", "appels.projet.enregistre", "appels.piece.ajoutee",
         "appels.dossier.depose"]
    )  # fmt: skip
    assert {e.actor for e in history_of(dossier)} == {agent}
    assert Notification.objects.filter(destinataire=ien, code="appels.dossier.depose").count() == 1


def test_a_deposit_notifies_the_people_concerned_and_audits_each_step_in_order(
    client, monde, django_capture_on_commit_callbacks
):
    appel, collectivite, ecoles, agent = monde
    collegue, instructeur = agent_de(collectivite), instructeur_de(collectivite.commune.departement.academie)
    ien, directeur = ien_de(ecoles[0].circonscription), directeur_de(ecoles[0])
    parti = directeur_de(ecoles[1])
    parti.is_active = False
    parti.save()
    ailleurs = directeur_de(commune_avec_ecoles()[1][0])
    client.force_login(agent)
    with django_capture_on_commit_callbacks(execute=True):
        reponse = client.post(
            f"/api/v1/appels/{appel.code}/depots/", _depot(collectivite, ecoles), content_type="application/json"
        )
    assert reponse.status_code == 201, reponse.content
    dossier = Dossier.objects.get()
    notifiees = Notification.objects.filter(code="appels.dossier.depose")
    assert sorted(n.destinataire_id for n in notifiees) == sorted(p.pk for p in (collegue, instructeur, ien, directeur))
    assert {n.lien for n in notifiees} == {f"/appels/dossiers/{dossier.pk}/"}
    assert all(n.texte.endswith("déposé") for n in notifiees)
    assert not Notification.objects.filter(destinataire__in=[agent, parti, ailleurs]).exists()
    journal = list(reversed(history_of(dossier)))
    assert [(e.action, e.data) for e in journal] == [
        ("appels.dossier.cree", {"revision": dossier.revision.numero}),
        *(("appels.projet.enregistre", {"etablissement": e.uai, "lignes": 1, "cree": True}) for e in ecoles),
        ("appels.piece.ajoutee", {"code": "devis", "nom": "devis.pdf"}),
        (
            "appels.dossier.depose",
            {"de": "brouillon", "vers": "depose", "montant_demande": "11200.00", "vague": dossier.vague},
        ),
    ]
    assert {(e.actor, e.object_repr) for e in journal} == {(agent, str(dossier))}


def test_a_deposit_takes_a_bounded_number_of_queries(client, monde, django_assert_max_num_queries):
    appel, collectivite, ecoles, agent = monde
    client.force_login(agent)
    with django_assert_max_num_queries(14):
        reponse = client.post(
            f"/api/v1/appels/{appel.code}/depots/", _depot(collectivite, ecoles), content_type="application/json"
        )
    assert reponse.status_code == 201


def _refus(client, monde, depot):
    appel = monde[0]
    client.force_login(monde[3])
    reponse = client.post(f"/api/v1/appels/{appel.code}/depots/", depot, content_type="application/json")
    assert reponse.status_code == 400, reponse.content
    assert not Dossier.objects.exists()
    assert not Projet.objects.exists() and not LigneDepense.objects.exists() and not Piece.objects.exists()
    assert not AuditEntry.objects.filter(action__startswith="appels.dossier").exists()
    return str(reponse.json())


def test_bad_deposits_are_refused_with_a_clear_message_and_nothing_saved(client, monde):
    _, collectivite, ecoles, _ = monde
    depot = _depot(collectivite, ecoles)
    depot["projets"][1]["lignes"].append({"volet": "services", "libelle": "ENT", "quantite": 1, "prix_unitaire": "-5"})
    assert "prix_unitaire" in _refus(client, monde, depot)  # the API's own check names the field
    depot = _depot(collectivite, ecoles)
    depot["projets"][1]["uai"] = depot["projets"][0]["uai"]
    assert f"Projet 2 : l'école {ecoles[0].uai} est déjà le projet 1." in _refus(client, monde, depot)
    _, autres = commune_avec_ecoles()
    depot = _depot(collectivite, [ecoles[0], autres[0]])
    assert f"Projet 2 ({autres[0].uai}) : {autres[0]} ne relève pas de {collectivite}." in _refus(client, monde, depot)
    ecoles[1].sous_type = "maternelle"
    ecoles[1].save()
    assert f"Projet 2 ({ecoles[1].uai}) : école non éligible" in _refus(client, monde, _depot(collectivite, ecoles))
    depot = _depot(collectivite, ecoles[:1])
    depot["projets"][0]["projet_pedagogique"] = "   "
    assert "'projet_pedagogique': ['Ce champ ne peut être vide.']" in _refus(client, monde, depot)
    depot = _depot(collectivite, ecoles[:1], devis=b"MZ\x90 not a pdf")
    assert "n'est pas un PDF" in _refus(client, monde, depot)


def test_a_negative_amount_is_refused_by_the_service_too(monde):
    appel, collectivite, ecoles, agent = monde
    depot = _depot(collectivite, ecoles[:1])
    depot["projets"][0]["lignes"].append({"volet": "services", "libelle": "ENT", "quantite": 1, "prix_unitaire": "-5"})
    with pytest.raises(ValidationError) as exc:
        services.dossier_deposer_en_une_fois(
            appel=appel, collectivite=collectivite, acteur=agent, cle_idempotence="k", projets=depot["projets"],
            devis=SimpleUploadedFile("devis.pdf", PDF),
        )  # fmt: skip
    assert exc.value.message_dict["projets"] == [
        f"Projet 1 ({ecoles[0].uai}) : Ligne 2 : le prix unitaire ne peut pas être négatif."
    ]
    assert not Dossier.objects.exists()


def test_a_late_deposit_names_the_closing_time(client, monde):
    appel, collectivite, ecoles, agent = monde
    revision = appel.revision_publiee()
    apres = revision.cloture + dt.timedelta(seconds=1)
    with pytest.raises(ValidationError, match="Dépôt refusé : l'appel était ouvert jusqu'au"):
        services.dossier_deposer_en_une_fois(
            appel=appel, collectivite=collectivite, acteur=agent, cle_idempotence="k",
            projets=_depot(collectivite, ecoles)["projets"], devis=SimpleUploadedFile("devis.pdf", PDF),
            instant=apres,
        )  # fmt: skip
    assert not Dossier.objects.exists()


def test_a_second_key_for_the_same_collectivite_is_refused(client, monde):
    appel, collectivite, ecoles, agent = monde
    client.force_login(agent)
    url = f"/api/v1/appels/{appel.code}/depots/"
    premier = client.post(url, _depot(collectivite, ecoles, cle="a"), content_type="application/json")
    second = client.post(url, _depot(collectivite, ecoles, cle="b"), content_type="application/json")
    assert second.status_code == 400
    assert f"a déjà un dossier pour cet appel (n° {premier.json()['id']})" in str(second.json())
    assert Dossier.objects.count() == 1


def test_a_draft_started_on_the_pages_with_the_key_is_filled_and_deposited(client, monde):
    appel, collectivite, ecoles, agent = monde
    brouillon, _ = services.dossier_creer(appel=appel, collectivite=collectivite, acteur=agent, cle_idempotence="k")
    client.force_login(agent)
    reponse = client.post(
        f"/api/v1/appels/{appel.code}/depots/", _depot(collectivite, ecoles, cle="k"), content_type="application/json"
    )
    assert reponse.status_code == 201, reponse.content
    assert reponse.json()["id"] == brouillon.pk and reponse.json()["etat"] == "depose"
    assert reponse.json()["etablissements"] == sorted(e.uai for e in ecoles)


@pytest.mark.django_db(transaction=True)
def test_a_double_click_at_the_same_instant_files_one_dossier(settings, tmp_path):
    if connection.vendor != "postgresql":
        pytest.skip("requêtes simultanées : test sur PostgreSQL")
    settings.MEDIA_ROOT = tmp_path
    appel = appel_ouvert("snee-2021")
    collectivite, ecoles = commune_avec_ecoles()
    agent = agent_de(collectivite)
    barriere = threading.Barrier(2)
    reponses = []

    def deposer() -> None:
        try:
            navigateur = Client()
            navigateur.force_login(agent)
            barriere.wait(timeout=10)
            reponses.append(
                navigateur.post(
                    f"/api/v1/appels/{appel.code}/depots/",
                    _depot(collectivite, ecoles),
                    content_type="application/json",
                )
            )
        finally:
            connections.close_all()

    fils = [threading.Thread(target=deposer) for _ in range(2)]
    for f in fils:
        f.start()
    for f in fils:
        f.join(timeout=60)
    assert sorted(r.status_code for r in reponses) == [200, 201]
    assert reponses[0].json()["id"] == reponses[1].json()["id"]
    assert Dossier.objects.count() == 1 and Projet.objects.count() == 2


def test_the_deposit_s_collectivite_read_grants_exactly_what_acts_for_collectivite_grants(db):
    # The deposit reads the collectivité and the agent's right in one query: the same rule as
    # comptes.permissions.acts_for_collectivite (itself checked against scope_of), for every role.
    from comptes.permissions import acts_for_collectivite
    from comptes.tests.monde import construire_monde, tous_les_profils

    monde = construire_monde()
    collectivites = [monde.commune_a, monde.commune_b, monde.departement]
    inconnue = max(c.pk for c in collectivites) + 1000
    for user in tous_les_profils(monde):
        attendu = {c.pk for c in collectivites if acts_for_collectivite(user, c.pk)}
        lues = {c.pk: selectors.collectivite_du_depot(user, c.pk) for c in collectivites}
        assert {pk for pk, c in lues.items() if c is not None} == attendu
        assert all(c.pk == pk and c.nom for pk, c in lues.items() if c is not None)
        assert selectors.collectivite_du_depot(user, inconnue) is None
    agent = monde.users["agent_commune_a"]
    assert selectors.collectivite_du_depot(agent, monde.commune_a.pk) == monde.commune_a
    assert selectors.collectivite_du_depot(agent, monde.commune_b.pk) is None
