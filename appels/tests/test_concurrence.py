"""Two instructors accept at the same second: the académie's envelope is still never exceeded (PostgreSQL)."""

import threading
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, connections

from appels import services
from appels.models import Dossier, Enveloppe, EtatDossier

from .factories import PDF, agent_de, appel_ouvert, commune_avec_ecoles, lignes


@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_acceptances_never_exceed_the_envelope(settings, tmp_path):
    if connection.vendor != "postgresql":
        pytest.skip("verrous de ligne (select_for_update) : test sur PostgreSQL")
    settings.MEDIA_ROOT = tmp_path
    appel = appel_ouvert("snee-2021")
    dossiers = []
    for i in range(2):
        collectivite, ecoles = commune_avec_ecoles()
        agent = agent_de(collectivite)
        dossier, _ = services.dossier_creer(
            appel=appel, collectivite=collectivite, acteur=agent, cle_idempotence=f"c{i}"
        )
        services.dossier_enregistrer_projet(
            dossier=dossier, acteur=agent, etablissement=ecoles[0], projet_pedagogique="P", lignes=lignes("12000")
        )
        services.dossier_ajouter_piece(
            dossier=dossier, acteur=agent, code="devis", fichier=SimpleUploadedFile("d.pdf", PDF)
        )
        services.dossier_deposer(dossier=dossier, acteur=agent)
        services.dossier_instruire(dossier=dossier, acteur=None)
        services.projet_valider(projet=dossier.projets.get(), acteur=None)
        dossiers.append(dossier)
    # Room for one 8 400 € dossier, not two.
    services.enveloppe_fixer(appel=appel, academie=dossiers[0].academie, montant=Decimal("10000"), acteur=None)

    barriere = threading.Barrier(2)
    resultats: list[str] = []

    def accepter(dossier: Dossier) -> None:
        try:
            barriere.wait(timeout=10)
            services.dossier_accepter(dossier=dossier, acteur=None)
            resultats.append("accepte")
        except ValidationError as exc:
            resultats.append(" ".join(exc.messages))
        finally:
            connections.close_all()

    fils = [threading.Thread(target=accepter, args=(d,)) for d in dossiers]
    for f in fils:
        f.start()
    for f in fils:
        f.join(timeout=60)

    assert len(resultats) == 2
    assert resultats.count("accepte") == 1
    [refus] = [r for r in resultats if r != "accepte"]
    assert "Enveloppe de l'académie insuffisante" in refus
    enveloppe = Enveloppe.objects.get()
    assert enveloppe.engage == Decimal("8400.00") <= enveloppe.montant
    assert Dossier.objects.filter(etat=EtatDossier.ACCEPTE).count() == 1
