"""What a locked-out login is told, on the API and in the admin (docs/operations.md,
"Brute force and lockouts").

django-axes does the counting: its back end stands first in AUTHENTICATION_BACKENDS
and refuses a username or a client address (api.addresses) that failed too often
lately, before any password is checked. Both doors call Django's `authenticate`
with the request, the API's login view (osrsdiff.auth) and the admin's login form,
so both are counted and both are refused. This module only words the refusal:
the contract's 429 on the API, a page in the admin, each with Retry-After.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_cool_off, get_failure_limit
from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from api.errors import TooManyRequests


class LockedOut(TooManyRequests):
    error_code = "locked_out"
    default_detail = "Too many failed logins for this username or from this address."


def seconds_until_unlocked(request: HttpRequest, credentials: dict | None) -> int:
    """When the oldest failure that still completes the limit leaves the window.

    axes keeps one row per (username, address, user agent) with its failure count
    and the time of its last failure; a username or an address is locked while
    its rows of the last cool-off add up to the limit."""
    cool_off = get_cool_off(request)
    limit = get_failure_limit(request, credentials)
    now = timezone.now()
    unlocked_at: datetime = now
    for attempts in AxesProxyHandler.get_implementation().get_user_attempts(request, credentials):
        failures = 0
        newest_first = attempts.order_by("-attempt_time").values_list(
            "failures_since_start", "attempt_time"
        )
        for count, attempt_time in newest_first[:limit]:
            failures += count
            if failures >= limit:
                unlocked_at = max(unlocked_at, attempt_time + cool_off)
                break
    return max(1, math.ceil((unlocked_at - now).total_seconds()))


def locked_out_error(request: HttpRequest, credentials: dict | None) -> LockedOut:
    retry_after = seconds_until_unlocked(request, credentials)
    return LockedOut(retry_after=retry_after, details={"retry_after": retry_after})


def lockout_page(
    request: HttpRequest, original_response: HttpResponse | None, credentials: dict | None
) -> HttpResponse:
    """AXES_LOCKOUT_CALLABLE: axes' middleware answers a refused admin login with this."""
    retry_after = seconds_until_unlocked(request, credentials)
    context = {
        **admin.site.each_context(request),
        "title": "Sign-in paused",
        "minutes": math.ceil(retry_after / 60),
        "retry_at": timezone.now() + timedelta(seconds=retry_after),
    }
    response = render(request, "admin/locked_out.html", context, status=429)
    response["Retry-After"] = str(retry_after)
    return response
