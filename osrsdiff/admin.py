"""The staff dashboard (`/admin/dashboard/`), added to the default admin site and
linked from its index."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import admin
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.urls import URLPattern, URLResolver, path
from django.utils import timezone

from players.models import FetchOutcome

from .dashboard import service_overview


def dashboard_view(request: HttpRequest) -> TemplateResponse:
    overview = service_overview(timezone.now())
    backlog, capacity = overview["backlog"], overview["capacity"]
    context = {
        **admin.site.each_context(request),
        "title": "Service dashboard",
        "overview": overview,
        "fetch_rows": [
            (outcome, label, overview["fetches_last_hour"][outcome])
            for outcome, label in FetchOutcome.choices
        ],
        "shown": {
            "most_overdue": duration(backlog["most_overdue_seconds"]),
            "clear": duration(backlog["clear_seconds"]),
            "serve_everyone": duration(capacity["serve_everyone_seconds"]),
            "utilisation": percent(capacity["utilisation"]),
        },
    }
    return TemplateResponse(request, "admin/dashboard.html", context)


def duration(seconds: float | None) -> str:
    """`2 d 3 h`, `5 min`, `12 s`: the largest unit and the next, for people."""
    if seconds is None:
        return "-"
    rest = max(0, round(seconds))
    counts = []
    for unit, size in (("d", 86_400), ("h", 3_600), ("min", 60), ("s", 1)):
        count, rest = divmod(rest, size)
        counts.append((count, unit))
    first = next((i for i, (count, _) in enumerate(counts) if count), len(counts) - 1)
    shown = [counts[first], *(c for c in counts[first + 1 : first + 2] if c[0])]
    return " ".join(f"{count} {unit}" for count, unit in shown)


def percent(ratio: float | None) -> str:
    return "-" if ratio is None else f"{ratio * 100:.1f} %"


def _with_dashboard(
    get_urls: Callable[[], list[URLPattern | URLResolver]],
) -> Callable[[], list[URLPattern | URLResolver]]:
    def urls() -> list[URLPattern | URLResolver]:
        # admin_view: staff only (others go to the login page), never cached.
        dashboard = path("dashboard/", admin.site.admin_view(dashboard_view), name="dashboard")
        return [dashboard, *get_urls()]

    return urls


# The project uses Django's default site (`django.contrib.admin` in INSTALLED_APPS);
# extending it here, when the admin autodiscovers this module, spares swapping in
# a site subclass. The URLs are read later, when `osrsdiff.urls` is first loaded.
admin.site.get_urls = _with_dashboard(admin.site.get_urls)
admin.site.index_template = "admin/osrsdiff_index.html"
