"""First version of the price catalogue (domain.md §10), taken from the costs of the référentiels v1.

The référentiels' presets already carry §10's low / typical / high prices with their sources; the
catalogue copies them per item code and adds the date of the sources. UNCONFIRMED prices stay
flagged ``non_confirme`` and are shown as such; an item with no sourced price has no typical
price: its gaps are listed but not costed (the cost is then a lower bound, said on the page).
"""

from typing import Any

from referentiels.presets import ECOLE_V1, LYCEE_V1, REFERENTIELS, WEBRADIO_CODE, WEBRADIO_ITEM

CATALOGUE_V1_TITRE = "Prix de référence, version 1 (domain.md §10)"
CATALOGUE_V1_NOTES = (
    "Valeurs de planification, pas des références de marché : la plupart des prix sourcés datent de 2015 à "
    "2019 (fournisseurs, presse, communes). Les prix « non confirmés » n'ont pas de source et doivent être "
    "vérifiés ; une collectivité peut les remplacer par ses prix négociés."
)
CATALOGUE_V1_DATE = "2026-11-23"

# Date(s) of the sources of each price (domain.md §10, column « Date »).
DATES_SOURCES: dict[str, str] = {
    "videoprojecteur": "2009–2019",
    "affichage-collectif": "2009–2019",
    "visualiseur": "2021",
    "poste-enseignant": "2017 ; 2021",
    "direction-ordinateur": "2017 ; 2021",
    "direction-poste": "2017 ; 2021",
    "classe-mobile": "2021",
    "classes-mobiles": "2021",
    "classe-mobile-terminaux": "2012–2019",
    "terminaux-mobiles": "2012–2019",
    "connexion-classe": "2015–2016",
    "wifi-salles": "2015–2016",
    "direction-imprimante": "2015, mis à jour en 2018",
    "imprimante-reseau": "2015, mis à jour en 2018",
    "ent": "2006–2012",
    "capture-images": "2020",
    "kit-hybridation": "2020–2021",
    WEBRADIO_CODE: "2022",
}


def _prix(code: str, item: dict[str, Any]) -> dict[str, Any]:
    unite = item.get("cout_unite", "") or ""
    return {
        "item_code": code,
        "libelle": item["libelle"],
        "bas": item.get("cout_bas"),
        "typique": item.get("cout_typique"),
        "haut": item.get("cout_haut"),
        "unite": unite,
        "par_eleve": "par élève" in unite,
        "source": item.get("cout_source", ""),
        "date_source": DATES_SOURCES.get(code, ""),
        "non_confirme": bool(item.get("cout_non_confirme")),
    }


def catalogue_v1() -> list[dict[str, Any]]:
    """One price per item code across the école, collège and lycée référentiels (first occurrence wins)."""
    prix: dict[str, dict[str, Any]] = {}
    for referentiel in REFERENTIELS:
        for item in referentiel["items"]:
            prix.setdefault(item["code"], _prix(item["code"], item))
    for item in (*ECOLE_V1, *LYCEE_V1):
        prix.setdefault(item["code"], _prix(item["code"], item))
    prix.setdefault(WEBRADIO_CODE, _prix(WEBRADIO_CODE, WEBRADIO_ITEM))
    return list(prix.values())
