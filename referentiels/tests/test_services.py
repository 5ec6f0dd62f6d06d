"""Loading, amendment workflow, adoption and immutability of the référentiels."""

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import IntegrityError, transaction

from core.audit import history_of
from core.models import AuditEntry
from referentiels import services
from referentiels.models import Amendement, EtatAmendement, EtatVersion, Item, Referentiel, Version, VersionFigee
from referentiels.presets import WEBRADIO_AMENDEMENT, WEBRADIO_CODE
from referentiels.signals import version_adoptee

from .factories import ajout, association, charger, dne_user, jusqu_a_inscrit, proposer

pytestmark = pytest.mark.django_db


def test_charger_referentiels_est_idempotent():
    call_command("charger_referentiels", stdout=open("/dev/null", "w"))  # noqa: SIM115
    call_command("charger_referentiels", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert Referentiel.objects.count() == 3
    assert Version.objects.count() == 3
    ecole = Referentiel.objects.get(niveau="ecole").version_adoptee()
    assert ecole.numero == 1 and not ecole.a_valider
    assert ecole.items.get(code="videoprojecteur").libelle == "Vidéoprojecteur (ou TNI / VPI / ENI)"
    assert not ecole.items.get(code="visualiseur").obligatoire
    college = Referentiel.objects.get(niveau="college").version_adoptee()
    assert college.a_valider
    assert Referentiel.objects.get(niveau="lycee").version_adoptee().items.filter(code="kit-hybridation").exists()
    assert AuditEntry.objects.filter(action="referentiels.version.adoptee").count() == 3


def test_webradio_par_le_vrai_circuit_donne_la_version_2():
    v1 = charger("college")
    dne = dne_user()
    recus = []

    def recepteur(sender, version, precedente, amendement, actor, **kwargs):
        recus.append((version.numero, precedente.numero, amendement.pk))

    amendement = services.amendement_proposer(
        version_base=v1, organisation=association(), auteur=None, **WEBRADIO_AMENDEMENT
    )
    assert amendement.etat == EtatAmendement.PROPOSE
    jusqu_a_inscrit(amendement, dne)
    assert amendement.etat == EtatAmendement.INSCRIT
    version_adoptee.connect(recepteur)
    try:
        v2 = services.amendement_adopter(amendement=amendement, actor=dne, decision_ref="Plénière du 12/05/2026")
    finally:
        version_adoptee.disconnect(recepteur)
    v1.refresh_from_db()
    amendement.refresh_from_db()
    assert (v2.numero, v2.etat, v1.etat) == (2, EtatVersion.ADOPTEE, EtatVersion.REMPLACEE)
    assert v2.decision_ref == "Plénière du 12/05/2026"
    assert v2.a_valider  # inherits the status of what it amends
    assert amendement.etat == EtatAmendement.ADOPTE and amendement.version_produite == v2
    assert set(v2.items.values_list("code", flat=True)) == {*v1.items.values_list("code", flat=True), WEBRADIO_CODE}
    assert str(v2.items.get(code=WEBRADIO_CODE).cout_typique) == "700.00"
    assert recus == [(2, 1, amendement.pk)]
    entry = history_of(v2).get(action="referentiels.version.adoptee")
    assert entry.actor == dne and entry.data["ajoutes"] == [WEBRADIO_CODE]


def test_modification_et_suppression():
    v1 = charger("ecole")
    amendement = proposer(
        v1,
        [
            {"operation": "modification", "code": "visualiseur", "donnees": {"obligatoire": True, "cout_haut": "350"}},
            {"operation": "suppression", "code": "micro"},
        ],
    )
    v2 = services.amendement_adopter(amendement=jusqu_a_inscrit(amendement), actor=None)
    visualiseur = v2.items.get(code="visualiseur")
    assert visualiseur.obligatoire and str(visualiseur.cout_haut) == "350.00"
    assert not v2.items.filter(code="micro").exists()
    assert v1.items.get(code="visualiseur").obligatoire is False


@pytest.mark.parametrize(
    ("modifications", "message"),
    [
        ([ajout("videoprojecteur")], "Modification 1 : l'item « videoprojecteur » existe déjà"),
        ([{"operation": "suppression", "code": "robot"}], "impossible de supprimer l'item « robot », il n'existe pas"),
        ([{"operation": "modification", "code": "robot", "donnees": {"libelle": "R"}}], "impossible de modifier"),
        ([ajout("kit", regle={"type": "par_classe", "quantite": -1})], "Item « kit », règle, champ « quantite »"),
        ([ajout("kit"), ajout("kit")], "Modification 2 : l'item « kit » existe déjà"),
        ([], "au moins une modification"),
    ],
)
def test_mauvaise_saisie_ne_sauve_rien(modifications, message):
    v1 = charger("ecole")
    with pytest.raises(ValidationError) as exc:
        proposer(v1, modifications)
    assert message in " ".join(exc.value.messages)
    assert Amendement.objects.count() == 0


def test_organisation_hors_comite_refusee():
    from comptes.models import Organisation
    from comptes.tests.factories import OrganisationFactory

    v1 = charger("ecole")
    ministere_ok = OrganisationFactory(type="ministere")
    proposer(v1, [ajout("kit")], organisation=ministere_ok)
    with pytest.raises(ValidationError, match="n'est pas une organisation membre du comité"):
        proposer(v1, [ajout("kit2")], organisation=Organisation(nom="Académie de Rennes", type="academie"))


def test_table_des_transitions():
    v1 = charger("ecole")
    amendement = proposer(v1, [ajout("kit")])
    with pytest.raises(ValidationError, match="ne peut pas passer à l'état « inscrit à l'ordre du jour »"):
        services.amendement_inscrire(amendement=amendement, actor=None)
    with pytest.raises(ValidationError, match="ne peut pas passer à l'état « adopté »"):
        services.amendement_adopter(amendement=amendement, actor=None)
    assert Version.objects.count() == 1
    with pytest.raises(ValidationError, match="motif du rejet est obligatoire"):
        services.amendement_rejeter(amendement=amendement, motif=" ", actor=None)
    services.amendement_rejeter(amendement=amendement, motif="Hors du socle.", actor=None)
    assert amendement.etat == EtatAmendement.REJETE and amendement.motif_rejet == "Hors du socle."
    with pytest.raises(ValidationError):
        services.amendement_mettre_en_discussion(amendement=amendement, actor=None)


def test_a_rebaser_puis_rebaser():
    v1 = charger("ecole")
    premier = jusqu_a_inscrit(proposer(v1, [ajout("kit-a")]))
    second = proposer(v1, [ajout("kit-b")])
    conflit = proposer(v1, [ajout("kit-a", libelle="Autre kit A")])
    assert not second.a_rebaser
    v2 = services.amendement_adopter(amendement=premier, actor=None)
    second.refresh_from_db()
    assert second.a_rebaser
    from referentiels.selectors import amendements_a_rebaser

    assert set(amendements_a_rebaser(v1.referentiel)) == {second, conflit}
    services.amendement_rebaser(amendement=second, actor=None)
    assert second.version_base == v2 and not second.a_rebaser
    with pytest.raises(ValidationError, match="l'item « kit-a » existe déjà"):
        services.amendement_rebaser(amendement=conflit, actor=None)
    # An adoption against a moved base applies to the current version, or refuses cleanly.
    jusqu_a_inscrit(conflit)
    with pytest.raises(ValidationError, match="ne s'applique pas à la version adoptée"):
        services.amendement_adopter(amendement=conflit, actor=None)
    assert Version.objects.filter(referentiel=v1.referentiel).count() == 2


def test_une_seule_version_adoptee_garantie_par_la_base():
    v1 = charger("ecole")
    with pytest.raises(IntegrityError), transaction.atomic():
        Version.objects.create(referentiel=v1.referentiel, numero=2, etat=EtatVersion.ADOPTEE)


def test_version_adoptee_immuable():
    v1 = charger("ecole")
    v1.notes = "autre chose"
    with pytest.raises(VersionFigee):
        v1.save()
    v1.refresh_from_db()
    item = v1.items.first()
    item.libelle = "Changé"
    with pytest.raises(VersionFigee):
        item.save()
    with pytest.raises(VersionFigee):
        item.delete()
    with pytest.raises(VersionFigee):
        Item.objects.create(version=v1, code="nouveau", domaine="classe", libelle="N", regle={"type": "presence"})
    with pytest.raises(VersionFigee):
        v1.delete()


def test_brouillon_consultation_publication():
    v1 = charger("ecole")
    brouillon = services.version_creer_brouillon(referentiel=v1.referentiel, actor=None)
    assert brouillon.numero == 2 and brouillon.items.count() == v1.items.count()
    brouillon.items.filter(code="micro").delete()  # a draft is editable
    services.version_mettre_en_consultation(version=brouillon, actor=None)
    publiee = services.version_publier(version=brouillon, actor=None, decision_ref="CP-2026-05")
    v1.refresh_from_db()
    assert publiee.etat == EtatVersion.ADOPTEE and v1.etat == EtatVersion.REMPLACEE
    with pytest.raises(ValidationError):
        services.version_publier(version=publiee, actor=None)


@pytest.mark.parametrize(
    ("items", "message"),
    [
        (
            [
                {"code": "vp", "domaine": "classe", "libelle": "VP", "regle": {"type": "par_classe", "quantite": 1}},
                {"code": "vp", "domaine": "classe", "libelle": "VP2", "regle": {"type": "presence"}},
            ],
            "Item 2 : le code « vp » est en double.",
        ),
        (
            [{"code": "vp", "domaine": "classe", "libelle": "VP", "regle": {"type": "par_classes", "quantite": 3}}],
            "Item « vp », règle, champ « classes » : un nombre entier est attendu",
        ),
    ],
)
def test_chargement_invalide_ne_cree_rien(items, message):
    with pytest.raises(ValidationError) as exc:
        services.referentiel_charger_version_initiale(
            niveau="ecole", titre="T", description="", items=items, a_valider=False
        )
    assert message in exc.value.messages[0]
    assert not Referentiel.objects.exists() and not Version.objects.exists()
