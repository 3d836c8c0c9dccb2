"""Login, refresh and logout with JWTs (API.md, "Auth")."""

from __future__ import annotations

from django.conf import settings
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import SimpleRateThrottle
from rest_framework.views import APIView
from rest_framework_simplejwt.serializers import (
    TokenBlacklistSerializer,
    TokenObtainPairSerializer,
    TokenRefreshSerializer,
)


class ClientAddressThrottle(SimpleRateThrottle):
    """Counts per client address, signed in or not: these endpoints are where
    passwords and refresh tokens get guessed."""

    scope = "auth"

    def get_rate(self) -> str:
        return settings.AUTH_THROTTLE_RATE

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


TokenPair = inline_serializer(
    "TokenPair",
    {
        "access": serializers.CharField(),
        "refresh": serializers.CharField(),
        "token_type": serializers.CharField(),
        "expires_in": serializers.IntegerField(),
    },
)


def _token_pair(data: dict) -> dict:
    return {
        "access": data["access"],
        "refresh": data["refresh"],
        "token_type": "Bearer",
        "expires_in": int(settings.SIMPLE_JWT["ACCESS_TOKEN_LIFETIME"].total_seconds()),
    }


class _TokenView(APIView):
    authentication_classes = ()
    permission_classes = (AllowAny,)
    throttle_classes = (ClientAddressThrottle,)
    serializer_class: type[serializers.Serializer]

    def post(self, request: Request) -> Response:
        serializer = self.serializer_class(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        return Response(_token_pair(serializer.validated_data))


@extend_schema(tags=["auth"], request=TokenObtainPairSerializer, responses={200: TokenPair})
class LoginView(_TokenView):
    serializer_class = TokenObtainPairSerializer


@extend_schema(tags=["auth"], request=TokenRefreshSerializer, responses={200: TokenPair})
class RefreshView(_TokenView):
    """The refresh token sent is rotated out: it is blacklisted and a new one returned."""

    serializer_class = TokenRefreshSerializer


@extend_schema(tags=["auth"], request=TokenBlacklistSerializer, responses={204: None})
class LogoutView(APIView):
    permission_classes = (IsAuthenticated,)

    def post(self, request: Request) -> Response:
        serializer = TokenBlacklistSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        return Response(status=status.HTTP_204_NO_CONTENT)
