from __future__ import annotations

from django.apps import AppConfig


class OsrsdiffConfig(AppConfig):
    name = "osrsdiff"

    def ready(self) -> None:
        from django.contrib.auth import get_user_model
        from django.db.models.signals import post_delete, post_save

        from .authentication import forget_user_state

        # A deactivated or deleted user's token is refused from the next request on.
        user = get_user_model()
        post_save.connect(forget_user_state, sender=user, dispatch_uid="forget_user_state")
        post_delete.connect(forget_user_state, sender=user, dispatch_uid="forget_user_state_del")
