"""Reads of the diagnostics app, in as few queries as the pages need."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db.models import QuerySet

from referentiels.models import EtatVersion, Version
from territoires.models import Etablissement

from . import engine
from .models import Agregat, Catalogue, Diagnostic, Echelon, Inventaire, LigneInventaire

CHAMPS_LIGNE = ("code", "obligatoire", "requis", "present", "manque", "unites", "cout", "prix_inconnu")


def lignes_diagnostic(diagnostic: Diagnostic) -> list[dict[str, Any]]:
    """The stored per-item result, with the item's label and rule from the diagnostic's own version."""
    items = {i.code: i for i in diagnostic.version.items.all()}
    lignes = []
    for brut in diagnostic.lignes:
        ligne = dict(zip(CHAMPS_LIGNE, brut, strict=True))
        ligne["obligatoire"] = bool(ligne["obligatoire"])
        ligne["prix_inconnu"] = bool(ligne["prix_inconnu"])
        ligne["cout"] = Decimal(ligne["cout"])
        item = items.get(ligne["code"])
        ligne["libelle"] = item.libelle if item else ligne["code"]
        ligne["regle"] = item.regle_texte if item else ""
        ligne["domaine"] = item.get_domaine_display() if item else ""
        lignes.append(ligne)
    return lignes


def version_plus_recente(diagnostic: Diagnostic) -> Version | None:
    """The adopted version of the same référentiel when it is newer than the diagnostic's."""
    adoptee = Version.objects.filter(referentiel_id=diagnostic.version.referentiel_id, etat=EtatVersion.ADOPTEE).first()
    if adoptee is None or adoptee.numero <= diagnostic.version.numero:
        return None
    return adoptee


def diagnostic_courant(etablissement: Etablissement, version: Version | None = None) -> Diagnostic | None:
    """The diagnostic against ``version``, else against the adopted version, else the latest one."""
    qs = Diagnostic.objects.filter(etablissement=etablissement).select_related("version__referentiel", "catalogue")
    if version is not None:
        return qs.filter(version=version).first()
    adopte = qs.filter(version__etat=EtatVersion.ADOPTEE).first()
    return adopte or qs.order_by("-version__numero").first()


def versions_diagnostiquees(etablissement: Etablissement) -> QuerySet[Version]:
    return Version.objects.filter(diagnostics__etablissement=etablissement).order_by("numero")


def inventaire_de(etablissement: Etablissement) -> Inventaire | None:
    return Inventaire.objects.filter(etablissement=etablissement).first()


def lignes_inventaire(etablissement: Etablissement) -> QuerySet[LigneInventaire]:
    return LigneInventaire.objects.filter(etablissement=etablissement).order_by("item_code", "emplacement_detail", "id")


def codes_items() -> dict[str, str]:
    """Every item code of the adopted versions and the current catalogue, with its label."""
    codes: dict[str, str] = {}
    catalogue = Catalogue.objects.order_by("-numero").first()
    if catalogue is not None:
        codes.update(catalogue.prix.values_list("item_code", "libelle"))
    from referentiels.models import Item

    codes.update(Item.objects.filter(version__etat=EtatVersion.ADOPTEE).values_list("code", "libelle"))
    return dict(sorted(codes.items()))


def synthese(agregat: Agregat) -> engine.Synthese:
    return engine.synthese_de_vecteur(agregat.synthese.get(n, 0) for n in engine.CHAMPS_SYNTHESE)


def ventilation(agregat: Agregat, dimension: str) -> list[tuple[str, engine.Synthese]]:
    """An equity breakdown of an aggregate (zone, ips, secteur): value → figures."""
    valeurs = agregat.ventilations.get(dimension, {})
    return [(valeur, engine.synthese_de_vecteur(v)) for valeur, v in sorted(valeurs.items())]


def _choisir(lignes: list[Agregat], niveau: str) -> Agregat | None:
    """The row of ``niveau``; a one-niveau territory has only its « all niveaux » row (``niveaux`` says which)."""
    par_niveau = {a.niveau: a for a in lignes}
    if niveau in par_niveau:
        return par_niveau[niveau]
    tous = par_niveau.get("")
    if tous is not None and tous.ventilations.get("niveaux") == [niveau]:
        return tous
    return None


def agregat(echelon: str, code: str, niveau: str = "") -> Agregat | None:
    return _choisir(list(Agregat.objects.filter(echelon=echelon, code=code, niveau__in={"", niveau})), niveau)


def sous_agregats(echelon: str, code: str, niveau: str = "") -> list[tuple[str, str, Agregat]]:
    """The aggregates one level down (régions of the nation, départements of a région or académie…), named."""
    from territoires.models import Collectivite, Departement, Region

    if echelon == Echelon.NATION:
        enfants = {r.code: str(r) for r in Region.objects.all()}
        sous = Echelon.REGION
    elif echelon == Echelon.REGION:
        enfants = {d.code: str(d) for d in Departement.objects.filter(region_id=code)}
        sous = Echelon.DEPARTEMENT
    elif echelon == Echelon.ACADEMIE:
        enfants = {d.code: str(d) for d in Departement.objects.filter(academie_id=code)}
        sous = Echelon.DEPARTEMENT
    elif echelon == Echelon.DEPARTEMENT:
        ids = Collectivite.objects.filter(etablissements__departement_id=code).values_list("pk", flat=True).distinct()
        enfants = {str(c.pk): str(c) for c in Collectivite.objects.filter(pk__in=ids)}
        sous = Echelon.COLLECTIVITE
    elif echelon == Echelon.EPCI:
        ids = Collectivite.objects.filter(etablissements__commune__epci_id=code).values_list("pk", flat=True).distinct()
        enfants = {str(c.pk): str(c) for c in Collectivite.objects.filter(pk__in=ids)}
        sous = Echelon.COLLECTIVITE
    else:
        return []
    par_code: dict[str, list[Agregat]] = {}
    for a in Agregat.objects.filter(echelon=sous, code__in=list(enfants), niveau__in={"", niveau}):
        par_code.setdefault(a.code, []).append(a)
    choisis = [(code, _choisir(lignes, niveau)) for code, lignes in par_code.items()]
    return sorted(((code, enfants[code], a) for code, a in choisis if a is not None), key=lambda t: t[1])


def catalogue_courant() -> Catalogue | None:
    return Catalogue.objects.order_by("-numero").first()


def versions_publiques(niveau: str) -> QuerySet[Version]:
    return Version.objects.filter(
        referentiel__niveau=niveau, etat__in=[EtatVersion.ADOPTEE, EtatVersion.REMPLACEE]
    ).order_by("numero")


def glpi_plan(etablissement: Etablissement, lignes: list[Any]) -> dict[str, list[Any]]:
    """What a GLPI inventory would do, by serial number: lines added, lines updated, lines absent from the file.

    Lines absent from the file (with a serial number) are reported, not removed: the agent removes them in the
    form if the equipment is gone. Lines without a serial number are never touched.
    """
    series = {ligne.numero_serie for ligne in lignes}
    existantes = {
        ligne.numero_serie: ligne
        for ligne in LigneInventaire.objects.filter(etablissement=etablissement).exclude(numero_serie="")
    }
    return {
        "ajouts": [ligne for ligne in lignes if ligne.numero_serie not in existantes],
        "mises_a_jour": [
            (ligne, existantes[ligne.numero_serie]) for ligne in lignes if ligne.numero_serie in existantes
        ],
        "absentes": sorted(
            (ligne for serie, ligne in existantes.items() if serie not in series), key=lambda x: (x.item_code, x.pk)
        ),
    }
