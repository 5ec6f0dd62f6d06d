"""The instructeur académique: thread with the applicant, private annotations, avis, batch decisions."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from appels import services
from appels.models import Annotation, Avis, Enveloppe, EtatDossier, Message
from core.audit import history_of
from core.models import AuditEntry
from territoires.tests.factories import AcademieFactory

from .factories import PDF, agent_de, appel_ouvert, circonscription, commune_avec_ecoles, dne, ien_de, instructeur_de
from .factories import lignes as lignes_de

pytestmark = pytest.mark.django_db


def _dossier_en_instruction(appel, cle: str, equipement: str = "12000"):
    """A dossier of a new commune, deposited, its projet validated by the IEN, under instruction."""
    collectivite, ecoles = commune_avec_ecoles()
    agent = agent_de(collectivite)
    dossier, _ = services.dossier_creer(appel=appel, collectivite=collectivite, acteur=agent, cle_idempotence=cle)
    services.dossier_enregistrer_projet(
        dossier=dossier, acteur=agent, etablissement=ecoles[0], projet_pedagogique="Radio.",
        lignes=lignes_de(equipement),
    )  # fmt: skip
    services.dossier_ajouter_piece(
        dossier=dossier, acteur=agent, code="devis", fichier=SimpleUploadedFile("d.pdf", PDF)
    )
    services.dossier_deposer(dossier=dossier, acteur=agent)
    services.projet_valider(projet=dossier.projets.get(), acteur=None)
    services.dossier_instruire(dossier=dossier, acteur=None)
    dossier.refresh_from_db()
    return dossier, agent


@pytest.fixture
def campagne(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    appel = appel_ouvert("snee-2021")
    dossiers = [_dossier_en_instruction(appel, f"lot-{i}") for i in range(3)]
    instructeur = instructeur_de(dossiers[0][0].academie)
    return appel, dossiers, instructeur


def _page(client, user, dossier) -> str:
    client.force_login(user)
    reponse = client.get(dossier.get_absolute_url())
    assert reponse.status_code == 200
    return reponse.content.decode()


def test_the_thread_is_seen_by_both_sides(client, campagne):
    _, [(dossier, agent), *_], instructeur = campagne
    client.force_login(instructeur)
    url = f"/appels/dossiers/{dossier.pk}/echanges/message/"
    client.post(url, {"texte": "Pouvez-vous préciser le nombre de tablettes par classe ?"})
    client.force_login(agent)
    client.post(url, {"texte": "Six tablettes par classe, partagées."})
    assert list(Message.objects.filter(dossier=dossier).values_list("de_l_instruction", flat=True)) == [True, False]
    for personne in (agent, instructeur):
        page = _page(client, personne, dossier)
        assert "Pouvez-vous préciser le nombre de tablettes par classe ?" in page
        assert "Six tablettes par classe, partagées." in page
    assert [e.action for e in history_of(dossier)].count("appels.message.envoye") == 2


def test_an_empty_message_is_refused_and_nothing_is_saved(client, campagne):
    _, [(dossier, agent), *_], _ = campagne
    client.force_login(agent)
    reponse = client.post(f"/appels/dossiers/{dossier.pk}/echanges/message/", {"texte": "   "}, follow=True)
    assert "Le texte du message est vide." in reponse.content.decode()
    assert not Message.objects.exists()


def test_annotations_are_never_visible_to_the_applicant(client, campagne):
    _, [(dossier, agent), *_], instructeur = campagne
    client.force_login(instructeur)
    client.post(f"/appels/dossiers/{dossier.pk}/echanges/annotation/", {"texte": "Commune déjà aidée en 2019."})
    assert Annotation.objects.get().texte == "Commune déjà aidée en 2019."
    assert "Commune déjà aidée en 2019." in _page(client, instructeur, dossier)
    assert "Commune déjà aidée en 2019." in _page(client, dne(), dossier)
    page_agent = _page(client, agent, dossier)
    assert "Commune déjà aidée en 2019." not in page_agent
    assert "Annotations internes" not in page_agent
    # Not even in the history the applicant reads; the audit entry is on the annotation itself.
    assert "appels.annotation" not in {e.action for e in history_of(dossier)}
    assert AuditEntry.objects.filter(action="appels.annotation.ajoutee").count() == 1
    # The applicant (nor the IEN) cannot write one.
    ien = ien_de(circonscription())
    for intrus in (agent, ien):
        client.force_login(intrus)
        reponse = client.post(f"/appels/dossiers/{dossier.pk}/echanges/annotation/", {"texte": "Intrusion"})
        assert reponse.status_code == 403
    assert Annotation.objects.count() == 1


def test_the_instructor_asks_the_dan_for_an_avis_and_records_the_answer(client, campagne):
    _, [(dossier, agent), *_], instructeur = campagne
    client.force_login(instructeur)
    client.post(
        f"/appels/dossiers/{dossier.pk}/echanges/avis/",
        {"destinataire": "DAN de l'académie de Rennes — Mme Le Goff", "question": "Le projet est-il cohérent ?"},
    )
    avis = Avis.objects.get()
    client.post(
        f"/appels/dossiers/{dossier.pk}/echanges/reponse-avis/",
        {"avis": avis.pk, "reponse": "Avis favorable : projet cohérent avec le schéma académique."},
    )
    avis.refresh_from_db()
    assert avis.repondu_le is not None
    page = _page(client, instructeur, dossier)
    assert "DAN de l&#x27;académie de Rennes — Mme Le Goff" in page
    assert "Avis favorable : projet cohérent avec le schéma académique." in page
    assert "Avis favorable" not in _page(client, agent, dossier)
    with pytest.raises(ValidationError, match="a déjà répondu"):
        services.avis_repondre(avis=avis, acteur=instructeur, reponse="Autre réponse")
    with pytest.raises(ValidationError, match="Indiquez à qui"):
        services.avis_demander(dossier=dossier, acteur=instructeur, destinataire=" ", question="?")
    assert [e.action for e in AuditEntry.objects.filter(action__startswith="appels.avis").order_by("at")] == [
        "appels.avis.demande",
        "appels.avis.repondu",
    ]
    client.force_login(agent)
    assert client.post(f"/appels/dossiers/{dossier.pk}/echanges/avis/", {"destinataire": "X"}).status_code == 403


def test_batch_acceptance_of_a_wave(client, campagne):
    appel, dossiers, instructeur = campagne
    services.enveloppe_fixer(appel=appel, academie=dossiers[0][0].academie, montant=Decimal("100000"), acteur=None)
    client.force_login(instructeur)
    page = client.get(f"/appels/{appel.code}/instruction/").content.decode()
    assert f"Sélectionner le dossier n° {dossiers[0][0].pk}" in page
    reponse = client.post(
        f"/appels/{appel.code}/instruction/lot/",
        {"dossiers": [d.pk for d, _ in dossiers], "decision": "accepter"},
        follow=True,
    )
    assert "3 dossier(s) acceptés" in reponse.content.decode()
    for dossier, _ in dossiers:
        dossier.refresh_from_db()
        assert dossier.etat == EtatDossier.ACCEPTE and dossier.montant_accorde == Decimal("8400.00")
        assert history_of(dossier).first().action == "appels.dossier.accepte"
    assert Enveloppe.objects.get().engage == Decimal("25200.00")


def test_a_batch_exceeding_the_envelope_changes_nothing(client, campagne):
    appel, dossiers, instructeur = campagne
    # Room for two dossiers of 8 400 €, not three.
    services.enveloppe_fixer(appel=appel, academie=dossiers[0][0].academie, montant=Decimal("20000"), acteur=None)
    client.force_login(instructeur)
    reponse = client.post(
        f"/appels/{appel.code}/instruction/lot/",
        {"dossiers": [d.pk for d, _ in dossiers], "decision": "accepter"},
        follow=True,
    )
    page = reponse.content.decode()
    assert "Aucune décision enregistrée : le lot de 3 dossier(s) est annulé." in page
    assert f"Dossier n° {dossiers[2][0].pk} : Enveloppe de l&#x27;académie insuffisante" in page
    for dossier, _ in dossiers:
        dossier.refresh_from_db()
        assert dossier.etat == EtatDossier.EN_INSTRUCTION
    assert Enveloppe.objects.get().engage == Decimal("0")
    assert not AuditEntry.objects.filter(action="appels.dossier.accepte").exists()


def test_batch_refusal_needs_a_motif_and_only_the_academie_decides(client, campagne):
    appel, dossiers, instructeur = campagne
    choisis = [d for d, _ in dossiers[:2]]
    with pytest.raises(ValidationError, match="Indiquez le motif du refus"):
        services.dossiers_decider_en_lot(dossiers=choisis, acteur=instructeur, decision="refuser")
    autre = instructeur_de(AcademieFactory(code="99"))
    with pytest.raises(ValidationError, match="vous ne décidez pas"):
        services.dossiers_decider_en_lot(dossiers=choisis, acteur=autre, decision="refuser", motif="Hors critères.")
    client.force_login(dossiers[0][1])
    assert client.post(f"/appels/{appel.code}/instruction/lot/", {"dossiers": [choisis[0].pk]}).status_code == 403
    refuses = services.dossiers_decider_en_lot(
        dossiers=choisis, acteur=instructeur, decision="refuser", motif="Hors critères."
    )
    assert [d.etat for d in refuses] == [EtatDossier.REFUSE, EtatDossier.REFUSE]
    dossiers[2][0].refresh_from_db()
    assert dossiers[2][0].etat == EtatDossier.EN_INSTRUCTION
