"""Field parsers shared by the families: each returns the value or records an error and returns None."""

from decimal import Decimal, InvalidOperation
from functools import lru_cache

from territoires.rules import (
    code_commune_valide,
    code_departement_valide,
    normalise_code_departement,
    normalise_recherche,
    normalise_uai,
    siren_valide,
    uai_valide,
)

from .readers import Erreurs

# Caches of values already checked (the national files repeat them a lot): only valid values are stored.
UAI_VALIDES: set[str] = set()
COMMUNES_VALIDES: set[str] = set()
_DEPARTEMENTS: dict[str, str] = {}
RENTREES: dict[str, str] = {}
_DECIMAUX: dict[tuple[str, str], Decimal] = {}


class Contexte:
    """Where we are: file and line, to name them in messages."""

    __slots__ = ("erreurs", "fichier", "ligne")

    def __init__(self, erreurs: Erreurs, fichier: str):
        self.erreurs = erreurs
        self.fichier = fichier
        self.ligne = 0

    def erreur(self, colonne: str, message: str) -> None:
        self.erreurs.ajouter(self.fichier, message, ligne=self.ligne, colonne=colonne)

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
        connu = _DEPARTEMENTS.get(valeur)
        if connu is not None:
            return connu
        code = normalise_code_departement(valeur)
        if not code_departement_valide(code):
            self.erreur(colonne, f"code département « {valeur} » invalide")
            return None
        _DEPARTEMENTS[valeur] = code
        return code

    def siren(self, valeur: str, colonne: str = "siren", *, requis: bool = True) -> str | None:
        if not valeur:
            if requis:
                self.erreur(colonne, "SIREN manquant")
            return None
        if not siren_valide(valeur):
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
        connu = _DECIMAUX.get((valeur, places))
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
        _DECIMAUX[(valeur, places)] = nombre
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
