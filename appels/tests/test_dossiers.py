"""The life of a dossier: filing, pieces, submission, IEN validation, decision within the envelope."""

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.utils import timezone

from appels import selectors, services
from appels.models import (
    AppelAProjets,
    Dossier,
    Enveloppe,
    EtatDossier,
    EtatProjet,
    EtatRevision,
    LigneDepense,
    Projet,
    Revision,
    RevisionFigee,
)
from appels.signals import dossier_transition
from core.audit import history_of
from territoires.tests.factories import AcademieFactory

from .factories import PDF, agent_de, appel_ouvert, circonscription, commune_avec_ecoles, ien_de, instructeur_de, lignes

pytestmark = pytest.mark.django_db


@pytest.fixture
def monde(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    appel = appel_ouvert("snee-2021")
    collectivite, ecoles = commune_avec_ecoles()
    agent = agent_de(collectivite)
    return appel, collectivite, ecoles, agent


def dossier_pret(monde, *, equipement="12000"):
    """A draft dossier with one school's projet and its quote."""
    appel, collectivite, ecoles, agent = monde
    dossier, _ = services.dossier_creer(appel=appel, collectivite=collectivite, acteur=agent, cle_idempotence="k1")
    services.dossier_enregistrer_projet(
        dossier=dossier, acteur=agent, etablissement=ecoles[0], projet_pedagogique="Ateliers radio.",
        lignes=lignes(equipement),
    )  # fmt: skip
    services.dossier_ajouter_piece(
        dossier=dossier, acteur=agent, code="devis", fichier=SimpleUploadedFile("devis.pdf", PDF)
    )
    return dossier


def test_charger_appels_is_idempotent():
    sortie = io.StringIO()
    call_command("charger_appels", stdout=sortie)
    call_command("charger_appels", stdout=sortie)
    assert AppelAProjets.objects.count() == 4
    assert Revision.objects.filter(etat=EtatRevision.PUBLIEE).count() == 4
    assert "déjà présent" in sortie.getvalue()
    snee = AppelAProjets.objects.get(code="snee-2021")
    assert snee.revision_publiee().enveloppe_nationale == Decimal("105000000")


def test_charger_appels_demo_opens_an_appel_with_envelopes():
    rennes, creteil = AcademieFactory(), AcademieFactory(code="06", nom="Créteil")
    call_command("charger_appels", demo=True, stdout=io.StringIO())
    call_command("charger_appels", demo=True, stdout=io.StringIO())
    demo = AppelAProjets.objects.get(code="demo-snee")
    assert demo.revision_publiee().ouverte()
    assert {e.academie_id: e.montant for e in demo.enveloppes.all()} == {
        rennes.code: Decimal("52500000"),
        creteil.code: Decimal("52500000"),
    }
    assert not AppelAProjets.objects.get(code="snee-2021").revision_publiee().ouverte()


def test_double_click_creates_one_dossier(monde):
    appel, collectivite, _, agent = monde
    premier, cree = services.dossier_creer(appel=appel, collectivite=collectivite, acteur=agent, cle_idempotence="abc")
    second, recree = services.dossier_creer(appel=appel, collectivite=collectivite, acteur=agent, cle_idempotence="abc")
    assert (cree, recree) == (True, False)
    assert premier.pk == second.pk
    assert Dossier.objects.count() == 1
    assert premier.revision == appel.revision_publiee()
    assert premier.academie.code == "14"
    with pytest.raises(ValidationError, match="a déjà un dossier"):
        services.dossier_creer(appel=appel, collectivite=collectivite, acteur=agent, cle_idempotence="autre")


def test_no_dossier_on_a_closed_appel(monde):
    _, collectivite, _, agent = monde
    ferme = appel_ouvert("enir-2018", jours_restants=-1)
    with pytest.raises(ValidationError, match="n'est pas ouvert"):
        services.dossier_creer(appel=ferme, collectivite=collectivite, acteur=agent, cle_idempotence="x")


def test_negative_price_is_refused_and_nothing_is_saved(monde):
    appel, collectivite, ecoles, agent = monde
    dossier, _ = services.dossier_creer(appel=appel, collectivite=collectivite, acteur=agent, cle_idempotence="k")
    mauvaises = [*lignes(), {"volet": "services", "libelle": "ENT", "quantite": 1, "prix_unitaire": "-50"}]
    with pytest.raises(ValidationError) as exc:
        services.dossier_enregistrer_projet(
            dossier=dossier, acteur=agent, etablissement=ecoles[0], projet_pedagogique="P", lignes=mauvaises
        )
    assert exc.value.message_dict["lignes"] == ["Ligne 2 : le prix unitaire ne peut pas être négatif."]
    assert not Projet.objects.exists()
    assert not LigneDepense.objects.exists()


def test_ineligible_school_is_refused_with_the_reason(monde):
    _, _, _, _ = monde
    appel = appel_ouvert("label-ecoles-numeriques-2020")
    collectivite, ecoles = commune_avec_ecoles(population=5000)
    agent = agent_de(collectivite)
    dossier, _ = services.dossier_creer(appel=appel, collectivite=collectivite, acteur=agent, cle_idempotence="l")
    with pytest.raises(ValidationError) as exc:
        services.dossier_enregistrer_projet(
            dossier=dossier, acteur=agent, etablissement=ecoles[0], projet_pedagogique="P", lignes=lignes()
        )
    assert "la commune compte plus de 3 500 habitants" in exc.value.message_dict["etablissement"][0].replace(
        "\u00a0", " "
    )


def test_school_of_another_collectivite_is_refused(monde):
    appel, collectivite, _, agent = monde
    _, autres = commune_avec_ecoles()
    dossier, _ = services.dossier_creer(appel=appel, collectivite=collectivite, acteur=agent, cle_idempotence="k")
    with pytest.raises(ValidationError, match="ne relève pas de"):
        services.dossier_enregistrer_projet(
            dossier=dossier, acteur=agent, etablissement=autres[0], projet_pedagogique="P", lignes=lignes()
        )


def test_a_quote_must_be_a_pdf(monde):
    appel, collectivite, _, agent = monde
    dossier, _ = services.dossier_creer(appel=appel, collectivite=collectivite, acteur=agent, cle_idempotence="k")
    faux = SimpleUploadedFile("devis.pdf", b"MZ\x90\x00 not a pdf at all")
    with pytest.raises(ValidationError, match="n'est pas un PDF"):
        services.dossier_ajouter_piece(dossier=dossier, acteur=agent, code="devis", fichier=faux)
    assert not dossier.pieces.exists()


def test_submission_computes_the_subsidy_and_is_idempotent(monde, django_capture_on_commit_callbacks):
    dossier = dossier_pret(monde)
    recus = []
    dossier_transition.connect(lambda **kw: recus.append(kw["transition"]), weak=False, dispatch_uid="t")
    try:
        with django_capture_on_commit_callbacks(execute=True):
            depose = services.dossier_deposer(dossier=dossier, acteur=monde[3])
            encore = services.dossier_deposer(dossier=dossier, acteur=monde[3])
    finally:
        dossier_transition.disconnect(dispatch_uid="t")
    assert recus == ["depose"]  # one signal: the second click changed nothing
    assert depose.etat == encore.etat == EtatDossier.DEPOSE
    # 4 classes: 12 000 € ≤ 3 500 × 4, so 70 % × 12 000 €.
    assert depose.montant_demande == Decimal("8400.00")
    assert depose.vague == 1  # a project under 40 000 €
    assert [e.action for e in history_of(dossier)].count("appels.dossier.depose") == 1


def test_submission_needs_the_required_pieces(monde):
    appel, collectivite, ecoles, agent = monde
    dossier, _ = services.dossier_creer(appel=appel, collectivite=collectivite, acteur=agent, cle_idempotence="k")
    services.dossier_enregistrer_projet(
        dossier=dossier, acteur=agent, etablissement=ecoles[0], projet_pedagogique="P", lignes=lignes()
    )
    with pytest.raises(ValidationError, match="Pièce manquante : Devis"):
        services.dossier_deposer(dossier=dossier, acteur=agent)
    dossier.refresh_from_db()
    assert dossier.etat == EtatDossier.BROUILLON


def test_late_submission_is_refused(monde):
    dossier = dossier_pret(monde)
    apres = dossier.revision.cloture + dt.timedelta(seconds=1)
    with pytest.raises(ValidationError, match="Dépôt refusé"):
        services.dossier_deposer(dossier=dossier, acteur=monde[3], instant=apres)


def test_acceptance_needs_every_projet_validated_and_fits_the_envelope(monde):
    dossier = dossier_pret(monde)
    appel, _, _, agent = monde
    ien, instructeur = ien_de(circonscription()), instructeur_de(AcademieFactory())
    services.enveloppe_fixer(appel=appel, academie=dossier.academie, montant=Decimal("10000"), acteur=None)
    services.dossier_deposer(dossier=dossier, acteur=agent)
    services.dossier_instruire(dossier=dossier, acteur=instructeur)
    with pytest.raises(ValidationError, match="non validé"):
        services.dossier_accepter(dossier=dossier, acteur=instructeur)
    projet = dossier.projets.get()
    services.projet_valider(projet=projet, acteur=ien)
    accepte = services.dossier_accepter(dossier=dossier, acteur=instructeur)
    assert accepte.etat == EtatDossier.ACCEPTE
    assert accepte.montant_accorde == Decimal("8400.00")
    assert Enveloppe.objects.get().engage == Decimal("8400.00")
    assert history_of(dossier).first().action == "appels.dossier.accepte"


def test_envelope_is_never_exceeded(monde):
    dossier = dossier_pret(monde)
    appel, _, _, agent = monde
    services.enveloppe_fixer(appel=appel, academie=dossier.academie, montant=Decimal("5000"), acteur=None)
    services.dossier_deposer(dossier=dossier, acteur=agent)
    services.dossier_instruire(dossier=dossier, acteur=None)
    services.projet_valider(projet=dossier.projets.get(), acteur=None)
    with pytest.raises(ValidationError, match="Enveloppe de l'académie insuffisante"):
        services.dossier_accepter(dossier=dossier, acteur=None)
    # A smaller amount fits.
    services.dossier_accepter(dossier=dossier, acteur=None, montant=Decimal("5000"))
    assert Enveloppe.objects.get().disponible == Decimal("0")


def test_complements_go_back_to_the_applicant_with_the_reason(monde):
    dossier = dossier_pret(monde)
    agent = monde[3]
    services.dossier_deposer(dossier=dossier, acteur=agent)
    with pytest.raises(ValidationError):
        services.dossier_demander_complements(dossier=dossier, acteur=None, motif=" ")
    services.dossier_demander_complements(dossier=dossier, acteur=None, motif="Devis illisible.")
    dossier.refresh_from_db()
    assert (dossier.etat, dossier.motif) == (EtatDossier.COMPLEMENTS, "Devis illisible.")
    assert dossier.get_abilities(agent)["edit"]
    # Completing after the closing date is allowed: the dossier was filed in time.
    apres = dossier.revision.cloture + dt.timedelta(days=3)
    assert services.dossier_deposer(dossier=dossier, acteur=agent, instant=apres).etat == EtatDossier.DEPOSE


def test_ien_returns_a_projet_with_a_reason(monde):
    dossier = dossier_pret(monde)
    services.dossier_deposer(dossier=dossier, acteur=monde[3])
    projet = services.projet_renvoyer(projet=dossier.projets.get(), acteur=None, motif="Usages à préciser.")
    assert (projet.etat, projet.motif) == (EtatProjet.A_REPRENDRE, "Usages à préciser.")


@pytest.mark.parametrize(
    "service",
    [services.dossier_accepter, services.dossier_instruire],
)
def test_transitions_outside_the_table_are_refused(monde, service):
    appel, collectivite, _, agent = monde
    dossier, _ = services.dossier_creer(appel=appel, collectivite=collectivite, acteur=agent, cle_idempotence="k")
    with pytest.raises(ValidationError, match="ne peut pas passer à l'état"):
        service(dossier=dossier, acteur=None)


def test_refusal_is_final(monde):
    dossier = dossier_pret(monde)
    services.dossier_deposer(dossier=dossier, acteur=monde[3])
    services.dossier_instruire(dossier=dossier, acteur=None)
    services.dossier_refuser(dossier=dossier, acteur=None, motif="Hors critères.")
    with pytest.raises(ValidationError):
        services.dossier_instruire(dossier=dossier, acteur=None)


# --- Revisions ---------------------------------------------------------------------------------------------------


def test_published_revision_is_frozen_and_a_change_is_an_audited_revision(monde):
    appel, collectivite, _, agent = monde
    dossier, _ = services.dossier_creer(appel=appel, collectivite=collectivite, acteur=agent, cle_idempotence="k")
    publiee = appel.revision_publiee()
    publiee.notes = "changement discret"
    with pytest.raises(RevisionFigee):
        publiee.save()
    brouillon = services.revision_creer(appel=appel, acteur=None)
    financement = {**brouillon.financement, "arrondi": "euro_inferieur"}
    services.revision_modifier(revision=brouillon, acteur=None, financement=financement)
    with pytest.raises(ValidationError, match="motif"):
        services.revision_publier(revision=brouillon, acteur=None)
    services.revision_publier(revision=brouillon, acteur=None, motif="Arrondi à l'euro (avis du comité).")
    assert appel.revision_publiee().numero == 2
    publiee.refresh_from_db()
    assert publiee.etat == EtatRevision.REMPLACEE
    dossier.refresh_from_db()
    assert dossier.revision.numero == 1  # pinned
    assert history_of(appel).first().data["motif"] == "Arrondi à l'euro (avis du comité)."


def test_invalid_rule_in_a_draft_is_refused(monde):
    brouillon = services.revision_creer(appel=monde[0], acteur=None)
    with pytest.raises(ValidationError) as exc:
        services.revision_modifier(
            revision=brouillon, acteur=None, financement={"postes": [{"code": "p", "volets": ["x"], "taux": "0.5"}]}
        )
    assert "volets" in str(exc.value.message_dict["financement"])
    brouillon.refresh_from_db()
    assert brouillon.financement["assiette"] == "dossier"


def test_school_funded_by_an_accepted_dossier_has_the_funding_flag(monde):
    dossier = dossier_pret(monde)
    Dossier.objects.filter(pk=dossier.pk).update(etat=EtatDossier.ACCEPTE, decide_le=timezone.now())
    uai = dossier.projets.get().etablissement_id
    assert selectors.financements_de([uai]) == {uai: {"snee-2021"}}


def test_academic_envelopes_never_exceed_the_national_envelope(monde):
    appel = monde[0]
    rennes, creteil = AcademieFactory(), AcademieFactory(code="06", nom="Créteil")
    services.enveloppe_fixer(appel=appel, academie=rennes, montant=Decimal("100000000"), acteur=None)
    with pytest.raises(ValidationError, match="enveloppe nationale"):
        services.enveloppe_fixer(appel=appel, academie=creteil, montant=Decimal("5000001"), acteur=None)
    assert (
        services.enveloppe_fixer(appel=appel, academie=creteil, montant=Decimal("5000000"), acteur=None).montant
        == 5000000
    )
    assert history_of(appel).first().action == "appels.enveloppe.fixee"


def test_campaign_review_in_a_fixed_number_of_queries(monde, django_assert_max_num_queries):
    dossier = dossier_pret(monde)
    appel, _, ecoles, agent = monde
    services.dossier_enregistrer_projet(
        dossier=dossier, acteur=agent, etablissement=ecoles[1], projet_pedagogique="P", lignes=lignes("4000")
    )
    # The second school turns out to be a maternelle (the directory was corrected after filing).
    type(ecoles[1]).objects.filter(pk=ecoles[1].pk).update(nature="ECOLE MATERNELLE")
    for i in range(3):
        collectivite, autres = commune_avec_ecoles()
        d, _ = services.dossier_creer(appel=appel, collectivite=collectivite, acteur=None, cle_idempotence=f"c{i}")
        services.dossier_enregistrer_projet(
            dossier=d, acteur=None, etablissement=autres[0], projet_pedagogique="P", lignes=lignes()
        )
    with django_assert_max_num_queries(12):
        bilans = selectors.bilan_campagne(appel)
    assert len(bilans) == 4
    premier = next(b for b in bilans if b.dossier.pk == dossier.pk)
    assert list(premier.non_eligibles) == [ecoles[1].uai]
    assert "maternelles" in premier.non_eligibles[ecoles[1].uai][0]
    assert all(b.resultat.subvention > 0 for b in bilans)


def test_expense_lines_are_mapped_to_the_referentiel_items(monde):
    from referentiels.tests.factories import charger

    charger("ecole")
    appel, collectivite, ecoles, agent = monde
    dossier, _ = services.dossier_creer(appel=appel, collectivite=collectivite, acteur=agent, cle_idempotence="k")
    with pytest.raises(ValidationError) as exc:
        services.dossier_enregistrer_projet(
            dossier=dossier, acteur=agent, etablissement=ecoles[0], projet_pedagogique="P",
            lignes=[{"item_code": "tableau-noir", "libelle": "Tableau", "quantite": 1, "prix_unitaire": "10"}],
        )  # fmt: skip
    assert exc.value.message_dict["lignes"] == [
        "Ligne 1 : l'item « tableau-noir » n'est pas dans le référentiel en vigueur."
    ]
    projet = services.dossier_enregistrer_projet(
        dossier=dossier, acteur=agent, etablissement=ecoles[0], projet_pedagogique="P",
        lignes=[{"item_code": "ent", "quantite": 90, "prix_unitaire": "4.50"}],
    )  # fmt: skip
    ligne = projet.lignes.get()
    assert (ligne.volet, ligne.item_code, ligne.montant) == ("services", "ent", Decimal("405.00"))
    assert ligne.libelle


def test_a_commune_files_for_the_private_school_under_contract_of_its_territory(monde):
    from territoires.tests.factories import EtablissementFactory

    appel, collectivite, _, agent = monde
    privee = EtablissementFactory(
        commune=collectivite.commune, secteur="prive_sous_contrat", collectivite_competente=None,
        nature="ECOLE DE NIVEAU ELEMENTAIRE", circonscription=circonscription(),
    )  # fmt: skip
    dossier, _ = services.dossier_creer(appel=appel, collectivite=collectivite, acteur=agent, cle_idempotence="k")
    assert privee in selectors.etablissements_de_collectivite(collectivite, "ecole")
    projet = services.dossier_enregistrer_projet(
        dossier=dossier, acteur=agent, etablissement=privee, projet_pedagogique="P", lignes=lignes()
    )
    assert projet.etablissement == privee
    # Another commune cannot.
    autre, _ = commune_avec_ecoles()
    dossier_autre, _ = services.dossier_creer(appel=appel, collectivite=autre, acteur=None, cle_idempotence="z")
    with pytest.raises(ValidationError, match="ne relève pas de"):
        services.dossier_enregistrer_projet(
            dossier=dossier_autre, acteur=None, etablissement=privee, projet_pedagogique="P", lignes=lignes()
        )
