"""API keys for bots and scripts (docs/api.md, "API keys"): the services that make
and revoke them, the authentication that reads them and their throttle. The
endpoints are in `osrsdiff.keys_views`. (This module imports no DRF view: DRF
loads it from its settings while its views are being defined.)

A key is sent as `Authorization: Api-Key <key>` and acts as its owner: the API
sees the owner as `request.user`, so reads, user actions, roles and per-user
quotas all work as with the owner's JWT. Keys have a throttle of their own, per
key, on top of those.
"""

from __future__ import annotations

import logging
import re

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import QuerySet
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication
from rest_framework.request import Request
from rest_framework.throttling import SimpleRateThrottle
from rest_framework_api_key.permissions import KeyParser

from api.errors import Conflict

from .models import ApiKey

logger = logging.getLogger(__name__)

# What the key generator makes ("<prefix>.<secret>", letters and digits); anything
# else is refused before the database is asked.
_KEY_SHAPE = re.compile(r"[A-Za-z0-9]{1,32}\.[A-Za-z0-9]{1,128}")


class TooManyKeys(Conflict):
    error_code = "too_many_keys"
    default_detail = "You hold as many API keys as allowed; revoke one first."


def key_create(*, owner: AbstractBaseUser, name: str) -> tuple[ApiKey, str]:
    """A new key for `owner`, and the key itself: it is never available again.
    At most API_KEYS_PER_USER each, or keys would multiply the key throttle."""
    with transaction.atomic():
        # The owner's row is the lock: two requests cannot both take the last place.
        get_user_model().objects.select_for_update().get(pk=owner.pk)
        if ApiKey.objects.filter(owner=owner).count() >= settings.API_KEYS_PER_USER:
            raise TooManyKeys(details={"limit": settings.API_KEYS_PER_USER})
        api_key, key = ApiKey.objects.create_key(owner=owner, name=name)
    logger.info("api key created", extra={"key_prefix": api_key.prefix, "owner": owner.pk})
    return api_key, key


def key_revoke(*, api_key: ApiKey, by: AbstractBaseUser) -> None:
    """The key stops working at once: it is deleted, hash and all."""
    api_key.delete()
    logger.info(
        "api key revoked",
        extra={"key_prefix": api_key.prefix, "owner": api_key.owner_id, "by": by.pk},
    )


def keys_visible_to(user: AbstractBaseUser) -> QuerySet[ApiKey]:
    """Staff see every key, anyone else only their own."""
    keys = ApiKey.objects.select_related("owner")
    return keys if user.is_staff else keys.filter(owner=user)


class ApiKeyAuthentication(BaseAuthentication):
    def authenticate(self, request: Request) -> tuple[AbstractBaseUser, ApiKey] | None:
        key = KeyParser().get(request)
        if key is None:
            return None  # another scheme, or none: the other authentications decide
        if not _KEY_SHAPE.fullmatch(key):
            raise exceptions.AuthenticationFailed("The API key is malformed.")
        try:
            api_key = ApiKey.objects.get_from_key(key)
        except ApiKey.DoesNotExist:
            raise exceptions.AuthenticationFailed("The API key is unknown or revoked.") from None
        # Keys do not expire (the library's expiry_date stays empty): they are revoked.
        if not api_key.owner.is_active:
            raise exceptions.AuthenticationFailed("The API key's owner is no longer active.")
        return api_key.owner, api_key

    def authenticate_header(self, request: Request) -> str:
        return 'Api-Key realm="api"'


class ApiKeyThrottle(SimpleRateThrottle):
    """API_KEY_THROTTLE_RATE per key, on every endpoint (a default throttle class);
    requests made with a token or a session are not counted here."""

    scope = "api_key"

    def get_rate(self) -> str:
        return settings.API_KEY_THROTTLE_RATE

    def get_cache_key(self, request, view):
        if not isinstance(request.auth, ApiKey):
            return None
        return self.cache_format % {"scope": self.scope, "ident": request.auth.pk}
