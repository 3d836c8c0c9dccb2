"""The catalogue endpoint: which skills, bosses and activities the API reports on."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from . import catalogue, levels
from .catalogue import Kind


class CatalogueMetricSerializer(serializers.Serializer):
    name = serializers.CharField(help_text="The row name exactly as the hiscores spell it.")
    slug = serializers.CharField(help_text="The stable key used across the API.")
    kind = serializers.ChoiceField(choices=[k.value for k in Kind])
    minimum = serializers.IntegerField(
        allow_null=True,
        help_text="The smallest value the hiscores list (below it the row is null); "
        "null for skills, whose cut-off is a rank.",
    )


class MetricCatalogueSerializer(serializers.Serializer):
    skills = CatalogueMetricSerializer(many=True, help_text="Overall first, then the skills.")
    bosses = CatalogueMetricSerializer(many=True)
    activities = CatalogueMetricSerializer(many=True)
    max_total_level = serializers.IntegerField()


class MetricsView(APIView):
    @extend_schema(
        operation_id="metrics_list",
        summary="The skills, bosses and activities tracked, in hiscores order",
        responses=MetricCatalogueSerializer,
        tags=["metrics"],
    )
    def get(self, request: Request) -> Response:
        data = {
            "skills": (catalogue.OVERALL, *catalogue.SKILLS),
            "bosses": catalogue.BOSSES,
            "activities": catalogue.OTHER_ACTIVITIES,
            "max_total_level": levels.MAX_LEVEL * len(catalogue.SKILLS),
        }
        return Response(MetricCatalogueSerializer(data).data)
