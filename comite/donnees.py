"""Initial data of the comité: its organisations, working groups and conventions (domain.md §0).

Signatories of the 2015 convention per Maire-info (6 Oct 2015), villes-internet.net and ludomag (13/05/2022):
AMF, ADF, AMGVF (today France urbaine), ARF (today Régions de France), AMVBF, AMRF, RFVE, Villes Internet,
Caisse des Dépôts, ministries of Education and Economy. The other associations sit today without having
signed in 2015; DAN and DSI representatives are invited.
"""

from typing import Any

MINISTERE = "ministere"
ASSOCIATION = "association"

# (nom, sigle, type, signataire_2015, invitee)
ORGANISATIONS: list[tuple[str, str, str, bool, bool]] = [
    ("Ministère de l'Éducation nationale — DNE", "DNE", MINISTERE, True, False),
    (
        "Ministère de l'Économie, des Finances et de la Souveraineté industrielle et numérique",
        "MEFSIN",
        MINISTERE,
        True,
        False,
    ),
    ("Association des maires de France et des présidents d'intercommunalité (AMF)", "AMF", ASSOCIATION, True, False),
    ("Association des maires ruraux de France (AMRF)", "AMRF", ASSOCIATION, True, False),
    ("Départements de France (ADF)", "ADF", ASSOCIATION, True, False),
    ("Régions de France", "Régions de France", ASSOCIATION, True, False),
    ("France urbaine (ex-AMGVF)", "France urbaine", ASSOCIATION, True, False),
    (
        "Ville & Banlieue — Association des maires de villes et banlieues de France (AMVBF)",
        "AMVBF",
        ASSOCIATION,
        True,
        False,
    ),
    ("Réseau français des villes éducatrices (RFVE)", "RFVE", ASSOCIATION, True, False),
    ("Association Villes Internet", "Villes Internet", ASSOCIATION, True, False),
    ("Caisse des Dépôts — Banque des Territoires", "CDC", ASSOCIATION, True, False),
    ("Villes de France", "Villes de France", ASSOCIATION, False, False),
    (
        "Association des villes et collectivités pour les communications électroniques et l'audiovisuel (AVICCA)",
        "AVICCA",
        ASSOCIATION,
        False,
        False,
    ),
    ("Association des petites villes de France (APVF)", "APVF", ASSOCIATION, False, False),
    ("Fédération nationale des collectivités concédantes et régies (FNCCR)", "FNCCR", ASSOCIATION, False, False),
    ("Association DECLIC (centres informatiques des collectivités)", "DECLIC", ASSOCIATION, False, False),
    ("Représentants des délégués académiques au numérique (DAN)", "DAN", ASSOCIATION, False, True),
    (
        "Représentants des directions des systèmes d'information des collectivités (DSI)",
        "DSI",
        ASSOCIATION,
        False,
        True,
    ),
]

COLLECTIVITES = ["AMF", "AMRF", "ADF", "Régions de France", "France urbaine", "Villes de France", "APVF"]

# (slug, nom, thème, ad hoc, sigles des organisations membres)
GROUPES: list[tuple[str, str, str, bool, list[str]]] = [
    (
        "nouveaux-usages",
        "Nouveaux usages",
        "Usages pédagogiques émergents du numérique et leurs besoins d'équipement.",
        False,
        ["DNE", "RFVE", "Villes Internet", "AMF", "DAN"],
    ),
    (
        "gouvernance",
        "Gouvernance à la bonne échelle",
        "Partage des rôles entre l'État et les collectivités.",
        False,
        ["DNE", *COLLECTIVITES],
    ),
    (
        "accompagnement",
        "Accompagnement des acteurs",
        "Formation, assistance et maintenance pour les écoles et établissements.",
        False,
        ["DNE", "AMF", "AMRF", "DECLIC", "DAN"],
    ),
    (
        "referentiels-nationaux",
        "Référentiels nationaux",
        "Socle numérique de base des écoles, collèges et lycées ; amendements aux référentiels.",
        False,
        ["DNE", "AMF", "AMRF", "ADF", "Régions de France", "DSI", "DAN"],
    ),
    (
        "infrastructures",
        "Infrastructures et équipements",
        "Réseaux, très haut débit, Wi-Fi, équipements.",
        False,
        ["DNE", "AVICCA", "FNCCR", "DECLIC", "DSI", "Régions de France"],
    ),
    (
        "filiere",
        "Filière du numérique éducatif",
        "EdTech, achat public et filière industrielle.",
        False,
        ["DNE", "MEFSIN", "CDC", "Régions de France"],
    ),
    (
        "cahier-des-charges-tne",
        "Cahier des charges TNE",
        "Groupe ad hoc : cahier des charges des Territoires numériques éducatifs.",
        True,
        ["DNE", "CDC", "ADF", "AMF"],
    ),
]

CONVENTION_2015: dict[str, Any] = {
    "titre": "Convention constitutive du Comité des partenaires du numérique pour l'éducation",
    "type": "constitutive",
    "statut": "en_vigueur",
    "date_signature": "2015-10-01",
    "theme": "Service public du numérique éducatif (article 16 de la loi n° 2013-595 du 8 juillet 2013)",
    "description": "Signée autour du 1er octobre 2015 (Maire-info, 6 octobre 2015). Axes : référentiels nationaux "
    "(ressources, équipements, usages, formation), infrastructures, gouvernance partagée, filière EdTech.",
}

# A framework agreement with its implementation agreements (CoPaNEETA pattern). Demonstration content.
CONVENTION_CADRE: dict[str, Any] = {
    "titre": "Convention-cadre de partenariat pour le numérique éducatif (exemple de démonstration)",
    "type": "cadre",
    "statut": "signee",
    "date_signature": "2024-03-15",
    "theme": "Coopération État – collectivités sur les services numériques éducatifs",
    "description": "Exemple fictif : une convention-cadre et ses conventions de mise en œuvre thématiques.",
    "signataires": ["DNE", "ADF", "Régions de France", "CDC"],
    "comite_suivi": ["DNE", "ADF", "Régions de France"],
}
CONVENTIONS_MISE_EN_OEUVRE: list[dict[str, Any]] = [
    {
        "titre": "Convention de mise en œuvre — transition de la maintenance",
        "theme": "Maintenance",
        "statut": "signee",
        "date_signature": "2024-06-01",
    },
    {"titre": "Convention de mise en œuvre — centre de données", "theme": "Data center", "statut": "projet"},
    {"titre": "Convention de mise en œuvre — cloud éducatif", "theme": "Cloud éducatif", "statut": "projet"},
]
