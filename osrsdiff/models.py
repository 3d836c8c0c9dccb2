"""API keys: long-lived credentials a user makes for a bot or a script (docs/api.md,
"API keys"). Only a hash of each key is stored; the key itself is shown once.
Revoking a key deletes it (`osrsdiff.keys.key_revoke`), so the library's
`revoked` flag stays false."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from rest_framework_api_key.models import AbstractAPIKey, BaseAPIKeyManager


class ApiKeyManager(BaseAPIKeyManager):
    def assign_key(self, obj: ApiKey) -> str:
        # The library would make the primary key "<prefix>.<hash>"; ours is a plain
        # number, so that a key's URL is short and shows nothing of its hash.
        key, prefix, hashed_key = self.key_generator.generate()
        obj.prefix, obj.hashed_key = prefix, hashed_key
        return key

    def get_usable_keys(self):
        # A key is looked up to authenticate its owner: one query for both.
        return super().get_usable_keys().select_related("owner")


class ApiKey(AbstractAPIKey):
    """A key acts as its owner: every request made with it is the owner's."""

    id = models.BigAutoField(primary_key=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_keys"
    )

    objects = ApiKeyManager()

    class Meta(AbstractAPIKey.Meta):
        verbose_name = "API key"
        verbose_name_plural = "API keys"
