"""Reading an inventory file (CSV, XLSX or ODS) into validated lines, with one French error per faulty line.

Nothing is written here: the page shows the preview and the errors; only a file without errors
can be applied (``services.inventaire_importer``, all or nothing).

The template (downloadable from the import page) has one row per equipment line:

| column | content |
| --- | --- |
| ``uai`` | UAI of the établissement (one the user's collectivité is compétente for) |
| ``item`` | code of the référentiel item (e.g. ``videoprojecteur``, ``classe-mobile-terminaux``) |
| ``designation`` | free text (model, brand) |
| ``quantite`` | whole number, 1 to 10 000 |
| ``emplacement`` | ``classe``, ``salle`` or ``ecole`` |
| ``precision_emplacement`` | e.g. « CM1 », « salle 12 » (optional) |
| ``annee_acquisition`` | year, e.g. 2021 (optional) |
| ``etat`` | ``bon``, ``usage`` or ``hors_service`` (default ``bon``) |
| ``numero_serie`` | serial number (optional) |

Line numbers in errors are the spreadsheet's: the header is line 1.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Container, Mapping
from dataclasses import dataclass, field

import tablib

from .models import Emplacement, EtatMateriel

COLONNES = (
    "uai",
    "item",
    "designation",
    "quantite",
    "emplacement",
    "precision_emplacement",
    "annee_acquisition",
    "etat",
    "numero_serie",
)
OBLIGATOIRES = ("uai", "item", "quantite")
QUANTITE_MAX = 10_000
ANNEE_MIN = 1980
FORMATS = ("csv", "xlsx", "ods")
TAILLE_MAX = 5 * 1024 * 1024
LIGNES_MAX = 50_000

EMPLACEMENTS = {
    "classe": Emplacement.CLASSE,
    "salle": Emplacement.SALLE,
    "ecole": Emplacement.ECOLE,
    "école": Emplacement.ECOLE,
    "etablissement": Emplacement.ECOLE,
    "établissement": Emplacement.ECOLE,
}
ETATS = {
    "bon": EtatMateriel.BON,
    "en service": EtatMateriel.BON,
    "usage": EtatMateriel.USAGE,
    "usé": EtatMateriel.USAGE,
    "hors_service": EtatMateriel.HORS_SERVICE,
    "hors service": EtatMateriel.HORS_SERVICE,
}

EXEMPLE = [
    ("0350001A", "videoprojecteur", "Vidéoprojecteur interactif", 1, "classe", "CM1", 2021, "bon", "VP-2021-001"),
    ("0350001A", "poste-enseignant", "Ordinateur portable", 1, "classe", "CM1", 2019, "bon", ""),
    ("0350001A", "classe-mobile-terminaux", "Tablettes", 12, "ecole", "", 2022, "bon", ""),
]


@dataclass(frozen=True)
class LigneLue:
    numero: int
    uai: str
    item_code: str
    designation: str
    quantite: int
    emplacement: str
    emplacement_detail: str
    annee_acquisition: int | None
    etat: str
    numero_serie: str


@dataclass
class Lecture:
    lignes: list[LigneLue] = field(default_factory=list)
    erreurs: list[tuple[int, str]] = field(default_factory=list)

    @property
    def valide(self) -> bool:
        return not self.erreurs and bool(self.lignes)

    def par_uai(self) -> dict[str, int]:
        compte: dict[str, int] = {}
        for ligne in self.lignes:
            compte[ligne.uai] = compte.get(ligne.uai, 0) + 1
        return compte


class FichierIllisible(ValueError):
    pass


def _format(nom: str) -> str:
    extension = nom.rsplit(".", 1)[-1].lower() if "." in nom else ""
    if extension not in FORMATS:
        raise FichierIllisible(
            f"Format de fichier non reconnu : « {nom} ». Formats acceptés : CSV (séparateur « ; » ou « , »), XLSX, ODS."
        )
    return extension


def _lignes_brutes(contenu: bytes, fmt: str) -> list[list[str]]:
    if fmt == "csv":
        try:
            texte = contenu.decode("utf-8-sig")
        except UnicodeDecodeError:
            texte = contenu.decode("cp1252", errors="replace")
        delimiteur = ";" if texte.split("\n", 1)[0].count(";") >= texte.split("\n", 1)[0].count(",") else ","
        return [list(r) for r in csv.reader(io.StringIO(texte), delimiter=delimiteur)]
    try:
        dataset = tablib.Dataset().load(contenu, format=fmt)
    except Exception as exc:
        raise FichierIllisible(f"Le fichier {fmt.upper()} ne peut pas être lu ({type(exc).__name__}).") from None
    lignes = [list(dataset.headers or [])]
    lignes += [["" if v is None else v for v in row] for row in dataset]
    return [[_texte(v) for v in row] for row in lignes]


def _texte(valeur: object) -> str:
    if isinstance(valeur, float) and valeur.is_integer():
        return str(int(valeur))
    return "" if valeur is None else str(valeur).strip()


def lire_fichier(
    nom: str,
    contenu: bytes,
    *,
    uais_autorises: Container[str],
    codes_items: Mapping[str, str],
    annee_courante: int,
) -> Lecture:
    """Parse and validate the whole file; never stop at the first error."""
    if len(contenu) > TAILLE_MAX:
        raise FichierIllisible("Le fichier dépasse 5 Mo : découpez-le par établissement.")
    brutes = _lignes_brutes(contenu, _format(nom))
    if not brutes or not any(brutes[0]):
        raise FichierIllisible("Le fichier est vide : la première ligne doit contenir les en-têtes du modèle.")
    entetes = [str(h).strip().lower() for h in brutes[0]]
    manquantes = [c for c in OBLIGATOIRES if c not in entetes]
    if manquantes:
        raise FichierIllisible(
            f"Colonne obligatoire absente : « {manquantes[0]} ». "
            "Téléchargez le modèle pour voir les colonnes attendues."
        )
    if len(brutes) - 1 > LIGNES_MAX:
        raise FichierIllisible(f"Le fichier dépasse {LIGNES_MAX} lignes.")
    lecture = Lecture()
    for numero, brute in enumerate(brutes[1:], start=2):
        if not any(str(v).strip() for v in brute):
            continue
        valeurs = {e: (str(brute[i]).strip() if i < len(brute) else "") for i, e in enumerate(entetes)}
        erreurs: list[str] = []
        uai = valeurs.get("uai", "").upper()
        if not uai:
            erreurs.append("colonne « uai » : UAI manquant")
        elif uai not in uais_autorises:
            erreurs.append(f"colonne « uai » : l'établissement {uai} est inconnu ou hors de votre compétence")
        code = valeurs.get("item", "").strip()
        if not code:
            erreurs.append("colonne « item » : code d'item manquant")
        elif code not in codes_items:
            erreurs.append(f"colonne « item » : item « {code} » inconnu des référentiels (voir la liste du modèle)")
        quantite = 0
        brut_q = valeurs.get("quantite", "")
        try:
            quantite = int(brut_q)
            if not 1 <= quantite <= QUANTITE_MAX:
                raise ValueError
        except ValueError:
            erreurs.append(f"colonne « quantite » : « {brut_q} » n'est pas un nombre entier entre 1 et {QUANTITE_MAX}")
        emplacement_brut = valeurs.get("emplacement", "").lower()
        emplacement = EMPLACEMENTS.get(emplacement_brut or "ecole")
        if emplacement is None:
            erreurs.append(
                f"colonne « emplacement » : « {emplacement_brut} » inconnu (attendu : classe, salle ou ecole)"
            )
        annee = None
        brut_a = valeurs.get("annee_acquisition", "")
        if brut_a:
            try:
                annee = int(brut_a)
                if not ANNEE_MIN <= annee <= annee_courante:
                    raise ValueError
            except ValueError:
                erreurs.append(
                    f"colonne « annee_acquisition » : « {brut_a} » n'est pas une année entre {ANNEE_MIN} et "
                    f"{annee_courante}"
                )
        etat_brut = valeurs.get("etat", "").lower()
        etat = ETATS.get(etat_brut or "bon")
        if etat is None:
            erreurs.append(f"colonne « etat » : « {etat_brut} » inconnu (attendu : bon, usage ou hors_service)")
        designation = valeurs.get("designation", "")[:255]
        if erreurs:
            lecture.erreurs.append((numero, " ; ".join(erreurs)))
            continue
        lecture.lignes.append(
            LigneLue(
                numero=numero,
                uai=uai,
                item_code=code,
                designation=designation,
                quantite=quantite,
                emplacement=str(emplacement),
                emplacement_detail=valeurs.get("precision_emplacement", "")[:120],
                annee_acquisition=annee,
                etat=str(etat),
                numero_serie=valeurs.get("numero_serie", "")[:120],
            )
        )
    if not lecture.lignes and not lecture.erreurs:
        raise FichierIllisible("Le fichier ne contient aucune ligne d'équipement.")
    return lecture
