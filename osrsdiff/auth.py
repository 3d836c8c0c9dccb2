"""Login, refresh and logout with JWTs (docs/api.md, "Auth"); the access tokens
they hand out are authenticated by osrsdiff.authentication.

Guessing is held back twice: every call is throttled per client address
(api.addresses), and login failures lock a username or an address out for a
while (osrsdiff.lockout).

"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import exceptions, serializers, status
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

from api.addresses import client_address

from .lockout import locked_out_error


class ClientAddressThrottle(SimpleRateThrottle):
    """Counts per client address, signed in or not: these endpoints are where
    passwords and refresh tokens get guessed."""

    scope = "auth"

    def get_rate(self) -> str:
        return settings.AUTH_THROTTLE_RATE

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": client_address(request)}


class LoginSerializer(TokenObtainPairSerializer):
    """simplejwt's, with the username bounded as the user model bounds it (a longer
    one names nobody, and the lockout stores the name as typed)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        max_length = get_user_model()._meta.get_field(self.username_field).max_length
        self.fields[self.username_field] = serializers.CharField(
            write_only=True, max_length=max_length
        )


class RefreshSerializer(TokenRefreshSerializer):
    """simplejwt's, with a deleted user's token refused like a deactivated one's
    (simplejwt looks the user up with `.get()` and lets DoesNotExist through)."""

    def validate(self, attrs):
        try:
            return super().validate(attrs)
        except get_user_model().DoesNotExist:
            raise exceptions.AuthenticationFailed(
                self.error_messages["no_active_account"], "no_active_account"
            ) from None


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


_401 = OpenApiResponse(description="authentication_failed: wrong credentials or token.")
_422 = OpenApiResponse(description="validation_error: a field is missing or malformed.")


@extend_schema(
    tags=["auth"],
    request=LoginSerializer,
    responses={
        200: TokenPair,
        401: _401,
        422: _422,
        429: OpenApiResponse(
            description="throttled (too many calls from this address) or locked_out "
            "(too many failed logins for this username or from this address)."
        ),
    },
)
class LoginView(_TokenView):
    serializer_class = LoginSerializer

    def post(self, request: Request) -> Response:
        try:
            return super().post(request)
        except exceptions.AuthenticationFailed:
            # django-axes marks the request it refused, or whose failure reached the limit.
            if getattr(request, "axes_locked_out", False):
                raise locked_out_error(request, request.axes_credentials) from None
            raise


@extend_schema(
    tags=["auth"],
    request=RefreshSerializer,
    responses={
        200: TokenPair,
        401: _401,
        422: _422,
        429: OpenApiResponse(description="throttled: too many calls from this address."),
    },
)
class RefreshView(_TokenView):
    """The refresh token sent is rotated out: it is blacklisted and a new one returned."""

    serializer_class = RefreshSerializer


@extend_schema(tags=["auth"], request=TokenBlacklistSerializer, responses={204: None, 422: _422})
class LogoutView(APIView):
    permission_classes = (IsAuthenticated,)

    def post(self, request: Request) -> Response:
        serializer = TokenBlacklistSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        return Response(status=status.HTTP_204_NO_CONTENT)
