"""Housekeeping of the project's own tables, run daily by beat (seed_schedule)."""

from __future__ import annotations

from importlib import import_module

from celery import shared_task
from django.conf import settings
from django.utils import timezone
from rest_framework_simplejwt.token_blacklist.models import OutstandingToken


@shared_task(ignore_result=True)
def prune_expired_tokens() -> int:
    """Refresh tokens past their expiry, with their blacklist entries (which
    cascade): an expired token is refused anyway, so its row only grows the table.
    The same as simplejwt's `flushexpiredtokens`."""
    deleted, _ = OutstandingToken.objects.filter(expires_at__lte=timezone.now()).delete()
    return deleted


@shared_task(ignore_result=True)
def prune_expired_sessions() -> None:
    """Sessions past their expiry, by the session engine's own cleanup (what
    `manage.py clearsessions` runs)."""
    import_module(settings.SESSION_ENGINE).SessionStore.clear_expired()
