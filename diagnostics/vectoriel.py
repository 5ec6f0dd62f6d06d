"""The conformity engine over arrays: ``engine.evaluer`` for many établissements of one niveau at once. Pure, no ORM.

The national recomputation evaluates ~60,000 établissements; item by item in Python that is most of its time. Here
every item of a version is one column of integer arrays (one row per établissement) and numpy computes the columns.
``engine.py`` stays the definition: the results are the same, établissement by établissement and item by item (tests
compare both on random profiles, inventories and prices), with these representations:

- unknown figures (classes, pupils, a requirement, a gap) are ``INCONNU`` (-1) instead of ``None``;
- money is in integer cents (catalogue prices have two decimal places, so price × units is exact in cents and equals
  ``engine.arrondir_euros`` of the Decimal product);
- the conformity rate is in ten-thousandths. It is computed in floating point and rounded half up; a rate whose
  float lies within 10⁻⁶ of a rounding boundary (where float and Decimal could round apart) is recomputed by
  ``engine.evaluer`` itself.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

import numpy as np

from referentiels.rules import Profil, Regle

from . import engine

INCONNU = -1
_UNE_FOIS = frozenset({"presence", "debit_minimum"})
# Half a ten-thousandth's neighbourhood where the float rate is not trusted to round like Decimal.
_MARGE_ARRONDI = 1e-6


def centimes(montant: Decimal) -> int:
    """A catalogue amount in integer cents; ValueError when it is not a whole number of cents."""
    valeur = montant * 100
    if valeur != valeur.to_integral_value():
        raise ValueError(f"Montant {montant} : pas un nombre entier de centimes.")
    return int(valeur)


def euros(valeur_centimes: int) -> str:
    """Cents as the text of the two-decimal euro amount (``str`` of the engine's rounded Decimal)."""
    signe = "-" if valeur_centimes < 0 else ""
    valeur_centimes = abs(valeur_centimes)
    return f"{signe}{valeur_centimes // 100}.{valeur_centimes % 100:02d}"


def _division_haute(a: np.ndarray, b: int) -> np.ndarray:
    """ceil(a / b) for non-negative integers, as ``referentiels.rules.quantite_requise`` computes it."""
    return -(-a // b)


def requis_de(regle: Regle, niveau: str, classes: np.ndarray, eleves: np.ndarray) -> np.ndarray:
    """``quantite_requise`` for every row (classes and pupils ``INCONNU`` when unknown)."""
    n = len(classes)
    if regle.niveaux and niveau not in regle.niveaux:
        return np.zeros(n, dtype=np.int64)
    if regle.type == "par_etablissement":
        return np.full(n, regle.quantite, dtype=np.int64)
    if regle.type == "presence":
        return np.ones(n, dtype=np.int64)
    if regle.type == "debit_minimum":
        return np.full(n, regle.mbits, dtype=np.int64)
    if regle.type in ("par_classe", "par_classes"):
        base, par = classes, regle.classes
    else:
        base, par = eleves, regle.eleves
    return np.where(base < 0, INCONNU, _division_haute(np.maximum(base, 0) * regle.quantite, par))


@dataclass(frozen=True)
class Resultats:
    """Every établissement's (rows) result for every item (columns) and its totals."""

    requis: np.ndarray  # (n, k); INCONNU when classes or pupils are unknown
    presents: np.ndarray  # (n, k)
    manques: np.ndarray  # (n, k); INCONNU with the requirement
    unites: np.ndarray  # (n, k)
    couts: np.ndarray  # (n, k) cents
    prix_inconnus: np.ndarray  # (n, k) bool
    taux: np.ndarray  # (n,) ten-thousandths
    au_socle: np.ndarray  # (n,) bool
    manquants: np.ndarray  # (n,)
    indetermines: np.ndarray  # (n,)
    cout_socle: np.ndarray  # (n,) cents
    cout_optionnel: np.ndarray  # (n,) cents
    cout_incomplet: np.ndarray  # (n,) bool


def evaluer_tableaux(
    items: Sequence[engine.ItemSocle],
    niveau: str,
    classes: np.ndarray,
    eleves: np.ndarray,
    presents: np.ndarray,
    prix: np.ndarray,
) -> Resultats:
    """``engine.evaluer`` of every row.

    ``presents``: (n, k) quantities present, columns in the order of ``items`` (``engine.mesures_presentes``);
    ``prix``: (n, k) unit prices in cents, ``INCONNU`` when the catalogue has none (each row may carry its
    collectivité's negotiated prices); a per-pupil price is the item's ``prix.par_eleve``.
    """
    n, k = len(classes), len(items)
    presents = np.maximum(presents, 0)
    requis = np.empty((n, k), dtype=np.int64)
    for j, item in enumerate(items):
        requis[:, j] = requis_de(item.regle, niveau, classes, eleves)
    connus = requis >= 0
    manques = np.where(connus, np.maximum(requis - presents, 0), INCONNU)
    une_fois = np.array([item.regle.type in _UNE_FOIS for item in items], dtype=bool)
    unites = np.where(une_fois, (manques > 0).astype(np.int64), np.maximum(manques, 0))
    a_acquerir = unites > 0
    par_eleve = np.array([item.prix is not None and item.prix.par_eleve for item in items], dtype=bool)
    eleves_colonne = eleves[:, None]
    prix_inconnus = a_acquerir & ((prix < 0) | (par_eleve & (eleves_colonne < 0)))
    quantites = np.where(par_eleve, eleves_colonne, unites)
    couts = np.where(a_acquerir & ~prix_inconnus, prix * quantites, 0)

    obligatoires = np.array([item.obligatoire for item in items], dtype=bool)
    manque_requis = obligatoires & (manques > 0)
    # The rate: mean coverage min(present / required, 1) of the required items with a known, positive requirement.
    mesures = obligatoires & (requis > 0)
    couverture = np.where(mesures, np.minimum(presents, requis) / np.where(mesures, requis, 1), 0.0)
    nombre = mesures.sum(axis=1)
    moyenne = np.where(nombre > 0, couverture.sum(axis=1) / np.maximum(nombre, 1), 1.0)
    echelle = moyenne * 10_000
    taux = np.floor(echelle + 0.5).astype(np.int64)
    douteux = np.flatnonzero(np.abs(echelle - np.floor(echelle) - 0.5) < _MARGE_ARRONDI)
    for i in douteux:
        taux[i] = _taux_exact(items, niveau, classes[i], eleves[i], presents[i])
    return Resultats(
        requis=requis,
        presents=presents,
        manques=manques,
        unites=unites,
        couts=couts,
        prix_inconnus=prix_inconnus,
        taux=taux,
        au_socle=np.asarray(~manque_requis.any(axis=1)),
        manquants=manque_requis.sum(axis=1),
        indetermines=(~connus).sum(axis=1),
        cout_socle=np.where(obligatoires, couts, 0).sum(axis=1),
        cout_optionnel=np.where(obligatoires, 0, couts).sum(axis=1),
        cout_incomplet=np.asarray((obligatoires & prix_inconnus).any(axis=1)),
    )


def _taux_exact(items: Sequence[engine.ItemSocle], niveau: str, classes: int, eleves: int, presents: np.ndarray) -> int:
    """The rate of one row by the pure engine (prices do not matter to the rate)."""
    profil = Profil(
        niveau=niveau, classes=None if classes < 0 else int(classes), eleves=None if eleves < 0 else int(eleves)
    )
    resultat = engine.evaluer(items, profil, {item.code: int(p) for item, p in zip(items, presents, strict=True)})
    return int(resultat.taux_decimal * 10_000)


def fragments_json(items: Sequence[engine.ItemSocle], r: Resultats) -> list[str]:
    """Each row's item results as the JSON array stored on the diagnostic (``calcul.Contexte.fragment`` format)."""
    n = len(r.taux)
    colonnes = []
    for j, item in enumerate(items):
        debut = f"[{json.dumps(item.code)},{int(item.obligatoire)},"
        # Few distinct results per item: each distinct one is formatted once. The manque and units follow from
        # requis and present; the cost and an unknown price from the units and the row's price and pupils.
        cle = np.zeros(n, dtype=np.int64)
        for valeurs in (r.requis[:, j], r.presents[:, j], r.couts[:, j] * 2 + r.prix_inconnus[:, j]):
            distinctes, rangs = np.unique(valeurs, return_inverse=True)
            cle = cle * len(distinctes) + rangs.reshape(n)
        _, premieres, indices = np.unique(cle, return_index=True, return_inverse=True)
        textes = np.array(
            [
                debut + _fragment(requis, present, unites, cout, inconnu)
                for requis, present, unites, cout, inconnu in zip(
                    r.requis[premieres, j].tolist(),
                    r.presents[premieres, j].tolist(),
                    r.unites[premieres, j].tolist(),
                    r.couts[premieres, j].tolist(),
                    r.prix_inconnus[premieres, j].astype(int).tolist(),
                    strict=True,
                )
            ],
            dtype=object,
        )
        colonnes.append(textes[indices.reshape(n)])
    if not colonnes:
        return ["[]"] * n
    return ["[" + ",".join(ligne) + "]" for ligne in np.stack(colonnes, axis=1).tolist()]


def _fragment(requis: int, present: int, unites: int, cout: int, inconnu: int) -> str:
    if requis < 0:
        return f'null,{present},null,{unites},"{euros(cout)}",{inconnu}]'
    return f'{requis},{present},{max(requis - present, 0)},{unites},"{euros(cout)}",{inconnu}]'
