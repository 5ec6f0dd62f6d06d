"""Reads of the territoires pages: search semantics and counts."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from territoires import models, selectors
from territoires.rules import normalise_recherche
from territoires.selectors import Filtres, recherche_etablissements, recherche_instantanee
from territoires.tests.factories import CollectiviteFactory, CommuneFactory, DepartementFactory, EtablissementFactory

pytestmark = pytest.mark.django_db


def etab(**kwargs) -> models.Etablissement:
    e = EtablissementFactory(**kwargs)
    e.recherche = normalise_recherche(f"{e.nom} {e.commune.nom} {e.uai} {e.code_postal}")
    e.save(update_fields=["recherche"])
    return e


def uais(filtres: Filtres) -> list[str]:
    return [e.uai for e in recherche_etablissements(filtres)]


@pytest.fixture
def ecoles():
    rennes = CommuneFactory(code_insee="35238", nom="Rennes")
    brest = CommuneFactory(code_insee="29019", nom="Brest", departement=DepartementFactory(code="29", nom="Finistère"))
    return {
        "jaures_rennes": etab(uai="0350001A", nom="École Jean Jaurès", commune=rennes, code_postal="35000"),
        "jaures_brest": etab(uai="0290001B", nom="École Jean Jaurès", commune=brest, code_postal="29200"),
        "ferry": etab(uai="0350002C", nom="Collège Jules Ferry", commune=rennes, code_postal="35700", niveau="college"),
        "prefixe": etab(uai="0350001Z", nom="Lycée Zola", commune=rennes, niveau="lycee"),
        "prive": etab(uai="0350099P", nom="École Sainte-Anne", commune=rennes, secteur="prive_sous_contrat"),
    }


def test_every_word_must_match_whatever_accents_and_case(ecoles):
    assert set(uais(Filtres(q="JAURÈS"))) == {"0350001A", "0290001B"}
    assert uais(Filtres(q="jaures rennes")) == ["0350001A"]
    assert uais(Filtres(q="jean brest")) == ["0290001B"]
    assert uais(Filtres(q="jaures zola")) == []


def test_postcode_and_commune_are_searched(ecoles):
    assert uais(Filtres(q="29200")) == ["0290001B"]
    assert uais(Filtres(q="35700")) == ["0350002C"]


def test_exact_uai_comes_first_then_prefix_matches(ecoles):
    assert uais(Filtres(q="0350001A")) == ["0350001A"]
    assert uais(Filtres(q="0350001z")) == ["0350001Z"]
    # "0350001" is the prefix of two UAIs; they come before any other match.
    assert uais(Filtres(q="0350001"))[:2] == ["0350001A", "0350001Z"]


def test_filters_by_type_secteur_and_departement(ecoles):
    assert uais(Filtres(niveau="college")) == ["0350002C"]
    assert uais(Filtres(secteur="prive_sous_contrat")) == ["0350099P"]
    assert set(uais(Filtres(departement="29"))) == {"0290001B"}
    assert uais(Filtres(q="jaures", departement="35")) == ["0350001A"]


def test_filters_from_the_query_string_ignore_unknown_values():
    filtres = Filtres.from_query({"q": "  jaures ", "type": "universite", "secteur": "x", "departement": "2a"})
    assert filtres == Filtres(q="jaures", niveau="", secteur="", departement="2A")
    assert Filtres.from_query({"niveau": "ecole"}).niveau == "ecole"
    assert not Filtres.from_query({}).actif


def test_instant_search_returns_at_most_the_limit_and_says_there_are_more(ecoles):
    rennes = ecoles["ferry"].commune
    for i in range(5):
        etab(uai=f"035050{i}A", nom=f"École maternelle {i}", commune=rennes)
    rows, plus = recherche_instantanee(Filtres(q="maternelle"), limit=3)
    assert [e.nom for e in rows] == ["École maternelle 0", "École maternelle 1", "École maternelle 2"]
    assert plus is True
    rows, plus = recherche_instantanee(Filtres(q="maternelle"), limit=5)
    assert len(rows) == 5 and plus is False
    assert recherche_instantanee(Filtres(q="  ,; "))[0] == []


def test_instant_search_runs_two_queries_whatever_the_number_of_results(ecoles):
    rennes = ecoles["ferry"].commune
    for i in range(30):
        etab(uai=f"03506{i:02d}A", nom=f"École {i:02d}", commune=rennes)
    with CaptureQueriesContext(connection) as ctx:
        rows, _ = recherche_instantanee(Filtres(q="ecole"))
        [(e.commune.nom, e.departement.nom) for e in rows]
    assert len(ctx.captured_queries) == 2
    # The scan and the sort run on one narrow column list of one table; only the rows shown are joined.
    scan, rows_shown = (q["sql"].upper() for q in ctx.captured_queries)
    assert "JOIN" not in scan and "LIMIT 21" in scan
    assert scan.split(" FROM ")[0].count(",") == 0  # SELECT uai only
    assert "JOIN" in rows_shown


TYPED = st.one_of(
    st.text(min_size=0, max_size=40),
    st.sampled_from(["0350001A", "0350001", "03500", "0350", "035", "0290001B", "35000", "29200", "0350099p"]),
    st.from_regex(r"\A0[0-9]{2,6}[A-Z]?\Z"),
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(TYPED, st.integers(min_value=1, max_value=4))
def test_instant_search_is_the_head_of_the_full_search(ecoles, text, limit):
    rows, plus = recherche_instantanee(Filtres(q=text), limit=limit)
    for e in rows:
        assert all(word in e.recherche for word in normalise_recherche(text).split())
    if normalise_recherche(text):
        full = uais(Filtres(q=text))
        assert [e.uai for e in rows] == full[:limit]
        assert plus == (len(full) > limit)


def test_whole_uai_is_found_on_the_primary_key_without_scanning(ecoles):
    with CaptureQueriesContext(connection) as ctx:
        rows, plus = recherche_instantanee(Filtres(q="0350001a"))
    assert [e.uai for e in rows] == ["0350001A"] and not plus
    assert len(ctx.captured_queries) == 2  # the primary-key range, then the row shown: no scan


def test_counts_by_type_and_secteur(ecoles):
    tableau = selectors.compte_par_type_et_secteur(models.Etablissement.objects.all())
    assert tableau.total == 5
    secteurs = [valeur for valeur, _ in tableau.secteurs]
    assert secteurs == ["public", "prive_sous_contrat"]
    ecole = next(ligne for ligne in tableau.lignes if ligne["niveau"] == "ecole")
    assert ecole["valeurs"] == [2, 1] and ecole["total"] == 3
    assert tableau.totaux == {"public": 4, "prive_sous_contrat": 1}
    assert tableau.eleves == 5 * 120


def test_collectivites_competentes_with_their_counts(ecoles):
    rennes = CollectiviteFactory(commune=ecoles["ferry"].commune)
    models.Etablissement.objects.filter(commune__code_insee="35238").update(collectivite_competente=rennes)
    rows = list(selectors.collectivites_competentes(models.Etablissement.objects.filter(departement="35")))
    assert len(rows) == 1
    assert rows[0]["collectivite_competente__code"] == rennes.code
    assert (rows[0]["ecoles"], rows[0]["colleges"], rows[0]["lycees"], rows[0]["n"]) == (2, 1, 1, 4)
