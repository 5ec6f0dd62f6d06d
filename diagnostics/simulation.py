"""Seeded simulator of inventories following the ETIC 2018-2019 figures (domain.md §7). Demo data only.

Everything it writes is flagged ``simule`` (inventories and lines) and shown « simulé » in the UI.
The same seed and the same établissement always give the same inventory (the random generator of
each établissement is seeded with ``f"{seed}-{uai}"``). A real inventory (``simule`` false) is
never overwritten.

Distributions (public sector, ETIC 2018-2019, INSEE Références 2019, unless noted):

- écoles: 11.9 computers per 100 pupils; 12.3 projectors and 13.0 TNI per 1,000 pupils (so about
  25 collective displays per 1,000 pupils); 2.7 mobile classes per 1,000 pupils; bandwidth
  512 kb/s–2 Mb/s in 51.8 % of schools, ≥ 2 Mb/s in 36.4 % (the rest: less, or none); Internet in at
  least half of the classrooms in 75.5 %; filtering 73.4 %; charter 63.2 %;
- collèges: 33.8 computers per 100 pupils; 31 projectors and 11 TNI per 1,000 pupils (ETIC 2014);
  Internet in more than half of the classrooms in 92 % (2014); ENT in about two-thirds (2014);
- lycées: 43.9 computers per 100 pupils (LEGT); the collège figures otherwise;
- age of the stock: 42 % of units over 5 years old (collèges, ETIC 2014), used for every niveau;
- ENT in écoles: no ETIC figure; 50 % is an UNCONFIRMED placeholder.

Bandwidth values inside a band are drawn from a fixed list (integers in Mbit/s; « 512 kb/s–2 Mb/s »
is written 1 Mbit/s). Classes unknown: estimated as pupils / 25 (at least 1).
"""

from __future__ import annotations

import random
from dataclasses import dataclass

ETIC = {
    "ecole": {
        "ordinateurs_100": 11.9,
        "affichages_1000": 12.3 + 13.0,
        "classes_mobiles_1000": 2.7,
        "internet_moitie": 0.755,
        "filtrage": 0.734,
        "charte": 0.632,
        "ent": 0.50,
    },
    "college": {
        "ordinateurs_100": 33.8,
        "affichages_1000": 31 + 11,
        "classes_mobiles_1000": 3.0,
        "internet_moitie": 0.92,
        "filtrage": 0.95,
        "charte": 0.90,
        "ent": 0.67,
    },
    "lycee": {
        "ordinateurs_100": 43.9,
        "affichages_1000": 31 + 11,
        "classes_mobiles_1000": 3.0,
        "internet_moitie": 0.92,
        "filtrage": 0.95,
        "charte": 0.90,
        "ent": 0.67,
    },
}
PART_ANCIENNE = 0.42
PART_HORS_SERVICE = 0.05
PART_USAGE = 0.20
CODES = {
    "ecole": {
        "affichage": "videoprojecteur",
        "poste": "poste-enseignant",
        "chariot": "classe-mobile",
        "mobiles": "classe-mobile-terminaux",
        "direction": "direction-ordinateur",
        "imprimante": "direction-imprimante",
    },
    "college": {
        "affichage": "affichage-collectif",
        "poste": "poste-enseignant",
        "chariot": "classes-mobiles",
        "mobiles": "terminaux-mobiles",
        "direction": "direction-poste",
        "imprimante": "imprimante-reseau",
    },
}
CODES["lycee"] = CODES["college"]
DESIGNATIONS = {
    "affichage": ("Vidéoprojecteur", "TNI", "VPI", "ENI 75 pouces"),
    "poste": ("Ordinateur portable enseignant",),
    "chariot": ("Chariot de recharge",),
    "mobiles": ("Tablette", "Ordinateur portable élève"),
    "direction": ("Ordinateur de direction",),
    "imprimante": ("Copieur multifonction en réseau",),
    "micro": ("Micro",),
    "haut-parleurs": ("Enceintes",),
    "capture-images": ("Appareil photo numérique", "Webcam orientable"),
}


@dataclass(frozen=True)
class LigneSimulee:
    item_code: str
    designation: str
    quantite: int
    emplacement: str
    emplacement_detail: str
    annee_acquisition: int
    etat: str


@dataclass(frozen=True)
class InventaireSimule:
    debit_mbits: int
    salles_connectees: int
    couverture_wifi: str
    internet_direction: bool
    ent: bool
    filtrage: bool
    charte: bool
    accompagnement: bool
    maintenance: bool
    lignes: tuple[LigneSimulee, ...]


def _annee(rng: random.Random, annee: int) -> int:
    if rng.random() < PART_ANCIENNE:
        return annee - rng.randint(6, 12)
    return annee - rng.randint(0, 5)


def _etat(rng: random.Random) -> str:
    tirage = rng.random()
    if tirage < PART_HORS_SERVICE:
        return "hors_service"
    return "usage" if tirage < PART_HORS_SERVICE + PART_USAGE else "bon"


def _debit(rng: random.Random, niveau: str) -> int:
    tirage = rng.random()
    if niveau == "ecole":
        if tirage < 0.118:
            return rng.choice((0, 1))
        if tirage < 0.118 + 0.518:
            return 1
        return rng.choice((2, 4, 8, 20, 30, 100))
    # RERS bands for EPLE: 2–10 and > 10 Mbit/s; the 100 Mbit/s target of collectivités.
    return rng.choice((4, 8, 10, 20, 50, 100, 100, 200))


def simuler(
    uai: str, niveau: str, classes: int | None, eleves: int | None, *, seed: int, annee: int, unitaire: bool = False
) -> InventaireSimule:
    """The simulated inventory of one établissement: same inputs, same inventory.

    ``unitaire``: one line per device (as a GLPI-style inventory lists them) instead of one per batch.
    """
    rng = random.Random(f"{seed}-{uai}")  # noqa: S311 -- demo data, reproducible on purpose
    niveau = niveau if niveau in ETIC else "ecole"
    etic = ETIC[niveau]
    codes = CODES[niveau]
    eleves = eleves if eleves is not None else (classes or 4) * 25
    classes = classes if classes else max(1, round(eleves / 25))
    lignes: list[LigneSimulee] = []

    def ligne(cle: str, code: str, quantite: int, emplacement: str, detail: str = "") -> None:
        if unitaire and quantite > 1:
            for _ in range(quantite):
                ligne(cle, code, 1, emplacement, detail)
            return
        if quantite > 0:
            lignes.append(
                LigneSimulee(
                    code,
                    rng.choice(DESIGNATIONS[cle]),
                    quantite,
                    emplacement,
                    detail,
                    _annee(rng, annee),
                    _etat(rng),
                )
            )

    p_affichage = min(1.0, etic["affichages_1000"] * eleves / 1000 / classes)
    p_poste = min(1.0, p_affichage * 1.1)
    postes = 0
    for k in range(1, classes + 1):
        salle = f"Classe {k}" if niveau == "ecole" else f"Salle {k}"
        if rng.random() < p_affichage:
            ligne("affichage", codes["affichage"], 1, "classe", salle)
        if rng.random() < p_poste:
            ligne("poste", codes["poste"], 1, "classe", salle)
            postes += 1
        if niveau == "ecole":
            for code in ("micro", "haut-parleurs", "capture-images"):
                if rng.random() < 0.3:
                    ligne(code, code, 1, "classe", salle)
    # Mobile classes: the computers not already on teachers' desks.
    ordinateurs = round(etic["ordinateurs_100"] * eleves / 100 * rng.uniform(0.6, 1.4))
    chariots = sum(
        1 for _ in range(max(1, classes // 4)) if rng.random() < etic["classes_mobiles_1000"] * eleves / 1000
    )
    if chariots:
        ligne("chariot", codes["chariot"], chariots, "ecole")
    restants = max(0, ordinateurs - postes - 1)
    while restants > 0:
        lot = min(restants, rng.choice((8, 12, 15, 16)))
        ligne("mobiles", codes["mobiles"], lot, "ecole")
        restants -= lot
    if rng.random() < 0.85:
        ligne("direction", codes["direction"], 1 if niveau == "ecole" else 2, "ecole", "Direction")
    if rng.random() < 0.7:
        ligne("imprimante", codes["imprimante"], 1, "ecole", "Direction")
    if rng.random() < etic["internet_moitie"]:
        salles = rng.randint(-(-classes // 2), classes)
    else:
        salles = rng.randint(0, max(0, -(-classes // 2) - 1))
    couverture = (
        "totale"
        if salles >= classes
        else "majoritaire"
        if salles * 2 >= classes
        else "partielle"
        if salles
        else "aucune"
    )
    debit = _debit(rng, niveau)
    return InventaireSimule(
        debit_mbits=debit,
        salles_connectees=salles,
        couverture_wifi=couverture,
        internet_direction=debit > 0,
        ent=rng.random() < etic["ent"],
        filtrage=rng.random() < etic["filtrage"],
        charte=rng.random() < etic["charte"],
        accompagnement=rng.random() < 0.5,
        maintenance=rng.random() < 0.6,
        lignes=tuple(lignes),
    )
