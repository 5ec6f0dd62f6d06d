"""Collectivité compétente on real établissements of each special case, and the transfer of the écoles competence."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from comptes.tests.factories import UserFactory
from core.audit import history_of
from territoires.competences import (
    competence_transfer,
    competence_transfer_annuler,
    expliquer,
    recompute_collectivites_competentes,
)
from territoires.importers.collectivites import charger_particulieres
from territoires.models import Collectivite, Commune, Competence, Etablissement
from territoires.rules import siren_valide

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("uai", "collectivite", "siren"),
    [
        # general case
        ("0350122T", "commune-35016", "213500168"),  # école publique, Baulon
        ("0350592D", "commune-35238", "213502388"),  # école publique, Rennes
        ("0940151D", "commune-94043", None),  # école publique, Val-de-Marne
        ("0690001B", "departement-69", None),  # collège of the Rhône outside the Métropole
        ("0690003D", "region-84", None),  # lycée, Auvergne-Rhône-Alpes
        # Métropole de Lyon: collèges of its territory, arrondissements included
        ("0690036P", "metropole-de-lyon", "200046977"),  # Lyon 9e
        ("0694497N", "metropole-de-lyon", "200046977"),  # Villeurbanne
        # Ville de Paris: commune and département; lycées stay with the région
        ("0750602X", "ville-de-paris", "217500016"),
        ("0750360J", "ville-de-paris", "217500016"),
        ("0750419Y", "region-11", None),
        # Collectivité de Corse: collèges of 2A and 2B, lycées; écoles stay with the communes
        ("6200006M", "collectivite-de-corse", "200076958"),
        ("7200009X", "collectivite-de-corse", "200076958"),
        ("7200001N", "commune-2B033", None),
        # Martinique, Guyane, Mayotte
        ("9720006Z", "ctm", "200055507"),
        ("9720002V", "ctm", "200055507"),
        ("9730020J", "ctg", "200052678"),
        ("9730001N", "ctg", "200052678"),
        ("9760008E", "departement-de-mayotte", "229850003"),
        ("9760125G", "departement-de-mayotte", "229850003"),
        # Collectivité européenne d'Alsace (added on users' request)
        ("0670003P", "collectivite-europeenne-d-alsace", "200094332"),
    ],
)
def test_collectivite_competente_of_real_etablissements(donnees_reelles, uai, collectivite, siren):
    etablissement = Etablissement.objects.select_related("collectivite_competente").get(uai=uai)
    assert etablissement.secteur == "public"
    assert etablissement.collectivite_competente.code == collectivite
    if siren:
        assert etablissement.collectivite_competente.siren == siren
    trouvee, raison = expliquer(etablissement)
    assert trouvee == etablissement.collectivite_competente
    assert raison.startswith(("École publique :", "Collège public :", "Lycée public :"))
    assert "Code de l'éducation" in raison


def test_explanation_of_a_corsican_college_cites_its_statute(donnees_reelles):
    _, raison = expliquer(Etablissement.objects.get(uai="6200006M"))
    assert raison.startswith("Collège public : compétence fixée pour le département 2A")
    assert "Statut particulier de la collectivité, depuis le 01/01/2018 : Loi n° 2015-991" in raison


def test_private_school_under_contract_has_no_public_collectivite(donnees_reelles):
    college = Etablissement.objects.get(uai="0350767U")  # Collège Saint-Magloire, Dol-de-Bretagne
    assert college.secteur == "prive_sous_contrat"
    assert college.collectivite_competente is None
    assert expliquer(college) == (
        None,
        "établissement privé : son équipement n'incombe pas à une collectivité publique",
    )


def test_special_collectivites_replace_the_generic_ones(donnees_reelles):
    assert not Collectivite.objects.filter(code__in=["commune-75056", "departement-75", "departement-2A"]).exists()
    assert not Collectivite.objects.filter(
        code__in=["region-94", "departement-972", "region-06", "epci-200046977"]
    ).exists()
    paris = Collectivite.objects.get(code="ville-de-paris")
    assert paris.commune_id == "75056"
    assert paris.departement_id == "75"
    statut = Competence.objects.get(niveau="college", perimetre="departement", code_territoire="75")
    assert statut.origine == "statut"
    assert "2017-257" in statut.fondement
    corse = Competence.objects.get(niveau="college", perimetre="departement", code_territoire="2A")
    assert corse.collectivite.code == "collectivite-de-corse"
    assert corse.depuis == datetime.date(2018, 1, 1)
    lyon = Competence.objects.get(niveau="college", perimetre="commune", code_territoire="69266")
    assert lyon.collectivite.code == "metropole-de-lyon"
    assert Competence.objects.get(
        niveau="college", perimetre="departement", code_territoire="69"
    ).collectivite.code == ("departement-69")


def test_every_public_school_of_the_imported_departements_has_a_collectivite(donnees_reelles):
    publics = Etablissement.objects.filter(secteur="public", departement_id__in=donnees_reelles.split(","))
    assert publics.count() > 5000
    assert not publics.filter(collectivite_competente__isnull=True).exists()


def test_figures_keep_their_source(donnees_reelles):
    lucioles = Etablissement.objects.get(uai="0350122T")
    assert lucioles.classes_source.code == "ecoles_effectifs_35"
    assert lucioles.classes_annee == "2022-2023"
    assert lucioles.eleves_source.code == "ecoles_effectifs_35"
    assert lucioles.circonscription.nom == "Circonscription d'inspection du 1er degré de Bruz"
    assert lucioles.source.code == "annuaire_education_35"
    assert lucioles.source.credit.startswith("Source : Ministère de l'Éducation nationale")
    assert lucioles.ips.filter(rentree="2024-2025").exists()


def test_reimport_with_the_same_files_does_nothing(donnees_reelles):
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("import_territoires", departements=donnees_reelles, stdout=out)
    assert "rien à faire" in out.getvalue()


# --- Transfer of the écoles competence ---------------------------------------------------------------------------


def test_transfer_to_the_epci_then_cancel(donnees_reelles):
    agent = UserFactory()
    baulon = Commune.objects.get(code_insee="35016")
    epci = Collectivite.objects.get(code=f"epci-{baulon.epci_id}")
    commune = Collectivite.objects.get(commune=baulon)

    competence = competence_transfer(
        commune=baulon,
        collectivite=epci,
        depuis=datetime.date(2026, 1, 1),
        fondement="Arrêté préfectoral du 12 décembre 2025",
        actor=agent,
    )
    assert competence.origine == "transfert"
    assert Etablissement.objects.get(uai="0350122T").collectivite_competente == epci
    assert Etablissement.objects.get(uai="0351176N").collectivite_competente is None  # private school
    entree = history_of(commune).get(action="territoires.competence.transferee")
    assert entree.actor == agent
    assert entree.data["vers"] == epci.code

    competence_transfer_annuler(competence=competence, actor=agent)
    competence.refresh_from_db()
    assert competence.origine == "loi"
    assert competence.collectivite == commune
    assert Etablissement.objects.get(uai="0350122T").collectivite_competente == commune
    assert history_of(commune).filter(action="territoires.competence.transfert_annule").exists()


def test_transfer_to_an_epci_the_commune_does_not_belong_to_is_refused(donnees_reelles):
    baulon = Commune.objects.get(code_insee="35016")
    rennes_metropole = Collectivite.objects.get(code="epci-243500139")
    with pytest.raises(ValidationError, match="n'est pas membre"):
        competence_transfer(
            commune=baulon, collectivite=rennes_metropole, depuis=datetime.date(2026, 1, 1), fondement="x", actor=None
        )
    assert Etablissement.objects.get(uai="0350122T").collectivite_competente.code == "commune-35016"
    assert Competence.objects.get(niveau="ecole", code_territoire="35016").origine == "loi"


def test_transfer_to_a_departement_is_refused(donnees_reelles):
    baulon = Commune.objects.get(code_insee="35016")
    with pytest.raises(ValidationError, match="EPCI ou à un syndicat"):
        competence_transfer(
            commune=baulon,
            collectivite=Collectivite.objects.get(code="departement-35"),
            depuis=datetime.date(2026, 1, 1),
            fondement="x",
            actor=None,
        )


def test_transfer_to_a_syndicat_covers_the_arrondissements_too(donnees_reelles):
    syndicat = Collectivite.objects.create(code="sivu-test", nom="SIVU des écoles", type="syndicat")
    lyon = Commune.objects.get(code_insee="69123")
    competence_transfer(
        commune=lyon, collectivite=syndicat, depuis=datetime.date(2026, 9, 1), fondement="Statuts du SIVU", actor=None
    )
    ecoles = Etablissement.objects.filter(commune__commune_parente=lyon, niveau="ecole", secteur="public")
    assert ecoles.count() > 100
    assert set(ecoles.values_list("collectivite_competente__code", flat=True)) == {"sivu-test"}
    # The collèges of Lyon are unaffected.
    assert Etablissement.objects.get(uai="0690036P").collectivite_competente.code == "metropole-de-lyon"


def test_recompute_fixes_a_stale_value(donnees_reelles):
    Etablissement.objects.filter(uai="0350122T").update(collectivite_competente=None)
    assert recompute_collectivites_competentes(uais=["0350122T"]) == 1
    assert Etablissement.objects.get(uai="0350122T").collectivite_competente.code == "commune-35016"


@pytest.mark.parametrize("particuliere", charger_particulieres(), ids=lambda p: p["code"])
def test_special_statutes_file_is_valid_data(particuliere):
    assert siren_valide(particuliere["siren"])
    assert 0 < len(particuliere["fondement"]) <= 255
    assert len(particuliere["code"]) <= 40
    assert particuliere["remplace"]
    if particuliere["code"] == "collectivite-europeenne-d-alsace":
        assert particuliere["ajoutee_a_la_demande_des_utilisateurs"] is True
