"""Établissements (écoles, collèges, lycées), their circonscriptions, pupils, classes and IPS.

Precedence between sources (a later source overrides the non-empty fields of an earlier one):

- **List of établissements**: the union, by UAI, of ``etablissements_national_derive`` (completes Var and Vaucluse,
  whose schools mostly lack coordinates upstream) and ``etablissements_geolocalises_2026`` (the national directory
  with coordinates, maternelles included). The Annuaire extracts only enrich établissements of that union.
- **Identity** (name, commune, postcode, coordinates): Annuaire de l'éducation > geolocalised 2026 > derived.
  ``Etablissement.source`` names the source of the identity. The académie is the département's.
- **Addresses**: the Annuaire, else ``colleges_adresse_geolocalisation_2024`` (collèges; it also gives the contract
  type of private collèges), which never overrides a non-empty field.
- **Secteur**: ``Public`` → public; ``privé sous contrat`` → prive_sous_contrat; ``Privé`` → prive unless another
  source says "sous contrat" (the derived file and every IPS file only list public and sous-contrat schools); the
  Annuaire's ``Type_contrat_prive`` tells "contrat d'association/simple" (sous contrat) from "hors contrat" (prive).
- **Pupils**: every figure is kept as an ``Effectif`` row (rentrée, source): Annuaire ``Nombre_d_eleves`` (rentrée of
  the row's last update), ``ecoles_effectifs_nb_classes`` (écoles, per rentrée), IPS files ``effectifs`` (collèges
  and lycées, 2022-2023). ``Etablissement.eleves`` is the most recent; on the same rentrée the school census
  (``ecoles_effectifs``) wins over IPS, which wins over the Annuaire. ``eleves_annee`` and ``eleves_source`` say
  which.
- **Classes**: écoles only, from the latest rentrée of ``ecoles_effectifs_nb_classes``.
- **IPS**: one row per (établissement, rentrée) with its source; ``NS`` → non significatif. Lycées: the IPS of the
  whole lycée (``ips_ensemble_gt_pro``). The national, académique and départemental values are kept where the file
  has them (écoles from 2022).
- **Circonscriptions**: from the Annuaire (``code_circonscription`` when present, else a stable code derived from
  the département and the name).

The official export of "Adresse et géolocalisation des établissements" (``numero_uai``, ``appellation_officielle``,
``nature_uai_libe``…; ``;``-separated) is read through the column aliases below.
"""

import hashlib
import operator
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import compress, repeat
from pathlib import Path
from typing import Any

from territoires.rules import normalise_code_departement, normalise_recherche

from .champs import (
    COMMUNES_VALIDES,
    DECIMAUX,
    DEPARTEMENTS_CONNUS,
    RENTREES,
    UAI_VALIDES,
    Contexte,
    combine_secteur,
    flottants,
    niveau_de,
    secteur_de,
    uais_valides,
)
from .decoupage import Referentiel
from .lecture_a_part import Lecture, Lue, Preparation, lire_ici
from .readers import Erreurs, Table

Desire = dict[str, dict[str, Any]]
# One row of a list file, resolved: uai, nom, niveau, sous_type, nature, secteur, commune, département, académie, code
# postal, adresse, latitude, longitude.
Liste = tuple[str, str, str, str, str, str, str, str, str | None, str, str, float | None, float | None]

COLONNES_ETABLISSEMENTS = {
    "uai": ("numero_uai", "identifiant_de_l_etablissement"),
    "nom": ("appellation_officielle", "nom_etablissement"),
    "type_etablissement": (),
    "nature": ("nature_uai_libe", "libelle_nature"),
    "sous_type": (),
    "secteur": ("secteur_public_prive_libe", "statut_public_prive"),
    "contrat": ("secteur_prive_libelle_type_contrat", "type_contrat_prive"),
    "code_commune": ("code_insee_de_la_commune",),
    "nom_commune": ("libelle_commune",),  # only to normalise it beforehand (see _preparer_liste)
    "code_postal": ("code_postal_uai",),
    "adresse": ("adresse_uai",),
    "code_departement": ("code_du_departement",),
    "code_academie": (),
    "latitude": (),
    "longitude": (),
    "etat": ("etat_etablissement_libe",),
}
COLONNES_ANNUAIRE = {
    "uai": ("identifiant_de_l_etablissement", "numero_uai"),
    "nom": ("nom_etablissement",),
    "type_etablissement": (),
    "nature": ("libelle_nature",),
    "secteur": ("statut_public_prive",),
    "contrat": ("type_contrat_prive",),
    "adresse": ("adresse_1",),
    "code_postal": (),
    "code_departement": (),
    "telephone": (),
    "courriel": ("mail",),
    "site_web": ("web",),
    "eleves": ("nombre_d_eleves",),
    "latitude": (),
    "longitude": (),
    "code_circonscription": (),
    "nom_circonscription": (),
    "date_maj_ligne": (),
}
COLONNES_EFFECTIFS_ECOLES = {
    "rentree": ("rentree_scolaire",),
    "uai": ("numero_de_l_ecole", "numero_ecole"),
    "classes": ("nombre_total_de_classes", "nombre_total_classes"),
    "eleves": ("nombre_total_d_eleves", "nombre_total_eleves"),
}
COLONNES_IPS = {
    "rentree": ("rentree_scolaire",),
    "uai": (),
    "secteur": (),
    "ips": ("ips_ensemble_gt_pro",),
    "ips_national": (),
    "ips_academique": (),
    "ips_departemental": (),
    "effectifs": ("effectifs_ensemble_gt_pro",),
}

CHAMPS_IPS = ("valeur", "non_significatif", "national", "academique", "departemental", "source_id")

# Effectif precedence on the same rentrée (higher wins).
PRIORITE_EFFECTIFS = {"ecoles_effectifs": 3, "ips": 2, "annuaire": 1}
# The figures of an établissement that has none, in the order _choisir_effectifs sets them.
SANS_EFFECTIFS = {
    "eleves": None,
    "eleves_annee": "",
    "eleves_source_id": None,
    "classes": None,
    "classes_annee": "",
    "classes_source_id": None,
}


# The two list files share most of their names: each is normalised once in the process that reads them (the child
# process; bounded for a process that imports again).
_recherche_partagee = lru_cache(maxsize=1 << 16)(normalise_recherche)


def _preparer_liste(t: Table, erreurs: Erreurs) -> dict[str, Any]:
    """What step 1 of ``lire_scolaire`` needs of a list file alone, computed where the file is read (the child
    process of ``lecture_a_part``, while this one writes the territories): its valid UAIs, its coordinates (their
    errors named) and the search form of its names and postcodes."""
    ctx = Contexte(erreurs, t.fichier, t)
    derives = {
        "uais_valides": uais_valides(t.col("uai")),
        "latitudes": flottants(ctx, t.col("latitude"), "latitude", 90),
        "longitudes": flottants(ctx, t.col("longitude"), "longitude", 180),
        # The commune's name in the file is most often the COG's, whose search form lire_scolaire needs.
        "recherches": {
            v: _recherche_partagee(v) for v in {*t.col("nom"), *t.col("code_postal"), *t.col("nom_commune")}
        },
    }
    # Not sent: lire_scolaire never reads them (the coordinates' text: 100,000 distinct strings).
    for colonne in ("latitude", "longitude", "nom_commune"):
        t.colonnes.pop(colonne, None)
    return derives


def _preparer_ips(t: Table, erreurs: Erreurs) -> dict[str, Any]:
    """The valid UAIs of an IPS file, computed where it is read (see ``_preparer_liste``)."""
    return {"uais_valides": uais_valides(t.col("uai"))}


# What lire_scolaire reads of each family of school files: columns, required columns, what is computed where the
# file is read.
LECTURES: dict[str, tuple[dict[str, tuple[str, ...]], list[str], Preparation | None]] = {
    "etablissements": (COLONNES_ETABLISSEMENTS, ["uai", "nom", "code_commune", "code_departement"], _preparer_liste),
    # Of the collèges' addresses, what step 2 reads (the other columns are not parsed, nor sent by the child process).
    "adresses": (
        {c: COLONNES_ETABLISSEMENTS[c] for c in ("uai", "secteur", "contrat", "code_postal", "adresse")},
        ["uai"],
        None,
    ),
    "annuaire": (COLONNES_ANNUAIRE, ["uai", "nom", "type_etablissement"], None),
    "ecoles_effectifs": (COLONNES_EFFECTIFS_ECOLES, ["rentree", "uai", "eleves"], None),
    "ips": (COLONNES_IPS, ["rentree", "uai", "ips"], _preparer_ips),
}


def fichiers_scolaires(chemins: dict[str, Path], familles: dict[str, str]) -> dict[str, Lecture]:
    """The school files and what ``lire_scolaire`` reads of each: they can be read before it needs them, while the
    territories are read and written (``lecture_a_part``)."""
    return {
        code: (chemins[code], *LECTURES[famille])
        for code, famille in familles.items()
        if famille in LECTURES and code in chemins
    }


@dataclass
class Scolaire:
    etablissements: Desire = field(default_factory=dict)
    circonscriptions: Desire = field(default_factory=dict)
    # (uai, rentrée) -> values of CHAMPS_IPS (a list, not a dict: 160,000 rows nationally)
    ips: dict[tuple[str, str], list[Any]] = field(default_factory=dict)
    effectifs: dict[tuple[str, str, str], dict[str, Any]] = field(default_factory=dict)
    avertissements: list[str] = field(default_factory=list)


class _Recherches(dict[str, str]):
    """Text → ``normalise_recherche(text)``, computed at the first lookup of a text not given beforehand."""

    def __missing__(self, texte: str) -> str:
        forme = self[texte] = normalise_recherche(texte)
        return forme


def _rentree_de_date(date: str, defaut: str) -> str:
    """The rentrée during which a date (``2023-06-08``) falls: ``2022-2023``."""
    if len(date) >= 7 and date[:4].isdigit() and date[5:7].isdigit():
        annee, mois = int(date[:4]), int(date[5:7])
        debut = annee if mois >= 9 else annee - 1
        return f"{debut}-{debut + 1}"
    return defaut


def code_circonscription(code: str, nom: str, departement: str) -> str:
    if code:
        return code[:20]
    empreinte = hashlib.sha1(normalise_recherche(nom).encode(), usedforsecurity=False).hexdigest()[:10]
    return f"ci{departement}-{empreinte}"


def lire_scolaire(
    chemins: dict[str, Path],
    familles: dict[str, str],
    ref: Referentiel,
    departements: set[str] | None,
    erreurs: Erreurs,
    lue: Lue | None = None,
) -> Scolaire:
    """Parse and check every school file (all rows are checked; only the chosen départements are kept).

    ``lue`` gives the files of ``fichiers_scolaires`` already read (by ``lecture_a_part``); else they are read here.
    """
    out = Scolaire()
    lectures = fichiers_scolaires(chemins, familles)

    def fichier(code: str) -> Table | None:
        table, leurs = lue(code) if lue is not None else lire_ici(lectures[code])
        erreurs.reprendre(leurs)
        return table

    inconnues: dict[str, int] = {}
    recherches = _Recherches()

    # 1. The list: derived first, then the geolocalised directory over it.
    for code in ("etablissements_national_derive", "etablissements_geolocalises_2026"):
        if code not in chemins:
            continue
        t = fichier(code)
        if t is None:
            continue
        ctx = Contexte(erreurs, t.fichier, t)
        # Computed where the file was read (_preparer_liste); the coordinates' errors came with the reading's.
        UAI_VALIDES.update(t.derives["uais_valides"])
        lats, lngs = t.derives["latitudes"], t.derives["longitudes"]
        recherches.update(t.derives["recherches"])
        if not _liste_par_colonnes(t, code, lats, lngs, ref, departements, out, inconnues):
            # A UAI, département or commune is not valid: row by row, which names the lines at fault.
            lignes = _lignes_verifiees(ctx, t, code, lats, lngs, ref, departements, inconnues)
            _fusionner_liste(out.etablissements, code, lignes)

    # 2. Addresses and contract types (collèges 2024) complete the établissements of the list, without overriding.
    for code, famille in familles.items():
        if famille != "adresses" or code not in chemins:
            continue
        t = fichier(code)
        if t is None:
            continue
        ctx = Contexte(erreurs, t.fichier)
        for ctx.ligne, row in t.lignes:
            uai = ctx.uai(row["uai"])
            if uai is None or uai not in out.etablissements:
                continue
            e = out.etablissements[uai]
            e["adresse"] = e["adresse"] or row.get("adresse", "")[:255]
            e["code_postal"] = e["code_postal"] or row.get("code_postal", "")[:5]
            e["secteur"] = combine_secteur(e["secteur"], secteur_de(row.get("secteur", ""), row.get("contrat", "")))

    # 3. The Annuaire extracts enrich the établissements of the list.
    for code, famille in familles.items():
        if famille != "annuaire" or code not in chemins:
            continue
        t = fichier(code)
        if t is None:
            continue
        ctx = Contexte(erreurs, t.fichier)
        for ctx.ligne, row in t.lignes:
            uai = ctx.uai(row["uai"])
            eleves = ctx.entier(row.get("eleves", ""), "eleves")
            lat = ctx.flottant(row.get("latitude", ""), "latitude", 90)
            lng = ctx.flottant(row.get("longitude", ""), "longitude", 180)
            if uai is None or uai not in out.etablissements or not niveau_de(row["type_etablissement"]):
                continue
            e = out.etablissements[uai]
            dep = e["departement_id"]
            nom_circ = row.get("nom_circonscription", "")
            if nom_circ:
                code_circ = code_circonscription(row.get("code_circonscription", ""), nom_circ, dep)
                out.circonscriptions[code_circ] = {"nom": nom_circ[:255], "academie_id": e["academie_id"]}
                e["circonscription_id"] = code_circ
            e["nom"] = (row["nom"] or e["nom"])[:255]
            e["nature"] = (row.get("nature") or e["nature"])[:100]
            e["secteur"] = combine_secteur(e["secteur"], secteur_de(row.get("secteur", ""), row.get("contrat", "")))
            for champ, longueur in (("adresse", 255), ("telephone", 30), ("courriel", 255), ("site_web", 255)):
                e[champ] = (row.get(champ) or e[champ])[:longueur]
            e["code_postal"] = (row.get("code_postal") or e["code_postal"])[:5]
            if lat is not None and lng is not None:
                e["latitude"], e["longitude"] = lat, lng
            e["source_id"] = code
            if eleves is not None:
                rentree = _rentree_de_date(row.get("date_maj_ligne", ""), "")
                if rentree:
                    out.effectifs[(uai, rentree, code)] = {"eleves": eleves, "classes": None, "_famille": "annuaire"}

    # 4. Pupils and classes per école.
    for code, famille in familles.items():
        if famille != "ecoles_effectifs" or code not in chemins:
            continue
        t = fichier(code)
        if t is None:
            continue
        ctx = Contexte(erreurs, t.fichier)
        for ctx.ligne, row in t.lignes:
            uai = ctx.uai(row["uai"])
            rentree = ctx.rentree(row["rentree"])
            eleves = ctx.entier(row["eleves"], "eleves")
            classes = ctx.entier(row.get("classes", ""), "classes")
            if uai is None or rentree is None or uai not in out.etablissements:
                continue
            out.effectifs[(uai, rentree, code)] = {"eleves": eleves, "classes": classes, "_famille": "ecoles_effectifs"}

    # 5. IPS (and the pupils of collèges and lycées they carry).
    for code, famille in familles.items():
        if famille != "ips" or code not in chemins:
            continue
        t = fichier(code)
        if t is None:
            continue
        UAI_VALIDES.update(t.derives["uais_valides"])  # _preparer_ips
        if _ips_par_colonnes(t, code, out):
            continue
        # A value is not valid: row by row, which names the lines at fault (the same rows as above otherwise).
        ctx = Contexte(erreurs, t.fichier, t)
        decimal, entier = ctx.decimal, ctx.entier
        etablissements, ips, effectifs = out.etablissements, out.ips, out.effectifs
        dixiemes = DECIMAUX.setdefault("0.1", {})
        colonnes = zip(
            t.col("uai"),
            t.col("rentree"),
            t.col("ips"),
            t.col("ips_national"),
            t.col("ips_academique"),
            t.col("ips_departemental"),
            t.col("effectifs"),
            t.col("secteur"),
            strict=True,
        )
        for ctx.i, (uai, rentree, brut, national, academique, departemental, eleves, secteur) in enumerate(colonnes):
            # Values already checked are taken from the caches without a call (160,000 rows nationally).
            if uai not in UAI_VALIDES:
                uai = ctx.uai(uai)
            rentree = RENTREES.get(rentree) or ctx.rentree(rentree)
            e = etablissements.get(uai) if uai is not None else None
            if rentree is None or e is None:
                continue  # figures of établissements outside the import are not parsed
            valeur = dixiemes.get(brut)
            ns = False
            if valeur is None:
                brut = brut.upper()
                ns = brut == "NS"
                valeur = None if ns else decimal(brut, "ips")
            ips[(uai, rentree)] = [
                valeur,
                ns,
                dixiemes.get(national) or (decimal(national, "ips_national") if national else None),
                dixiemes.get(academique) or (decimal(academique, "ips_academique") if academique else None),
                dixiemes.get(departemental) or (decimal(departemental, "ips_departemental") if departemental else None),
                code,
            ]
            if e["secteur"] == "prive" and secteur_de(secteur) == "prive_sous_contrat":
                e["secteur"] = "prive_sous_contrat"
            if eleves:
                nombre = entier(eleves, "effectifs")
                if nombre is not None:
                    effectifs[(uai, rentree, code)] = {"eleves": nombre, "classes": None, "_famille": "ips"}

    _choisir_effectifs(out)
    # normalise_recherche works character by character, then splits on spaces: the text of "nom commune uai code
    # postal" is the texts of its parts, joined; each distinct name (35,000 of 60,000 nationally: "École maternelle
    # publique"…), commune and postcode is normalised once, those of the list files where they were read.
    communes = ref.communes
    for uai, e in out.etablissements.items():
        parties = (
            recherches[e["nom"]],
            recherches[communes[e["commune_id"]]["nom"]],
            uai.lower(),  # a valid UAI: digits and a capital letter
            recherches[e["code_postal"]],
        )
        e["recherche"] = " ".join(filter(None, parties))[:500]
    for code, n in inconnues.items():
        out.avertissements.append(f"{code} : {n} établissements ignorés (commune absente du COG 2026)")
    return out


def _lignes_verifiees(
    ctx: Contexte,
    t: Table,
    code: str,
    lats: list[float | None],
    lngs: list[float | None],
    ref: Referentiel,
    departements: set[str] | None,
    inconnues: dict[str, int],
) -> Iterator[Liste]:
    """The rows of a list file (step 1 of ``lire_scolaire``) kept for the import, checked and resolved one by one,
    for ``_fusionner_liste``: each invalid UAI, département or commune is named by its line (``ctx``)."""
    communes = ref.communes
    departements_ref = ref.departements
    tous = departements is None
    colonnes = zip(
        t.col("uai"),
        t.col("code_departement"),
        t.col("code_commune"),
        lats,
        lngs,
        t.col("type_etablissement"),
        t.col("nature"),
        t.col("etat"),
        t.col("code_academie"),
        t.col("nom"),
        t.col("sous_type"),
        t.col("secteur"),
        t.col("contrat"),
        t.col("code_postal"),
        t.col("adresse"),
        strict=True,
    )
    for ctx.i, (
        uai,
        dep,
        commune,
        lat,
        lng,
        type_etablissement,
        nature,
        etat,
        code_academie,
        nom,
        sous_type,
        secteur,
        contrat,
        code_postal,
        adresse,
    ) in enumerate(colonnes):
        # Values already checked are taken from the caches without a call.
        if uai not in UAI_VALIDES:
            uai = ctx.uai(uai)
        dep = DEPARTEMENTS_CONNUS.get(dep) or ctx.departement(dep)
        if commune not in COMMUNES_VALIDES:
            commune = ctx.commune(commune, requis=False)
        if uai is None or dep is None or not (tous or dep in departements):
            continue
        niveau = niveau_de(type_etablissement or nature)
        if not niveau or etat.upper() == "FERME":
            continue
        la_commune = communes.get(commune) if commune is not None else None
        if la_commune is None:
            inconnues[code] = inconnues.get(code, 0) + 1
            continue
        commune_dep = la_commune["departement_id"]
        departement = departements_ref[commune_dep]
        if departement["academie_id"] is None and code_academie.zfill(2) in ref.academies:
            # decoupage-administratif has no académie: the Ministry's directory tells it.
            departement["academie_id"] = code_academie.zfill(2)
        yield (
            uai,
            nom,
            niveau,
            sous_type,
            nature,
            secteur_de(secteur, contrat),
            commune,
            commune_dep,
            departement["academie_id"],
            code_postal,
            adresse,
            lat,
            lng,
        )


def _liste_par_colonnes(
    t: Table,
    code: str,
    lats: list[float | None],
    lngs: list[float | None],
    ref: Referentiel,
    departements: set[str] | None,
    out: Scolaire,
    inconnues: dict[str, int],
) -> bool:
    """The établissements of a list file (step 1 of ``lire_scolaire``) whose UAIs, départements and communes are all
    valid, column by column: each distinct value (département, commune, type, état, secteur and contrat) is resolved
    once, the rows are filtered by masks, and the loop only builds or merges the dicts (the same rows and values as
    the row-by-row loop). False, with nothing changed, if a value is not valid: the caller then reads the file row
    by row, naming the lines."""
    muettes = Erreurs()
    muet = Contexte(muettes, t.fichier)  # parses without reporting: a value it rejects sends the file back
    uais = t.col("uai")
    uai_de = {u: muet.uai(u) for u in set(uais).difference(UAI_VALIDES)}
    deps_bruts = t.col("code_departement")
    dep_de = {d: DEPARTEMENTS_CONNUS.get(d) or muet.departement(d) for d in set(deps_bruts)}
    communes_brutes = t.col("code_commune")
    distinctes = set(communes_brutes)
    commune_de = {c: c for c in distinctes}  # a valid code is its own form; the others (upper case, "") are read
    for c in distinctes.difference(COMMUNES_VALIDES):
        commune_de[c] = muet.commune(c, requis=False)
    if muettes.par_fichier:
        return False
    if uai_de:  # UAIs written in another form (lower case, spaces)
        uais = [uai_de.get(u, u) for u in uais]

    # The rows kept, as the row-by-row loop tests them: in the import's départements, of a known level, not closed
    # (not counted), then in a known commune (the others are counted). Each mask is only built if a row fails it.
    natures = t.colonnes.get("nature")
    libelles = t.col("type_etablissement")
    if natures is not None:
        libelles = [a or b for a, b in zip(libelles, natures, strict=True)]
    niveau_du_libelle = {v: niveau_de(v) for v in set(libelles)}
    niveaux = list(map(niveau_du_libelle.__getitem__, libelles))
    hors = {d for d, v in dep_de.items() if departements is not None and v not in departements}
    etats = t.col("etat")
    fermes = {v for v in set(etats) if v.upper() == "FERME"}
    masque: list[bool] | None = None
    if not all(niveaux) or not hors.isdisjoint(deps_bruts) or not fermes.isdisjoint(etats):
        masque = [
            bool(n) and d not in hors and e not in fermes for n, d, e in zip(niveaux, deps_bruts, etats, strict=True)
        ]
    communes = ref.communes
    la_commune = {c: communes.get(v) if v is not None else None for c, v in commune_de.items()}
    absentes = {c for c, v in la_commune.items() if v is None}
    gardes = masque
    if not absentes.isdisjoint(communes_brutes):
        dans = [c not in absentes for c in communes_brutes]
        gardes = dans if masque is None else list(map(operator.and_, masque, dans))
        comptees = len(gardes) - sum(gardes) - (0 if masque is None else len(masque) - sum(masque))
        if comptees:
            inconnues[code] = inconnues.get(code, 0) + comptees

    def gardees(colonne: list[Any]) -> list[Any]:
        return colonne if gardes is None else list(compress(colonne, gardes))

    communes_gardees = gardees(communes_brutes)
    departement_de_commune = {c: v["departement_id"] for c, v in la_commune.items() if v is not None}
    commune_deps = list(map(departement_de_commune.__getitem__, communes_gardees))
    # The académie: the département's; decoupage-administratif has none for a few (COM), the Ministry's directory
    # tells it, from the first row of the département with a known académie on.
    departements_ref = ref.departements
    academie_de = {d: departements_ref[d]["academie_id"] for d in set(commune_deps)}
    academies = list(map(academie_de.__getitem__, commune_deps))
    sans = {d for d, academie in academie_de.items() if academie is None}
    if sans:  # the rows of those départements, in order
        codes_academie = gardees(t.col("code_academie"))
        for i in compress(range(len(commune_deps)), map(sans.__contains__, commune_deps)):
            departement = departements_ref[commune_deps[i]]
            if departement["academie_id"] is None and codes_academie[i].zfill(2) in ref.academies:
                departement["academie_id"] = codes_academie[i].zfill(2)
            academies[i] = departement["academie_id"]
    secteurs_bruts, contrats = gardees(t.col("secteur")), t.colonnes.get("contrat")
    if contrats is None:
        secteur_du_texte = {s: secteur_de(s, "") for s in set(secteurs_bruts)}
        secteurs = map(secteur_du_texte.__getitem__, secteurs_bruts)
    else:
        paires = list(zip(secteurs_bruts, gardees(contrats), strict=True))
        secteur_de_paire = {p: secteur_de(*p) for p in set(paires)}
        secteurs = map(secteur_de_paire.__getitem__, paires)
    colonnes = zip(
        gardees(uais),
        gardees(t.col("nom")),
        gardees(niveaux),
        gardees(t.col("sous_type")),
        gardees(t.col("nature")),
        secteurs,
        map(commune_de.__getitem__, communes_gardees),
        commune_deps,
        academies,
        gardees(t.col("code_postal")),
        gardees(t.col("adresse")),
        gardees(lats),
        gardees(lngs),
        strict=True,
    )
    _fusionner_liste(out.etablissements, code, colonnes)
    return True


def _fusionner_liste(etablissements: Desire, code: str, lignes: Iterable[Liste]) -> None:
    """Step 1 of ``lire_scolaire``, for the rows of the list file ``code`` (by rows or by columns): a new UAI gets
    its dict, with every field the later files fill (the same keys, in the same order); a known one has the non-empty
    fields of the row written over its own, in place."""
    for (
        uai,
        nom,
        niveau,
        sous_type,
        nature,
        secteur,
        commune,
        commune_dep,
        academie,
        code_postal,
        adresse,
        lat,
        lng,
    ) in lignes:
        e = etablissements.get(uai)
        if e is None:
            etablissements[uai] = {
                "nom": (nom or f"Établissement {uai}")[:255],
                "niveau": niveau,
                "sous_type": sous_type,
                "nature": nature[:100],
                "secteur": secteur,
                "commune_id": commune,
                "departement_id": commune_dep,
                "academie_id": academie,
                "code_postal": code_postal[:5],
                "adresse": adresse[:255],
                "latitude": lat,
                "longitude": lng,
                "source_id": code,
                "telephone": "",
                "courriel": "",
                "site_web": "",
                "circonscription_id": None,
            }
            continue
        e["nom"] = (nom or e["nom"] or f"Établissement {uai}")[:255]
        e["niveau"] = niveau
        e["sous_type"] = sous_type or e["sous_type"]
        e["nature"] = nature[:100] or e["nature"]
        e["secteur"] = combine_secteur(e["secteur"], secteur)
        e["commune_id"] = commune
        e["departement_id"] = commune_dep
        e["academie_id"] = academie
        e["code_postal"] = (code_postal or e["code_postal"])[:5]
        e["adresse"] = (adresse or e["adresse"])[:255]
        if lat is not None:
            e["latitude"] = lat
        if lng is not None:
            e["longitude"] = lng
        e["source_id"] = code


def _ips_par_colonnes(t: Table, code: str, out: Scolaire) -> bool:
    """The IPS (and pupils) of a file whose every value is valid, column by column: each distinct value is parsed
    once, the rows are mapped in C (the same rows and values as the row-by-row loop of ``lire_scolaire``). False,
    with nothing changed, if a value is not valid: the caller then reads the file row by row, naming the lines."""
    uais = t.col("uai")
    if not UAI_VALIDES.issuperset(uais):
        return False
    muet = Contexte(Erreurs(), t.fichier)  # parses without reporting: a value it rejects sends the file back
    rentrees = {r: muet.rentree(r) for r in set(t.col("rentree"))}
    if None in rentrees.values():
        return False
    dixiemes = DECIMAUX.setdefault("0.1", {})
    valeurs: dict[str, Any] = {}
    non_significatifs: dict[str, bool] = {}
    for brut in set(t.col("ips")):
        valeur, ns = dixiemes.get(brut), False
        if valeur is None:
            haut = brut.upper()
            ns = haut == "NS"
            valeur = None if ns else muet.decimal(haut, "ips")
            if valeur is None and haut and not ns:
                return False
        valeurs[brut], non_significatifs[brut] = valeur, ns
    references = []
    for colonne in ("ips_national", "ips_academique", "ips_departemental"):
        lues = {v: dixiemes.get(v) or (muet.decimal(v, colonne) if v else None) for v in set(t.col(colonne))}
        if any(v and d is None for v, d in lues.items()):
            return False
        references.append(map(lues.__getitem__, t.col(colonne)))
    eleves = t.colonnes.get("effectifs")
    nombres = {v: muet.entier(v, "effectifs") for v in set(eleves or ()) if v}
    if None in nombres.values():
        return False

    etablissements = out.etablissements
    bruts = t.col("ips")
    lignes = zip(map(valeurs.__getitem__, bruts), map(non_significatifs.__getitem__, bruts), *references, repeat(code))
    cles = zip(uais, map(rentrees.__getitem__, t.col("rentree")), strict=True)
    gardees = list(map(etablissements.__contains__, uais))  # the figures of établissements outside the import: no
    out.ips.update(compress(zip(cles, map(list, lignes), strict=True), gardees))
    sous_contrat = {s for s in set(t.col("secteur")) if secteur_de(s) == "prive_sous_contrat"}
    if sous_contrat:
        for uai in compress(uais, map(sous_contrat.__contains__, t.col("secteur"))):
            e = etablissements.get(uai)
            if e is not None and e["secteur"] == "prive":
                e["secteur"] = "prive_sous_contrat"
    if eleves is not None:
        for uai, rentree, nombre in zip(uais, t.col("rentree"), eleves, strict=True):
            if nombre and uai in etablissements:
                out.effectifs[(uai, rentrees[rentree], code)] = {
                    "eleves": nombres[nombre],
                    "classes": None,
                    "_famille": "ips",
                }
    return True


def _choisir_effectifs(out: Scolaire) -> None:
    """``eleves``/``classes`` of each établissement: the most recent figures (see the module docstring)."""
    meilleurs: dict[str, tuple[tuple[str, int], str, str, int | None]] = {}
    classes: dict[str, tuple[str, str, int]] = {}
    for (uai, rentree, source), valeurs in out.effectifs.items():
        famille = valeurs.pop("_famille")
        rang = (rentree, PRIORITE_EFFECTIFS[famille])
        if valeurs["eleves"] is not None and (uai not in meilleurs or rang > meilleurs[uai][0]):
            meilleurs[uai] = (rang, rentree, source, valeurs["eleves"])
        if valeurs["classes"] is not None and (uai not in classes or rentree > classes[uai][0]):
            classes[uai] = (rentree, source, valeurs["classes"])
    for uai, e in out.etablissements.items():
        if uai not in meilleurs and uai not in classes:
            e.update(SANS_EFFECTIFS)  # most établissements (three quarters nationally): one call, the same keys
            continue
        if uai in meilleurs:
            _, rentree, source, eleves = meilleurs[uai]
            e["eleves"], e["eleves_annee"], e["eleves_source_id"] = eleves, rentree, source
        else:
            e["eleves"], e["eleves_annee"], e["eleves_source_id"] = None, "", None
        if uai in classes:
            rentree, source, nombre = classes[uai]
            e["classes"], e["classes_annee"], e["classes_source_id"] = nombre, rentree, source
        else:
            e["classes"], e["classes_annee"], e["classes_source_id"] = None, "", None


def departements_demandes(valeur: str | None) -> set[str] | None:
    if not valeur:
        return None
    return {normalise_code_departement(v) for v in valeur.split(",") if v.strip()}


def codes(values: Iterable[str]) -> str:
    return ",".join(sorted(values))
