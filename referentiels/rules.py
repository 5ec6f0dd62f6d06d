"""Pure rules of the référentiels: quantity rules, item validation and version diffs.

No ORM here: everything works on plain data (the JSON stored on items) and is property-tested.

A quantity rule is JSON such as ``{"type": "par_classe", "quantite": 1}``. Its types:

- ``par_etablissement``: ``quantite`` per établissement;
- ``par_classe``: ``quantite`` per class;
- ``par_classes``: ``quantite`` for every ``classes`` classes, proportionally, rounded up
  (``{"classes": 4, "quantite": 12}``: 12 terminals for 4 classes, 15 for 5 classes);
- ``par_eleves``: ``quantite`` for every ``eleves`` pupils, proportionally, rounded up;
- ``presence``: the item must be present (1), whatever the size of the établissement;
- ``debit_minimum``: a bandwidth of at least ``mbits`` Mbit/s (the "quantity" is that bandwidth).

Every rule may carry ``source`` (text) and ``non_confirme`` (true when its figure is not confirmed
by a primary source: it is then a parameter to check, shown as such), and ``niveaux`` (the
niveaux it applies to; it applies to all when absent).
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Literal, cast

TypeRegle = Literal["par_etablissement", "par_classe", "par_classes", "par_eleves", "presence", "debit_minimum"]

TYPES_REGLE: dict[str, str] = {
    "par_etablissement": "par établissement",
    "par_classe": "par classe",
    "par_classes": "pour un nombre de classes",
    "par_eleves": "pour un nombre d'élèves",
    "presence": "présence",
    "debit_minimum": "débit minimum",
}
NIVEAUX = ("ecole", "college", "lycee")
DOMAINES: dict[str, str] = {
    "classe": "Équipements de la classe",
    "mobiles": "Équipements mobiles mutualisés",
    "direction": "Équipements de la direction",
    "reseau": "Réseaux et connexion",
    "services": "Services et ressources numériques",
    "accompagnement": "Accompagnement",
    "maintenance": "Maintenance",
}
# Largest figure a rule may hold: beyond it the value is a typing mistake, not a requirement.
MAXIMUM = 100_000
CLES_REGLE = {"type", "quantite", "classes", "eleves", "mbits", "unite", "source", "non_confirme", "niveaux"}


class RegleInvalide(ValueError):
    """A rule or an item that cannot be used; the message is French and names the item and field."""

    def __init__(self, message: str, *, champ: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.champ = champ


@dataclass(frozen=True)
class Regle:
    """A validated quantity rule."""

    type: TypeRegle
    quantite: int = 1
    classes: int = 1
    eleves: int = 1
    mbits: int = 0
    unite: str = ""
    source: str = ""
    non_confirme: bool = False
    niveaux: tuple[str, ...] = ()

    def as_json(self) -> dict[str, object]:
        data: dict[str, object] = {"type": self.type}
        if self.type in ("par_etablissement", "par_classe", "par_classes", "par_eleves"):
            data["quantite"] = self.quantite
        if self.type == "par_classes":
            data["classes"] = self.classes
        if self.type == "par_eleves":
            data["eleves"] = self.eleves
        if self.type == "debit_minimum":
            data["mbits"] = self.mbits
        if self.unite:
            data["unite"] = self.unite
        if self.source:
            data["source"] = self.source
        if self.non_confirme:
            data["non_confirme"] = True
        if self.niveaux:
            data["niveaux"] = list(self.niveaux)
        return data


@dataclass(frozen=True)
class Profil:
    """What a rule needs to know about an établissement; ``None`` when the figure is unknown."""

    niveau: str
    classes: int | None = None
    eleves: int | None = None


def _entier(data: Mapping[str, object], cle: str, *, code: str, minimum: int = 1) -> int:
    valeur = data.get(cle)
    if isinstance(valeur, bool) or not isinstance(valeur, int):
        raise RegleInvalide(
            f"Item « {code} », règle, champ « {cle} » : un nombre entier est attendu (reçu : {valeur!r}).", champ=cle
        )
    if valeur < minimum or valeur > MAXIMUM:
        raise RegleInvalide(
            f"Item « {code} », règle, champ « {cle} » : la valeur doit être comprise entre {minimum} et {MAXIMUM} "
            f"(reçu : {valeur}).",
            champ=cle,
        )
    return valeur


def lire_regle(data: object, *, code: str) -> Regle:
    """Validate the JSON of a rule; raise ``RegleInvalide`` with a French message naming ``code``."""
    if data is None:
        raise RegleInvalide(f"Item « {code} », champ « regle » : la règle de quantité est obligatoire.", champ="type")
    if not isinstance(data, Mapping):
        raise RegleInvalide(f"Item « {code} » : la règle de quantité doit être un objet JSON.", champ="regle")
    inconnues = sorted(str(k) for k in data if k not in CLES_REGLE)
    if inconnues:
        raise RegleInvalide(
            f"Item « {code} », règle : champ inconnu « {inconnues[0]} ».",
            champ=inconnues[0],
        )
    brut = data.get("type")
    if brut not in TYPES_REGLE:
        attendus = ", ".join(TYPES_REGLE)
        raise RegleInvalide(
            f"Item « {code} », règle, champ « type » : type inconnu {brut!r} (attendu : {attendus}).", champ="type"
        )
    type_ = cast(TypeRegle, brut)
    source = data.get("source", "")
    if not isinstance(source, str):
        raise RegleInvalide(f"Item « {code} », règle, champ « source » : un texte est attendu.", champ="source")
    unite = data.get("unite", "")
    if not isinstance(unite, str):
        raise RegleInvalide(f"Item « {code} », règle, champ « unite » : un texte est attendu.", champ="unite")
    non_confirme = data.get("non_confirme", False)
    if not isinstance(non_confirme, bool):
        raise RegleInvalide(
            f"Item « {code} », règle, champ « non_confirme » : vrai ou faux est attendu.", champ="non_confirme"
        )
    niveaux = data.get("niveaux", [])
    if not isinstance(niveaux, list | tuple) or any(n not in NIVEAUX for n in niveaux):
        raise RegleInvalide(
            f"Item « {code} », règle, champ « niveaux » : une liste parmi {', '.join(NIVEAUX)} est attendue.",
            champ="niveaux",
        )
    quantite = classes = eleves = 1
    mbits = 0
    if type_ in ("par_etablissement", "par_classe", "par_classes", "par_eleves"):
        quantite = _entier(data, "quantite", code=code)
    if type_ == "par_classes":
        classes = _entier(data, "classes", code=code)
    if type_ == "par_eleves":
        eleves = _entier(data, "eleves", code=code)
    if type_ == "debit_minimum":
        mbits = _entier(data, "mbits", code=code)
    return Regle(
        type=type_,
        quantite=quantite,
        classes=classes,
        eleves=eleves,
        mbits=mbits,
        unite=unite.strip(),
        source=source.strip(),
        non_confirme=non_confirme,
        niveaux=tuple(str(n) for n in niveaux),
    )


def quantite_requise(regle: Regle, profil: Profil) -> int | None:
    """The quantity the rule requires of the établissement; ``None`` when a needed figure is unknown.

    For ``debit_minimum`` the quantity is the bandwidth in Mbit/s; for ``presence`` it is 1.
    An établissement of a niveau the rule does not apply to requires 0.
    """
    if regle.niveaux and profil.niveau not in regle.niveaux:
        return 0
    if regle.type == "par_etablissement":
        return regle.quantite
    if regle.type == "presence":
        return 1
    if regle.type == "debit_minimum":
        return regle.mbits
    if regle.type in ("par_classe", "par_classes"):
        if profil.classes is None:
            return None
        # Integer arithmetic: ceil(classes * quantite / classes_ref) without floats.
        return -(-profil.classes * regle.quantite // regle.classes)
    if profil.eleves is None:
        return None
    return -(-profil.eleves * regle.quantite // regle.eleves)


def decrire_regle(regle: Regle) -> str:
    """The rule in French, as shown beside the item."""
    unite = f" {regle.unite}" if regle.unite else ""
    if regle.type == "par_etablissement":
        texte = f"{regle.quantite}{unite} par établissement"
    elif regle.type == "par_classe":
        texte = f"{regle.quantite}{unite} par classe"
    elif regle.type == "par_classes":
        pluriel = "s" if regle.classes > 1 else ""
        texte = f"{regle.quantite}{unite} pour {regle.classes} classe{pluriel}"
    elif regle.type == "par_eleves":
        pluriel = "s" if regle.eleves > 1 else ""
        texte = f"{regle.quantite}{unite} pour {regle.eleves} élève{pluriel}"
    elif regle.type == "presence":
        texte = "présence requise"
    else:
        texte = f"débit d'au moins {regle.mbits} Mbit/s"
    if regle.niveaux:
        texte += " (" + ", ".join(regle.niveaux) + ")"
    return texte


# --- Items -------------------------------------------------------------------------------------

CHAMPS_ITEM = (
    "domaine",
    "libelle",
    "description",
    "obligatoire",
    "regle",
    "cout_bas",
    "cout_typique",
    "cout_haut",
    "cout_unite",
    "cout_source",
    "cout_non_confirme",
)
CHAMPS_COUT = ("cout_bas", "cout_typique", "cout_haut")
LONGUEUR_CODE = 40


def valider_code(code: object) -> str:
    if not isinstance(code, str) or not code.strip():
        raise RegleInvalide("Le code de l'item est obligatoire.", champ="code")
    code = code.strip()
    if len(code) > LONGUEUR_CODE or not all(c.isascii() and (c.isalnum() or c in "-_") for c in code):
        raise RegleInvalide(
            f"Item « {code} », champ « code » : lettres sans accent, chiffres, « - » ou « _ », "
            f"{LONGUEUR_CODE} caractères au plus.",
            champ="code",
        )
    return code


def _montant(valeur: object, *, code: str, champ: str) -> Decimal | None:
    if valeur is None or valeur == "":
        return None
    if isinstance(valeur, bool) or not isinstance(valeur, str | int | Decimal):
        raise RegleInvalide(f"Item « {code} », champ « {champ} » : un montant en euros est attendu.", champ=champ)
    try:
        montant = Decimal(str(valeur).replace(",", ".").replace(" ", ""))
    except InvalidOperation:
        raise RegleInvalide(
            f"Item « {code} », champ « {champ} » : « {valeur} » n'est pas un montant en euros.", champ=champ
        ) from None
    if not montant.is_finite() or montant < 0 or montant >= Decimal("100000000"):
        raise RegleInvalide(
            f"Item « {code} », champ « {champ} » : le montant doit être positif et raisonnable.", champ=champ
        )
    return montant.quantize(Decimal("0.01"))


def valider_item(code: str, donnees: Mapping[str, object]) -> dict[str, object]:
    """Validate one item's data; return it normalised (JSON-ready: amounts as strings, rule as JSON).

    Raise ``RegleInvalide`` with a French message naming the item code and the field.
    """
    code = valider_code(code)
    inconnus = sorted(str(k) for k in donnees if k not in CHAMPS_ITEM)
    if inconnus:
        raise RegleInvalide(f"Item « {code} » : champ inconnu « {inconnus[0]} ».", champ=inconnus[0])
    domaine = donnees.get("domaine")
    if domaine not in DOMAINES:
        raise RegleInvalide(
            f"Item « {code} », champ « domaine » : domaine inconnu {domaine!r} (attendu : {', '.join(DOMAINES)}).",
            champ="domaine",
        )
    libelle = donnees.get("libelle")
    if not isinstance(libelle, str) or not libelle.strip():
        raise RegleInvalide(f"Item « {code} », champ « libelle » : le libellé est obligatoire.", champ="libelle")
    if len(libelle) > 255:
        raise RegleInvalide(f"Item « {code} », champ « libelle » : 255 caractères au plus.", champ="libelle")
    textes: dict[str, str] = {}
    for champ in ("description", "cout_unite", "cout_source"):
        valeur = donnees.get(champ, "")
        if not isinstance(valeur, str):
            raise RegleInvalide(f"Item « {code} », champ « {champ} » : un texte est attendu.", champ=champ)
        textes[champ] = valeur.strip()
    if len(textes["cout_unite"]) > 60:
        raise RegleInvalide(f"Item « {code} », champ « cout_unite » : 60 caractères au plus.", champ="cout_unite")
    booleens: dict[str, bool] = {}
    for champ, defaut in (("obligatoire", True), ("cout_non_confirme", False)):
        valeur = donnees.get(champ, defaut)
        if not isinstance(valeur, bool):
            raise RegleInvalide(f"Item « {code} », champ « {champ} » : vrai ou faux est attendu.", champ=champ)
        booleens[champ] = valeur
    regle = lire_regle(donnees.get("regle"), code=code)
    couts = {champ: _montant(donnees.get(champ), code=code, champ=champ) for champ in CHAMPS_COUT}
    connus = [(champ, m) for champ, m in couts.items() if m is not None]
    for (champ_a, a), (champ_b, b) in itertools.pairwise(connus):
        if a > b:
            raise RegleInvalide(
                f"Item « {code} », champ « {champ_b} » : le coût doit être supérieur ou égal à « {champ_a} » "
                f"({b} € < {a} €).",
                champ=champ_b,
            )
    return {
        "domaine": domaine,
        "libelle": libelle.strip(),
        "description": textes["description"],
        "obligatoire": booleens["obligatoire"],
        "regle": regle.as_json(),
        **{champ: (None if m is None else str(m)) for champ, m in couts.items()},
        "cout_unite": textes["cout_unite"],
        "cout_source": textes["cout_source"],
        "cout_non_confirme": booleens["cout_non_confirme"],
    }


# --- Amendments: applying changes to a list of items ----------------------------------------------

OPERATIONS = {"ajout": "Ajout", "modification": "Modification", "suppression": "Suppression"}


def appliquer_modifications(
    items: Mapping[str, Mapping[str, object]], modifications: list[Mapping[str, object]]
) -> dict[str, dict[str, object]]:
    """Apply an amendment's changes to ``items`` (code → data); return the new items, in order.

    New items go last. Raise ``RegleInvalide`` (French, naming the change and the code) when a change
    adds an existing code, changes or removes a missing one, or yields an invalid item.
    """
    resultat: dict[str, dict[str, object]] = {code: dict(d) for code, d in items.items()}
    for rang, modification in enumerate(modifications, start=1):
        operation = modification.get("operation")
        if operation not in OPERATIONS:
            raise RegleInvalide(
                f"Modification {rang} : opération inconnue {operation!r} (attendu : ajout, modification ou "
                "suppression).",
                champ="operation",
            )
        code = valider_code(modification.get("code"))
        donnees = modification.get("donnees") or {}
        if not isinstance(donnees, Mapping):
            raise RegleInvalide(f"Modification {rang}, item « {code} » : données invalides.", champ="donnees")
        if operation == "ajout":
            if code in resultat:
                raise RegleInvalide(
                    f"Modification {rang} : l'item « {code} » existe déjà dans la version ; choisissez un autre code.",
                    champ="code",
                )
            resultat[code] = valider_item(code, donnees)
        elif code not in resultat:
            verbe = "modifier" if operation == "modification" else "supprimer"
            raise RegleInvalide(
                f"Modification {rang} : impossible de {verbe} l'item « {code} », il n'existe pas dans la version.",
                champ="code",
            )
        elif operation == "modification":
            if not donnees:
                raise RegleInvalide(f"Modification {rang}, item « {code} » : aucun champ à modifier.", champ="donnees")
            resultat[code] = valider_item(code, {**resultat[code], **donnees})
        else:
            del resultat[code]
    return resultat


# --- Diff between two versions --------------------------------------------------------------------


@dataclass(frozen=True)
class Changement:
    champ: str
    avant: object
    apres: object


@dataclass(frozen=True)
class Diff:
    ajoutes: tuple[str, ...]
    supprimes: tuple[str, ...]
    modifies: tuple[tuple[str, tuple[Changement, ...]], ...]

    @property
    def vide(self) -> bool:
        return not (self.ajoutes or self.supprimes or self.modifies)


def diff_items(avant: Mapping[str, Mapping[str, object]], apres: Mapping[str, Mapping[str, object]]) -> Diff:
    """Items added, removed and changed (field by field, over ``CHAMPS_ITEM``) from ``avant`` to ``apres``."""
    modifies: list[tuple[str, tuple[Changement, ...]]] = []
    for code, nouveau in apres.items():
        ancien = avant.get(code)
        if ancien is None:
            continue
        changements = tuple(
            Changement(champ, ancien.get(champ), nouveau.get(champ))
            for champ in CHAMPS_ITEM
            if ancien.get(champ) != nouveau.get(champ)
        )
        if changements:
            modifies.append((code, changements))
    return Diff(
        ajoutes=tuple(code for code in apres if code not in avant),
        supprimes=tuple(code for code in avant if code not in apres),
        modifies=tuple(modifies),
    )
