"""The open datasets Socle imports: file name in the data folder, official address, title, producer, licence, vintage.

``url`` is where the same data is published officially (used by ``import_territoires --download``); a deployment
may point a dataset elsewhere with the setting ``SOCLE_DATASET_URLS = {code: url}``. Datasets without an official
address (``etablissements_national_derive`` is derived in this repository's data folder) are only read locally.

What ``--download`` reads, by origin:

- **decoupage-administratif** (régions, départements, EPCI, communes): the package's JSON files, read through the
  adapters of ``decoupage``. The JSON has no académie per département (taken from ``academies`` or, failing that,
  from the établissements directory) and no EPCI per commune (taken from the EPCI ``membres``).
- **data.education.gouv.fr** exports (``;``-separated, lower-case field names): read through the column aliases of
  ``etablissements`` (geolocalisation, Annuaire, effectifs, IPS). The académies export (contours 2020) has no list of
  départements; the Annuaire and effectifs exports are national (≈40 MB): the ``refine`` parameter of the address
  limits them to a département.
- **Not supported**: the INSEE "comparateur de territoires" (a zip with another layout) for areas; the default
  address of ``communes_superficie_population_2024`` is therefore the GitHub copy the data folder was made from.
- A dataset whose address is set to ``""`` in ``SOCLE_DATASET_URLS`` is skipped (or read from the data folder).
"""

from dataclasses import dataclass

from django.conf import settings

MEN_DEPP = "Ministère de l'Éducation nationale – DEPP, data.education.gouv.fr"
MEN = "Ministère de l'Éducation nationale, data.education.gouv.fr"
ETALAB = "Etalab (data.gouv.fr), @etalab/decoupage-administratif : INSEE COG, DGCL, La Poste"
LICENCE = "Licence Ouverte 2.0"

_ODS = "https://data.education.gouv.fr/api/explore/v2.1/catalog/datasets/{}/exports/csv?delimiter=%3B"
_DECOUPAGE = "https://unpkg.com/@etalab/decoupage-administratif@6.0.0/data/{}.json"


@dataclass(frozen=True)
class Dataset:
    code: str
    fichier: str
    titre: str
    producteur: str
    url: str
    millesime: str
    famille: str
    requis: bool = False
    licence: str = LICENCE
    departements: tuple[str, ...] = ()  # a departmental extract: only these départements

    @property
    def url_effective(self) -> str:
        return getattr(settings, "SOCLE_DATASET_URLS", {}).get(self.code, self.url)


DATASETS: tuple[Dataset, ...] = (
    Dataset(
        "regions_2026",
        "regions_2026.csv",
        "Régions (COG 2026)",
        ETALAB,
        _DECOUPAGE.format("regions"),
        "COG 2026",
        "regions",
        requis=True,
    ),
    Dataset(
        "academies",
        "academies.csv",
        "Académies et régions académiques",
        MEN_DEPP,
        _ODS.format("fr-en-contour-academies-2020"),
        "carte 2020",
        "academies",
        requis=True,
    ),
    Dataset(
        "departements_2026",
        "departements_2026.csv",
        "Départements (COG 2026)",
        ETALAB,
        _DECOUPAGE.format("departements"),
        "COG 2026",
        "departements",
        requis=True,
    ),
    Dataset(
        "epci_2026",
        "epci_2026.csv",
        "EPCI à fiscalité propre (DGCL 2026)",
        ETALAB,
        _DECOUPAGE.format("epci"),
        "2026",
        "epci",
        requis=True,
    ),
    Dataset(
        "communes_2026",
        "communes_2026.csv.gz",
        "Communes (COG 2026), populations légales et codes postaux",
        ETALAB,
        _DECOUPAGE.format("communes"),
        "COG 2026",
        "communes",
        requis=True,
    ),
    Dataset(
        "communes_superficie_population_2024",
        "communes_superficie_population_2024.csv.gz",
        "Superficie et point représentatif des communes",
        "INSEE (COG 2024, comparateur de territoires), La Poste",
        "https://raw.githubusercontent.com/rcarlier/datas.fun/main/France/communes.csv",
        "2024",
        "superficies",
    ),
    Dataset(
        "etablissements_geolocalises_2026",
        "etablissements_geolocalises_2026.csv.gz",
        "Adresse et géolocalisation des établissements d'enseignement du premier et second degrés",
        MEN,
        _ODS.format("fr-en-adresse-et-geolocalisation-etablissements-premier-et-second-degre"),
        "2026-08-17",
        "etablissements",
        requis=True,
    ),
    Dataset(
        "etablissements_national_derive",
        "etablissements_national_derive.csv.gz",
        "Répertoire national dérivé des fichiers IPS (écoles, collèges, lycées)",
        MEN_DEPP,
        "",
        "2022-2025",
        "etablissements",
    ),
    Dataset(
        "colleges_adresse_geolocalisation_2024",
        "colleges_adresse_geolocalisation_2024.csv.gz",
        "Adresse et géolocalisation des établissements (collèges, 2024)",
        MEN,
        _ODS.format("fr-en-adresse-et-geolocalisation-etablissements-premier-et-second-degre")
        + "&refine=nature_uai_libe%3A%22COLLEGE%22",
        "2024-12",
        "adresses",
    ),
    Dataset(
        "annuaire_education_35",
        "annuaire_education_35_ille_et_vilaine_2023.csv",
        "Annuaire de l'éducation (Ille-et-Vilaine)",
        MEN,
        _ODS.format("fr-en-annuaire-education") + "&refine=code_departement%3A%22035%22",
        "2023-06-08",
        "annuaire",
        departements=("35",),
    ),
    Dataset(
        "annuaire_education_94",
        "annuaire_education_94_val_de_marne_ecoles_2026.csv",
        "Annuaire de l'éducation (écoles du Val-de-Marne)",
        MEN,
        _ODS.format("fr-en-annuaire-education") + "&refine=code_departement%3A%22094%22",
        "2026-05-27",
        "annuaire",
        departements=("94",),
    ),
    Dataset(
        "ecoles_effectifs_35",
        "ecoles_effectifs_nb_classes_35_2019_2022.csv",
        "Nombre d'élèves et de classes par école (Ille-et-Vilaine)",
        MEN_DEPP,
        _ODS.format("fr-en-ecoles-effectifs-nb_classes"),
        "rentrées 2019 à 2022",
        "ecoles_effectifs",
        departements=("35",),
    ),
    Dataset(
        "ips_ecoles_2021",
        "ips_ecoles_2021.csv.gz",
        "Indices de position sociale des écoles (2021)",
        MEN_DEPP,
        _ODS.format("fr-en-ips_ecoles"),
        "rentrée 2021",
        "ips",
    ),
    Dataset(
        "ips_ecoles_2022_2025",
        "ips_ecoles_2022_2025.csv.gz",
        "Indices de position sociale des écoles à partir de 2022",
        MEN_DEPP,
        _ODS.format("fr-en-ips-ecoles-ap2022"),
        "rentrées 2022 à 2024",
        "ips",
    ),
    Dataset(
        "ips_colleges_2022",
        "ips_colleges_2022.csv",
        "Indices de position sociale des collèges à partir de 2022",
        MEN_DEPP,
        _ODS.format("fr-en-ips-colleges-ap2022"),
        "rentrée 2022",
        "ips",
    ),
    Dataset(
        "ips_lycees_2016_2022",
        "ips_lycees_2016_2022.csv.gz",
        "Indices de position sociale des lycées (2016 à 2021)",
        MEN_DEPP,
        _ODS.format("fr-en-ips_lycees"),
        "rentrées 2016 à 2021",
        "ips",
    ),
    Dataset(
        "ips_lycees_2022",
        "ips_lycees_2022.csv",
        "Indices de position sociale des lycées à partir de 2022",
        MEN_DEPP,
        _ODS.format("fr-en-ips-lycees-ap2022"),
        "rentrée 2022",
        "ips",
    ),
)

PAR_CODE = {d.code: d for d in DATASETS}
