"""The players: added and changed through the tracking services (the forms in
`player_forms`), with their latest records, fetch attempts and charts."""

from __future__ import annotations

from django.contrib import admin, messages
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from ..errors import FetchedTooRecently, QueueUnavailable
from ..models import Player
from ..records import HiscoreRecord
from ..scheduling import rhythm_bucket, rhythm_changes_per_day
from ..tracking import player_fetch_now, player_untrack, player_update
from .player_charts import chart_context
from .player_forms import PlayerAddForm, PlayerChangeForm

RECENT_RECORDS = 10
RECENT_ATTEMPTS = 20


@admin.register(Player)
class PlayerAdmin(admin.ModelAdmin):
    list_display = [
        "username",
        "game_mode",
        "status",
        "is_active",
        "fetch_interval_minutes",
        "next_fetch_at",
        "next_fetch_reason",
        "last_fetched",
        "total_level",
        "total_experience",
    ]
    list_filter = ["status", "is_active", "game_mode", "next_fetch_reason", "pinned"]
    search_fields = ["username", "username_key"]
    list_select_related = ["latest_record"]
    show_full_result_count = False
    actions = ["fetch_now", "activate", "deactivate"]
    form = PlayerChangeForm
    add_form = PlayerAddForm
    add_fieldsets = [(None, {"fields": ["username", "game_mode", "fetch_interval_minutes"]})]
    # Once added, staff change the schedule; the rest is the scheduler's and the
    # fetches' to write (the claim, the status, the latest record).
    fieldsets = [
        (None, {"fields": ["username", "username_key", "game_mode", "created_at"]}),
        (
            "Schedule",
            {
                "fields": [
                    "is_active",
                    "fetch_interval_minutes",
                    "pinned",
                    "fetch_at",
                    "next_fetch",
                    "rhythm",
                    "last_fetched",
                ]
            },
        ),
        (
            "Fetches",
            {
                "fields": [
                    "status",
                    "status_reason",
                    "failure_count",
                    "not_found_count",
                    "fetch_claimed_until",
                    "last_changed_at",
                ]
            },
        ),
        (None, {"fields": ["recent_records", "recent_fetch_attempts"]}),
    ]
    readonly_fields = [
        "username",
        "username_key",
        "game_mode",
        "created_at",
        "next_fetch",
        "rhythm",
        "last_fetched",
        "last_changed_at",
        "status",
        "status_reason",
        "failure_count",
        "not_found_count",
        "fetch_claimed_until",
        "recent_records",
        "recent_fetch_attempts",
    ]

    def get_queryset(self, request):
        # Archived players have their own, read-only page (ArchivedPlayerAdmin).
        return super().get_queryset(request).filter(archived=False)

    def get_fieldsets(self, request, obj=None):
        return self.fieldsets if obj else self.add_fieldsets

    def get_readonly_fields(self, request, obj=None):
        return self.readonly_fields if obj else []

    def get_form(self, request, obj=None, **kwargs):
        if obj is not None:
            return super().get_form(request, obj, **kwargs)
        form = super().get_form(request, obj, form=self.add_form, **kwargs)
        form.added_by = request.user  # the class is made for this request
        return form

    def add_view(self, request, form_url="", extra_context=None):
        # Not in the admin's usual request-wide transaction: `player_track` waits
        # for the hiscores (seconds) and commits on its own, and a transaction held
        # open meanwhile would hold SQLite's write lock from every worker.
        return self._changeform_view(request, None, form_url, extra_context)

    def save_model(self, request, obj, form, change):
        pass  # Both forms have written through the services while validating.

    def delete_model(self, request, obj):
        player_untrack(player=obj)

    def delete_queryset(self, request, queryset):
        for player in queryset:
            player_untrack(player=player)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None and obj.pk is not None:
            context.update(chart_context(obj, now=timezone.now()))
        return super().render_change_form(request, context, add, change, form_url, obj)

    @admin.display(description="Next fetch")
    def next_fetch(self, player: Player):
        return format_html(
            "{} because of its {}{}",
            player.next_fetch_at,
            player.get_next_fetch_reason_display(),
            f" (deadline {player.fetch_deadline:%Y-%m-%d %H:%M} UTC)"
            if player.fetch_deadline
            else "",
        )

    @admin.display(description="Learned rhythm")
    def rhythm(self, player: Player):
        per_day = rhythm_changes_per_day(player)
        return f"{per_day:.2f} changes a day ({rhythm_bucket(per_day)})"

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
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            (
                (
                    r.fetched_at,
                    r.last_checked_at,
                    r.overall_level,
                    f"{r.overall_experience or 0:,}",
                    r.get_game_mode_display(),
                    "held (flagged)" if r.flagged else "",
                )
                for r in records
            ),
        )
        return format_html(
            "<table><tr><th>First seen</th><th>Last confirmed</th><th>Total level</th>"
            "<th>Total XP</th><th>Table</th><th>Counted</th></tr>{}</table>",
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
