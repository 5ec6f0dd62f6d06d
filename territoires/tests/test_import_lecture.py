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
