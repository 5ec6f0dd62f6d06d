"""Pure rules of the comité, property-tested."""

from hypothesis import given
from hypothesis import strategies as st

from comite import rules

STATUTS = list(rules.POINT_TRANSITIONS)


@given(st.sampled_from(STATUTS), st.sampled_from(STATUTS))
def test_closed_items_never_move(source, cible):
    if source in (rules.DECLINE, rules.TRAITE):
        assert not rules.point_may_move(source, cible)


@given(st.sampled_from(STATUTS))
def test_nothing_goes_back_to_proposed(source):
    assert not rules.point_may_move(source, rules.PROPOSE)


@given(st.text(min_size=1, max_size=30), st.integers(min_value=1, max_value=10 * 1024 * 1024), st.binary(max_size=8))
def test_accepted_files_are_pdfs_within_the_limit(nom, taille, debut):
    erreur = rules.pdf_upload_error(nom, taille, debut)
    acceptable = nom.lower().endswith(".pdf") and debut.startswith(b"%PDF-")
    assert (erreur is None) is acceptable
    if erreur:
        assert nom in erreur


def test_too_big_names_the_limit():
    assert "10 Mo" in rules.pdf_upload_error("a.pdf", 11 * 1024 * 1024, b"%PDF-1.7")


@given(st.lists(st.tuples(st.integers(0, 3), st.integers())))
def test_group_by_keeps_every_value_in_order(pairs):
    grouped = rules.group_by(pairs)
    assert sum(len(v) for v in grouped.values()) == len(pairs)
    for key, values in grouped.items():
        assert values == [v for k, v in pairs if k == key]
