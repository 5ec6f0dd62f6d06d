"""Reads of the référentiels: what a user may see, in few queries."""

from typing import Any

from django.db.models import Count, Prefetch, QuerySet

from . import rules
from .models import ETATS_OUVERTS, ETATS_PUBLICS, Amendement, EtatVersion, Item, Referentiel, Version
from .permissions import est_du_comite


def referentiels_visibles(user: Any) -> QuerySet[Referentiel]:
    """Every référentiel, with its visible versions prefetched (newest first)."""
    return Referentiel.objects.prefetch_related(
        Prefetch("versions", queryset=versions_visibles(user).order_by("-numero"), to_attr="versions_visibles")
    )


def versions_visibles(user: Any) -> QuerySet[Version]:
    """Adopted and replaced versions for everyone; drafts too for the comité and the DNE."""
    qs = Version.objects.select_related("referentiel").annotate(nb_items=Count("items"))
    if est_du_comite(user):
        return qs
    return qs.filter(etat__in=ETATS_PUBLICS)


def version_avec_items(version: Version) -> Version:
    """The version with its items, in order (one query for the items)."""
    version.items_ordonnes = list(version.items.order_by("ordre", "id"))
    return version


def items_par_domaine(version: Version) -> list[tuple[str, str, list[Item]]]:
    """(domaine code, label, items) in the order of the domains, skipping empty ones."""
    items = getattr(version, "items_ordonnes", None) or list(version.items.order_by("ordre", "id"))
    groupes = []
    for code, label in rules.DOMAINES.items():
        du_domaine = [item for item in items if item.domaine == code]
        if du_domaine:
            groupes.append((code, label, du_domaine))
    return groupes


def amendements_visibles(user: Any, referentiel: Referentiel | None = None) -> QuerySet[Amendement]:
    qs = Amendement.objects.select_related("version_base", "organisation", "referentiel", "version_produite")
    if referentiel is not None:
        qs = qs.filter(referentiel=referentiel)
    if est_du_comite(user):
        return qs
    return qs.filter(etat="adopte")


def amendements_a_rebaser(referentiel: Referentiel) -> QuerySet[Amendement]:
    """Open amendments whose base version is no longer the adopted one."""
    return (
        Amendement.objects.filter(referentiel=referentiel, etat__in=ETATS_OUVERTS)
        .exclude(version_base__etat=EtatVersion.ADOPTEE)
        .select_related("version_base")
    )


def diff_versions(avant: Version, apres: Version) -> rules.Diff:
    from .services import items_de

    return rules.diff_items(items_de(avant), items_de(apres))


def diff_as_json(avant: Version, apres: Version) -> dict[str, object]:
    """The diff as JSON: items added and removed (with their data), changed ones field by field."""
    from .services import items_de

    items_avant, items_apres = items_de(avant), items_de(apres)
    diff = rules.diff_items(items_avant, items_apres)
    return {
        "referentiel": avant.referentiel.niveau,
        "de": avant.numero,
        "a": apres.numero,
        "ajoutes": [{"code": code, **items_apres[code]} for code in diff.ajoutes],
        "supprimes": [{"code": code, **items_avant[code]} for code in diff.supprimes],
        "modifies": [
            {"code": code, "changements": [{"champ": c.champ, "avant": c.avant, "apres": c.apres} for c in changements]}
            for code, changements in diff.modifies
        ],
    }


def profil_de(etablissement: Any) -> rules.Profil:
    """What the quantity rules need to know about an établissement (``territoires.Etablissement``)."""
    return rules.Profil(niveau=etablissement.niveau, classes=etablissement.classes, eleves=etablissement.eleves)


def besoins(version: Version, profil: rules.Profil) -> list[tuple[Item, int | None]]:
    """Each item of ``version`` with the quantity it requires of the établissement (None: figure unknown)."""
    items = getattr(version, "items_ordonnes", None) or list(version.items.order_by("ordre", "id"))
    return [(item, rules.quantite_requise(item.regle_lue, profil)) for item in items]


def apercu_amendement(amendement: Amendement) -> tuple[dict[str, object] | None, str]:
    """What adopting ``amendement`` now would change to the adopted version: (diff as JSON, error message)."""
    from .services import items_de

    courante = amendement.referentiel.version_adoptee()
    avant = items_de(courante)
    try:
        apres = rules.appliquer_modifications(avant, amendement.modifications_data())
    except rules.RegleInvalide as exc:
        return None, exc.message
    diff = rules.diff_items(avant, apres)
    return {
        "version": courante.numero if courante else None,
        "ajoutes": [{"code": code, **apres[code]} for code in diff.ajoutes],
        "supprimes": [{"code": code, **avant[code]} for code in diff.supprimes],
        "modifies": [
            {"code": code, "changements": [{"champ": c.champ, "avant": c.avant, "apres": c.apres} for c in changements]}
            for code, changements in diff.modifies
        ],
    }, ""
