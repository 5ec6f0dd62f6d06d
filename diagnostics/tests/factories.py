"""A small Ille-et-Vilaine for the diagnostics tests: two communes' écoles, a collège, the référentiels v1."""

from dataclasses import dataclass

from comptes.models import Organisation, Role, TypeOrganisation, User
from comptes.tests.factories import OrganisationFactory, member_of
from diagnostics import services
from referentiels.tests.factories import charger
from territoires.models import Circonscription, Collectivite, Etablissement, Niveau, Secteur, TypeCollectivite
from territoires.tests.factories import CollectiviteFactory, CommuneFactory, DepartementFactory, EtablissementFactory


@dataclass
class Monde:
    rennes: Collectivite
    bruz: Collectivite
    departement: Collectivite
    ecole_a: Etablissement  # Rennes, 5 classes, 120 pupils
    ecole_b: Etablissement  # Bruz
    college: Etablissement
    prive: Etablissement


def construire() -> Monde:
    for niveau in ("ecole", "college", "lycee"):
        charger(niveau)
    services.catalogue_charger_initial()
    dep = DepartementFactory()
    rennes_c = CommuneFactory(code_insee="35238", nom="Rennes", population=227830, superficie_km2=50)
    bruz_c = CommuneFactory(code_insee="35047", nom="Bruz", population=18975, superficie_km2=30)
    campagne = CommuneFactory(code_insee="35001", nom="Acigné", population=1200, superficie_km2=30)
    rennes = CollectiviteFactory(commune=rennes_c, siren="213502388")
    bruz = CollectiviteFactory(commune=bruz_c, siren="213500473")
    departement = Collectivite.objects.create(
        nom="Département d'Ille-et-Vilaine",
        type=TypeCollectivite.DEPARTEMENT,
        departement=dep,
        siren="223500018",
        code="departement-35",
    )
    circonscription = Circonscription.objects.create(code="0351234X", nom="Rennes Nord", academie=dep.academie)
    ecole_a = EtablissementFactory(
        uai="0350001A",
        nom="École Jean Moulin",
        commune=rennes_c,
        collectivite_competente=rennes,
        classes=5,
        eleves=120,
        circonscription=circonscription,
    )
    ecole_b = EtablissementFactory(
        uai="0350002B", nom="École du Vert Buisson", commune=bruz_c, collectivite_competente=bruz, classes=8
    )
    college = EtablissementFactory(
        uai="0350003C",
        nom="Collège Anne de Bretagne",
        niveau=Niveau.COLLEGE,
        commune=campagne,
        collectivite_competente=departement,
        classes=20,
        eleves=520,
    )
    prive = EtablissementFactory(
        uai="0350004D", nom="École Sainte-Anne", commune=rennes_c, secteur=Secteur.PRIVE_SOUS_CONTRAT
    )
    return Monde(rennes, bruz, departement, ecole_a, ecole_b, college, prive)


def organisation_de(objet: object) -> Organisation:
    if isinstance(objet, Collectivite):
        return Organisation.objects.get_or_create(
            collectivite=objet, defaults={"nom": objet.nom, "type": TypeOrganisation.COLLECTIVITE}
        )[0]
    if isinstance(objet, Etablissement):
        return Organisation.objects.get_or_create(
            etablissement=objet, defaults={"nom": objet.nom, "type": TypeOrganisation.ETABLISSEMENT}
        )[0]
    raise TypeError(objet)


def agent(collectivite: Collectivite) -> User:
    return member_of(organisation_de(collectivite), Role.AGENT_COLLECTIVITE)


def directeur(etablissement: Etablissement) -> User:
    return member_of(organisation_de(etablissement), Role.DIRECTEUR)


def dne() -> User:
    return member_of(OrganisationFactory(nom="DNE", type=TypeOrganisation.MINISTERE), Role.DNE)


def instructeur(academie) -> User:
    org = Organisation.objects.get_or_create(
        academie=academie, defaults={"nom": str(academie), "type": TypeOrganisation.ACADEMIE}
    )[0]
    return member_of(org, Role.INSTRUCTEUR)


def inspecteur(circonscription) -> User:
    org = Organisation.objects.get_or_create(
        circonscription=circonscription,
        defaults={"nom": str(circonscription), "type": TypeOrganisation.CIRCONSCRIPTION},
    )[0]
    return member_of(org, Role.INSPECTEUR)
