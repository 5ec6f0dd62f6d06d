"""Pages of the comité: parse, check the abilities, call a service, render."""

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from core.audit import history_of

from . import forms, selectors, services
from .models import Convention, Decision, Discussion, GroupeTravail, Issue, PointOrdreDuJour, Seance, StatutPoint
from .permissions import comite_scope


def _membre_requis(request: HttpRequest) -> HttpResponse | None:
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if not comite_scope(request.user).membre:
        raise PermissionDenied("Cette page est réservée aux membres du comité.")
    return None


def _erreurs(request: HttpRequest, error: ValidationError) -> None:
    for message in error.messages:
        messages.error(request, message)


def _executer(request: HttpRequest, succes: str, action: Callable[[], Any]) -> bool:
    """Run a service; show its French error messages instead of failing."""
    try:
        action()
    except ValidationError as error:
        _erreurs(request, error)
        return False
    messages.success(request, succes)
    return True


def _amendements_queryset(**filters: Any) -> Any:
    from referentiels.models import Amendement

    return Amendement.objects.filter(**filters)


def index(request: HttpRequest) -> HttpResponse:
    user = request.user
    cs = comite_scope(user)
    return render(
        request,
        "comite/index.html",
        {
            "title": "Comité des partenaires",
            "cs": cs,
            "prochaines_seances": selectors.prochaines_seances(user)[:5],
            "points_a_traiter": selectors.points_a_traiter(user)[:10],
            "decisions": selectors.decisions_visibles(user).exclude(issue=Issue.EN_DELIBERATION)[:5],
        },
    )


def organisations(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "comite/organisations.html",
        {
            "title": "Organisations membres du comité",
            "profils": selectors.organisations_du_comite(),
            "voir_personnes": comite_scope(request.user).membre,
        },
    )


# --- meetings ------------------------------------------------------------------------------------------------


def seances(request: HttpRequest) -> HttpResponse:
    if redirection := _membre_requis(request):
        return redirection
    cs = comite_scope(request.user)
    form = forms.SeanceForm(request.POST or None, groupes=GroupeTravail.objects.all()) if cs.secretariat else None
    if request.method == "POST":
        if form is None:
            raise PermissionDenied
        if form.is_valid():
            data = form.cleaned_data
            created: list[Seance] = []
            if _executer(
                request,
                "La séance est créée.",
                lambda: created.append(services.seance_creer(actor=request.user, **data)),
            ):
                return redirect(created[0])
    return render(
        request,
        "comite/seances.html",
        {"title": "Séances du comité", "seances": selectors.seances_visibles(request.user), "form": form},
    )


def seance(request: HttpRequest, pk: int) -> HttpResponse:
    if redirection := _membre_requis(request):
        return redirection
    obj = get_object_or_404(Seance.objects.select_related("groupe"), pk=pk)
    abilities = obj.get_abilities(request.user)
    user_orgs = selectors.organisations_de(request.user)
    inscriptions = list(obj.inscriptions.select_related("user", "organisation"))
    deja_inscrit = any(i.user_id == request.user.pk for i in inscriptions)
    return render(
        request,
        "comite/seance.html",
        {
            "title": str(obj),
            "seance": obj,
            "abilities": abilities,
            "points": obj.points.select_related("organisation", "amendement").order_by("ordre"),
            "inscriptions": inscriptions,
            "deja_inscrit": deja_inscrit,
            "decisions": obj.decisions.all(),
            "inscription_form": forms.InscriptionForm(organisations=user_orgs)
            if abilities["register"] and not deja_inscrit
            else None,
            "compte_rendu_form": forms.CompteRenduForm(initial={"texte": obj.compte_rendu}, auto_id="cr_%s")
            if abilities["edit"]
            else None,
            "decision_form": forms.DecisionForm(points=obj.points.filter(statut=StatutPoint.INSCRIT))
            if abilities["create_decision"]
            else None,
        },
    )


@require_POST
def seance_inscription(request: HttpRequest, pk: int) -> HttpResponse:
    if redirection := _membre_requis(request):
        return redirection
    obj = get_object_or_404(Seance, pk=pk)
    form = forms.InscriptionForm(request.POST, organisations=selectors.organisations_de(request.user))
    if form.is_valid():
        _executer(
            request,
            "Vous êtes inscrit à la séance.",
            lambda: services.seance_inscrire(
                seance=obj, organisation=form.cleaned_data["organisation"], actor=request.user
            ),
        )
    else:
        messages.error(request, "Choisissez l'organisation au titre de laquelle vous participez.")
    return redirect(obj)


@require_POST
def seance_presences(request: HttpRequest, pk: int) -> HttpResponse:
    if redirection := _membre_requis(request):
        return redirection
    obj = get_object_or_404(Seance, pk=pk)
    presents = [v for v in request.POST.getlist("presents") if v.isdigit()]
    _executer(
        request,
        "Les présences sont enregistrées.",
        lambda: services.presences_enregistrer(seance=obj, presents=presents, actor=request.user),
    )
    return redirect(obj)


@require_POST
def seance_compte_rendu(request: HttpRequest, pk: int) -> HttpResponse:
    if redirection := _membre_requis(request):
        return redirection
    obj = get_object_or_404(Seance, pk=pk)
    form = forms.CompteRenduForm(request.POST)
    if form.is_valid():
        _executer(
            request,
            "Le compte rendu est enregistré.",
            lambda: services.compte_rendu_enregistrer(seance=obj, texte=form.cleaned_data["texte"], actor=request.user),
        )
    return redirect(obj)


@require_POST
def seance_decision(request: HttpRequest, pk: int) -> HttpResponse:
    if redirection := _membre_requis(request):
        return redirection
    obj = get_object_or_404(Seance, pk=pk)
    form = forms.DecisionForm(request.POST, points=obj.points.filter(statut=StatutPoint.INSCRIT))
    if not form.is_valid():
        for field, errors in form.errors.items():
            label = form.fields[field].label if field in form.fields else ""
            messages.error(request, f"{label} : {' '.join(errors)}")
        return redirect(obj)
    created: list[Decision] = []
    if _executer(
        request,
        "La question est soumise au comité : notez les positions des organisations présentes.",
        lambda: created.append(services.decision_ouvrir(seance=obj, actor=request.user, **form.cleaned_data)),
    ):
        return redirect(created[0])
    return redirect(obj)


# --- agenda items --------------------------------------------------------------------------------------------


def points(request: HttpRequest) -> HttpResponse:
    if redirection := _membre_requis(request):
        return redirection
    user_orgs = selectors.organisations_de(request.user)
    form = None
    if user_orgs.exists():
        form = forms.PointForm(
            request.POST or None,
            organisations=user_orgs,
            amendements=_amendements_queryset().filter(etat__in=["propose", "en_discussion", "inscrit"]),
        )
    if request.method == "POST":
        if form is None:
            raise PermissionDenied("Seules les organisations membres proposent des points.")
        if form.is_valid():
            created: list[PointOrdreDuJour] = []
            if _executer(
                request,
                "Votre proposition est transmise au secrétariat du comité.",
                lambda: created.append(services.point_proposer(actor=request.user, **form.cleaned_data)),
            ):
                return redirect(created[0])
    return render(
        request,
        "comite/points.html",
        {"title": "Points à l'ordre du jour", "points": selectors.points_visibles(request.user), "form": form},
    )


def point(request: HttpRequest, pk: int) -> HttpResponse:
    if redirection := _membre_requis(request):
        return redirection
    obj = get_object_or_404(PointOrdreDuJour.objects.select_related("organisation", "seance", "amendement"), pk=pk)
    abilities = obj.get_abilities(request.user)
    seances_possibles = Seance.objects.filter(type="pleniere") if obj.amendement_id else Seance.objects.all()
    return render(
        request,
        "comite/point.html",
        {
            "title": obj.titre,
            "point": obj,
            "abilities": abilities,
            "inscrire_form": forms.InscrireForm(seances=seances_possibles.order_by("-date"))
            if abilities["schedule"]
            else None,
            "decliner_form": forms.DeclinerForm() if abilities["decline"] else None,
            "historique": history_of(obj),
        },
    )


@require_POST
def point_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    if redirection := _membre_requis(request):
        return redirection
    obj = get_object_or_404(PointOrdreDuJour, pk=pk)
    if action == "accepter":
        _executer(request, "Le point est accepté.", lambda: services.point_accepter(point=obj, actor=request.user))
    elif action == "inscrire":
        form = forms.InscrireForm(request.POST, seances=Seance.objects.all())
        if form.is_valid():
            _executer(
                request,
                "Le point est inscrit à l'ordre du jour.",
                lambda: services.point_inscrire(point=obj, seance=form.cleaned_data["seance"], actor=request.user),
            )
        else:
            messages.error(request, "Choisissez la séance.")
    elif action == "decliner":
        _executer(
            request,
            "Le point est décliné ; l'organisation en est informée.",
            lambda: services.point_decliner(point=obj, motif=request.POST.get("motif", ""), actor=request.user),
        )
    else:
        raise PermissionDenied
    return redirect(obj)


# --- working groups ------------------------------------------------------------------------------------------


def groupes(request: HttpRequest) -> HttpResponse:
    if redirection := _membre_requis(request):
        return redirection
    return render(
        request,
        "comite/groupes.html",
        {"title": "Groupes de travail", "groupes": selectors.groupes_visibles(request.user)},
    )


def groupe(request: HttpRequest, slug: str) -> HttpResponse:
    if redirection := _membre_requis(request):
        return redirection
    obj = get_object_or_404(GroupeTravail, slug=slug)
    abilities = obj.get_abilities(request.user)
    form = None
    if abilities["open_discussion"]:
        form = forms.DiscussionForm(
            request.POST or None,
            amendements=_amendements_queryset(etat="propose", discussion_comite__isnull=True),
        )
    if request.method == "POST":
        if form is None:
            raise PermissionDenied
        if form.is_valid():
            created: list[Discussion] = []
            if _executer(
                request,
                "L'amendement est confié au groupe de travail.",
                lambda: created.append(
                    services.discussion_ouvrir(
                        amendement=form.cleaned_data["amendement"], groupe=obj, actor=request.user
                    )
                ),
            ):
                return redirect(created[0])
    return render(
        request,
        "comite/groupe.html",
        {
            "title": obj.nom,
            "groupe": obj,
            "abilities": abilities,
            "organisations": obj.organisations.all(),
            "seances": obj.seances.all(),
            "discussions": selectors.discussions_du_groupe(obj),
            "form": form,
        },
    )


def discussion(request: HttpRequest, pk: int) -> HttpResponse:
    if redirection := _membre_requis(request):
        return redirection
    obj = get_object_or_404(Discussion.objects.select_related("groupe", "amendement"), pk=pk)
    abilities = obj.get_abilities(request.user)
    form = forms.MessageForm(request.POST or None) if abilities["post_message"] else None
    if request.method == "POST":
        if form is None:
            raise PermissionDenied("Seuls les membres du groupe de travail peuvent écrire ici.")
        if form.is_valid() and _executer(
            request,
            "Votre message est publié.",
            lambda: services.message_poster(discussion=obj, texte=form.cleaned_data["texte"], actor=request.user),
        ):
            return redirect(obj)
    inscrire_form = None
    if comite_scope(request.user).secretariat and obj.amendement.etat == "en_discussion":
        inscrire_form = forms.InscrireForm(seances=_plenieres_a_venir(), auto_id="pleniere_%s")
    return render(
        request,
        "comite/discussion.html",
        {
            "title": f"Discussion : {obj.amendement}",
            "discussion": obj,
            "messages_fil": obj.messages.select_related("auteur", "organisation"),
            "form": form,
            "inscrire_form": inscrire_form,
        },
    )


def _plenieres_a_venir() -> Any:
    from django.utils import timezone

    return Seance.objects.filter(type="pleniere", date__gte=timezone.now() - timezone.timedelta(days=1)).order_by(
        "date"
    )


@require_POST
def discussion_inscrire(request: HttpRequest, pk: int) -> HttpResponse:
    """The secrétariat puts the amendment discussed here on a plenary's agenda."""
    if redirection := _membre_requis(request):
        return redirection
    obj = get_object_or_404(Discussion.objects.select_related("amendement"), pk=pk)
    form = forms.InscrireForm(request.POST, seances=Seance.objects.filter(type="pleniere"))
    if not form.is_valid():
        messages.error(request, "Séance : choisissez une séance plénière.")
        return redirect(obj)
    points: list[PointOrdreDuJour] = []
    if _executer(
        request,
        "L'amendement est inscrit à l'ordre du jour de la plénière.",
        lambda: points.append(
            services.amendement_inscrire_en_pleniere(
                amendement=obj.amendement, seance=form.cleaned_data["seance"], actor=request.user
            )
        ),
    ):
        return redirect(points[0].seance)
    return redirect(obj)


# --- decisions -----------------------------------------------------------------------------------------------


def decisions(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "comite/decisions.html",
        {
            "title": "Décisions et avis du comité",
            "decisions": selectors.decisions_visibles(request.user),
            "membre": comite_scope(request.user).membre,
        },
    )


def decision(request: HttpRequest, pk: int) -> HttpResponse:
    obj = get_object_or_404(Decision.objects.select_related("seance", "amendement", "point"), pk=pk)
    abilities = obj.get_abilities(request.user)
    if not abilities["view"]:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        raise PermissionDenied("Cette décision n'est pas publiée.")
    return render(
        request,
        "comite/decision.html",
        {
            "title": str(obj),
            "decision": obj,
            "abilities": abilities,
            "positions": obj.positions.select_related("organisation"),
            "version_precedente": _version_precedente(obj),
            "position_form": forms.PositionForm(organisations=obj.seance.organisations_presentes())
            if abilities["record_position"]
            else None,
            "arreter_form": forms.ArreterForm() if abilities["decide"] else None,
        },
    )


def _version_precedente(decision: Decision) -> Any:
    """The version an adopted amendment replaced, to link to the comparison."""
    amendement = decision.amendement
    if amendement is None or amendement.version_produite_id is None:
        return None
    produite = amendement.version_produite
    return (
        produite.referentiel.versions.filter(numero__lt=produite.numero, etat__in=["adoptee", "remplacee"])
        .order_by("-numero")
        .first()
    )


@require_POST
def decision_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    if redirection := _membre_requis(request):
        return redirection
    obj = get_object_or_404(Decision.objects.select_related("seance"), pk=pk)
    if action == "position":
        form = forms.PositionForm(request.POST, organisations=obj.seance.organisations_presentes())
        if form.is_valid():
            _executer(
                request,
                f"La position de « {form.cleaned_data['organisation']} » est enregistrée.",
                lambda: services.position_enregistrer(decision=obj, actor=request.user, **form.cleaned_data),
            )
        else:
            messages.error(request, "Choisissez une organisation présente et sa position.")
    elif action == "arreter":
        form = forms.ArreterForm(request.POST)
        if form.is_valid():
            _executer(
                request,
                "L'issue de la décision est enregistrée.",
                lambda: services.decision_arreter(decision=obj, actor=request.user, **form.cleaned_data),
            )
        else:
            messages.error(request, "Choisissez l'issue de la décision.")
    elif action == "publier":
        _executer(
            request, "La décision est publiée.", lambda: services.decision_publier(decision=obj, actor=request.user)
        )
    else:
        raise PermissionDenied
    return HttpResponseRedirect(obj.get_absolute_url())


# --- conventions ---------------------------------------------------------------------------------------------


def conventions(request: HttpRequest) -> HttpResponse:
    if redirection := _membre_requis(request):
        return redirection
    return render(
        request,
        "comite/conventions.html",
        {"title": "Registre des conventions", "conventions": selectors.conventions_visibles(request.user)},
    )


def convention(request: HttpRequest, pk: int) -> HttpResponse:
    if redirection := _membre_requis(request):
        return redirection
    obj = get_object_or_404(Convention.objects.select_related("cadre"), pk=pk)
    abilities = obj.get_abilities(request.user)
    form = forms.DocumentForm(request.POST or None, request.FILES or None) if abilities["upload"] else None
    if request.method == "POST":
        if form is None:
            raise PermissionDenied("Seul le secrétariat dépose les documents des conventions.")
        if form.is_valid():
            if _executer(
                request,
                "Le document est déposé.",
                lambda: services.convention_document_deposer(
                    convention=obj,
                    titre=form.cleaned_data["titre"],
                    fichier=form.cleaned_data["fichier"],
                    actor=request.user,
                ),
            ):
                return redirect(obj)
        else:
            for field, errors in form.errors.items():
                messages.error(request, f"{form.fields[field].label} : {' '.join(errors)}")
    return render(
        request,
        "comite/convention.html",
        {
            "title": obj.titre,
            "convention": obj,
            "abilities": abilities,
            "signataires": obj.signataires.all(),
            "comite_suivi": obj.comite_suivi.all(),
            "mises_en_oeuvre": obj.conventions_mise_en_oeuvre.all(),
            "documents": obj.documents.all(),
            "form": form,
        },
    )


def document(request: HttpRequest, pk: int) -> HttpResponse:
    """Serve a convention's PDF to those who may read the convention."""
    from django.http import FileResponse

    from .models import DocumentConvention

    if redirection := _membre_requis(request):
        return redirection
    obj = get_object_or_404(DocumentConvention.objects.select_related("convention"), pk=pk)
    if not obj.convention.get_abilities(request.user)["view"]:
        raise PermissionDenied
    return FileResponse(obj.fichier.open("rb"), content_type="application/pdf", filename=f"{obj.titre}.pdf")
