"""The DNE publishes a new version of the price catalogue; diagnostics say which version priced them."""

import pytest
from django.urls import reverse

from core.audit import history_of
from diagnostics import national, services
from diagnostics.models import Catalogue, Diagnostic, Prix
from referentiels.tests.factories import login
from territoires.models import Etablissement

from .factories import agent, construire, dne

pytestmark = pytest.mark.django_db


@pytest.fixture
def monde():
    m = construire()
    services.inventaires_simuler(etablissements=Etablissement.objects.all(), seed=5)
    national.recalculer_tout()
    return m


def _formulaire(client) -> dict[str, str]:
    """The form as the page shows it, filled with the current prices."""
    donnees = {"titre": "Catalogue 2027", "publie_le": "2027-01-15", "notes": "Marché national"}
    for p in Prix.objects.filter(catalogue__numero=1):
        for nom in ("bas", "typique", "haut"):
            valeur = getattr(p, nom)
            donnees[f"{nom}-{p.item_code}"] = "" if valeur is None else str(valeur)
        donnees[f"source-{p.item_code}"] = p.source
        donnees[f"date_source-{p.item_code}"] = p.date_source
        if p.non_confirme:
            donnees[f"non_confirme-{p.item_code}"] = "on"
    return donnees


def test_la_dne_publie_une_version_et_les_diagnostics_la_citent(client, monde, django_capture_on_commit_callbacks):
    url = reverse("diagnostics:catalogue_publier")
    login(client, dne())
    assert "Publier une nouvelle version" in client.get(reverse("diagnostics:catalogue")).content.decode()
    avant = Diagnostic.objects.get(etablissement=monde.ecole_a)
    assert avant.catalogue.numero == 1
    videoprojecteur = Prix.objects.get(catalogue__numero=1, item_code="videoprojecteur")
    donnees = _formulaire(client)
    donnees["typique-videoprojecteur"] = "abc"
    page = client.post(url, donnees).content.decode()
    assert "Rien n'a été publié" in page and "prix typique : « abc » n&#x27;est pas un montant" in page
    donnees["typique-videoprojecteur"] = str(videoprojecteur.haut + 1)
    page = client.post(url, donnees).content.decode()
    assert "bas ≤ typique ≤ haut" in page
    assert Catalogue.objects.count() == 1  # nothing written

    donnees["typique-videoprojecteur"] = "3000,00"
    donnees["source-videoprojecteur"] = "UGAP, marché 2026"
    donnees["date_source-videoprojecteur"] = "2026-11"
    with django_capture_on_commit_callbacks(execute=True):
        reponse = client.post(url, donnees)
    assert reponse.status_code == 302
    v2 = Catalogue.objects.get(numero=2)
    assert v2.titre == "Catalogue 2027" and v2.publie_le.isoformat() == "2027-01-15"
    assert v2.prix.count() == Prix.objects.filter(catalogue__numero=1).count()
    nouveau = v2.prix.get(item_code="videoprojecteur")
    assert str(nouveau.typique) == "3000.00" and nouveau.source == "UGAP, marché 2026"
    assert Prix.objects.get(pk=videoprojecteur.pk).typique == videoprojecteur.typique  # v1 untouched
    (entree,) = history_of(v2)
    assert entree.action == "diagnostics.catalogue.publie"
    assert entree.data["modifies"]["videoprojecteur"]["typique"] == "3000.00"
    # The recomputation ran (immediate task backend): the diagnostic says which version priced it.
    apres = Diagnostic.objects.get(etablissement=monde.ecole_a)
    assert apres.catalogue.numero == 2
    page = client.get(reverse("diagnostics:etablissement", args=[monde.ecole_a.uai])).content.decode()
    assert "catalogue de prix, version 2" in page
    catalogue = client.get(reverse("diagnostics:catalogue")).content.decode()
    assert "Version 1</a>" in catalogue and "<strong>Version 2</strong>" in catalogue
    ancienne = client.get(reverse("diagnostics:catalogue") + "?version=1").content.decode()
    assert "remplacée par la" in ancienne and "Prix unitaires de référence, version 1" in ancienne


def test_seule_la_dne_publie_un_catalogue(client, monde):
    url = reverse("diagnostics:catalogue_publier")
    assert client.get(url).status_code == 302  # login
    login(client, agent(monde.rennes))
    assert client.get(url).status_code == 403
    assert client.post(url, _formulaire(client)).status_code == 403
    assert "Publier une nouvelle version" not in client.get(reverse("diagnostics:catalogue")).content.decode()
    assert Catalogue.objects.count() == 1
