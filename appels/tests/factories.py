"""Factories of the appels: an open appel from a preset, a commune with its schools, its people."""

import copy
import datetime as dt

from django.utils import timezone

from appels.models import AppelAProjets
from appels.presets import preset
from appels.services import appel_charger
from comptes.models import Organisation, Role, TypeOrganisation
from comptes.tests.factories import member_of
from territoires.models import Circonscription
from territoires.tests.factories import AcademieFactory, CollectiviteFactory, CommuneFactory, EtablissementFactory


def appel_ouvert(code: str = "snee-2021", *, jours_restants: int = 30) -> AppelAProjets:
    """The preset appel, with its calendar moved around today (open for ``jours_restants`` days)."""
    data = copy.deepcopy(preset(code))
    aujourd_hui = timezone.localdate()
    data["ouverture"] = (aujourd_hui - dt.timedelta(days=10)).isoformat()
    data["cloture"] = (aujourd_hui + dt.timedelta(days=jours_restants)).isoformat()
    appel, _ = appel_charger(data=data)
    return appel


def circonscription(code: str = "0351234X", nom: str = "Rennes Nord") -> Circonscription:
    return Circonscription.objects.get_or_create(code=code, defaults={"nom": nom, "academie": AcademieFactory()})[0]


def commune_avec_ecoles(population: int = 1500, n: int = 2, circ: Circonscription | None = None):
    """A commune collectivité compétente for ``n`` elementary schools of a circonscription."""
    commune = CommuneFactory(population=population)
    collectivite = CollectiviteFactory(commune=commune)
    ecoles = [
        EtablissementFactory(
            commune=commune,
            collectivite_competente=collectivite,
            circonscription=circ or circonscription(),
            nature="ECOLE DE NIVEAU ELEMENTAIRE",
            classes=4,
            eleves=90,
        )
        for _ in range(n)
    ]
    return collectivite, ecoles


def agent_de(collectivite, **kwargs):
    org, _ = Organisation.objects.get_or_create(
        collectivite=collectivite, defaults={"nom": collectivite.nom, "type": TypeOrganisation.COLLECTIVITE}
    )
    return member_of(org, Role.AGENT_COLLECTIVITE, **kwargs)


def ien_de(circ):
    org, _ = Organisation.objects.get_or_create(
        circonscription=circ, defaults={"nom": f"IEN {circ.nom}", "type": TypeOrganisation.CIRCONSCRIPTION}
    )
    return member_of(org, Role.INSPECTEUR)


def instructeur_de(academie):
    org, _ = Organisation.objects.get_or_create(
        academie=academie, defaults={"nom": str(academie), "type": TypeOrganisation.ACADEMIE}
    )
    return member_of(org, Role.INSTRUCTEUR)


def dne():
    org, _ = Organisation.objects.get_or_create(nom="DNE", type=TypeOrganisation.MINISTERE)
    return member_of(org, Role.DNE)


PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def lignes(equipement: str = "12000", services: str | None = None) -> list[dict]:
    sortie = [
        {"volet": "equipement", "item_code": "videoprojecteur", "libelle": "Vidéoprojecteurs", "quantite": 4,
         "prix_unitaire": str(int(equipement) // 4)},
    ]  # fmt: skip
    if services:
        sortie.append({"volet": "services", "libelle": "ENT, 2 ans", "quantite": 1, "prix_unitaire": services})
    return sortie


def directeur_de(etablissement):
    org, _ = Organisation.objects.get_or_create(
        etablissement=etablissement, defaults={"nom": etablissement.nom, "type": TypeOrganisation.ETABLISSEMENT}
    )
    return member_of(org, Role.DIRECTEUR)
