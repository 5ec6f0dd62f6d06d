"""Reading the open-data files: gzip or not, UTF-8, ``,`` or ``;`` separated, or the JSON of decoupage-administratif.

Column names are matched after normalisation (lower case, no accents, ``_`` for any other character), through a
table of aliases per family: the copies of the data folder and the official exports of data.education.gouv.fr
(``;``-separated, lower-case field names) are read by the same code. Every problem is collected with the file name,
the line and the column, so that the command reports all of them at once and writes nothing.
"""

import csv
import gzip
import io
import json
import operator
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from territoires.rules import normalise_recherche

MAX_ERREURS_PAR_FICHIER = 20


class ErreurImport(Exception):
    """The files cannot be imported; ``messages`` says where and why (in French)."""

    def __init__(self, messages: list[str]):
        self.messages = messages
        super().__init__("\n".join(messages))


@dataclass
class Erreurs:
    messages: list[str] = field(default_factory=list)
    par_fichier: dict[str, int] = field(default_factory=dict)

    def ajouter(self, fichier: str, message: str, *, ligne: int | None = None, colonne: str | None = None) -> None:
        n = self.par_fichier.get(fichier, 0) + 1
        self.par_fichier[fichier] = n
        if n > MAX_ERREURS_PAR_FICHIER:
            return
        where = fichier
        if ligne is not None:
            where += f", ligne {ligne}"
        if colonne is not None:
            where += f", colonne « {colonne} »"
        self.messages.append(f"{where} : {message}")

    def __bool__(self) -> bool:
        return bool(self.messages)

    def lever(self) -> None:
        if not self.messages:
            return
        messages = list(self.messages)
        for fichier, n in self.par_fichier.items():
            if n > MAX_ERREURS_PAR_FICHIER:
                messages.append(f"{fichier} : … et {n - MAX_ERREURS_PAR_FICHIER} autres erreurs")
        raise ErreurImport(messages)


def cle_colonne(nom: str) -> str:
    """``Numéro de l'école`` → ``numero_de_l_ecole``."""
    return normalise_recherche(nom).replace(" ", "_")


@dataclass
class Table:
    fichier: str
    lignes: list[tuple[int, dict[str, str]]]
    colonnes: list[str]  # canonical names found

    def __len__(self) -> int:
        return len(self.lignes)


JsonAdapter = Callable[[Any], list[dict[str, str]]]


def decoder(chemin: Path, nom: str, erreurs: Erreurs) -> str | None:
    """The text of a file (gunzipped if needed), or None after recording why it cannot be read."""
    try:
        brut = chemin.read_bytes()
    except OSError as exc:
        erreurs.ajouter(nom, f"lecture impossible ({exc.strerror})")
        return None
    if brut[:2] == b"\x1f\x8b":
        try:
            brut = gzip.decompress(brut)
        except (EOFError, gzip.BadGzipFile, zlib.error):
            erreurs.ajouter(nom, "le fichier compressé (gzip) est tronqué ou corrompu")
            return None
    try:
        texte = brut.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        ligne = brut.count(b"\n", 0, exc.start) + 1
        erreurs.ajouter(
            nom,
            f"le fichier n'est pas encodé en UTF-8 (octet invalide à la position {exc.start}, ligne {ligne})",
        )
        return None
    return texte


def lire(
    chemin: Path,
    nom: str,
    colonnes: dict[str, tuple[str, ...]],
    requises: Iterable[str],
    erreurs: Erreurs,
    *,
    json_adapter: JsonAdapter | None = None,
) -> Table | None:
    """Read a table; ``colonnes`` maps each canonical column to its accepted (normalised) names."""
    texte = decoder(chemin, nom, erreurs)
    if texte is None:
        return None
    debut = texte.lstrip()[:1]
    if debut in ("[", "{"):
        return _lire_json(texte, nom, colonnes, requises, erreurs, json_adapter)
    premiere = texte.split("\n", 1)[0]
    delimiteur = max((";", ",", "\t"), key=premiere.count)
    lecteur = csv.reader(io.StringIO(texte, newline=""), delimiter=delimiteur, strict=True)
    try:
        entete = next(lecteur)
    except StopIteration:
        erreurs.ajouter(nom, "le fichier est vide")
        return None
    except csv.Error as exc:
        erreurs.ajouter(nom, f"en-tête illisible ({exc})", ligne=1)
        return None
    cles = [cle_colonne(c) for c in entete]
    index: list[tuple[str, int]] = []
    for canonique, alias in colonnes.items():
        for candidat in (canonique, *alias):
            if candidat in cles:
                index.append((canonique, cles.index(candidat)))
                break
    trouvees = {c for c, _ in index}
    manquantes = [c for c in requises if c not in trouvees]
    for colonne in manquantes:
        erreurs.ajouter(nom, f"colonne « {colonne} » absente de l'en-tête (colonnes lues : {', '.join(entete[:12])}…)")
    if manquantes:
        return None
    largeur = len(entete)
    noms = [c for c, _ in index]
    positions = [i for _, i in index]
    # C-level selection of the wanted columns (itemgetter of one position returns a value, not a tuple).
    if len(positions) > 1:
        prendre: Callable[[list[str]], Any] = operator.itemgetter(*positions)
    else:
        prendre = lambda row: tuple(row[i] for i in positions)  # noqa: E731
    lignes: list[tuple[int, dict[str, str]]] = []
    try:
        for row in lecteur:
            if not row:
                continue
            if len(row) != largeur:
                if len(row) == 1 and not row[0].strip():
                    continue
                erreurs.ajouter(
                    nom,
                    f"{len(row)} champs au lieu de {largeur} (ligne incomplète : fichier tronqué ?)",
                    ligne=lecteur.line_num,
                )
                continue
            lignes.append((lecteur.line_num, dict(zip(noms, map(str.strip, prendre(row)), strict=True))))
    except csv.Error as exc:
        erreurs.ajouter(nom, f"CSV mal formé ({exc}) : fichier tronqué ?", ligne=lecteur.line_num)
        return None
    return Table(nom, lignes, sorted(trouvees))


def _lire_json(
    texte: str,
    nom: str,
    colonnes: dict[str, tuple[str, ...]],
    requises: Iterable[str],
    erreurs: Erreurs,
    adapter: JsonAdapter | None,
) -> Table | None:
    if adapter is None:
        erreurs.ajouter(nom, "format JSON non pris en charge pour ce jeu de données")
        return None
    try:
        donnees = json.loads(texte)
    except json.JSONDecodeError as exc:
        erreurs.ajouter(nom, f"JSON mal formé ({exc.msg})", ligne=exc.lineno)
        return None
    try:
        elements = adapter(donnees)
    except (KeyError, TypeError, AttributeError) as exc:
        erreurs.ajouter(nom, f"structure JSON inattendue ({exc!r})")
        return None
    trouvees = set().union(*(e.keys() for e in elements)) if elements else set()
    manquantes = [c for c in requises if c not in trouvees]
    for colonne in manquantes:
        erreurs.ajouter(nom, f"champ « {colonne} » absent")
    if manquantes:
        return None
    return Table(nom, [(i + 1, e) for i, e in enumerate(elements)], sorted(trouvees & set(colonnes)))
