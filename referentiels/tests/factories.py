"""Factories and helpers for the référentiels tests."""

from typing import Any

from comptes.models import Organisation, Role, TypeOrganisation
from comptes.tests.factories import OrganisationFactory, member_of
from referentiels import services
from referentiels.models import Version
from referentiels.presets import REFERENTIELS
from territoires.tests.factories import CollectiviteFactory


def charger(niveau: str = "college") -> Version:
    """The adopted version 1 of ``niveau``, loaded as ``charger_referentiels`` does."""
    data = next(r for r in REFERENTIELS if r["niveau"] == niveau)
    version, _ = services.referentiel_charger_version_initiale(
        niveau=niveau,
        titre=data["titre"],
        description=data["description"],
        items=data["items"],
        a_valider=data["a_valider"],
        notes=data["notes"],
    )
    return version


def association(nom: str = "Association des maires ruraux de France", sigle: str = "AMRF") -> Organisation:
    return OrganisationFactory(nom=nom, sigle=sigle, type=TypeOrganisation.ASSOCIATION)


def dne_user(**fields: Any):
    ministere = OrganisationFactory(nom="Ministère — DNE", sigle="DNE", type=TypeOrganisation.MINISTERE)
    return member_of(ministere, Role.DNE, **fields)


def membre_comite(organisation: Organisation | None = None, **fields: Any):
    return member_of(organisation or association(), Role.MEMBRE_COMITE, **fields)


def ajout(code: str, **donnees: Any) -> dict[str, Any]:
    base = {
        "domaine": "mobiles",
        "libelle": f"Équipement {code}",
        "regle": {"type": "par_etablissement", "quantite": 1},
    }
    return {"operation": "ajout", "code": code, "donnees": {**base, **donnees}}


def proposer(version: Version, modifications: list[dict[str, Any]], *, auteur=None, organisation=None, titre="Titre"):
    organisation = organisation or association()
    return services.amendement_proposer(
        version_base=version,
        organisation=organisation,
        auteur=auteur,
        titre=titre,
        expose_motifs="Parce que.",
        modifications=modifications,
    )


def jusqu_a_inscrit(amendement, actor=None):
    services.amendement_mettre_en_discussion(amendement=amendement, actor=actor)
    services.amendement_inscrire(amendement=amendement, actor=actor)
    return amendement


def login(client, user) -> None:
    # The factory sets the password without saving it: save it, or the session hash would not match.
    user.save()
    # AxesStandaloneBackend (first in AUTHENTICATION_BACKENDS) cannot load a user: name the model backend.
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")


def utilisateur(role: str):
    """A user holding ``role`` (``anonyme`` gives None), for the permission matrices."""
    if role == "anonyme":
        return None
    if role == "dne":
        return dne_user()
    if role == "membre_comite":
        return membre_comite()
    collectivite = CollectiviteFactory()
    organisation = OrganisationFactory(type="collectivite", collectivite=collectivite, nom=collectivite.nom)
    return member_of(organisation, Role.AGENT_COLLECTIVITE)
