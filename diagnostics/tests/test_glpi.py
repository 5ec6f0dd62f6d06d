"""GLPI JSON inventory: mapping of the asset types, reconciliation by serial number, preview, all or nothing."""

import json

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from core.audit import history_of
from diagnostics import importation, national, services
from diagnostics.models import Inventaire, LigneInventaire
from referentiels.tests.factories import login
from territoires.models import Etablissement

from .factories import agent, construire

pytestmark = pytest.mark.django_db

# A small hand-written GLPI agent export of one école: two computers (one with a projector and a plain
# monitor, a USB printer), a Wi-Fi access point, a switch and a network printer.
INVENTAIRE = [
    {
        "itemtype": "Computer",
        "deviceid": "pc-cm1",
        "content": {
            "hardware": {"name": "PC-CM1", "chassis_type": "Laptop"},
            "bios": {"ssn": "LAP-001", "smanufacturer": "Dell", "smodel": "Latitude 3420", "bdate": "2020-03-01"},
            "monitors": [
                {"caption": "Epson EB-W51 projector", "manufacturer": "Epson", "serial": "VP-001"},
                {"caption": "DELL P2419H", "manufacturer": "Dell", "serial": "MON-001"},
            ],
            "printers": [{"name": "HP LaserJet M110", "serial": "PRN-USB-1"}],
        },
    },
    {
        "itemtype": "Computer",
        "deviceid": "pc-direction",
        "content": {
            "hardware": {"name": "PC-DIR", "chassis_type": "Desktop"},
            "bios": {"ssn": "DSK-001", "smanufacturer": "Lenovo", "smodel": "ThinkCentre", "bdate": "2016-09-12"},
            "printers": [{"name": "Brother réseau", "serial": "PRN-NET-1"}],
        },
    },
    {
        "itemtype": "NetworkEquipment",
        "content": {
            "network_device": {"type": "Wireless", "manufacturer": "Ubiquiti", "model": "U6-Lite", "serial": "AP-001"}
        },
    },
    {
        "itemtype": "NetworkEquipment",
        "content": {
            "network_device": {"type": "Switch", "manufacturer": "Netgear", "model": "GS108", "serial": "SW-1"}
        },
    },
    {
        "itemtype": "Printer",
        "content": {"network_device": {"type": "Printer", "name": "Brother réseau", "serial": "PRN-NET-1"}},
    },
]


def _lire(objets, niveau="ecole"):
    return importation.lire_glpi(
        "glpi.json", json.dumps(objets).encode(), uai="0350001A", niveau=niveau, annee_courante=2026
    )


@pytest.fixture
def monde():
    m = construire()
    services.inventaires_simuler(etablissements=Etablissement.objects.all(), seed=5)
    national.recalculer_tout()
    return m


def test_correspondance_des_types_de_materiel():
    lecture = _lire(INVENTAIRE)
    assert lecture.erreurs == []
    par_serie = {ligne.numero_serie: ligne.item_code for ligne in lecture.lignes}
    assert par_serie == {
        "LAP-001": "poste-enseignant",
        "VP-001": "videoprojecteur",
        "PRN-USB-1": "direction-imprimante",
        "DSK-001": "direction-ordinateur",
        "PRN-NET-1": "direction-imprimante",  # declared by a computer and by itself: one line
        "AP-001": "connexion-classe",
    }
    assert [ligne.annee_acquisition for ligne in lecture.lignes if ligne.numero_serie == "LAP-001"] == [2020]
    ignores = " ".join(message for _, message in lecture.ignores)
    assert "DELL P2419H" in ignores and "GS108" in ignores
    # A collège: the second degré's items.
    par_serie = {ligne.numero_serie: ligne.item_code for ligne in _lire(INVENTAIRE, niveau="college").lignes}
    assert par_serie["VP-001"] == "affichage-collectif" and par_serie["AP-001"] == "wifi-salles"
    assert par_serie["DSK-001"] == "direction-poste" and par_serie["PRN-NET-1"] == "imprimante-reseau"


def test_erreurs_par_objet_nommant_le_champ():
    mauvais = [
        *INVENTAIRE,
        {"itemtype": "NetworkEquipment", "content": {"network_device": {"type": "Wireless", "model": "AP sans série"}}},
        {"itemtype": "Phone", "content": {}},
        {"itemtype": "Computer", "content": {"hardware": {"chassis_type": "Laptop"}, "bios": {"ssn": "LAP-001"}}},
    ]
    lecture = _lire(mauvais)
    erreurs = dict(lecture.erreurs)
    assert erreurs[6] == "« serial » : numéro de série absent, la réconciliation est impossible"
    assert erreurs[7].startswith("« itemtype » : « Phone » non pris en charge")
    assert erreurs[8] == "« bios.ssn » : numéro de série LAP-001 en double dans le fichier"
    assert not lecture.valide


def test_reconciliation_par_numero_de_serie_apercu_et_application(client, monde):
    ecole = monde.ecole_a
    user = agent(monde.rennes)
    ancien = LigneInventaire.objects.create(
        etablissement=ecole, item_code="poste-enseignant", designation="Ancien", numero_serie="LAP-001"
    )
    disparu = LigneInventaire.objects.create(
        etablissement=ecole, item_code="videoprojecteur", designation="Vieux projecteur", numero_serie="VP-OLD"
    )
    avant = LigneInventaire.objects.filter(etablissement=ecole).count()
    login(client, user)
    url = reverse("diagnostics:importer")

    # A faulty file: the preview names the object and the field, nothing is written.
    mauvais = [*INVENTAIRE, {"itemtype": "Printer", "content": {"network_device": {"type": "Printer"}}}]
    page = client.post(
        url,
        {
            "action": "apercu",
            "uai": ecole.uai,
            "fichier": SimpleUploadedFile("glpi.json", json.dumps(mauvais).encode()),
        },
    ).content.decode()
    assert "1 ligne(s) en erreur" in page and "« serial » : numéro de série absent" in page
    assert LigneInventaire.objects.filter(etablissement=ecole).count() == avant

    page = client.post(
        url,
        {
            "action": "apercu",
            "uai": ecole.uai,
            "fichier": SimpleUploadedFile("glpi.json", json.dumps(INVENTAIRE).encode()),
        },
    ).content.decode()
    assert "6 ligne(s) valide(s)" in page
    assert "5 ligne(s) ajoutée(s), 1 ligne(s) mise(s) à jour, 1 ligne(s) de l&#x27;inventaire absente(s)" in page or (
        "5 ligne(s) ajoutée(s), 1 ligne(s) mise(s) à jour, 1 ligne(s) de l'inventaire absente(s)" in page
    )
    assert "VP-OLD" in page and "Vieux projecteur" in page  # reported, not removed
    assert "DELL P2419H" in page  # read but not counted
    assert LigneInventaire.objects.filter(etablissement=ecole).count() == avant

    client.post(url, {"action": "appliquer", "jeton": client.session["diagnostics_import"]["jeton"]})
    assert LigneInventaire.objects.filter(etablissement=ecole).count() == avant + 5
    ancien.refresh_from_db()
    assert (ancien.designation, ancien.annee_acquisition) == ("Dell Latitude 3420", 2020)
    assert LigneInventaire.objects.filter(pk=disparu.pk).exists()
    entree = history_of(Inventaire.objects.get(pk=ecole.pk))[0]
    assert entree.action == "diagnostics.inventaire.glpi"
    assert entree.data["ajoutees"] == 5 and entree.data["absentes_du_fichier"] == ["VP-OLD"]
    page = client.get(reverse("diagnostics:etablissement", args=[ecole.uai])).content.decode()
    assert "Inventaire GLPI rapproché (numéros de série)" in page


def test_l_application_est_tout_ou_rien(monde):
    ecole = monde.ecole_a
    lecture = _lire(INVENTAIRE)
    LigneInventaire.objects.create(
        etablissement=ecole, item_code="poste-enseignant", designation="A", numero_serie="LAP-001"
    )
    avant = list(LigneInventaire.objects.filter(etablissement=ecole).values_list("pk", "designation"))
    # The known laptop is updated first, then a new line is refused: the update is rolled back.
    trop_long = lecture.lignes[1].__class__(**{**lecture.lignes[1].__dict__, "item_code": "x" * 500, "numero": 1})
    with pytest.raises(ValidationError, match="Objet 1 du fichier GLPI"):
        services.inventaire_glpi_reconcilier(
            etablissement=ecole, lignes=[lecture.lignes[0], trop_long], user=agent(monde.rennes)
        )
    assert list(LigneInventaire.objects.filter(etablissement=ecole).values_list("pk", "designation")) == avant
