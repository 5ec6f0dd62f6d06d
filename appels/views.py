"""Pages of the appels à projets: thin views that ask ``get_abilities`` and call selectors and services."""

import uuid
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.views.decorators.http import require_POST

from comptes.permissions import scope_of
from core.audit import history_of
from core.exports import export_format, export_response
from territoires.models import Academie, Collectivite, Etablissement

from . import rules, selectors, services
from .api import eligibilite_json, simuler
from .forms import (
    AccepterForm,
    EcolesSimuleesFormSet,
    LignesFormSet,
    MotifForm,
    ProjetForm,
    ProjetPedagogiqueForm,
    RevisionForm,
)
from .models import AppelAProjets, Dossier, Enveloppe, EtatRevision, Piece, Projet

LIBELLES_ACTIONS = {
    "appels.dossier.cree": "Dossier créé",
    "appels.dossier.depose": "Dossier déposé",
    "appels.dossier.en_instruction": "Mis en instruction",
    "appels.dossier.complements": "Compléments demandés",
    "appels.dossier.accepte": "Dossier accepté",
    "appels.dossier.refuse": "Dossier refusé",
    "appels.dossier.sans_suite": "Classé sans suite",
    "appels.projet.enregistre": "Projet d'école enregistré",
    "appels.projet.valide": "Projet validé par l'IEN",
    "appels.projet.renvoye": "Projet renvoyé par l'IEN",
    "appels.projet.retire": "Projet d'école retiré",
    "appels.projet.redige": "Projet pédagogique rédigé par l'école",
    "appels.piece.ajoutee": "Pièce ajoutée",
    "appels.message.envoye": "Message envoyé",
    "appels.paiement.avance": "Avance versée",
    "appels.paiement.solde": "Solde versé",
}


def _crumbs(*items: tuple[str, str | None]) -> list[tuple[str, str | None]]:
    return [("Appels à projets", "/appels/"), *items]


def _appel(code: str) -> AppelAProjets:
    appel = get_object_or_404(AppelAProjets, code=code)
    if appel.revision_publiee() is None:
        raise Http404("Appel non publié.")
    return appel


def _messages(exc: ValidationError) -> list[str]:
    if hasattr(exc, "error_dict"):
        return [m for erreurs in exc.message_dict.values() for m in erreurs]
    return list(exc.messages)


def liste(request: HttpRequest) -> HttpResponse:
    appels = [(a, a.revision_publiee()) for a in selectors.appels_publies()]
    return render(
        request,
        "appels/liste.html",
        {
            "title": "Appels à projets",
            "appels": appels,
            "breadcrumb": _crumbs(),
            "dossiers_visibles": _a_des_dossiers(request),
        },
    )


def _a_des_dossiers(request: HttpRequest) -> bool:
    scope = scope_of(request.user)
    return bool(scope.dne or scope.collectivites or scope.academies or scope.circonscriptions)


def appel(request: HttpRequest, code: str) -> HttpResponse:
    appel = _appel(code)
    revision = appel.revision_publiee()
    assert revision is not None
    scope = scope_of(request.user)
    uais = sorted({u.strip().upper() for u in request.GET.get("uai", "").replace(";", ",").split(",") if u.strip()})[
        :50
    ]
    return render(
        request,
        "appels/appel.html",
        {
            "title": appel.titre,
            "appel": appel,
            "revision": revision,
            "ouverte": revision.ouverte(),
            "abilities": appel.get_abilities(request.user),
            "uai": request.GET.get("uai", ""),
            "verifications": eligibilite_json(revision, uais) if uais else None,
            "revisions": appel.revisions.exclude(etat=EtatRevision.BROUILLON).order_by("-numero"),
            "conditions": _conditions(revision.regle_eligibilite),
            "parametres": revision.regle_financement.parametres(),
            "collectivites": Collectivite.objects.filter(pk__in=scope.collectivites).order_by("nom"),
            "breadcrumb": _crumbs((appel.titre, None)),
        },
    )


def _conditions(expression: rules.Expression) -> list[str]:
    """The eligibility rule as sentences (each condition's explanation, or its own wording)."""
    if isinstance(expression, rules.Et):
        return [c for t in expression.termes for c in _conditions(t)]
    if isinstance(expression, rules.Comparaison):
        texte = expression.explication or rules.texte_condition(expression)
        return [texte.replace("({actuel})", "").replace("{actuel}", "…").strip()]
    return [expression.explication or "condition composée"]


def simulateur(request: HttpRequest, code: str) -> HttpResponse:
    appel = _appel(code)
    revision = appel.revision_publiee()
    assert revision is not None
    resultat = None
    formset = EcolesSimuleesFormSet(request.POST or None, prefix="ecoles")
    if request.method == "POST" and formset.is_valid():
        ecoles = [
            {
                "libelle": f.cleaned_data.get("libelle") or "",
                "classes": f.cleaned_data["classes"],
                "eleves": f.cleaned_data["eleves"],
                "depenses": {v: f.cleaned_data.get(v) or Decimal(0) for v in rules.VOLETS},
            }
            for f in formset
            if f.cleaned_data and f.cleaned_data.get("classes") is not None
        ]
        if ecoles:
            resultat = simuler(revision, ecoles)
        else:
            messages.error(request, "Indiquez au moins une école (classes et élèves).")
    return render(
        request,
        "appels/simulateur.html",
        {
            "title": f"Simulateur — {appel.titre}",
            "appel": appel,
            "revision": revision,
            "formset": formset,
            "resultat": resultat,
            "breadcrumb": _crumbs((appel.titre, appel.get_absolute_url()), ("Simulateur", None)),
        },
    )


# --- Dossiers ---------------------------------------------------------------------------------------------------


@login_required
def dossiers(request: HttpRequest) -> HttpResponse:
    visibles = selectors.dossiers_visibles(request.user).order_by("-cree_le", "-id")
    fmt = export_format(request)
    if fmt:
        return export_response(
            fmt=fmt,
            filename="dossiers",
            headers=["Dossier", "Appel", "Collectivité", "Académie", "État", "Demandé (€)", "Accordé (€)", "Déposé le"],
            rows=(
                [
                    d.pk,
                    str(d.appel),
                    str(d.collectivite),
                    str(d.academie),
                    d.get_etat_display(),
                    d.montant_demande,
                    d.montant_accorde,
                    d.depose_le.date() if d.depose_le else None,
                ]
                for d in visibles.iterator()
            ),
        )
    visibles = visibles[:500]
    return render(
        request,
        "appels/dossiers.html",
        {"title": "Dossiers", "dossiers": visibles, "breadcrumb": _crumbs(("Dossiers", None))},
    )


@login_required
def deposer(request: HttpRequest, code: str, collectivite: int) -> HttpResponse:
    """Where the agent of a collectivité sees which of its schools are eligible (and why not), and opens a dossier."""
    appel = _appel(code)
    revision = appel.revision_publiee()
    assert revision is not None
    coll = get_object_or_404(Collectivite, pk=collectivite)
    if coll.pk not in scope_of(request.user).collectivites:
        raise PermissionDenied("Vous n'agissez pas pour cette collectivité.")
    existant = Dossier.objects.filter(appel=appel, collectivite=coll).first()
    if request.method == "POST":
        try:
            dossier, _ = services.dossier_creer(
                appel=appel, collectivite=coll, acteur=request.user, cle_idempotence=request.POST.get("cle", "")
            )
        except ValidationError as exc:
            for m in _messages(exc):
                messages.error(request, m)
        else:
            return redirect(dossier.get_absolute_url())
    ecoles = selectors.eligibilite_des_etablissements(
        revision.regle_eligibilite, selectors.etablissements_de_collectivite(coll, appel.niveau)
    )
    return render(
        request,
        "appels/deposer.html",
        {
            "title": f"Déposer un dossier — {appel.titre}",
            "appel": appel,
            "revision": revision,
            "collectivite": coll,
            "ecoles": ecoles,
            "existant": existant,
            "ouverte": revision.ouverte(),
            "cle": uuid.uuid4().hex,
            "breadcrumb": _crumbs((appel.titre, appel.get_absolute_url()), ("Déposer un dossier", None)),
        },
    )


def _dossier(request: HttpRequest, pk: int) -> tuple[Dossier, dict[str, bool]]:
    try:
        dossier = selectors.dossier_complet(pk)
    except Dossier.DoesNotExist:
        raise Http404("Dossier introuvable.") from None
    abilities = dossier.get_abilities(request.user)
    if not abilities["view"]:
        raise Http404("Dossier introuvable.")
    return dossier, abilities


@login_required
def dossier(request: HttpRequest, pk: int) -> HttpResponse:
    dossier, abilities = _dossier(request, pk)
    projets = list(dossier.projets.all())
    etablissements = selectors.etablissements_avec_faits(
        Etablissement.objects.filter(uai__in=[p.etablissement_id for p in projets])
    )
    evaluations = {
        e.etablissement.uai: e.evaluation
        for e in selectors.eligibilite_des_etablissements(dossier.revision.regle_eligibilite, list(etablissements))
    }
    for projet in projets:
        projet.abilities = projet.get_abilities(request.user)
        projet.evaluation = evaluations.get(projet.etablissement_id)
    ecoles: list[Any] = []
    if abilities["edit"]:
        deja = {p.etablissement_id for p in projets}
        ecoles = [
            e
            for e in selectors.eligibilite_des_etablissements(
                dossier.revision.regle_eligibilite,
                selectors.etablissements_de_collectivite(dossier.collectivite, dossier.appel.niveau),
            )
            if e.etablissement.uai not in deja
        ]
    return render(
        request,
        "appels/dossier.html",
        {
            "title": f"Dossier n° {dossier.pk}",
            "dossier": dossier,
            "abilities": abilities,
            "projets": projets,
            "calcul": selectors.subvention_du_dossier(dossier) if projets else None,
            "ecoles": ecoles,
            "historique": [(e, LIBELLES_ACTIONS.get(e.action, e.action)) for e in history_of(dossier)[:50]],
            "paiements": list(dossier.paiements.all()),
            "volets": rules.VOLETS,
            # Only what the person may see reaches the template: no annotation nor avis for the applicant.
            "fil": list(dossier.messages.select_related("auteur")) if abilities["view_messages"] else [],
            "annotations": list(dossier.annotations.select_related("auteur")) if abilities["view_annotations"] else [],
            "avis": list(dossier.avis.all()) if abilities["view_annotations"] else [],
            "breadcrumb": _crumbs(("Dossiers", "/appels/dossiers/"), (f"Dossier n° {dossier.pk}", None)),
        },
    )


@login_required
def projet(request: HttpRequest, pk: int, uai: str) -> HttpResponse:
    """The projet of one school: projet pédagogique, expense lines, quote. Saved whole, or not at all."""
    dossier, abilities = _dossier(request, pk)
    if not abilities["edit"]:
        raise PermissionDenied("Ce dossier n'est pas modifiable.")
    etablissement = get_object_or_404(Etablissement, uai=uai)
    existant = Projet.objects.filter(dossier=dossier, etablissement=etablissement).first()
    initial_lignes = (
        [
            {"volet": ligne.volet, "item_code": ligne.item_code, "libelle": ligne.libelle, "quantite": ligne.quantite,
             "prix_unitaire": ligne.prix_unitaire}
            for ligne in existant.lignes.order_by("id")
        ]
        if existant
        else []
    )  # fmt: skip
    initial = (
        {"projet_pedagogique": existant.projet_pedagogique, "classes": existant.classes, "eleves": existant.eleves}
        if existant
        else {"classes": etablissement.classes or 0, "eleves": etablissement.eleves or 0}
    )
    form = ProjetForm(request.POST or None, request.FILES or None, initial=initial)
    lignes = LignesFormSet(
        request.POST or None,
        prefix="lignes",
        initial=initial_lignes,
        form_kwargs={"items": selectors.items_du_referentiel(dossier.appel.niveau)},
    )
    erreurs: list[str] = []
    if request.method == "POST" and form.is_valid() and lignes.is_valid():
        saisies = [f.cleaned_data for f in lignes if f.cleaned_data and not f.vide()]
        try:
            with transaction.atomic():
                services.dossier_enregistrer_projet(
                    dossier=dossier,
                    acteur=request.user,
                    etablissement=etablissement,
                    projet_pedagogique=form.cleaned_data["projet_pedagogique"],
                    classes=form.cleaned_data["classes"],
                    eleves=form.cleaned_data["eleves"],
                    lignes=saisies,
                )
                if form.cleaned_data.get("devis"):
                    services.dossier_ajouter_piece(
                        dossier=dossier, acteur=request.user, code="devis", fichier=form.cleaned_data["devis"],
                        projet=Projet.objects.get(dossier=dossier, etablissement=etablissement),
                    )  # fmt: skip
        except ValidationError as exc:
            erreurs = _messages(exc)
        else:
            messages.success(request, f"Projet de {etablissement.nom} enregistré.")
            return redirect(dossier.get_absolute_url())
    return render(
        request,
        "appels/projet.html",
        {
            "title": f"Projet de {etablissement.nom}",
            "dossier": dossier,
            "etablissement": etablissement,
            "form": form,
            "lignes": lignes,
            "erreurs": erreurs,
            "breadcrumb": _crumbs(
                ("Dossiers", "/appels/dossiers/"),
                (f"Dossier n° {dossier.pk}", dossier.get_absolute_url()),
                (etablissement.nom, None),
            ),
        },
    )


# Each action: (ability needed, service, whether it takes a motif).
ACTIONS: dict[str, tuple[str, Any, bool]] = {
    "deposer": ("submit", services.dossier_deposer, False),
    "instruire": ("instruct", services.dossier_instruire, False),
    "complements": ("instruct", services.dossier_demander_complements, True),
    "refuser": ("decide", services.dossier_refuser, True),
    "sans-suite": ("decide", services.dossier_classer_sans_suite, True),
    "accepter": ("decide", services.dossier_accepter, False),
}


@login_required
@require_POST
def dossier_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    dossier, abilities = _dossier(request, pk)
    if action not in ACTIONS:
        raise Http404("Action inconnue.")
    ability, service, avec_motif = ACTIONS[action]
    if not abilities[ability]:
        raise PermissionDenied("Vous ne pouvez pas faire cette action sur ce dossier.")
    kwargs: dict[str, Any] = {"dossier": dossier, "acteur": request.user}
    if avec_motif:
        form = MotifForm(request.POST)
        if not form.is_valid():
            messages.error(request, "Indiquez le motif.")
            return redirect(dossier.get_absolute_url())
        kwargs["motif"] = form.cleaned_data["motif"]
    if action == "accepter":
        accepter = AccepterForm(request.POST)
        if not accepter.is_valid():
            messages.error(request, " ".join(e for errs in accepter.errors.values() for e in errs))
            return redirect(dossier.get_absolute_url())
        kwargs["montant"] = accepter.cleaned_data.get("montant")
    try:
        service(**kwargs)
    except ValidationError as exc:
        for m in _messages(exc):
            messages.error(request, m)
    else:
        dossier.refresh_from_db()
        messages.success(request, f"Dossier n° {dossier.pk} : {dossier.get_etat_display().lower()}.")
    return redirect(dossier.get_absolute_url())


# What may be written in the exchanges of a dossier: (ability needed, success message).
ECHANGES: dict[str, tuple[str, str]] = {
    "message": ("message", "Message envoyé."),
    "annotation": ("annotate", "Annotation enregistrée (visible de l'instruction seulement)."),
    "avis": ("ask_avis", "Demande d'avis enregistrée."),
    "reponse-avis": ("ask_avis", "Réponse enregistrée."),
}


@login_required
@require_POST
def dossier_echange(request: HttpRequest, pk: int, quoi: str) -> HttpResponse:
    """The thread with the applicant, the instruction's private annotations, the avis asked and their answers."""
    dossier, abilities = _dossier(request, pk)
    if quoi not in ECHANGES:
        raise Http404("Échange inconnu.")
    ability, succes = ECHANGES[quoi]
    if not abilities[ability]:
        raise PermissionDenied("Vous ne pouvez pas écrire ici sur ce dossier.")
    try:
        if quoi == "message":
            services.message_envoyer(
                dossier=dossier,
                acteur=request.user,
                texte=request.POST.get("texte", ""),
                de_l_instruction=abilities["instruct"],
            )
        elif quoi == "annotation":
            services.annotation_ajouter(dossier=dossier, acteur=request.user, texte=request.POST.get("texte", ""))
        elif quoi == "avis":
            services.avis_demander(
                dossier=dossier,
                acteur=request.user,
                destinataire=request.POST.get("destinataire", ""),
                question=request.POST.get("question", ""),
            )
        else:
            avis = get_object_or_404(dossier.avis, pk=request.POST.get("avis") or 0)
            services.avis_repondre(avis=avis, acteur=request.user, reponse=request.POST.get("reponse", ""))
    except ValidationError as exc:
        for m in _messages(exc):
            messages.error(request, m)
    else:
        messages.success(request, succes)
    return redirect(dossier.get_absolute_url())


@login_required
@require_POST
def instruction_lot(request: HttpRequest, code: str) -> HttpResponse:
    """Accept or refuse the dossiers selected on the instruction page, all of them or none."""
    appel = _appel(code)
    scope = scope_of(request.user)
    if not scope.academies:
        raise PermissionDenied("Réservé aux instructeurs académiques.")
    ids = [int(i) for i in request.POST.getlist("dossiers") if i.isdigit()][:1000]
    choisis = list(Dossier.objects.filter(appel=appel, pk__in=ids).select_related("revision", "appel"))
    try:
        decides = services.dossiers_decider_en_lot(
            dossiers=choisis,
            acteur=request.user,
            decision=request.POST.get("decision", ""),
            motif=request.POST.get("motif", ""),
        )
    except ValidationError as exc:
        for m in _messages(exc):
            messages.error(request, m)
    else:
        verbe = "acceptés" if request.POST.get("decision") == "accepter" else "refusés"
        messages.success(request, f"{len(decides)} dossier(s) {verbe} : " + ", ".join(f"n° {d.pk}" for d in decides))
    return redirect("appels:instruction", code=appel.code)


@login_required
@require_POST
def projet_action(request: HttpRequest, pk: int, projet_pk: int, action: str) -> HttpResponse:
    dossier, _ = _dossier(request, pk)
    projet = get_object_or_404(Projet.objects.select_related("etablissement", "dossier"), pk=projet_pk, dossier=dossier)
    if action == "retirer":
        if not dossier.get_abilities(request.user)["edit"]:
            raise PermissionDenied("Ce dossier n'est pas modifiable.")
        try:
            services.dossier_retirer_projet(dossier=dossier, acteur=request.user, projet=projet)
        except ValidationError as exc:
            for m in _messages(exc):
                messages.error(request, m)
        else:
            messages.success(request, f"Projet de {projet.etablissement.nom} retiré du dossier.")
        return redirect(dossier.get_absolute_url())
    if action not in ("valider", "renvoyer"):
        raise Http404("Action inconnue.")
    if not projet.get_abilities(request.user)["validate"]:
        raise PermissionDenied("Seul l'IEN de la circonscription valide ce projet, sur un dossier déposé.")
    try:
        if action == "valider":
            services.projet_valider(projet=projet, acteur=request.user)
        else:
            form = MotifForm(request.POST)
            if not form.is_valid():
                raise ValidationError("Indiquez le motif du renvoi.")
            services.projet_renvoyer(projet=projet, acteur=request.user, motif=form.cleaned_data["motif"])
    except ValidationError as exc:
        for m in _messages(exc):
            messages.error(request, m)
    else:
        messages.success(
            request, f"Projet de {projet.etablissement.nom} : {'validé' if action == 'valider' else 'renvoyé'}."
        )
    return redirect(dossier.get_absolute_url())


def retenus(request: HttpRequest, code: str) -> HttpResponse:
    """Public list of the retained dossiers, per académie, with the maximum subsidy granted (and its export)."""
    appel = _appel(code)
    dossiers = list(selectors.dossiers_retenus(appel))
    fmt = export_format(request)
    if fmt:
        return export_response(
            fmt=fmt,
            filename=f"dossiers-retenus-{appel.code}",
            headers=["Académie", "Collectivité", "Écoles (UAI)", "Subvention maximale accordée (€)", "Décidé le"],
            rows=[
                [
                    str(d.academie),
                    str(d.collectivite),
                    ", ".join(p.etablissement_id for p in d.projets.all()),
                    d.montant_accorde,
                    d.decide_le.date() if d.decide_le else None,
                ]
                for d in dossiers
            ],
        )
    par_academie: dict[str, list[Dossier]] = {}
    for d in dossiers:
        par_academie.setdefault(str(d.academie), []).append(d)
    return render(
        request,
        "appels/retenus.html",
        {
            "title": f"Dossiers retenus — {appel.titre}",
            "appel": appel,
            "par_academie": [
                (a, ds, sum((d.montant_accorde or 0 for d in ds), Decimal(0))) for a, ds in par_academie.items()
            ],
            "breadcrumb": _crumbs((appel.titre, appel.get_absolute_url()), ("Dossiers retenus", None)),
        },
    )


@login_required
def convention(request: HttpRequest, pk: int) -> HttpResponse:
    """The convention de financement of an accepted dossier, as a tagged PDF."""
    from weasyprint import HTML

    dossier, abilities = _dossier(request, pk)
    if not abilities["convention"]:
        raise PermissionDenied("La convention n'existe que pour un dossier accepté.")
    revision = dossier.revision
    avance, texte_avance = rules.montant_avance(revision.regle_financement, dossier.montant_accorde or Decimal(0))
    html = render_to_string(
        "appels/convention_pdf.html",
        {
            "dossier": dossier,
            "revision": revision,
            "calcul": selectors.subvention_du_dossier(dossier),
            "avance": avance,
            "texte_avance": texte_avance,
            "non_confirmes": revision.regle_financement.parametres_non_confirmes(),
            "adresse": request.build_absolute_uri(dossier.get_absolute_url()),
        },
    )
    pdf = HTML(string=html).write_pdf(pdf_variant="pdf/ua-1")
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="convention-{dossier.appel.code}-{dossier.pk}.pdf"'
    return response


@login_required
@require_POST
def paiement(request: HttpRequest, pk: int, type_: str) -> HttpResponse:
    dossier, abilities = _dossier(request, pk)
    if not abilities["pay"]:
        raise PermissionDenied("Seul l'instructeur de l'académie enregistre les paiements d'un dossier accepté.")
    try:
        if type_ == "avance":
            services.paiement_avance(dossier=dossier, acteur=request.user)
        elif type_ == "solde":
            justifiees = {
                p.etablissement_id: {
                    v: request.POST.get(f"justifie-{p.etablissement_id}-{v}", "").strip() or "0" for v in rules.VOLETS
                }
                for p in dossier.projets.all()
            }
            services.paiement_solde(dossier=dossier, acteur=request.user, depenses_justifiees=justifiees)
        else:
            raise Http404("Paiement inconnu.")
    except ValidationError as exc:
        for m in _messages(exc):
            messages.error(request, m)
    else:
        messages.success(request, "Paiement enregistré.")
    return redirect(dossier.get_absolute_url())


def _appel_configurable(request: HttpRequest, code: str) -> AppelAProjets:
    appel = get_object_or_404(AppelAProjets, code=code)
    if not appel.get_abilities(request.user)["configure"]:
        raise PermissionDenied("Seule la DNE configure les appels à projets.")
    return appel


@login_required
def revision(request: HttpRequest, code: str) -> HttpResponse:
    """The DNE's page to change an appel: a draft revision, edited, then published with its motif."""
    appel = _appel_configurable(request, code)
    brouillon = appel.revisions.filter(etat=EtatRevision.BROUILLON).first()
    form = None
    if request.method == "POST":
        try:
            if request.POST.get("action") == "creer":
                services.revision_creer(appel=appel, acteur=request.user)
                return redirect("appels:revision", code=appel.code)
            if brouillon is None:
                raise Http404("Aucune révision en brouillon.")
            if request.POST.get("action") == "publier":
                services.revision_publier(revision=brouillon, acteur=request.user, motif=request.POST.get("motif", ""))
                messages.success(request, f"Révision {brouillon.numero} publiée.")
                return redirect(appel.get_absolute_url())
            form = RevisionForm(request.POST)
            if form.is_valid():
                services.revision_modifier(revision=brouillon, acteur=request.user, **form.cleaned_data)
                messages.success(request, "Brouillon enregistré.")
                return redirect("appels:revision", code=appel.code)
        except ValidationError as exc:
            if form is not None and hasattr(exc, "error_dict"):
                for champ, erreurs in exc.message_dict.items():
                    form.add_error(champ if champ in form.fields else None, erreurs)
            else:
                for m in _messages(exc):
                    messages.error(request, m)
    if form is None and brouillon is not None:
        form = RevisionForm(initial={c: getattr(brouillon, c) for c in services.CHAMPS_REVISION})
    return render(
        request,
        "appels/revision.html",
        {
            "title": f"Modifier l'appel — {appel.titre}",
            "appel": appel,
            "brouillon": brouillon,
            "publiee": appel.revision_publiee(),
            "form": form,
            "breadcrumb": _crumbs((appel.titre, appel.get_absolute_url()), ("Modifier", None)),
        },
    )


@login_required
def enveloppes(request: HttpRequest, code: str) -> HttpResponse:
    """The DNE splits the national envelope between académies (all the amounts saved together, or none)."""
    appel = _appel_configurable(request, code)
    revision_publiee = appel.revision_publiee()
    academies = list(Academie.objects.order_by("nom"))
    actuelles = {e.academie_id: e for e in Enveloppe.objects.filter(appel=appel)}
    erreurs: list[str] = []
    if request.method == "POST":
        try:
            with transaction.atomic():
                for academie in academies:
                    brut = request.POST.get(f"montant-{academie.code}", "").strip().replace(" ", "").replace(",", ".")
                    if not brut:
                        continue
                    try:
                        montant = Decimal(brut)
                    except ArithmeticError:
                        montant = Decimal("NaN")
                    if not montant.is_finite():
                        raise ValidationError(f"{academie} : « {brut} » n'est pas un montant.")
                    if academie.code in actuelles and actuelles[academie.code].montant == montant:
                        continue
                    try:
                        services.enveloppe_fixer(appel=appel, academie=academie, montant=montant, acteur=request.user)
                    except ValidationError as exc:
                        raise ValidationError([f"{academie} : {m}" for m in _messages(exc)]) from None
        except ValidationError as exc:
            erreurs = _messages(exc)
        else:
            messages.success(request, "Enveloppes enregistrées.")
            return redirect("appels:enveloppes", code=appel.code)
    lignes = [(a, actuelles.get(a.code), request.POST.get(f"montant-{a.code}")) for a in academies]
    return render(
        request,
        "appels/enveloppes.html",
        {
            "title": f"Enveloppes académiques — {appel.titre}",
            "appel": appel,
            "nationale": revision_publiee.enveloppe_nationale if revision_publiee else Decimal(0),
            "repartie": sum((e.montant for e in actuelles.values()), Decimal(0)),
            "lignes": lignes,
            "erreurs": erreurs,
            "breadcrumb": _crumbs((appel.titre, appel.get_absolute_url()), ("Enveloppes", None)),
        },
    )


@login_required
def piece(request: HttpRequest, pk: int, piece_pk: int) -> FileResponse:
    """A piece of a dossier, for whoever may see the dossier (served as a download, never inline HTML)."""
    dossier, _ = _dossier(request, pk)
    piece = get_object_or_404(Piece, pk=piece_pk, dossier=dossier)
    return FileResponse(
        piece.fichier.open("rb"), as_attachment=True, filename=piece.nom, content_type="application/pdf"
    )


@login_required
def instruction(request: HttpRequest, code: str) -> HttpResponse:
    """The instructors' view of a campaign: every dossier of their académie(s) with its computed subsidy and the
    schools that no longer meet the rules; the DNE sees every académie."""
    appel = _appel(code)
    scope = scope_of(request.user)
    if not (scope.dne or scope.academies):
        raise PermissionDenied("Réservé aux instructeurs académiques et à la DNE.")
    academies = None if scope.dne else scope.academies
    bilans = selectors.bilan_campagne(appel, academies=academies)
    enveloppes = Enveloppe.objects.filter(appel=appel).select_related("academie").order_by("academie__nom")
    if academies is not None:
        enveloppes = enveloppes.filter(academie_id__in=academies)
    return render(
        request,
        "appels/instruction.html",
        {
            "title": f"Instruction — {appel.titre}",
            "appel": appel,
            "bilans": bilans,
            "enveloppes": list(enveloppes),
            "decide": bool(scope.academies),
            "academies_decidees": scope.academies,
            "breadcrumb": _crumbs((appel.titre, appel.get_absolute_url()), ("Instruction", None)),
        },
    )


@login_required
def projet_pedagogique(request: HttpRequest, pk: int, projet_pk: int) -> HttpResponse:
    """The directeur writes the projet pédagogique of his school in the collectivité's dossier."""
    projet = get_object_or_404(
        Projet.objects.select_related("dossier__appel", "etablissement"), pk=projet_pk, dossier_id=pk
    )
    if not projet.get_abilities(request.user)["write"]:
        raise PermissionDenied("Seule l'équipe de l'école rédige son projet, tant que le dossier est ouvert.")
    form = ProjetPedagogiqueForm(request.POST or None, initial={"projet_pedagogique": projet.projet_pedagogique})
    if request.method == "POST" and form.is_valid():
        try:
            services.projet_rediger(
                projet=projet, acteur=request.user, projet_pedagogique=form.cleaned_data["projet_pedagogique"]
            )
        except ValidationError as exc:
            for m in _messages(exc):
                form.add_error(None, m)
        else:
            messages.success(request, "Projet pédagogique enregistré.")
            return redirect("appels:projet_pedagogique", pk=pk, projet_pk=projet.pk)
    return render(
        request,
        "appels/projet_pedagogique.html",
        {
            "title": f"Projet pédagogique — {projet.etablissement.nom}",
            "projet": projet,
            "form": form,
            "breadcrumb": _crumbs(("Projet pédagogique", None)),
        },
    )
