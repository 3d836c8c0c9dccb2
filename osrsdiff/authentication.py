"""How an access token is authenticated (docs/api.md, "Auth").

Every API request carries a token, so authenticating it must cost little beside
the read it guards: the few columns of the user that authentication needs are
kept in the cache (USER_STATE_CACHE: where the cache is Redis; a cache in a
database table would cost the query it saves), dropped whenever the user is
saved or deleted (osrsdiff.apps), so that a deactivated or deleted user's token
is refused from their next request on. Only a change that bypasses the model's
signals (a bulk `update()`), or one made while another request was putting the
row it had just read back into the cache, may go unseen, for USER_STATE_SECONDS
at most.

Checking a token's signature costs more than the rest of authentication: each
process keeps the tokens it has verified (`_verified`), keyed by their exact
bytes, so a client's next request with the same token only checks its expiry
again. A token's validity depends on nothing but its bytes, the signing key and
the clock (access tokens are not blacklisted; revoking a user goes through the
user state above), so keeping it cannot accept a token that would be refused.
"""

from __future__ import annotations

import functools
import logging

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, DatabaseError
from drf_spectacular.contrib.rest_framework_simplejwt import SimpleJWTScheme
from redis import RedisError
from rest_framework import exceptions
from rest_framework_simplejwt.authentication import JWTAuthentication
from rest_framework_simplejwt.exceptions import InvalidToken, TokenError
from rest_framework_simplejwt.settings import api_settings
from rest_framework_simplejwt.tokens import Token
from rest_framework_simplejwt.utils import aware_utcnow

from api.conditional import keep_fetched, kept_keys

logger = logging.getLogger(__name__)

# What the cache raises when it is away (Redis in the full stack, a table on the
# embedded default): authentication then asks the database, as without it.
_CACHE_ERRORS = (RedisError, DatabaseError)
# The columns kept: what authentication and the permissions check. Any other
# field of the user is read from the database when something asks for it.
USER_STATE_FIELDS = frozenset({"id", "username", "is_active", "is_staff", "is_superuser"})
# Saving or deleting a user drops their entry at once; this bounds how long a
# change that bypasses the model's signals (a bulk `update()`) goes unseen.
USER_STATE_SECONDS = 60
# Tokens a process keeps verified: more than the clients one process serves
# within a token's lifetime (JWT_ACCESS_MINUTES), and a megabyte or two at most.
VERIFIED_TOKENS = 1024


def _user_state_key(user_id) -> str:
    # The columns are named in the key: a release that keeps others never reads
    # an entry of the release before.
    return f"auth:user:{','.join(_state_fields()[1])}:{user_id}"


class CachedUserJWTAuthentication(JWTAuthentication):
    """simplejwt's, with the user's few columns from the cache (one round trip)
    instead of a query per request. An unknown or inactive user is refused as
    simplejwt refuses them (401)."""

    def get_validated_token(self, raw_token: bytes) -> Token:
        token = _verified(raw_token)
        # Verified once, perhaps minutes ago: it may have expired since.
        try:
            token.check_exp(current_time=aware_utcnow())
        except TokenError:
            return super().get_validated_token(raw_token)  # refuses it in simplejwt's words
        return token

    def authenticate(self, request):
        # simplejwt's, with the request handed on to the user's lookup.
        header = self.get_header(request)
        raw_token = None if header is None else self.get_raw_token(header)
        if raw_token is None:
            return None
        validated_token = self.get_validated_token(raw_token)
        return self._user(validated_token, request), validated_token

    def get_user(self, validated_token):
        return self._user(validated_token, None)

    def _user(self, validated_token, request):
        try:
            user_id = validated_token[self._user_id_claim()]
        except KeyError:
            raise InvalidToken("Token contained no recognizable user identification") from None
        model, fields = _state_fields()
        kept = settings.USER_STATE_CACHE
        values = _kept_state(user_id, request) if kept else None
        if values is None:
            values = model.objects.filter(pk=user_id).values_list(*fields).first()
            if values is None:
                raise exceptions.AuthenticationFailed("User not found", code="user_not_found")
            if kept:
                _cache_call(cache.set, _user_state_key(user_id), values, USER_STATE_SECONDS)
        # As a query would give it, with every other field deferred (read on use).
        user = model.from_db(DEFAULT_DB_ALIAS, fields, values)
        if not user.is_active:
            raise exceptions.AuthenticationFailed("User is inactive", code="user_inactive")
        return user

    @staticmethod
    def _user_id_claim() -> str:
        return api_settings.USER_ID_CLAIM


class CachedUserJWTScheme(SimpleJWTScheme):
    """The same bearer scheme in the OpenAPI schema as simplejwt's own."""

    target_class = "osrsdiff.authentication.CachedUserJWTAuthentication"


def _kept_state(user_id, request):
    """The user's kept columns; for a conditional read, with the body and stamps it
    will look for, in one round trip (api.conditional, "kept_keys")."""
    key = _user_state_key(user_id)
    read_keys = [] if request is None else kept_keys(request)
    if not read_keys:
        return _cache_call(cache.get, key)
    found = _cache_call(cache.get_many, [key, *read_keys])
    if found is None:
        return None  # the cache is away: the view finds it so too
    keep_fetched(request, read_keys, found)
    return found.get(key)


@functools.lru_cache(maxsize=VERIFIED_TOKENS)
def _verified(raw_token: bytes) -> Token:
    """simplejwt's check of a token's signature and claims. A token it refuses
    raises, and is not kept."""
    return JWTAuthentication().get_validated_token(raw_token)


@functools.cache
def _state_fields():
    # In the model's own column order: what `Model.from_db` expects.
    model = get_user_model()
    fields = [f.attname for f in model._meta.concrete_fields if f.attname in USER_STATE_FIELDS]
    return model, tuple(fields)


def forget_user_state(sender, instance, **kwargs) -> None:
    """Connected to the user model's post_save and post_delete (osrsdiff.apps)."""
    if settings.USER_STATE_CACHE:
        _cache_call(cache.delete, _user_state_key(instance.pk))


def _cache_call(operation, *args):
    try:
        return operation(*args)
    except _CACHE_ERRORS:
        logger.warning("user state cache unavailable", exc_info=True)
        return None
