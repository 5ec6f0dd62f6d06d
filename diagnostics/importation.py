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
from typing import Any

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
    # « remplacement »: the file replaces the établissements' lines; « glpi »: reconciled by serial number.
    mode: str = "remplacement"
    # Assets read but not counted by the socle (GLPI: computer monitors, switches…), with the reason.
    ignores: list[tuple[int, str]] = field(default_factory=list)

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


# --- GLPI-style JSON inventory ---------------------------------------------------------------------
# The JSON the GLPI agent sends (« native inventory » format): one object, or a list of objects, each with
# ``itemtype`` and ``content`` (``hardware.chassis_type``, ``bios.ssn`` the serial number, ``bios.smanufacturer``,
# ``bios.smodel``, ``bios.bdate``; ``printers`` with ``serial`` and ``name``). Each computer becomes one line;
# the item follows the chassis type; the acquisition year is the BIOS date's (a proxy, said on the page).
# Lines are reconciled by serial number: a known serial updates its line, a new one adds a line, none is removed.

CHASSIS = {
    "ecole": {
        "laptop": "poste-enseignant",
        "notebook": "poste-enseignant",
        "portable": "poste-enseignant",
        "tablet": "classe-mobile-terminaux",
        "convertible": "classe-mobile-terminaux",
        "desktop": "direction-ordinateur",
        "tower": "direction-ordinateur",
        "mini pc": "direction-ordinateur",
    },
    "second_degre": {
        "laptop": "poste-enseignant",
        "notebook": "poste-enseignant",
        "portable": "poste-enseignant",
        "tablet": "terminaux-mobiles",
        "convertible": "terminaux-mobiles",
        "desktop": "direction-poste",
        "tower": "direction-poste",
        "mini pc": "direction-poste",
    },
}
IMPRIMANTE = {"ecole": "direction-imprimante", "second_degre": "imprimante-reseau"}
# Collective displays (projectors, interactive screens) and Wi-Fi access points. A Wi-Fi access point is kept as a
# line of the référentiel's connection item; the engine counts connected classrooms from the form, not from lines.
AFFICHAGE = {"ecole": "videoprojecteur", "second_degre": "affichage-collectif"}
BORNE_WIFI = {"ecole": "connexion-classe", "second_degre": "wifi-salles"}
MOTS_AFFICHAGE = ("projector", "projecteur", "interacti", "tni", "vpi", "eni", "tbi")
MOTS_WIFI = ("wireless", "wifi", "wi-fi", "access point", "accesspoint", "borne", "wlan")


def _contient(texte: str, mots: tuple[str, ...]) -> bool:
    mots_du_texte = set(texte.replace("-", " ").replace("/", " ").split())
    return any((mot in texte) if len(mot) > 3 else (mot in mots_du_texte) for mot in mots)


def _annee_bios(texte: object, annee_courante: int) -> int | None:
    if not isinstance(texte, str):
        return None
    for morceau in texte.replace("/", "-").split("-"):
        if len(morceau) == 4 and morceau.isdigit() and ANNEE_MIN <= int(morceau) <= annee_courante:
            return int(morceau)
    return None


def _texte_de(objet: dict[str, Any], *cles: str) -> str:
    return " ".join(str(objet.get(k) or "").strip() for k in cles).strip()


def lire_glpi(nom: str, contenu: bytes, *, uai: str, niveau: str, annee_courante: int) -> Lecture:
    """Read a GLPI-style JSON inventory of one établissement; one error per asset that cannot be used.

    - ``Computer``: the item follows ``hardware.chassis_type`` (laptops → teacher laptops, tablets → mobile
      terminals, desktops → the direction's computer); its ``monitors`` that are projectors or interactive
      screens → collective displays (other monitors are ignored); its ``printers`` → the printer item;
    - ``NetworkEquipment``: ``network_device.type`` wireless (or a Wi-Fi access point by name or model) →
      Wi-Fi access point, printer → printer; switches, routers… are ignored;
    - ``Printer``: the printer item; ``Monitor``: a projector or interactive screen → collective display.
    Serial numbers are required (reconciliation) and unique in the file.
    """
    import json

    if len(contenu) > TAILLE_MAX:
        raise FichierIllisible("Le fichier dépasse 5 Mo : découpez-le.")
    try:
        donnees = json.loads(contenu.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise FichierIllisible(f"« {nom} » n'est pas un JSON valide ({exc.__class__.__name__}).") from None
    objets = donnees if isinstance(donnees, list) else [donnees]
    degre = "ecole" if niveau == "ecole" else "second_degre"
    table = CHASSIS[degre]
    lecture = Lecture(mode="glpi")
    vus: set[str] = set()
    imprimantes: set[str] = set()  # a network printer may also be declared by the computers that use it

    def ajouter(rang: int, code: str, designation: str, serie: str, annee: int | None, quoi: str) -> str | None:
        if not serie:
            return f"{quoi} : numéro de série absent, la réconciliation est impossible"
        if serie in vus:
            return f"{quoi} : numéro de série {serie} en double dans le fichier"
        vus.add(serie)
        lecture.lignes.append(
            LigneLue(rang, uai, code, designation[:255], 1, "ecole", "", annee, EtatMateriel.BON, serie[:120])
        )
        return None

    for rang, objet in enumerate(objets, start=1):
        contenu_glpi = objet.get("content") if isinstance(objet, dict) else None
        if not isinstance(contenu_glpi, dict):
            lecture.erreurs.append((rang, "objet sans « content » : ce n'est pas un inventaire GLPI"))
            continue
        itemtype = str(objet.get("itemtype") or "Computer").strip()
        erreurs: list[str] = []
        if itemtype == "Computer":
            bios = contenu_glpi.get("bios") or {}
            materiel = contenu_glpi.get("hardware") or {}
            chassis = str(materiel.get("chassis_type") or "").strip().lower()
            code = table.get(chassis)
            if code is None:
                erreurs.append(
                    f"« hardware.chassis_type » : type « {chassis or 'absent'} » non pris en charge "
                    f"(attendu : {', '.join(sorted(table))})"
                )
            else:
                designation = _texte_de(bios, "smanufacturer", "smodel") or str(materiel.get("name") or "")
                annee = _annee_bios(bios.get("bdate"), annee_courante)
                erreur = ajouter(rang, code, designation, str(bios.get("ssn") or "").strip(), annee, "« bios.ssn »")
                if erreur:
                    erreurs.append(erreur)
            for i, ecran in enumerate(contenu_glpi.get("monitors") or [], start=1):
                ecran = ecran if isinstance(ecran, dict) else {}
                libelle = _texte_de(ecran, "manufacturer", "caption", "name", "description")
                if not _contient(libelle.lower(), MOTS_AFFICHAGE):
                    lecture.ignores.append((rang, f"écran « {libelle or i} » : moniteur d'ordinateur, non compté"))
                    continue
                erreur = ajouter(
                    rang, AFFICHAGE[degre], libelle, str(ecran.get("serial") or "").strip(), None, f"« monitors[{i}] »"
                )
                if erreur:
                    erreurs.append(erreur)
            for i, imp in enumerate(contenu_glpi.get("printers") or [], start=1):
                imp = imp if isinstance(imp, dict) else {}
                serie_imp = str(imp.get("serial") or "").strip()
                if not serie_imp:
                    lecture.ignores.append((rang, f"imprimante « {imp.get('name') or i} » sans numéro de série"))
                    continue
                if serie_imp in imprimantes:
                    continue
                imprimantes.add(serie_imp)
                erreur = ajouter(
                    rang, IMPRIMANTE[degre], str(imp.get("name") or "Imprimante"), serie_imp, None, f"« printers[{i}] »"
                )
                if erreur:
                    erreurs.append(erreur)
        elif itemtype in ("NetworkEquipment", "Printer", "Monitor"):
            appareil = (
                contenu_glpi.get("network_device") or contenu_glpi.get("printer") or contenu_glpi.get("monitor") or {}
            )
            if not isinstance(appareil, dict):
                appareil = {}
            genre = str(appareil.get("type") or "").strip().lower()
            libelle = _texte_de(appareil, "manufacturer", "model", "name")
            code = None
            if itemtype == "Printer" or genre == "printer":
                code = IMPRIMANTE[degre]
            elif itemtype == "Monitor":
                if _contient(f"{genre} {libelle}".lower(), MOTS_AFFICHAGE):
                    code = AFFICHAGE[degre]
            elif _contient(f"{genre} {libelle}".lower(), MOTS_WIFI):
                code = BORNE_WIFI[degre]
            if code is None:
                lecture.ignores.append((rang, f"{itemtype} « {libelle or genre or rang} » : non compté par le socle"))
                continue
            serie = str(appareil.get("serial") or contenu_glpi.get("serial") or "").strip()
            if code == IMPRIMANTE[degre] and serie:
                if serie in imprimantes:
                    continue
                imprimantes.add(serie)
            erreur = ajouter(rang, code, libelle or itemtype, serie, None, "« serial »")
            if erreur:
                erreurs.append(erreur)
        else:
            erreurs.append(
                f"« itemtype » : « {itemtype} » non pris en charge "
                "(attendu : Computer, NetworkEquipment, Printer, Monitor)"
            )
        if erreurs:
            lecture.erreurs.append((rang, " ; ".join(erreurs)))
    if not lecture.lignes and not lecture.erreurs:
        raise FichierIllisible("L'inventaire GLPI ne contient aucun matériel.")
    return lecture
