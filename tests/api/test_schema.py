"""The error contract in the OpenAPI schema: one ErrorBody for every error
response, 401 where a credential is needed, 429 with Retry-After where a
throttle applies, whether or not the view names them."""

from __future__ import annotations

from django.urls import path
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle
from rest_framework.views import APIView

ERROR_BODY = {"$ref": "#/components/schemas/ErrorBody"}


class Thing(serializers.Serializer):
    name = serializers.CharField()


class GuardedView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        responses={
            200: Thing,
            404: OpenApiResponse(description="no_such_thing: gone."),
            409: OpenApiResponse(Thing, description="A body of its own is kept."),
            422: OpenApiResponse(),
        }
    )
    def get(self, request):
        return Response()


class OpenView(APIView):
    permission_classes = [AllowAny]
    throttle_classes = [AnonRateThrottle]

    @extend_schema(responses={200: Thing})
    def post(self, request):
        return Response()


class UnthrottledOpenView(APIView):
    permission_classes = [AllowAny]
    throttle_classes = []

    @extend_schema(responses={200: Thing})
    def get(self, request):
        return Response()


def schema() -> dict:
    generator = SchemaGenerator(
        patterns=[
            path("guarded", GuardedView.as_view()),
            path("open", OpenView.as_view()),
            path("unthrottled", UnthrottledOpenView.as_view()),
        ]
    )
    return generator.get_schema(request=None, public=True)


def body_of(response: dict) -> dict:
    return response["content"]["application/json"]["schema"]


def test_errors_a_view_names_are_described_by_the_error_body():
    responses = schema()["paths"]["/guarded"]["get"]["responses"]
    assert body_of(responses["404"]) == ERROR_BODY
    assert responses["404"]["description"] == "no_such_thing: gone."
    assert body_of(responses["422"]) == ERROR_BODY
    assert responses["422"]["description"].startswith("validation_error")
    assert body_of(responses["409"]) == {"$ref": "#/components/schemas/Thing"}


def test_an_operation_that_needs_a_credential_lists_401_and_one_throttled_lists_429():
    paths = schema()["paths"]
    guarded = paths["/guarded"]["get"]["responses"]
    assert body_of(guarded["401"]) == ERROR_BODY
    assert body_of(guarded["429"]) == ERROR_BODY
    assert guarded["429"]["headers"]["Retry-After"]["schema"] == {"type": "integer", "minimum": 1}
    open_to_all = paths["/open"]["post"]["responses"]
    assert "401" not in open_to_all
    assert "429" in open_to_all
    assert set(paths["/unthrottled"]["get"]["responses"]) == {"200"}


def test_the_error_body_is_the_handlers_body():
    component = schema()["components"]["schemas"]["ErrorBody"]
    assert (
        set(component["properties"])
        == set(component["required"])
        == {
            "error_code",
            "message",
            "details",
            "timestamp",
            "request_id",
        }
    )
    assert component["properties"]["details"]["nullable"] is True
