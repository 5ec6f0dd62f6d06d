"""API of the appels à projets (``/api/v1/appels/…``): the published appels, their rules, and the public simulator.

The simulator needs no account: it runs the funding engine of the appel's published revision on the
schools and expenses sent, and returns the subsidy with the same explanation as a dossier's.
"""

import base64
import binascii
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import QuerySet
from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import permissions, routers, serializers, status, throttling, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.exceptions import ValidationError as APIValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from territoires.models import Etablissement

from . import rules, selectors, services
from .models import AppelAProjets, Dossier, Projet, Revision

MAX_ETABLISSEMENTS = 500
MONTANT_MAX = Decimal("100000000")


# The schema must not depend on the database backend (integer maxima differ): drop max_value.
class ModelSerializer(serializers.ModelSerializer):
    def build_standard_field(self, field_name: str, model_field: Any) -> tuple[type, dict[str, Any]]:
        field_class, kwargs = super().build_standard_field(field_name, model_field)
        kwargs.pop("max_value", None)
        return field_class, kwargs


class ParametreFinancementSerializer(serializers.Serializer):
    libelle = serializers.CharField()
    valeur = serializers.DecimalField(max_digits=14, decimal_places=4)
    source = serializers.CharField()
    non_confirme = serializers.BooleanField()


def parametres_json(regle: rules.RegleFinancement) -> list[dict[str, Any]]:
    return [
        {"libelle": libelle, "valeur": p.valeur, "source": p.source, "non_confirme": p.non_confirme}
        for libelle, p in regle.parametres()
    ]


class RevisionAppelSerializer(ModelSerializer):
    parametres = serializers.SerializerMethodField()

    class Meta:
        model = Revision
        fields = [
            "numero",
            "ouverture",
            "cloture",
            "eligibilite",
            "financement",
            "pieces",
            "vagues",
            "enveloppe_nationale",
            "enveloppe_source",
            "notes",
            "publiee_le",
            "parametres",
        ]

    @extend_schema_field(ParametreFinancementSerializer(many=True))
    def get_parametres(self, obj: Revision) -> list[dict[str, Any]]:
        return ParametreFinancementSerializer(parametres_json(obj.regle_financement), many=True).data


class AppelSerializer(ModelSerializer):
    revision = serializers.SerializerMethodField(help_text="La révision publiée (règles en vigueur).")

    class Meta:
        model = AppelAProjets
        fields = ["code", "titre", "millesime", "niveau", "description", "sources", "revision"]

    @extend_schema_field(RevisionAppelSerializer(allow_null=True))
    def get_revision(self, obj: AppelAProjets) -> dict[str, Any] | None:
        revision = obj.revision_publiee()
        return RevisionAppelSerializer(revision).data if revision else None


class DepensesParVoletSerializer(serializers.Serializer):
    equipement = serializers.DecimalField(
        max_digits=14, decimal_places=2, min_value=Decimal(0), max_value=MONTANT_MAX, required=False, default=Decimal(0)
    )
    services = serializers.DecimalField(
        max_digits=14, decimal_places=2, min_value=Decimal(0), max_value=MONTANT_MAX, required=False, default=Decimal(0)
    )
    accompagnement = serializers.DecimalField(
        max_digits=14, decimal_places=2, min_value=Decimal(0), max_value=MONTANT_MAX, required=False, default=Decimal(0)
    )


class EcoleSimuleeSerializer(serializers.Serializer):
    libelle = serializers.CharField(max_length=200, required=False, default="", help_text="Nom de l'école (libre).")
    classes = serializers.IntegerField(min_value=0, max_value=1000)
    eleves = serializers.IntegerField(min_value=0, max_value=10000)
    depenses = DepensesParVoletSerializer(help_text="Dépenses TTC en euros, par volet.")


class SimulationSerializer(serializers.Serializer):
    etablissements = EcoleSimuleeSerializer(many=True, min_length=1, max_length=MAX_ETABLISSEMENTS)


class LigneSimulationSerializer(serializers.Serializer):
    etablissement = serializers.CharField()
    poste = serializers.CharField()
    depense = serializers.DecimalField(max_digits=14, decimal_places=2)
    depense_retenue = serializers.DecimalField(max_digits=14, decimal_places=2)
    subvention = serializers.DecimalField(max_digits=14, decimal_places=2)


class ResultatSimulationSerializer(serializers.Serializer):
    appel = serializers.CharField()
    revision = serializers.IntegerField()
    subvention = serializers.DecimalField(max_digits=14, decimal_places=2)
    depense = serializers.DecimalField(max_digits=14, decimal_places=2)
    depense_retenue = serializers.DecimalField(max_digits=14, decimal_places=2)
    depenses_non_financees = serializers.DecimalField(max_digits=14, decimal_places=2)
    par_etablissement = serializers.DictField(child=serializers.DecimalField(max_digits=14, decimal_places=2))
    lignes = LigneSimulationSerializer(many=True)
    explications = serializers.ListField(child=serializers.CharField())
    parametres_non_confirmes = ParametreFinancementSerializer(many=True)


def simuler(revision: Revision, etablissements: list[dict[str, Any]]) -> dict[str, Any]:
    """Run the appel's funding engine on simulated schools; the shared core of the page and the API."""
    saisies = [
        rules.EtablissementSaisi(
            code=f"ecole-{i}",
            libelle=e.get("libelle") or f"École {i}",
            classes=e["classes"],
            eleves=e["eleves"],
            depenses={v: Decimal(m) for v, m in e["depenses"].items() if Decimal(m)},
        )
        for i, e in enumerate(etablissements, start=1)
    ]
    regle = revision.regle_financement
    resultat = rules.calculer_subvention(regle, saisies)
    libelles = {s.code: s.libelle for s in saisies}
    return {
        "appel": revision.appel.code,
        "revision": revision.numero,
        "subvention": resultat.subvention,
        "depense": resultat.depense,
        "depense_retenue": resultat.depense_retenue,
        "depenses_non_financees": resultat.depenses_non_financees,
        "par_etablissement": {libelles[c]: m for c, m in resultat.par_etablissement.items()},
        "lignes": [
            {
                "etablissement": libelles.get(ligne.unite, "Dossier"),
                "poste": ligne.poste,
                "depense": ligne.depense,
                "depense_retenue": ligne.depense_retenue,
                "subvention": ligne.subvention,
            }
            for ligne in resultat.lignes
        ],
        "explications": list(resultat.explications),
        "parametres_non_confirmes": [p for p in parametres_json(regle) if p["non_confirme"]],
    }


class EligibiliteSerializer(serializers.Serializer):
    uai = serializers.CharField()
    nom = serializers.CharField()
    eligible = serializers.BooleanField()
    raisons = serializers.ListField(child=serializers.CharField())
    avertissements = serializers.ListField(child=serializers.CharField())


def eligibilite_json(revision: Revision, uais: list[str]) -> list[dict[str, Any]]:
    etablissements = list(
        selectors.etablissements_avec_faits(Etablissement.objects.filter(uai__in=uais)).order_by("uai")
    )
    return [
        {
            "uai": e.etablissement.uai,
            "nom": e.etablissement.nom,
            "eligible": e.evaluation.eligible,
            "raisons": list(e.evaluation.raisons),
            "avertissements": list(e.evaluation.avertissements),
        }
        for e in selectors.eligibilite_des_etablissements(revision.regle_eligibilite, etablissements)
    ]


class RetenuSerializer(serializers.Serializer):
    academie = serializers.CharField()
    collectivite = serializers.CharField()
    siren = serializers.CharField(allow_null=True)
    etablissements = serializers.ListField(child=serializers.CharField(), help_text="UAI des écoles du projet.")
    montant_accorde = serializers.DecimalField(max_digits=14, decimal_places=2)


class ProjetApiSerializer(ModelSerializer):
    uai = serializers.CharField(source="etablissement_id")
    etablissement = serializers.CharField(source="etablissement.nom")
    depense = serializers.SerializerMethodField()

    class Meta:
        model = Projet
        fields = ["uai", "etablissement", "classes", "eleves", "etat", "depense"]

    @extend_schema_field(serializers.DecimalField(max_digits=14, decimal_places=2))
    def get_depense(self, obj: Projet) -> str:
        return str(sum((ligne.montant for ligne in obj.lignes.all()), Decimal(0)).quantize(Decimal("0.01")))


class DossierApiSerializer(ModelSerializer):
    appel = serializers.CharField(source="appel.code")
    revision = serializers.IntegerField(source="revision.numero")
    collectivite = serializers.CharField(source="collectivite.nom")
    academie = serializers.CharField(source="academie_id")
    projets = ProjetApiSerializer(many=True)

    class Meta:
        model = Dossier
        fields = [
            "id",
            "appel",
            "revision",
            "collectivite",
            "academie",
            "etat",
            "vague",
            "montant_demande",
            "montant_accorde",
            "motif",
            "depose_le",
            "decide_le",
            "projets",
        ]


class LigneDepotSerializer(serializers.Serializer):
    volet = serializers.ChoiceField(choices=list(rules.VOLETS), required=False, allow_blank=True)
    item_code = serializers.CharField(max_length=60, required=False, allow_blank=True)
    libelle = serializers.CharField(max_length=255)
    quantite = serializers.IntegerField(min_value=1, max_value=100000)
    prix_unitaire = serializers.DecimalField(max_digits=12, decimal_places=2, min_value=Decimal(0))


class ProjetDepotSerializer(serializers.Serializer):
    uai = serializers.CharField(max_length=8)
    classes = serializers.IntegerField(min_value=0, max_value=1000)
    eleves = serializers.IntegerField(min_value=0, max_value=10000)
    projet_pedagogique = serializers.CharField(max_length=20000)
    lignes = LigneDepotSerializer(many=True)


class DepotSerializer(serializers.Serializer):
    cle_idempotence = serializers.CharField(
        max_length=64, help_text="Clé choisie par le client : une reprise avec la même clé renvoie le même dossier."
    )
    collectivite = serializers.IntegerField(help_text="Identifiant de la collectivité qui dépose.")
    projets = ProjetDepotSerializer(many=True)
    devis = serializers.CharField(help_text="Le devis, fichier PDF encodé en base64 (10 Mo au plus).")

    def validate_devis(self, valeur: str) -> SimpleUploadedFile:
        try:
            contenu = base64.b64decode(valeur, validate=True)
        except (binascii.Error, ValueError):
            raise serializers.ValidationError("Le devis doit être un PDF encodé en base64.") from None
        return SimpleUploadedFile("devis.pdf", contenu, content_type="application/pdf")


class DepotEffectueSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text="Numéro du dossier (détail : /api/v1/appels-dossiers/<id>/).")
    appel = serializers.CharField()
    revision = serializers.IntegerField(help_text="La révision de l'appel à laquelle le dossier reste attaché.")
    collectivite = serializers.IntegerField()
    academie = serializers.CharField()
    etat = serializers.CharField(help_text="État du dossier : « depose » une fois déposé.")
    vague = serializers.IntegerField(allow_null=True)
    montant_demande = serializers.DecimalField(max_digits=14, decimal_places=2)
    depose_le = serializers.DateTimeField(allow_null=True)
    etablissements = serializers.ListField(child=serializers.CharField(), help_text="UAI des écoles du dossier.")


def depot_json(depot: services.Depot) -> dict[str, Any]:
    dossier = depot.dossier
    return {
        "id": dossier.pk,
        "appel": dossier.appel.code,
        "revision": dossier.revision.numero,
        "collectivite": dossier.collectivite_id,
        "academie": dossier.academie_id,
        "etat": dossier.etat,
        "vague": dossier.vague,
        "montant_demande": dossier.montant_demande,
        "depose_le": dossier.depose_le,
        "etablissements": list(depot.etablissements),
    }


class AppelViewSet(viewsets.ReadOnlyModelViewSet):
    """Les appels à projets publiés, avec leurs règles d'éligibilité et de financement en vigueur."""

    serializer_class = AppelSerializer
    lookup_field = "code"
    pagination_class = None
    throttle_classes = [throttling.AnonRateThrottle, throttling.UserRateThrottle]

    def get_queryset(self) -> QuerySet[AppelAProjets]:
        return selectors.appels_publies()

    @extend_schema(request=SimulationSerializer, responses=ResultatSimulationSerializer)
    @action(detail=True, methods=["post"], permission_classes=[permissions.AllowAny])
    def simulation(self, request: Request, code: str) -> Response:
        """Estimer la subvention d'un projet (sans compte) : écoles (classes, élèves) et dépenses par volet.

        Même moteur et même explication que pour un dossier déposé. Les paramètres non confirmés de
        l'appel sont rappelés avec leur source.
        """
        appel = self.get_object()
        revision = appel.revision_publiee()
        if revision is None:
            raise Http404("Appel sans révision publiée.")
        entree = SimulationSerializer(data=request.data)
        entree.is_valid(raise_exception=True)
        return Response(ResultatSimulationSerializer(simuler(revision, entree.validated_data["etablissements"])).data)

    @extend_schema(request=DepotSerializer, responses={200: DepotEffectueSerializer, 201: DepotEffectueSerializer})
    @action(detail=True, methods=["post"], permission_classes=[permissions.IsAuthenticated])
    def depots(self, request: Request, code: str) -> Response:
        """Déposer un dossier complet en une requête (projets des écoles, lignes de dépense, devis).

        Réservé aux agents de la collectivité. Idempotent : une reprise avec la même ``cle_idempotence``
        renvoie le dossier déjà déposé (200) au lieu d'en créer un second (201). La réponse résume le
        dépôt (numéro, état, subvention demandée, vague) ; le détail est dans ``/api/v1/appels-dossiers/<id>/``.
        """
        revision = selectors.revision_publiee_de(code)
        if revision is None:
            raise Http404("Appel sans révision publiée.")
        entree = DepotSerializer(data=request.data)
        entree.is_valid(raise_exception=True)
        donnees = entree.validated_data
        collectivite = selectors.collectivite_du_depot(request.user, donnees["collectivite"])
        if collectivite is None:
            raise PermissionDenied("Vous n'agissez pas pour cette collectivité.")
        try:
            depot = services.dossier_deposer_en_une_fois(
                appel=revision.appel,
                revision=revision,
                collectivite=collectivite,
                acteur=request.user,
                cle_idempotence=donnees["cle_idempotence"],
                projets=donnees["projets"],
                devis=donnees["devis"],
            )
        except DjangoValidationError as exc:
            erreurs = exc.message_dict if hasattr(exc, "error_dict") else {"dossier": exc.messages}
            raise APIValidationError(erreurs) from None
        return Response(
            DepotEffectueSerializer(depot_json(depot)).data,
            status=status.HTTP_201_CREATED if depot.cree else status.HTTP_200_OK,
        )

    @extend_schema(responses=RetenuSerializer(many=True))
    @action(detail=True, methods=["get"])
    def retenus(self, request: Request, code: str) -> Response:
        """Les dossiers retenus par académie, avec le montant maximum de subvention alloué (données ouvertes)."""
        appel = self.get_object()
        donnees = [
            {
                "academie": d.academie_id,
                "collectivite": d.collectivite.nom,
                "siren": d.collectivite.siren,
                "etablissements": [p.etablissement_id for p in d.projets.all()],
                "montant_accorde": d.montant_accorde,
            }
            for d in selectors.dossiers_retenus(appel)
        ]
        return Response(RetenuSerializer(donnees, many=True).data)

    @extend_schema(
        parameters=[OpenApiParameter("uai", OpenApiTypes.STR, OpenApiParameter.QUERY, required=True, many=True)],
        responses=EligibiliteSerializer(many=True),
    )
    @action(detail=True, methods=["get"])
    def eligibilite(self, request: Request, code: str) -> Response:
        """L'éligibilité d'établissements (par UAI) à l'appel, avec la raison de chaque refus."""
        appel = self.get_object()
        revision = appel.revision_publiee()
        if revision is None:
            raise Http404("Appel sans révision publiée.")
        return Response(EligibiliteSerializer(eligibilite_json(revision, _uais(request)), many=True).data)


class DossierViewSet(viewsets.ReadOnlyModelViewSet):
    """Les dossiers que la personne connectée peut consulter (sa collectivité, sa circonscription, son
    académie ; tous pour la DNE). Filtrer par ``appel`` (code) et ``etat``."""

    serializer_class = DossierApiSerializer
    permission_classes = [permissions.IsAuthenticated]
    throttle_classes = [throttling.UserRateThrottle]
    filterset_fields = {"etat": ["exact"], "appel__code": ["exact"]}

    def get_queryset(self) -> QuerySet[Dossier]:
        return (
            selectors.dossiers_visibles(self.request.user)
            .select_related("revision")
            .prefetch_related("projets__etablissement", "projets__lignes")
            .order_by("id")
        )


def _uais(request: Request) -> list[str]:
    uais = sorted({u.strip().upper() for v in request.query_params.getlist("uai") for u in v.split(",") if u.strip()})
    if not uais or len(uais) > MAX_ETABLISSEMENTS:
        raise APIValidationError({"uai": f"Indiquez de 1 à {MAX_ETABLISSEMENTS} UAI (uai=0350001A,0350002B)."})
    return uais


def register(router: routers.SimpleRouter) -> None:
    """Add the appels endpoints to the API router (called by ``socle.api_urls``)."""
    router.register("appels", AppelViewSet, basename="appel")
    router.register("appels-dossiers", DossierViewSet, basename="appel-dossier")
