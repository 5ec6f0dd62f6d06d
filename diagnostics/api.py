"""Read-only API of the diagnostics (``/api/v1/diagnostics/…``).

- ``diagnostics/etablissements/{uai}/``: an établissement's diagnostic (per-item gaps and cost), readable
  by the same people as its page (``permissions.abilities_for_inventaire``: the collectivité compétente,
  the directeur, the académie, the circonscription, the DNE, anyone when the inventory is published);
- ``diagnostics/territoires/``: the public territorial aggregates, with the page's diffusion rules: a
  territory with fewer than 3 diagnosed établissements, an equity group below 3 and a decile gap below 10
  are withheld from people who may not read the territory's inventories.

Writes go through the pages (services), never through this API.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, permissions, routers, serializers, throttling, viewsets
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from referentiels.models import Version
from territoires.models import Etablissement

from . import selectors
from .models import Agregat, Echelon, Inventaire
from .permissions import abilities_for_inventaire
from .views import SEUIL_DECILES, SEUIL_DIFFUSION, _detail_autorise

# --- Permissions ---------------------------------------------------------------------------------


class LectureInventaire(permissions.BasePermission):
    """Read-only; an établissement's diagnostic is read by whoever may read its inventory."""

    message = "Vous ne pouvez pas consulter le diagnostic de cet établissement."

    def has_permission(self, request: Request, view: APIView) -> bool:
        return request.method in permissions.SAFE_METHODS

    def has_object_permission(self, request: Request, view: APIView, obj: Any) -> bool:
        if request.method not in permissions.SAFE_METHODS:
            return False
        publie = Inventaire.objects.filter(etablissement=obj, publie=True).exists()
        return abilities_for_inventaire(request.user, obj, publie=publie)["view"]


class LecturePublique(permissions.BasePermission):
    """Anyone reads the aggregates (with the diffusion thresholds applied per user); nobody writes."""

    message = "Cette API est en lecture seule."

    def has_permission(self, request: Request, view: APIView) -> bool:
        return request.method in permissions.SAFE_METHODS


# --- Serializers ---------------------------------------------------------------------------------


def _decimal(**kwargs: Any) -> serializers.DecimalField:
    return serializers.DecimalField(max_digits=16, decimal_places=4, allow_null=True, read_only=True, **kwargs)


class ItemDiagnosticSerializer(serializers.Serializer):
    code = serializers.CharField(read_only=True)
    libelle = serializers.CharField(read_only=True)
    domaine = serializers.CharField(read_only=True)
    obligatoire = serializers.BooleanField(read_only=True)
    requis = serializers.IntegerField(allow_null=True, read_only=True, help_text="Null : indéterminé.")
    present = serializers.IntegerField(allow_null=True, read_only=True)
    manque = serializers.IntegerField(allow_null=True, read_only=True, help_text="Écart au socle.")
    unites = serializers.IntegerField(allow_null=True, read_only=True, help_text="Unités à acquérir.")
    cout = serializers.DecimalField(
        max_digits=14, decimal_places=2, read_only=True, help_text="Euros, arrondi au centime."
    )
    prix_inconnu = serializers.BooleanField(read_only=True)


class DiagnosticSerializer(serializers.Serializer):
    uai = serializers.CharField(read_only=True)
    nom = serializers.CharField(read_only=True)
    referentiel_niveau = serializers.CharField(read_only=True)
    referentiel_version = serializers.IntegerField(read_only=True)
    catalogue_version = serializers.IntegerField(
        allow_null=True, read_only=True, help_text="Version du catalogue de prix qui a chiffré ce diagnostic."
    )
    calcule_le = serializers.DateTimeField(read_only=True)
    taux = serializers.DecimalField(max_digits=5, decimal_places=4, read_only=True)
    au_socle = serializers.BooleanField(read_only=True)
    cout_socle = serializers.DecimalField(max_digits=14, decimal_places=2, read_only=True)
    cout_optionnel = serializers.DecimalField(max_digits=14, decimal_places=2, read_only=True)
    cout_incomplet = serializers.BooleanField(read_only=True, help_text="Vrai : le coût est un minimum.")
    manquants = serializers.IntegerField(read_only=True)
    indetermines = serializers.IntegerField(read_only=True)
    simule = serializers.BooleanField(read_only=True)
    items = ItemDiagnosticSerializer(many=True, read_only=True)


class SyntheseSerializer(serializers.Serializer):
    etablissements = serializers.IntegerField(read_only=True)
    diagnostiques = serializers.IntegerField(read_only=True)
    au_socle = serializers.IntegerField(read_only=True)
    part_au_socle = _decimal()
    taux_moyen = _decimal()
    cout_socle = serializers.DecimalField(max_digits=16, decimal_places=2, read_only=True)
    couts_incomplets = serializers.IntegerField(read_only=True)
    terminaux_pour_100_eleves = _decimal()
    affichages_par_classe = _decimal()
    part_salles_connectees = _decimal()
    part_stock_ancien = _decimal()
    part_ent = _decimal()
    simules = serializers.IntegerField(read_only=True)


class GroupeSerializer(serializers.Serializer):
    dimension = serializers.CharField(read_only=True, help_text="zone, ips ou secteur.")
    groupe = serializers.CharField(read_only=True)
    masque = serializers.BooleanField(read_only=True, help_text=f"Moins de {SEUIL_DIFFUSION} diagnostiqués.")
    synthese = SyntheseSerializer(allow_null=True, read_only=True)


class AgregatSerializer(serializers.Serializer):
    echelon = serializers.CharField(read_only=True)
    code = serializers.CharField(read_only=True)
    niveau = serializers.CharField(read_only=True, help_text="Vide : tous niveaux.")
    calcule_le = serializers.DateTimeField(read_only=True)
    masque = serializers.BooleanField(
        read_only=True, help_text=f"Moins de {SEUIL_DIFFUSION} établissements diagnostiqués : chiffres non diffusés."
    )
    synthese = SyntheseSerializer(allow_null=True, read_only=True)
    groupes = GroupeSerializer(many=True, read_only=True)
    deciles_taux = serializers.ListField(
        child=serializers.DecimalField(max_digits=5, decimal_places=4), allow_null=True
    )
    deciles_terminaux = serializers.ListField(
        child=serializers.DecimalField(max_digits=10, decimal_places=1), allow_null=True
    )
    deciles_le = serializers.CharField(allow_null=True, read_only=True)


def agregat_public(agregat: Agregat, request: Request) -> dict[str, Any]:
    """An aggregate as its page shows it to this user (thresholds applied)."""
    s = selectors.synthese(agregat)
    detail = _detail_autorise(request, agregat.echelon, agregat.code)
    masque = s.diagnostiques < SEUIL_DIFFUSION and not detail
    groupes = []
    deciles = not masque and (detail or s.diagnostiques >= SEUIL_DECILES)
    if not masque:
        for dimension in ("zone", "ips", "secteur"):
            for valeur, g in selectors.ventilation(agregat, dimension):
                cache = g.diagnostiques < SEUIL_DIFFUSION and not detail
                groupes.append(
                    {"dimension": dimension, "groupe": valeur, "masque": cache, "synthese": None if cache else g}
                )
    vent = agregat.ventilations
    return {
        "echelon": agregat.echelon,
        "code": agregat.code,
        "niveau": agregat.niveau,
        "calcule_le": agregat.calcule_le,
        "masque": masque,
        "synthese": None if masque else s,
        "groupes": groupes,
        "deciles_taux": vent.get("deciles_taux") if deciles else None,
        "deciles_terminaux": vent.get("deciles_terminaux") if deciles else None,
        "deciles_le": vent.get("deciles_le") if deciles else None,
    }


# --- Views ---------------------------------------------------------------------------------------


class DiagnosticViewSet(mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The diagnostic of an établissement against the adopted référentiel version (or ``?version=N``)."""

    permission_classes = [LectureInventaire]
    throttle_classes = [throttling.AnonRateThrottle, throttling.UserRateThrottle]
    serializer_class = DiagnosticSerializer
    lookup_field = "uai"
    queryset = Etablissement.objects.select_related("collectivite_competente")

    @extend_schema(
        parameters=[OpenApiParameter("version", int, description="Numéro de version du référentiel (facultatif).")]
    )
    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        etablissement = self.get_object()  # checks LectureInventaire
        version = None
        numero = request.query_params.get("version", "").strip()
        if numero:
            if not numero.isdigit() or len(numero) > 6:
                raise Http404("Version inconnue.")
            version = Version.objects.filter(referentiel__niveau=etablissement.niveau, numero=int(numero)).first()
            if version is None:
                raise Http404("Version inconnue.")
        diagnostic = selectors.diagnostic_courant(etablissement, version)
        if diagnostic is None:
            raise Http404("Aucun diagnostic calculé pour cet établissement.")
        donnees = {
            "uai": etablissement.uai,
            "nom": etablissement.nom,
            "referentiel_niveau": diagnostic.version.referentiel.niveau,
            "referentiel_version": diagnostic.version.numero,
            "catalogue_version": diagnostic.catalogue.numero if diagnostic.catalogue else None,
            **{
                champ: getattr(diagnostic, champ)
                for champ in (
                    "calcule_le",
                    "taux",
                    "au_socle",
                    "cout_socle",
                    "cout_optionnel",
                    "cout_incomplet",
                    "manquants",
                    "indetermines",
                    "simule",
                )
            },
            "items": selectors.lignes_diagnostic(diagnostic),
        }
        return Response(DiagnosticSerializer(donnees).data)


class AgregatViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Territorial aggregates (sums of the établissements' diagnostics), with the diffusion thresholds."""

    permission_classes = [LecturePublique]
    throttle_classes = [throttling.AnonRateThrottle, throttling.UserRateThrottle]
    serializer_class = AgregatSerializer
    queryset = Agregat.objects.none()

    def get_queryset(self) -> QuerySet[Agregat]:
        qs = Agregat.objects.order_by("echelon", "code", "niveau")
        params = self.request.query_params
        if params.get("echelon"):
            qs = qs.filter(echelon=params["echelon"])
        if params.get("code"):
            qs = qs.filter(code=params["code"])
        if "niveau" in params:
            qs = qs.filter(niveau=params["niveau"])
        return qs

    @extend_schema(
        parameters=[
            OpenApiParameter("echelon", str, enum=Echelon.values),
            OpenApiParameter("code", str, description="Code du territoire (code INSEE, SIREN, identifiant)."),
            OpenApiParameter("niveau", str, enum=["", "ecole", "college", "lycee"], description="Vide : tous niveaux."),
        ]
    )
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        donnees = [agregat_public(a, request) for a in page or []]
        return self.get_paginated_response(AgregatSerializer(donnees, many=True).data)


def register(router: routers.DefaultRouter) -> None:
    router.register("diagnostics/etablissements", DiagnosticViewSet, basename="diagnostic")
    router.register("diagnostics/territoires", AgregatViewSet, basename="diagnostic-territoire")
