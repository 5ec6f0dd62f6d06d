"""Two adoptions racing on the same référentiel never make two current versions (PostgreSQL only)."""

import threading
import time

import pytest
from django.db import connection

from referentiels import services
from referentiels.models import EtatVersion, Version
from referentiels.signals import version_adoptee

from .factories import ajout, charger, jusqu_a_inscrit, proposer

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL"),
]


def test_deux_adoptions_simultanees_se_suivent():
    v1 = charger("college")
    a = jusqu_a_inscrit(proposer(v1, [ajout("kit-a")], titre="A"))
    b = jusqu_a_inscrit(proposer(v1, [ajout("kit-b")], titre="B"))
    depart = threading.Barrier(2)
    resultats: dict[str, object] = {}

    def lent(sender, **kwargs):
        # Hold the transaction (and the référentiel lock) open while the other thread tries to adopt.
        time.sleep(0.5)

    def adopter(nom, amendement):
        try:
            depart.wait()
            resultats[nom] = services.amendement_adopter(amendement=amendement, actor=None).numero
        except Exception as exc:  # reported by the assertion below
            resultats[nom] = exc
        finally:
            connection.close()

    version_adoptee.connect(lent)
    try:
        threads = [threading.Thread(target=adopter, args=(n, am)) for n, am in (("a", a), ("b", b))]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=30)
    finally:
        version_adoptee.disconnect(lent)

    assert sorted(resultats.values()) == [2, 3], resultats
    versions = Version.objects.filter(referentiel=v1.referentiel)
    assert versions.filter(etat=EtatVersion.ADOPTEE).count() == 1
    derniere = versions.get(etat=EtatVersion.ADOPTEE)
    assert derniere.numero == 3
    # The second adoption was built on the first one: the last version has both kits.
    assert {"kit-a", "kit-b"} <= set(derniere.items.values_list("code", flat=True))
    assert list(versions.order_by("numero").values_list("etat", flat=True)) == ["remplacee", "remplacee", "adoptee"]
