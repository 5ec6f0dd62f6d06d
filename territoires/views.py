"""Public pages of the territoires (thin: parse, check permission, call a selector or a service, render)."""

from typing import Any

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from core.audit import history_of
from core.exports import export_format, export_response
from core.pagination import paginate

from . import selectors
from .forms import CollectiviteForm, CompetenceTransfertForm, EtablissementForm
from .models import Academie, Collectivite, Departement, Etablissement, Niveau, Secteur, TypeCollectivite
from .services import collectivite_update, etablissement_update

HISTORY_LIMIT = 50
ACTIONS = {
    "territoires.etablissement.modifie": "Coordonnées modifiées",
    "territoires.collectivite.modifie": "Référent numérique modifié",
    "territoires.competence.transferee": "Compétence des écoles transférée",
    "territoires.competence.transfert_annule": "Transfert de compétence annulé",
}


DETAILS = {
    "commune": "Commune",
    "vers": "Vers",
    "ancienne": "Ancienne collectivité",
    "depuis": "Depuis",
    "fondement": "Fondement",
    "etablissements_recalcules": "Établissements recalculés",
}


def _historique(obj: Any, abilities: dict[str, bool]) -> list[dict[str, Any]] | None:
    """The audit entries of ``obj`` in French (field labels, action names), or None when not allowed."""
    if not abilities.get("view_history"):
        return None
    labels = {f.name: str(f.verbose_name) for f in obj._meta.fields}
    entries = []
    for entry in history_of(obj)[:HISTORY_LIMIT]:
        data = dict(entry.data or {})
        champs = data.pop("champs", None) or {}
        entries.append(
            {
                "at": entry.at,
                "actor": entry.actor,
                "action": entry.action,
                "label": ACTIONS.get(entry.action, entry.action),
                "changes": [(labels.get(name, name).capitalize(), *values) for name, values in champs.items()],
                "details": [(DETAILS.get(key, key), value) for key, value in data.items()],
            }
        )
    return entries


ETABLISSEMENT_COLONNES = [
    "UAI",
    "Nom",
    "Type",
    "Nature",
    "Secteur",
    "Commune",
    "Code INSEE",
    "Code postal",
    "Département",
    "Élèves",
    "Classes",
]


ETABLISSEMENT_CHAMPS = (
    "uai",
    "nom",
    "niveau",
    "nature",
    "secteur",
    "commune__nom",
    "commune_id",
    "code_postal",
    "departement_id",
    "eleves",
    "classes",
)


def _export_etablissements(fmt: str, qs: Any, filename: str) -> HttpResponse:
    # Tuples rather than model instances: a national list is 60,000 rows.
    niveaux, secteurs = dict(Niveau.choices), dict(Secteur.choices)
    rows = (
        (uai, nom, niveaux.get(niveau, niveau), nature, secteurs.get(secteur, secteur), *reste)
        for uai, nom, niveau, nature, secteur, *reste in qs.values_list(*ETABLISSEMENT_CHAMPS).iterator(chunk_size=5000)
    )
    return export_response(fmt=fmt, filename=filename, headers=ETABLISSEMENT_COLONNES, rows=rows)


COLLECTIVITES_COLONNES = ["Code", "Collectivité", "Type", "SIREN", "Écoles", "Collèges", "Lycées", "Établissements"]


def _export_collectivites(fmt: str, rows: Any, filename: str) -> HttpResponse:
    labels = dict(TypeCollectivite.choices)
    lignes = (
        [
            r["collectivite_competente__code"],
            r["collectivite_competente__nom"],
            labels.get(r["collectivite_competente__type"], r["collectivite_competente__type"]),
            r["collectivite_competente__siren"] or "",
            r["ecoles"],
            r["colleges"],
            r["lycees"],
            r["n"],
        ]
        for r in rows
    )
    return export_response(fmt=fmt, filename=filename, headers=COLLECTIVITES_COLONNES, rows=lignes)


def _add_errors(form: Any, exc: ValidationError) -> None:
    """Attach a service's refusal to the form: to the field it names when the form has it, else on top."""
    if hasattr(exc, "error_dict"):
        for name, errors in exc.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, exc)


def _get(model_selector: Any, *args: Any) -> Any:
    try:
        return model_selector(*args)
    except (
        Etablissement.DoesNotExist,
        Collectivite.DoesNotExist,
        Departement.DoesNotExist,
        Academie.DoesNotExist,
    ) as exc:
        raise Http404("Cette page n'existe pas.") from exc


def _require_ability(request: HttpRequest, obj: Any, ability: str) -> dict[str, bool] | HttpResponse:
    """The abilities of the user on ``obj``; a login redirect for anonymous users, 403 when refused."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    abilities = obj.get_abilities(request.user)
    if not abilities.get(ability):
        raise PermissionDenied("Vous n'avez pas le droit de modifier cette fiche.")
    return abilities


# --- Recherche ----------------------------------------------------------------------------------


@require_GET
def recherche(request: HttpRequest) -> HttpResponse:
    filtres = selectors.Filtres.from_query(request.GET)
    fmt = export_format(request)
    if fmt:
        return _export_etablissements(fmt, selectors.recherche_etablissements(filtres), "etablissements")
    if request.htmx and not request.htmx.boosted and not request.htmx.history_restore_request:
        resultats, plus = selectors.recherche_instantanee(filtres)
        return render(
            request,
            "territoires/_resultats_instantanes.html",
            {"filtres": filtres, "resultats": resultats, "plus": plus, "limite": selectors.SEARCH_LIMIT},
        )
    page = paginate(request, selectors.recherche_etablissements(filtres)) if filtres.actif else None
    return render(
        request,
        "territoires/recherche.html",
        {
            "title": f"Recherche : {filtres.q}" if filtres.q else "Rechercher un établissement",
            "filtres": filtres,
            "page": page,
            "niveaux": Niveau.choices,
            "secteurs": [(v, label) for v, label in Secteur.choices if v],
            "departements": Departement.objects.order_by("code").values_list("code", "nom"),
            "breadcrumb": [("Rechercher un établissement", None)],
        },
    )


# --- Établissement ------------------------------------------------------------------------------


@require_GET
def etablissement(request: HttpRequest, uai: str) -> HttpResponse:
    e = _get(selectors.etablissement_detail, uai.upper())
    abilities = e.get_abilities(request.user)
    historique = _historique(e, abilities)
    ips = list(e.ips.all())
    return render(
        request,
        "territoires/etablissement.html",
        {
            "title": e.nom,
            "e": e,
            "abilities": abilities,
            "ips": ips,
            "effectifs": list(e.effectifs.all()),
            "sources": selectors.sources_of(e),
            "historique": historique,
            "est_prive": e.secteur != Secteur.PUBLIC and e.secteur != Secteur.INCONNU,
            "breadcrumb": [
                (str(e.academie), e.academie.get_absolute_url()) if e.academie else None,
                (str(e.departement), e.departement.get_absolute_url()),
                (e.nom, None),
            ],
        },
    )


@require_http_methods(["GET", "POST"])
def etablissement_modifier(request: HttpRequest, uai: str) -> HttpResponse:
    e = _get(selectors.etablissement_fiche, uai.upper())
    abilities = _require_ability(request, e, "edit")
    if isinstance(abilities, HttpResponse):
        return abilities
    if request.method == "POST":
        form = EtablissementForm(request.POST)
        if form.is_valid():
            data = {name: form.cleaned_data[name] for name in EtablissementForm.FIELDS}
            try:
                etablissement_update(
                    etablissement=e, data=data, actor=request.user, version=form.cleaned_data["version"]
                )
            except ValidationError as exc:
                _add_errors(form, exc)
            else:
                messages.success(request, "La fiche de l'établissement a été enregistrée.")
                return redirect(e.get_absolute_url())
    else:
        form = EtablissementForm.for_object(e)
    return render(
        request,
        "territoires/etablissement_modifier.html",
        {
            "title": f"Modifier les coordonnées — {e.nom}",
            "e": e,
            "form": form,
            "breadcrumb": [(e.nom, e.get_absolute_url()), ("Modifier les coordonnées", None)],
        },
    )


# --- Collectivité -------------------------------------------------------------------------------


@require_GET
def collectivite(request: HttpRequest, code: str) -> HttpResponse:
    c = _get(selectors.collectivite_detail, code)
    etablissements = selectors.etablissements_of(c)
    fmt = export_format(request)
    if fmt:
        return _export_etablissements(fmt, etablissements, f"etablissements-{c.code}")
    abilities = c.get_abilities(request.user)
    return render(
        request,
        "territoires/collectivite.html",
        {
            "title": c.nom,
            "c": c,
            "abilities": abilities,
            "tableau": selectors.compte_par_type_et_secteur(etablissements),
            "page": paginate(request, etablissements),
            "competences": selectors.competences_of(c),
            "competences_cedees": selectors.competences_cedees(c),
            "historique": _historique(c, abilities),
            "breadcrumb": [("Territoires", reverse("territoires:academies")), (c.nom, None)],
        },
    )


@require_http_methods(["GET", "POST"])
def collectivite_modifier(request: HttpRequest, code: str) -> HttpResponse:
    c = _get(selectors.collectivite_detail, code)
    abilities = _require_ability(request, c, "edit")
    if isinstance(abilities, HttpResponse):
        return abilities
    if request.method == "POST":
        form = CollectiviteForm(request.POST)
        if form.is_valid():
            data = {name: form.cleaned_data[name] for name in CollectiviteForm.FIELDS}
            try:
                collectivite_update(collectivite=c, data=data, actor=request.user, version=form.cleaned_data["version"])
            except ValidationError as exc:
                _add_errors(form, exc)
            else:
                messages.success(request, "La fiche de la collectivité a été enregistrée.")
                return redirect(c.get_absolute_url())
    else:
        form = CollectiviteForm.for_object(c)
    return render(
        request,
        "territoires/collectivite_modifier.html",
        {
            "title": f"Modifier le référent numérique — {c.nom}",
            "c": c,
            "form": form,
            "breadcrumb": [(c.nom, c.get_absolute_url()), ("Modifier le référent numérique", None)],
        },
    )


@require_http_methods(["GET", "POST"])
def competence_transfert(request: HttpRequest, code: str) -> HttpResponse:
    c = _get(selectors.collectivite_detail, code)
    abilities = _require_ability(request, c, "transfer_competence")
    if isinstance(abilities, HttpResponse):
        return abilities
    if c.commune is None:
        raise Http404("Seule une commune transfère la compétence des écoles.")
    if request.method == "POST":
        form = CompetenceTransfertForm(request.POST, commune_collectivite=c)
        if form.is_valid():
            from .competences import competence_transfer

            try:
                competence_transfer(
                    commune=c.commune,
                    collectivite=form.cleaned_data["collectivite"],
                    depuis=form.cleaned_data["depuis"],
                    fondement=form.cleaned_data["fondement"],
                    actor=request.user,
                )
            except ValidationError as exc:
                _add_errors(form, exc)
            else:
                recoit = form.cleaned_data["collectivite"]
                messages.success(request, f"La compétence des écoles de {c.commune.nom} est transférée à {recoit}.")
                return redirect(c.get_absolute_url())
    else:
        form = CompetenceTransfertForm(commune_collectivite=c)
    return render(
        request,
        "territoires/competence_transfert.html",
        {
            "title": f"Transférer la compétence des écoles — {c.nom}",
            "c": c,
            "form": form,
            "breadcrumb": [(c.nom, c.get_absolute_url()), ("Transférer la compétence des écoles", None)],
        },
    )


# --- Territoires --------------------------------------------------------------------------------


@require_GET
def academies(request: HttpRequest) -> HttpResponse:
    liste = selectors.academies_avec_departements()
    fmt = export_format(request)
    if fmt:
        rows = [[a.code, str(a), d.code, d.nom, d.n] for a in liste for d in a.departements.all()]
        headers = ["Code académie", "Académie", "Code département", "Département", "Établissements"]
        return export_response(fmt=fmt, filename="academies-departements", headers=headers, rows=rows)
    return render(
        request,
        "territoires/academies.html",
        {
            "title": "Académies et départements",
            "academies": liste,
            "sans_academie": selectors.departements_sans_academie(),
            "tableau": selectors.compte_national(),
            "breadcrumb": [("Territoires", None)],
        },
    )


def _territoire(
    request: HttpRequest, *, etablissements: Any, filename: str, template: str, context: dict[str, Any]
) -> HttpResponse:
    collectivites = selectors.collectivites_competentes(etablissements)
    fmt = export_format(request)
    if fmt:
        return _export_collectivites(fmt, collectivites, filename)
    page = paginate(request, collectivites)
    labels = dict(TypeCollectivite.choices)
    page.object_list = [
        {**row, "type_label": labels.get(row["collectivite_competente__type"], "")} for row in page.object_list
    ]
    context |= {"tableau": selectors.compte_par_type_et_secteur(etablissements), "page": page}
    return render(request, template, context)


@require_GET
def departement(request: HttpRequest, code: str) -> HttpResponse:
    d = _get(selectors.departement_detail, code.upper())
    return _territoire(
        request,
        etablissements=Etablissement.objects.filter(departement=d),
        filename=f"collectivites-departement-{d.code}",
        template="territoires/departement.html",
        context={
            "title": str(d),
            "d": d,
            "collectivite": Collectivite.objects.filter(departement=d).first(),
            "breadcrumb": [
                ("Territoires", reverse("territoires:academies")),
                (str(d.academie), d.academie.get_absolute_url()) if d.academie else None,
                (str(d), None),
            ],
        },
    )


@require_GET
def academie(request: HttpRequest, code: str) -> HttpResponse:
    a = _get(selectors.academie_detail, code)
    return _territoire(
        request,
        etablissements=Etablissement.objects.filter(academie=a),
        filename=f"collectivites-academie-{a.code}",
        template="territoires/academie.html",
        context={
            "title": str(a),
            "a": a,
            "departements": selectors.departements_of(a),
            "breadcrumb": [("Territoires", reverse("territoires:academies")), (str(a), None)],
        },
    )
