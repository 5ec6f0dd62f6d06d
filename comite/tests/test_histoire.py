"""The webradio story through the pages (Django test client): propose → discuss → schedule → positions → adopt."""

import pytest

from comite.models import Decision, Discussion, PointOrdreDuJour

from .conftest import connecter, texte
from .factories import amendement_webradio

pytestmark = pytest.mark.django_db


def test_the_webradio_story_through_the_pages(client, monde, groupe, pleniere):
    amrf, dne = monde.users["membre_amrf"], monde.users["dne"]
    # 1. The AMRF proposes the amendment (referentiels' service, as its page does).
    amendement = amendement_webradio(monde.orgs["AMRF"], amrf)

    # 2. The secrétariat gives it to the working group « Référentiels nationaux »; the AMRF writes there.
    connecter(client, dne)
    response = client.post(groupe.get_absolute_url(), {"amendement": amendement.pk}, follow=True)
    assert "confié au groupe de travail" in texte(response)
    discussion = Discussion.objects.get(amendement=amendement)
    connecter(client, amrf)
    response = client.post(discussion.get_absolute_url(), {"texte": "Un kit par collège suffit."}, follow=True)
    assert "Un kit par collège suffit." in texte(response)

    # 3. The AMRF registers to the plenary; the secrétariat puts the amendment on its agenda and notes attendance.
    response = client.post(
        f"/comite/seances/{pleniere.pk}/inscription/", {"organisation": monde.orgs["AMRF"].pk}, follow=True
    )
    assert "Vous êtes inscrit" in texte(response)
    connecter(client, dne)
    client.post(f"/comite/seances/{pleniere.pk}/inscription/", {"organisation": monde.orgs["DNE"].pk})
    response = client.post(f"/comite/discussions/{discussion.pk}/inscrire/", {"seance": pleniere.pk}, follow=True)
    assert "inscrit à l'ordre du jour de la plénière" in texte(response)
    point = PointOrdreDuJour.objects.get(amendement=amendement)
    presents = list(pleniere.inscriptions.values_list("pk", flat=True))
    client.post(f"/comite/seances/{pleniere.pk}/presences/", {"presents": presents})
    page = texte(client.get(pleniere.get_absolute_url()))
    assert "Amendement : Ajouter un kit webradio" in page

    # 4. The question is put, the positions recorded, the decision adopted and published.
    response = client.post(
        f"/comite/seances/{pleniere.pk}/decision/",
        {"point": point.pk, "nature": "decision", "titre": "Kit webradio au socle des collèges", "texte": ""},
        follow=True,
    )
    decision = Decision.objects.get()
    assert decision.amendement == amendement
    for sigle, position in (("AMRF", "favorable"), ("DNE", "favorable")):
        response = client.post(
            f"/comite/decisions/{decision.pk}/position/",
            {"organisation": monde.orgs[sigle].pk, "position": position, "commentaire": ""},
            follow=True,
        )
        assert "est enregistrée" in texte(response)
    response = client.post(f"/comite/decisions/{decision.pk}/arreter/", {"issue": "adopte", "motif": ""}, follow=True)
    assert "Nouvelle version" in texte(response)
    assert "Comparer la version 1 et la version 2" in texte(response)
    client.post(f"/comite/decisions/{decision.pk}/publier/")

    # 5. The public sees the published decision and the collège version 2.
    client.logout()
    page = texte(client.get(decision.get_absolute_url()))
    assert "Adopté" in page
    assert "Organisation AMRF" in page and "Favorable" in page
    amendement.refresh_from_db()
    version = amendement.version_produite
    assert version.numero == 2
    public = texte(client.get(version.get_absolute_url()))
    assert "Kit webradio" in public
