"""Régions, académies, départements, EPCI and communes (COG 2026), national, from decoupage-administratif.

Read either the CSV copies of the data folder or the JSON files of the npm package
``@etalab/decoupage-administratif`` (``regions.json``, ``departements.json``, ``epci.json``, ``communes.json``), its
official origin. What the JSON lacks: the académie of a département (taken from ``academies`` instead) and the EPCI of
a commune (taken from the ``membres`` of ``epci.json``). Areas and representative points of communes come from
``communes_superficie_population_2024`` (COG 2024: codes merged since are simply not matched).
"""

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .champs import (
    COMMUNES_VALIDES,
    DEPARTEMENTS_CONNUS,
    Contexte,
    flottants,
    prevalider_communes,
    sirens_valides,
)
from .readers import Erreurs, lire

TYPES_EPCI = {"CC", "CA", "CU", "METRO", "MET69"}

Desire = dict[str, dict[str, Any]]


@dataclass
class Referentiel:
    regions: Desire = field(default_factory=dict)
    academies: Desire = field(default_factory=dict)
    departements: Desire = field(default_factory=dict)
    epci: Desire = field(default_factory=dict)
    communes: Desire = field(default_factory=dict)
    # commune code -> (département, région) for the établissements
    region_de_departement: dict[str, str] = field(default_factory=dict)


# --- JSON adapters for @etalab/decoupage-administratif ----------------------------------------------------------


def _json_regions(data: Any) -> list[dict[str, str]]:
    return [{"code_region": e["code"], "nom_region": e["nom"]} for e in data]


def _json_departements(data: Any) -> list[dict[str, str]]:
    return [
        {"code_departement": e["code"], "nom_departement": e["nom"], "code_region": e["region"], "code_academie": ""}
        for e in data
    ]


def _json_epci(data: Any) -> list[dict[str, str]]:
    return [
        {
            "code_epci": e["code"],
            "nom_epci": e["nom"],
            "type_epci": e["type"],
            "mode_financement": e.get("modeFinancement", ""),
            "population_totale": str(e.get("populationTotale", "") or ""),
            "membres": "|".join(m["code"] for m in e.get("membres", [])),
        }
        for e in data
    ]


def _json_communes(data: Any) -> list[dict[str, str]]:
    return [
        {
            "code_insee": e["code"],
            "nom": e["nom"],
            "type": e.get("type", "commune-actuelle"),
            "code_departement": e.get("departement", ""),
            "commune_parente": e.get("commune", "") if e.get("type") == "arrondissement-municipal" else "",
            "siren": e.get("siren", ""),
            "population": str(e.get("population", "") or ""),
            "codes_postaux": "|".join(e.get("codesPostaux", [])),
            "code_epci": "",
        }
        for e in data
        if e.get("type", "commune-actuelle") in ("commune-actuelle", "arrondissement-municipal")
    ]


COLONNES_REGIONS = {"code_region": ("code", "reg"), "nom_region": ("nom", "libelle")}
COLONNES_ACADEMIES = {
    "code_academie": ("code_aca",),
    "nom_academie": ("name", "libelle_academie"),
    "code_region_academique": ("code_region_2016", "code_region"),
    "departements": (),
}
COLONNES_DEPARTEMENTS = {
    "code_departement": ("code", "dep"),
    "nom_departement": ("nom", "libelle"),
    "code_region": ("region", "reg"),
    "code_academie": (),
}
COLONNES_EPCI = {
    "code_epci": ("siren", "code"),
    "nom_epci": ("nom",),
    "type_epci": ("type",),
    "mode_financement": (),
    "population_totale": (),
    "membres": (),
}
COLONNES_COMMUNES = {
    "code_insee": ("code", "com"),
    "nom": ("libelle",),
    "type": (),
    "code_departement": ("departement", "dep"),
    "commune_parente": (),
    "siren": (),
    "population": (),
    "codes_postaux": (),
    "code_epci": (),
}
COLONNES_SUPERFICIES = {
    "insee_com": ("code_insee",),
    "commune_type": (),
    "superficie_km2": (),
    "lat": ("latitude",),
    "lng": ("longitude",),
}


def lire_referentiel(chemins: dict[str, Path], erreurs: Erreurs) -> Referentiel:
    """Parse and check the territorial files; records every problem in ``erreurs``."""
    ref = Referentiel()

    def nom_de(code: str) -> str:
        return chemins[code].name

    # Every file is read first: a file that cannot be read stops the checks that depend on it.
    tables = {
        "regions_2026": lire(
            chemins["regions_2026"],
            nom_de("regions_2026"),
            COLONNES_REGIONS,
            COLONNES_REGIONS,
            erreurs,
            json_adapter=_json_regions,
        ),
        "academies": lire(
            chemins["academies"], nom_de("academies"), COLONNES_ACADEMIES, ["code_academie", "nom_academie"], erreurs
        ),
        "departements_2026": lire(
            chemins["departements_2026"],
            nom_de("departements_2026"),
            COLONNES_DEPARTEMENTS,
            ["code_departement", "nom_departement", "code_region"],
            erreurs,
            json_adapter=_json_departements,
        ),
        "epci_2026": lire(
            chemins["epci_2026"],
            nom_de("epci_2026"),
            COLONNES_EPCI,
            ["code_epci", "nom_epci", "type_epci"],
            erreurs,
            json_adapter=_json_epci,
        ),
        "communes_2026": lire(
            chemins["communes_2026"],
            nom_de("communes_2026"),
            COLONNES_COMMUNES,
            ["code_insee", "nom", "code_departement"],
            erreurs,
            json_adapter=_json_communes,
        ),
    }
    if any(t is None for t in tables.values()):
        return ref

    t = tables["regions_2026"]
    if t:
        ctx = Contexte(erreurs, t.fichier)
        for ctx.ligne, row in t.lignes:
            code = row["code_region"]
            if not code or len(code) > 3:
                ctx.erreur("code_region", f"code région « {code} » invalide")
                continue
            ref.regions[code] = {"nom": row["nom_region"]}

    academie_de: dict[str, str] = {}
    t = tables["academies"]
    if t:
        ctx = Contexte(erreurs, t.fichier)
        for ctx.ligne, row in t.lignes:
            code = row["code_academie"].zfill(2)
            region = row.get("code_region_academique", "")
            if region and ref.regions and region not in ref.regions:
                ctx.erreur("code_region_academique", f"région « {region} » inconnue")
                continue
            ref.academies[code] = {"nom": row["nom_academie"].strip(), "region_academique_id": region or None}
            for dep in filter(None, row.get("departements", "").split("|")):
                academie_de[dep] = code

    t = tables["departements_2026"]
    if t:
        ctx = Contexte(erreurs, t.fichier)
        for ctx.ligne, row in t.lignes:
            code = ctx.departement(row["code_departement"])
            if code is None:
                continue
            region = row["code_region"]
            if region not in ref.regions:
                ctx.erreur("code_region", f"région « {region} » inconnue")
                continue
            academie = row.get("code_academie") or academie_de.get(code) or None
            if academie is not None and academie not in ref.academies:
                ctx.erreur("code_academie", f"académie « {academie} » inconnue")
                continue
            ref.departements[code] = {"nom": row["nom_departement"], "region_id": region, "academie_id": academie}
            ref.region_de_departement[code] = region

    epci_de: dict[str, str] = {}
    t = tables["epci_2026"]
    if t:
        ctx = Contexte(erreurs, t.fichier)
        for ctx.ligne, row in t.lignes:
            siren = ctx.siren(row["code_epci"], "code_epci")
            if siren is None:
                continue
            if row["type_epci"] not in TYPES_EPCI:
                ctx.erreur("type_epci", f"type d'EPCI « {row['type_epci']} » inconnu (CC, CA, CU, METRO, MET69)")
                continue
            ref.epci[siren] = {
                "nom": row["nom_epci"],
                "type": row["type_epci"],
                "mode_financement": row.get("mode_financement", ""),
                "population": ctx.entier(row.get("population_totale", ""), "population_totale"),
            }
            for membre in filter(None, row.get("membres", "").split("|")):
                epci_de[membre] = siren

    t = tables["communes_2026"]
    if t:
        ctx = Contexte(erreurs, t.fichier, t)
        parentes: list[tuple[int, str, str]] = []
        sirens: dict[str, str] = {}
        sirens_ok = sirens_valides(t.col("siren"))
        prevalider_communes(t.col("code_insee"))
        for ctx.i, (brut, brut_dep, type_, siren, epci, parente, nom, population, codes_postaux) in enumerate(
            zip(
                t.col("code_insee"),
                t.col("code_departement"),
                t.col("type"),
                t.col("siren"),
                t.col("code_epci"),
                t.col("commune_parente"),
                t.col("nom"),
                t.col("population"),
                t.col("codes_postaux"),
                strict=True,
            )
        ):
            code = brut if brut in COMMUNES_VALIDES else ctx.commune(brut, "code_insee")
            dep = DEPARTEMENTS_CONNUS.get(brut_dep) or ctx.departement(brut_dep)
            if code is None or dep is None:
                continue
            if dep not in ref.departements:
                ctx.erreur("code_departement", f"département « {dep} » inconnu")
                continue
            if siren and siren not in sirens_ok:
                ctx.siren(siren, "siren")  # the message
                siren = ""
            if siren and siren in sirens:
                ctx.erreur("siren", f"SIREN « {siren} » déjà attribué à la commune {sirens[siren]}")
                continue
            if siren:
                sirens[siren] = code
            epci = epci or epci_de.get(code) or None
            if epci is not None and epci not in ref.epci:
                ctx.erreur("code_epci", f"EPCI « {epci} » absent du fichier des EPCI")
                continue
            if parente:
                parentes.append((ctx.i, code, parente))
            ref.communes[code] = {
                "nom": nom,
                "type": type_ or "commune-actuelle",
                "departement_id": dep,
                "epci_id": epci,
                "commune_parente_id": parente or None,
                "siren": siren,
                "population": ctx.entier(population, "population") if population else None,
                "codes_postaux": codes_postaux[:500],
                "superficie_km2": None,
                "latitude": None,
                "longitude": None,
            }
        for i, _code, parente in parentes:
            if parente not in ref.communes:
                erreurs.ajouter(
                    t.fichier, f"commune parente « {parente} » inconnue", ligne=t.ligne(i), colonne="commune_parente"
                )

    chemin = chemins.get("communes_superficie_population_2024")
    if chemin is not None:
        t = lire(chemin, chemin.name, COLONNES_SUPERFICIES, ["insee_com", "superficie_km2"], erreurs)
        if t:
            ctx = Contexte(erreurs, t.fichier, t)
            vus: set[str] = set()
            prevalider_communes(t.col("insee_com"))
            lats = flottants(ctx, t.col("lat"), "lat", 90)
            lngs = flottants(ctx, t.col("lng"), "lng", 180)
            decimal = ctx.decimal
            for ctx.i, (brut, superficie, lat, lng) in enumerate(
                zip(t.col("insee_com"), t.col("superficie_km2"), lats, lngs, strict=True)
            ):
                code = brut if brut in COMMUNES_VALIDES else ctx.commune(brut, "insee_com")
                if code is None or code in vus:
                    continue
                vus.add(code)
                valeur = decimal(superficie, "superficie_km2", "0.01", 99_999_999)
                commune = ref.communes.get(code)
                if commune is None:
                    continue  # COG 2024 code merged since
                commune["superficie_km2"] = valeur
                commune["latitude"] = lat
                commune["longitude"] = lng
    return ref
