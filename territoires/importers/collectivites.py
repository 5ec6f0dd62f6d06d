"""Collectivités and the competences of the Code de l'éducation, built from the territories and from
``territoires/data/collectivites_particulieres.json`` (the special statutes, as data).

- every commune (not the municipal arrondissements of Paris, Lyon and Marseille) → ``commune-<insee>``, with the
  SIREN of the communes file; compétente for its écoles (L.212-4);
- every EPCI → ``epci-<siren>`` (compétente only through a transfer, entered by a user: see
  ``territoires.competences.competence_transfer``);
- every département (not the collectivités d'outre-mer) → ``departement-<code>``, compétent for collèges (L.213-2);
- every région with such a département → ``region-<code>``, compétente for lycées (L.214-6).

The source data has **no SIREN for départements and régions** (decoupage-administratif lists them only for communes
and EPCI): those collectivités are created with no SIREN, except the special ones whose SIREN is in the JSON file.
A special collectivité *replaces* the generic ones listed in ``remplace`` (no separate "Département de Paris"), and
the competences they would have held become hers, with origin ``statut``.
"""

import json
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from .decoupage import Referentiel

FICHIER_PARTICULIERES = Path(__file__).resolve().parent.parent / "data" / "collectivites_particulieres.json"

# Their schools depend on other statutes (vice-rectorats, local competences): no département/région competence here.
COLLECTIVITES_D_OUTRE_MER = {"975", "977", "978", "984", "986", "987", "988", "989"}

FONDEMENTS = {
    "ecole": "Code de l'éducation, art. L.212-4 : la commune a la charge des écoles publiques",
    "college": "Code de l'éducation, art. L.213-2 : le département a la charge des collèges",
    "lycee": "Code de l'éducation, art. L.214-6 : la région a la charge des lycées",
}


@dataclass
class Collectivites:
    collectivites: dict[str, dict[str, Any]] = field(default_factory=dict)
    # (niveau, perimetre, code) -> {"collectivite": code, "origine", "fondement"}
    competences: dict[tuple[str, str, str], dict[str, Any]] = field(default_factory=dict)


def _date(valeur: str | None) -> date | None:
    return date.fromisoformat(valeur) if valeur else None


def charger_particulieres(chemin: Path = FICHIER_PARTICULIERES) -> list[dict[str, Any]]:
    data = json.loads(chemin.read_text(encoding="utf-8"))
    return list(data["collectivites"])


def construire(ref: Referentiel, particulieres: list[dict[str, Any]] | None = None) -> Collectivites:
    if particulieres is None:
        particulieres = charger_particulieres()
    out = Collectivites()
    remplacement: dict[str, dict[str, Any]] = {}
    for p in particulieres:
        for code in p["remplace"]:
            remplacement[code] = p

    def ajouter(code: str, **valeurs: Any) -> None:
        if code in remplacement:
            return
        out.collectivites[code] = {
            "nom": valeurs["nom"][:255],
            "type": valeurs["type"],
            "siren": valeurs.get("siren") or None,
            "commune_id": valeurs.get("commune_id"),
            "epci_id": valeurs.get("epci_id"),
            "departement_id": valeurs.get("departement_id"),
            "region_id": valeurs.get("region_id"),
        }

    def competence(niveau: str, perimetre: str, territoire: str, collectivite: str) -> None:
        particuliere = remplacement.get(collectivite)
        if particuliere is not None:
            out.competences[(niveau, perimetre, territoire)] = {
                "collectivite": particuliere["code"],
                "origine": "statut",
                "fondement": particuliere["fondement"][:255],
                "depuis": _date(particuliere.get("depuis")),
            }
        else:
            out.competences[(niveau, perimetre, territoire)] = {
                "collectivite": collectivite,
                "origine": "loi",
                "fondement": FONDEMENTS[niveau],
                "depuis": None,
            }

    for code, c in ref.communes.items():
        if c["type"] != "commune-actuelle":
            continue
        ajouter(f"commune-{code}", nom=f"Commune de {c['nom']}", type="commune", siren=c["siren"], commune_id=code)
        competence("ecole", "commune", code, f"commune-{code}")
    for siren, e in ref.epci.items():
        ajouter(f"epci-{siren}", nom=e["nom"], type="epci", siren=siren, epci_id=siren)
    regions_scolaires: set[str] = set()
    for code, d in ref.departements.items():
        if code in COLLECTIVITES_D_OUTRE_MER:
            continue
        ajouter(f"departement-{code}", nom=f"Département {d['nom']}", type="departement", departement_id=code)
        competence("college", "departement", code, f"departement-{code}")
        regions_scolaires.add(d["region_id"])
    for code in sorted(regions_scolaires):
        ajouter(f"region-{code}", nom=f"Région {ref.regions[code]['nom']}", type="region", region_id=code)
        competence("lycee", "region", code, f"region-{code}")

    for p in particulieres:
        out.collectivites[p["code"]] = {
            "nom": p["nom"],
            "type": "statut_particulier",
            "siren": p["siren"],
            "commune_id": p.get("commune") if p.get("commune") in ref.communes else None,
            "epci_id": p.get("epci") if p.get("epci") in ref.epci else None,
            "departement_id": p.get("departement") if p.get("departement") in ref.departements else None,
            "region_id": p.get("region") if p.get("region") in ref.regions else None,
        }
        for regle in p.get("competences", []):
            territoires: list[str] = list(regle.get("territoires", []))
            epci = regle.get("communes_de_l_epci")
            if epci:
                territoires += [code for code, c in ref.communes.items() if c["epci_id"] == epci]
            for territoire in territoires:
                out.competences[(regle["niveau"], regle["perimetre"], territoire)] = {
                    "collectivite": p["code"],
                    "origine": "statut",
                    "fondement": p["fondement"][:255],
                    "depuis": _date(p.get("depuis")),
                }
    return out
