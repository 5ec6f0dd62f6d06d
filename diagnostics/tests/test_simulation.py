"""The simulator reproduces the ETIC 2018-2019 figures it documents (domain.md §7), and is reproducible."""

import random

from diagnostics.simulation import simuler

TERMINAUX = {"poste-enseignant", "classe-mobile-terminaux", "direction-ordinateur"}


def _ecoles(n: int = 2000):
    rng = random.Random(42)
    for k in range(n):
        classes = rng.randint(1, 12)
        yield f"{k:07d}E", classes, classes * rng.randint(20, 27)


def test_les_ecoles_simulees_suivent_etic_2018_2019():
    eleves = ordinateurs = filtrage = charte = moitie = debit_2 = debit_512k_2m = 0
    n = 0
    for uai, classes, effectif in _ecoles():
        sim = simuler(uai, "ecole", classes, effectif, seed=2019, annee=2026)
        n += 1
        eleves += effectif
        ordinateurs += sum(ligne.quantite for ligne in sim.lignes if ligne.item_code in TERMINAUX)
        filtrage += sim.filtrage
        charte += sim.charte
        moitie += sim.salles_connectees * 2 >= classes
        debit_2 += sim.debit_mbits >= 2
        debit_512k_2m += sim.debit_mbits == 1
    assert 9.5 <= ordinateurs * 100 / eleves <= 14.5  # ETIC: 11.9 computers per 100 pupils
    assert abs(filtrage / n - 0.734) < 0.04
    assert abs(charte / n - 0.632) < 0.04
    assert abs(moitie / n - 0.755) < 0.05
    assert abs(debit_2 / n - 0.364) < 0.04
    assert abs(debit_512k_2m / n - (0.518 + 0.118 / 2)) < 0.05  # the band, plus half of the « less or none »


def test_meme_graine_meme_inventaire_et_unitaire_meme_total():
    a = simuler("0350001A", "college", 20, 500, seed=7, annee=2026)
    assert a == simuler("0350001A", "college", 20, 500, seed=7, annee=2026)
    assert a != simuler("0350001A", "college", 20, 500, seed=8, annee=2026)
    unitaire = simuler("0350001A", "college", 20, 500, seed=7, annee=2026, unitaire=True)
    assert sum(ligne.quantite for ligne in unitaire.lignes) >= len(a.lignes)
    assert all(ligne.quantite == 1 for ligne in unitaire.lignes)
