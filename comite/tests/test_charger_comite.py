"""The demo command loads the comité and plays the webradio story through the services, once."""

import pytest
from django.core.management import call_command

from comite.models import Convention, Decision, GroupeTravail, MembreOrganisation
from comptes.models import Organisation

pytestmark = pytest.mark.django_db


def test_charger_comite_is_idempotent_and_publishes_college_version_2():
    # Another demo command may have created the AMRF and the DNE already: they are reused, not duplicated.
    Organisation.objects.create(nom="Association des maires ruraux de France (AMRF)", sigle="AMRF", type="association")
    Organisation.objects.create(nom="Ministère de l'Éducation nationale — DNE", type="ministere")
    call_command("charger_referentiels")
    call_command("charger_comite")
    call_command("charger_comite")

    assert Organisation.objects.filter(sigle="AMRF").count() == 1
    assert Organisation.objects.filter(nom="Ministère de l'Éducation nationale — DNE").count() == 1
    assert MembreOrganisation.objects.get(organisation__sigle="AMRF").signataire_2015
    assert not MembreOrganisation.objects.get(organisation__sigle="AVICCA").signataire_2015
    assert MembreOrganisation.objects.get(organisation__sigle="DAN").invitee
    assert GroupeTravail.objects.filter(ad_hoc=True, nom="Cahier des charges TNE").exists()
    constitutive = Convention.objects.get(type="constitutive")
    assert constitutive.date_signature.isoformat() == "2015-10-01"
    assert constitutive.signataires.filter(sigle="CDC").exists()
    assert Convention.objects.filter(type="mise_en_oeuvre", cadre__type="cadre").count() == 3

    from referentiels.models import Referentiel

    college = Referentiel.objects.get(niveau="college")
    version = college.version_adoptee()
    assert version.numero == 2
    assert version.items.filter(code="webradio").exists()
    [decision] = Decision.objects.all()
    assert (decision.issue, decision.publiee) == ("adopte", True)
    assert decision.positions.count() == 4
    assert decision.seance.compte_rendu
