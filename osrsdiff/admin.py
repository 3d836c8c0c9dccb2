"""The staff dashboard (`/admin/dashboard/`), added to the default admin site and
linked from its index; and the API keys, which staff see and revoke here."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import admin, messages
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.urls import URLPattern, URLResolver, path
from django.utils import timezone
from rest_framework_api_key.models import APIKey

from players.models import FetchOutcome, FetchReason

from .dashboard import budget_overview, service_overview
from .keys import key_revoke
from .models import ApiKey


def dashboard_view(request: HttpRequest) -> TemplateResponse:
    overview = service_overview(timezone.now())
    backlog, capacity = overview["backlog"], overview["capacity"]
    fetches = overview["fetches_last_hour"]
    rows = [(outcome, label, fetches[outcome]) for outcome, label in FetchOutcome.choices]
    budget = budget_overview(timezone.now())
    by_reason = budget["by_reason"]
    context = {
        **admin.site.each_context(request),
        "title": "Service dashboard",
        "overview": overview,
        # Deferrals made no request: shown apart, below the total they are not part of.
        "fetch_rows": [row for row in rows if row[0] != FetchOutcome.DEFERRED],
        "deferred_rows": [row for row in rows if row[0] == FetchOutcome.DEFERRED],
        "budget": budget,
        # Reason, label, fetches, share that found a change: the last 24 hours.
        "budget_rows": [
            (
                reason,
                label,
                by_reason[reason]["fetches"],
                percent(by_reason[reason]["changed_share"]),
            )
            for reason, label in FetchReason.choices
        ],
        "budget_hours": [
            (
                row["hour"],
                [row["fetches"][reason] for reason in budget["reasons"]],
                row["total"],
                percent(row["changed"] / row["total"] if row["total"] else None),
            )
            for row in budget["hours"]
        ],
        "budget_changed": percent(by_reason["total"]["changed_share"]),
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


# The library's own key model is not used (ours has an owner): hide its admin.
admin.site.unregister(APIKey)


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    """Every key of every user, read-only: keys are made by their owners (POST
    /api/keys) and revoked, here as there, through `key_revoke`."""

    list_display = ["prefix", "name", "owner", "created"]
    list_filter = ["created"]
    search_fields = ["name", "prefix", "owner__username"]
    list_select_related = ["owner"]
    fields = ["prefix", "name", "owner", "created"]
    readonly_fields = fields
    actions = ["revoke"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)  # `revoke` says what it does
        return actions

    @admin.action(
        description="Revoke the selected keys (they stop working at once)", permissions=["delete"]
    )
    def revoke(self, request, queryset) -> None:
        count = len(queryset)
        self.delete_queryset(request, queryset)
        self.message_user(request, f"Revoked {count} key(s).", messages.SUCCESS)

    def delete_model(self, request, obj: ApiKey) -> None:
        key_revoke(api_key=obj, by=request.user)

    def delete_queryset(self, request, queryset) -> None:
        for api_key in queryset:
            key_revoke(api_key=api_key, by=request.user)
