"""Payments of a granted subsidy: advance, then balance = min(granted, rule on justified expenses) − advance."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from hypothesis import given, settings
from hypothesis import strategies as st

from appels import rules, services
from appels.models import Paiement
from appels.presets import preset
from core.audit import history_of

from .factories import PDF, agent_de, appel_ouvert, commune_avec_ecoles, lignes


@pytest.fixture
def accepte(db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    appel = appel_ouvert("snee-2021")
    collectivite, ecoles = commune_avec_ecoles()
    agent = agent_de(collectivite)
    dossier, _ = services.dossier_creer(appel=appel, collectivite=collectivite, acteur=agent, cle_idempotence="k")
    services.dossier_enregistrer_projet(
        dossier=dossier, acteur=agent, etablissement=ecoles[0], projet_pedagogique="P", lignes=lignes("12000")
    )
    services.dossier_ajouter_piece(
        dossier=dossier, acteur=agent, code="devis", fichier=SimpleUploadedFile("d.pdf", PDF)
    )
    services.dossier_deposer(dossier=dossier, acteur=agent)
    services.dossier_instruire(dossier=dossier, acteur=None)
    services.projet_valider(projet=dossier.projets.get(), acteur=None)
    services.enveloppe_fixer(appel=appel, academie=dossier.academie, montant=Decimal("100000"), acteur=None)
    return services.dossier_accepter(dossier=dossier, acteur=None), ecoles[0]


def test_advance_then_balance_on_lower_justified_expenses(accepte):
    dossier, ecole = accepte
    avance = services.paiement_avance(dossier=dossier, acteur=None)
    assert avance.montant == Decimal("2520.00")  # 30 % (unconfirmed preset) × 8 400 €
    # Only 10 000 € spent: 70 % × 10 000 = 7 000 € due, 2 520 € already paid.
    solde = services.paiement_solde(
        dossier=dossier, acteur=None, depenses_justifiees={ecole.uai: {"equipement": "10000"}}
    )
    assert solde.montant == Decimal("4480.00")
    assert any("min(accordée 8 400,00 €" in ligne.replace("\u00a0", " ") for ligne in solde.explication)
    assert [e.action for e in history_of(dossier)][:2] == ["appels.paiement.solde", "appels.paiement.avance"]


def test_balance_never_above_the_granted_subsidy(accepte):
    dossier, ecole = accepte
    solde = services.paiement_solde(
        dossier=dossier, acteur=None, depenses_justifiees={ecole.uai: {"equipement": "50000"}}
    )
    assert solde.montant == Decimal("8400.00")
    with pytest.raises(ValidationError, match="déjà été versé"):
        services.paiement_solde(dossier=dossier, acteur=None, depenses_justifiees={ecole.uai: {"equipement": "1"}})
    with pytest.raises(ValidationError, match="avant le solde"):
        services.paiement_avance(dossier=dossier, acteur=None)


def test_bad_justified_expenses_are_refused_and_nothing_is_paid(accepte):
    dossier, ecole = accepte
    with pytest.raises(ValidationError, match="montant négatif"):
        services.paiement_solde(dossier=dossier, acteur=None, depenses_justifiees={ecole.uai: {"equipement": "-1"}})
    with pytest.raises(ValidationError, match="hors du dossier"):
        services.paiement_solde(dossier=dossier, acteur=None, depenses_justifiees={"0000000X": {"equipement": "1"}})
    assert not Paiement.objects.exists()


montants = st.decimals(min_value=0, max_value=500_000, places=2)


@settings(max_examples=100, deadline=None)
@given(accorde=montants, justifie=montants, classes=st.integers(min_value=0, max_value=20))
def test_advance_plus_balance_never_exceed_the_granted_subsidy(accorde, justifie, classes):
    regle = rules.lire_financement(preset("snee-2021")["financement"])
    avance, _ = rules.montant_avance(regle, accorde)
    ecole = rules.EtablissementSaisi("E", "École", classes, classes * 25, {"equipement": justifie})
    solde, _ = rules.montant_solde(regle, accorde, avance, [ecole])
    assert Decimal(0) <= solde
    assert avance + solde <= accorde
    assert avance <= accorde
