"""Diagnostics and aggregates computed from the database: hand-checked figures, incremental = full, pinning."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from core.audit import history_of
from diagnostics import calcul, engine, national, selectors, services
from diagnostics.models import Agregat, Diagnostic, Histogramme, Inventaire, LigneInventaire
from referentiels import services as ref_services
from referentiels.tests.factories import association, jusqu_a_inscrit, proposer
from territoires.models import Etablissement, Niveau
from territoires.tests.factories import (
    AcademieFactory,
    CommuneFactory,
    DepartementFactory,
    EPCIFactory,
    EtablissementFactory,
    RegionFactory,
)

from .factories import agent, construire, dne

pytestmark = pytest.mark.django_db


def _synthese(echelon: str, code: str, niveau: str = "") -> engine.Synthese:
    agregat = Agregat.objects.get(echelon=echelon, code=code, niveau=niveau)
    return engine.synthese_de_vecteur(agregat.synthese[n] for n in engine.CHAMPS_SYNTHESE)


def test_ecole_de_5_classes_avec_un_videoprojecteur_cout_verifie_a_la_main():
    monde = construire()
    user = agent(monde.rennes)
    services.inventaire_modifier(etablissement=monde.ecole_a, user=user, donnees={})
    services.ligne_ajouter(
        etablissement=monde.ecole_a,
        user=user,
        donnees={"item_code": "videoprojecteur", "quantite": 1, "emplacement": "classe", "annee_acquisition": 2019},
    )
    diagnostic = Diagnostic.objects.get(etablissement=monde.ecole_a)
    assert diagnostic.version.referentiel.niveau == "ecole" and diagnostic.version.numero == 1
    # 4 × 3 300 + 5 × 700 + 5 × 550 + 2 000 + 15 × 566 + 700 + 4,10 × 120 (catalogue v1, typical prices)
    assert diagnostic.cout_socle == Decimal("31132.00")
    assert diagnostic.cout_incomplet  # micro, speakers, camera, printer: no sourced price
    assert diagnostic.taux == Decimal("0.0154")  # shown « 1,5 % »
    assert not diagnostic.au_socle
    lignes = {ligne["code"]: ligne for ligne in selectors.lignes_diagnostic(diagnostic)}
    assert (lignes["videoprojecteur"]["requis"], lignes["videoprojecteur"]["present"]) == (5, 1)
    assert lignes["videoprojecteur"]["cout"] == Decimal("13200.00")
    actions = [e.action for e in history_of(Inventaire.objects.get(pk=monde.ecole_a.pk))]
    assert actions == ["diagnostics.ligne.ajoutee", "diagnostics.inventaire.modifie"]


def test_prix_negocie_de_la_collectivite_remplace_le_prix_du_catalogue():
    import datetime as dt

    monde = construire()
    user = agent(monde.rennes)
    services.prix_collectivite_definir(
        collectivite=monde.rennes,
        item_code="videoprojecteur",
        montant=Decimal("2500"),
        source="Marché 2025-12",
        date=dt.date(2025, 6, 1),
        user=user,
    )
    services.ligne_ajouter(
        etablissement=monde.ecole_a, user=user, donnees={"item_code": "videoprojecteur", "quantite": 1}
    )
    diagnostic = Diagnostic.objects.get(etablissement=monde.ecole_a)
    assert diagnostic.cout_socle == Decimal("31132.00") - 4 * 800


def test_recalcul_incremental_egal_au_recalcul_complet():
    from territoires.models import IPS, DataSource

    monde = construire()
    source = DataSource.objects.create(code="ips-test", titre="IPS", producteur="DEPP")
    for etab, valeur in ((monde.ecole_a, "85.0"), (monde.ecole_b, "110.0"), (monde.prive, "120.0")):
        IPS.objects.create(etablissement=etab, rentree="2022-2023", valeur=Decimal(valeur), source=source)
    services.inventaires_simuler(etablissements=monde.ecole_a.__class__.objects.all(), seed=7)
    national.recalculer_tout()
    user = agent(monde.rennes)
    services.ligne_ajouter(
        etablissement=monde.ecole_a,
        user=user,
        donnees={"item_code": "classe-mobile-terminaux", "quantite": 15, "annee_acquisition": 2012},
    )
    services.inventaire_modifier(etablissement=monde.ecole_a, user=user, donnees={"debit_mbits": 100, "ent": True})

    incremental = _etat()
    national.recalculer_tout()
    complet = _etat()
    assert incremental == complet
    complet = complet["agregats"]
    # Nearest-rank cut points of 85, 110, 120: 85, 110, 120; the collège has no IPS.
    assert set(complet[("nation", "FR", "")][1]["ips"]) == {"Q1", "Q2", "Q3", "inconnu"}
    nation = complet[("nation", "FR", "")][0]
    assert nation.etablissements == 4
    assert nation.diagnostiques == 4
    assert nation.cout_socle == sum(Diagnostic.objects.values_list("cout_socle", flat=True), Decimal(0))


def _etat() -> dict:
    """Every stored aggregate (sums, breakdowns, decile gaps) and histogram; only the dates differ between runs."""
    agregats = {
        (a.echelon, a.code, a.niveau): (
            _synthese(a.echelon, a.code, a.niveau),
            {k: v for k, v in a.ventilations.items() if k != "deciles_le"},
        )
        for a in Agregat.objects.all()
    }
    histogrammes = {(h.echelon, h.code, h.niveau): (h.taux, h.terminaux) for h in Histogramme.objects.all()}
    return {"agregats": agregats, "histogrammes": histogrammes}


@pytest.mark.parametrize("seuil", [None, 1])
def test_deciles_de_la_nation_apres_des_modifications_egaux_au_recalcul_complet(seuil, monkeypatch):
    """Thirty écoles in two départements of two académies: the edits move the nation's, régions', académies' and
    départements' decile gaps, kept up to date from their histograms, as the full recomputation finds them. With a
    threshold of one établissement, every EPCI and collectivité keeps histograms too (a métropole's, a région's)."""
    if seuil is not None:
        monkeypatch.setattr(national, "SEUIL_HISTOGRAMME", seuil)
    monde = construire()
    region = RegionFactory(code="52", nom="Pays de la Loire")
    academie = AcademieFactory(code="17", nom="Nantes", region_academique=region)
    departement = DepartementFactory(code="44", nom="Loire-Atlantique", region=region, academie=academie)
    autre = CommuneFactory(
        code_insee="44109",
        departement=departement,
        epci=EPCIFactory(siren="244400404", nom="Nantes Métropole"),
        population=800,
        superficie_km2=20,
    )
    for k in range(30):
        EtablissementFactory(
            commune=autre if k % 2 else monde.ecole_a.commune, classes=2 + k % 7, eleves=40 + 9 * k, uai=f"0990{k:03d}Z"
        )
    sans_inventaire = EtablissementFactory(commune=autre, uai="0990999Z")
    services.inventaires_simuler(etablissements=Etablissement.objects.exclude(pk=sans_inventaire.pk), seed=11)
    national.recalculer_tout()
    avant = Agregat.objects.get(echelon="nation", code="FR", niveau="").ventilations["deciles_taux"]
    user = dne()
    # A school equips itself fully, another loses its whole inventory, a third is inventoried for the first time.
    ecole = Etablissement.objects.get(uai="0990004Z")
    services.inventaire_modifier(
        etablissement=ecole,
        user=user,
        donnees={"debit_mbits": 1000, "salles_connectees": 6, "ent": True, "internet_direction": True},
    )
    for code in ("videoprojecteur", "ordinateur-portable-enseignant", "classe-mobile-terminaux", "visualiseur"):
        services.ligne_ajouter(etablissement=ecole, user=user, donnees={"item_code": code, "quantite": 40})
    for ligne in LigneInventaire.objects.filter(etablissement_id="0990007Z"):
        services.ligne_supprimer(ligne=ligne, user=user)
    services.ligne_ajouter(
        etablissement=sans_inventaire, user=user, donnees={"item_code": "videoprojecteur", "quantite": 2}
    )
    incremental = _etat()
    assert incremental["agregats"][("nation", "FR", "")][1]["deciles_taux"] != avant
    avec_histogrammes = {"nation", "region", "academie", "departement"} | ({"epci", "collectivite"} if seuil else set())
    assert {e for e, _, _ in incremental["histogrammes"]} == avec_histogrammes
    national.recalculer_tout()
    assert incremental == _etat()


def test_agregats_sommes_des_parties_et_ventilations():
    monde = construire()
    services.inventaires_simuler(etablissements=monde.ecole_a.__class__.objects.all(), seed=3)
    bilan = national.recalculer_tout()
    assert bilan.diagnostics == 4
    nation = _synthese("nation", "FR")
    ecoles = _synthese("nation", "FR", "ecole")
    colleges = _synthese("nation", "FR", "college")
    assert nation == ecoles + colleges
    assert _synthese("departement", "35") == nation
    assert _synthese("collectivite", str(monde.rennes.pk)).etablissements == 1  # the private école is not Rennes'
    agregat = Agregat.objects.get(echelon="nation", code="FR", niveau="")
    zones = dict(selectors.ventilation(agregat, "zone"))
    assert set(zones) == {"urbain", "rural"}  # Acigné: 40 hab/km², the collège is rural
    assert zones["rural"].etablissements == 1
    assert zones["rural"] + zones["urbain"] == nation
    secteurs = dict(selectors.ventilation(agregat, "secteur"))
    assert set(secteurs) == {"public", "prive_sous_contrat"}
    assert secteurs["prive_sous_contrat"].diagnostiques == 1
    assert nation.simules == 4


def test_sans_aucun_etablissement_le_recalcul_n_ecrit_rien():
    bilan = national.recalculer_tout()
    assert (bilan.etablissements, bilan.diagnostics, bilan.agregats) == (0, 0, 0)
    assert not Agregat.objects.exists() and not Histogramme.objects.exists()


def test_sans_aucun_inventaire_les_agregats_comptent_les_etablissements_sans_decile():
    monde = construire()
    Inventaire.objects.all().delete()
    bilan = national.recalculer_tout()
    assert bilan.diagnostics == 0
    nation = Agregat.objects.get(echelon="nation", code="FR", niveau="")
    assert nation.synthese["etablissements"] == Etablissement.objects.count() and nation.synthese["diagnostiques"] == 0
    assert "deciles_taux" not in nation.ventilations
    assert _synthese("collectivite", str(monde.rennes.pk)).diagnostiques == 0


def test_simulateur_reproductible_et_n_ecrase_pas_un_inventaire_reel():
    monde = construire()
    qs = monde.ecole_a.__class__.objects.all()
    services.ligne_ajouter(
        etablissement=monde.ecole_b, user=agent(monde.bruz), donnees={"item_code": "videoprojecteur", "quantite": 2}
    )
    n, lignes = services.inventaires_simuler(etablissements=qs, seed=2019)
    assert n == 3  # école B has a real inventory
    premier = list(LigneInventaire.objects.filter(simule=True).values_list("etablissement_id", "item_code", "quantite"))
    services.inventaires_simuler(etablissements=qs, seed=2019)
    second = list(LigneInventaire.objects.filter(simule=True).values_list("etablissement_id", "item_code", "quantite"))
    assert sorted(premier) == sorted(second) and len(premier) == lignes
    assert list(LigneInventaire.objects.filter(etablissement=monde.ecole_b).values_list("quantite", flat=True)) == [2]
    assert Inventaire.objects.get(pk=monde.ecole_a.pk).simule
    assert not Inventaire.objects.get(pk=monde.ecole_b.pk).simule


def test_un_diagnostic_reste_epingle_a_sa_version():
    monde = construire()
    services.inventaires_simuler(etablissements=monde.ecole_a.__class__.objects.filter(niveau=Niveau.COLLEGE), seed=1)
    national.recalculer_tout()
    ancien = Diagnostic.objects.get(etablissement=monde.college)
    v1 = ancien.version
    avant = (ancien.cout_socle, ancien.taux, ancien.lignes, ancien.calcule_le)
    from referentiels.presets import WEBRADIO_MODIFICATIONS

    amendement = jusqu_a_inscrit(proposer(v1, WEBRADIO_MODIFICATIONS, organisation=association()))
    v2 = ref_services.amendement_adopter(amendement=amendement, actor=None)
    assert selectors.version_plus_recente(ancien) == v2
    national.recalculer_tout()
    ancien.refresh_from_db()
    assert (ancien.cout_socle, ancien.taux, ancien.lignes, ancien.calcule_le) == avant
    nouveau = Diagnostic.objects.get(etablissement=monde.college, version=v2)
    codes = [ligne["code"] for ligne in selectors.lignes_diagnostic(nouveau)]
    assert "webradio" in codes
    assert nouveau.cout_socle == ancien.cout_socle + Decimal("700.00")  # the kit, UNCONFIRMED price
    assert selectors.version_plus_recente(nouveau) is None


def test_donnees_invalides_ne_changent_rien():
    monde = construire()
    with pytest.raises(ValidationError, match="quantite"):
        services.ligne_ajouter(
            etablissement=monde.ecole_a, user=None, donnees={"item_code": "videoprojecteur", "quantite": -1}
        )
    assert not LigneInventaire.objects.exists()
    assert not Inventaire.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_adopter_une_version_calcule_les_diagnostics_de_la_nouvelle_version():
    from referentiels.presets import WEBRADIO_MODIFICATIONS

    monde = construire()
    services.inventaires_simuler(etablissements=monde.ecole_a.__class__.objects.filter(niveau=Niveau.COLLEGE), seed=1)
    national.recalculer_tout()
    v1 = Diagnostic.objects.get(etablissement=monde.college).version
    amendement = jusqu_a_inscrit(proposer(v1, WEBRADIO_MODIFICATIONS, organisation=association()))
    v2 = ref_services.amendement_adopter(amendement=amendement, actor=None)
    # The task ran after the commit (immediate backend in tests): a new diagnostic, the old one kept.
    assert set(Diagnostic.objects.filter(etablissement=monde.college).values_list("version", flat=True)) == {
        v1.pk,
        v2.pk,
    }


def test_une_commune_d_ecoles_a_une_seule_ligne_lue_pour_chaque_niveau():
    monde = construire()
    services.inventaires_simuler(etablissements=monde.ecole_a.__class__.objects.all(), seed=3)
    national.recalculer_tout()
    code = str(monde.rennes.pk)
    assert list(Agregat.objects.filter(echelon="collectivite", code=code).values_list("niveau", flat=True)) == [""]
    assert selectors.agregat("collectivite", code, "ecole") == selectors.agregat("collectivite", code)
    assert selectors.agregat("collectivite", code, "college") is None
    epci = monde.ecole_a.commune.epci.siren  # écoles and the collège: one row per niveau
    assert selectors.synthese(selectors.agregat("epci", epci, "ecole")).etablissements == 3
    assert selectors.synthese(selectors.agregat("epci", epci)).etablissements == 4


def test_ecriture_par_copie_sur_postgresql_memes_lignes(monkeypatch):
    """Large batches go through COPY on PostgreSQL (plain statements on SQLite): the same rows either way."""
    construire()
    services.inventaires_simuler(etablissements=Etablissement.objects.all(), seed=4)
    national.recalculer_tout()

    def diagnostics() -> dict:
        return {
            d["etablissement_id"]: {k: v for k, v in d.items() if k not in ("id", "calcule_le")}
            for d in Diagnostic.objects.values()
        }

    avant, agregats_avant = diagnostics(), _etat()
    monkeypatch.setattr(calcul, "SEUIL_COPIE", 1)
    national.recalculer_tout()
    assert diagnostics() == avant and len(avant) == 4
    assert _etat() == agregats_avant
    assert Diagnostic.objects.values("calcule_le").distinct().count() == 1
