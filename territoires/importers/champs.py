"""Field parsers shared by the families: each returns the value or records an error and returns None."""

from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import TYPE_CHECKING

from territoires.rules import (
    UAI_LETTRES,
    code_commune_valide,
    code_departement_valide,
    codes_commune_valides,
    normalise_code_departement,
    normalise_recherche,
    normalise_uai,
    siren_valide,
    uai_valide,
)

from .readers import Erreurs, Table

if TYPE_CHECKING:
    import numpy as np

# Caches of values already checked (the national files repeat them a lot): only valid values are stored.
UAI_VALIDES: set[str] = set()
COMMUNES_VALIDES: set[str] = set()
DEPARTEMENTS_CONNUS: dict[str, str] = {}
RENTREES: dict[str, str] = {}
DECIMAUX: dict[str, dict[str, Decimal]] = {}  # places -> text -> value


class Contexte:
    """Where we are: file and line, to name them in messages.

    Row by row, ``ligne`` is the line; column by column (with ``table``), ``i`` is the row and its line is looked up
    only for a message.
    """

    __slots__ = ("erreurs", "fichier", "i", "ligne", "table")

    def __init__(self, erreurs: Erreurs, fichier: str, table: Table | None = None):
        self.erreurs = erreurs
        self.fichier = fichier
        self.ligne = 0
        self.i = 0
        self.table = table

    def erreur(self, colonne: str, message: str) -> None:
        ligne = self.table.ligne(self.i) if self.table is not None else self.ligne
        self.erreurs.ajouter(self.fichier, message, ligne=ligne, colonne=colonne)

    def uai(self, valeur: str, colonne: str = "uai") -> str | None:
        if valeur in UAI_VALIDES:  # the same UAI comes in several files
            return valeur
        uai = normalise_uai(valeur)
        if not uai_valide(uai):
            self.erreur(colonne, f"code UAI « {valeur} » invalide (7 caractères puis une lettre de contrôle)")
            return None
        if uai == valeur:
            UAI_VALIDES.add(uai)
        return uai

    def commune(self, valeur: str, colonne: str = "code_commune", *, requis: bool = True) -> str | None:
        if not valeur:
            if requis:
                self.erreur(colonne, "code commune INSEE manquant")
            return None
        if valeur in COMMUNES_VALIDES:
            return valeur
        code = valeur.upper()
        if not code_commune_valide(code):
            self.erreur(colonne, f"code commune INSEE « {valeur} » invalide (5 caractères, 2A/2B en Corse)")
            return None
        if code == valeur:
            COMMUNES_VALIDES.add(code)
        return code

    def departement(self, valeur: str, colonne: str = "code_departement") -> str | None:
        connu = DEPARTEMENTS_CONNUS.get(valeur)
        if connu is not None:
            return connu
        code = normalise_code_departement(valeur)
        if not code_departement_valide(code):
            self.erreur(colonne, f"code département « {valeur} » invalide")
            return None
        DEPARTEMENTS_CONNUS[valeur] = code
        return code

    def siren(self, valeur: str, colonne: str = "siren", *, requis: bool = True) -> str | None:
        if not valeur:
            if requis:
                self.erreur(colonne, "SIREN manquant")
            return None
        if not _siren_valide(valeur):
            self.erreur(colonne, f"SIREN « {valeur} » invalide (9 chiffres, clé de Luhn)")
            return None
        return valeur

    def entier(self, valeur: str, colonne: str) -> int | None:
        if not valeur:
            return None
        try:
            nombre = float(valeur.replace(",", ".").replace(" ", ""))
        except ValueError:
            self.erreur(colonne, f"nombre entier attendu, lu « {valeur} »")
            return None
        if nombre < 0 or nombre != int(nombre):
            self.erreur(colonne, f"nombre entier positif attendu, lu « {valeur} »")
            return None
        return int(nombre)

    def decimal(self, valeur: str, colonne: str, places: str = "0.1", maximum: int = 9999) -> Decimal | None:
        """A decimal rounded to ``places``, below ``maximum`` in absolute value (the size of the column)."""
        if not valeur:
            return None
        cache = DECIMAUX.setdefault(places, {})
        connu = cache.get(valeur)
        if connu is not None:
            return connu
        try:
            nombre = Decimal(valeur.replace(",", ".")).quantize(Decimal(places))
        except InvalidOperation:
            self.erreur(colonne, f"nombre attendu, lu « {valeur} »")
            return None
        if not nombre.is_finite() or abs(nombre) > maximum:
            self.erreur(colonne, f"nombre hors limites, lu « {valeur} »")
            return None
        cache[valeur] = nombre
        return nombre

    def flottant(self, valeur: str, colonne: str, borne: float) -> float | None:
        if not valeur:
            return None
        try:
            nombre = float(valeur)  # without a comma, the same as below: no replace() for most values
        except ValueError:
            try:
                nombre = float(valeur.replace(",", "."))
            except ValueError:
                self.erreur(colonne, f"coordonnée attendue, lu « {valeur} »")
                return None
        if not -borne <= nombre <= borne:
            self.erreur(colonne, f"coordonnée hors limites : {valeur}")
            return None
        return round(nombre, 6)

    def rentree(self, valeur: str, colonne: str = "rentree") -> str | None:
        """``2022-2023`` (or ``2022``, the year of the rentrée)."""
        connue = RENTREES.get(valeur)
        if connue is not None:
            return connue
        v = valeur.strip()
        if len(v) == 4 and v.isdigit():
            RENTREES[valeur] = f"{v}-{int(v) + 1}"
            return RENTREES[valeur]
        if len(v) == 9 and v[4] == "-" and v[:4].isdigit() and v[5:].isdigit() and int(v[5:]) == int(v[:4]) + 1:
            RENTREES[valeur] = v
            return v
        self.erreur(colonne, f"rentrée scolaire « {valeur} » invalide (attendu 2022-2023)")
        return None


def _octets(valeurs: list[str], largeur: int) -> "np.ndarray | None":
    """``valeurs`` (ASCII, all ``largeur`` characters long) as a (n, largeur) array of bytes; None if empty."""
    import numpy as np

    if not valeurs:
        return None
    joint = "".join(valeurs)
    return np.frombuffer(joint.encode("ascii"), dtype=np.uint8).reshape(len(valeurs), largeur)


def prevalider_uai(valeurs: Iterable[str]) -> None:
    """Check the distinct UAIs of a column at once (numpy): the valid ones, already in normal form, join
    ``UAI_VALIDES``; the others are left to ``Contexte.uai`` (same rule, row by row, with its message)."""
    # The set difference runs in C: in the later files, most UAIs are already known.
    UAI_VALIDES.update(uais_valides(set(valeurs).difference(UAI_VALIDES)))


def prevalider_communes(valeurs: Iterable[str]) -> None:
    """Check the distinct INSEE commune codes of a column at once: the valid ones, already in normal form, join
    ``COMMUNES_VALIDES``; the others are left to ``Contexte.commune`` (same rule, row by row, with its message)."""
    COMMUNES_VALIDES.update(codes_commune_valides(set(valeurs).difference(COMMUNES_VALIDES)))


def uais_valides(valeurs: Iterable[str]) -> list[str]:
    """The distinct values of ``valeurs`` that are valid UAIs in normal form (``Contexte.uai`` accepts them as they
    are), checked at once with numpy; it needs no cache, a child process reading the file computes it."""
    import numpy as np

    candidats = [v for v in set(valeurs) if len(v) == 8 and v.isascii()]
    octets = _octets(candidats, 8)
    if octets is None:
        return []
    chiffres = octets[:, :7].astype(np.int64) - 48
    ok = ((chiffres >= 0) & (chiffres <= 9)).all(axis=1)
    nombres = chiffres @ (10 ** np.arange(6, -1, -1, dtype=np.int64))
    lettres = np.frombuffer(UAI_LETTRES.encode("ascii"), dtype=np.uint8)[np.where(ok, nombres, 0) % 23]
    ok &= octets[:, 7] == lettres
    return [v for v, bon in zip(candidats, ok.tolist(), strict=True) if bon]


def _siren_valide(valeur: str) -> bool:
    try:
        return siren_valide(valeur)
    except ValueError:  # a Unicode digit that int() refuses ("²")
        return False


def sirens_valides(valeurs: list[str]) -> set[str]:
    """The SIRENs of ``valeurs`` that ``siren_valide`` accepts: those of 9 ASCII characters checked together (numpy
    Luhn), the others one by one."""
    import numpy as np

    distincts = set(valeurs)
    candidats = [v for v in distincts if len(v) == 9 and v.isascii()]
    autres = {v for v in distincts.difference(candidats) if v and _siren_valide(v)}
    octets = _octets(candidats, 9)
    if octets is None:
        return autres
    chiffres = octets.astype(np.int64) - 48
    ok = ((chiffres >= 0) & (chiffres <= 9)).all(axis=1)
    doubles = chiffres[:, 1::2] * 2  # positions 1, 3, 5, 7: the odd positions from the right
    total = chiffres[:, 0::2].sum(axis=1) + (doubles - 9 * (doubles > 9)).sum(axis=1)
    ok &= total % 10 == 0
    return autres.union(v for v, bon in zip(candidats, ok.tolist(), strict=True) if bon)


def flottants(ctx: Contexte, valeurs: list[str], colonne: str, borne: float) -> list[float | None]:
    """``Contexte.flottant`` over a column (``ctx.table`` names the lines): the same values, rounded to 6 places,
    with ``round`` called only where numpy's rounding changes the number (a coordinate already with 6 places or
    fewer is its own rounding)."""
    import numpy as np

    try:  # every value a number (or empty): converted in one comprehension, the bounds checked by numpy
        rapides: list[float | None] | None = [float(v) if v else None for v in valeurs]
    except ValueError:
        rapides = None
    if rapides is not None:
        tableau = np.array(rapides, dtype=np.float64)  # empty: NaN
        if np.count_nonzero(~(np.abs(tableau) <= borne)) == rapides.count(None):  # none out of bounds, no NaN text
            return _arrondis(rapides, tableau)
    nombres: list[float | None] = []
    ajouter = nombres.append
    for i, valeur in enumerate(valeurs):
        if not valeur:
            ajouter(None)
            continue
        try:
            nombre = float(valeur)
        except ValueError:
            nombre = None
        if nombre is None or not -borne <= nombre <= borne:
            ctx.i = i
            ajouter(ctx.flottant(valeur, colonne, borne))  # a comma, or the message
        else:
            ajouter(nombre)
    return _arrondis(nombres, np.array(nombres, dtype=np.float64))


def _arrondis(nombres: list[float | None], tableau: "np.ndarray") -> list[float | None]:
    """``nombres`` rounded to 6 places (``tableau``: the same, None as NaN), ``round`` called only where numpy's
    rounding changes the number."""
    import numpy as np

    differents = np.flatnonzero(np.round(tableau, 6) != tableau)  # NaN (empty) too
    for i in differents.tolist():
        n = nombres[i]
        if n is not None:
            nombres[i] = round(n, 6)
    return nombres


@lru_cache(maxsize=256)
def secteur_de(texte: str, contrat: str = "") -> str:
    """``Public`` → public; ``privé sous contrat`` or a private row with a contract → prive_sous_contrat; else prive."""
    t = normalise_recherche(texte)
    if t == "public":
        return "public"
    if t.startswith("prive"):
        if "sous contrat" in t:
            return "prive_sous_contrat"
        c = normalise_recherche(contrat).replace("0", "o")  # the Annuaire writes "C0NTRAT SIMPLE"
        if c and c != "sans objet" and "hors contrat" not in c and "contrat" in c:
            return "prive_sous_contrat"
        return "prive"
    return ""


def combine_secteur(avant: str, apres: str) -> str:
    """A later source wins, except that it cannot make "sous contrat" vaguer ("privé")."""
    if not apres:
        return avant
    if avant == "prive_sous_contrat" and apres == "prive":
        return avant
    return apres


@lru_cache(maxsize=256)
def niveau_de(texte: str) -> str:
    """``ecole``/``college``/``lycee`` from a type or nature label (``ECOLE MATERNELLE``, ``Collège``, ``EREA``…)."""
    t = normalise_recherche(texte)
    if t.startswith("erea") or "enseignement adapte" in t:
        return "lycee"  # EREA: equipped by the région like the lycées (Code de l'éducation, L.214-6)
    for niveau in ("ecole", "college", "lycee"):
        if t.startswith(niveau):
            return niveau
    return ""
