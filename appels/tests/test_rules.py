"""The rule language and the funding engine: examples from the texts, and properties."""

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from appels import rules
from appels.presets import preset, presets
from appels.rules import EtablissementSaisi, RegleInvalide, calculer_subvention, evaluer, lire_eligibilite

D = Decimal


def texte(s: str) -> str:
    return s.replace(rules.NBSP, " ")


def ecole(code: str = "0350001A", classes: int = 2, eleves: int = 50, **depenses: str) -> EtablissementSaisi:
    return EtablissementSaisi(code, f"École {code}", classes, eleves, {k: D(v) for k, v in depenses.items()})


def financement(code: str) -> rules.RegleFinancement:
    return rules.lire_financement(preset(code)["financement"])


def eligibilite(code: str) -> rules.Expression:
    return lire_eligibilite(preset(code)["eligibilite"])


ECOLE_RURALE = {
    "etablissement.niveau": "ecole",
    "etablissement.sous_type": "elementaire",
    "etablissement.secteur": "public",
    "commune.population": 1200,
}

# --- Eligibility -------------------------------------------------------------------------------------------------


def test_presets_are_valid():
    assert {p["code"] for p in presets()} == {"snee-2021", "enir-2018", "label-ecoles-numeriques-2020", "webradio-2022"}


def test_label_2020_refuses_a_commune_above_3500_with_the_reason():
    resultat = evaluer(eligibilite("label-ecoles-numeriques-2020"), {**ECOLE_RURALE, "commune.population": 4200})
    assert not resultat.eligible
    assert [texte(r) for r in resultat.raisons] == [
        "école non éligible : la commune compte plus de 3 500 habitants (4 200)"
    ]


def test_label_2020_accepts_a_rural_school_but_warns_about_the_unknown_aire_urbaine():
    resultat = evaluer(eligibilite("label-ecoles-numeriques-2020"), {**ECOLE_RURALE, "commune.population": 3500})
    assert resultat.eligible
    assert resultat.raisons == ()
    assert "population de l'aire urbaine" in resultat.avertissements[0]


def test_enir_2018_excludes_schools_already_funded_in_2017():
    expression = eligibilite("enir-2018")
    assert evaluer(expression, {**ECOLE_RURALE, "commune.population_unite_urbaine": 3000}).eligible
    resultat = evaluer(expression, {**ECOLE_RURALE, "financement.enir-2017": True})
    assert not resultat.eligible
    assert resultat.raisons == ("école non éligible : déjà financée par ENIR (phase 1, 2017)",)


def test_every_failing_condition_is_explained():
    resultat = evaluer(
        eligibilite("enir-2018"),
        {**ECOLE_RURALE, "etablissement.sous_type": "maternelle", "commune.population": 2500},
    )
    assert not resultat.eligible
    assert len(resultat.raisons) == 2
    assert texte(resultat.raisons[1]) == "école non éligible : la commune compte plus de 2 000 habitants (2 500)"


def test_webradio_is_for_colleges():
    expression = eligibilite("webradio-2022")
    assert evaluer(
        expression, {"etablissement.niveau": "college", "etablissement.secteur": "prive_sous_contrat"}
    ).eligible
    resultat = evaluer(expression, ECOLE_RURALE)
    assert resultat.raisons == ("établissement non éligible : l'appel vise les collèges",)


def test_missing_fact_makes_the_condition_false_with_a_clear_reason():
    expression = lire_eligibilite({"fait": "etablissement.ips", "op": "<", "valeur": "90"})
    resultat = evaluer(expression, {})
    assert not resultat.eligible
    assert resultat.raisons[0].startswith("donnée manquante : IPS de l'établissement")
    assert evaluer(expression, {"etablissement.ips": D("85.3")}).eligible


def test_default_explanation_names_the_fact_and_the_condition():
    expression = lire_eligibilite({"fait": "epci.type", "op": "dans", "valeur": ["CC", "CA"]})
    resultat = evaluer(expression, {"epci.type": "METRO"})
    assert resultat.raisons == ("type de l'EPCI : METRO (condition : type de l'EPCI parmi CC, CA)",)


def test_or_explains_all_alternatives():
    expression = lire_eligibilite(
        {
            "ou": [
                {"fait": "commune.population", "op": "<", "valeur": 2000},
                {"fait": "commune.densite", "op": "<", "valeur": "30"},
            ]
        }
    )
    assert evaluer(expression, {"commune.population": 5000, "commune.densite": "12.5"}).eligible
    resultat = evaluer(expression, {"commune.population": 5000, "commune.densite": "80"})
    assert not resultat.eligible
    assert resultat.raisons[0].startswith("aucune des conditions n'est remplie")


@pytest.mark.parametrize(
    ("regle", "champ", "message"),
    [
        ({"fait": "commune.habitants", "op": "<", "valeur": 1}, "x.fait", "fait inconnu"),
        ({"fait": "commune.population", "op": "~", "valeur": 1}, "x.op", "opérateur inconnu"),
        ({"fait": "etablissement.niveau", "op": "<", "valeur": "ecole"}, "x", "ne s'applique qu'à un nombre"),
        ({"fait": "commune.population", "op": "<", "valeur": 3.5}, "x.valeur", "virgule flottante"),
        ({"fait": "commune.population", "op": "<", "valeur": "12.5"}, "x.valeur", "entier"),
        ({"fait": "commune.population", "op": "dans", "valeur": []}, "x.valeur", "liste non vide"),
        ({"non": {"fait": "financement.enir", "op": "=", "valeur": True}}, "x", "explication"),
        ({"fait": "commune.population", "op": "<", "valeur": 1, "explication": "{habitants}"}, "x.explication", "{"),
        ({"et": {"fait": "commune.population"}}, "x", "liste"),
        ({"fait": "commune.population", "op": "<", "valeur": 1, "seuil": 2}, "x", "clé(s) inconnue(s) : seuil"),
    ],
)
def test_invalid_rules_are_refused_naming_the_field(regle, champ, message):
    with pytest.raises(RegleInvalide) as exc:
        lire_eligibilite(regle, "x")
    assert exc.value.champ == champ
    assert message in exc.value.message


# --- Funding: examples from the texts ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("depense", "attendu"),
    [
        ("12000", "8400.00"),  # 70 %
        ("200000", "140000.00"),  # the first tier, exactly
        ("300000", "190000.00"),  # 140 000 + 50 % × 100 000
        ("1000000", "540000.00"),  # 140 000 + 50 % × 800 000
        ("1500000", "540000.00"),  # nothing above 1 M€
    ],
)
def test_snee_equipment_tiers_at_200k_and_1m(depense, attendu):
    # Enough classes for the (unconfirmed) per-class cap not to bind.
    resultat = calculer_subvention(financement("snee-2021"), [ecole(classes=1000, eleves=20000, equipement=depense)])
    assert resultat.subvention == D(attendu)


def test_snee_tiers_apply_to_the_whole_dossier():
    ecoles = [ecole(f"035000{i}A", classes=100, eleves=2000, equipement="100000") for i in range(3)]
    resultat = calculer_subvention(financement("snee-2021"), ecoles)
    assert resultat.subvention == D("190000.00")
    assert any("de 200 000,00 € à 1 000 000,00 €" in texte(e) for e in resultat.explications)


def test_snee_per_class_cap_and_per_pupil_cap_are_explained():
    resultat = calculer_subvention(
        financement("snee-2021"), [ecole(classes=2, eleves=50, equipement="12000", services="3000")]
    )
    # equipment: 12 000 capped at 3 500 × 2 = 7 000, × 70 % = 4 900; services: 3 000 capped at 20 × 50 = 1 000, × 50 %.
    assert resultat.subvention == D("5400.00")
    lignes = [texte(e) for e in resultat.explications]
    assert any("dépense retenue plafonnée à 3 500 € × 2 classes = 7 000,00 €" in ligne for ligne in lignes)
    assert any("70 % × 7 000,00 € (jusqu'à 200 000,00 €) = 4 900,00 €" in ligne for ligne in lignes)
    assert any("20 € × 50 élèves = 1 000,00 €" in ligne for ligne in lignes)


def test_snee_school_below_the_minimum_expense_gets_nothing():
    resultat = calculer_subvention(financement("snee-2021"), [ecole(equipement="3000")])
    assert resultat.subvention == D("0.00")
    assert "inférieure au minimum de 3 500 €" in texte(resultat.explications[0])


def test_snee_accompaniment_is_not_funded():
    resultat = calculer_subvention(
        financement("snee-2021"), [ecole(classes=10, equipement="10000", accompagnement="500")]
    )
    assert resultat.subvention == D("7000.00")
    assert resultat.depenses_non_financees == D("500")


@pytest.mark.parametrize(
    ("depense", "attendu"),
    [
        ("3999.98", "0"),  # 1 999.99 € is below the 2 000 € minimum
        ("4000", "2000.00"),
        ("10000", "5000.00"),
        ("14000", "7000.00"),
        ("30000", "7000.00"),  # capped at 7 000 €
    ],
)
def test_enir_subsidy_between_2000_and_7000_at_50_percent(depense, attendu):
    resultat = calculer_subvention(financement("enir-2018"), [ecole(equipement=depense)])
    assert resultat.subvention == D(attendu)
    assert resultat.par_etablissement == {"0350001A": D(attendu)}


@pytest.mark.parametrize(
    ("depense", "attendu"),
    [("2999.99", "0"), ("3000", "1500.00"), ("8000", "4000.00"), ("14000", "7000.00"), ("20000", "7000.00")],
)
def test_label_2020_expense_between_3000_and_14000_at_50_percent(depense, attendu):
    resultat = calculer_subvention(financement("label-ecoles-numeriques-2020"), [ecole(equipement=depense)])
    assert resultat.subvention == D(attendu)


def test_label_2020_funds_all_volets_of_a_school_together():
    resultat = calculer_subvention(
        financement("label-ecoles-numeriques-2020"), [ecole(equipement="10000", services="3000", accompagnement="2000")]
    )
    assert resultat.subvention == D("7000.00")
    assert "dépense retenue plafonnée à 14 000 €" in texte(resultat.explications[0])


def test_explanation_of_a_subsidy_cap_per_class():
    regle = rules.lire_financement(
        {
            "postes": [
                {
                    "code": "eq",
                    "volets": ["equipement"],
                    "taux": "0.70",
                    "plafonds": [{"sur": "subvention", "par": "classe", "montant": "3500"}],
                }
            ]
        }
    )
    resultat = calculer_subvention(regle, [ecole(classes=2, equipement="12000")])
    assert resultat.subvention == D("7000")
    assert texte(resultat.lignes[0].explication).endswith(
        "70 % × 12 000,00 € = 8 400,00 €, plafonné à 3 500 € × 2 classes = 7 000,00 €"
    )


@pytest.mark.parametrize(
    ("arrondi", "attendu"),
    [("centime_inferieur", "86.41"), ("centime", "86.42"), ("euro_inferieur", "86"), ("euro", "86")],
)
def test_rounding_rule_of_the_call(arrondi, attendu):
    regle = rules.lire_financement(
        {"arrondi": arrondi, "postes": [{"code": "p", "volets": ["equipement"], "taux": "0.7"}]}
    )
    assert calculer_subvention(regle, [ecole(equipement="123.45")]).subvention == D(attendu)


def test_unconfirmed_parameters_are_listed_with_their_source():
    non_confirmes = financement("snee-2021").parametres_non_confirmes()
    libelles = {libelle: p for libelle, p in non_confirmes}
    assert libelles["total : plancher de la dépense par établissement"].valeur == D("3500")
    assert all(p.source for p in libelles.values())
    assert financement("enir-2018").parametres_non_confirmes() == []


@pytest.mark.parametrize(
    ("regle", "champ", "message"),
    [
        ({"postes": []}, "f.postes", "au moins un poste"),
        ({"postes": [{"code": "p", "volets": ["materiel"], "taux": "0.5"}]}, "f.postes[0].volets", "volets"),
        ({"postes": [{"code": "p", "volets": ["equipement"], "taux": "70"}]}, "f.postes[0].taux", "entre 0 et 1"),
        ({"postes": [{"code": "p", "volets": ["equipement"], "taux": 0.7}]}, "f.postes[0].taux", "guillemets"),
        ({"postes": [{"code": "p", "volets": ["equipement"], "taux": "-0.1"}]}, "f.postes[0].taux", "négative"),
        (
            {
                "postes": [
                    {
                        "code": "p",
                        "volets": ["equipement"],
                        "tranches": [{"jusqu_a": "1000", "taux": "0.7"}, {"jusqu_a": "500", "taux": "0.5"}],
                    }
                ]
            },
            "f.postes[0].tranches[1].jusqu_a",
            "croître",
        ),
        (
            {
                "postes": [
                    {"code": "a", "volets": ["equipement"], "taux": "0.5"},
                    {"code": "b", "volets": ["equipement"], "taux": "0.5"},
                ]
            },
            "f.postes[1].volets",
            "déjà financé",
        ),
        ({"postes": [{"code": "p", "volets": ["equipement"], "taux": "0.5"}], "arrondi": "x"}, "f.arrondi", "arrondi"),
    ],
)
def test_invalid_funding_rules_are_refused_naming_the_field(regle, champ, message):
    with pytest.raises(RegleInvalide) as exc:
        rules.lire_financement(regle, "f")
    assert exc.value.champ == champ
    assert message in exc.value.message


def test_negative_or_float_expense_is_refused():
    with pytest.raises(ValueError, match="ne peut pas être négatif"):
        ecole(equipement="-1")
    with pytest.raises(TypeError, match="Decimal"):
        EtablissementSaisi("x", "École x", 1, 1, {"equipement": 12.5})  # type: ignore[dict-item]


# --- Funding: properties -----------------------------------------------------------------------------------------

montants = st.decimals(min_value=0, max_value=2_000_000, places=2, allow_nan=False, allow_infinity=False)
CODES = ["snee-2021", "enir-2018", "label-ecoles-numeriques-2020", "webradio-2022"]


@st.composite
def dossiers(draw):
    n = draw(st.integers(min_value=1, max_value=4))
    return [
        EtablissementSaisi(
            f"E{i}",
            f"École {i}",
            draw(st.integers(min_value=0, max_value=30)),
            draw(st.integers(min_value=0, max_value=800)),
            {v: draw(montants) for v in rules.VOLETS},
        )
        for i in range(n)
    ]


@settings(max_examples=150, deadline=None)
@given(code=st.sampled_from(CODES), ecoles=dossiers())
def test_subsidy_never_above_rate_times_eligible_expense(code, ecoles):
    regle = financement(code)
    resultat = calculer_subvention(regle, ecoles)
    assert isinstance(resultat.subvention, Decimal)
    assert all(isinstance(ligne.subvention, Decimal) for ligne in resultat.lignes)
    assert D(0) <= resultat.subvention
    plafond = sum((ligne.depense_retenue * _taux_max(regle, ligne.poste) for ligne in resultat.lignes), D(0))
    assert resultat.subvention <= plafond
    assert resultat.depense_retenue <= resultat.depense
    assert resultat.subvention == resultat.subvention.quantize(D("0.01"))


def _taux_max(regle, code):
    return next(p.taux_maximal for p in regle.postes if p.code == code)


@settings(max_examples=150, deadline=None)
@given(
    code=st.sampled_from(CODES),
    ecoles=dossiers(),
    index=st.integers(min_value=0, max_value=3),
    volet=st.sampled_from(list(rules.VOLETS)),
    hausse=montants,
)
def test_subsidy_is_monotone_in_the_expense(code, ecoles, index, volet, hausse):
    regle = financement(code)
    avant = calculer_subvention(regle, ecoles).subvention
    cible = ecoles[index % len(ecoles)]
    plus = EtablissementSaisi(
        cible.code,
        cible.libelle,
        cible.classes,
        cible.eleves,
        {**cible.depenses, volet: cible.depenses[volet] + hausse},
    )
    apres = calculer_subvention(regle, [plus if e is cible else e for e in ecoles]).subvention
    assert apres >= avant


@settings(max_examples=100, deadline=None)
@given(
    taux=st.decimals(min_value=0, max_value=1, places=3),
    depense=montants,
    arrondi=st.sampled_from(["centime_inferieur", "euro_inferieur"]),
)
def test_rounding_down_never_exceeds_the_exact_product(taux, depense, arrondi):
    regle = rules.lire_financement(
        {"arrondi": arrondi, "postes": [{"code": "p", "volets": ["equipement"], "taux": str(taux)}]}
    )
    subvention = calculer_subvention(regle, [ecole(equipement=str(depense))]).subvention
    assert subvention <= taux * depense < subvention + (D("0.01") if arrondi == "centime_inferieur" else D(1))


def test_snee_waves_split_at_40000():
    vagues = preset("snee-2021")["vagues"]
    assert rules.choisir_vague(vagues, D("39999.99")) == 1
    assert rules.choisir_vague(vagues, D("40000")) == 2
    assert rules.choisir_vague([], D("1")) is None


@settings(max_examples=200, deadline=None)
@given(
    population=st.one_of(st.none(), st.integers(min_value=0, max_value=3_000_000)),
    seuil=st.integers(min_value=0, max_value=3_000_000),
    op=st.sampled_from(["<", "<=", ">", ">=", "=", "!="]),
)
def test_a_comparison_means_what_it_says_and_non_inverts_it(population, seuil, op):
    comparaison = {"fait": "commune.population", "op": op, "valeur": seuil}
    faits = {"commune.population": population}
    resultat = evaluer(lire_eligibilite(comparaison), faits)
    if population is None:
        assert not resultat.eligible
        assert resultat.raisons[0].startswith("donnée manquante")
        return
    attendu = {
        "<": population < seuil,
        "<=": population <= seuil,
        ">": population > seuil,
        ">=": population >= seuil,
        "=": population == seuil,
        "!=": population != seuil,
    }[op]
    assert resultat.eligible == attendu
    assert bool(resultat.raisons) == (not attendu)
    inverse = evaluer(lire_eligibilite({"non": comparaison, "explication": "exclu"}), faits)
    assert inverse.eligible == (not attendu)
    assert (
        evaluer(lire_eligibilite({"et": [comparaison, {"non": comparaison, "explication": "x"}]}), faits).eligible
        is False
    )
    assert evaluer(lire_eligibilite({"ou": [comparaison, {"non": comparaison, "explication": "x"}]}), faits).eligible


def test_unbounded_last_tier_is_explained():
    regle = rules.lire_financement(
        {
            "postes": [
                {
                    "code": "p",
                    "volets": ["equipement"],
                    "tranches": [{"jusqu_a": "1000", "taux": "0.8"}, {"taux": "0.5"}],
                }
            ]
        }
    )
    resultat = calculer_subvention(regle, [ecole(equipement="3000")])
    assert resultat.subvention == D("1800.00")
    assert texte(resultat.lignes[0].explication).endswith(
        "80 % × 1 000,00 € (jusqu'à 1 000,00 €) = 800,00 €, 50 % × 2 000,00 € (au-delà de 1 000,00 €) = 1 000,00 €"
    )
