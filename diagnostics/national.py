"""The national recomputation: every diagnostic against the adopted versions, then every territorial aggregate.

A fixed number of queries whatever the number of établissements, and column-wise work:

1. the context (``calcul.charger_contexte``): adopted versions, catalogue, negotiated prices;
2. the établissements with their territory keys, their inventory (connectivity, services), their latest IPS, and
   the inventory lines summed **in SQL** per (établissement, item code), as columns (one row per établissement);
3. per niveau, the engine over arrays (``vectoriel.evaluer_tableaux``: the same results as ``engine.evaluer``);
4. the diagnostics written in bulk (``calcul._ecrire_diagnostics``); the aggregates summed as integer vectors
   (``engine.CHAMPS_SYNTHESE``) per territory, with their breakdowns, decile gaps and histograms, and written.

One établissement after an edit goes through ``calcul.recalculer_etablissement`` (the pure engine, and the difference
of its figures added to its aggregates).
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from operator import itemgetter
from typing import Any

import numpy as np
import pandas as pd
from django.db import connection, transaction
from django.utils import timezone

from core.ramasse_miettes import sans_ramasse_miettes
from territoires.models import Etablissement

from . import engine, vectoriel
from .calcul import (
    CHAMPS_ETAB,
    CHAMPS_INVENTAIRE,
    RANG_ELEVES,
    RANG_TAUX,
    RANG_TERMINAUX,
    TAILLE_LOT,
    VENTILEES,
    Contexte,
    _copie_possible,
    _copier,
    _dernier_ips,
    _ecrire_diagnostics,
    _poser_deciles,
    charger_contexte,
    lignes_de_stock,
    quartiles_ips,
)
from .models import Agregat, Histogramme, Inventaire
from .models import Echelon as E

_JSON = json.JSONEncoder(separators=(",", ":")).encode
N_CHAMPS = len(engine.CHAMPS_SYNTHESE)
_RANG = {nom: rang for rang, nom in enumerate(engine.CHAMPS_SYNTHESE)}


@dataclass
class Etablissements:
    """The établissements as columns (row ``i`` of every list and array is the same établissement)."""

    uai: list[str]
    niveau: list[str]
    secteur: list[str]
    collectivite: list[str | None]  # collectivité compétente (its id, as text: aggregates' codes)
    epci: list[str | None]
    departement: list[str]
    academie: list[str | None]
    region: list[str | None]
    zone: list[str]  # rural / urbain / inconnu (``engine.zone_densite``)
    ips: list[str]  # national IPS quartile of its niveau, « Q1 »…« Q4 », or « inconnu »
    classes: np.ndarray  # vectoriel.INCONNU when unknown
    eleves: np.ndarray
    collectivite_id: np.ndarray  # -1 when none (for negotiated prices)


def _colonnes(lignes: list[tuple[Any, ...]], largeur: int) -> list[list[Any]]:
    """The columns of ``lignes`` (``zip(*lignes)`` is ten times slower on hundreds of thousands of rows)."""
    return [list(map(itemgetter(k), lignes)) for k in range(largeur)]


def _texte(valeur: Any) -> str | None:
    return None if valeur is None else str(valeur)


def lire_etablissements() -> tuple[Etablissements, dict[str, tuple[Decimal, Decimal, Decimal] | None]]:
    """Every établissement as columns, with its equity groups; and the national IPS quartile cut points."""
    lignes = list(Etablissement.objects.values_list(*CHAMPS_ETAB).order_by().iterator(chunk_size=10_000))
    (uai, niveau, secteur, classes, eleves, coll, epci, dep, aca, reg, population, superficie) = _colonnes(
        lignes, len(CHAMPS_ETAB)
    )
    ips = _dernier_ips()
    quartiles = quartiles_ips(ips, dict(zip(uai, niveau, strict=True)))
    zones = {commune: engine.zone_densite(*commune) for commune in set(zip(population, superficie, strict=True))}
    groupes_ips = []
    for u, n in zip(uai, niveau, strict=True):
        q = engine.quartile_de(ips.get(u), quartiles.get(n))
        groupes_ips.append(f"Q{q}" if q else "inconnu")
    inconnu = vectoriel.INCONNU
    etabs = Etablissements(
        uai=uai,
        niveau=niveau,
        secteur=[s or "inconnu" for s in secteur],
        collectivite=list(map(_texte, coll)),
        epci=list(map(_texte, epci)),
        departement=list(map(str, dep)),
        academie=list(map(_texte, aca)),
        region=list(map(_texte, reg)),
        zone=[zones[c] for c in zip(population, superficie, strict=True)],
        ips=groupes_ips,
        classes=np.array([inconnu if c is None else c for c in classes], dtype=np.int64),
        eleves=np.array([inconnu if e is None else e for e in eleves], dtype=np.int64),
        collectivite_id=np.array([-1 if c is None else c for c in coll], dtype=np.int64),
    )
    return etabs, quartiles


@dataclass
class Stocks:
    """Inventory lines summed per établissement (rows) and item code (columns ``codes``)."""

    codes: dict[str, int]
    quantites: np.ndarray  # (n, len(codes))
    date: np.ndarray  # (n,) units whose acquisition year is known
    ancien: np.ndarray  # (n,) of which older than engine.AGE_ANCIEN years

    def colonne(self, code: str) -> np.ndarray:
        j = self.codes.get(code)
        return np.zeros(len(self.date), dtype=np.int64) if j is None else self.quantites[:, j]


def lire_stocks(ctx: Contexte, rang: dict[str, int]) -> Stocks:
    """``calcul.lignes_de_stock`` of every établissement, as arrays (``rang``: uai → row)."""
    if connection.vendor == "postgresql":
        with transaction.atomic(), connection.cursor() as cursor:
            # One row per (établissement, item) out of millions of lines: PostgreSQL's default costs keep the
            # grouping on one core, though two workers sharing the index scan halve it (measured: bench/README.md).
            cursor.execute("SET LOCAL parallel_setup_cost = 0")
            cursor.execute("SET LOCAL parallel_tuple_cost = 0.001")
            lignes = lignes_de_stock(ctx)
    else:
        lignes = lignes_de_stock(ctx)
    n = len(rang)
    if not lignes:
        return Stocks({}, np.zeros((n, 0), dtype=np.int64), np.zeros(n, dtype=np.int64), np.zeros(n, dtype=np.int64))
    uais, codes_lignes, quantites, dates, anciens = _colonnes(lignes, 5)
    colonnes, noms = pd.factorize(np.array(codes_lignes, dtype=object))
    codes = {nom: j for j, nom in enumerate(noms)}
    rangs = np.fromiter(map(rang.__getitem__, uais), np.int64, len(lignes))
    tableau = np.zeros((n, len(codes)), dtype=np.int64)
    tableau[rangs, colonnes] = quantites
    date = np.bincount(rangs, weights=dates, minlength=n).astype(np.int64)
    ancien = np.bincount(rangs, weights=anciens, minlength=n).astype(np.int64)
    return Stocks(codes, tableau, date, ancien)


@dataclass
class Inventaires:
    """Each établissement's inventory row (connectivity, services) as columns; ``present`` False: none."""

    present: np.ndarray
    debit: list[int | None]
    salles: np.ndarray
    internet: np.ndarray
    ent: np.ndarray
    accompagnement: np.ndarray
    maintenance: np.ndarray
    simule: np.ndarray


def lire_inventaires(rang: dict[str, int]) -> Inventaires:
    n = len(rang)
    sql, params = Inventaire.objects.values_list(*CHAMPS_INVENTAIRE).order_by().query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        lignes = cursor.fetchall()
    present = np.zeros(n, dtype=bool)
    debit: list[int | None] = [None] * n
    colonnes = {nom: np.zeros(n, dtype=np.int64) for nom in ("salles", "internet", "ent", "acc", "maint", "simule")}
    if lignes:
        uais, debits, salles, internet, ent, accompagnement, maintenance, simule = _colonnes(
            lignes, len(CHAMPS_INVENTAIRE)
        )
        rangs = np.fromiter(map(rang.__getitem__, uais), np.int64, len(lignes))
        present[rangs] = True
        for r, d in zip(rangs.tolist(), debits, strict=True):
            debit[r] = d
        for nom, valeurs in zip(colonnes, (salles, internet, ent, accompagnement, maintenance, simule), strict=True):
            colonnes[nom][rangs] = np.array(valeurs, dtype=np.int64)
    return Inventaires(
        present,
        debit,
        colonnes["salles"],
        colonnes["internet"],
        colonnes["ent"],
        colonnes["acc"],
        colonnes["maint"],
        colonnes["simule"],
    )


def _prix_en_centimes(ctx: Contexte, niveau: str, items: Sequence[engine.ItemSocle], coll: np.ndarray) -> np.ndarray:
    """(rows, items) unit prices in cents: the catalogue's, replaced by each collectivité's negotiated prices."""
    base = np.array(
        [vectoriel.INCONNU if i.prix is None else vectoriel.centimes(i.prix.montant) for i in items], dtype=np.int64
    )
    prix = np.tile(base, (len(coll), 1))
    rang_item = {item.code: j for j, item in enumerate(items)}
    for collectivite_id, surcharges in ctx.prix_collectivites.items():
        lignes = np.flatnonzero(coll == collectivite_id)
        if not len(lignes):
            continue
        for code, montant in surcharges.items():
            if code in rang_item:
                prix[lignes, rang_item[code]] = vectoriel.centimes(montant)
    return prix


def _presents(
    ctx: Contexte, niveau: str, items: Sequence[engine.ItemSocle], lignes: np.ndarray, st: Stocks, inv: Inventaires
) -> np.ndarray:
    """``engine.mesures_presentes`` of the rows ``lignes``: lines per item, or the connectivity and services."""
    presents = np.stack([st.colonne(item.code)[lignes] for item in items], axis=1).astype(np.int64)
    debit = np.array([inv.debit[r] or 0 for r in lignes.tolist()], dtype=np.int64)
    mesures = {
        "debit_mbits": debit,
        "salles_connectees": inv.salles[lignes],
        "internet": np.maximum(inv.internet[lignes], debit > 0),
        "ent": inv.ent[lignes],
        "accompagnement": inv.accompagnement[lignes],
        "maintenance": inv.maintenance[lignes],
    }
    rang_item = {item.code: j for j, item in enumerate(items)}
    for code, champ in ctx.speciales(niveau):
        j = rang_item[code]
        valeur = mesures[champ]
        # As in the engine: the bandwidth is a measure; a service may also be recorded by an inventory line.
        presents[:, j] = valeur if champ == "debit_mbits" else np.maximum(valeur, np.maximum(presents[:, j], 0))
    return presents


def _bandes(debits: list[int | None]) -> np.ndarray:
    """(n, 5) one-hot bandwidth bands, columns in ``engine.BANDES_DEBIT`` order."""
    d = np.array([0 if x is None else x for x in debits], dtype=np.int64)
    rangs = np.select([d <= 0, d < 2, d < 10, d < 100], [0, 1, 2, 3], 4)
    return np.eye(len(engine.BANDES_DEBIT), dtype=np.int64)[rangs]


@functools.lru_cache(maxsize=65_536)
def _montant(centimes: int) -> Decimal:
    return Decimal(vectoriel.euros(centimes))


@functools.lru_cache(maxsize=10_001)
def _taux(dix_milliemes: int) -> Decimal:
    return Decimal(dix_milliemes).scaleb(-4)


# The facts of a diagnosed établissement, in the order of the ``faits`` columns (the diagnostic row's columns
# ``terminaux`` … ``simule`` with ``debit_mbits`` apart), as fields of its aggregate vector.
FAITS = ("terminaux", "affichages", "salles_connectees", "ent", "stock_date", "stock_ancien", "simules")


def _vecteurs_diagnostiques(
    v: np.ndarray, r: vectoriel.Resultats, faits: np.ndarray, debits: list[int | None]
) -> np.ndarray:
    """The aggregate vectors (``engine.vecteur_valeurs``) of diagnosed établissements."""
    v[:, _RANG["diagnostiques"]] = 1
    v[:, _RANG["au_socle"]] = r.au_socle
    v[:, _RANG["cout_socle"]] = r.cout_socle
    v[:, _RANG["couts_incomplets"]] = r.cout_incomplet
    v[:, _RANG["taux_somme"]] = r.taux
    for colonne, nom in enumerate(FAITS):
        v[:, _RANG[nom]] = faits[:, colonne]
    v[:, _RANG["debit_inconnu"] : _RANG["debit_inconnu"] + len(engine.BANDES_DEBIT)] = _bandes(debits)
    return v


@dataclass
class Evaluation:
    lignes: list[tuple[Any, ...]]  # the diagnostics' rows (``calcul.COLONNES_DIAGNOSTIC``)
    vecteurs: np.ndarray  # (n, N_CHAMPS) every établissement's aggregate vector
    diagnostiques: np.ndarray  # (n,) bool


def evaluer_national(ctx: Contexte, etabs: Etablissements, maintenant: dt.datetime) -> Evaluation:
    """Every établissement's diagnostic row and aggregate vector (``calcul.calculer_un``, column-wise)."""
    n = len(etabs.uai)
    rang = {uai: i for i, uai in enumerate(etabs.uai)}
    st = lire_stocks(ctx, rang)
    inv = lire_inventaires(rang)
    terminaux = sum((st.colonne(code) for code in sorted(engine.TERMINAUX)), np.zeros(n, dtype=np.int64))
    affichages = sum((st.colonne(code) for code in sorted(engine.AFFICHAGES)), np.zeros(n, dtype=np.int64))
    niveaux = np.array(etabs.niveau, dtype=object)

    vecteurs = np.zeros((n, N_CHAMPS), dtype=np.int64)
    vecteurs[:, _RANG["etablissements"]] = 1
    vecteurs[:, _RANG["eleves"]] = np.maximum(etabs.eleves, 0)
    vecteurs[:, _RANG["classes"]] = np.maximum(etabs.classes, 0)
    vecteurs[:, _RANG["debit_inconnu"]] = 1
    diagnostiques = np.zeros(n, dtype=bool)
    lignes: list[tuple[Any, ...]] = []
    catalogue = ctx.catalogue.pk if ctx.catalogue else None
    for niveau, items in ctx.items.items():
        rangs = np.flatnonzero((niveaux == niveau) & inv.present)
        if not len(rangs):
            continue
        r = vectoriel.evaluer_tableaux(
            items,
            niveau,
            etabs.classes[rangs],
            etabs.eleves[rangs],
            _presents(ctx, niveau, items, rangs, st, inv),
            _prix_en_centimes(ctx, niveau, items, etabs.collectivite_id[rangs]),
        )
        debits = [inv.debit[i] for i in rangs.tolist()]
        faits = np.stack([terminaux, affichages, inv.salles, inv.ent, st.date, st.ancien, inv.simule], axis=1)[rangs]
        diagnostiques[rangs] = True
        vecteurs[rangs] = _vecteurs_diagnostiques(vecteurs[rangs], r, faits, debits)
        json_items = vectoriel.fragments_json(items, r)
        version = ctx.versions[niveau].pk
        for i, (rang_etab, fait, debit) in enumerate(zip(rangs.tolist(), faits.tolist(), debits, strict=True)):
            classes, eleves = int(etabs.classes[rang_etab]), int(etabs.eleves[rang_etab])
            lignes.append(
                (
                    etabs.uai[rang_etab],
                    version,
                    catalogue,
                    maintenant,
                    _taux(int(r.taux[i])),
                    bool(r.au_socle[i]),
                    _montant(int(r.cout_socle[i])),
                    _montant(int(r.cout_optionnel[i])),
                    bool(r.cout_incomplet[i]),
                    int(r.manquants[i]),
                    int(r.indetermines[i]),
                    json_items[i],
                    None if eleves < 0 else eleves,
                    None if classes < 0 else classes,
                    *fait[:3],
                    debit,
                    bool(fait[3]),
                    *fait[4:6],
                    bool(fait[6]),
                )
            )
    return Evaluation(lignes, vecteurs, diagnostiques)


# --- Aggregates -----------------------------------------------------------------------------------

# An EPCI or collectivité of this many établissements or more keeps histograms too (``calcul.DECILES_RELUS``).
SEUIL_HISTOGRAMME = 100
Cle = tuple[str, str, str]  # (échelon, code, niveau or "" for all niveaux)
Histogrammes = dict[Cle, tuple[engine.Histogramme, engine.Histogramme]]


def _sommer(cles: list[Any], vecteurs: np.ndarray) -> tuple[list[Any], np.ndarray]:
    """The distinct keys, and the sum of the rows of ``vecteurs`` of each."""
    index: dict[Any, int] = {}
    rangs = np.fromiter((index.setdefault(c, len(index)) for c in cles), np.int64, len(cles))
    sommes = np.zeros((len(index), vecteurs.shape[1]), dtype=np.int64)
    np.add.at(sommes, rangs, vecteurs)
    return list(index), sommes


class _Cumul:
    """Rows of ``matrice`` to add into keyed totals, summed at once by ``totaux``."""

    def __init__(self, matrice: np.ndarray) -> None:
        self.matrice = matrice
        self.cles: list[Any] = []
        self.rangs: list[int] = []

    def ajouter(self, cle: Any, rang: int) -> None:
        self.cles.append(cle)
        self.rangs.append(rang)

    def totaux(self) -> dict[Any, list[int]]:
        cles, sommes = _sommer(self.cles, self.matrice[self.rangs])
        return dict(zip(cles, sommes.tolist(), strict=True))


def _territoires_des_lignes(
    familles: list[tuple[str, list[str | None]]], niveaux: list[str]
) -> tuple[np.ndarray, np.ndarray, list[Cle]]:
    """Each (row, territory) pair of the établissements and the territories of ``familles`` (échelon, each row's
    code or None), for all niveaux ("") and for the row's niveau; and each territory's key, by territory number."""
    noms_niveaux = sorted(set(niveaux))
    rang_niveau = {nom: i for i, nom in enumerate(noms_niveaux)}
    niveau_des_lignes = np.fromiter((rang_niveau[n] for n in niveaux), np.int64, len(niveaux))
    places = 1 + len(noms_niveaux)  # per territory: all niveaux, then each niveau
    etiquettes: list[Cle] = []
    lignes, territoires = [], []
    for echelon, codes in familles:
        index: dict[str, int] = {}
        rangs = np.fromiter((-1 if c is None else index.setdefault(c, len(index)) for c in codes), np.int64, len(codes))
        retenues = np.flatnonzero(rangs >= 0)
        base = len(etiquettes) + rangs[retenues] * places
        lignes += [retenues, retenues]
        territoires += [base, base + 1 + niveau_des_lignes[retenues]]
        for code in index:
            etiquettes += [(echelon, code, ""), *((echelon, code, nom) for nom in noms_niveaux)]
    if not lignes:
        return np.zeros(0, np.int64), np.zeros(0, np.int64), etiquettes
    return np.concatenate(lignes), np.concatenate(territoires), etiquettes


class Repartition:
    """The values of the établissements of every territory, sorted: their decile gaps and histograms."""

    def __init__(self, lignes: np.ndarray, territoires: np.ndarray, etiquettes: list[Cle], valeurs: np.ndarray):
        ordre = np.lexsort((valeurs[lignes], territoires))
        self.territoires, self.valeurs = territoires[ordre], valeurs[lignes][ordre]
        n = len(self.territoires)
        debuts = np.flatnonzero(np.r_[True, self.territoires[1:] != self.territoires[:-1]]) if n else np.arange(0)
        fins = np.r_[debuts[1:], n] if n else debuts
        self.tranches = {
            etiquettes[t]: (a, b) for t, a, b in zip(self.territoires[debuts].tolist(), debuts, fins, strict=True)
        }
        # ``engine.decile_extremes`` of every territory at once: nearest ranks ceil(10 n / 100) and ceil(90 n / 100).
        effectifs = fins - debuts
        premiers = self.valeurs[debuts + np.maximum(1, -(-10 * effectifs // 100)) - 1].tolist()
        neuviemes = self.valeurs[debuts + np.maximum(1, -(-90 * effectifs // 100)) - 1].tolist()
        self.extremes = dict(zip(self.tranches, zip(premiers, neuviemes, strict=True), strict=True))

    def deciles(self, cle: Cle) -> tuple[int, int] | None:
        return self.extremes.get(cle)

    def histogramme(self, cle: Cle) -> engine.Histogramme:
        if cle not in self.tranches:
            return engine.Histogramme([], [])
        a, b = self.tranches[cle]
        valeurs, effectifs = np.unique(self.valeurs[a:b], return_counts=True)
        return engine.Histogramme(valeurs.tolist(), effectifs.tolist())


def calculer_agregats(
    etabs: Etablissements,
    evaluation: Evaluation,
    quartiles: dict[str, tuple[Decimal, Decimal, Decimal] | None],
    maintenant: dt.datetime | None = None,
    histogrammes: Histogrammes | None = None,
) -> dict[Cle, tuple[list[int], dict[str, Any]]]:
    """Sum the vectors per territory and niveau; equity breakdowns and decile gaps.

    Each établissement is added three times only: to its collectivité, its EPCI, and a *cell*
    (département, académie, région, niveau, zone, IPS quartile, secteur); the larger échelons and
    their breakdowns are sums of cells. The decile gaps are read from histograms (the rate in ten-thousandths,
    terminals per 100 pupils in tenths, rounded down); ``histogrammes``, when given, receives those of every
    territory of an échelon with breakdowns and of the EPCI and collectivités of ``SEUIL_HISTOGRAMME``
    établissements or more (``calcul.recalculer_etablissement`` moves them after an edit).
    """
    quand = (maintenant or timezone.now()).isoformat()
    v = evaluation.vecteurs
    groupes = list(zip(etabs.niveau, etabs.zone, etabs.ips, etabs.secteur, strict=True))
    cles_petites, rangs_petites = [], []
    for echelon, codes in ((E.COLLECTIVITE, etabs.collectivite), (E.EPCI, etabs.epci)):
        for i, code in enumerate(codes):
            if code is not None:
                cles_petites.append((echelon, code, *groupes[i]))
                rangs_petites.append(i)
    petites, sommes_petites = _sommer(cles_petites, v[rangs_petites])
    cellules, sommes_cellules = _sommer(
        list(
            zip(
                etabs.departement,
                etabs.academie,
                etabs.region,
                etabs.niveau,
                etabs.zone,
                etabs.ips,
                etabs.secteur,
                strict=True,
            )
        ),
        v,
    )
    niveaux_de: dict[tuple[str, str], set[str]] = defaultdict(set)
    effectifs: dict[tuple[str, str], int] = defaultdict(int)
    groupes_de: dict[tuple[str, str], tuple[set[str], set[str], set[str]]] = {}
    for (echelon, code, niveau, zone, ips, secteur), effectif in zip(
        petites, sommes_petites[:, 0].tolist(), strict=True
    ):
        niveaux_de[(echelon, code)].add(niveau)
        effectifs[(echelon, code)] += effectif
        ensembles = groupes_de.get((echelon, code))
        if ensembles is None:
            ensembles = groupes_de[(echelon, code)] = (set(), set(), set())
        ensembles[0].add(zone)
        ensembles[1].add(ips)
        ensembles[2].add(secteur)
    # Totals and breakdowns: (territory, niveau) and (territory, niveau, dimension, group) keys of rows to add.
    totaux, groupes_petites = _Cumul(sommes_petites), _Cumul(sommes_petites)
    for i, (echelon, code, niveau, zone, ips, secteur) in enumerate(petites):
        # A collectivité or EPCI of one niveau only (a commune's écoles): its row « all niveaux » is that
        # niveau's; no duplicate row (``selectors.agregat`` reads it for the niveau).
        niveaux = ("", niveau) if len(niveaux_de[(echelon, code)]) > 1 else ("",)
        for niv in niveaux:
            totaux.ajouter((echelon, code, niv), i)
        # A territory of one établissement has no breakdown: each group would be the whole.
        if effectifs[(echelon, code)] < 2:
            continue
        # Only the dimensions of two groups or more (one group is the territory's total).
        for dimension, valeur, ensemble in zip(
            ("zone", "ips", "secteur"), (zone, ips, secteur), groupes_de[(echelon, code)], strict=True
        ):
            if len(ensemble) > 1:
                for niv in niveaux:
                    groupes_petites.ajouter((echelon, code, niv, dimension, valeur), i)
    totaux_cellules, groupes_cellules = _Cumul(sommes_cellules), _Cumul(sommes_cellules)
    for j, (dep, aca, reg, niveau, zone, ips, secteur) in enumerate(cellules):
        territoires = [(E.NATION, "FR"), (E.DEPARTEMENT, dep)]
        if aca is not None:
            territoires.append((E.ACADEMIE, aca))
        if reg is not None:
            territoires.append((E.REGION, reg))
        for echelon, code in territoires:
            for niv in ("", niveau):
                totaux_cellules.ajouter((echelon, code, niv), j)
                for dimension, valeur in (("zone", zone), ("ips", ips), ("secteur", secteur)):
                    groupes_cellules.ajouter((echelon, code, niv, dimension, valeur), j)
    sommes: dict[Cle, list[int]] = {**totaux.totaux(), **totaux_cellules.totaux()}
    ventilations: dict[Cle, dict[str, dict[str, list[int]]]] = defaultdict(lambda: defaultdict(dict))
    for (echelon, code, niv, dimension, valeur), somme in {
        **groupes_petites.totaux(),
        **groupes_cellules.totaux(),
    }.items():
        ventilations[(echelon, code, niv)][dimension][valeur] = somme
    for cle, vent in ventilations.items():
        # A small territory's dimension of one group only (in one niveau) is its total: not stored (JSON size).
        if cle[0] not in VENTILEES:
            for dimension in [d for d, valeurs in vent.items() if len(valeurs) < 2]:
                del vent[dimension]

    familles = [
        (E.NATION, ["FR"] * len(etabs.uai)),
        (E.REGION, etabs.region),
        (E.ACADEMIE, etabs.academie),
        (E.DEPARTEMENT, etabs.departement),
        (E.EPCI, etabs.epci),
        (E.COLLECTIVITE, etabs.collectivite),
    ]
    lignes, territoires, etiquettes = _territoires_des_lignes(familles, etabs.niveau)
    diagnostiques = evaluation.diagnostiques[lignes]
    eleves = v[:, RANG_ELEVES]
    avec_eleves = diagnostiques & (eleves[lignes] > 0)
    repartitions = (
        Repartition(lignes[diagnostiques], territoires[diagnostiques], etiquettes, v[:, RANG_TAUX]),
        Repartition(
            lignes[avec_eleves],
            territoires[avec_eleves],
            etiquettes,
            v[:, RANG_TERMINAUX] * 1000 // np.maximum(eleves, 1),
        ),
    )
    resultat = {}
    for cle, vecteur in sommes.items():
        # Breakdowns keep the integer vectors (fields in ``engine.CHAMPS_SYNTHESE`` order): compact JSON.
        vent: dict[str, Any] = {dimension: dict(valeurs) for dimension, valeurs in ventilations.get(cle, {}).items()}
        vent["deciles_le"] = quand
        _poser_deciles(vent, *(r.deciles(cle) for r in repartitions))
        if histogrammes is not None and (
            cle[0] in VENTILEES or effectifs.get((cle[0], cle[1]), 0) >= SEUIL_HISTOGRAMME
        ):
            histogrammes[cle] = (repartitions[0].histogramme(cle), repartitions[1].histogramme(cle))
        if cle[0] not in VENTILEES and not cle[2]:
            vent["niveaux"] = sorted(niveaux_de[(cle[0], cle[1])])
        resultat[cle] = (vecteur, vent)
    nation = resultat.get((E.NATION, "FR", ""))
    if nation is not None:
        # The national IPS cut points, so that one établissement's edit finds its quartile again.
        nation[1]["quartiles_ips"] = {n: [str(c) for c in q] for n, q in quartiles.items() if q is not None}
    return resultat


def _ecrire_histogrammes(histogrammes: Histogrammes) -> None:
    table = connection.ops.quote_name(Histogramme._meta.db_table)
    sql = f"INSERT INTO {table} (echelon, code, niveau, taux, terminaux) VALUES (%s, %s, %s, %s, %s)"  # noqa: S608
    lignes = [
        (echelon, code, niveau, _JSON(list(h_taux)), _JSON(list(h_terminaux)))
        for (echelon, code, niveau), (h_taux, h_terminaux) in histogrammes.items()
    ]
    Histogramme.objects.all().delete()
    with connection.cursor() as cursor:
        if _copie_possible(lignes):
            _copier(cursor, table, ("echelon", "code", "niveau", "taux", "terminaux"), lignes)
        else:
            cursor.executemany(sql, lignes)


def _ecrire_agregats(agregats: dict, maintenant: dt.datetime) -> None:
    """Replace every aggregate (raw inserts: the JSON is encoded once, compactly)."""
    table = connection.ops.quote_name(Agregat._meta.db_table)
    colonnes = ("echelon", "code", "niveau", "synthese", "ventilations", "calcule_le")
    sql = f"INSERT INTO {table} ({', '.join(colonnes)}) VALUES ({', '.join(['%s'] * len(colonnes))})"  # noqa: S608
    quand = connection.ops.adapt_datetimefield_value(maintenant)
    # The sums as the compact JSON object of ``CHAMPS_SYNTHESE`` (integers): one format string, no dict built.
    gabarit = "{" + ",".join(f'"{nom}":%d' for nom in engine.CHAMPS_SYNTHESE) + "}"
    dumps = json.JSONEncoder(separators=(",", ":")).encode
    lignes = [
        (echelon, code, niveau, gabarit % tuple(vecteur), dumps(vent), quand)
        for (echelon, code, niveau), (vecteur, vent) in agregats.items()
    ]
    Agregat.objects.all().delete()
    with connection.cursor() as cursor:
        if _copie_possible(lignes):
            _copier(cursor, table, colonnes, lignes)
            return
        for debut in range(0, len(lignes), TAILLE_LOT):
            cursor.executemany(sql, lignes[debut : debut + TAILLE_LOT])


@dataclass
class Bilan:
    etablissements: int
    diagnostics: int
    agregats: int
    secondes: float


def recalculer_tout(*, ecrire: bool = True) -> Bilan:
    """Recompute every diagnostic against the adopted versions, then every aggregate."""
    debut = time.perf_counter()
    with sans_ramasse_miettes():
        ctx = charger_contexte()
        maintenant = timezone.now()
        etabs, quartiles = lire_etablissements()
        evaluation = evaluer_national(ctx, etabs, maintenant)
        histogrammes: Histogrammes = {}
        agregats = calculer_agregats(etabs, evaluation, quartiles, maintenant, histogrammes)
        if ecrire:
            with transaction.atomic():
                _ecrire_diagnostics(evaluation.lignes)
                _ecrire_agregats(agregats, maintenant)
                _ecrire_histogrammes(histogrammes)
    return Bilan(len(etabs.uai), len(evaluation.lignes), len(agregats), time.perf_counter() - debut)
