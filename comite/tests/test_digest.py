"""Notifications are queued by the services and sent as one daily e-mail per person."""

import pytest
from django.core import mail
from django.core.management import call_command

from comite import services
from comite.models import Notification

pytestmark = pytest.mark.django_db


def test_one_email_per_person_with_all_their_news(monde, pleniere):
    dne, amrf = monde.users["dne"], monde.users["membre_amrf"]
    mail.outbox.clear()
    premier = services.point_proposer(organisation=monde.orgs["AMRF"], titre="Premier point", actor=amrf)
    services.point_proposer(organisation=monde.orgs["AMRF"], titre="Second point", actor=amrf)
    services.point_inscrire(point=premier, seance=pleniere, actor=dne)
    assert mail.outbox == []  # nothing is sent event by event

    call_command("envoyer_digest", "--base-url", "https://socle.example")

    par_destinataire = {m.to[0]: m for m in mail.outbox}
    assert len(par_destinataire) == len(mail.outbox)  # one e-mail per person
    # The secrétariat (DNE, and the AMF's secrétariat) hears of both proposals in one e-mail.
    courriel_dne = par_destinataire[dne.email]
    assert "Premier point" in courriel_dne.body and "Second point" in courriel_dne.body
    assert courriel_dne.subject == "Socle : 2 nouveauté(s) vous concernant"
    assert "https://socle.example/comite/points/" in courriel_dne.body
    assert monde.users["secretariat_signataire"].email in par_destinataire
    # The AMRF member hears that its point is scheduled, but not of its own proposals.
    courriel_amrf = par_destinataire[amrf.email]
    assert "inscrit à la séance" in courriel_amrf.body
    assert "propose un point" not in courriel_amrf.body
    # People with nothing to hear about get nothing.
    assert monde.users["agent_collectivite"].email not in par_destinataire


def test_a_second_run_sends_nothing_new(monde):
    services.point_proposer(organisation=monde.orgs["AMRF"], titre="Point", actor=monde.users["membre_amrf"])
    mail.outbox.clear()
    call_command("envoyer_digest")
    envoyes = len(mail.outbox)
    assert envoyes >= 1
    assert not Notification.objects.filter(envoyee_le__isnull=True).exists()
    call_command("envoyer_digest")
    assert len(mail.outbox) == envoyes


def test_a_new_plenary_is_announced_to_every_member_organisation(monde):
    import datetime

    from django.utils import timezone

    mail.outbox.clear()
    services.seance_creer(
        titre="Plénière de février",
        date=timezone.now() + datetime.timedelta(days=40),
        mode="distanciel",
        lien_visio="https://webconf.example.org/fevrier",
        actor=monde.users["dne"],
    )
    call_command("envoyer_digest")
    destinataires = {m.to[0] for m in mail.outbox}
    assert monde.users["membre_amrf"].email in destinataires
    assert monde.users["secretariat_non_signataire"].email in destinataires  # AVICCA sits without having signed
    assert monde.users["agent_collectivite"].email not in destinataires
    assert all("Plénière de février" in m.body for m in mail.outbox)
