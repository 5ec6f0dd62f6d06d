"""The engine over arrays gives, row by row and item by item, what the pure engine gives (pure, no database)."""

import json
from decimal import Decimal

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from diagnostics import engine, vectoriel
from diagnostics.calcul import Contexte
from diagnostics.engine import ItemSocle, Prix
from referentiels.rules import Profil, lire_regle

from .test_engine import REGLES as REGLES_DU_MOTEUR

REGLES = st.one_of(
    REGLES_DU_MOTEUR,
    st.just({"type": "par_classe", "quantite": 1, "niveaux": ["college"]}),  # does not apply to écoles
)
# Catalogue prices have two decimal places (``Prix.typique``, ``PrixCollectivite.montant``).
MONTANTS = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("50000"), places=2)


@st.composite
def cas(draw):
    items = [
        ItemSocle(
            code=f"item-{k}",
            regle=lire_regle(draw(REGLES), code=f"item-{k}"),
            obligatoire=draw(st.booleans()),
            prix=draw(st.none() | st.builds(Prix, MONTANTS, st.booleans())),
        )
        for k in range(draw(st.integers(1, 8)))
    ]
    lignes = draw(
        st.lists(
            st.tuples(
                st.none() | st.integers(0, 30),  # classes
                st.none() | st.integers(0, 900),  # pupils
                st.lists(st.integers(-2, 300), min_size=len(items), max_size=len(items)),  # present
                # the row's collectivité may have negotiated the price of some items
                st.lists(st.none() | MONTANTS, min_size=len(items), max_size=len(items)),
            ),
            min_size=1,
            max_size=12,
        )
    )
    return items, lignes


def _items_de_la_ligne(items: list[ItemSocle], negocies: list[Decimal | None]) -> list[ItemSocle]:
    """As ``calcul.Contexte.items_pour``: a negotiated price replaces the catalogue's, per pupil when that one was."""
    return [
        item
        if montant is None
        else ItemSocle(
            item.code, item.regle, item.obligatoire, Prix(montant, item.prix.par_eleve if item.prix else False)
        )
        for item, montant in zip(items, negocies, strict=True)
    ]


def _tableaux(items, lignes):
    inconnu = vectoriel.INCONNU
    classes = np.array([inconnu if c is None else c for c, _, _, _ in lignes], dtype=np.int64)
    eleves = np.array([inconnu if e is None else e for _, e, _, _ in lignes], dtype=np.int64)
    presents = np.array([p for _, _, p, _ in lignes], dtype=np.int64)
    prix = np.array(
        [
            [
                vectoriel.centimes(m)
                if m is not None
                else (inconnu if item.prix is None else vectoriel.centimes(item.prix.montant))
                for item, m in zip(items, negocies, strict=True)
            ]
            for _, _, _, negocies in lignes
        ],
        dtype=np.int64,
    )
    return vectoriel.evaluer_tableaux(items, "ecole", classes, eleves, presents, prix)


@settings(max_examples=300)
@given(cas())
def test_chaque_ligne_et_chaque_item_comme_le_moteur_pur(donnees):
    items, lignes = donnees
    r = _tableaux(items, lignes)
    json_items = vectoriel.fragments_json(items, r)
    for i, (classes, eleves, presents, negocies) in enumerate(lignes):
        items_ligne = _items_de_la_ligne(items, negocies)
        attendu = engine.evaluer(
            items_ligne, Profil("ecole", classes, eleves), {it.code: p for it, p in zip(items, presents, strict=True)}
        )
        assert int(r.taux[i]) == int(attendu.taux_decimal * 10_000)
        assert bool(r.au_socle[i]) == attendu.au_socle
        assert int(r.manquants[i]) == attendu.manquants
        assert int(r.indetermines[i]) == attendu.indetermines
        assert vectoriel.euros(int(r.cout_socle[i])) == str(attendu.cout_socle)
        assert vectoriel.euros(int(r.cout_optionnel[i])) == str(attendu.cout_optionnel)
        assert bool(r.cout_incomplet[i]) == attendu.cout_incomplet
        # The stored item results: the same JSON as the one-établissement path writes.
        contexte = Contexte({}, {}, None, {}, 2026)  # its memo is by object identity: one per row
        assert json.loads(json_items[i]) == json.loads("[" + contexte.fragments_de(attendu.items) + "]")


def test_un_taux_sur_une_limite_d_arrondi_est_arrondi_comme_le_moteur():
    # Coverages 1/8 and 9,465/10,000: a mean of exactly 0.53575, rounded half up to 0.5358 by the engine's Decimals,
    # while the float mean (0.535749999…) would round down.
    items = [
        ItemSocle("a", lire_regle({"type": "par_etablissement", "quantite": 8}, code="a")),
        ItemSocle("b", lire_regle({"type": "par_etablissement", "quantite": 10_000}, code="b")),
    ]
    lignes = [(5, 100, [1, 9465], [None, None]), (5, 100, [8, 5000], [None, None])]
    r = _tableaux(items, lignes)
    assert r.taux.tolist() == [5358, 7500]
    assert engine.evaluer(items, Profil("ecole", 5, 100), {"a": 1, "b": 9465}).taux_decimal == Decimal("0.5358")


def test_montants_en_centimes_exacts_seulement():
    assert vectoriel.centimes(Decimal("4.10")) == 410
    assert vectoriel.euros(49200) == "492.00"
    assert vectoriel.euros(5) == "0.05"
    try:
        vectoriel.centimes(Decimal("0.005"))
    except ValueError as erreur:
        assert "centimes" in str(erreur)
    else:
        raise AssertionError("un montant au demi-centime doit être refusé")
