"""Factories and a small world for the comité's tests."""

from dataclasses import dataclass, field
from typing import Any

from comite.models import MembreOrganisation, RoleComite
from comite.services import membre_ajouter
from comptes.models import Organisation, Role, TypeOrganisation
from comptes.tests.factories import member_of

PDF_MINIMAL = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def organisation_comite(
    sigle: str, *, signataire: bool = True, type_: str = TypeOrganisation.ASSOCIATION
) -> Organisation:
    org = Organisation.objects.create(nom=f"Organisation {sigle}", sigle=sigle, type=type_)
    MembreOrganisation.objects.create(organisation=org, signataire_2015=signataire)
    return org


@dataclass
class MondeComite:
    orgs: dict[str, Organisation] = field(default_factory=dict)
    users: dict[str, Any] = field(default_factory=dict)


# The roles the permission matrix runs over.
ROLES = [
    "anonyme",
    "agent_collectivite",
    "membre_amrf",
    "membre_amf",
    "secretariat_signataire",
    "secretariat_non_signataire",
    "dne",
]


def monde_comite() -> MondeComite:
    from territoires.tests.factories import CollectiviteFactory

    monde = MondeComite()
    monde.orgs = {
        "DNE": organisation_comite("DNE", type_=TypeOrganisation.MINISTERE),
        "AMRF": organisation_comite("AMRF"),
        "AMF": organisation_comite("AMF"),
        "AVICCA": organisation_comite("AVICCA", signataire=False),
    }
    collectivite = CollectiviteFactory()
    commune = Organisation.objects.create(nom=str(collectivite), type="collectivite", collectivite=collectivite)
    monde.users = {
        "anonyme": None,
        "agent_collectivite": member_of(commune, Role.AGENT_COLLECTIVITE, username="agent"),
        "membre_amrf": member_of(monde.orgs["AMRF"], Role.MEMBRE_COMITE, username="amrf"),
        "membre_amf": member_of(monde.orgs["AMF"], Role.MEMBRE_COMITE, username="amf"),
        "secretariat_signataire": member_of(monde.orgs["AMF"], Role.MEMBRE_COMITE, username="secr-amf"),
        "secretariat_non_signataire": member_of(monde.orgs["AVICCA"], Role.MEMBRE_COMITE, username="secr-avicca"),
        "dne": member_of(monde.orgs["DNE"], Role.DNE, username="dne"),
    }
    membre_ajouter(user=monde.users["membre_amrf"], organisation=monde.orgs["AMRF"], role_comite=RoleComite.TITULAIRE)
    membre_ajouter(user=monde.users["membre_amf"], organisation=monde.orgs["AMF"], role_comite=RoleComite.TITULAIRE)
    membre_ajouter(
        user=monde.users["secretariat_signataire"], organisation=monde.orgs["AMF"], role_comite=RoleComite.SECRETARIAT
    )
    membre_ajouter(
        user=monde.users["secretariat_non_signataire"],
        organisation=monde.orgs["AVICCA"],
        role_comite=RoleComite.SECRETARIAT,
    )
    membre_ajouter(user=monde.users["dne"], organisation=monde.orgs["DNE"], role_comite=RoleComite.SECRETARIAT)
    assert list(monde.users) == ROLES
    return monde


def amendement_webradio(organisation: Organisation, auteur: Any) -> Any:
    """The collège référentiel version 1 (from F's presets) and the AMRF's webradio amendment on it."""
    from referentiels.models import Referentiel
    from referentiels.presets import REFERENTIELS, WEBRADIO_AMENDEMENT
    from referentiels.services import amendement_proposer, referentiel_charger_version_initiale

    college = Referentiel.objects.filter(niveau="college").first()
    if college is None:
        data = next(d for d in REFERENTIELS if d["niveau"] == "college")
        referentiel_charger_version_initiale(
            niveau=data["niveau"],
            titre=data["titre"],
            description=data["description"],
            items=data["items"],
            a_valider=data["a_valider"],
            notes=data["notes"],
        )
        college = Referentiel.objects.get(niveau="college")
    return amendement_proposer(
        version_base=college.version_adoptee(), organisation=organisation, auteur=auteur, **WEBRADIO_AMENDEMENT
    )
