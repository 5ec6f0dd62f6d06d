"""Read-only API of the référentiels (``/api/v1/referentiels/…``).

Anyone reads the adopted and replaced versions; members of the comité and the DNE also read drafts
and amendments. Writes go through the pages (services), never through this API.
"""

from typing import Any

from django.db.models import QuerySet
from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field, inline_serializer
from rest_framework import permissions, routers, serializers, throttling, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError as APIValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from . import selectors
from .models import Amendement, Item, Modification, Referentiel, Version


class LectureSelonDroits(permissions.BasePermission):
    message = "Cette API est en lecture seule."

    def has_permission(self, request: Request, view: APIView) -> bool:
        return request.method in permissions.SAFE_METHODS

    def has_object_permission(self, request: Request, view: APIView, obj: Any) -> bool:
        return request.method in permissions.SAFE_METHODS and bool(obj.get_abilities(request.user).get("view"))


# The schema must not depend on the database backend (integer maxima differ): drop max_value.
class ModelSerializer(serializers.ModelSerializer):
    def build_standard_field(self, field_name: str, model_field: Any) -> tuple[type, dict[str, Any]]:
        field_class, kwargs = super().build_standard_field(field_name, model_field)
        kwargs.pop("max_value", None)
        return field_class, kwargs


class ItemSerializer(ModelSerializer):
    regle = serializers.JSONField(help_text="Règle de quantité (type, quantite, classes, eleves, mbits, source…).")
    regle_texte = serializers.CharField(read_only=True, help_text="La règle en français.")

    class Meta:
        model = Item
        fields = [
            "code",
            "domaine",
            "libelle",
            "description",
            "obligatoire",
            "regle",
            "regle_texte",
            "cout_bas",
            "cout_typique",
            "cout_haut",
            "cout_unite",
            "cout_source",
            "cout_non_confirme",
        ]


class VersionResumeSerializer(ModelSerializer):
    referentiel = serializers.CharField(source="referentiel.niveau", read_only=True)
    url = serializers.SerializerMethodField()

    class Meta:
        model = Version
        fields = ["referentiel", "numero", "etat", "a_valider", "adoptee_le", "remplacee_le", "url"]

    def get_url(self, obj: Version) -> str:
        return obj.get_absolute_url()


class VersionSerializer(VersionResumeSerializer):
    items = serializers.SerializerMethodField()

    class Meta(VersionResumeSerializer.Meta):
        fields = [*VersionResumeSerializer.Meta.fields, "notes", "decision_ref", "items"]

    @extend_schema_field(ItemSerializer(many=True))
    def get_items(self, obj: Version) -> list[dict[str, Any]]:
        return ItemSerializer(obj.items.order_by("ordre", "id"), many=True).data


class ReferentielSerializer(ModelSerializer):
    version_en_vigueur = serializers.SerializerMethodField(help_text="Numéro de la version adoptée.")
    versions = serializers.SerializerMethodField()

    class Meta:
        model = Referentiel
        fields = ["niveau", "titre", "description", "version_en_vigueur", "versions"]

    def get_version_en_vigueur(self, obj: Referentiel) -> int | None:
        return next((v.numero for v in obj.versions_visibles if v.etat == "adoptee"), None)

    @extend_schema_field(VersionResumeSerializer(many=True))
    def get_versions(self, obj: Referentiel) -> list[dict[str, Any]]:
        return VersionResumeSerializer(obj.versions_visibles, many=True).data


class ModificationSerializer(ModelSerializer):
    class Meta:
        model = Modification
        fields = ["operation", "code", "donnees"]


class AmendementSerializer(ModelSerializer):
    referentiel = serializers.CharField(source="referentiel.niveau", read_only=True)
    organisation = serializers.CharField(source="organisation.nom", read_only=True)
    version_base = serializers.IntegerField(source="version_base.numero", read_only=True)
    version_produite = serializers.IntegerField(source="version_produite.numero", read_only=True, allow_null=True)
    a_rebaser = serializers.BooleanField(read_only=True)
    modifications = ModificationSerializer(many=True, read_only=True)

    class Meta:
        model = Amendement
        fields = [
            "id",
            "referentiel",
            "titre",
            "expose_motifs",
            "organisation",
            "etat",
            "version_base",
            "version_produite",
            "a_rebaser",
            "motif_rejet",
            "decision_ref",
            "cree_le",
            "modifications",
        ]


DIFF_SCHEMA = inline_serializer(
    "DiffVersions",
    {
        "referentiel": serializers.CharField(),
        "de": serializers.IntegerField(),
        "a": serializers.IntegerField(),
        "ajoutes": serializers.ListField(child=serializers.DictField()),
        "supprimes": serializers.ListField(child=serializers.DictField()),
        "modifies": serializers.ListField(child=serializers.DictField()),
    },
)


class BaseViewSet(viewsets.ReadOnlyModelViewSet):
    permission_classes = [LectureSelonDroits]
    throttle_classes = [throttling.AnonRateThrottle, throttling.UserRateThrottle]


class ReferentielViewSet(BaseViewSet):
    """Les référentiels du socle numérique de base (école, collège, lycée) et leurs versions publiées."""

    serializer_class = ReferentielSerializer
    lookup_field = "niveau"
    pagination_class = None

    def get_queryset(self) -> QuerySet[Referentiel]:
        return selectors.referentiels_visibles(self.request.user)

    def _version(self, niveau: str, numero: Any) -> Version:
        version = (
            selectors.versions_visibles(self.request.user)
            .filter(referentiel__niveau=niveau, numero=int(numero))
            .first()
        )
        if version is None:
            raise Http404("Version introuvable.")
        return version

    @extend_schema(
        operation_id="v1_referentiels_version_par_numero",
        parameters=[OpenApiParameter("numero", OpenApiTypes.INT, OpenApiParameter.PATH)],
        responses=VersionSerializer,
    )
    @action(detail=True, url_path=r"versions/(?P<numero>[0-9]+)")
    def version(self, request: Request, niveau: str, numero: str) -> Response:
        """Une version du référentiel, avec ses items (adresse permanente)."""
        return Response(VersionSerializer(self._version(niveau, numero)).data)

    @extend_schema(
        parameters=[
            OpenApiParameter("de", OpenApiTypes.INT, OpenApiParameter.QUERY, required=True),
            OpenApiParameter("a", OpenApiTypes.INT, OpenApiParameter.QUERY, required=True),
        ],
        responses=DIFF_SCHEMA,
    )
    @action(detail=True)
    def diff(self, request: Request, niveau: str) -> Response:
        """Items ajoutés, supprimés et modifiés (champ par champ) entre deux versions."""
        try:
            de, a = int(request.query_params["de"]), int(request.query_params["a"])
        except (KeyError, ValueError):
            raise APIValidationError(
                {"de": "Les paramètres « de » et « a » (numéros de version) sont obligatoires."}
            ) from None
        return Response(selectors.diff_as_json(self._version(niveau, de), self._version(niveau, a)))


class VersionViewSet(BaseViewSet):
    """Toutes les versions visibles, avec leurs items ; filtrer par ``referentiel`` (niveau) et ``etat``."""

    serializer_class = VersionSerializer
    filterset_fields = {"etat": ["exact"], "referentiel__niveau": ["exact"]}

    def get_queryset(self) -> QuerySet[Version]:
        return selectors.versions_visibles(self.request.user).order_by("referentiel_id", "numero")


class AmendementViewSet(BaseViewSet):
    """Les amendements : adoptés pour tous, tous pour les membres du comité et la DNE."""

    serializer_class = AmendementSerializer
    filterset_fields = {"etat": ["exact"], "referentiel__niveau": ["exact"]}

    def get_queryset(self) -> QuerySet[Amendement]:
        return selectors.amendements_visibles(self.request.user).prefetch_related("modifications").order_by("id")


def register(router: routers.SimpleRouter) -> None:
    """Add the référentiels endpoints to the API router (called by ``socle.api_urls``)."""
    router.register("referentiels", ReferentielViewSet, basename="referentiel")
    router.register("referentiels-versions", VersionViewSet, basename="referentiel-version")
    router.register("referentiels-amendements", AmendementViewSet, basename="referentiel-amendement")
