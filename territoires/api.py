"""Read-only public API of the territoires: régions, académies, départements, EPCI, communes,
collectivités and établissements.

Everything here is open data: anyone may read, nobody may write through the API (writes go
through ``services.py`` from the pages). Lists are paginated and filterable; each list runs a
fixed number of queries whatever the page size (``select_related`` on every relation shown).
"""

from typing import Any

from django.db.models import Prefetch, QuerySet
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema_field
from rest_framework import pagination, permissions, routers, serializers, throttling, viewsets
from rest_framework.request import Request
from rest_framework.views import APIView

from territoires import models

# --- Permissions, throttling, pagination -------------------------------------------------------


class LecturePublique(permissions.BasePermission):
    """Anyone may read; nobody writes through this API. Objects are also asked for their abilities."""

    message = "Cette API est en lecture seule."

    def has_permission(self, request: Request, view: APIView) -> bool:
        return request.method in permissions.SAFE_METHODS

    def has_object_permission(self, request: Request, view: APIView, obj: Any) -> bool:
        if request.method not in permissions.SAFE_METHODS:
            return False
        get_abilities = getattr(obj, "get_abilities", None)
        return True if get_abilities is None else bool(get_abilities(request.user).get("view", False))


class Pagination(pagination.PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = 500


class LectureSeuleViewSet(viewsets.ReadOnlyModelViewSet):
    permission_classes = [LecturePublique]
    throttle_classes = [throttling.AnonRateThrottle, throttling.UserRateThrottle]
    pagination_class = Pagination


# --- Serializers ---------------------------------------------------------------------------------


# A ModelSerializer whose OpenAPI schema does not depend on the database backend. DRF gives integer
# fields the backend's maximum (2**31 - 1 on PostgreSQL, 2**63 - 1 on SQLite); the committed
# ``openapi.yaml`` must be the same on both (no docstring: it would become every schema's description).
class ModelSerializer(serializers.ModelSerializer):
    def build_standard_field(self, field_name: str, model_field: Any) -> tuple[type, dict[str, Any]]:
        field_class, kwargs = super().build_standard_field(field_name, model_field)
        kwargs.pop("max_value", None)
        return field_class, kwargs


class SourceSerializer(ModelSerializer):
    credit = serializers.CharField(read_only=True, help_text="Mention à afficher avec la donnée.")

    class Meta:
        model = models.DataSource
        fields = ["code", "titre", "producteur", "licence", "millesime", "url", "credit"]


class RegionRefSerializer(ModelSerializer):
    class Meta:
        model = models.Region
        fields = ["code", "nom"]


class AcademieRefSerializer(ModelSerializer):
    class Meta:
        model = models.Academie
        fields = ["code", "nom"]


class DepartementRefSerializer(ModelSerializer):
    class Meta:
        model = models.Departement
        fields = ["code", "nom"]


class EPCIRefSerializer(ModelSerializer):
    class Meta:
        model = models.EPCI
        fields = ["siren", "nom"]


class CommuneRefSerializer(ModelSerializer):
    class Meta:
        model = models.Commune
        fields = ["code_insee", "nom"]


class CollectiviteRefSerializer(ModelSerializer):
    class Meta:
        model = models.Collectivite
        fields = ["code", "nom", "type"]


class RegionSerializer(ModelSerializer):
    class Meta:
        model = models.Region
        fields = ["code", "nom"]


class AcademieSerializer(ModelSerializer):
    region_academique = RegionRefSerializer(read_only=True, allow_null=True)

    class Meta:
        model = models.Academie
        fields = ["code", "nom", "region_academique"]


class DepartementSerializer(ModelSerializer):
    region = RegionRefSerializer(read_only=True)
    academie = AcademieRefSerializer(read_only=True, allow_null=True)

    class Meta:
        model = models.Departement
        fields = ["code", "nom", "region", "academie"]


class EPCISerializer(ModelSerializer):
    class Meta:
        model = models.EPCI
        fields = ["siren", "nom", "type", "mode_financement", "population"]


class CommuneSerializer(ModelSerializer):
    departement = DepartementRefSerializer(read_only=True)
    epci = EPCIRefSerializer(read_only=True, allow_null=True)
    commune_parente = serializers.CharField(source="commune_parente_id", read_only=True, allow_null=True)
    codes_postaux = serializers.SerializerMethodField()

    class Meta:
        model = models.Commune
        fields = [
            "code_insee",
            "nom",
            "type",
            "departement",
            "epci",
            "commune_parente",
            "siren",
            "population",
            "superficie_km2",
            "codes_postaux",
            "latitude",
            "longitude",
        ]

    def get_codes_postaux(self, obj: models.Commune) -> list[str]:
        return [code for code in obj.codes_postaux.split("|") if code]


class CollectiviteSerializer(ModelSerializer):
    commune = CommuneRefSerializer(read_only=True, allow_null=True)
    epci = EPCIRefSerializer(read_only=True, allow_null=True)
    departement = DepartementRefSerializer(read_only=True, allow_null=True)
    region = RegionRefSerializer(read_only=True, allow_null=True)

    class Meta:
        model = models.Collectivite
        fields = ["code", "nom", "type", "siren", "commune", "epci", "departement", "region"]


class ElevesSerializer(serializers.Serializer):
    nombre = serializers.IntegerField(source="eleves", read_only=True, allow_null=True)
    annee = serializers.CharField(source="eleves_annee", read_only=True)
    source = SourceSerializer(source="eleves_source", read_only=True, allow_null=True)


class ClassesSerializer(serializers.Serializer):
    nombre = serializers.IntegerField(source="classes", read_only=True, allow_null=True)
    annee = serializers.CharField(source="classes_annee", read_only=True)
    source = SourceSerializer(source="classes_source", read_only=True, allow_null=True)


class IPSSerializer(ModelSerializer):
    source = SourceSerializer(read_only=True)

    class Meta:
        model = models.IPS
        fields = ["rentree", "valeur", "non_significatif", "national", "academique", "departemental", "source"]


class EtablissementListSerializer(ModelSerializer):
    commune = CommuneRefSerializer(read_only=True)
    departement = DepartementRefSerializer(read_only=True)
    academie = AcademieRefSerializer(read_only=True, allow_null=True)
    collectivite_competente = CollectiviteRefSerializer(read_only=True, allow_null=True)

    class Meta:
        model = models.Etablissement
        fields = [
            "uai",
            "nom",
            "niveau",
            "sous_type",
            "secteur",
            "commune",
            "departement",
            "academie",
            "collectivite_competente",
            "code_postal",
            "eleves",
            "classes",
        ]


class EtablissementDetailSerializer(EtablissementListSerializer):
    eleves = ElevesSerializer(source="*", read_only=True)
    classes = ClassesSerializer(source="*", read_only=True)
    ips = serializers.SerializerMethodField(help_text="IPS de la dernière rentrée connue, ou null.")
    source = SourceSerializer(read_only=True, allow_null=True)

    class Meta(EtablissementListSerializer.Meta):
        fields = [
            *EtablissementListSerializer.Meta.fields,
            "nature",
            "adresse",
            "telephone",
            "courriel",
            "site_web",
            "latitude",
            "longitude",
            "ips",
            "source",
            "modifie_le",
        ]

    @extend_schema_field(IPSSerializer(allow_null=True))
    def get_ips(self, obj: models.Etablissement) -> dict[str, Any] | None:
        # ``ips`` is prefetched newest first (IPS.Meta.ordering): the first one is the latest.
        latest = next(iter(obj.ips.all()), None)
        return None if latest is None else IPSSerializer(latest, context=self.context).data


# --- Filters -------------------------------------------------------------------------------------


class DepartementFilter(filters.FilterSet):
    region = filters.CharFilter(field_name="region_id", help_text="Code INSEE de la région.")
    academie = filters.CharFilter(field_name="academie_id", help_text="Code de l'académie.")

    class Meta:
        model = models.Departement
        fields = ["region", "academie"]


class AcademieFilter(filters.FilterSet):
    region_academique = filters.CharFilter(field_name="region_academique_id", help_text="Code INSEE de la région.")

    class Meta:
        model = models.Academie
        fields = ["region_academique"]


class EPCIFilter(filters.FilterSet):
    type = filters.CharFilter(help_text="CC, CA, CU, METRO ou MET69.")

    class Meta:
        model = models.EPCI
        fields = ["type"]


class CommuneFilter(filters.FilterSet):
    departement = filters.CharFilter(field_name="departement_id", help_text="Code INSEE du département.")
    academie = filters.CharFilter(field_name="departement__academie_id", help_text="Code de l'académie.")
    epci = filters.CharFilter(field_name="epci_id", help_text="SIREN de l'EPCI.")
    code_postal = filters.CharFilter(method="filter_code_postal", help_text="Un code postal de la commune.")

    class Meta:
        model = models.Commune
        fields = ["departement", "academie", "epci", "code_postal"]

    def filter_code_postal(self, queryset: QuerySet[models.Commune], name: str, value: str) -> QuerySet[models.Commune]:
        # codes_postaux is "|"-separated: match a whole code, not a prefix of another.
        return queryset.filter(codes_postaux__regex=rf"(^|\|){value}(\||$)") if value.isdigit() else queryset.none()


class CollectiviteFilter(filters.FilterSet):
    type = filters.ChoiceFilter(choices=models.TypeCollectivite.choices)

    class Meta:
        model = models.Collectivite
        fields = ["type"]


class EtablissementFilter(filters.FilterSet):
    departement = filters.CharFilter(field_name="departement_id", help_text="Code INSEE du département (35, 2A, 971).")
    academie = filters.CharFilter(field_name="academie_id", help_text="Code de l'académie.")
    commune = filters.CharFilter(field_name="commune_id", help_text="Code INSEE de la commune.")
    niveau = filters.ChoiceFilter(choices=models.Niveau.choices, help_text="Type d'établissement.")
    secteur = filters.ChoiceFilter(choices=[c for c in models.Secteur.choices if c[0]])
    collectivite = filters.CharFilter(
        field_name="collectivite_competente__code", help_text="Code de la collectivité compétente."
    )
    code_postal = filters.CharFilter()

    class Meta:
        model = models.Etablissement
        fields = ["departement", "academie", "commune", "niveau", "secteur", "collectivite", "code_postal"]


# --- Viewsets ------------------------------------------------------------------------------------


class RegionViewSet(LectureSeuleViewSet):
    """Régions (COG INSEE)."""

    queryset = models.Region.objects.order_by("code")
    serializer_class = RegionSerializer
    lookup_field = "code"


class AcademieViewSet(LectureSeuleViewSet):
    """Académies et leur région académique."""

    queryset = models.Academie.objects.select_related("region_academique").order_by("code")
    serializer_class = AcademieSerializer
    filterset_class = AcademieFilter
    lookup_field = "code"


class DepartementViewSet(LectureSeuleViewSet):
    """Départements, avec leur région et leur académie."""

    queryset = models.Departement.objects.select_related("region", "academie").order_by("code")
    serializer_class = DepartementSerializer
    filterset_class = DepartementFilter
    lookup_field = "code"


class EPCIViewSet(LectureSeuleViewSet):
    """EPCI à fiscalité propre (liste DGCL)."""

    queryset = models.EPCI.objects.order_by("siren")
    serializer_class = EPCISerializer
    filterset_class = EPCIFilter
    lookup_field = "siren"


class CommuneViewSet(LectureSeuleViewSet):
    """Communes et arrondissements municipaux."""

    queryset = models.Commune.objects.select_related("departement", "epci").order_by("code_insee")
    serializer_class = CommuneSerializer
    filterset_class = CommuneFilter
    lookup_field = "code_insee"


class CollectiviteViewSet(LectureSeuleViewSet):
    """Collectivités territoriales (celles qui équipent les établissements)."""

    queryset = models.Collectivite.objects.select_related("commune", "epci", "departement", "region").order_by("code")
    serializer_class = CollectiviteSerializer
    filterset_class = CollectiviteFilter
    lookup_field = "code"


class EtablissementViewSet(LectureSeuleViewSet):
    """Écoles, collèges et lycées, avec leur collectivité compétente."""

    filterset_class = EtablissementFilter
    lookup_field = "uai"

    def get_queryset(self) -> QuerySet[models.Etablissement]:
        queryset = models.Etablissement.objects.select_related(
            "commune", "departement", "academie", "collectivite_competente"
        ).order_by("uai")
        if self.action == "retrieve":
            queryset = queryset.select_related("source", "eleves_source", "classes_source").prefetch_related(
                Prefetch("ips", queryset=models.IPS.objects.select_related("source").order_by("-rentree"))
            )
        return queryset

    def get_serializer_class(self) -> type[serializers.BaseSerializer[Any]]:
        return EtablissementDetailSerializer if self.action == "retrieve" else EtablissementListSerializer


def register(router: routers.SimpleRouter) -> None:
    """Add the territoires endpoints to the API router (called by ``socle.api_urls``)."""
    router.register("regions", RegionViewSet, basename="region")
    router.register("academies", AcademieViewSet, basename="academie")
    router.register("departements", DepartementViewSet, basename="departement")
    router.register("epci", EPCIViewSet, basename="epci")
    router.register("communes", CommuneViewSet, basename="commune")
    router.register("collectivites", CollectiviteViewSet, basename="collectivite")
    router.register("etablissements", EtablissementViewSet, basename="etablissement")
