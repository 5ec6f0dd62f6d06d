"""The conformity engine: a hand-checked example and properties (pure, no database)."""

from decimal import Decimal
from fractions import Fraction

from hypothesis import given
from hypothesis import strategies as st

from diagnostics import engine
from diagnostics.engine import Etat, ItemSocle, Mesures, Prix, Synthese, agreger, evaluer, synthese_de
from referentiels.presets import ECOLE_V1
from referentiels.rules import Profil, lire_regle

# Unit prices of the hand-checked example (typical prices of the catalogue's first version).
PRIX = {
    "videoprojecteur": Prix(Decimal("3300")),
    "visualiseur": Prix(Decimal("200")),
    "poste-enseignant": Prix(Decimal("700")),
    "connexion-classe": Prix(Decimal("550")),
    "classe-mobile": Prix(Decimal("2000")),
    "classe-mobile-terminaux": Prix(Decimal("566")),
    "direction-ordinateur": Prix(Decimal("700")),
    "ent": Prix(Decimal("4.10"), par_eleve=True),
}


def items_ecole() -> list[ItemSocle]:
    return [
        ItemSocle(
            code=i["code"],
            regle=lire_regle(i["regle"], code=i["code"]),
            obligatoire=i.get("obligatoire", True),
            prix=PRIX.get(i["code"]),
        )
        for i in ECOLE_V1
    ]


def test_ecole_de_5_classes_avec_un_videoprojecteur_et_sans_classe_mobile():
    items = items_ecole()
    profil = Profil(niveau="ecole", classes=5, eleves=120)
    presents = engine.mesures_presentes(items, {"videoprojecteur": 1}, Mesures())
    resultat = evaluer(items, profil, presents)
    par_code = {r.code: r for r in resultat.items}

    video = par_code["videoprojecteur"]
    assert (video.requis, video.present, video.manque) == (5, 1, 4)
    assert video.cout == Decimal("13200.00")  # 4 × 3 300 €
    assert par_code["poste-enseignant"].cout == Decimal("3500.00")  # 5 × 700 €
    assert par_code["connexion-classe"].cout == Decimal("2750.00")  # 5 × 550 €
    assert par_code["classe-mobile"].manque == 1
    assert par_code["classe-mobile"].cout == Decimal("2000.00")
    terminaux = par_code["classe-mobile-terminaux"]
    assert (terminaux.requis, terminaux.manque) == (15, 15)  # 12 for 4 classes → 15 for 5
    assert terminaux.cout == Decimal("8490.00")  # 15 × 566 €
    assert par_code["direction-ordinateur"].cout == Decimal("700.00")
    assert par_code["ent"].cout == Decimal("492.00")  # 4,10 € × 120 élèves
    # Items with no sourced price: the gap is shown, the cost is a lower bound.
    assert par_code["micro"].manque == 5 and par_code["micro"].prix_inconnu
    assert resultat.cout_incomplet
    # 13 200 + 3 500 + 2 750 + 2 000 + 8 490 + 700 + 492
    assert resultat.cout_socle == Decimal("31132.00")
    # The visualiseur is optional: costed apart, not in the socle.
    assert par_code["visualiseur"].cout == Decimal("1000.00")
    assert resultat.cout_optionnel == Decimal("1000.00")
    # 13 required items; only the projector is covered, at 1/5.
    assert resultat.taux == Fraction(1, 65)
    assert resultat.taux_decimal == Decimal("0.0154")
    assert not resultat.au_socle
    assert resultat.manquants == 13


def test_ecole_complete_est_au_socle_pour_zero_euro():
    items = items_ecole()
    profil = Profil(niveau="ecole", classes=5, eleves=120)
    lignes = {i.code: 20 for i in items}
    mesures = Mesures(debit_mbits=30, salles_connectees=5, internet=True, ent=True, accompagnement=True)
    resultat = evaluer(items, profil, engine.mesures_presentes(items, lignes, mesures))
    assert resultat.au_socle
    assert resultat.cout_socle == Decimal("0.00")
    assert resultat.taux == 1


def test_classes_inconnues_rendent_l_item_indetermine_sans_le_compter_manquant():
    items = items_ecole()
    resultat = evaluer(items, Profil(niveau="ecole", classes=None, eleves=None), {})
    video = next(r for r in resultat.items if r.code == "videoprojecteur")
    assert video.requis is None and video.satisfait is None and video.cout == 0
    assert resultat.indetermines == 8  # 7 per-class items and the mobile-class terminals
    # A missing ENT priced per pupil, pupils unknown: the price is unknown, never guessed.
    ent = next(r for r in resultat.items if r.code == "ent")
    assert ent.manque == 1 and ent.prix_inconnu


def test_debit_minimum_lit_le_debit():
    regle = lire_regle({"type": "debit_minimum", "mbits": 100}, code="thd")
    item = ItemSocle("acces-tres-haut-debit", regle, prix=Prix(Decimal("1200")))
    lent = evaluer([item], Profil("college", eleves=600), engine.mesures_presentes([item], {}, Mesures(debit_mbits=8)))
    assert lent.items[0].manque == 92 and lent.items[0].unites == 1
    assert lent.cout_socle == Decimal("1200.00")
    assert lent.taux == Fraction(8, 100)


def test_arrondi_unique_au_centime_demi_superieur():
    regle = lire_regle({"type": "presence"}, code="ent")
    item = ItemSocle("ent", regle, prix=Prix(Decimal("0.125"), par_eleve=True))
    resultat = evaluer([item], Profil("ecole", classes=1, eleves=1), {})
    assert resultat.cout_socle == Decimal("0.13")
    assert engine.arrondir_euros(Decimal("2.345")) == Decimal("2.35")
    assert engine.arrondir_euros(Decimal("2.344")) == Decimal("2.34")


def test_zone_densite_et_bandes_de_debit():
    assert engine.zone_densite(1200, Decimal(12)) == "rural"  # 100 hab/km²
    assert engine.zone_densite(220_000, Decimal("50.39")) == "urbain"
    assert engine.zone_densite(None, Decimal(1)) == "inconnu"
    assert engine.bande_debit(None) == "debit_inconnu"
    assert engine.bande_debit(1) == "debit_moins_2"
    assert engine.bande_debit(8) == "debit_2_10"
    assert engine.bande_debit(100) == "debit_100_plus"


def test_quartiles_et_deciles():
    valeurs = [Decimal(v) for v in range(1, 101)]
    assert engine.quartiles(valeurs) == (Decimal(25), Decimal(50), Decimal(75))
    assert engine.quartile_de(Decimal(26), engine.quartiles(valeurs)) == 2
    assert engine.quartile_de(Decimal(99), engine.quartiles(valeurs)) == 4
    assert engine.decile_extremes(valeurs) == (Decimal(10), Decimal(90))
    assert engine.quartiles([]) is None


def test_indicateurs_etic_depuis_les_sommes():
    a = synthese_de(None, Etat(eleves=100, classes=4, terminaux=12, affichages=2, salles_connectees=4, debit_mbits=8))
    b = synthese_de(None, Etat(eleves=300, classes=12, terminaux=36, affichages=12, salles_connectees=6, ent=True))
    total = a + b
    assert total.terminaux_pour_100_eleves == Decimal("12.0")
    assert total.affichages_par_classe == Decimal("0.88")  # 14 / 16
    assert total.part_salles_connectees == Decimal("0.6250")
    assert total.debit_2_10 == 1 and total.debit_inconnu == 1
    assert total.part_au_socle is None  # nothing diagnosed


# --- Properties ------------------------------------------------------------------------------------

REGLES = st.one_of(
    st.builds(lambda q: {"type": "par_etablissement", "quantite": q}, st.integers(1, 5)),
    st.builds(lambda q: {"type": "par_classe", "quantite": q}, st.integers(1, 3)),
    st.builds(lambda q, c: {"type": "par_classes", "quantite": q, "classes": c}, st.integers(1, 15), st.integers(1, 6)),
    st.builds(lambda q, e: {"type": "par_eleves", "quantite": q, "eleves": e}, st.integers(1, 3), st.integers(1, 30)),
    st.just({"type": "presence"}),
    st.builds(lambda m: {"type": "debit_minimum", "mbits": m}, st.integers(1, 200)),
)
PRIX_ST = st.builds(
    Prix,
    st.decimals(min_value=Decimal("0.01"), max_value=Decimal("5000"), places=3),
    st.booleans(),
)


@st.composite
def cas(draw, prix_toujours_connus: bool = False):
    n = draw(st.integers(1, 8))
    items = [
        ItemSocle(
            code=f"item-{k}",
            regle=lire_regle(draw(REGLES), code=f"item-{k}"),
            obligatoire=draw(st.booleans()),
            prix=draw(PRIX_ST) if prix_toujours_connus else draw(st.none() | PRIX_ST),
        )
        for k in range(n)
    ]
    profil = Profil(
        niveau="ecole",
        classes=draw(st.integers(1, 30)),
        eleves=draw(st.integers(1, 900)),
    )
    presents = {i.code: draw(st.integers(0, 300)) for i in items}
    return items, profil, presents


@given(cas(), st.integers(0, 7), st.integers(1, 50))
def test_ajouter_un_equipement_ne_baisse_jamais_la_conformite(donnees, index, ajout):
    items, profil, presents = donnees
    code = items[index % len(items)].code
    avant = evaluer(items, profil, presents)
    apres = evaluer(items, profil, {**presents, code: presents[code] + ajout})
    assert apres.taux >= avant.taux
    assert apres.taux_decimal >= avant.taux_decimal
    assert apres.cout_socle <= avant.cout_socle
    assert apres.au_socle or not avant.au_socle


@given(cas(prix_toujours_connus=True))
def test_cout_nul_si_et_seulement_si_chaque_item_requis_est_atteint(donnees):
    items, profil, presents = donnees
    resultat = evaluer(items, profil, presents)
    assert (resultat.cout_socle == 0) == resultat.au_socle
    assert (resultat.taux == 1) == resultat.au_socle


@given(cas())
def test_le_cout_d_un_etablissement_est_la_somme_de_ses_items(donnees):
    items, profil, presents = donnees
    resultat = evaluer(items, profil, presents)
    assert resultat.cout_socle == sum((r.cout for r in resultat.items if r.obligatoire), Decimal(0))
    assert all(r.cout == r.cout.quantize(Decimal("0.01")) for r in resultat.items)
    assert 0 <= resultat.taux <= 1


@given(st.lists(cas(), min_size=1, max_size=6), st.integers(0, 6))
def test_un_agregat_est_la_somme_de_ses_parties(liste, coupure):
    syntheses = [
        synthese_de(
            evaluer(items, profil, presents),
            Etat(eleves=profil.eleves, classes=profil.classes, terminaux=sum(presents.values())),
        )
        for items, profil, presents in liste
    ]
    total = agreger(syntheses)
    gauche, droite = agreger(syntheses[:coupure]), agreger(syntheses[coupure:])
    assert gauche + droite == total
    assert total.cout_socle == sum((s.cout_socle for s in syntheses), Decimal(0))
    assert total.etablissements == len(syntheses)
    assert total.au_socle == sum(s.au_socle for s in syntheses)
    assert agreger([]) == Synthese()


@given(st.lists(cas(), min_size=1, max_size=5))
def test_les_vecteurs_entiers_donnent_les_memes_sommes(liste):
    syntheses = [
        synthese_de(evaluer(items, profil, presents), Etat(eleves=profil.eleves, classes=profil.classes))
        for items, profil, presents in liste
    ]
    somme = [0] * len(engine.CHAMPS_SYNTHESE)
    for s in syntheses:
        assert engine.synthese_de_vecteur(engine.vecteur_de(s)) == s
        engine.ajouter(somme, engine.vecteur_de(s))
    assert engine.synthese_de_vecteur(somme) == agreger(syntheses)


@given(cas(), st.integers(0, 300), st.booleans())
def test_le_vecteur_rapide_egale_la_synthese(donnees, debit, diagnostique):
    items, profil, presents = donnees
    resultat = evaluer(items, profil, presents) if diagnostique else None
    etat = Etat(eleves=profil.eleves, classes=profil.classes, terminaux=3, debit_mbits=debit, ent=True, simule=True)
    assert engine.vecteur_etablissement(resultat, etat) == engine.vecteur_de(synthese_de(resultat, etat))
    if resultat is not None:
        exact = resultat.taux
        assert abs(resultat.taux_decimal - Decimal(exact.numerator) / Decimal(exact.denominator)) <= Decimal("0.00005")


@given(st.lists(cas(), min_size=1, max_size=4))
def test_la_memoisation_ne_change_aucun_resultat(liste):
    memo: dict = {}
    for items, profil, presents in liste:
        assert evaluer(items, profil, presents, memo) == evaluer(items, profil, presents)
        assert evaluer(items, profil, presents, memo) == evaluer(items, profil, presents)


@given(st.lists(st.integers(min_value=0, max_value=10_000), max_size=300))
def test_deciles_lus_dans_l_histogramme_egaux_a_ceux_de_la_liste_triee(valeurs):
    assert engine.decile_extremes_histogramme(engine.histogramme(valeurs)) == engine.decile_extremes(valeurs)


@given(
    st.lists(st.integers(min_value=0, max_value=60), max_size=80),
    st.lists(
        st.tuples(st.integers(min_value=0, max_value=200), st.none() | st.integers(min_value=0, max_value=60)),
        max_size=40,
    ),
)
def test_histogramme_tenu_a_jour_un_etablissement_a_la_fois(valeurs, modifications):
    """Each edit moves one établissement's value (or adds one, or removes one): the deciles read from the histogram
    are those of the list of values after the edits."""
    h = engine.histogramme(valeurs)
    for rang, nouvelle in modifications:
        if valeurs and rang < len(valeurs):
            ancienne = valeurs[rang]
            assert engine.histogramme_deplacer(h, ancienne, nouvelle)
            if nouvelle is None:
                del valeurs[rang]
            else:
                valeurs[rang] = nouvelle
        elif nouvelle is not None:
            assert engine.histogramme_deplacer(h, None, nouvelle)
            valeurs.append(nouvelle)
        assert h == engine.histogramme(valeurs)
        assert engine.decile_extremes_histogramme(h) == engine.decile_extremes(valeurs)
    # A value the histogram does not count is refused, nothing changed.
    assert not engine.histogramme_deplacer(h, 999, 1)
    assert h == engine.histogramme(valeurs)
