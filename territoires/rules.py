"""Pure rules of the territoires app: no ORM, property-tested.

Validators of the national identifiers (UAI, INSEE, SIREN), normalisation of département codes and the
resolution of the collectivité compétente (Code de l'éducation, articles L.212-4, L.213-2 and L.214-6).
"""

import re
import unicodedata
from collections.abc import Iterable, Mapping

# --- Text -------------------------------------------------------------------------------------------------------


class _SansAccent(dict[int, str]):
    """Character → its compatibility decomposition without combining marks, computed once per character."""

    def __missing__(self, code: int) -> str:
        decomposed = unicodedata.normalize("NFKD", chr(code))
        forme = "".join(c for c in decomposed if not unicodedata.combining(c))
        self[code] = forme
        return forme


class _Alphanumerique(dict[int, str]):
    """Character → itself if alphanumeric, else a space."""

    def __missing__(self, code: int) -> str:
        forme = chr(code) if chr(code).isalnum() else " "
        self[code] = forme
        return forme


_SANS_ACCENT = _SansAccent()
_ALPHANUMERIQUE = _Alphanumerique()


def normalise_recherche(text: str) -> str:
    """Lower-case, accent-free, single-spaced text: the form in which names are searched.

    Same result as decomposing (NFKD), dropping combining marks, lower-casing, then replacing every
    non-alphanumeric character by a space; done with two cached translation tables, for speed.
    """
    return " ".join(text.translate(_SANS_ACCENT).lower().translate(_ALPHANUMERIQUE).split())


# --- UAI --------------------------------------------------------------------------------------------------------

# The check letter of a UAI (ex-RNE) is the remainder of its 7 first characters, read as a number, divided by 23,
# taken in this 23-letter alphabet (no I, O, Q). Verified on the 103,356 rows of the two national school files.
UAI_LETTRES = "ABCDEFGHJKLMNPRSTUVWXYZ"
_UAI_RE = re.compile(r"^[0-9]{7}[A-Z]$")


def _chiffres_ascii(texte: str) -> bool:
    # str.isdigit() accepts « ² » or « ٣ », which int() then rejects or misreads.
    return texte.isascii() and texte.isdigit()


def lettre_cle_uai(sept_premiers: str) -> str:
    """The check letter of a UAI from its 7 first characters (digits)."""
    if len(sept_premiers) != 7 or not _chiffres_ascii(sept_premiers):
        raise ValueError("sept chiffres attendus")
    return UAI_LETTRES[int(sept_premiers) % 23]


def uai_valide(uai: str) -> bool:
    """7 digits then the right check letter, e.g. ``0350122T``."""
    return bool(_UAI_RE.fullmatch(uai)) and lettre_cle_uai(uai[:7]) == uai[7]


def normalise_uai(uai: str) -> str:
    """Upper-case, without spaces: the form in which UAIs are stored."""
    return uai.strip().upper()


# --- INSEE codes ------------------------------------------------------------------------------------------------

_COMMUNE_RE = re.compile(r"^(?:[0-9]{2}|2A|2B)[0-9]{3}$")
_DEPARTEMENT_RE = re.compile(r"^(?:0[1-9]|1[0-9]|2[1-9AB]|[3-8][0-9]|9[0-5]|97[1-8]|98[4-9])$")


_PREFIXES_SANS_COMMUNE = ("00", "20")  # no département 00; Corsica's communes start with 2A or 2B


def code_commune_valide(code: str) -> bool:
    """An INSEE commune code: 5 characters, Corsica's start with 2A or 2B (``2A004``)."""
    if not _COMMUNE_RE.fullmatch(code):
        return False
    return code[:2] not in _PREFIXES_SANS_COMMUNE


_COMMUNES_LIGNE_A_LIGNE = re.compile(_COMMUNE_RE.pattern, re.MULTILINE)


def codes_commune_valides(codes: Iterable[str]) -> set[str]:
    """The codes of ``codes`` that ``code_commune_valide`` accepts, found in one scan of them all, joined line by
    line (35,000 calls of it cost 0.05 s of a national import); a code holding a line break is not one."""
    lignes = "\n".join(code for code in codes if "\n" not in code)
    return {code for code in _COMMUNES_LIGNE_A_LIGNE.findall(lignes) if code[:2] not in _PREFIXES_SANS_COMMUNE}


def normalise_code_departement(code: str) -> str:
    """INSEE form of a département code: ``035`` → ``35``, ``02A`` → ``2A``, ``971`` stays, ``1`` → ``01``.

    The Éducation nationale writes 3 characters; the INSEE 2, or 3 overseas.
    """
    code = code.strip().upper()
    if len(code) == 3 and code.startswith("0"):
        code = code[1:]
    if len(code) == 1 and _chiffres_ascii(code):
        code = "0" + code
    return code


def code_departement_valide(code: str) -> bool:
    """A département (or COM) code in INSEE form: ``01``…``95``, ``2A``, ``2B``, ``971``…``978``, ``984``…``989``."""
    return bool(_DEPARTEMENT_RE.fullmatch(code))


def departement_de_commune(code_commune: str) -> str:
    """The département code of an INSEE commune code (3 characters overseas)."""
    return code_commune[:3] if code_commune.startswith("97") or code_commune.startswith("98") else code_commune[:2]


# Municipal arrondissements: they are not collectivités, their commune is.
_ARRONDISSEMENTS: tuple[tuple[int, int, str], ...] = (
    (75101, 75120, "75056"),  # Paris
    (69381, 69389, "69123"),  # Lyon
    (13201, 13216, "13055"),  # Marseille
)


def commune_de_rattachement(code_commune: str) -> str:
    """The commune of a Paris, Lyon or Marseille arrondissement (``75115`` → ``75056``); other codes are unchanged."""
    if _chiffres_ascii(code_commune):
        numero = int(code_commune)
        for debut, fin, parente in _ARRONDISSEMENTS:
            if debut <= numero <= fin:
                return parente
    return code_commune


# --- SIREN ------------------------------------------------------------------------------------------------------


def luhn_valide(chiffres: str) -> bool:
    """The Luhn checksum of a string of digits."""
    if not _chiffres_ascii(chiffres):
        return False
    total = 0
    for position, caractere in enumerate(reversed(chiffres)):
        valeur = int(caractere)
        if position % 2:
            valeur *= 2
            if valeur > 9:
                valeur -= 9
        total += valeur
    return total % 10 == 0


def siren_valide(siren: str) -> bool:
    """9 digits with a valid Luhn key (every commune, EPCI and collectivité SIREN of the data satisfies it)."""
    return len(siren) == 9 and luhn_valide(siren)


# --- Collectivité compétente ------------------------------------------------------------------------------------

NIVEAUX = ("ecole", "college", "lycee")
PERIMETRES = ("commune", "departement", "region")  # from the most precise to the least

_TITRE = {"ecole": "École publique", "college": "Collège public", "lycee": "Lycée public"}
_NIVEAU_PUBLIC = {"ecole": "une école publique", "college": "un collège public", "lycee": "un lycée public"}
_PERIMETRE_LIBELLE = {"commune": "la commune", "departement": "le département", "region": "la région"}
_ARTICLE = {"ecole": "L.212-4", "college": "L.213-2", "lycee": "L.214-6"}

MOTIF_PRIVE = "établissement privé : son équipement n'incombe pas à une collectivité publique"

CompetenceKey = tuple[str, str, str]


def resoudre_competence(
    *,
    niveau: str,
    secteur: str,
    code_commune: str,
    code_departement: str,
    code_region: str,
    competences: Mapping[CompetenceKey, int],
) -> tuple[int | None, str]:
    """The collectivité compétente of a public établissement, and why (in French).

    ``competences`` maps (niveau, périmètre, code du territoire) to a collectivité id; the most precise périmètre
    wins: commune, then département, then région. An arrondissement of Paris, Lyon or Marseille counts as its
    commune. Private établissements (sous contrat or not) have none.
    """
    if secteur in ("prive", "prive_sous_contrat"):
        return None, MOTIF_PRIVE
    if secteur != "public":
        return None, "secteur non renseigné : la collectivité compétente ne peut pas être déterminée"
    if niveau not in NIVEAUX:
        return None, f"type d'établissement inconnu « {niveau} »"
    territoires = {
        "commune": commune_de_rattachement(code_commune),
        "departement": normalise_code_departement(code_departement),
        "region": code_region,
    }
    for perimetre in PERIMETRES:
        code = territoires[perimetre]
        collectivite = competences.get((niveau, perimetre, code))
        if collectivite is not None:
            return collectivite, (
                f"{_TITRE[niveau]} : compétence fixée pour {_PERIMETRE_LIBELLE[perimetre]} {code} "
                f"(Code de l'éducation, {_ARTICLE[niveau]}, et statut ou transfert éventuel)"
            )
    return None, (
        f"aucune collectivité compétente connue pour {_NIVEAU_PUBLIC[niveau]} de la commune "
        f"{territoires['commune']} (département {territoires['departement']}, région {code_region or '?'})"
    )
