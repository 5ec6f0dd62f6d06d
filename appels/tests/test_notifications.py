"""Each dossier transition reaches the people concerned in their daily digest (the comité app's mechanism)."""

import io

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command

from appels import services
from comite.models import Notification

from .factories import PDF, agent_de, appel_ouvert, commune_avec_ecoles, directeur_de, ien_de, instructeur_de, lignes

pytestmark = pytest.mark.django_db


@pytest.fixture
def dossier_et_personnes(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    appel = appel_ouvert("snee-2021")
    collectivite, ecoles = commune_avec_ecoles()
    agent = agent_de(collectivite, email="agent@commune.example")
    ien = ien_de(ecoles[0].circonscription)
    directeur = directeur_de(ecoles[0])
    dossier, _ = services.dossier_creer(appel=appel, collectivite=collectivite, acteur=agent, cle_idempotence="n1")
    instructeur = instructeur_de(dossier.academie)
    ailleurs = directeur_de(ecoles[1])  # his school is not in the dossier
    for personne in (ien, instructeur, directeur, ailleurs):
        personne.email = f"{personne.username}@education.example"
        personne.save()
    services.dossier_enregistrer_projet(
        dossier=dossier, acteur=agent, etablissement=ecoles[0], projet_pedagogique="Radio.", lignes=lignes()
    )
    services.dossier_ajouter_piece(
        dossier=dossier, acteur=agent, code="devis", fichier=SimpleUploadedFile("d.pdf", PDF)
    )
    return dossier, agent, ien, instructeur, directeur, ailleurs


def test_each_transition_notifies_the_people_concerned_but_not_the_actor(
    dossier_et_personnes, django_capture_on_commit_callbacks
):
    dossier, agent, ien, instructeur, directeur, ailleurs = dossier_et_personnes
    with django_capture_on_commit_callbacks(execute=True):
        services.dossier_deposer(dossier=dossier, acteur=agent)
    depot = Notification.objects.filter(code="appels.dossier.depose")
    assert {n.destinataire for n in depot} == {ien, instructeur, directeur}
    assert all(f"dossier n° {dossier.pk}" in n.texte and n.texte.endswith("déposé") for n in depot)
    assert {n.lien for n in depot} == {f"/appels/dossiers/{dossier.pk}/"}

    with django_capture_on_commit_callbacks(execute=True):
        services.dossier_demander_complements(dossier=dossier, acteur=instructeur, motif="Devis signé manquant.")
    complements = Notification.objects.filter(code="appels.dossier.complements")
    assert {n.destinataire for n in complements} == {agent, ien, directeur}
    assert all("Motif : Devis signé manquant." in n.texte for n in complements)
    assert not Notification.objects.filter(destinataire=ailleurs).exists()


def test_the_daily_digest_sends_one_email_per_person_with_every_transition(
    dossier_et_personnes, django_capture_on_commit_callbacks
):
    dossier, agent, ien, instructeur, directeur, _ = dossier_et_personnes
    with django_capture_on_commit_callbacks(execute=True):
        services.dossier_deposer(dossier=dossier, acteur=agent)
        services.dossier_instruire(dossier=dossier, acteur=instructeur)
    call_command("envoyer_digest", base_url="https://socle.example", stdout=io.StringIO())
    par_personne = {m.to[0]: m for m in mail.outbox}
    assert sorted(par_personne) == sorted([agent.email, ien.email, instructeur.email, directeur.email])
    courriel_ien = par_personne[ien.email].body
    assert "déposé" in courriel_ien and "en instruction" in courriel_ien
    assert f"https://socle.example/appels/dossiers/{dossier.pk}/" in courriel_ien
    # The agent made the deposit: he only hears of the instruction.
    assert "en instruction" in par_personne[agent.email].body and "déposé" not in par_personne[agent.email].body
    # Sent once: a second run sends nothing.
    mail.outbox.clear()
    call_command("envoyer_digest", stdout=io.StringIO())
    assert mail.outbox == []
