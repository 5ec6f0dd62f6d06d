"""The conformity engine: an établissement's equipment against one référentiel version. Pure, no ORM.

Inputs are plain data: the établissement's ``Profil`` (niveau, classes, pupils), the items of one
référentiel version (``ItemSocle``: code, quantity rule, required or optional, unit price from the
price catalogue) and the quantities present (item code → number; for a ``debit_minimum`` rule the
bandwidth in Mbit/s; for a ``presence`` rule 1 or 0). ``mesures_presentes`` turns an inventory
(lines summed per item, connectivity, services) into those quantities.

For every item the engine gives the quantity required, present, the gap, the units to acquire and
the cost of that gap; for the établissement a conformity rate and the cost to reach the socle.

Money: prices are ``Decimal`` euros. **The one rounding place** is ``arrondir_euros``, applied to
each item's cost (price × units, or price × pupils for a per-pupil service), to the cent, with
``ROUND_HALF_UP``. Every total (établissement, collectivité, nation) is a plain sum of those
rounded item costs and is never rounded again, so a total always equals the sum of its parts.

Conformity rate: the mean, over the *required* items whose requirement is known and positive, of
the coverage ``min(present / required, 1)``; it is 1 when nothing is required. Optional items are
reported (gap and cost) but count neither in the rate nor in the cost to reach the socle. An
établissement is *au socle* when every required item with a known requirement is fully covered.
"""

from __future__ import annotations

from bisect import bisect_left
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from itertools import accumulate
from typing import NamedTuple, TypeVar

from referentiels.rules import Profil, Regle, quantite_requise

CENTIME = Decimal("0.01")
ZERO = Decimal("0.00")
# Equipment older than this many years counts in the « stock de plus de 5 ans » (ETIC indicator).
AGE_ANCIEN = 5
PRECISION_TAUX = Decimal("0.0001")

# Where the quantity present of an item comes from when it is not counted from inventory lines.
# Keys are item codes of the référentiels (referentiels/presets.py); values are fields of ``Mesures``.
# A ``debit_minimum`` rule always reads the bandwidth.
MESURES_PAR_CODE: dict[str, str] = {
    "connexion-classe": "salles_connectees",
    "wifi-salles": "salles_connectees",
    "direction-connexion": "internet",
    "ent": "ent",
    "prise-en-main": "accompagnement",
    "accompagnement": "accompagnement",
    "maintenance": "maintenance",
}
# ETIC-style categories of inventory items: terminals and collective displays.
TERMINAUX: frozenset[str] = frozenset(
    {"poste-enseignant", "classe-mobile-terminaux", "direction-ordinateur", "terminaux-mobiles", "direction-poste"}
)
AFFICHAGES: frozenset[str] = frozenset({"videoprojecteur", "affichage-collectif"})


def arrondir_euros(montant: Decimal) -> Decimal:
    """The single rounding of Socle's diagnostic costs: to the cent, half up."""
    return montant.quantize(CENTIME, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Prix:
    """A unit price from the catalogue. ``par_eleve``: the price is per pupil (a service such as an ENT)."""

    montant: Decimal
    par_eleve: bool = False
    non_confirme: bool = False


@dataclass(frozen=True)
class ItemSocle:
    code: str
    regle: Regle
    obligatoire: bool = True
    prix: Prix | None = None
    libelle: str = ""


@dataclass(frozen=True)
class Mesures:
    """What is known of an établissement besides its equipment lines."""

    debit_mbits: int = 0
    salles_connectees: int = 0
    internet: bool = False
    ent: bool = False
    accompagnement: bool = False
    maintenance: bool = False


def mesures_speciales(items: Iterable[ItemSocle]) -> tuple[tuple[str, str], ...]:
    """The items whose presence is read from ``Mesures`` (code, field), computed once per version."""
    speciales = []
    for item in items:
        if item.regle.type == "debit_minimum":
            speciales.append((item.code, "debit_mbits"))
        elif item.code in MESURES_PAR_CODE:
            speciales.append((item.code, MESURES_PAR_CODE[item.code]))
    return tuple(speciales)


def mesures_presentes(
    items: Iterable[ItemSocle],
    lignes: Mapping[str, int],
    mesures: Mesures,
    speciales: tuple[tuple[str, str], ...] | None = None,
) -> dict[str, int]:
    """The quantity present per item code: inventory lines summed per code, or the connectivity/services."""
    if speciales is None:
        speciales = mesures_speciales(items)
    presents = {code: max(0, n) for code, n in lignes.items()}
    for code, champ in speciales:
        valeur = int(getattr(mesures, champ))
        # The bandwidth is a measure; otherwise an inventory line may also record the item (a service contract).
        presents[code] = valeur if champ == "debit_mbits" else max(valeur, presents.get(code, 0))
    return presents


class ResultatItem(NamedTuple):
    code: str
    obligatoire: bool
    requis: int | None  # None: the établissement's classes or pupils are unknown
    present: int
    manque: int | None
    unites: int  # units to acquire (1 for a presence or bandwidth requirement not met)
    cout: Decimal  # cost of the gap, rounded (0 when met or when the price is unknown)
    prix_inconnu: bool  # a gap exists but the catalogue has no price for it

    @property
    def satisfait(self) -> bool | None:
        return None if self.manque is None else self.manque == 0

    @property
    def couverture(self) -> Fraction | None:
        """min(present / requis, 1); None when requis is unknown or 0."""
        if not self.requis:
            return None
        return Fraction(min(self.present, self.requis), self.requis)


_UNE_FOIS = frozenset({"presence", "debit_minimum"})


def evaluer_item(item: ItemSocle, profil: Profil, present: int) -> ResultatItem:
    if present < 0:
        present = 0
    requis = quantite_requise(item.regle, profil)
    if requis is None:
        return ResultatItem(item.code, item.obligatoire, None, present, None, 0, ZERO, False)
    manque = requis - present if requis > present else 0
    # A presence or a bandwidth is acquired once, whatever the gap.
    unites = (1 if manque else 0) if item.regle.type in _UNE_FOIS else manque
    cout = ZERO
    prix_inconnu = False
    if unites:
        prix = item.prix
        if prix is None:
            prix_inconnu = True
        elif prix.par_eleve:
            # A per-pupil service is priced for the whole school when it is missing.
            if profil.eleves is None:
                prix_inconnu = True
            else:
                cout = arrondir_euros(prix.montant * profil.eleves)
        else:
            cout = arrondir_euros(prix.montant * unites)
    return ResultatItem(item.code, item.obligatoire, requis, present, manque, unites, cout, prix_inconnu)


@dataclass(frozen=True, slots=True)
class Resultat:
    """The items' results and the établissement's totals, computed once by ``evaluer``."""

    items: tuple[ResultatItem, ...]
    taux_decimal: Decimal  # the rate, 4 places, half up (display, storage, aggregates)
    au_socle: bool
    manquants: int
    indetermines: int
    cout_socle: Decimal  # cost to reach the socle: the sum of the required items' rounded costs
    cout_optionnel: Decimal
    cout_incomplet: bool  # some required gap has no price: the cost is a lower bound

    @property
    def requis(self) -> tuple[ResultatItem, ...]:
        return tuple(r for r in self.items if r.obligatoire)

    @property
    def taux(self) -> Fraction:
        """The exact rate (``taux_decimal`` is computed with Decimal arithmetic, 28 digits, then rounded)."""
        couvertures = [c for r in self.requis if (c := r.couverture) is not None]
        if not couvertures:
            return Fraction(1)
        return sum(couvertures, Fraction(0)) / len(couvertures)


def _couverture(r: ResultatItem) -> Decimal | None:
    if not r.requis:
        return None
    return UN if r.present >= r.requis else Decimal(r.present) / Decimal(r.requis)


UN = Decimal(1)
Memo = dict[tuple[int, str, int | None, int | None, int], tuple[ResultatItem, Decimal | None]]


def evaluer(
    items: Iterable[ItemSocle],
    profil: Profil,
    presents: Mapping[str, int],
    memo: Memo | None = None,
) -> Resultat:
    """Evaluate every item of a version for one établissement.

    ``memo``: a dict kept by the caller across établissements (with the same ``items`` objects alive) so that
    an item already evaluated for the same niveau, classes, pupils and quantity present is not evaluated again.
    """
    niveau, classes, eleves = profil.niveau, profil.classes, profil.eleves
    resultats: list[ResultatItem] = []
    somme = Decimal(0)
    n = 0
    au_socle = True
    manquants = indetermines = 0
    cout_socle = cout_optionnel = ZERO
    incomplet = False
    # One pass: each item's result (memoised) is summed as soon as it is known.
    for item in items:
        present = presents.get(item.code, 0)
        if memo is None:
            r = evaluer_item(item, profil, present)
            couverture = _couverture(r)
        else:
            cle = (id(item), niveau, classes, eleves, present)
            paire = memo.get(cle)
            if paire is None:
                r = evaluer_item(item, profil, present)
                paire = memo[cle] = (r, _couverture(r))
            r, couverture = paire
        resultats.append(r)
        if r.requis is None:
            indetermines += 1
        if not r.obligatoire:
            cout_optionnel += r.cout
            continue
        cout_socle += r.cout
        if r.prix_inconnu:
            incomplet = True
        if r.manque:
            au_socle = False
            manquants += 1
        if couverture is not None:
            n += 1
            somme += couverture
    taux = (somme / n if n else UN).quantize(PRECISION_TAUX, rounding=ROUND_HALF_UP)
    return Resultat(tuple(resultats), taux, au_socle, manquants, indetermines, cout_socle, cout_optionnel, incomplet)


# --- Aggregates ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Synthese:
    """Additive figures of one or many établissements: every field of a sum is the sum of the fields.

    Ratios (share at socle level, terminals per 100 pupils…) are computed from these sums only, so
    an aggregate is exactly the sum of its parts.
    """

    etablissements: int = 0
    diagnostiques: int = 0
    au_socle: int = 0
    cout_socle: Decimal = ZERO
    couts_incomplets: int = 0
    taux_somme: Decimal = Decimal(0)
    eleves: int = 0
    classes: int = 0
    terminaux: int = 0
    affichages: int = 0
    salles_connectees: int = 0
    debit_inconnu: int = 0
    debit_moins_2: int = 0
    debit_2_10: int = 0
    debit_10_100: int = 0
    debit_100_plus: int = 0
    ent: int = 0
    stock_date: int = 0
    stock_ancien: int = 0
    simules: int = 0

    def __add__(self, other: Synthese) -> Synthese:
        return Synthese(**{f.name: getattr(self, f.name) + getattr(other, f.name) for f in fields(Synthese)})

    # Ratios: None when the denominator is zero (shown « — »).
    @property
    def part_au_socle(self) -> Decimal | None:
        return _ratio(self.au_socle, self.diagnostiques)

    @property
    def taux_moyen(self) -> Decimal | None:
        return None if not self.diagnostiques else (self.taux_somme / self.diagnostiques).quantize(PRECISION_TAUX)

    @property
    def terminaux_pour_100_eleves(self) -> Decimal | None:
        return _ratio(self.terminaux * 100, self.eleves, places=Decimal("0.1"))

    @property
    def affichages_par_classe(self) -> Decimal | None:
        return _ratio(self.affichages, self.classes, places=Decimal("0.01"))

    @property
    def part_salles_connectees(self) -> Decimal | None:
        return _ratio(min(self.salles_connectees, self.classes), self.classes)

    @property
    def part_stock_ancien(self) -> Decimal | None:
        return _ratio(self.stock_ancien, self.stock_date)

    @property
    def part_ent(self) -> Decimal | None:
        return _ratio(self.ent, self.diagnostiques)


def _ratio(num: int, den: int, *, places: Decimal = PRECISION_TAUX) -> Decimal | None:
    if not den:
        return None
    return (Decimal(num) / Decimal(den)).quantize(places, rounding=ROUND_HALF_UP)


# Rural / urban: a proxy from the commune's density (population / area), NOT INSEE's grille communale
# de densité. The threshold follows the OECD's 150 inhabitants per km² for « predominantly rural ».
SEUIL_DENSITE_URBAIN = Decimal(150)


def zone_densite(population: int | None, superficie_km2: Decimal | None) -> str:
    """``rural``, ``urbain`` or ``inconnu`` from the commune's density (documented proxy)."""
    if not population or not superficie_km2 or superficie_km2 <= 0:
        return "inconnu"
    return "urbain" if Decimal(population) / superficie_km2 >= SEUIL_DENSITE_URBAIN else "rural"


def bande_debit(mbits: int | None) -> str:
    """ETIC/RERS-style bandwidth band of an établissement."""
    if mbits is None or mbits <= 0:
        return "debit_inconnu"
    if mbits < 2:
        return "debit_moins_2"
    if mbits < 10:
        return "debit_2_10"
    if mbits < 100:
        return "debit_10_100"
    return "debit_100_plus"


BANDES_DEBIT: dict[str, str] = {
    "debit_inconnu": "Débit inconnu ou nul",
    "debit_moins_2": "Moins de 2 Mbit/s",
    "debit_2_10": "2 à 10 Mbit/s",
    "debit_10_100": "10 à 100 Mbit/s",
    "debit_100_plus": "100 Mbit/s ou plus",
}


@dataclass(frozen=True)
class Etat:
    """The stock of an établissement besides its items: for the ETIC indicators."""

    eleves: int | None = None
    classes: int | None = None
    terminaux: int = 0
    affichages: int = 0
    salles_connectees: int = 0
    debit_mbits: int | None = None
    ent: bool = False
    stock_date: int = 0  # units whose acquisition year is known
    stock_ancien: int = 0  # of which older than AGE_ANCIEN years
    simule: bool = False
    comptes: dict[str, int] = field(default_factory=dict)


def synthese_de(resultat: Resultat | None, etat: Etat) -> Synthese:
    """The additive figures of one établissement (``resultat`` None: not diagnosed)."""
    valeurs: dict[str, object] = {
        "etablissements": 1,
        "eleves": etat.eleves or 0,
        "classes": etat.classes or 0,
        "terminaux": etat.terminaux,
        "affichages": etat.affichages,
        "salles_connectees": etat.salles_connectees,
        "ent": int(etat.ent),
        "stock_date": etat.stock_date,
        "stock_ancien": etat.stock_ancien,
        "simules": int(etat.simule),
        bande_debit(etat.debit_mbits): 1,
    }
    if resultat is not None:
        valeurs.update(
            diagnostiques=1,
            au_socle=int(resultat.au_socle),
            cout_socle=resultat.cout_socle,
            couts_incomplets=int(resultat.cout_incomplet),
            taux_somme=resultat.taux_decimal,
        )
    return Synthese(**valeurs)  # type: ignore[arg-type]


def agreger(parties: Iterable[Synthese]) -> Synthese:
    """The sum of établissements' (or territories') figures."""
    total = Synthese()
    for partie in parties:
        total = total + partie
    return total


def quartiles(valeurs: Iterable[Decimal]) -> tuple[Decimal, Decimal, Decimal] | None:
    """The three cut points (Q1, median, Q3) of ``valeurs`` by the nearest-rank method; None if empty."""
    tri = sorted(valeurs)
    if not tri:
        return None
    n = len(tri)

    def rang(p: int) -> Decimal:
        # nearest rank: ceil(p/100 * n), 1-based
        return tri[max(1, -(-p * n // 100)) - 1]

    return rang(25), rang(50), rang(75)


def quartile_de(valeur: Decimal | None, coupures: tuple[Decimal, Decimal, Decimal] | None) -> int | None:
    """1 to 4: the IPS quartile of a value given the cut points; None when unknown."""
    if valeur is None or coupures is None:
        return None
    for i, coupure in enumerate(coupures, start=1):
        if valeur <= coupure:
            return i
    return 4


Ordonnable = TypeVar("Ordonnable", Decimal, int)


def decile_extremes(valeurs: Iterable[Ordonnable]) -> tuple[Ordonnable, Ordonnable] | None:
    """The first and ninth deciles (nearest rank) of a distribution: « gap between best and worst deciles »."""
    tri = sorted(valeurs)
    if not tri:
        return None
    n = len(tri)
    return tri[max(1, -(-10 * n // 100)) - 1], tri[max(1, -(-90 * n // 100)) - 1]


# --- Histograms: the deciles of a large territory, kept up to date one établissement at a time ------
# A histogram of integer values (the rate in ten-thousandths, terminals per 100 pupils in tenths) is two
# parallel lists: the distinct values, ascending, and how many établissements have each. An edit moves one
# count; the deciles are read in O(distinct values), identical to ``decile_extremes`` of the values.


class Histogramme(NamedTuple):
    valeurs: list[int]
    effectifs: list[int]


def histogramme(valeurs: Iterable[int]) -> Histogramme:
    """The histogram of ``valeurs``."""
    comptes = Counter(valeurs)
    cles = sorted(comptes)
    return Histogramme(cles, [comptes[c] for c in cles])


def histogramme_deplacer(h: Histogramme, ancienne: int | None, nouvelle: int | None) -> bool:
    """One établissement's value changes from ``ancienne`` to ``nouvelle`` (None: not counted), in place.

    False, and nothing changed, when ``ancienne`` is not in the histogram (it does not describe those values)."""
    if ancienne == nouvelle:
        return True
    if ancienne is not None:
        i = bisect_left(h.valeurs, ancienne)
        if i == len(h.valeurs) or h.valeurs[i] != ancienne:
            return False
        h.effectifs[i] -= 1
        if not h.effectifs[i]:
            del h.valeurs[i], h.effectifs[i]
    if nouvelle is not None:
        i = bisect_left(h.valeurs, nouvelle)
        if i < len(h.valeurs) and h.valeurs[i] == nouvelle:
            h.effectifs[i] += 1
        else:
            h.valeurs.insert(i, nouvelle)
            h.effectifs.insert(i, 1)
    return True


def decile_extremes_histogramme(h: Histogramme) -> tuple[int, int] | None:
    """``decile_extremes`` of the values the histogram counts (nearest rank), without expanding them."""
    cumuls = list(accumulate(h.effectifs))
    if not cumuls or not cumuls[-1]:
        return None
    n = cumuls[-1]
    premier = max(1, -(-10 * n // 100))
    neuvieme = max(1, -(-90 * n // 100))
    return h.valeurs[bisect_left(cumuls, premier)], h.valeurs[bisect_left(cumuls, neuvieme)]


# --- Integer vectors: the same sums, fast, for national recomputation ------------------------------
# Every field of ``Synthese`` as an integer: costs in cents, the summed rate in ten-thousandths.
# Summing vectors then converting equals summing ``Synthese`` objects (property-tested).

CHAMPS_SYNTHESE: tuple[str, ...] = tuple(f.name for f in fields(Synthese))
_ECHELLES: dict[str, Decimal] = {"cout_socle": Decimal(100), "taux_somme": Decimal(10_000)}


def vecteur_de(synthese: Synthese) -> list[int]:
    vecteur = []
    for nom in CHAMPS_SYNTHESE:
        valeur = getattr(synthese, nom)
        echelle = _ECHELLES.get(nom)
        vecteur.append(int(valeur * echelle) if echelle is not None else int(valeur))
    return vecteur


def synthese_de_vecteur(vecteur: Iterable[int]) -> Synthese:
    valeurs: dict[str, object] = {}
    for nom, valeur in zip(CHAMPS_SYNTHESE, vecteur, strict=True):
        if nom == "cout_socle":
            valeurs[nom] = (Decimal(valeur) / 100).quantize(CENTIME)
        elif nom == "taux_somme":
            valeurs[nom] = (Decimal(valeur) / 10_000).quantize(PRECISION_TAUX)
        else:
            valeurs[nom] = valeur
    return Synthese(**valeurs)  # type: ignore[arg-type]


def ajouter(cible: list[int], vecteur: list[int]) -> None:
    """Add ``vecteur`` into ``cible`` in place."""
    for i, valeur in enumerate(vecteur):
        cible[i] += valeur


_RANG_BANDE = {nom: CHAMPS_SYNTHESE.index(nom) for nom in BANDES_DEBIT}


def vecteur_etablissement(resultat: Resultat | None, etat: Etat) -> list[int]:
    """``vecteur_de(synthese_de(resultat, etat))`` without building the objects (national hot path)."""
    return vecteur_valeurs(
        resultat,
        etat.eleves,
        etat.classes,
        etat.terminaux,
        etat.affichages,
        etat.salles_connectees,
        etat.debit_mbits,
        etat.ent,
        etat.stock_date,
        etat.stock_ancien,
        etat.simule,
    )


def vecteur_valeurs(
    resultat: Resultat | None,
    eleves: int | None,
    classes: int | None,
    terminaux: int,
    affichages: int,
    salles_connectees: int,
    debit_mbits: int | None,
    ent: bool,
    stock_date: int,
    stock_ancien: int,
    simule: bool,
) -> list[int]:
    """``vecteur_etablissement`` from the fields of ``Etat`` given one by one (no object built)."""
    v = [
        1,
        0,
        0,
        0,
        0,
        0,
        eleves or 0,
        classes or 0,
        terminaux,
        affichages,
        salles_connectees,
        0,
        0,
        0,
        0,
        0,
        int(ent),
        stock_date,
        stock_ancien,
        int(simule),
    ]
    v[_RANG_BANDE[bande_debit(debit_mbits)]] = 1
    if resultat is not None:
        v[1] = 1
        v[2] = int(resultat.au_socle)
        v[3] = int(resultat.cout_socle * 100)
        v[4] = int(resultat.cout_incomplet)
        v[5] = int(resultat.taux_decimal * 10_000)
    return v
