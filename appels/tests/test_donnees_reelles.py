"""The eligibility rules on real schools of the national open data (Ille-et-Vilaine)."""

import pytest

from appels import selectors
from appels.presets import preset
from appels.rules import lire_eligibilite
from territoires.models import Etablissement

pytestmark = pytest.mark.django_db


def _evaluation(code: str, uai: str):
    etablissement = selectors.etablissements_avec_faits(Etablissement.objects.filter(uai=uai)).get()
    [resultat] = selectors.eligibilite_des_etablissements(
        lire_eligibilite(preset(code)["eligibilite"]), [etablissement]
    )
    return etablissement, resultat.evaluation


def test_label_2020_on_a_rural_school_and_a_rennes_school(donnees_reelles):
    baulon, evaluation = _evaluation("label-ecoles-numeriques-2020", "0350122T")
    assert baulon.commune.population and baulon.commune.population <= 3500
    assert evaluation.eligible, evaluation.raisons
    rennes, evaluation = _evaluation("label-ecoles-numeriques-2020", "0350592D")
    assert not evaluation.eligible
    population = f"{rennes.commune.population:,}".replace(",", "\u00a0")
    assert evaluation.raisons == (f"école non éligible : la commune compte plus de 3 500 habitants ({population})",)


def test_snee_on_real_schools_and_colleges(donnees_reelles):
    ecole, evaluation = _evaluation("snee-2021", "0350592D")
    assert evaluation.eligible or "maternelles" in evaluation.raisons[0], (ecole.nature, evaluation)
    _, college = _evaluation("snee-2021", "0690001B")
    assert college.raisons[0] == "établissement non éligible : l'appel vise les écoles"
    _, webradio = _evaluation("webradio-2022", "0690001B")
    assert webradio.eligible
