"""Pure rules: identifiers of the national data and the resolution of the collectivité compétente."""

import gzip
from pathlib import Path

import pytest
from django.conf import settings
from hypothesis import given
from hypothesis import strategies as st

from territoires import rules

# --- Search text -------------------------------------------------------------------------------------------------


def _normalise_reference(text):
    import unicodedata

    decomposed = unicodedata.normalize("NFKD", text)
    ascii_only = "".join(c for c in decomposed if not unicodedata.combining(c)).lower()
    cleaned = "".join(c if c.isalnum() else " " for c in ascii_only)
    return " ".join(cleaned.split())


def test_search_text_of_a_school():
    assert rules.normalise_recherche("École élémentaire Saint-Exupéry  Lœuilly 0350122T") == (
        "ecole elementaire saint exupery lœuilly 0350122t"
    )


@given(st.text())
def test_search_normalisation_matches_the_character_by_character_definition(text):
    assert rules.normalise_recherche(text) == _normalise_reference(text)


# --- UAI ---------------------------------------------------------------------------------------------------------


def test_uais_are_normalised_before_checking():
    assert rules.normalise_uai(" 0350122t ") == "0350122T"


@pytest.mark.parametrize("uai", ["0350122T", "0352865Z", "0350024L", "0350002M"])
def test_uais_of_ille_et_vilaine_have_the_right_check_letter(uai):
    assert rules.uai_valide(uai)


@pytest.mark.parametrize("uai", ["0350122A", "0350A22T", "035012T", "03501222T", "0350122I", "", "0350122T\n"])
def test_wrong_uais_are_refused(uai):
    assert not rules.uai_valide(uai)


@given(st.integers(min_value=0, max_value=9_999_999))
def test_the_check_letter_makes_a_valid_uai_and_any_other_letter_does_not(numero):
    sept = f"{numero:07d}"
    lettre = rules.lettre_cle_uai(sept)
    assert rules.uai_valide(sept + lettre)
    autre = next(c for c in rules.UAI_LETTRES if c != lettre)
    assert not rules.uai_valide(sept + autre)


@pytest.mark.national
def test_check_letter_algorithm_holds_on_the_whole_national_directory():
    chemin = Path(settings.SOCLE_DATA_DIR) / "etablissements_geolocalises_2026.csv.gz"
    if not chemin.is_file():
        pytest.skip("données nationales absentes")
    with gzip.open(chemin, "rt", encoding="utf-8") as f:
        next(f)
        uais = [ligne.split(",", 1)[0] for ligne in f]
    assert len(uais) == 59_591
    assert all(rules.uai_valide(u) for u in uais)


# --- INSEE and SIREN ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("code", ["35238", "2A004", "2B033", "97411", "75056", "01001"])
def test_commune_codes(code):
    assert rules.code_commune_valide(code)


@pytest.mark.parametrize("code", ["20004", "2C004", "3523", "352388", "ABCDE", "00123", "35238\n"])
def test_bad_commune_codes(code):
    assert not rules.code_commune_valide(code)


# Codes near the valid ones: digits, Corsica's letters, other letters, line breaks, any length up to 7.
_CODES_PROCHES = st.text(alphabet="0123456789ABab2\n ", max_size=7) | st.sampled_from(
    ["35238", "2A004", "2B033", "20004", "00123", "97411", "75056\n", "3523\n8"]
)


@given(st.lists(_CODES_PROCHES, max_size=40))
def test_the_commune_codes_checked_at_once_are_those_checked_one_by_one(codes):
    attendus = {c for c in codes if rules.code_commune_valide(c)}
    assert rules.codes_commune_valides(codes) == attendus


def test_the_commune_codes_of_the_cog_are_all_valid_at_once():
    chemin = Path(settings.SOCLE_DATA_DIR) / "communes_2026.csv.gz"
    if not chemin.exists():
        pytest.skip("shared/data absent")
    with gzip.open(chemin, "rt", encoding="utf-8") as f:
        codes = [ligne.split(",", 1)[0] for ligne in f.read().splitlines()[1:]]
    assert len(codes) > 34_000
    assert rules.codes_commune_valides(codes) == set(codes)


@pytest.mark.parametrize(
    ("brut", "insee"), [("035", "35"), ("35", "35"), ("02A", "2A"), ("2b", "2B"), ("971", "971"), ("1", "01")]
)
def test_departement_codes_are_normalised_to_the_insee_style(brut, insee):
    assert rules.normalise_code_departement(brut) == insee
    assert rules.code_departement_valide(insee)


@pytest.mark.parametrize("code", ["20", "00", "96", "979", "990", "2C", "035", "35\n"])
def test_bad_departement_codes(code):
    assert not rules.code_departement_valide(code)


@given(st.sampled_from(["01", "35", "2A", "2B", "95", "971", "976"]))
def test_normalising_an_insee_departement_code_is_idempotent(code):
    assert rules.normalise_code_departement(code) == code
    assert rules.normalise_code_departement("0" + code if len(code) == 2 else code) == code


@pytest.mark.parametrize("siren", ["217500016", "200046977", "200076958", "200055507", "200052678", "229850003"])
def test_sirens_of_the_special_collectivites_are_valid(siren):
    assert rules.siren_valide(siren)


@given(st.integers(min_value=0, max_value=99_999_999))
def test_exactly_one_luhn_key_completes_eight_digits(huit):
    debut = f"{huit:08d}"
    valides = [k for k in "0123456789" if rules.siren_valide(debut + k)]
    assert len(valides) == 1


@given(st.text(max_size=10))
def test_identifier_checks_answer_false_to_any_text_never_raise(texte):
    assert rules.siren_valide(texte) in (True, False)
    assert rules.uai_valide(texte) in (True, False)
    assert rules.commune_de_rattachement(texte) in (texte, "75056", "69123", "13055")


@pytest.mark.parametrize("texte", ["21750001²", "２１７５０００１６", "2175000١6", "0350122²"])
def test_non_ascii_digits_are_not_identifiers(texte):
    assert not rules.siren_valide(texte)
    assert not rules.uai_valide(texte)


@pytest.mark.parametrize(
    ("code", "parente"), [("75115", "75056"), ("69381", "69123"), ("13216", "13055"), ("35238", "35238")]
)
def test_arrondissements_belong_to_their_commune(code, parente):
    assert rules.commune_de_rattachement(code) == parente


# --- Competence resolution ---------------------------------------------------------------------------------------

CARTE = {
    ("ecole", "commune", "35238"): 1,  # Rennes
    ("college", "departement", "35"): 2,
    ("lycee", "region", "53"): 3,
    ("ecole", "commune", "75056"): 4,  # Ville de Paris
    ("college", "departement", "75"): 4,
    ("college", "commune", "69123"): 5,  # Métropole de Lyon, on its communes
    ("college", "departement", "69"): 6,
}


def resoudre(niveau, commune, dep, region, secteur="public"):
    return rules.resoudre_competence(
        niveau=niveau,
        secteur=secteur,
        code_commune=commune,
        code_departement=dep,
        code_region=region,
        competences=CARTE,
    )


def test_general_case_ecole_college_lycee():
    assert resoudre("ecole", "35238", "35", "53")[0] == 1
    assert resoudre("college", "35238", "35", "53")[0] == 2
    assert resoudre("lycee", "35238", "035", "53")[0] == 3


def test_the_most_precise_perimetre_wins():
    identifiant, raison = resoudre("college", "69381", "69", "84")
    assert identifiant == 5
    assert "la commune 69123" in raison
    assert resoudre("college", "69259", "69", "84")[0] == 6


def test_a_paris_arrondissement_school_belongs_to_the_ville_de_paris():
    assert resoudre("ecole", "75115", "75", "11")[0] == 4


@pytest.mark.parametrize("secteur", ["prive", "prive_sous_contrat"])
def test_private_schools_have_no_public_collectivite(secteur):
    identifiant, raison = resoudre("college", "35238", "35", "53", secteur=secteur)
    assert identifiant is None
    assert raison == "établissement privé : son équipement n'incombe pas à une collectivité publique"


def test_unknown_territory_says_so():
    identifiant, raison = resoudre("lycee", "98818", "988", "988")
    assert identifiant is None
    assert "aucune collectivité compétente" in raison


@given(
    st.sampled_from(rules.NIVEAUX),
    st.sampled_from(["public", "prive", "prive_sous_contrat", ""]),
    st.sampled_from(["35238", "75115", "69381", "13201", "2A004"]),
)
def test_resolution_is_total_and_private_never_has_one(niveau, secteur, commune):
    identifiant, raison = resoudre(niveau, commune, rules.departement_de_commune(commune), "53", secteur=secteur)
    assert raison
    if secteur != "public":
        assert identifiant is None


@given(
    st.sampled_from(rules.NIVEAUX),
    st.booleans(),
    st.booleans(),
    st.booleans(),
)
def test_most_precise_perimetre_wins_whatever_is_defined(niveau, par_commune, par_departement, par_region):
    carte = {}
    if par_region:
        carte[(niveau, "region", "53")] = 3
    if par_departement:
        carte[(niveau, "departement", "35")] = 2
    if par_commune:
        carte[(niveau, "commune", "35238")] = 1
    identifiant, _ = rules.resoudre_competence(
        niveau=niveau,
        secteur="public",
        code_commune="35238",
        code_departement="035",
        code_region="53",
        competences=carte,
    )
    attendu = 1 if par_commune else 2 if par_departement else 3 if par_region else None
    assert identifiant == attendu
