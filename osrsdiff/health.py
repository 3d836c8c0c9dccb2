"""Liveness and readiness for load balancers and orchestrators."""

from __future__ import annotations

import logging

from django.db import DatabaseError, connection
from django.http import JsonResponse
from django.views.decorators.http import require_GET

from api.handlers import error_response

from .celery import app as celery_app

logger = logging.getLogger(__name__)


@require_GET
def health(request):
    return JsonResponse({"status": "ok"})


def _database_error() -> str | None:
    try:
        connection.ensure_connection()
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception as exc:  # any failure means "not ready"; the reason is reported
        # Django drops the broken connection when the request finishes.
        return str(exc) or exc.__class__.__name__
    return None


def _broker_error() -> str | None:
    try:
        with celery_app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, interval_start=0, timeout=2)
    except Exception as exc:
        return str(exc) or exc.__class__.__name__
    return None


def _is_staff(request) -> bool:
    """Staff signed in (the admin's session). With the database down no one can be
    told apart, so no one is."""
    try:
        return request.user.is_staff
    except DatabaseError:
        return False


@require_GET
def ready(request):
    problems = {
        name: error
        for name, error in (("database", _database_error()), ("broker", _broker_error()))
        if error
    }
    if problems:
        logger.warning("not ready", extra={"problems": problems})
        # The reasons can name hosts, ports and users: only staff see them (the
        # log has them); anyone else learns which component is down, nothing more.
        details = problems if _is_staff(request) else dict.fromkeys(problems, "unavailable")
        return error_response(503, "service_unavailable", "A dependency is unavailable.", details)
    return JsonResponse({"status": "ready", "database": "ok", "broker": "ok"})
