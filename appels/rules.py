"""Pure rules of the appels à projets: the eligibility language and the funding engine.

No ORM here: rules are JSON stored on an AAP revision, read (validated) into frozen dataclasses,
and evaluated on plain data. Property-tested in ``appels/tests/test_rules.py``.

Eligibility: one small expression language, evaluated per établissement on named *facts*::

    {"et": [
        {"fait": "etablissement.niveau", "op": "=", "valeur": "ecole"},
        {"fait": "commune.population", "op": "<=", "valeur": 3500,
         "explication": "école non éligible : la commune compte plus de 3 500 habitants ({actuel})"},
        {"non": {"fait": "financement.enir_2017", "op": "=", "valeur": true},
         "explication": "école déjà financée par ENIR en 2017"}
    ]}

Nodes: a comparison (``fait``, ``op``, ``valeur``, optional ``explication`` and ``si_absent``),
``{"et": [...]}``, ``{"ou": [...]}``, ``{"non": node}`` (``non`` requires an ``explication``). Every
node may carry ``explication``: the French sentence shown when the node is not satisfied. Its
placeholders are ``{actuel}`` (the fact's value), ``{valeur}`` (the rule's value) and ``{fait}`` (the
fact's label). A fact that is unknown for an établissement makes the comparison false, unless the
comparison says ``"si_absent": true``: then it passes with a warning ("à vérifier").

Funding: a rule lists *postes*; each poste funds the expenses of one or more volets with rates by
tier, floors (``planchers``: below, nothing is funded) and caps (``plafonds``) on the expense or on
the subsidy, per établissement, per class or per pupil. Tiers apply per établissement or to the
whole dossier (``assiette``). Bounds on the total subsidy of a unit come last. Every figure may be a
*parameter* ``{"valeur": "3500", "source": "…", "non_confirme": true}`` so that unconfirmed figures
are shown with their source, never buried in code.

Money is ``Decimal``; the only place a sub-cent amount can appear is ``rate × amount``, and that is
where the rule's rounding is applied (``_appliquer_taux``): everything else is sums, minima and
products of whole counts by cent amounts, which are exact.
"""

from __future__ import annotations

import string
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Literal, TypeAlias, cast

# ---------------------------------------------------------------------------------------------------------------
# Common
# ---------------------------------------------------------------------------------------------------------------


class RegleInvalide(ValueError):
    """A rule that cannot be used; the message is French and names the field (``champ``)."""

    def __init__(self, message: str, *, champ: str = "") -> None:
        super().__init__(f"{champ} : {message}" if champ else message)
        self.message = message
        self.champ = champ


NBSP = "\u00a0"
CENT = Decimal("0.01")
UN = Decimal(1)


def format_nombre(valeur: Decimal | int, decimales: int = 0) -> str:
    """French number: ``12 000,00`` (non-breaking spaces between thousands)."""
    texte = f"{Decimal(valeur):,.{decimales}f}"
    return texte.replace(",", NBSP).replace(".", ",")


def format_euros(montant: Decimal, *, centimes: bool = True) -> str:
    """``12 000,00 €``; without cents when asked and the amount is whole (``3 500 €``)."""
    if not centimes and montant == montant.to_integral_value():
        return f"{format_nombre(montant)}{NBSP}€"
    return f"{format_nombre(montant, 2)}{NBSP}€"


def format_taux(taux: Decimal) -> str:
    """``0.70`` → ``70 %``; ``0.375`` → ``37,5 %``."""
    pourcent = (taux * 100).normalize()
    decimales = max(0, -cast(int, pourcent.as_tuple().exponent))
    return f"{format_nombre(pourcent, decimales)}{NBSP}%"


def _decimal(valeur: object, champ: str) -> Decimal:
    if isinstance(valeur, (bool, float)):
        raise RegleInvalide(
            "écrire le nombre entre guillemets (« 0.70 », « 3500 ») : les nombres à virgule flottante sont refusés.",
            champ=champ,
        )
    if isinstance(valeur, int):
        return Decimal(valeur)
    if isinstance(valeur, str):
        try:
            resultat = Decimal(valeur.strip().replace(",", "."))
        except InvalidOperation:
            raise RegleInvalide(f"« {valeur} » n'est pas un nombre.", champ=champ) from None
        if not resultat.is_finite():
            raise RegleInvalide(f"« {valeur} » n'est pas un nombre.", champ=champ)
        return resultat
    raise RegleInvalide("un nombre est attendu.", champ=champ)


def _mapping(data: object, champ: str) -> Mapping[str, object]:
    if not isinstance(data, Mapping):
        raise RegleInvalide("un objet JSON est attendu.", champ=champ)
    return cast(Mapping[str, object], data)


def _cles(data: Mapping[str, object], permises: set[str], champ: str) -> None:
    inconnues = sorted(set(data) - permises)
    if inconnues:
        raise RegleInvalide(
            f"clé(s) inconnue(s) : {', '.join(inconnues)} (permises : {', '.join(sorted(permises))}).", champ=champ
        )


# ---------------------------------------------------------------------------------------------------------------
# Eligibility
# ---------------------------------------------------------------------------------------------------------------

TypeFait = Literal["entier", "decimal", "texte", "booleen"]


@dataclass(frozen=True)
class Fait:
    nom: str
    libelle: str
    type: TypeFait


FAITS: dict[str, Fait] = {
    f.nom: f
    for f in (
        Fait("collectivite.type", "type de la collectivité", "texte"),
        Fait("collectivite.population", "population de la collectivité", "entier"),
        Fait("commune.population", "population de la commune", "entier"),
        Fait("commune.densite", "densité de la commune (hab./km²)", "decimal"),
        Fait("commune.population_unite_urbaine", "population de l'unité urbaine", "entier"),
        Fait("commune.population_aire_urbaine", "population de l'aire urbaine", "entier"),
        Fait("commune.outre_mer", "commune d'outre-mer", "booleen"),
        Fait("epci.type", "type de l'EPCI", "texte"),
        Fait("epci.population", "population de l'EPCI", "entier"),
        Fait("etablissement.niveau", "niveau de l'établissement", "texte"),
        Fait("etablissement.sous_type", "sous-type de l'établissement", "texte"),
        Fait("etablissement.secteur", "secteur de l'établissement", "texte"),
        Fait("etablissement.ips", "IPS de l'établissement", "decimal"),
        Fait("etablissement.classes", "nombre de classes", "entier"),
        Fait("etablissement.eleves", "nombre d'élèves", "entier"),
    )
}
# Past funding flags: ``financement.<code>`` (true when the établissement was funded by that call); absent = false.
PREFIXE_FINANCEMENT = "financement."

OPERATEURS: dict[str, str] = {
    "=": "égal à",
    "!=": "différent de",
    "<": "inférieur à",
    "<=": "inférieur ou égal à",
    ">": "supérieur à",
    ">=": "supérieur ou égal à",
    "dans": "parmi",
    "hors": "hors de",
}
OPERATEURS_ORDRE = {"<", "<=", ">", ">="}
PLACEHOLDERS = {"actuel", "valeur", "fait"}

ValeurFait: TypeAlias = Decimal | str | bool | None
Faits = Mapping[str, object]


def fait(nom: str) -> Fait:
    if nom in FAITS:
        return FAITS[nom]
    if nom.startswith(PREFIXE_FINANCEMENT) and len(nom) > len(PREFIXE_FINANCEMENT):
        code = nom[len(PREFIXE_FINANCEMENT) :]
        return Fait(nom, f"déjà financé par « {code} »", "booleen")
    raise RegleInvalide(
        f"fait inconnu « {nom} » (faits connus : {', '.join(FAITS)}, et financement.<code>).", champ="fait"
    )


@dataclass(frozen=True)
class Comparaison:
    fait: Fait
    op: str
    valeur: ValeurFait | tuple[ValeurFait, ...]
    explication: str = ""
    si_absent: bool = False


@dataclass(frozen=True)
class Et:
    termes: tuple[Expression, ...]
    explication: str = ""


@dataclass(frozen=True)
class Ou:
    termes: tuple[Expression, ...]
    explication: str = ""


@dataclass(frozen=True)
class Non:
    terme: Expression
    explication: str


Expression: TypeAlias = Comparaison | Et | Ou | Non


def _valeur_typee(valeur: object, type_: TypeFait, champ: str) -> ValeurFait:
    if type_ == "booleen":
        if not isinstance(valeur, bool):
            raise RegleInvalide("true ou false est attendu.", champ=champ)
        return valeur
    if type_ == "texte":
        if not isinstance(valeur, str):
            raise RegleInvalide("un texte est attendu.", champ=champ)
        return valeur
    nombre = _decimal(valeur, champ)
    if type_ == "entier" and nombre != nombre.to_integral_value():
        raise RegleInvalide("un nombre entier est attendu.", champ=champ)
    return nombre


def _explication(data: Mapping[str, object], champ: str) -> str:
    texte = data.get("explication", "")
    if not isinstance(texte, str):
        raise RegleInvalide("l'explication doit être un texte.", champ=f"{champ}.explication")
    try:
        noms = {nom for _, nom, _, _ in string.Formatter().parse(texte) if nom is not None}
    except ValueError:
        raise RegleInvalide("accolade mal fermée dans l'explication.", champ=f"{champ}.explication") from None
    inconnus = noms - PLACEHOLDERS
    if inconnus:
        raise RegleInvalide(
            f"variable(s) inconnue(s) {', '.join('{' + n + '}' for n in sorted(inconnus))} "
            "(permises : {actuel}, {valeur}, {fait}).",
            champ=f"{champ}.explication",
        )
    return texte.strip()


def lire_eligibilite(data: object, champ: str = "eligibilite") -> Expression:
    """Validate an eligibility rule (JSON) into an expression; raises ``RegleInvalide``."""
    noeud = _mapping(data, champ)
    explication = _explication(noeud, champ)
    if "et" in noeud or "ou" in noeud:
        cle = "et" if "et" in noeud else "ou"
        _cles(noeud, {cle, "explication"}, champ)
        termes = noeud[cle]
        if not isinstance(termes, list):
            raise RegleInvalide(f"« {cle} » attend une liste de conditions.", champ=champ)
        lus = tuple(lire_eligibilite(t, f"{champ}.{cle}[{i}]") for i, t in enumerate(termes))
        return Et(lus, explication) if cle == "et" else Ou(lus, explication)
    if "non" in noeud:
        _cles(noeud, {"non", "explication"}, champ)
        if not explication:
            raise RegleInvalide("une condition « non » doit porter son explication.", champ=champ)
        return Non(lire_eligibilite(noeud["non"], f"{champ}.non"), explication)
    _cles(noeud, {"fait", "op", "valeur", "explication", "si_absent"}, champ)
    nom = noeud.get("fait")
    if not isinstance(nom, str):
        raise RegleInvalide("« fait », « et », « ou » ou « non » est attendu.", champ=champ)
    try:
        f = fait(nom)
    except RegleInvalide as exc:
        raise RegleInvalide(exc.message, champ=f"{champ}.fait") from None
    op = noeud.get("op")
    if op not in OPERATEURS:
        raise RegleInvalide(f"opérateur inconnu « {op} » (permis : {', '.join(OPERATEURS)}).", champ=f"{champ}.op")
    if op in OPERATEURS_ORDRE and f.type not in ("entier", "decimal"):
        raise RegleInvalide(f"« {op} » ne s'applique qu'à un nombre ; « {f.nom} » n'en est pas un.", champ=champ)
    if "valeur" not in noeud:
        raise RegleInvalide("« valeur » est obligatoire.", champ=champ)
    brute = noeud["valeur"]
    valeur: ValeurFait | tuple[ValeurFait, ...]
    if op in ("dans", "hors"):
        if not isinstance(brute, list) or not brute:
            raise RegleInvalide(f"« {op} » attend une liste non vide.", champ=f"{champ}.valeur")
        valeur = tuple(_valeur_typee(v, f.type, f"{champ}.valeur[{i}]") for i, v in enumerate(brute))
    else:
        valeur = _valeur_typee(brute, f.type, f"{champ}.valeur")
    si_absent = noeud.get("si_absent", False)
    if not isinstance(si_absent, bool):
        raise RegleInvalide("true ou false est attendu.", champ=f"{champ}.si_absent")
    return Comparaison(f, op, valeur, explication, si_absent)


@dataclass(frozen=True)
class Evaluation:
    eligible: bool
    raisons: tuple[str, ...] = ()
    avertissements: tuple[str, ...] = ()


def _texte_valeur(valeur: object) -> str:
    if isinstance(valeur, bool):
        return "oui" if valeur else "non"
    if isinstance(valeur, Decimal):
        decimales = max(0, -cast(int, valeur.normalize().as_tuple().exponent))
        return format_nombre(valeur, min(decimales, 2))
    if isinstance(valeur, tuple):
        return ", ".join(_texte_valeur(v) for v in valeur)
    if valeur is None or valeur == "":
        return "non renseigné"
    return str(valeur)


def _fait_lu(c: Comparaison, faits: Faits) -> ValeurFait:
    brut = faits.get(c.fait.nom)
    if c.fait.type == "booleen":
        return bool(brut) if brut is not None or c.fait.nom.startswith(PREFIXE_FINANCEMENT) else None
    if brut is None or brut == "":
        return None
    if c.fait.type == "texte":
        return str(brut)
    if isinstance(brut, bool):
        return None
    try:
        return Decimal(str(brut)) if not isinstance(brut, Decimal) else brut
    except InvalidOperation:
        return None


def _compare(op: str, actuel: ValeurFait, valeur: ValeurFait | tuple[ValeurFait, ...]) -> bool:
    if op == "dans":
        return actuel in cast(tuple[ValeurFait, ...], valeur)
    if op == "hors":
        return actuel not in cast(tuple[ValeurFait, ...], valeur)
    if op == "=":
        return actuel == valeur
    if op == "!=":
        return actuel != valeur
    a, v = cast(Decimal, actuel), cast(Decimal, valeur)
    return {"<": a < v, "<=": a <= v, ">": a > v, ">=": a >= v}[op]


def _rendu(modele: str, c: Comparaison, actuel: ValeurFait) -> str:
    return modele.format(actuel=_texte_valeur(actuel), valeur=_texte_valeur(c.valeur), fait=c.fait.libelle)


def _evaluer(e: Expression, faits: Faits) -> Evaluation:
    if isinstance(e, Comparaison):
        actuel = _fait_lu(e, faits)
        if actuel is None:
            manque = f"donnée manquante : {e.fait.libelle}"
            if e.si_absent:
                return Evaluation(True, (), (f"à vérifier, {manque} (condition : {texte_condition(e)})",))
            return Evaluation(False, (f"{manque} (condition : {texte_condition(e)})",))
        if _compare(e.op, actuel, e.valeur):
            return Evaluation(True)
        modele = e.explication or "{fait} : {actuel} (condition : " + texte_condition(e).replace("{", "{{") + ")"
        return Evaluation(False, (_rendu(modele, e, actuel),))
    if isinstance(e, Non):
        interne = _evaluer(e.terme, faits)
        if interne.eligible:
            return Evaluation(False, (e.explication.format(actuel="", valeur="", fait=""),), interne.avertissements)
        return Evaluation(True, (), interne.avertissements)
    resultats = [_evaluer(t, faits) for t in e.termes]
    avertissements = tuple(a for r in resultats for a in r.avertissements)
    if isinstance(e, Et):
        echecs = [r for r in resultats if not r.eligible]
        if not echecs:
            return Evaluation(True, (), avertissements)
        raisons = (e.explication,) if e.explication else tuple(raison for r in echecs for raison in r.raisons)
        return Evaluation(False, raisons, avertissements)
    reussis = [r for r in resultats if r.eligible]
    if reussis or not resultats:
        return Evaluation(True, (), reussis[0].avertissements if reussis else ())
    if e.explication:
        return Evaluation(False, (e.explication,), avertissements)
    detail = " ; ou ".join(raison for r in resultats for raison in r.raisons)
    return Evaluation(False, (f"aucune des conditions n'est remplie : {detail}",), avertissements)


def texte_condition(c: Comparaison) -> str:
    return f"{c.fait.libelle} {OPERATEURS[c.op]} {_texte_valeur(c.valeur)}"


def evaluer(expression: Expression, faits: Faits) -> Evaluation:
    """Is an établissement with these facts eligible? With the French reasons when it is not.

    An empty ``{"et": []}`` is always true; an empty ``{"ou": []}`` too (no alternative demanded).
    """
    return _evaluer(expression, faits)


def faits_utilises(expression: Expression) -> set[str]:
    if isinstance(expression, Comparaison):
        return {expression.fait.nom}
    if isinstance(expression, Non):
        return faits_utilises(expression.terme)
    return set().union(*(faits_utilises(t) for t in expression.termes)) if expression.termes else set()


# ---------------------------------------------------------------------------------------------------------------
# Funding
# ---------------------------------------------------------------------------------------------------------------

VOLETS: dict[str, str] = {
    "equipement": "équipement",
    "services": "services et ressources",
    "accompagnement": "accompagnement",
}
ARRONDIS: dict[str, tuple[Decimal, str]] = {
    "centime_inferieur": (CENT, ROUND_DOWN),
    "centime": (CENT, ROUND_HALF_UP),
    "euro_inferieur": (UN, ROUND_DOWN),
    "euro": (UN, ROUND_HALF_UP),
}
LIBELLES_ARRONDI = {
    "centime_inferieur": "au centime inférieur",
    "centime": "au centime le plus proche",
    "euro_inferieur": "à l'euro inférieur",
    "euro": "à l'euro le plus proche",
}
Sur = Literal["depense", "subvention"]
Par = Literal["etablissement", "classe", "eleve"]
PAR_LIBELLE = {"etablissement": ("établissement", "établissements"), "classe": ("classe", "classes"),
               "eleve": ("élève", "élèves")}  # fmt: skip
MAXIMUM_MONTANT = Decimal(10) ** 10


@dataclass(frozen=True)
class Parametre:
    """A figure of a rule, with where it comes from and whether it is confirmed."""

    valeur: Decimal
    source: str = ""
    non_confirme: bool = False
    libelle: str = ""

    def as_json(self) -> object:
        if not self.source and not self.non_confirme and not self.libelle:
            return str(self.valeur)
        data: dict[str, object] = {"valeur": str(self.valeur)}
        if self.libelle:
            data["libelle"] = self.libelle
        if self.source:
            data["source"] = self.source
        if self.non_confirme:
            data["non_confirme"] = True
        return data


def _parametre(data: object, champ: str, *, taux: bool = False) -> Parametre:
    if isinstance(data, Mapping):
        noeud = _mapping(data, champ)
        _cles(noeud, {"valeur", "source", "non_confirme", "libelle"}, champ)
        if "valeur" not in noeud:
            raise RegleInvalide("« valeur » est obligatoire.", champ=champ)
        source, non_confirme, libelle = (
            noeud.get("source", ""),
            noeud.get("non_confirme", False),
            noeud.get("libelle", ""),
        )
        if not isinstance(source, str) or not isinstance(libelle, str) or not isinstance(non_confirme, bool):
            raise RegleInvalide("source et libellé sont des textes, non_confirme true ou false.", champ=champ)
        valeur = _decimal(noeud["valeur"], f"{champ}.valeur")
    else:
        source, non_confirme, libelle = "", False, ""
        valeur = _decimal(data, champ)
    if valeur < 0:
        raise RegleInvalide("la valeur ne peut pas être négative.", champ=champ)
    if taux and valeur > 1:
        raise RegleInvalide("un taux s'écrit entre 0 et 1 (« 0.70 » pour 70 %).", champ=champ)
    if not taux and valeur > MAXIMUM_MONTANT:
        raise RegleInvalide("montant hors limites.", champ=champ)
    return Parametre(valeur, source.strip(), non_confirme, libelle.strip())


@dataclass(frozen=True)
class Tranche:
    jusqu_a: Parametre | None  # None: no upper bound
    taux: Parametre


@dataclass(frozen=True)
class Borne:
    """A floor or a cap: ``montant`` per établissement / class / pupil, on the expense or the subsidy."""

    sur: Sur
    par: Par
    montant: Parametre


@dataclass(frozen=True)
class Poste:
    code: str
    libelle: str
    volets: tuple[str, ...]
    tranches: tuple[Tranche, ...]
    planchers: tuple[Borne, ...] = ()
    plafonds: tuple[Borne, ...] = ()

    @property
    def taux_maximal(self) -> Decimal:
        return max(t.taux.valeur for t in self.tranches)


@dataclass(frozen=True)
class RegleFinancement:
    postes: tuple[Poste, ...]
    assiette: Literal["etablissement", "dossier"] = "etablissement"
    arrondi: str = "centime_inferieur"
    planchers: tuple[Borne, ...] = ()  # on the total of a unit (dossier or établissement), after the postes
    plafonds: tuple[Borne, ...] = ()
    avance: Parametre | None = None  # share of the granted subsidy paid in advance, when the appel provides one

    def parametres(self) -> list[tuple[str, Parametre]]:
        """Every figure of the rule with a French label of where it sits (for the page showing the rule)."""
        sortie: list[tuple[str, Parametre]] = []
        for p in self.postes:
            for t in p.tranches:
                borne = f" jusqu'à {format_euros(t.jusqu_a.valeur, centimes=False)}" if t.jusqu_a else ""
                sortie.append((f"{p.libelle} : taux{borne}", t.taux))
                if t.jusqu_a:
                    sortie.append((f"{p.libelle} : borne de tranche", t.jusqu_a))
            for b in p.planchers:
                sortie.append((f"{p.libelle} : {_libelle_borne(b, 'plancher')}", b.montant))
            for b in p.plafonds:
                sortie.append((f"{p.libelle} : {_libelle_borne(b, 'plafond')}", b.montant))
        for b in self.planchers:
            sortie.append((f"total : {_libelle_borne(b, 'plancher')}", b.montant))
        for b in self.plafonds:
            sortie.append((f"total : {_libelle_borne(b, 'plafond')}", b.montant))
        if self.avance is not None:
            sortie.append(("versement : part de la subvention versée en avance", self.avance))
        return sortie

    def parametres_non_confirmes(self) -> list[tuple[str, Parametre]]:
        return [(libelle, p) for libelle, p in self.parametres() if p.non_confirme]


def _libelle_borne(b: Borne, genre: str) -> str:
    objet = "de la dépense" if b.sur == "depense" else "de la subvention"
    return f"{genre} {objet} par {PAR_LIBELLE[b.par][0]}"


def _bornes(data: object, champ: str) -> tuple[Borne, ...]:
    if data is None:
        return ()
    if not isinstance(data, list):
        raise RegleInvalide("une liste est attendue.", champ=champ)
    bornes = []
    for i, brut in enumerate(data):
        c = f"{champ}[{i}]"
        noeud = _mapping(brut, c)
        _cles(noeud, {"sur", "par", "montant"}, c)
        sur, par = noeud.get("sur"), noeud.get("par")
        if sur not in ("depense", "subvention"):
            raise RegleInvalide("« sur » vaut « depense » ou « subvention ».", champ=f"{c}.sur")
        if par not in PAR_LIBELLE:
            raise RegleInvalide("« par » vaut « etablissement », « classe » ou « eleve ».", champ=f"{c}.par")
        bornes.append(Borne(sur, cast(Par, par), _parametre(noeud.get("montant"), f"{c}.montant")))
    return tuple(bornes)


def _tranches(noeud: Mapping[str, object], champ: str) -> tuple[Tranche, ...]:
    if "taux" in noeud and "tranches" in noeud:
        raise RegleInvalide("« taux » ou « tranches », pas les deux.", champ=champ)
    if "taux" in noeud:
        return (Tranche(None, _parametre(noeud["taux"], f"{champ}.taux", taux=True)),)
    brutes = noeud.get("tranches")
    if not isinstance(brutes, list) or not brutes:
        raise RegleInvalide("« taux » ou une liste « tranches » est obligatoire.", champ=champ)
    tranches: list[Tranche] = []
    precedente = Decimal(0)
    for i, brut in enumerate(brutes):
        c = f"{champ}.tranches[{i}]"
        t = _mapping(brut, c)
        _cles(t, {"jusqu_a", "taux"}, c)
        taux = _parametre(t.get("taux"), f"{c}.taux", taux=True)
        jusqu_a = None if t.get("jusqu_a") is None else _parametre(t["jusqu_a"], f"{c}.jusqu_a")
        if jusqu_a is None and i != len(brutes) - 1:
            raise RegleInvalide("seule la dernière tranche peut être sans borne.", champ=f"{c}.jusqu_a")
        if jusqu_a is not None:
            if jusqu_a.valeur <= precedente:
                raise RegleInvalide("les bornes des tranches doivent croître.", champ=f"{c}.jusqu_a")
            precedente = jusqu_a.valeur
        tranches.append(Tranche(jusqu_a, taux))
    return tuple(tranches)


def lire_financement(data: object, champ: str = "financement") -> RegleFinancement:
    """Validate a funding rule (JSON); raises ``RegleInvalide`` naming the faulty field."""
    noeud = _mapping(data, champ)
    _cles(noeud, {"postes", "assiette", "arrondi", "planchers", "plafonds", "avance"}, champ)
    assiette = noeud.get("assiette", "etablissement")
    if assiette not in ("etablissement", "dossier"):
        raise RegleInvalide("« assiette » vaut « etablissement » ou « dossier ».", champ=f"{champ}.assiette")
    arrondi = noeud.get("arrondi", "centime_inferieur")
    if arrondi not in ARRONDIS:
        raise RegleInvalide(f"arrondi inconnu (permis : {', '.join(ARRONDIS)}).", champ=f"{champ}.arrondi")
    postes_bruts = noeud.get("postes")
    if not isinstance(postes_bruts, list) or not postes_bruts:
        raise RegleInvalide("au moins un poste de financement est attendu.", champ=f"{champ}.postes")
    postes: list[Poste] = []
    deja: set[str] = set()
    for i, brut in enumerate(postes_bruts):
        c = f"{champ}.postes[{i}]"
        p = _mapping(brut, c)
        _cles(p, {"code", "libelle", "volets", "taux", "tranches", "planchers", "plafonds"}, c)
        code, libelle, volets = p.get("code"), p.get("libelle", ""), p.get("volets")
        if not isinstance(code, str) or not code.strip():
            raise RegleInvalide("« code » est obligatoire.", champ=f"{c}.code")
        if not isinstance(libelle, str):
            raise RegleInvalide("un texte est attendu.", champ=f"{c}.libelle")
        if not isinstance(volets, list) or not volets or any(v not in VOLETS for v in volets):
            raise RegleInvalide(f"« volets » : une liste parmi {', '.join(VOLETS)}.", champ=f"{c}.volets")
        doublons = deja & set(volets)
        if doublons:
            raise RegleInvalide(f"volet déjà financé par un autre poste : {', '.join(doublons)}.", champ=f"{c}.volets")
        deja |= set(volets)
        postes.append(
            Poste(
                code=code.strip(),
                libelle=libelle.strip() or ", ".join(VOLETS[v] for v in volets),
                volets=tuple(volets),
                tranches=_tranches(p, c),
                planchers=_bornes(p.get("planchers"), f"{c}.planchers"),
                plafonds=_bornes(p.get("plafonds"), f"{c}.plafonds"),
            )
        )
    planchers = _bornes(noeud.get("planchers"), f"{champ}.planchers")
    plafonds = _bornes(noeud.get("plafonds"), f"{champ}.plafonds")
    avance = None if noeud.get("avance") is None else _parametre(noeud["avance"], f"{champ}.avance", taux=True)
    return RegleFinancement(tuple(postes), assiette, arrondi, planchers, plafonds, avance)


@dataclass(frozen=True)
class EtablissementSaisi:
    """One school of a dossier or a simulation: its size and its expenses (€, per volet)."""

    code: str
    libelle: str
    classes: int
    eleves: int
    depenses: Mapping[str, Decimal] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.classes < 0 or self.eleves < 0:
            raise ValueError(f"{self.libelle} : le nombre de classes et d'élèves ne peut pas être négatif.")
        for volet, montant in self.depenses.items():
            if volet not in VOLETS:
                raise ValueError(f"{self.libelle} : volet inconnu « {volet} ».")
            if not isinstance(montant, Decimal):
                raise TypeError(f"{self.libelle} : le montant du volet {VOLETS[volet]} doit être un Decimal.")
            if montant < 0:
                raise ValueError(f"{self.libelle} : le montant du volet {VOLETS[volet]} ne peut pas être négatif.")


@dataclass(frozen=True)
class LigneCalcul:
    """The computation of one poste for one unit (an établissement or the whole dossier)."""

    unite: str  # code of the établissement, or "" for the dossier
    poste: str
    depense: Decimal
    depense_retenue: Decimal
    subvention: Decimal
    explication: str


@dataclass(frozen=True)
class ResultatFinancement:
    subvention: Decimal
    depense: Decimal
    depense_retenue: Decimal
    lignes: tuple[LigneCalcul, ...]
    explications: tuple[str, ...]
    par_etablissement: Mapping[str, Decimal]  # empty when the tiers apply to the whole dossier
    depenses_non_financees: Decimal  # expenses of volets that no poste funds


def montant_avance(regle: RegleFinancement, accorde: Decimal) -> tuple[Decimal, str]:
    """The advance on a granted subsidy (0 when the appel provides none), with its explanation."""
    if regle.avance is None or regle.avance.valeur == 0:
        return Decimal(0), "pas d'avance prévue par l'appel"
    montant = _appliquer_taux(regle.avance.valeur, accorde, regle.arrondi)
    return montant, f"avance : {format_taux(regle.avance.valeur)} × {format_euros(accorde)} = {format_euros(montant)}"


def montant_solde(
    regle: RegleFinancement, accorde: Decimal, deja_verse: Decimal, justifie: Sequence[EtablissementSaisi]
) -> tuple[Decimal, tuple[str, ...]]:
    """The balance: min(granted, the rule applied to the justified expenses) minus what was already paid.

    Never negative: an advance above what the justified expenses allow is reported (to be recovered).
    """
    calcul = calculer_subvention(regle, justifie)
    du = min(accorde, calcul.subvention)
    lignes = [
        *calcul.explications,
        f"subvention due : min(accordée {format_euros(accorde)} ; calculée sur les dépenses justifiées "
        f"{format_euros(calcul.subvention)}) = {format_euros(du)}",
    ]
    solde = du - deja_verse
    if solde < 0:
        lignes.append(f"trop-perçu de {format_euros(-solde)} à reverser : solde nul")
        return Decimal(0), tuple(lignes)
    lignes.append(f"solde : {format_euros(du)} − déjà versé {format_euros(deja_verse)} = {format_euros(solde)}")
    return solde, tuple(lignes)


def arrondir(montant: Decimal, mode: str) -> Decimal:
    """The single rounding of the engine (applied to every ``rate × amount``)."""
    pas, sens = ARRONDIS[mode]
    return montant.quantize(pas, rounding=sens)


def _appliquer_taux(taux: Decimal, base: Decimal, mode: str) -> Decimal:
    return arrondir(taux * base, mode)


def _multiplicateur(b: Borne, classes: int, eleves: int, etablissements: int) -> int:
    return {"etablissement": etablissements, "classe": classes, "eleve": eleves}[b.par]


def _texte_borne(b: Borne, n: int) -> str:
    if b.par == "etablissement" and n == 1:
        return format_euros(b.montant.valeur, centimes=False)
    unite = PAR_LIBELLE[b.par][0 if n == 1 else 1]
    montant = b.montant.valeur * n
    return f"{format_euros(b.montant.valeur, centimes=False)} × {n} {unite} = {format_euros(montant)}"


def _subvention_tranches(tranches: Sequence[Tranche], base: Decimal, mode: str, textes: list[str]) -> Decimal:
    total = Decimal(0)
    bas = Decimal(0)
    for t in tranches:
        haut = t.jusqu_a.valeur if t.jusqu_a else None
        portion = (min(base, haut) if haut is not None else base) - bas
        if portion <= 0:
            break
        montant = _appliquer_taux(t.taux.valeur, portion, mode)
        if len(tranches) == 1:
            textes.append(f"{format_taux(t.taux.valeur)} × {format_euros(portion)} = {format_euros(montant)}")
        else:
            if haut is None:
                de = f"au-delà de {format_euros(bas)}"
            elif bas:
                de = f"de {format_euros(bas)} à {format_euros(haut)}"
            else:
                de = f"jusqu'à {format_euros(haut)}"
            textes.append(f"{format_taux(t.taux.valeur)} × {format_euros(portion)} ({de}) = {format_euros(montant)}")
        total += montant
        if haut is None:
            bas = base
            break
        bas = haut
    if base > bas:
        textes.append(f"dépense au-delà de {format_euros(bas)} non subventionnée")
    return total


def _appliquer_bornes(
    montant: Decimal,
    bornes: Sequence[Borne],
    sur: Sur,
    classes: int,
    eleves: int,
    etablissements: int,
    textes: list[str],
    nom: str,
) -> Decimal:
    """Caps then floors of one kind (expense or subsidy) on an amount; the floors are thresholds (below: 0)."""
    for b in bornes:
        if b.sur != sur:
            continue
        n = _multiplicateur(b, classes, eleves, etablissements)
        limite = b.montant.valeur * n
        if montant > limite:
            montant = limite
            textes.append(f"{nom} à {_texte_borne(b, n)}")
    return montant


def _appliquer_planchers(
    montant: Decimal,
    bornes: Sequence[Borne],
    sur: Sur,
    classes: int,
    eleves: int,
    etablissements: int,
    textes: list[str],
    nom: str,
) -> Decimal:
    for b in bornes:
        if b.sur != sur or montant == 0:
            continue
        n = _multiplicateur(b, classes, eleves, etablissements)
        seuil = b.montant.valeur * n
        if montant < seuil:
            textes.append(
                f"{nom} de {format_euros(montant)} inférieure au minimum de {_texte_borne(b, n)} : rien n'est retenu"
            )
            montant = Decimal(0)
    return montant


def calculer_subvention(regle: RegleFinancement, etablissements: Sequence[EtablissementSaisi]) -> ResultatFinancement:
    """The subsidy of a dossier (or a simulation) for these schools and expenses, with its explanation.

    Order, per poste: the expense of each school (sum of the poste's volets), capped per school
    (``plafonds`` on the expense), then its floors; the tiers on the unit's retained expense (a school,
    or the whole dossier); the subsidy capped, then its floors. Last, the total of the unit is capped
    and checked against the rule's own floors.
    """
    mode = regle.arrondi
    lignes: list[LigneCalcul] = []
    explications: list[str] = []
    par_etablissement: dict[str, Decimal] = {}
    volets_finances = {v for p in regle.postes for v in p.volets}
    non_finance = sum(
        (m for e in etablissements for v, m in e.depenses.items() if v not in volets_finances), Decimal(0)
    )
    depense_totale = sum((m for e in etablissements for m in e.depenses.values()), Decimal(0))
    retenue_totale = Decimal(0)
    unites: list[tuple[str, str, list[EtablissementSaisi]]]
    if regle.assiette == "etablissement":
        unites = [(e.code, f"{e.libelle}", [e]) for e in etablissements]
    else:
        unites = [("", "Dossier", list(etablissements))]
    total = Decimal(0)
    for code, nom_unite, membres in unites:
        classes = sum(e.classes for e in membres)
        eleves = sum(e.eleves for e in membres)
        n_etab = len(membres)
        total_unite = Decimal(0)
        # The rule's floors on the expense: a school whose total expense is below gets nothing.
        exclus: set[str] = set()
        for e in membres:
            textes: list[str] = []
            depense_e = sum(e.depenses.values(), Decimal(0))
            if _appliquer_planchers(depense_e, regle.planchers, "depense", e.classes, e.eleves, 1, textes,
                                    "dépense totale") == 0 and depense_e > 0:  # fmt: skip
                exclus.add(e.code)
                explications.append(f"{e.libelle} : " + ", ".join(textes))
        for poste in regle.postes:
            textes = []
            depense = Decimal(0)
            retenue = Decimal(0)
            for e in membres:
                brute = sum((e.depenses.get(v, Decimal(0)) for v in poste.volets), Decimal(0))
                depense += brute
                if e.code in exclus or brute == 0:
                    continue
                sous: list[str] = []
                r = _appliquer_bornes(
                    brute, poste.plafonds, "depense", e.classes, e.eleves, 1, sous, "dépense retenue plafonnée"
                )
                r = _appliquer_planchers(r, poste.planchers, "depense", e.classes, e.eleves, 1, sous, "dépense")
                if sous:
                    prefixe = f"{e.libelle} : " if regle.assiette == "dossier" else ""
                    textes.append(f"{prefixe}dépense {format_euros(brute)}, " + ", ".join(sous))
                retenue += r
            if depense == 0:
                continue
            subvention = _subvention_tranches(poste.tranches, retenue, mode, textes)
            subvention = _appliquer_bornes(
                subvention, poste.plafonds, "subvention", classes, eleves, n_etab, textes, "plafonné"
            ) if subvention else subvention  # fmt: skip
            subvention = _appliquer_planchers(
                subvention, poste.planchers, "subvention", classes, eleves, n_etab, textes, "subvention"
            )
            texte = f"{nom_unite} — {poste.libelle} : " + ", ".join(textes) if textes else ""
            lignes.append(LigneCalcul(code, poste.code, depense, retenue, subvention, texte))
            explications.append(texte)
            retenue_totale += retenue
            total_unite += subvention
        textes = []
        avant = total_unite
        total_unite = _appliquer_bornes(
            total_unite, regle.plafonds, "subvention", classes, eleves, n_etab, textes, "subvention totale plafonnée"
        )
        total_unite = _appliquer_planchers(
            total_unite, regle.planchers, "subvention", classes, eleves, n_etab, textes, "subvention totale"
        )
        if textes:
            explications.append(f"{nom_unite} — total {format_euros(avant)} : " + ", ".join(textes))
        if regle.assiette == "etablissement":
            par_etablissement[code] = total_unite
        total += total_unite
    if non_finance:
        explications.append(f"dépenses de volets non financés par cet appel : {format_euros(non_finance)}")
    explications.append(f"Subvention totale : {format_euros(total)} (arrondi {LIBELLES_ARRONDI[mode]})")
    return ResultatFinancement(
        subvention=total,
        depense=depense_totale,
        depense_retenue=retenue_totale,
        lignes=tuple(lignes),
        explications=tuple(explications),
        par_etablissement=par_etablissement,
        depenses_non_financees=non_finance,
    )


def choisir_vague(vagues: Sequence[Mapping[str, object]], depense: Decimal) -> int | None:
    """The wave of a dossier: the first (by number) whose ``montant_max_projet`` is absent or above the expense.

    SNÉÉ 2021: wave 1 took the projects under 40,000 €, the others went to wave 2.
    """
    for vague in sorted(vagues, key=lambda v: int(str(v["numero"]))):
        plafond = vague.get("montant_max_projet")
        if plafond is None or depense < _decimal(plafond, "montant_max_projet"):
            return int(str(vague["numero"]))
    return None
