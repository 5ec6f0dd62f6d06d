"""Edit forms of the territoires pages: who may edit, what is written, concurrent edits."""

import pytest
from django.urls import reverse

from comptes.models import Organisation, Role, TypeOrganisation
from comptes.tests.factories import OrganisationFactory, member_of
from core.audit import history_of
from core.models import AuditEntry
from territoires import models
from territoires.services import (
    CONCURRENT_EDIT_MESSAGE,
    ConcurrentEditError,
    collectivite_update,
    etablissement_update,
)
from territoires.tests.factories import CollectiviteFactory, CommuneFactory, EPCIFactory, EtablissementFactory

pytestmark = pytest.mark.django_db

NOUVELLES_COORDONNEES = {
    "telephone": "02 99 12 34 56",
    "courriel": "ecole.jaures@example.fr",
    "site_web": "https://ecole-jaures.example.fr",
    "adresse": "12 rue Jean Jaurès",
}


def login(client, user) -> None:
    # The factory sets the password without saving it: save it, or the session hash would not match.
    user.save()
    # AxesStandaloneBackend (first in AUTHENTICATION_BACKENDS) cannot load a user: name the model backend.
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")


def agent_of(collectivite: models.Collectivite):
    org = Organisation.objects.filter(collectivite=collectivite).first() or OrganisationFactory(
        type=TypeOrganisation.COLLECTIVITE, collectivite=collectivite, nom=collectivite.nom
    )
    return member_of(org, Role.AGENT_COLLECTIVITE)


@pytest.fixture
def rennes():
    return CollectiviteFactory(commune=CommuneFactory(code_insee="35238", nom="Rennes"), nom="Commune de Rennes")


@pytest.fixture
def brest():
    return CollectiviteFactory(commune=CommuneFactory(code_insee="29019", nom="Brest"), nom="Commune de Brest")


@pytest.fixture
def ecole(rennes):
    return EtablissementFactory(
        uai="0350001A", nom="École Jean Jaurès", commune=rennes.commune, collectivite_competente=rennes
    )


def post_data(obj, **fields):
    obj.refresh_from_db()
    return {**fields, "version": obj.modifie_le.isoformat()}


def unchanged(ecole) -> bool:
    ecole.refresh_from_db()
    return (ecole.telephone, ecole.courriel, ecole.site_web, ecole.adresse) == ("", "", "", "")


# --- Établissement ------------------------------------------------------------------------------


def test_agent_of_the_competent_collectivite_edits_the_contact_details(client, rennes, ecole):
    agent = agent_of(rennes)
    login(client, agent)
    url = reverse("territoires:etablissement_modifier", args=[ecole.uai])
    form = client.get(url)
    assert form.status_code == 200
    html = form.content.decode()
    assert 'name="version"' in html and 'for="id_telephone"' in html and "Enregistrer" in html
    response = client.post(url, post_data(ecole, **NOUVELLES_COORDONNEES))
    assert response.status_code == 302 and response["Location"] == ecole.get_absolute_url()
    ecole.refresh_from_db()
    assert ecole.telephone == "02 99 12 34 56"
    assert ecole.courriel == "ecole.jaures@example.fr"
    assert ecole.site_web == "https://ecole-jaures.example.fr"
    assert ecole.adresse == "12 rue Jean Jaurès"
    entry = history_of(ecole).get()
    assert entry.action == "territoires.etablissement.modifie"
    assert entry.actor == agent
    assert entry.data["champs"]["telephone"] == ["", "02 99 12 34 56"]
    # The page now shows the new details, the history and the success message.
    page = client.get(ecole.get_absolute_url()).content.decode()
    assert "02 99 12 34 56" in page and "enregistrée" in page and "Historique" in page


def test_director_of_the_school_may_edit_it(client, ecole):
    org = OrganisationFactory(type=TypeOrganisation.ETABLISSEMENT, etablissement=ecole)
    login(client, member_of(org, Role.DIRECTEUR))
    url = reverse("territoires:etablissement_modifier", args=[ecole.uai])
    assert client.post(url, post_data(ecole, **NOUVELLES_COORDONNEES)).status_code == 302
    assert not unchanged(ecole)


def test_agent_of_another_commune_is_refused_and_nothing_changes(client, brest, ecole):
    login(client, agent_of(brest))
    url = reverse("territoires:etablissement_modifier", args=[ecole.uai])
    assert client.get(url).status_code == 403
    assert client.post(url, post_data(ecole, **NOUVELLES_COORDONNEES)).status_code == 403
    assert unchanged(ecole)
    assert not AuditEntry.objects.exists()
    assert "Modifier les coordonnées" not in client.get(ecole.get_absolute_url()).content.decode()


def test_anonymous_is_sent_to_login_and_nothing_changes(client, ecole):
    url = reverse("territoires:etablissement_modifier", args=[ecole.uai])
    for response in (client.get(url), client.post(url, post_data(ecole, **NOUVELLES_COORDONNEES))):
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("comptes:login"))
    assert unchanged(ecole)
    assert not AuditEntry.objects.exists()


def test_concurrent_edit_is_refused_with_a_french_message_and_nothing_is_saved(client, rennes, ecole):
    login(client, agent_of(rennes))
    url = reverse("territoires:etablissement_modifier", args=[ecole.uai])
    stale = post_data(ecole, **NOUVELLES_COORDONNEES)
    # Someone else saves the fiche while our form is open.
    other = agent_of(rennes)
    etablissement_update(
        etablissement=ecole, data={"telephone": "01 00 00 00 00"}, actor=other, version=stale["version"]
    )
    response = client.post(url, stale)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Cette fiche a été modifiée par quelqu&#x27;un d&#x27;autre pendant votre saisie : rechargez la page" in html
    ecole.refresh_from_db()
    assert ecole.telephone == "01 00 00 00 00"
    assert ecole.courriel == "" and ecole.adresse == ""
    assert history_of(ecole).count() == 1


def test_service_refuses_a_stale_version(rennes, ecole):
    version = ecole.modifie_le
    etablissement_update(etablissement=ecole, data={"adresse": "1 place de la Mairie"}, actor=None, version=version)
    with pytest.raises(ConcurrentEditError) as exc:
        etablissement_update(etablissement=ecole, data={"adresse": "2 place de la Mairie"}, actor=None, version=version)
    assert exc.value.messages == [CONCURRENT_EDIT_MESSAGE]
    ecole.refresh_from_db()
    assert ecole.adresse == "1 place de la Mairie"


def test_saving_without_change_writes_no_audit_entry(rennes, ecole):
    etablissement_update(etablissement=ecole, data={"telephone": ""}, actor=None, version=ecole.modifie_le)
    assert not history_of(ecole).exists()


def test_invalid_email_is_explained_and_nothing_changes(client, rennes, ecole):
    login(client, agent_of(rennes))
    url = reverse("territoires:etablissement_modifier", args=[ecole.uai])
    response = client.post(url, post_data(ecole, **(NOUVELLES_COORDONNEES | {"courriel": "pas-un-courriel"})))
    assert response.status_code == 200
    html = response.content.decode()
    assert "fr-input-group--error" in html
    assert "Saisissez une adresse e-mail valide" in html or "adresse électronique valide" in html
    assert unchanged(ecole)


# --- Collectivité -------------------------------------------------------------------------------


def test_agent_edits_the_referent_of_own_collectivite(client, rennes):
    agent = agent_of(rennes)
    login(client, agent)
    url = reverse("territoires:collectivite_modifier", args=[rennes.code])
    assert client.get(url).status_code == 200
    data = post_data(rennes, referent_numerique="Alex Dupont, DSI", courriel_referent="alex.dupont@example.fr")
    response = client.post(url, data)
    assert response.status_code == 302
    rennes.refresh_from_db()
    assert rennes.referent_numerique == "Alex Dupont, DSI"
    assert rennes.courriel_referent == "alex.dupont@example.fr"
    entry = history_of(rennes).get()
    assert entry.action == "territoires.collectivite.modifie" and entry.actor == agent
    assert "Alex Dupont, DSI" in client.get(rennes.get_absolute_url()).content.decode()


def test_other_collectivite_cannot_edit_and_concurrent_edit_is_refused(client, rennes, brest):
    url = reverse("territoires:collectivite_modifier", args=[rennes.code])
    data = post_data(rennes, referent_numerique="Intrus")
    login(client, agent_of(brest))
    assert client.post(url, data).status_code == 403
    rennes.refresh_from_db()
    assert rennes.referent_numerique == ""
    client.logout()
    assert client.post(url, data).status_code == 302
    rennes.refresh_from_db()
    assert rennes.referent_numerique == ""
    # The agent of Rennes posts a form read before someone else's change.
    login(client, agent_of(rennes))
    collectivite_update(
        collectivite=rennes, data={"referent_numerique": "Camille"}, actor=None, version=data["version"]
    )
    response = client.post(url, data)
    assert "rechargez la page" in response.content.decode()
    rennes.refresh_from_db()
    assert rennes.referent_numerique == "Camille"


# --- Competence transfer ------------------------------------------------------------------------


@pytest.fixture
def metropole():
    return models.Collectivite.objects.create(
        nom="Rennes Métropole", type="epci", epci=EPCIFactory(), code="epci-243500139", siren="243500139"
    )


def test_commune_transfers_its_ecoles_to_its_epci(client, rennes, ecole, metropole):
    ailleurs = models.Collectivite.objects.create(
        nom="Brest Métropole",
        type="epci",
        epci=EPCIFactory(siren="242900314", nom="Brest Métropole"),
        code="epci-242900314",
    )
    syndicat = models.Collectivite.objects.create(nom="SIVU des écoles", type="syndicat", code="syndicat-sivu")
    agent = agent_of(rennes)
    login(client, agent)
    url = reverse("territoires:competence_transfert", args=[rennes.code])
    html = client.get(url).content.decode()
    assert "Rennes Métropole" in html and "SIVU des écoles" in html
    assert "Brest Métropole" not in html  # not the commune's EPCI
    refused = client.post(url, {"collectivite": ailleurs.pk, "depuis": "2026-09-01", "fondement": "Délibération"})
    assert refused.status_code == 200
    assert "Choisissez l&#x27;EPCI de la commune ou un syndicat existant." in refused.content.decode()
    assert not models.Competence.objects.filter(origine="transfert").exists()
    response = client.post(
        url, {"collectivite": metropole.pk, "depuis": "01/09/2026", "fondement": "Délibération n° 2026-12"}
    )
    assert response.status_code == 302 and response["Location"] == rennes.get_absolute_url()
    competence = models.Competence.objects.get(code_territoire="35238", niveau="ecole")
    assert competence.collectivite == metropole and competence.origine == "transfert"
    assert competence.depuis.isoformat() == "2026-09-01"
    ecole.refresh_from_db()
    assert ecole.collectivite_competente == metropole
    assert history_of(rennes).filter(action="territoires.competence.transferee", actor=agent).exists()
    page = client.get(metropole.get_absolute_url()).content.decode()
    assert "Délibération n° 2026-12" in page and "Transfert de compétence" in page and ecole.nom in page
    commune_page = client.get(rennes.get_absolute_url()).content.decode()
    assert "Compétences exercées par une autre collectivité sur son territoire" in commune_page
    assert metropole.get_absolute_url() in commune_page and "depuis le 01/09/2026" in commune_page
    assert syndicat.pk  # a syndicat is a possible choice, not used here


def test_transfer_is_refused_to_another_commune_and_to_anonymous(client, rennes, brest, metropole):
    url = reverse("territoires:competence_transfert", args=[rennes.code])
    data = {"collectivite": metropole.pk, "depuis": "2026-09-01", "fondement": "Délibération"}
    assert client.post(url, data).status_code == 302
    login(client, agent_of(brest))
    assert client.get(url).status_code == 403
    assert client.post(url, data).status_code == 403
    assert not models.Competence.objects.exists()
