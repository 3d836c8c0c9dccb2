from __future__ import annotations

from django.urls import path
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from api.slugs import slug_map


class Counts(APIView):
    @extend_schema(
        operation_id="counts",
        responses=slug_map("Counts", ("attack", "zulrah"), serializers.IntegerField),
    )
    def get(self, request):
        return Response({})


def test_a_slug_map_lists_every_slug_and_allows_newer_ones():
    schema = SchemaGenerator(patterns=[path("counts", Counts.as_view())]).get_schema(
        request=None, public=True
    )
    counts = schema["components"]["schemas"]["Counts"]
    assert set(counts["properties"]) == {"attack", "zulrah"}
    assert counts["properties"]["attack"] == {"type": "integer"}
    assert counts["additionalProperties"] == {"type": "integer"}
