"""A small coherent world for the permission tests: two communes of Ille-et-Vilaine, their écoles, a collège of
the département, and one person per role (DESIGN.md, « Who uses it »)."""

from dataclasses import dataclass, field

from django.contrib.auth.models import AnonymousUser

from comptes.models import Organisation, Role, TypeOrganisation, User
from comptes.tests.factories import UserFactory, member_of
from territoires.models import Circonscription, Collectivite, Etablissement, Niveau, Secteur, TypeCollectivite
from territoires.tests.factories import (
    AcademieFactory,
    CollectiviteFactory,
    CommuneFactory,
    DepartementFactory,
    EtablissementFactory,
)

# The roles of the matrix, in the order of its rows.
ROLES = [
    "anonyme",
    "agent_commune_a",
    "agent_commune_b",
    "agent_departement",
    "directeur_ecole_a",
    "directeur_ecole_b",
    "inspecteur",
    "instructeur",
    "dne",
    "membre_comite",
]


@dataclass
class Monde:
    commune_a: Collectivite
    commune_b: Collectivite
    departement: Collectivite
    ecole_a: Etablissement
    ecole_b: Etablissement
    college: Etablissement
    ecole_privee: Etablissement
    circonscription: Circonscription
    users: dict[str, User | None] = field(default_factory=dict)

    def objet(self, nom: str) -> Collectivite | Etablissement:
        return getattr(self, nom)


def construire_monde() -> Monde:
    departement_35 = DepartementFactory()
    academie = AcademieFactory()
    rennes = CommuneFactory(code_insee="35238", nom="Rennes", population=227830)
    bruz = CommuneFactory(code_insee="35047", nom="Bruz", population=18975)
    commune_a = CollectiviteFactory(commune=rennes, siren="213502388")
    commune_b = CollectiviteFactory(commune=bruz, siren="213500473")
    departement = Collectivite.objects.create(
        nom="Département d'Ille-et-Vilaine",
        type=TypeCollectivite.DEPARTEMENT,
        departement=departement_35,
        siren="223500018",
        code="departement-35",
    )
    circonscription = Circonscription.objects.create(code="0351234X", nom="Rennes Nord", academie=academie)
    ecole_a = EtablissementFactory(
        uai="0350001A",
        nom="École élémentaire Jean Moulin",
        commune=rennes,
        collectivite_competente=commune_a,
        circonscription=circonscription,
    )
    ecole_b = EtablissementFactory(
        uai="0350002B", nom="École élémentaire du Vert Buisson", commune=bruz, collectivite_competente=commune_b
    )
    college = EtablissementFactory(
        uai="0350003C",
        nom="Collège Anne de Bretagne",
        niveau=Niveau.COLLEGE,
        commune=rennes,
        collectivite_competente=departement,
    )

    # Private schools are listed, but equipping them is not the commune's duty: no collectivité compétente.
    ecole_privee = EtablissementFactory(
        uai="0350004D",
        nom="École privée Sainte-Thérèse",
        commune=rennes,
        secteur=Secteur.PRIVE_SOUS_CONTRAT,
        collectivite_competente=None,
        circonscription=circonscription,
    )

    def organisation(objet: object, type_: str) -> Organisation:
        return Organisation.objects.create(nom=str(objet), type=type_, **{type_: objet})

    monde = Monde(commune_a, commune_b, departement, ecole_a, ecole_b, college, ecole_privee, circonscription)
    monde.users = {
        "anonyme": None,
        "agent_commune_a": member_of(organisation(commune_a, "collectivite"), Role.AGENT_COLLECTIVITE),
        "agent_commune_b": member_of(organisation(commune_b, "collectivite"), Role.AGENT_COLLECTIVITE),
        "agent_departement": member_of(organisation(departement, "collectivite"), Role.AGENT_COLLECTIVITE),
        "directeur_ecole_a": member_of(organisation(ecole_a, "etablissement"), Role.DIRECTEUR),
        "directeur_ecole_b": member_of(organisation(ecole_b, "etablissement"), Role.DIRECTEUR),
        "inspecteur": member_of(organisation(circonscription, "circonscription"), Role.INSPECTEUR),
        "instructeur": member_of(organisation(academie, "academie"), Role.INSTRUCTEUR),
        "dne": member_of(
            Organisation.objects.create(
                nom="Ministère de l'Éducation nationale — DNE", type=TypeOrganisation.MINISTERE, sigle="DNE"
            ),
            Role.DNE,
        ),
        "membre_comite": member_of(
            Organisation.objects.create(
                nom="Association des maires ruraux de France", type=TypeOrganisation.ASSOCIATION, sigle="AMRF"
            ),
            Role.MEMBRE_COMITE,
        ),
    }
    assert list(monde.users) == ROLES
    return monde


def tous_les_profils(monde: Monde) -> list[User | AnonymousUser]:
    """Every role of ``monde`` (anonymous included), and the edge cases of a membership: a DNE role held in a commune,
    an agent of an association, an inactive agent, a person with no membership."""
    commune = Organisation.objects.get(collectivite=monde.commune_b)
    association = Organisation.objects.create(nom="Fédération Y", type=TypeOrganisation.ASSOCIATION)
    inactif = member_of(Organisation.objects.get(collectivite=monde.commune_a), Role.AGENT_COLLECTIVITE)
    inactif.is_active = False
    inactif.save()
    users = [*monde.users.values(), member_of(commune, Role.DNE), member_of(association, Role.AGENT_COLLECTIVITE)]
    users += [inactif, UserFactory(username="sans-rattachement")]
    return [user or AnonymousUser() for user in users]
