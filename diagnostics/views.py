"""Pages of the diagnostics: an établissement's diagnostic and inventory, the inventory import, territorial dashboards.

Thin views: parse, check ``get_abilities``, call a selector or a service, render.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from comptes.permissions import scope_of
from core.audit import history_of
from core.exports import export_format, export_response
from referentiels.models import Version
from territoires.models import EPCI, Academie, Collectivite, Departement, Etablissement, Region

from . import calcul, engine, importation, selectors, services
from .forms import CommentaireForm, ConnectiviteForm, ImportForm, LigneForm, PrixNegocieForm
from .models import Catalogue, Commentaire, Echelon, Inventaire, LigneInventaire, PrixCollectivite
from .permissions import abilities_for_inventaire

ACTIONS = {
    "diagnostics.inventaire.modifie": "Connectivité et services modifiés",
    "diagnostics.ligne.ajoutee": "Équipement ajouté",
    "diagnostics.ligne.supprimee": "Équipement retiré",
    "diagnostics.inventaire.importe": "Inventaire importé",
    "diagnostics.inventaire.glpi": "Inventaire GLPI rapproché (numéros de série)",
}
# Below this number of diagnosed établissements, a territory's figures are not shown to people who
# may not read its inventories: they would expose a single school's inventory.
SEUIL_DIFFUSION = 3
# A decile of fewer than ten values is one établissement's own figure: not shown below this to the public.
SEUIL_DECILES = 10


def _etablissement(uai: str) -> Etablissement:
    return get_object_or_404(
        Etablissement.objects.select_related("commune", "departement", "collectivite_competente"), uai=uai
    )


def _abilities(request: HttpRequest, etablissement: Etablissement) -> dict[str, bool]:
    inventaire = Inventaire.objects.filter(etablissement=etablissement).only("publie").first()
    return abilities_for_inventaire(request.user, etablissement, publie=bool(inventaire and inventaire.publie))


def _refuser(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    raise PermissionDenied("Vous ne pouvez pas consulter cet inventaire.")


@require_http_methods(["GET", "POST"])
def etablissement(request: HttpRequest, uai: str) -> HttpResponse:
    e = _etablissement(uai)
    abilities = _abilities(request, e)
    if not abilities["view"]:
        return _refuser(request)
    form_commentaire = CommentaireForm()
    if request.method == "POST":
        if not abilities["comment"]:
            raise PermissionDenied("Vous ne pouvez pas commenter cet inventaire.")
        form_commentaire = CommentaireForm(request.POST)
        if form_commentaire.is_valid():
            services.commentaire_ajouter(
                etablissement=e, user=request.user, texte=form_commentaire.cleaned_data["texte"]
            )
            messages.success(request, "Commentaire enregistré.")
            return redirect("diagnostics:etablissement", uai=e.uai)
    version = None
    numero = request.GET.get("version", "").strip()
    if numero.isdigit() and len(numero) < 7:
        version = Version.objects.filter(referentiel__niveau=e.niveau, numero=int(numero)).first()
    diagnostic = selectors.diagnostic_courant(e, version)
    a_la_demande = False
    if diagnostic is None and version is not None and version.publique:
        diagnostic = calcul.diagnostic_a_la_demande(e.uai, version)
        a_la_demande = diagnostic is not None
    lignes = selectors.lignes_diagnostic(diagnostic) if diagnostic else []
    inventaire = selectors.inventaire_de(e)
    historique = None
    if abilities["view_history"] and inventaire is not None:
        historique = [
            {"at": h.at, "actor": h.actor, "label": ACTIONS.get(h.action, h.action), "data": h.data}
            for h in history_of(inventaire)[:50]
        ]
    return render(
        request,
        "diagnostics/etablissement.html",
        {
            "e": e,
            "abilities": abilities,
            "diagnostic": diagnostic,
            "lignes": lignes,
            "requis": [ligne for ligne in lignes if ligne["obligatoire"]],
            "optionnels": [ligne for ligne in lignes if not ligne["obligatoire"]],
            "plus_recente": selectors.version_plus_recente(diagnostic) if diagnostic else None,
            "versions": selectors.versions_diagnostiquees(e),
            "versions_publiques": selectors.versions_publiques(e.niveau),
            "a_la_demande": a_la_demande,
            "inventaire": inventaire,
            "equipements": selectors.lignes_inventaire(e),
            "commentaires": Commentaire.objects.filter(etablissement=e).select_related("auteur")[:50],
            "form_commentaire": form_commentaire,
            "historique": historique,
            "breadcrumb": [(str(e.nom), e.get_absolute_url()), ("Diagnostic", None)],
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def inventaire_modifier(request: HttpRequest, uai: str) -> HttpResponse:
    e = _etablissement(uai)
    if not _abilities(request, e)["edit"]:
        raise PermissionDenied("Seule la collectivité compétente modifie l'inventaire de cet établissement.")
    inventaire = selectors.inventaire_de(e) or Inventaire(etablissement=e)
    codes = selectors.codes_items()
    annee = timezone.localdate().year
    form = ConnectiviteForm(instance=inventaire)
    form_ligne = LigneForm(codes=codes, annee=annee)
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "connectivite":
            form = ConnectiviteForm(request.POST, instance=Inventaire(etablissement=e))
            if form.is_valid():
                donnees = {champ: form.cleaned_data[champ] for champ in ConnectiviteForm.Meta.fields}
                services.inventaire_modifier(etablissement=e, user=request.user, donnees=donnees)
                messages.success(request, "Connectivité et services enregistrés ; diagnostic recalculé.")
                return redirect("diagnostics:inventaire_modifier", uai=e.uai)
        elif action == "ajouter":
            form_ligne = LigneForm(request.POST, codes=codes, annee=annee)
            if form_ligne.is_valid():
                try:
                    services.ligne_ajouter(etablissement=e, user=request.user, donnees=form_ligne.cleaned_data)
                except ValidationError as exc:
                    form_ligne.add_error(None, exc)
                else:
                    messages.success(request, "Équipement ajouté ; diagnostic recalculé.")
                    return redirect("diagnostics:inventaire_modifier", uai=e.uai)
        elif action == "supprimer":
            ligne = get_object_or_404(LigneInventaire, pk=request.POST.get("ligne") or 0, etablissement=e)
            services.ligne_supprimer(ligne=ligne, user=request.user)
            messages.success(request, "Équipement retiré ; diagnostic recalculé.")
            return redirect("diagnostics:inventaire_modifier", uai=e.uai)
    return render(
        request,
        "diagnostics/inventaire_modifier.html",
        {
            "e": e,
            "form": form,
            "form_ligne": form_ligne,
            "equipements": selectors.lignes_inventaire(e),
            "breadcrumb": [
                (str(e.nom), e.get_absolute_url()),
                ("Diagnostic", reverse("diagnostics:etablissement", args=[e.uai])),
                ("Modifier l'inventaire", None),
            ],
        },
    )


def _uais_modifiables(request: HttpRequest) -> dict[str, Etablissement]:
    scope = scope_of(request.user)
    qs = Etablissement.objects.filter(collectivite_competente_id__in=scope.collectivites)
    return {e.uai: e for e in qs.only("uai", "nom", "collectivite_competente_id", "niveau", "academie_id")}


SESSION_IMPORT = "diagnostics_import"


@require_GET
def modele(request: HttpRequest) -> HttpResponse:
    """The import template, downloadable in CSV, XLSX or ODS."""
    fmt = export_format(request) or "csv"
    return export_response(
        fmt=fmt,
        filename="modele-inventaire",
        headers=importation.COLONNES,
        rows=importation.EXEMPLE,
        title="Inventaire",
    )


@login_required
@require_http_methods(["GET", "POST"])
def importer(request: HttpRequest) -> HttpResponse:
    """Upload → preview with line-level errors (nothing written) → apply, all or nothing."""
    autorises = _uais_modifiables(request)
    if not autorises:
        raise PermissionDenied("L'import est réservé aux agents d'une collectivité compétente.")
    codes = selectors.codes_items()
    lecture = None
    plan = None
    nom = ""
    erreur_fichier = ""
    form = ImportForm(etablissements=autorises)
    if request.method == "POST" and request.POST.get("action") == "appliquer":
        stocke = request.session.get(SESSION_IMPORT)
        if not stocke or stocke.get("jeton") != request.POST.get("jeton"):
            messages.error(request, "Aperçu expiré : déposez de nouveau le fichier.")
            return redirect("diagnostics:importer")
        contenu = base64.b64decode(stocke["contenu"])
        nom = stocke["nom"]
        glpi_uai = stocke.get("uai", "")
        if glpi_uai:
            cible = autorises.get(glpi_uai)
            if cible is None:
                raise PermissionDenied("Établissement hors de votre compétence.")
            lecture = importation.lire_glpi(
                nom, contenu, uai=glpi_uai, niveau=cible.niveau, annee_courante=timezone.localdate().year
            )
            if lecture.valide:
                try:
                    ajoutees, mises_a_jour = services.inventaire_glpi_reconcilier(
                        etablissement=cible, lignes=lecture.lignes, user=request.user, fichier=nom
                    )
                except ValidationError as exc:
                    messages.error(request, f"Rien n'a été appliqué. {' '.join(exc.messages)}")
                    return redirect("diagnostics:importer")
                del request.session[SESSION_IMPORT]
                messages.success(
                    request,
                    f"Inventaire GLPI appliqué : {ajoutees} ligne(s) ajoutée(s), {mises_a_jour} mise(s) à jour.",
                )
                return redirect("diagnostics:etablissement", uai=glpi_uai)
        else:
            lecture = importation.lire_fichier(
                nom, contenu, uais_autorises=autorises, codes_items=codes, annee_courante=timezone.localdate().year
            )
        if lecture.valide and not glpi_uai:
            cibles = [autorises[uai] for uai in lecture.par_uai()]
            n = services.inventaire_importer(
                etablissements=cibles, lignes=lecture.lignes, user=request.user, fichier=nom
            )
            del request.session[SESSION_IMPORT]
            messages.success(request, f"Import appliqué : {n} lignes pour {len(cibles)} établissement(s).")
            if len(cibles) == 1:
                return redirect("diagnostics:etablissement", uai=cibles[0].uai)
            return redirect("diagnostics:importer")
    elif request.method == "POST":
        form = ImportForm(request.POST, request.FILES, etablissements=autorises)
        glpi_uai = ""
        if form.is_valid():
            fichier = form.cleaned_data["fichier"]
            nom = fichier.name
            contenu = fichier.read(importation.TAILLE_MAX + 1)
            try:
                if nom.lower().endswith(".json"):
                    glpi_uai = form.cleaned_data["uai"]
                    if not glpi_uai:
                        raise importation.FichierIllisible(
                            "Pour un inventaire GLPI (JSON), choisissez l'établissement concerné."
                        )
                    lecture = importation.lire_glpi(
                        nom,
                        contenu,
                        uai=glpi_uai,
                        niveau=autorises[glpi_uai].niveau,
                        annee_courante=timezone.localdate().year,
                    )
                else:
                    lecture = importation.lire_fichier(
                        nom,
                        contenu,
                        uais_autorises=autorises,
                        codes_items=codes,
                        annee_courante=timezone.localdate().year,
                    )
            except importation.FichierIllisible as exc:
                erreur_fichier = str(exc)
                lecture = None
            if lecture is not None and lecture.valide and glpi_uai:
                plan = selectors.glpi_plan(autorises[glpi_uai], lecture.lignes)
            if lecture is not None and lecture.valide:
                jeton = hashlib.sha256(contenu).hexdigest()[:32]
                request.session[SESSION_IMPORT] = {
                    "nom": nom,
                    "contenu": base64.b64encode(contenu).decode(),
                    "jeton": jeton,
                    "uai": glpi_uai,
                }
            else:
                request.session.pop(SESSION_IMPORT, None)
    return render(
        request,
        "diagnostics/importer.html",
        {
            "form": form,
            "lecture": lecture,
            "plan": plan,
            "nom": nom,
            "erreur_fichier": erreur_fichier,
            "jeton": (request.session.get(SESSION_IMPORT) or {}).get("jeton", ""),
            "par_uai": [(autorises[u], n) for u, n in lecture.par_uai().items()] if lecture else [],
            "colonnes": importation.COLONNES,
            "codes": codes,
            "breadcrumb": [("Importer un inventaire", None)],
        },
    )


# --- Territorial dashboards -----------------------------------------------------------------------

NIVEAUX = {"": "Tous niveaux", "ecole": "Écoles", "college": "Collèges", "lycee": "Lycées"}
LIBELLES_VENTILATION = {
    "zone": ("Rural ou urbain (densité de la commune)", {"rural": "Rural", "urbain": "Urbain", "inconnu": "Inconnue"}),
    "ips": (
        "Quartile d'IPS (national, par niveau)",
        {"Q1": "1er quartile (IPS le plus bas)", "Q2": "2e quartile", "Q3": "3e quartile", "Q4": "4e quartile"},
    ),
    "secteur": ("Secteur", {"public": "Public", "prive_sous_contrat": "Privé sous contrat", "prive": "Privé"}),
}


def _nom_territoire(echelon: str, code: str) -> str:
    if echelon == Echelon.NATION:
        return "France"
    modele = {
        Echelon.REGION: Region,
        Echelon.ACADEMIE: Academie,
        Echelon.DEPARTEMENT: Departement,
        Echelon.EPCI: EPCI,
        Echelon.COLLECTIVITE: Collectivite,
    }.get(echelon)
    if modele is None:
        raise Http404("Échelon inconnu.")
    objet = modele.objects.filter(pk=code).first()
    if objet is None:
        raise Http404("Territoire inconnu.")
    return str(objet)


def _detail_autorise(request: HttpRequest, echelon: str, code: str) -> bool:
    scope = scope_of(request.user)
    if scope.dne:
        return True
    if echelon == Echelon.COLLECTIVITE and code.isdigit() and int(code) in scope.collectivites:
        return True
    return echelon == Echelon.ACADEMIE and code in scope.academies


def _indicateurs(s: engine.Synthese) -> list[tuple[str, Any, str]]:
    return [
        ("Établissements", s.etablissements, "nombre"),
        ("Établissements diagnostiqués", s.diagnostiques, "nombre"),
        ("Part au niveau du socle", s.part_au_socle, "part"),
        ("Taux de conformité moyen", s.taux_moyen, "part"),
        ("Coût pour atteindre le socle", s.cout_socle, "euros"),
        ("Terminaux pour 100 élèves", s.terminaux_pour_100_eleves, "decimal"),
        ("Affichages collectifs par classe", s.affichages_par_classe, "decimal"),
        ("Part des salles connectées", s.part_salles_connectees, "part"),
        ("Part du matériel de plus de 5 ans", s.part_stock_ancien, "part"),
        ("Part avec un ENT", s.part_ent, "part"),
    ]


LIGNES_TABLEAU = [
    ("Établissements", "etablissements"),
    ("Diagnostiqués", "diagnostiques"),
    ("Au socle (part)", "part_au_socle"),
    ("Coût pour atteindre le socle (€)", "cout_socle"),
    ("Terminaux / 100 élèves", "terminaux_pour_100_eleves"),
    ("Affichages / classe", "affichages_par_classe"),
    ("Salles connectées (part)", "part_salles_connectees"),
]


def _barres(rangs: list[tuple[str, Decimal | None]]) -> list[dict[str, Any]]:
    """Bars of an SVG chart (share at socle level, 0 to 1): positions computed here, no inline style."""
    barres = []
    for i, (libelle, valeur) in enumerate(rangs):
        largeur = int((valeur or 0) * 400)
        barres.append({"libelle": libelle, "valeur": valeur, "y": i * 28, "largeur": largeur, "texte_x": largeur + 6})
    return barres


@require_GET
def territoire(request: HttpRequest, echelon: str = Echelon.NATION, code: str = "FR") -> HttpResponse:
    if echelon not in Echelon.values:
        raise Http404("Échelon inconnu.")
    nom = _nom_territoire(echelon, code)
    niveau = request.GET.get("niveau", "")
    if niveau not in NIVEAUX:
        niveau = ""
    agregat = selectors.agregat(echelon, code, niveau)
    synthese = selectors.synthese(agregat) if agregat else None
    detail = _detail_autorise(request, echelon, code)
    masque = synthese is not None and synthese.diagnostiques < SEUIL_DIFFUSION and not detail
    enfants = []
    for code_enfant, nom_enfant, a in selectors.sous_agregats(echelon, code, niveau):
        s = selectors.synthese(a)
        if s.diagnostiques < SEUIL_DIFFUSION and not (detail or _detail_autorise(request, a.echelon, code_enfant)):
            continue
        enfants.append({"code": code_enfant, "nom": nom_enfant, "echelon": a.echelon, "s": s})
    fmt = export_format(request)
    if fmt:
        rows = [[nom, *[getattr(synthese, attr) for _, attr in LIGNES_TABLEAU]]] if synthese and not masque else []
        rows += [[enf["nom"], *[getattr(enf["s"], attr) for _, attr in LIGNES_TABLEAU]] for enf in enfants]
        return export_response(
            fmt=fmt,
            filename=f"diagnostics-{echelon}-{code}-{niveau or 'tous'}",
            headers=["Territoire", *[libelle for libelle, _ in LIGNES_TABLEAU]],
            rows=rows,
            title="Diagnostics",
        )
    ventilations = []
    if agregat and not masque:
        for dimension, (titre, libelles) in LIBELLES_VENTILATION.items():
            valeurs = [
                (libelles.get(v, v.capitalize()), s if detail or s.diagnostiques >= SEUIL_DIFFUSION else None)
                for v, s in selectors.ventilation(agregat, dimension)
            ]
            if valeurs:
                ventilations.append({"titre": titre, "valeurs": valeurs})
            elif echelon in (Echelon.EPCI, Echelon.COLLECTIVITE):
                # Small territories store a breakdown only when it has two groups or more.
                ventilations.append({"titre": titre, "valeurs": [], "unique": True})
    deciles_visibles = agregat is not None and not masque and (detail or synthese.diagnostiques >= SEUIL_DECILES)
    deciles = agregat.ventilations.get("deciles_taux") if deciles_visibles else None
    deciles_terminaux = agregat.ventilations.get("deciles_terminaux") if deciles_visibles else None
    deciles_le = agregat.ventilations.get("deciles_le") if deciles_visibles else None
    return render(
        request,
        "diagnostics/territoire.html",
        {
            "nom": nom,
            "echelon": echelon,
            "code": code,
            "niveau": niveau,
            "niveaux": NIVEAUX,
            "agregat": agregat,
            "synthese": synthese,
            "masque": masque,
            "seuil": SEUIL_DIFFUSION,
            "indicateurs": _indicateurs(synthese) if synthese and not masque else [],
            "enfants": enfants,
            "barres": _barres([(enf["nom"], enf["s"].part_au_socle) for enf in enfants[:40]]),
            "hauteur_graphique": max(28, 28 * min(len(enfants), 40)),
            "ventilations": ventilations,
            "deciles": [Decimal(d) for d in deciles] if deciles else None,
            "deciles_terminaux": [Decimal(d) for d in deciles_terminaux] if deciles_terminaux else None,
            "deciles_le": dt.datetime.fromisoformat(deciles_le) if deciles_le else None,
            "seuil_deciles": SEUIL_DECILES,
            "bandes": [(libelle, getattr(synthese, cle)) for cle, libelle in engine.BANDES_DEBIT.items()]
            if synthese and not masque
            else [],
            "breadcrumb": [("Diagnostics", reverse("diagnostics:nation")), (nom, None)]
            if echelon != Echelon.NATION
            else [("Diagnostics", None)],
        },
    )


@require_http_methods(["GET", "POST"])
def catalogue(request: HttpRequest) -> HttpResponse:
    """The current price catalogue (low / typical / high, source, date; unconfirmed prices flagged).

    An agent of a collectivité records its negotiated prices here; they replace the typical price for its
    établissements, whose diagnostics are priced again.
    """
    courant = selectors.catalogue_courant()
    numero = request.GET.get("version", "").strip()
    if numero.isdigit() and len(numero) < 7:
        courant = get_object_or_404(Catalogue, numero=int(numero))
    prix = list(courant.prix.all()) if courant else []
    fmt = export_format(request)
    if fmt:
        return export_response(
            fmt=fmt,
            filename=f"catalogue-prix-v{courant.numero if courant else 0}",
            headers=[
                "Item",
                "Libellé",
                "Bas (€)",
                "Typique (€)",
                "Haut (€)",
                "Unité",
                "Non confirmé",
                "Source",
                "Date",
            ],
            rows=[
                [p.item_code, p.libelle, p.bas, p.typique, p.haut, p.unite, p.non_confirme, p.source, p.date_source]
                for p in prix
            ],
            title="Catalogue de prix",
        )
    scope = scope_of(request.user)
    collectivites = list(Collectivite.objects.filter(pk__in=scope.collectivites).order_by("nom"))
    form = None
    if collectivites:
        form = PrixNegocieForm(collectivites=collectivites, codes=selectors.codes_items())
        if request.method == "POST":
            form = PrixNegocieForm(request.POST, collectivites=collectivites, codes=selectors.codes_items())
            if form.is_valid():
                donnees = form.cleaned_data
                collectivite = next(c for c in collectivites if str(c.pk) == donnees["collectivite"])
                if not collectivite.get_abilities(request.user)["edit"]:
                    raise PermissionDenied("Vous n'agissez pas pour cette collectivité.")
                services.prix_collectivite_definir(
                    collectivite=collectivite,
                    item_code=donnees["item_code"],
                    montant=donnees["montant"],
                    source=donnees["source"],
                    date=donnees["date"],
                    user=request.user,
                )
                messages.success(
                    request, "Prix négocié enregistré ; les diagnostics de vos établissements sont recalculés."
                )
                return redirect("diagnostics:catalogue")
    elif request.method == "POST":
        raise PermissionDenied("Seul l'agent d'une collectivité enregistre des prix négociés.")
    negocies = PrixCollectivite.objects.filter(collectivite_id__in=scope.collectivites).select_related("collectivite")
    return render(
        request,
        "diagnostics/catalogue.html",
        {
            "catalogue": courant,
            "prix": prix,
            "versions": Catalogue.objects.all(),
            "en_vigueur": selectors.catalogue_courant(),
            "peut_publier": scope.dne,
            "negocies": negocies,
            "form": form,
            "breadcrumb": [("Diagnostics", reverse("diagnostics:nation")), ("Catalogue de prix", None)],
        },
    )


def _prix_saisis(request: HttpRequest, prix: list[Any]) -> tuple[dict[str, dict[str, Any]], list[str]]:
    """The edited fields of each price of the form (only those that differ), or French errors naming them."""
    modifications: dict[str, dict[str, Any]] = {}
    erreurs = []
    for p in prix:
        champs: dict[str, Any] = {}
        for nom in ("bas", "typique", "haut"):
            brut = request.POST.get(f"{nom}-{p.item_code}", "").strip().replace(",", ".").replace(" ", "")
            try:
                valeur = Decimal(brut).quantize(Decimal("0.01")) if brut else None
            except ArithmeticError:
                erreurs.append(f"{p.libelle}, prix {nom} : « {brut} » n'est pas un montant.")
                continue
            if valeur is not None and not valeur.is_finite():
                erreurs.append(f"{p.libelle}, prix {nom} : « {brut} » n'est pas un montant.")
                continue
            champs[nom] = valeur
        champs["source"] = request.POST.get(f"source-{p.item_code}", "").strip()
        champs["date_source"] = request.POST.get(f"date_source-{p.item_code}", "").strip()[:60]
        champs["non_confirme"] = request.POST.get(f"non_confirme-{p.item_code}") == "on"
        changes = {nom: v for nom, v in champs.items() if getattr(p, nom) != v}
        if changes:
            modifications[p.item_code] = changes
    return modifications, erreurs


@login_required
@require_http_methods(["GET", "POST"])
def catalogue_publier(request: HttpRequest) -> HttpResponse:
    """The DNE publishes a new catalogue version: a copy of the current one with edited prices, sources and dates."""
    if not scope_of(request.user).dne:
        raise PermissionDenied("Seule la DNE publie une nouvelle version du catalogue de prix.")
    courant = selectors.catalogue_courant()
    if courant is None:
        raise Http404("Aucun catalogue en vigueur.")
    prix = list(courant.prix.all())
    erreurs: list[str] = []
    titre = f"Catalogue de prix, version {courant.numero + 1}"
    notes = ""
    date = timezone.localdate().isoformat()
    if request.method == "POST":
        titre = request.POST.get("titre", "").strip()
        notes = request.POST.get("notes", "").strip()
        date = request.POST.get("publie_le", "").strip()
        modifications, erreurs = _prix_saisis(request, prix)
        try:
            publie_le = dt.date.fromisoformat(date)
        except ValueError:
            erreurs.append("En vigueur depuis : date attendue (AAAA-MM-JJ).")
        if not erreurs:
            try:
                nouveau = services.catalogue_publier(
                    user=request.user, titre=titre, notes=notes, publie_le=publie_le, modifications=modifications
                )
            except ValidationError as exc:
                erreurs = list(exc.messages)
            else:
                messages.success(
                    request,
                    f"Version {nouveau.numero} du catalogue publiée ({len(modifications)} prix modifié(s)) ; "
                    "les diagnostics sont recalculés avec ces prix.",
                )
                return redirect("diagnostics:catalogue")
        # Show what was typed, not the stored prices.
        for p in prix:
            for nom in ("bas", "typique", "haut", "source", "date_source"):
                setattr(p, nom, request.POST.get(f"{nom}-{p.item_code}", ""))
            p.non_confirme = request.POST.get(f"non_confirme-{p.item_code}") == "on"
    return render(
        request,
        "diagnostics/catalogue_publier.html",
        {
            "catalogue": courant,
            "prix": prix,
            "erreurs": erreurs,
            "titre": titre,
            "notes": notes,
            "date": date,
            "breadcrumb": [
                ("Diagnostics", reverse("diagnostics:nation")),
                ("Catalogue de prix", reverse("diagnostics:catalogue")),
                ("Nouvelle version", None),
            ],
        },
    )
