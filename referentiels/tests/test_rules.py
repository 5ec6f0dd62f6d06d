"""The quantity rules, the item validation and the diff: pure functions, property-tested."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from referentiels import rules
from referentiels.presets import ECOLE_V1, REFERENTIELS, WEBRADIO_ITEM
from referentiels.rules import Profil, lire_regle, quantite_requise

ECOLE_5_CLASSES = Profil(niveau="ecole", classes=5, eleves=120)


def regle_de(code: str) -> rules.Regle:
    item = next(i for i in ECOLE_V1 if i["code"] == code)
    return lire_regle(item["regle"], code=code)


def test_une_ecole_de_5_classes():
    assert quantite_requise(regle_de("videoprojecteur"), ECOLE_5_CLASSES) == 5
    assert quantite_requise(regle_de("poste-enseignant"), ECOLE_5_CLASSES) == 5
    assert quantite_requise(regle_de("classe-mobile"), ECOLE_5_CLASSES) == 1
    # 12 terminaux pour 4 classes (DSDEN 27): 15 for 5 classes, 12 for 4, 3 for 1.
    assert quantite_requise(regle_de("classe-mobile-terminaux"), ECOLE_5_CLASSES) == 15
    assert quantite_requise(regle_de("classe-mobile-terminaux"), Profil("ecole", classes=4)) == 12
    assert quantite_requise(regle_de("classe-mobile-terminaux"), Profil("ecole", classes=1)) == 3
    assert quantite_requise(regle_de("direction-imprimante"), ECOLE_5_CLASSES) == 1
    assert quantite_requise(regle_de("ent"), ECOLE_5_CLASSES) == 1


def test_le_ratio_de_la_classe_mobile_est_un_parametre_avec_sa_source():
    regle = regle_de("classe-mobile-terminaux")
    assert regle.non_confirme
    assert regle.source == "DSDEN 27 : 10, 12 ou 15 terminaux pour 4 classes"
    a_10 = lire_regle({**regle.as_json(), "quantite": 10}, code="x")
    assert quantite_requise(a_10, ECOLE_5_CLASSES) == 13  # ceil(5 * 10 / 4)


def test_debit_minimum_et_par_eleves():
    debit = lire_regle({"type": "debit_minimum", "mbits": 100}, code="thd")
    assert quantite_requise(debit, Profil("college", eleves=600)) == 100
    terminaux = lire_regle({"type": "par_eleves", "eleves": 4, "quantite": 1}, code="t")
    assert quantite_requise(terminaux, Profil("college", eleves=601)) == 151
    assert rules.decrire_regle(terminaux) == "1 pour 4 élèves"
    assert rules.decrire_regle(debit) == "débit d'au moins 100 Mbit/s"


def test_chiffre_inconnu_donne_none():
    assert quantite_requise(regle_de("videoprojecteur"), Profil("college", eleves=500)) is None
    terminaux = lire_regle({"type": "par_eleves", "eleves": 4, "quantite": 1}, code="t")
    assert quantite_requise(terminaux, Profil("college", classes=20)) is None


def test_niveaux_limitent_la_regle():
    regle = lire_regle({"type": "par_etablissement", "quantite": 1, "niveaux": ["lycee"]}, code="kit")
    assert quantite_requise(regle, Profil("lycee")) == 1
    assert quantite_requise(regle, Profil("college")) == 0


@pytest.mark.parametrize(
    ("regle", "attendu"),
    [
        ("pas un objet", "Item « vp » : la règle de quantité doit être un objet JSON."),
        ({"type": "par_salle"}, "Item « vp », règle, champ « type » : type inconnu 'par_salle'"),
        ({"type": "par_classe", "quantite": 0}, "Item « vp », règle, champ « quantite » : la valeur doit être"),
        ({"type": "par_classe", "quantite": "2"}, "Item « vp », règle, champ « quantite » : un nombre entier"),
        ({"type": "par_classes", "quantite": 12}, "Item « vp », règle, champ « classes » : un nombre entier"),
        ({"type": "debit_minimum", "mbits": True}, "Item « vp », règle, champ « mbits » : un nombre entier"),
        ({"type": "presence", "ratio": 3}, "Item « vp », règle : champ inconnu « ratio »."),
        ({"type": "presence", "niveaux": ["creche"]}, "Item « vp », règle, champ « niveaux »"),
    ],
)
def test_regle_invalide_message_francais(regle, attendu):
    with pytest.raises(rules.RegleInvalide) as exc:
        lire_regle(regle, code="vp")
    assert exc.value.message.startswith(attendu)


def test_item_invalide_nomme_le_code_et_le_champ():
    with pytest.raises(rules.RegleInvalide, match="Item « kit », champ « cout_haut » : le coût doit être supérieur"):
        rules.valider_item(
            "kit",
            {"domaine": "classe", "libelle": "Kit", "regle": {"type": "presence"}, "cout_bas": "10", "cout_haut": "5"},
        )
    with pytest.raises(rules.RegleInvalide, match="Item « kit », champ « domaine »"):
        rules.valider_item("kit", {"domaine": "cuisine", "libelle": "Kit", "regle": {"type": "presence"}})
    with pytest.raises(rules.RegleInvalide, match="Item « kit », champ « cout_bas » : « douze » n'est pas un montant"):
        rules.valider_item(
            "kit", {"domaine": "classe", "libelle": "Kit", "regle": {"type": "presence"}, "cout_bas": "douze"}
        )
    with pytest.raises(rules.RegleInvalide, match="champ « code »"):
        rules.valider_item("kit webradio", {})


def test_les_presets_sont_valides():
    for referentiel in REFERENTIELS:
        codes = [item["code"] for item in referentiel["items"]]
        assert len(codes) == len(set(codes))
        for item in referentiel["items"]:
            rules.valider_item(item["code"], {k: v for k, v in item.items() if k != "code"})
    donnees = rules.valider_item("webradio", WEBRADIO_ITEM)
    assert donnees["cout_typique"] == "700.00"
    assert donnees["cout_non_confirme"] is True


# --- Properties ------------------------------------------------------------------------------------

positifs = st.integers(min_value=1, max_value=1000)
effectifs = st.integers(min_value=0, max_value=5000)


@st.composite
def regles(draw):
    type_ = draw(st.sampled_from(sorted(rules.TYPES_REGLE)))
    data = {"type": type_}
    if type_ in ("par_etablissement", "par_classe", "par_classes", "par_eleves"):
        data["quantite"] = draw(positifs)
    if type_ == "par_classes":
        data["classes"] = draw(positifs)
    if type_ == "par_eleves":
        data["eleves"] = draw(positifs)
    if type_ == "debit_minimum":
        data["mbits"] = draw(positifs)
    return lire_regle(data, code="item")


@given(regles(), effectifs, effectifs, effectifs, effectifs)
def test_monotone_en_classes_et_eleves(regle, classes, eleves, plus_classes, plus_eleves):
    petit = quantite_requise(regle, Profil("ecole", classes=classes, eleves=eleves))
    grand = quantite_requise(regle, Profil("ecole", classes=classes + plus_classes, eleves=eleves + plus_eleves))
    assert petit is not None and grand is not None
    assert 0 <= petit <= grand


@given(regles())
def test_zero_classe_zero_eleve(regle):
    quantite = quantite_requise(regle, Profil("ecole", classes=0, eleves=0))
    if regle.type in ("par_classe", "par_classes", "par_eleves"):
        assert quantite == 0
    else:
        # What does not depend on size is still required of an empty établissement.
        assert quantite == quantite_requise(regle, Profil("ecole", classes=30, eleves=800))


@given(regles(), effectifs, effectifs)
def test_proportionnel_et_jamais_en_dessous_du_ratio(regle, classes, eleves):
    quantite = quantite_requise(regle, Profil("ecole", classes=classes, eleves=eleves))
    if regle.type == "par_classes":
        # At least the exact ratio, and less than one unit above it.
        assert quantite * regle.classes >= classes * regle.quantite > (quantite - 1) * regle.classes
    if regle.type == "par_classe":
        assert quantite == classes * regle.quantite


@given(regles())
def test_aller_retour_json(regle):
    assert lire_regle(regle.as_json(), code="item") == regle


items_st = st.dictionaries(
    st.sampled_from(["a", "b", "c", "d", "e"]),
    st.fixed_dictionaries({"libelle": st.sampled_from(["X", "Y"]), "obligatoire": st.booleans()}),
)


@given(items_st, items_st)
def test_diff_partitionne_les_codes(avant, apres):
    diff = rules.diff_items(avant, apres)
    assert set(diff.ajoutes) == set(apres) - set(avant)
    assert set(diff.supprimes) == set(avant) - set(apres)
    modifies = {code for code, _ in diff.modifies}
    assert modifies == {c for c in set(avant) & set(apres) if avant[c] != apres[c]}
    assert rules.diff_items(avant, avant).vide
