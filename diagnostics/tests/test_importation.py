"""The inventory file reader: every format of the template, one French error per faulty line, nothing half-read."""

import pytest
import tablib

from diagnostics import importation
from diagnostics.importation import FichierIllisible, lire_fichier

CODES = {"videoprojecteur": "Vidéoprojecteur", "poste-enseignant": "Poste enseignant"}
UAIS = {"0350001A"}


def lire(nom: str, contenu: bytes):
    return lire_fichier(nom, contenu, uais_autorises=UAIS, codes_items=CODES, annee_courante=2026)


def _tableur(fmt: str, lignes: list[list]) -> bytes:
    dataset = tablib.Dataset(headers=list(importation.COLONNES))
    for ligne in lignes:
        dataset.append(ligne)
    return dataset.export(fmt)


@pytest.mark.parametrize("fmt", ["xlsx", "ods"])
def test_tableurs_du_modele(fmt):
    contenu = _tableur(
        fmt,
        [
            ["0350001A", "videoprojecteur", "VPI", 2, "classe", "CM1", 2021, "bon", "S1"],
            ["0350001A", "poste-enseignant", "PC", "deux", "classe", "CM1", 2021, "bon", ""],
        ],
    )
    lecture = lire(f"inventaire.{fmt}", contenu)
    assert [(ligne.item_code, ligne.quantite, ligne.annee_acquisition) for ligne in lecture.lignes] == [
        ("videoprojecteur", 2, 2021)
    ]
    assert lecture.erreurs == [
        (3, "colonne « quantite » : « deux » n'est pas un nombre entier entre 1 et 10000"),
    ]
    assert not lecture.valide


def test_csv_a_virgules_et_valeurs_par_defaut():
    contenu = b"uai,item,quantite\n0350001a,videoprojecteur,3\n"
    lecture = lire("inventaire.csv", contenu)
    assert lecture.valide
    ligne = lecture.lignes[0]
    assert (ligne.uai, ligne.emplacement, ligne.etat, ligne.annee_acquisition) == ("0350001A", "ecole", "bon", None)


def test_chaque_ligne_fausse_a_son_message():
    contenu = (
        "uai;item;quantite;emplacement;annee_acquisition;etat\n"
        "0350009Z;tableau-noir;0;cour;1900;cassé\n"
        ";videoprojecteur;1;classe;2031;bon\n"
    ).encode()
    lecture = lire("inventaire.csv", contenu)
    assert lecture.lignes == []
    assert lecture.erreurs[0] == (
        2,
        "colonne « uai » : l'établissement 0350009Z est inconnu ou hors de votre compétence ; "
        "colonne « item » : item « tableau-noir » inconnu des référentiels (voir la liste du modèle) ; "
        "colonne « quantite » : « 0 » n'est pas un nombre entier entre 1 et 10000 ; "
        "colonne « emplacement » : « cour » inconnu (attendu : classe, salle ou ecole) ; "
        "colonne « annee_acquisition » : « 1900 » n'est pas une année entre 1980 et 2026 ; "
        "colonne « etat » : « cassé » inconnu (attendu : bon, usage ou hors_service)",
    )
    assert lecture.erreurs[1][0] == 3
    assert "UAI manquant" in lecture.erreurs[1][1] and "« 2031 »" in lecture.erreurs[1][1]


@pytest.mark.parametrize(
    "nom, contenu, message",
    [
        ("inventaire.pdf", b"%PDF", "Format de fichier non reconnu"),
        ("inventaire.csv", b"", "Le fichier est vide"),
        (
            "inventaire.csv",
            b"uai;item\n0350001A;videoprojecteur\n",
            "Colonne obligatoire absente : « quantite »",
        ),
        ("inventaire.xlsx", b"pas un tableur", "ne peut pas être lu"),
    ],
)
def test_fichiers_illisibles(nom, contenu, message):
    with pytest.raises(FichierIllisible, match=message):
        lire(nom, contenu)
