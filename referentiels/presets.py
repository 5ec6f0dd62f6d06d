"""Content of the versions 1 of the référentiels, and the webradio item for the collège amendment.

Sources: /work/shared/domain.md §1, §1b, §2, §7, §8, §10. The école version 1 follows the items
circulated to schools for the SNÉÉ (2021). Collège and lycée versions 1 are reconstructed from the
same structure and are marked « à valider par le comité ». Every figure that no primary source
confirms is flagged ``non_confirme`` (in the rule) or ``cout_non_confirme`` (for the cost), with
its source beside it: it is a parameter to check, never a fact.
"""

from typing import Any

# --- Shared cost references (§10) -----------------------------------------------------------------

COUT_AFFICHAGE = {
    "cout_bas": "2000",
    "cout_typique": "3300",
    "cout_haut": "4000",
    "cout_unite": "par classe, installation comprise",
    "cout_source": "VPI + installation : ≈ 2 000 € (speechi.net, 14/12/2015) ; ≈ 3 300 € par classe "
    "(valeur dérivée : 106 classes ≈ 350 000 €, objectifgard.com, Alès, 29/08/2019) ; 3 500 à 4 000 € "
    "(anciens TNI, yvelines.fr, 26/11/2009). HT/TTC non précisé.",
    "cout_non_confirme": False,
}
COUT_PORTABLE = {
    "cout_bas": "452",
    "cout_typique": "700",
    "cout_haut": "1056",
    "cout_unite": "par ordinateur",
    "cout_source": "452 € (bureautique) à 1 056 € (« puissant ») : prix négociés Grand Est (france3-regions, "
    "« Lycée 4.0, mode d'emploi », 2017) ; valeur typique de 700 € NON CONFIRMÉE ; spécification "
    "prim27.ac-normandie.fr (2021) : i3/Ryzen 3, 8 Go, SSD ≥ 250 Go.",
    "cout_non_confirme": True,
}
COUT_TABLETTE = {
    "cout_bas": "309",
    "cout_typique": "566",
    "cout_haut": "1000",
    "cout_unite": "par terminal",
    "cout_source": "309 € HT (iPad, Nogent, 2012) ; 488 à 566 € (Argentan 2012, CD66 2015) ; ≈ 1 000 € par iPad "
    "Wi-Fi compris (valeur dérivée : Doubs, 6 M€ pour ≈ 6 000 iPad et bornes, ugap.fr, 2019).",
    "cout_non_confirme": False,
}
COUT_CHARIOT = {
    "cout_bas": "1000",
    "cout_typique": "2000",
    "cout_haut": "3000",
    "cout_unite": "par chariot ou malle",
    "cout_source": "Chariot ou malle de rechargement : 1 000 à 3 000 € HT, NON CONFIRMÉ (aucun prix sourcé) ; "
    "malle + MDM recommandées par prim27.ac-normandie.fr (2021).",
    "cout_non_confirme": True,
}
COUT_WIFI = {
    "cout_bas": "300",
    "cout_typique": "550",
    "cout_haut": "800",
    "cout_unite": "par point d'accès installé",
    "cout_source": "Point d'accès Wi-Fi installé : 300 à 800 €, NON CONFIRMÉ ; câblage : 67 à 125 € par prise "
    "(valeur dérivée, ecolesdemennecy.wordpress.com, 30/06/2016).",
    "cout_non_confirme": True,
}
COUT_INCONNU = {
    "cout_bas": None,
    "cout_typique": None,
    "cout_haut": None,
    "cout_unite": "",
    "cout_non_confirme": True,
}
COUT_ENT = {
    "cout_bas": "1.70",
    "cout_typique": "4.10",
    "cout_haut": "7.20",
    "cout_unite": "par élève et par an",
    "cout_source": "≈ 1,7 €/utilisateur (valeur dérivée, laviemoderne.net) ; 3,5 à 4,7 € (valeur dérivée, "
    "groupement Midi-Pyrénées) ; 5,6 à 7,2 € HT de fonctionnement (cafepedagogique.net, étude Accenture/CDC/ARF). "
    "Prix pour le premier degré NON CONFIRMÉ.",
    "cout_non_confirme": True,
}

COUT_ENT_SECOND_DEGRE = {
    **COUT_ENT,
    "cout_source": COUT_ENT["cout_source"].replace(" Prix pour le premier degré NON CONFIRMÉ.", ""),
}

SOURCE_SNEE = (
    "Appel à projets SNÉÉ (2021), infographie ERUN DSDEN 58 « Appel à projets pour un socle numérique "
    "dans les écoles élémentaires »."
)


def _item(code: str, domaine: str, libelle: str, regle: dict[str, Any], cout: dict[str, Any], **extra: Any) -> dict:
    return {"code": code, "domaine": domaine, "libelle": libelle, "regle": regle, **cout, **extra}


PAR_CLASSE = {"type": "par_classe", "quantite": 1}
PAR_ETABLISSEMENT = {"type": "par_etablissement", "quantite": 1}
PRESENCE = {"type": "presence"}

# The classe-mobile ratio: a parameter, its source beside it, to check against the national text.
RATIO_CLASSE_MOBILE = {
    "type": "par_classes",
    "quantite": 12,
    "classes": 4,
    "unite": "terminaux",
    "source": "DSDEN 27 : 10, 12 ou 15 terminaux pour 4 classes",
    "non_confirme": True,
}

ECOLE_V1: list[dict[str, Any]] = [
    _item(
        "videoprojecteur",
        "classe",
        "Vidéoprojecteur (ou TNI / VPI / ENI)",
        PAR_CLASSE,
        COUT_AFFICHAGE,
        description="Affichage collectif fixe, prêt à l'emploi, indispensable dans chaque salle de classe.",
    ),
    _item(
        "visualiseur",
        "classe",
        "Visualiseur",
        PAR_CLASSE,
        {
            "cout_bas": "100",
            "cout_typique": "200",
            "cout_haut": "300",
            "cout_unite": "par visualiseur, TTC",
            "cout_source": "100 à 300 € TTC, NON CONFIRMÉ ; périphérique cité par prim27.ac-normandie.fr (2021).",
            "cout_non_confirme": True,
        },
        description="Dans chaque classe, en option.",
        obligatoire=False,
    ),
    _item(
        "poste-enseignant",
        "classe",
        "Ordinateur portable (poste enseignant)",
        PAR_CLASSE,
        COUT_PORTABLE,
        description="Dans chaque classe ; il pilote l'affichage collectif.",
    ),
    _item(
        "capture-images",
        "classe",
        "Appareil pour capter les images (vidéo ou photo)",
        PAR_CLASSE,
        {**COUT_INCONNU, "cout_source": "Aucun prix sourcé (webcam orientable USB citée par ww2.ac-poitiers.fr/dane)."},
        description="Dans chaque classe ; peut être mutualisé entre classes.",
    ),
    _item(
        "micro",
        "classe",
        "Micro",
        PAR_CLASSE,
        {**COUT_INCONNU, "cout_source": "Aucun prix sourcé."},
        description="Dans chaque classe.",
    ),
    _item(
        "haut-parleurs",
        "classe",
        "Haut-parleurs",
        PAR_CLASSE,
        {**COUT_INCONNU, "cout_source": "Aucun prix sourcé."},
        description="Dans chaque classe.",
    ),
    _item(
        "connexion-classe",
        "reseau",
        "Connexion internet de la classe",
        PAR_CLASSE,
        COUT_WIFI,
        description="Dans chaque classe : la salle est connectée (filaire ou Wi-Fi).",
    ),
    _item(
        "classe-mobile",
        "mobiles",
        "Classe mobile : pack de tablettes et/ou d'ordinateurs",
        PAR_ETABLISSEMENT,
        COUT_CHARIOT,
        description="Pour chaque école, mutualisée entre les classes : malle ou chariot de rangement et de "
        "recharge, gestion de flotte (MDM).",
    ),
    _item(
        "classe-mobile-terminaux",
        "mobiles",
        "Terminaux de la classe mobile (tablettes ou ordinateurs)",
        RATIO_CLASSE_MOBILE,
        COUT_TABLETTE,
        description="Nombre de terminaux selon le nombre de classes. Le ratio est un paramètre : la recommandation "
        "locale de la DSDEN 27 est de 10, 12 ou 15 terminaux pour 4 classes ; le ratio national n'est pas confirmé.",
    ),
    _item(
        "direction-ordinateur",
        "direction",
        "Ordinateur portable de la direction d'école",
        PAR_ETABLISSEMENT,
        COUT_PORTABLE,
        description="Pour la direction d'école.",
    ),
    _item(
        "direction-connexion",
        "direction",
        "Connexion internet de la direction d'école",
        PAR_ETABLISSEMENT,
        {**COUT_INCONNU, "cout_source": "Aucun prix sourcé."},
        description="Pour la direction d'école.",
    ),
    _item(
        "direction-imprimante",
        "direction",
        "Imprimante photocopieur-scanner en réseau",
        PAR_ETABLISSEMENT,
        {
            **COUT_INCONNU,
            "cout_source": "Prix unitaire NON CONFIRMÉ ; coût de la copie ≈ 0,01 € TTC via l'UGAP "
            "(intendancezone.net, 2015, mis à jour en 2018).",
        },
        description="Pour la direction d'école.",
    ),
    _item(
        "ent",
        "services",
        "ENT (espace numérique de travail) ou service équivalent",
        PRESENCE,
        COUT_ENT,
        description="Service de travail partagé de l'école (ENT, nuage, serveur d'école) : volet 2 du SNÉÉ.",
    ),
    _item(
        "prise-en-main",
        "accompagnement",
        "Accompagnement à la prise en main des matériels, services et ressources",
        PRESENCE,
        {**COUT_INCONNU, "cout_non_confirme": False, "cout_source": "Assuré par l'académie (volet 3 du SNÉÉ)."},
        description="Volet 3 du SNÉÉ, assuré par l'académie.",
    ),
]

SOURCE_SECOND_DEGRE = (
    "Version reconstituée à partir de la structure du socle des écoles : aucun texte du socle des collèges et "
    "lycées n'a pu être lu. À valider par le comité des partenaires."
)
DEBIT_SECOND_DEGRE = {
    "type": "debit_minimum",
    "mbits": 100,
    "source": "avicca.org, « Le scolaire connecté : encore un effort » : 100 Mbit/s, cible des collectivités pour "
    "un établissement du second degré",
}


def _second_degre(niveau: str) -> list[dict[str, Any]]:
    etic = {
        "college": "ETIC 2018-2019 : 33,8 ordinateurs pour 100 élèves en collège (INSEE Références 2019)",
        "lycee": "ETIC 2018-2019 : 43,9 ordinateurs pour 100 élèves en LEGT, 62,0 en LP (INSEE Références 2019)",
    }[niveau]
    collectivite = {"college": "du département (Code de l'éducation, L.213-2)", "lycee": "de la région (L.214-6)"}[
        niveau
    ]
    return [
        _item(
            "affichage-collectif",
            "classe",
            "Affichage collectif (vidéoprojecteur, TNI / VPI ou ENI)",
            {**PAR_CLASSE, "source": "une par salle d'enseignement ; à défaut, une par division"},
            COUT_AFFICHAGE,
            description="Dans chaque salle d'enseignement, fixe et prêt à l'emploi.",
        ),
        _item(
            "poste-enseignant",
            "classe",
            "Poste enseignant",
            PAR_CLASSE,
            COUT_PORTABLE,
            description="Dans chaque salle d'enseignement ; il pilote l'affichage collectif.",
        ),
        _item(
            "classes-mobiles",
            "mobiles",
            "Classe mobile (chariot ou malle, gestion de flotte)",
            {
                "type": "par_classes",
                "quantite": 1,
                "classes": 6,
                "source": "ratio proposé pour discussion",
                "non_confirme": True,
            },
            COUT_CHARIOT,
            description="Équipement mutualisé entre les divisions.",
        ),
        _item(
            "terminaux-mobiles",
            "mobiles",
            "Terminaux mobiles mutualisés (tablettes ou ordinateurs portables)",
            {
                "type": "par_eleves",
                "quantite": 1,
                "eleves": 4,
                "unite": "terminal",
                "source": f"ratio proposé pour discussion ; {etic}",
                "non_confirme": True,
            },
            COUT_TABLETTE,
        ),
        _item(
            "direction-poste",
            "direction",
            "Postes de la direction et de la vie scolaire",
            {**PAR_ETABLISSEMENT, "quantite": 2, "source": "quantité proposée pour discussion", "non_confirme": True},
            COUT_PORTABLE,
        ),
        _item(
            "imprimante-reseau",
            "direction",
            "Imprimante photocopieur-scanner en réseau",
            PAR_ETABLISSEMENT,
            {**COUT_INCONNU, "cout_source": "Prix unitaire NON CONFIRMÉ."},
        ),
        _item(
            "acces-tres-haut-debit",
            "reseau",
            "Accès internet très haut débit",
            DEBIT_SECOND_DEGRE,
            {**COUT_INCONNU, "cout_source": "Abonnement : aucun prix sourcé."},
            description="Débit cible de 100 Mbit/s pour un établissement du second degré.",
        ),
        _item(
            "wifi-salles",
            "reseau",
            "Connexion des salles d'enseignement (filaire ou Wi-Fi)",
            PAR_CLASSE,
            COUT_WIFI,
            description="Points d'accès en débit et en nombre suffisants.",
        ),
        _item(
            "ent",
            "services",
            "ENT (espace numérique de travail)",
            PRESENCE,
            COUT_ENT_SECOND_DEGRE,
        ),
        _item(
            "accompagnement",
            "accompagnement",
            "Accompagnement et formation à la prise en main",
            PRESENCE,
            {**COUT_INCONNU, "cout_non_confirme": False, "cout_source": "Assuré par l'académie."},
        ),
        _item(
            "maintenance",
            "maintenance",
            "Maintenance des équipements et des logiciels",
            PRESENCE,
            {**COUT_INCONNU, "cout_source": "Aucun prix sourcé."},
            description=f"Acquisition et maintenance à la charge {collectivite}.",
        ),
    ]


COLLEGE_V1 = _second_degre("college")
LYCEE_V1 = [
    *_second_degre("lycee"),
    _item(
        "kit-hybridation",
        "classe",
        "Kit d'hybridation (ordinateur, webcam USB orientable, micro déporté, vidéoprojecteur)",
        {**PAR_ETABLISSEMENT, "source": "nombre de kits par lycée non confirmé", "non_confirme": True},
        {
            **COUT_INCONNU,
            "cout_source": "Coût par kit NON CONFIRMÉ. Mesure de 40 M€ dont 20 M€ de l'État (plan de relance, "
            "education.gouv.fr « Hybridation de l'enseignement en lycée ») ; contenu : ww2.ac-poitiers.fr/dane.",
        },
        description="Kits fournis aux lycées par le plan de relance (accords régionaux de relance, CPER).",
    ),
]

REFERENTIELS: list[dict[str, Any]] = [
    {
        "niveau": "ecole",
        "titre": "Socle numérique de base des écoles",
        "description": "Équipements, services et ressources numériques de base d'une école élémentaire.",
        "items": ECOLE_V1,
        "a_valider": False,
        "notes": f"Version 1, d'après les items diffusés aux écoles : {SOURCE_SNEE} Le texte de l'annexe "
        "officielle n'a pas pu être lu ; les valeurs marquées « non confirmé » sont à vérifier.",
    },
    {
        "niveau": "college",
        "titre": "Socle numérique de base des collèges",
        "description": "Équipements, réseau, services et accompagnement numériques de base d'un collège.",
        "items": COLLEGE_V1,
        "a_valider": True,
        "notes": f"Version 1. {SOURCE_SECOND_DEGRE}",
    },
    {
        "niveau": "lycee",
        "titre": "Socle numérique de base des lycées",
        "description": "Équipements, réseau, services et accompagnement numériques de base d'un lycée.",
        "items": LYCEE_V1,
        "a_valider": True,
        "notes": f"Version 1. {SOURCE_SECOND_DEGRE}",
    },
]

# --- The webradio amendment to the collège référentiel (domain.md §2, §4.3, §10) --------------------
# The comité's own example of a living référentiel: the AMRF proposes it after version 1; its
# adoption produces version 2 (the comite app's demo runs that story through the services).

WEBRADIO_ITEM: dict[str, Any] = {
    "domaine": "mobiles",
    "libelle": "Kit webradio (enregistreur, micros, casques, table de mixage, ordinateur de montage)",
    "description": "Matériel mutualisé de l'établissement pour l'éducation aux médias et à l'information "
    "(circulaire EMI du 24 janvier 2022) ; montage avec un logiciel libre (Audacity).",
    "obligatoire": True,
    "regle": {"type": "par_etablissement", "quantite": 1, "unite": "kit"},
    "cout_bas": None,
    "cout_typique": "700",
    "cout_haut": None,
    "cout_unite": "par collège",
    "cout_source": "≈ 700 € par collège : part de l'État dérivée de l'AAP « Une webradio, un parrain » (1,4 M€ pour "
    "2 000 projets, France 2030, 2022) ; coût du kit NON CONFIRMÉ. Matériel vu : enregistreurs Zoom H1/H2/H4 et "
    "casques (occitanie-canope.canoprof.fr), table de mixage, micros, ordinateur avec Audacity.",
    "cout_non_confirme": True,
}
WEBRADIO_CODE = "webradio"
WEBRADIO_MODIFICATIONS: list[dict[str, Any]] = [
    {"operation": "ajout", "code": WEBRADIO_CODE, "donnees": WEBRADIO_ITEM},
]
WEBRADIO_AMENDEMENT: dict[str, Any] = {
    "titre": "Ajouter un kit webradio au socle numérique des collèges",
    "expose_motifs": "La webradio scolaire fait vivre l'éducation aux médias et à l'information (circulaire du "
    "24 janvier 2022). L'appel à projets « Une webradio, un parrain » a montré que la plupart des collèges n'en "
    "sont pas équipés. Inscrire un kit webradio au socle donne aux départements une référence commune pour "
    "l'équiper. Coût du kit à confirmer par le groupe de travail.",
    "modifications": WEBRADIO_MODIFICATIONS,
}
