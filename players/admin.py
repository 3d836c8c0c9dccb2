"""The admin for staff, tuned for big tables: nothing here counts the whole history."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.contrib import admin, messages
from django.core.paginator import Paginator
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.html import format_html, format_html_join

from hiscores import catalogue
from hiscores.models import HiscoreRecord

from .errors import FetchedTooRecently, QueueUnavailable
from .models import FetchAttempt, Player
from .tracking import player_fetch_now, player_update

RECENT_RECORDS = 10
RECENT_ATTEMPTS = 20
# The change page's charts: the last CHART_DAYS, at most CHART_POINTS points.
CHART_DAYS = 30
CHART_POINTS = 200


class BoundedCountPaginator(Paginator):
    """Counts at most COUNT_LIMIT rows: a `COUNT(*)` over millions of history rows
    would make every changelist page slow."""

    COUNT_LIMIT = 10_000

    @cached_property
    def count(self) -> int:
        return self.object_list[: self.COUNT_LIMIT].count()


class BigTableAdmin(admin.ModelAdmin):
    paginator = BoundedCountPaginator
    show_full_result_count = False
    list_per_page = 50


@admin.register(Player)
class PlayerAdmin(admin.ModelAdmin):
    list_display = [
        "username",
        "game_mode",
        "status",
        "is_active",
        "fetch_interval_minutes",
        "last_fetched",
        "total_level",
        "total_experience",
    ]
    list_filter = ["status", "is_active", "game_mode"]
    search_fields = ["username", "username_key"]
    list_select_related = ["latest_record"]
    show_full_result_count = False
    actions = ["fetch_now", "activate", "deactivate"]
    readonly_fields = [
        "username_key",
        "created_at",
        "last_fetched",
        "last_changed_at",
        "status",
        "failure_count",
        "fetch_claimed_until",
        "recent_records",
        "recent_fetch_attempts",
    ]
    exclude = ["latest_record"]

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None and obj.pk is not None:
            context.update(chart_context(obj, now=timezone.now()))
        return super().render_change_form(request, context, add, change, form_url, obj)

    @admin.display(description="Total level", ordering="latest_record__overall_level")
    def total_level(self, player: Player):
        return player.latest_record.overall_level if player.latest_record else None

    @admin.display(description="Total XP", ordering="latest_record__overall_experience")
    def total_experience(self, player: Player):
        record = player.latest_record
        return f"{record.overall_experience:,}" if record and record.overall_experience else None

    @admin.display(description="Latest records")
    def recent_records(self, player: Player):
        records = HiscoreRecord.objects.filter(player=player).order_by("-fetched_at")[
            :RECENT_RECORDS
        ]
        rows = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            (
                (r.fetched_at, r.last_checked_at, r.overall_level, f"{r.overall_experience or 0:,}")
                for r in records
            ),
        )
        return format_html(
            "<table><tr><th>First seen</th><th>Last confirmed</th><th>Total level</th>"
            "<th>Total XP</th></tr>{}</table>",
            rows,
        )

    @admin.display(description="Recent fetch attempts")
    def recent_fetch_attempts(self, player: Player):
        attempts = player.fetch_attempts.order_by("-started_at")[:RECENT_ATTEMPTS]
        rows = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{} ms</td><td>{}</td></tr>",
            (
                (
                    a.started_at,
                    a.get_outcome_display(),
                    a.http_status or "",
                    a.duration_ms,
                    a.message,
                )
                for a in attempts
            ),
        )
        return format_html(
            "<table><tr><th>Started</th><th>Outcome</th><th>HTTP</th><th>Took</th>"
            "<th>Message</th></tr>{}</table>",
            rows,
        )

    @admin.action(description="Fetch now")
    def fetch_now(self, request, queryset):
        queued, skipped = 0, 0
        for player in queryset:
            try:
                player_fetch_now(player=player)
                queued += 1
            except FetchedTooRecently:
                skipped += 1
            except QueueUnavailable:
                self.message_user(request, "The task queue is unavailable.", messages.ERROR)
                return
        self.message_user(request, f"Queued {queued} fetch(es); {skipped} fetched too recently.")

    @admin.action(description="Activate")
    def activate(self, request, queryset):
        for player in queryset:
            player_update(player=player, is_active=True)
        self.message_user(request, f"Activated {queryset.count()} player(s).")

    @admin.action(description="Deactivate")
    def deactivate(self, request, queryset):
        for player in queryset:
            player_update(player=player, is_active=False)
        self.message_user(request, f"Deactivated {queryset.count()} player(s).")


def chart_context(player: Player, *, now: datetime) -> dict[str, Any]:
    """What `admin/players/player/change_form.html` draws its charts from: the
    skill and boss charts and the gains table fetch the history API in the
    browser (with the staff session); the overall XP series is embedded, since
    the API's timelines are per skill or boss only."""
    return {
        "chart_history_url": reverse("player-history", kwargs={"username": player.username_key}),
        "chart_days": CHART_DAYS,
        "chart_skills": [(m.slug, m.name) for m in catalogue.SKILLS],
        "chart_bosses": [(m.slug, m.name) for m in catalogue.BOSSES],
        "chart_overall": overall_timeline(player, now=now),
    }


def overall_timeline(player: Player, *, now: datetime) -> list[dict[str, Any]]:
    """Overall XP over the last CHART_DAYS: the latest CHART_POINTS records (one
    range read on the (player, fetched_at) index), led by the state at the window
    start when they reach back that far."""
    start = now - timedelta(days=CHART_DAYS)
    records = HiscoreRecord.objects.filter(player=player).order_by("-fetched_at")
    rows = list(
        records.filter(fetched_at__gt=start, fetched_at__lte=now).values_list(
            "fetched_at", "overall_experience"
        )[:CHART_POINTS]
    )
    rows.reverse()
    if len(rows) < CHART_POINTS:
        before = records.filter(fetched_at__lte=start).values_list("overall_experience")[:1]
        rows[:0] = [(start, experience) for (experience,) in before]
    return [{"at": at.isoformat(), "experience": experience} for at, experience in rows]


@admin.register(HiscoreRecord)
class HiscoreRecordAdmin(BigTableAdmin):
    list_display = [
        "player",
        "fetched_at",
        "last_checked_at",
        "overall_level",
        "overall_experience",
    ]
    list_select_related = ["player"]
    raw_id_fields = ["player"]
    date_hierarchy = None
    search_fields = ["player__username_key"]


@admin.register(FetchAttempt)
class FetchAttemptAdmin(BigTableAdmin):
    list_display = ["player", "started_at", "outcome", "http_status", "duration_ms", "message"]
    list_filter = ["outcome"]
    list_select_related = ["player"]
    raw_id_fields = ["player"]
    search_fields = ["player__username_key"]
