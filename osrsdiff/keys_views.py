"""The API keys endpoints (docs/api.md, "API keys"): a person makes, lists and
revokes keys; the services are in `osrsdiff.keys`.

Keys are managed only with a person's credentials (a JWT, or a staff session):
a leaked key can neither mint a successor nor revoke its owner's other keys.
"""

from __future__ import annotations

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api.errors import NotFound

from .keys import key_create, key_revoke, keys_visible_to
from .models import ApiKey


class ApiKeyScheme(OpenApiAuthenticationExtension):
    """The `Api-Key` security scheme, listed beside Bearer on every endpoint."""

    target_class = "osrsdiff.keys.ApiKeyAuthentication"
    name = "apiKeyAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "`Api-Key <key>`, with a key made by `POST /api/keys`.",
        }


class IsPerson(BasePermission):
    message = "API keys are managed with a person's token, not with a key."

    def has_permission(self, request, view) -> bool:
        return not isinstance(request.auth, ApiKey)


class ApiKeySerializer(serializers.ModelSerializer):
    created_at = serializers.DateTimeField(source="created", read_only=True)
    owner = serializers.CharField(source="owner.get_username", read_only=True)

    class Meta:
        model = ApiKey
        fields = ["id", "name", "prefix", "created_at", "owner"]


class NewApiKeySerializer(ApiKeySerializer):
    key = serializers.CharField(read_only=True, help_text="Shown this once; only a hash is kept.")

    class Meta(ApiKeySerializer.Meta):
        fields = [*ApiKeySerializer.Meta.fields, "key"]


class KeyCreateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=50, help_text="What the key is for, e.g. a bot's name.")


_401 = OpenApiResponse(description="not_authenticated or authentication_failed.")
_403 = OpenApiResponse(description="permission_denied: the request was made with an API key.")
_429 = OpenApiResponse(description="throttled; Retry-After says when to try again.")


class KeyListView(APIView):
    permission_classes = (IsAuthenticated, IsPerson)

    @extend_schema(
        tags=["keys"],
        summary="List API keys (your own; staff: everyone's)",
        responses={200: ApiKeySerializer(many=True), 401: _401, 403: _403, 429: _429},
    )
    def get(self, request: Request) -> Response:
        return Response(ApiKeySerializer(keys_visible_to(request.user), many=True).data)

    @extend_schema(
        tags=["keys"],
        summary="Make an API key (the key is in this answer only)",
        request=KeyCreateSerializer,
        responses={
            201: NewApiKeySerializer,
            401: _401,
            403: _403,
            409: OpenApiResponse(description="too_many_keys: API_KEYS_PER_USER reached."),
            422: OpenApiResponse(description="validation_error: `name` missing or too long."),
            429: _429,
        },
    )
    def post(self, request: Request) -> Response:
        data = KeyCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        api_key, key = key_create(owner=request.user, name=data.validated_data["name"])
        api_key.key = key
        return Response(NewApiKeySerializer(api_key).data, status=status.HTTP_201_CREATED)


class KeyDetailView(APIView):
    permission_classes = (IsAuthenticated, IsPerson)

    @extend_schema(
        tags=["keys"],
        summary="Revoke an API key (its owner or staff); it stops working at once",
        responses={
            204: None,
            401: _401,
            403: _403,
            404: OpenApiResponse(
                description="not_found: no such key, or another user's (never shown to exist)."
            ),
            429: _429,
        },
    )
    def delete(self, request: Request, id: int) -> Response:
        api_key = keys_visible_to(request.user).filter(pk=id).first()
        if api_key is None:
            raise NotFound("You have no API key with that id.")
        key_revoke(api_key=api_key, by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)
