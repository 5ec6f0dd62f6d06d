"""Reading the open-data files: gzip or not, UTF-8, ``,`` or ``;`` separated, or the JSON of decoupage-administratif.

Column names are matched after normalisation (lower case, no accents, ``_`` for any other character), through a
table of aliases per family: the copies of the data folder and the official exports of data.education.gouv.fr
(``;``-separated, lower-case field names) are read by the same code. Every problem is collected with the file name,
the line and the column, so that the command reports all of them at once and writes nothing.

A regular CSV file (whole quoted fields, the header's width on every line) is read by pandas' C parser, the wanted
columns only; any other file by the ``csv`` module, which names its faulty lines. Both give a ``Table`` of columns.
"""

import csv
import gzip
import io
import json
import operator
import re
import zlib
from collections.abc import Callable, Iterable, Sequence
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

    def reprendre(self, autres: "Erreurs") -> None:
        """Add the errors another collector recorded (a file read in a child process), as if recorded here."""
        self.messages += autres.messages
        for fichier, n in autres.par_fichier.items():
            self.par_fichier[fichier] = self.par_fichier.get(fichier, 0) + n

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


class Table:
    """The wanted columns of a file, by canonical name (values stripped), and the line of each row on demand."""

    def __init__(
        self,
        fichier: str,
        colonnes: dict[str, list[str]],
        n: int,
        *,
        lignes: Sequence[int] | None = None,
        texte: str | None = None,
        delimiteur: str = ",",
    ):
        self.fichier = fichier
        self.colonnes = colonnes
        self.n = n
        self._lignes = lignes
        self._texte = texte
        self._delimiteur = delimiteur
        # What was computed from the table where it was read (``lecture_a_part.Preparation``).
        self.derives: dict[str, Any] = {}

    def __len__(self) -> int:
        return self.n

    def en_donnees(self) -> tuple[Any, ...]:
        """The table as plain data (str, int, list, dict, tuple, None) for ``marshal``, which a child process
        writes three times faster than ``pickle``; without the file's text once the lines of the rows are known."""
        lignes: Any = self._lignes
        if isinstance(lignes, range):
            lignes = (lignes.start, lignes.stop)  # marshal has no range
        texte = self._texte if self._lignes is None else None
        return self.fichier, self.colonnes, self.n, lignes, texte, self._delimiteur, self.derives

    @classmethod
    def depuis_donnees(cls, donnees: tuple[Any, ...]) -> "Table":
        fichier, colonnes, n, lignes, texte, delimiteur, derives = donnees
        if isinstance(lignes, tuple):
            lignes = range(*lignes)
        table = cls(fichier, colonnes, n, lignes=lignes, texte=texte, delimiteur=delimiteur)
        table.derives = derives
        return table

    def __bool__(self) -> bool:
        return self.n > 0

    def col(self, nom: str) -> list[str]:
        """The values of a column; empty strings if the file has no such column."""
        valeurs = self.colonnes.get(nom)
        return valeurs if valeurs is not None else [""] * self.n

    def ligne(self, i: int) -> int:
        """The line of the file where row ``i`` (0-based) ends, as the ``csv`` module counts them."""
        if self._lignes is None:
            self._lignes = _numeros_de_ligne(self._texte or "", self._delimiteur)
        return self._lignes[i]

    @property
    def lignes(self) -> list[tuple[int, dict[str, str]]]:
        """(line, {column: value}) per row: for the small files, read row by row."""
        noms = list(self.colonnes)
        rangees = zip(*(self.colonnes[n] for n in noms), strict=True) if noms else iter([()] * self.n)
        return [(self.ligne(i), dict(zip(noms, r, strict=True))) for i, r in enumerate(rangees)]


def _numeros_de_ligne(texte: str, delimiteur: str) -> list[int]:
    """The line number of every data row, with the rules of ``lire`` (only needed to name a line in a message)."""
    lecteur = csv.reader(io.StringIO(texte, newline=""), delimiter=delimiteur)
    next(lecteur, None)
    numeros = []
    for row in lecteur:
        if not row or (len(row) == 1 and not row[0].strip()):
            continue
        numeros.append(lecteur.line_num)
    return numeros


JsonAdapter = Callable[[Any], list[dict[str, str]]]


def decoder(chemin: Path, nom: str, erreurs: Erreurs) -> tuple[bytes, str] | None:
    """The bytes (gunzipped if needed) and text of a file, or None after recording why it cannot be read."""
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
    return brut, texte


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
    decode = decoder(chemin, nom, erreurs)
    if decode is None:
        return None
    brut, texte = decode
    debut = texte.lstrip()[:1]
    if debut in ("[", "{"):
        return _lire_json(texte, nom, colonnes, requises, erreurs, json_adapter)
    fin = texte.find("\n")  # not split(): it would copy the rest of the text (20 MB)
    premiere = texte if fin < 0 else texte[:fin]
    delimiteur = max((";", ",", "\t"), key=premiere.count)
    try:
        entete = next(csv.reader(io.StringIO(premiere.rstrip("\r"), newline=""), delimiter=delimiteur, strict=True))
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
    table = _lire_csv_rapide(brut, texte, nom, index, len(entete), delimiteur)
    if table is None:
        table = _lire_csv(texte, nom, index, len(entete), delimiteur, erreurs)
    return table


# A quoted field (doubled quotes inside).
_GUILLEMETS = re.compile(rb'"[^"]*(?:""[^"]*)*"')


def _structure_reguliere(octets: bytes, delimiteur: bytes, largeur: int) -> tuple[int, bool] | None:
    """(lines, whether a quoted field holds a line break) if the file is regular: every quoted field is a whole
    field (from a delimiter or the start of a line to a delimiter or the end of a line), no quote is left over, no
    bare carriage return ends a line, and every line holds ``largeur - 1`` delimiters outside quotes. Else None.

    In UTF-8 the bytes of ASCII characters stand only for them: the checks run on the bytes, with numpy."""
    import numpy as np

    sans = octets
    saut_entre_guillemets = False
    if b'"' in octets:
        if b"\0" in octets:
            return None
        sauts: list[bool] = []

        def nul(champ: re.Match[bytes]) -> bytes:
            if not sauts and (b"\n" in champ[0] or b"\r" in champ[0]):
                sauts.append(True)
            return b"\0"

        sans = _GUILLEMETS.sub(nul, octets)  # each quoted field becomes one NUL
        saut_entre_guillemets = bool(sauts)
        if b'"' in sans:
            return None
    tableau = np.frombuffer(sans, dtype=np.uint8)
    if sans is not octets:
        nuls = np.flatnonzero(tableau == 0)
        avant = tableau[nuls[nuls > 0] - 1]
        apres = tableau[nuls[nuls < len(tableau) - 1] + 1]
        if not (np.isin(avant, (delimiteur[0], 10)).all() and np.isin(apres, (delimiteur[0], 10, 13)).all()):
            return None
    if b"\r" in sans:
        retours = np.flatnonzero(tableau == 13)
        if retours[-1] + 1 >= len(tableau) or (tableau[retours + 1] != 10).any():
            return None  # a carriage return alone ends a line for the csv module
    fins = np.flatnonzero(tableau == 10)
    if not sans.endswith(b"\n"):
        fins = np.append(fins, len(tableau))
    # Delimiters per line: how many of their positions fall before each line break.
    par_ligne = np.diff(np.searchsorted(np.flatnonzero(tableau == delimiteur[0]), fins), prepend=0)
    if not (par_ligne == largeur - 1).all():
        return None
    return len(fins), saut_entre_guillemets


def _lire_csv_rapide(
    brut: bytes, texte: str, nom: str, index: list[tuple[str, int]], largeur: int, delimiteur: str
) -> Table | None:
    """The wanted columns through the C parser of pandas, when the file is regular (``_structure_reguliere``).
    Otherwise None: ``_lire_csv`` then reads it row by row and names the lines at fault."""
    try:
        import pandas as pd
    except ImportError:  # pragma: no cover - pandas is a dependency; the csv module reads the same files
        return None
    if largeur < 2:
        return None
    octets = brut.removeprefix(b"\xef\xbb\xbf")
    structure = _structure_reguliere(octets, delimiteur.encode(), largeur)
    if structure is None:
        return None
    lignes_physiques, saut_entre_guillemets = structure
    positions = sorted({i for _, i in index})
    try:
        trame = pd.read_csv(
            io.BytesIO(octets),
            sep=delimiteur,
            header=0,
            usecols=positions,
            dtype=str,
            na_filter=False,
            skip_blank_lines=False,
            encoding="utf-8",
            engine="c",
        )
    except (pd.errors.ParserError, ValueError):  # pragma: no cover - the structure was checked
        return None
    n = len(trame)
    if n != lignes_physiques - 1 or trame.shape[1] != len(positions):  # pragma: no cover - idem
        return None
    valeurs = {i: list(map(str.strip, trame.iloc[:, k].tolist())) for k, i in enumerate(positions)}
    # Without a line break inside a quoted field, row i is on line i + 2 (after the header): a range, not a list of
    # 100,000 numbers to send from a child process.
    lignes = None if saut_entre_guillemets else range(2, n + 2)
    return Table(nom, {c: valeurs[i] for c, i in index}, n, lignes=lignes, texte=texte, delimiteur=delimiteur)


def _lire_csv(
    texte: str, nom: str, index: list[tuple[str, int]], largeur: int, delimiteur: str, erreurs: Erreurs
) -> Table | None:
    """Row by row with the csv module: every irregular line is named (width, quoting)."""
    lecteur = csv.reader(io.StringIO(texte, newline=""), delimiter=delimiteur, strict=True)
    next(lecteur)
    positions = [i for _, i in index]
    # C-level selection of the wanted columns (itemgetter of one position returns a value, not a tuple).
    if len(positions) > 1:
        prendre: Callable[[list[str]], Any] = operator.itemgetter(*positions)
    else:
        prendre = lambda row: tuple(row[i] for i in positions)  # noqa: E731
    rangees: list[Any] = []
    lignes: list[int] = []
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
            rangees.append(prendre(row))
            lignes.append(lecteur.line_num)
    except csv.Error as exc:
        erreurs.ajouter(nom, f"CSV mal formé ({exc}) : fichier tronqué ?", ligne=lecteur.line_num)
        return None
    colonnes_lues = list(zip(*rangees, strict=True)) if rangees else [() for _ in positions]
    return Table(
        nom,
        {c: list(map(str.strip, colonnes_lues[k])) for k, (c, _) in enumerate(index)},
        len(rangees),
        lignes=lignes,
    )


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
    noms = [c for c in colonnes if c in trouvees]
    return Table(
        nom,
        {c: [e.get(c, "") for e in elements] for c in noms},
        len(elements),
        lignes=range(1, len(elements) + 1),
    )
