"""Pages of the référentiels: thin views that ask ``get_abilities`` and call selectors and services."""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.views.decorators.http import require_POST

from core.audit import history_of
from core.exports import export_format, export_response

from . import rules, selectors, services
from .forms import AdoptionForm, AmendementForm, DiffForm, ModificationForm, RejetForm, SimulationForm
from .models import Amendement, Referentiel, Version


def _referentiel(niveau: str) -> Referentiel:
    return get_object_or_404(Referentiel, niveau=niveau)


def _version(request: HttpRequest, niveau: str, numero: int) -> Version:
    version = get_object_or_404(
        Version.objects.select_related("referentiel"), referentiel__niveau=niveau, numero=numero
    )
    if not version.get_abilities(request.user)["view"]:
        # A draft does not exist for who may not read it.
        raise Http404("Version introuvable.")
    return version


def _crumbs(*items: tuple[str, str | None]) -> list[tuple[str, str | None]]:
    return [("Référentiels", "/referentiels/"), *items]


def liste(request: HttpRequest) -> HttpResponse:
    referentiels = list(selectors.referentiels_visibles(request.user))
    for referentiel in referentiels:
        referentiel.courante = next((v for v in referentiel.versions_visibles if v.etat == "adoptee"), None)
    return render(
        request,
        "referentiels/liste.html",
        {"title": "Référentiels du socle numérique de base", "referentiels": referentiels, "breadcrumb": _crumbs()},
    )


def referentiel(request: HttpRequest, niveau: str) -> HttpResponse:
    ref = _referentiel(niveau)
    abilities = ref.get_abilities(request.user)
    versions = list(selectors.versions_visibles(request.user).filter(referentiel=ref).order_by("-numero"))
    amendements = list(selectors.amendements_visibles(request.user, ref)) if abilities["view_amendements"] else []
    return render(
        request,
        "referentiels/referentiel.html",
        {
            "title": ref.titre,
            "referentiel": ref,
            "abilities": abilities,
            "versions": versions,
            "courante": next((v for v in versions if v.etat == "adoptee"), None),
            "amendements": amendements,
            "breadcrumb": _crumbs((ref.titre, None)),
        },
    )


EXPORT_HEADERS = [
    "Code",
    "Domaine",
    "Libellé",
    "Description",
    "Obligatoire",
    "Règle de quantité",
    "Règle (JSON)",
    "Source de la règle",
    "Règle non confirmée",
    "Coût bas (€)",
    "Coût typique (€)",
    "Coût haut (€)",
    "Unité du coût",
    "Source du coût",
    "Coût non confirmé",
]


def _export_rows(version: Version) -> list[list[Any]]:
    import json

    return [
        [
            item.code,
            item.get_domaine_display(),
            item.libelle,
            item.description,
            item.obligatoire,
            item.regle_texte,
            json.dumps(item.regle, ensure_ascii=False),
            item.regle.get("source", ""),
            bool(item.regle.get("non_confirme")),
            item.cout_bas,
            item.cout_typique,
            item.cout_haut,
            item.cout_unite,
            item.cout_source,
            item.cout_non_confirme,
        ]
        for item in version.items.order_by("ordre", "id")
    ]


def version(request: HttpRequest, niveau: str, numero: int) -> HttpResponse:
    v = _version(request, niveau, numero)
    fmt = export_format(request)
    if fmt:
        return export_response(
            fmt=fmt,
            filename=f"referentiel-{niveau}-v{numero}",
            headers=EXPORT_HEADERS,
            rows=_export_rows(v),
            title=f"{niveau} v{numero}",
        )
    selectors.version_avec_items(v)
    simulation = SimulationForm(request.GET if {"classes", "eleves"} & set(request.GET) else None)
    quantites: dict[int, int | None] = {}
    if simulation.is_bound and simulation.is_valid():
        profil = rules.Profil(
            niveau=v.referentiel.niveau,
            classes=simulation.cleaned_data["classes"],
            eleves=simulation.cleaned_data["eleves"],
        )
        quantites = {item.pk: quantite for item, quantite in selectors.besoins(v, profil)}
        for item in v.items_ordonnes:
            item.quantite_simulee = quantites[item.pk]
    courante = v.referentiel.version_adoptee()
    precedente = selectors.versions_visibles(request.user).filter(referentiel=v.referentiel, numero__lt=v.numero).last()
    return render(
        request,
        "referentiels/version.html",
        {
            "title": f"{v.referentiel.titre} — version {v.numero}",
            "version": v,
            "abilities": v.get_abilities(request.user),
            "domaines": selectors.items_par_domaine(v),
            "simulation": simulation,
            "adresse": request.build_absolute_uri(v.get_absolute_url()),
            "simule": bool(quantites),
            "courante": courante,
            "precedente": precedente,
            "amendement_source": getattr(v, "amendement_source", None),
            "historique": history_of(v)[:20] if request.user.is_authenticated else [],
            "breadcrumb": _crumbs(
                (v.referentiel.titre, v.referentiel.get_absolute_url()), (f"Version {v.numero}", None)
            ),
        },
    )


def version_pdf(request: HttpRequest, niveau: str, numero: int) -> HttpResponse:
    from weasyprint import HTML

    v = selectors.version_avec_items(_version(request, niveau, numero))
    html = render_to_string(
        "referentiels/version_pdf.html",
        {
            "version": v,
            "domaines": selectors.items_par_domaine(v),
            "adresse": request.build_absolute_uri(v.get_absolute_url()),
        },
    )
    # PDF/UA: a tagged PDF (structure, language, title) that screen readers can follow.
    pdf = HTML(string=html).write_pdf(pdf_variant="pdf/ua-1")
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="referentiel-{niveau}-v{numero}.pdf"'
    return response


def _diff_versions(request: HttpRequest, niveau: str) -> tuple[DiffForm, Version | None, Version | None]:
    ref = _referentiel(niveau)
    visibles = selectors.versions_visibles(request.user).filter(referentiel=ref)
    form = DiffForm(request.GET or None)
    if not form.is_valid():
        return form, None, None
    avant = visibles.filter(numero=form.cleaned_data["de"]).first()
    apres = visibles.filter(numero=form.cleaned_data["a"]).first()
    if avant is None:
        form.add_error("de", f"La version {form.cleaned_data['de']} n'existe pas ou n'est pas publiée.")
    if apres is None:
        form.add_error("a", f"La version {form.cleaned_data['a']} n'existe pas ou n'est pas publiée.")
    return form, avant, apres


def diff(request: HttpRequest, niveau: str) -> HttpResponse:
    ref = _referentiel(niveau)
    form, avant, apres = _diff_versions(request, niveau)
    contexte: dict[str, Any] = {
        "title": f"Comparer des versions — {ref.titre}",
        "referentiel": ref,
        "form": form,
        "versions": selectors.versions_visibles(request.user).filter(referentiel=ref).order_by("numero"),
        "breadcrumb": _crumbs((ref.titre, ref.get_absolute_url()), ("Comparer des versions", None)),
    }
    if avant is not None and apres is not None:
        data = selectors.diff_as_json(avant, apres)
        contexte.update(
            {
                "avant": avant,
                "apres": apres,
                "diff": data,
                "vide": not any(data[k] for k in ("ajoutes", "supprimes", "modifies")),
            }
        )
    return render(request, "referentiels/diff.html", contexte)


def diff_json(request: HttpRequest, niveau: str) -> JsonResponse:
    form, avant, apres = _diff_versions(request, niveau)
    if avant is None or apres is None:
        erreurs = {champ: [str(e) for e in liste] for champ, liste in form.errors.items()}
        return JsonResponse({"erreurs": erreurs or {"de": ["Paramètres « de » et « a » obligatoires."]}}, status=400)
    return JsonResponse(selectors.diff_as_json(avant, apres), json_dumps_params={"ensure_ascii": False})


# --- Amendments -------------------------------------------------------------------------------------


def _erreurs_service(form: ModificationForm | None, exc: ValidationError) -> list[str]:
    """Put the service's errors on the form fields they name; return those that name none."""
    restantes: list[str] = []
    if hasattr(exc, "error_dict"):
        for champ, erreurs in exc.error_dict.items():
            for erreur in erreurs:
                if form is not None and champ in form.fields:
                    form.add_error(champ, erreur.messages)
                else:
                    restantes.extend(erreur.messages)
        return restantes
    for erreur in exc.error_list:
        champ = ModificationForm.CHAMPS_SERVICE.get(erreur.code or "", erreur.code or "")
        if form is not None and champ in form.fields:
            form.add_error(champ, erreur.messages)
        else:
            restantes.extend(erreur.messages)
    return restantes


@login_required
def amendement_nouveau(request: HttpRequest, niveau: str) -> HttpResponse:
    ref = _referentiel(niveau)
    courante = ref.version_adoptee()
    if courante is None or not courante.get_abilities(request.user)["propose"]:
        raise PermissionDenied("Seuls les membres du comité des partenaires et la DNE proposent des amendements.")
    form = AmendementForm(request.POST or None, user=request.user)
    erreurs: list[str] = []
    if request.method == "POST" and form.is_valid():
        try:
            amendement = services.amendement_proposer(
                version_base=courante,
                organisation=form.cleaned_data["organisation"],
                auteur=request.user,
                titre=form.cleaned_data["titre"],
                expose_motifs=form.cleaned_data["expose_motifs"],
                modifications=[form.modification()],
            )
        except ValidationError as exc:
            erreurs = _erreurs_service(form, exc)
        else:
            messages.success(request, "Votre amendement est proposé au comité.")
            return redirect(amendement)
    return render(
        request,
        "referentiels/amendement_form.html",
        {
            "title": f"Proposer un amendement — {ref.titre}",
            "referentiel": ref,
            "courante": courante,
            "form": form,
            "erreurs": erreurs,
            "items": courante.items.order_by("ordre", "id"),
            "breadcrumb": _crumbs((ref.titre, ref.get_absolute_url()), ("Proposer un amendement", None)),
        },
        status=400 if erreurs or form.errors else 200,
    )


def _amendement(request: HttpRequest, pk: int) -> Amendement:
    amendement = get_object_or_404(
        Amendement.objects.select_related("referentiel", "version_base", "organisation", "version_produite"), pk=pk
    )
    if not amendement.get_abilities(request.user)["view"]:
        raise Http404("Amendement introuvable.")
    return amendement


def amendement(request: HttpRequest, pk: int) -> HttpResponse:
    a = _amendement(request, pk)
    apercu, conflit = selectors.apercu_amendement(a) if a.ouvert else (None, "")
    return render(
        request,
        "referentiels/amendement.html",
        {
            "title": a.titre,
            "amendement": a,
            "abilities": a.get_abilities(request.user),
            "modifications": a.modifications.all(),
            "courante": a.referentiel.version_adoptee(),
            "apercu": apercu,
            "conflit": conflit,
            "rejet_form": RejetForm(),
            "adoption_form": AdoptionForm(),
            "historique": history_of(a)[:20] if request.user.is_authenticated else [],
            "breadcrumb": _crumbs((a.referentiel.titre, a.referentiel.get_absolute_url()), (a.titre, None)),
        },
    )


@login_required
def amendement_completer(request: HttpRequest, pk: int) -> HttpResponse:
    a = _amendement(request, pk)
    if not a.get_abilities(request.user)["amend"]:
        raise PermissionDenied("Seule l'organisation qui propose complète son amendement, tant qu'il est proposé.")
    form = ModificationForm(request.POST or None)
    erreurs: list[str] = []
    if request.method == "POST" and form.is_valid():
        try:
            services.amendement_ajouter_modification(amendement=a, modification=form.modification(), actor=request.user)
        except ValidationError as exc:
            erreurs = _erreurs_service(form, exc)
        else:
            messages.success(request, "La modification est ajoutée à l'amendement.")
            return redirect(a)
    return render(
        request,
        "referentiels/amendement_form.html",
        {
            "title": f"Compléter l'amendement — {a.titre}",
            "amendement": a,
            "referentiel": a.referentiel,
            "courante": a.version_base,
            "form": form,
            "erreurs": erreurs,
            "items": a.version_base.items.order_by("ordre", "id"),
            "breadcrumb": _crumbs(
                (a.referentiel.titre, a.referentiel.get_absolute_url()),
                (a.titre, a.get_absolute_url()),
                ("Ajouter une modification", None),
            ),
        },
        status=400 if erreurs or form.errors else 200,
    )


@require_POST
@login_required
def amendement_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    a = _amendement(request, pk)
    abilities = a.get_abilities(request.user)
    if action not in abilities or action == "view" or not abilities[action]:
        raise PermissionDenied("Vous ne pouvez pas faire cela sur cet amendement.")
    try:
        if action == "discuss":
            services.amendement_mettre_en_discussion(amendement=a, actor=request.user)
            messages.success(request, "L'amendement est confié au groupe de travail.")
        elif action == "schedule":
            services.amendement_inscrire(amendement=a, actor=request.user)
            messages.success(request, "L'amendement est inscrit à l'ordre du jour.")
        elif action == "rebase":
            services.amendement_rebaser(amendement=a, actor=request.user)
            messages.success(request, "L'amendement porte désormais sur la version adoptée.")
        elif action == "reject":
            form = RejetForm(request.POST)
            if not form.is_valid():
                raise ValidationError("Le motif du rejet est obligatoire.")
            services.amendement_rejeter(
                amendement=a,
                motif=form.cleaned_data["motif"],
                decision_ref=form.cleaned_data["decision_ref"],
                actor=request.user,
            )
            messages.success(request, "L'amendement est rejeté ; le motif est conservé.")
        elif action == "adopt":
            form = AdoptionForm(request.POST)
            if not form.is_valid():
                raise ValidationError("Citez la décision de la plénière qui adopte l'amendement.")
            nouvelle = services.amendement_adopter(
                amendement=a, actor=request.user, decision_ref=form.cleaned_data["decision_ref"]
            )
            messages.success(request, f"L'amendement est adopté : la version {nouvelle.numero} est publiée.")
            return redirect(nouvelle)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    return redirect(a)


@require_POST
@login_required
def version_action(request: HttpRequest, niveau: str, numero: int, action: str) -> HttpResponse:
    v = _version(request, niveau, numero)
    abilities = v.get_abilities(request.user)
    if action not in ("consult", "publish") or not abilities[action]:
        raise PermissionDenied("Vous ne pouvez pas faire cela sur cette version.")
    try:
        if action == "consult":
            services.version_mettre_en_consultation(version=v, actor=request.user)
            messages.success(request, f"La version {v.numero} est mise en consultation.")
        else:
            services.version_publier(version=v, actor=request.user, decision_ref=request.POST.get("decision_ref", ""))
            messages.success(request, f"La version {v.numero} est adoptée et publiée.")
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    return redirect(v)


@require_POST
@login_required
def brouillon_creer(request: HttpRequest, niveau: str) -> HttpResponse:
    ref = _referentiel(niveau)
    if not ref.get_abilities(request.user)["publish"]:
        raise PermissionDenied("Seule la DNE prépare une nouvelle version.")
    v = services.version_creer_brouillon(referentiel=ref, actor=request.user)
    messages.success(request, f"Le brouillon de la version {v.numero} est créé.")
    return redirect(v)
