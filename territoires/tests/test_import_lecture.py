"""The fast reader (pandas' C parser) reads exactly what the csv module reads, or leaves the file to it."""

import csv
import io

from hypothesis import given, settings
from hypothesis import strategies as st

from territoires.importers.readers import Erreurs, _lire_csv, _lire_csv_rapide

ABIMER = st.sampled_from(["", "\n", '"', ",", ";", "\r\n", "\r"])  # a truncated, shifted or blank line…
CHAMP = st.text(alphabet=st.sampled_from(list('ab é;,"\n\r\t2')), max_size=6)


def _les_deux(texte: str, largeur: int, delimiteur: str):
    index = [(f"c{i}", i) for i in range(largeur)]
    rapide = _lire_csv_rapide(texte.encode(), texte, "f.csv", index, largeur, delimiteur)
    erreurs = Erreurs()
    lent = _lire_csv(texte, "f.csv", index, largeur, delimiteur, erreurs)
    return rapide, lent, erreurs


@settings(max_examples=300, deadline=None)
@given(
    rangees=st.lists(st.lists(CHAMP, min_size=3, max_size=3), max_size=6),
    delimiteur=st.sampled_from([",", ";"]),
    abimer=st.lists(st.tuples(st.integers(0, 400), ABIMER), max_size=2),
)
def test_the_fast_reader_reads_what_the_csv_module_reads(rangees, delimiteur, abimer):
    sortie = io.StringIO()
    csv.writer(sortie, delimiter=delimiteur, lineterminator="\n").writerows([["a", "b", "c"], *rangees])
    texte = sortie.getvalue()
    for position, morceau in abimer:
        position = 6 + position % max(1, len(texte) - 5)
        texte = texte[:position] + morceau + texte[position + (1 if morceau == "" else 0) :]
    rapide, lent, erreurs = _les_deux(texte, 3, delimiteur)
    if rapide is None:
        return  # irregular: the csv module reads it and names the lines
    assert not erreurs, erreurs.messages
    assert lent is not None
    assert rapide.n == lent.n
    assert rapide.colonnes == lent.colonnes
    assert [rapide.ligne(i) for i in range(rapide.n)] == [lent.ligne(i) for i in range(lent.n)]


def test_a_short_line_is_left_to_the_csv_module_which_names_it():
    texte = "a,b,c\n1,2,3\n4,5\n"
    rapide, _, erreurs = _les_deux(texte, 3, ",")
    assert rapide is None
    assert erreurs.messages == ["f.csv, ligne 3 : 2 champs au lieu de 3 (ligne incomplète : fichier tronqué ?)"]


def test_a_line_break_inside_quotes_keeps_the_line_numbers():
    texte = 'a,b,c\n1,"deux\nlignes",3\n4,5,6\n'
    rapide, _, _ = _les_deux(texte, 3, ",")
    assert rapide is not None
    assert rapide.colonnes["c1"] == ["deux\nlignes", "5"]
    assert [rapide.ligne(0), rapide.ligne(1)] == [3, 4]


# --- Step 1 of lire_scolaire: the list of établissements, column by column or row by row ---------------------------

LISTE = {
    "uai": ["0350122T", "0350002M", "0350024L", "0350122t"],  # lower case: another form of a valid UAI
    "code_departement": ["35", "035", "94", "975"],
    "code_commune": ["35238", "35047", "94028", "97502", "99999", ""],  # 99999 and "": absent from the COG
    "type_etablissement": ["ecole", "college", "lycee", "", "autre"],
    "nature": ["COLLEGE", "ECOLE MATERNELLE", ""],
    "etat": ["", "OUVERT", "FERME", "ferme"],
    "code_academie": ["14", "43", "", "9"],
    "nom": ["", "École A", "Collège B", "x" * 300],
    "sous_type": ["", "primaire"],
    "secteur": ["Public", "Privé", "privé sous contrat", ""],
    "contrat": ["", "CONTRAT D'ASSOCIATION", "HORS CONTRAT"],
    "code_postal": ["", "35000", "350000"],
    "adresse": ["", "1 rue"],
}
FACULTATIVES = ("nature", "etat", "contrat", "code_academie", "sous_type")
COORDONNEE = st.sampled_from([None, 0.0, 48.1, -2.5])


def _referentiel():
    from territoires.importers.decoupage import Referentiel

    ref = Referentiel()
    ref.academies = {"14": {}, "24": {}, "43": {}}
    ref.departements = {"35": {"academie_id": "14"}, "94": {"academie_id": "24"}, "975": {"academie_id": None}}
    ref.communes = {
        "35238": {"departement_id": "35"},
        "35047": {"departement_id": "35"},
        "94028": {"departement_id": "94"},
        "97502": {"departement_id": "975"},
    }
    return ref


@st.composite
def _fichier_liste(draw):
    n = draw(st.integers(0, 12))
    absentes = draw(st.sets(st.sampled_from(FACULTATIVES)))
    colonnes = {
        nom: [draw(st.sampled_from(valeurs)) for _ in range(n)] for nom, valeurs in LISTE.items() if nom not in absentes
    }
    lats = [draw(COORDONNEE) for _ in range(n)]
    lngs = [draw(COORDONNEE) for _ in range(n)]
    return colonnes, n, lats, lngs


@settings(max_examples=300, deadline=None)
@given(
    fichiers=st.lists(_fichier_liste(), min_size=1, max_size=2),
    departements=st.sampled_from([None, {"35"}, {"94", "975"}]),
)
def test_the_list_read_column_by_column_is_the_list_read_row_by_row(fichiers, departements):
    from territoires.importers.champs import Contexte
    from territoires.importers.etablissements import (
        Scolaire,
        _fusionner_liste,
        _lignes_verifiees,
        _liste_par_colonnes,
    )
    from territoires.importers.readers import Table

    resultats = []
    for par_colonnes in (True, False):
        ref, out, inconnues, erreurs = _referentiel(), Scolaire(), {}, Erreurs()
        for k, (colonnes, n, lats, lngs) in enumerate(fichiers):
            code = f"liste{k}"
            t = Table(f"{code}.csv", colonnes, n, lignes=range(2, n + 2))
            if par_colonnes:
                assert _liste_par_colonnes(t, code, lats, lngs, ref, departements, out, inconnues)
            else:
                ctx = Contexte(erreurs, t.fichier, t)
                lignes = _lignes_verifiees(ctx, t, code, lats, lngs, ref, departements, inconnues)
                _fusionner_liste(out.etablissements, code, lignes)
        assert not erreurs
        # Same établissements, in the same order, with their keys in the same order; same counts, same académies.
        resultats.append(
            ([(uai, list(e.items())) for uai, e in out.etablissements.items()], inconnues, ref.departements)
        )
    assert resultats[0] == resultats[1]


def test_an_invalid_list_is_left_to_the_row_by_row_loop_which_names_the_line():
    from territoires.importers.champs import Contexte
    from territoires.importers.etablissements import (
        Scolaire,
        _fusionner_liste,
        _lignes_verifiees,
        _liste_par_colonnes,
    )
    from territoires.importers.readers import Table

    colonnes = {
        "uai": ["0350122T", "0350002M", "0350024L"],
        "code_departement": ["35", "35", "35"],
        "code_commune": ["35238", "3504", "35238"],
        "type_etablissement": ["ecole", "college", "lycee"],
        "nom": ["A", "B", "C"],
    }
    t = Table("liste.csv", colonnes, 3, lignes=range(2, 5))
    ref, out, inconnues, erreurs = _referentiel(), Scolaire(), {}, Erreurs()
    assert not _liste_par_colonnes(t, "liste", [None] * 3, [None] * 3, ref, None, out, inconnues)
    assert (out.etablissements, inconnues) == ({}, {})
    ctx = Contexte(erreurs, t.fichier, t)
    lignes = _lignes_verifiees(ctx, t, "liste", [None] * 3, [None] * 3, ref, None, inconnues)
    _fusionner_liste(out.etablissements, "liste", lignes)
    assert erreurs.messages == [
        "liste.csv, ligne 3, colonne « code_commune » : "
        "code commune INSEE « 3504 » invalide (5 caractères, 2A/2B en Corse)"
    ]
    assert list(out.etablissements) == ["0350122T", "0350024L"]
