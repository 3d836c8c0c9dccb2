"""The admin for staff, tuned for big tables: nothing here counts the whole history.

It writes as the API does, through the services in `players.tracking`: adding a
player is `player_track`, saving one is `player_update`, deleting is `player_untrack`.
Flags are resolved through `players.flags`; archived players and game-mode changes
are read-only (docs/api.md, "Flags" and "Game modes").
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.html import format_html, format_html_join

from hiscores import catalogue
from hiscores.modes import GameMode
from hiscores.usernames import InvalidUsername

from .deadlines import staff_fetch_at
from .errors import (
    FetchedTooRecently,
    FlagAlreadyResolved,
    HiscoresUnreachable,
    IntervalOutOfBounds,
    NameChangeBlocked,
    NameChangeResolved,
    PlayerAlreadyTracked,
    PlayerNotOnHiscores,
    QueueUnavailable,
)
from .flags import flag_preview, flag_resolve_name_transfer, flag_resolve_rollback
from .models import (
    ArchivedPlayer,
    FetchAttempt,
    FlagKind,
    FlagStatus,
    GameModeChange,
    NameChange,
    NameChangeStatus,
    Player,
    PlayerFlag,
)
from .records import HiscoreRecord
from .renames import name_change_approve, name_change_deny
from .scheduling import rhythm_bucket, rhythm_changes_per_day
from .tracking import (
    DETECT,
    player_fetch_at,
    player_fetch_now,
    player_track,
    player_untrack,
    player_update,
)

RECENT_RECORDS = 10
RECENT_ATTEMPTS = 20
# The change page's charts: a range staff choose (days back from now; "all" from
# the first record), at most CHART_POINTS points each; a month at first.
CHART_RANGES: dict[str, int | None] = {"day": 1, "week": 7, "month": 30, "year": 365, "all": None}
CHART_RANGE = "month"
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


class PlayerAddForm(forms.ModelForm):
    """Adds a player by calling `player_track` while the form validates: what the
    service refuses (a bad name, a name already tracked, one not on the hiscores,
    the hiscores down) is known only by asking, and so becomes a form error
    instead of a 500."""

    game_mode = forms.ChoiceField(
        choices=[*GameMode.choices, (DETECT, "Detect from the hiscores")],
        initial=GameMode.REGULAR,
        help_text="Detect asks up to four hiscores tables which ones know the account.",
    )

    # Who adds: PlayerAdmin.get_form sets it to the staff member asking.
    added_by = None

    class Meta:
        model = Player
        fields = ["username", "game_mode", "fetch_interval_minutes"]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if self.errors:
            return data
        try:
            self.instance = player_track(**data, added_by=self.added_by)
        except InvalidUsername as exc:
            self.add_error("username", str(exc))
        except (PlayerAlreadyTracked, PlayerNotOnHiscores) as exc:
            self.add_error("username", str(exc.detail))
        except IntervalOutOfBounds as exc:
            self.add_error("fetch_interval_minutes", exc.details["fetch_interval_minutes"])
        except HiscoresUnreachable as exc:
            self.add_error(None, f"{exc.detail} ({exc.details['reason']})")
        return data

    def _post_clean(self) -> None:
        # `player_track` is this form's model validation, and has saved the player;
        # the model alone would also refuse the "detect" choice.
        pass


class PlayerChangeForm(forms.ModelForm):
    """Changes the schedule by calling `player_update` while the form validates,
    as the add form tracks: the service checks the interval, and what it refuses
    becomes a form error. (The instance still holds the stored values here, which
    the service compares with the new ones to reschedule.)"""

    fetch_at = forms.DateTimeField(
        required=False,
        label="Fetch at",
        help_text="A deadline: the player is fetched within 10 minutes before it "
        "(UTC; empty for none).",
    )

    class Meta:
        model = Player
        fields = ["is_active", "fetch_interval_minutes", "pinned"]
        help_texts = {
            "fetch_interval_minutes": "The most often the player is fetched; "
            "exactly this often when pinned.",
            "pinned": "Fetch at the fixed interval above instead of the learned rhythm.",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None:
            self.fields["fetch_at"].initial = staff_fetch_at(self.instance)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if self.errors:
            return data
        fetch_at = data.pop("fetch_at", None)
        try:
            self.instance = player_update(player=self.instance, **data)
        except IntervalOutOfBounds as exc:
            self.add_error("fetch_interval_minutes", exc.details["fetch_interval_minutes"])
            return data
        if "fetch_at" in self.changed_data:
            self.instance = player_fetch_at(player=self.instance, at=fetch_at)
        return data

    def _post_clean(self) -> None:
        pass  # `player_update` has validated and saved.


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


def chart_context(player: Player, *, now: datetime) -> dict[str, Any]:
    """What `admin/players/player/change_form.html` draws its charts from: the
    skill and boss charts and the gains table fetch the history API in the
    browser (with the staff session); the overall XP series of each range is
    embedded, since the API's timelines are per skill or boss only. The first
    record's date lets the page fit "all" (and any range longer than the
    history) to the data."""
    first = HiscoreRecord.objects.filter(player=player).order_by("fetched_at")
    first_at = first.values_list("fetched_at", flat=True).first()
    return {
        "chart_history_url": reverse("player-history", kwargs={"username": player.username_key}),
        # The recent achievements and the chart's marks (players/player_achievements.js).
        "chart_achievements_url": reverse(
            "player-achievements", kwargs={"username": player.username_key}
        ),
        "chart_range": CHART_RANGE,
        "chart_ranges": [(name, name.capitalize()) for name in CHART_RANGES],
        "chart_first_at": first_at.isoformat() if first_at else "",
        "chart_skills": [(m.slug, m.name) for m in catalogue.SKILLS],
        "chart_bosses": [(m.slug, m.name) for m in catalogue.BOSSES],
        "chart_overall": {
            name: overall_timeline(player, now=now, days=days, first_at=first_at)
            for name, days in CHART_RANGES.items()
        },
    }


def overall_timeline(
    player: Player, *, now: datetime, days: int | None, first_at: datetime | None = None
) -> list[dict[str, Any]]:
    """Overall XP over the last `days` (None: since the first record): the latest
    CHART_POINTS records (one range read on the (player, fetched_at) index), led
    by the state at the window start when they reach back that far."""
    if first_at is None:
        return []
    start = now - timedelta(days=days) if days is not None else first_at - timedelta(seconds=1)
    records = HiscoreRecord.objects.filter(player=player).order_by("-fetched_at")
    rows = list(
        records.filter(fetched_at__gt=start, fetched_at__lte=now).values_list(
            "fetched_at", "overall_experience"
        )[:CHART_POINTS]
    )
    rows.reverse()
    if len(rows) < CHART_POINTS and first_at <= start:
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
        "game_mode",
        "flagged",
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


@admin.register(PlayerFlag)
class PlayerFlagAdmin(admin.ModelAdmin):
    """Flagged players: the evidence, what each resolution would do, and a
    confirmation page for each (`players.flags` does the work)."""

    list_display = ["player", "kind", "status", "created_at", "falls", "impossible_gains"]
    list_filter = ["status", "kind"]
    list_select_related = ["player"]
    search_fields = ["player__username_key"]
    ordering = ["status", "-created_at"]
    fields = [
        "player",
        "kind",
        "status",
        "created_at",
        "evidence_table",
        "choices",
        "resolution",
        "resolved_at",
        "resolved_by",
        "archived_player",
    ]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="Values that fell")
    def falls(self, flag: PlayerFlag):
        return len(flag.evidence.get("falls", {}))

    @admin.display(description="Impossible gains")
    def impossible_gains(self, flag: PlayerFlag):
        return len(flag.evidence.get("impossible_gains", {}))

    @admin.display(description="Evidence")
    def evidence_table(self, flag: PlayerFlag):
        evidence = flag.evidence
        falls = format_html_join(
            "",
            "<tr><td>{}</td><td>fell</td><td>{}</td><td>{}</td></tr>",
            (
                (m, f"{v['before']:,}", f"{v['after']:,}")
                for m, v in evidence.get("falls", {}).items()
            ),
        )
        gains = format_html_join(
            "",
            "<tr><td>{}</td><td>gained too fast</td><td>{}</td><td>at most {}</td></tr>",
            (
                (m, f"{v['gained']:,}", f"{v['allowed']:,}")
                for m, v in evidence.get("impossible_gains", {}).items()
            ),
        )
        return format_html(
            "<p>Answer first seen {}, {} hour(s) after the last counted state was confirmed."
            " Could follow the earlier state of: {}.</p>"
            "<table><tr><th>Metric</th><th>Sign</th><th>Before / gained</th>"
            "<th>After / allowed</th></tr>{}{}</table>",
            evidence.get("record_at", "?"),
            evidence.get("hours_elapsed", "?"),
            evidence.get("could_follow_record_at") or "none",
            falls,
            gains,
        )

    @admin.display(description="Resolve")
    def choices(self, flag: PlayerFlag):
        if flag.status != FlagStatus.OPEN:
            return "Resolved."
        preview = flag_preview(flag=flag)
        items = [
            (FlagKind.ROLLBACK, preview.rollback()),
            (FlagKind.NAME_TRANSFER, preview.name_transfer(flag.player.username)),
        ]
        return format_html_join(
            "",
            '<p><a class="button" href="{}">{}</a>{} {}</p>',
            (
                (
                    reverse("admin:players_playerflag_resolve", args=[flag.pk, kind]),
                    kind.label,
                    " (suggested)" if kind == flag.kind else "",
                    text,
                )
                for kind, text in items
            ),
        )

    def get_urls(self):
        resolve = self.admin_site.admin_view(self.resolve_view)
        return [
            path("<int:flag_id>/resolve/<str:kind>/", resolve, name="players_playerflag_resolve"),
            *super().get_urls(),
        ]

    def resolve_view(self, request, flag_id: int, kind: str):
        """GET: what this resolution does; POST: do it."""
        flag = get_object_or_404(PlayerFlag.objects.select_related("player"), pk=flag_id)
        if not self.has_change_permission(request, flag):
            raise PermissionDenied
        if kind not in FlagKind.values:
            raise Http404("No such resolution.")
        change_url = reverse("admin:players_playerflag_change", args=[flag.pk])
        if request.method == "POST":
            resolve = (
                flag_resolve_rollback if kind == FlagKind.ROLLBACK else flag_resolve_name_transfer
            )
            try:
                resolve(flag=flag, resolved_by=request.user)
            except FlagAlreadyResolved:
                self.message_user(request, "That flag was already resolved.", messages.WARNING)
            else:
                self.message_user(request, f"Resolved as {FlagKind(kind).label}.")
            return redirect(change_url)
        preview = flag_preview(flag=flag)
        text = (
            preview.rollback()
            if kind == FlagKind.ROLLBACK
            else preview.name_transfer(flag.player.username)
        )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": f"Resolve the flag on {flag.player} as {FlagKind(kind).label}?",
            "flag": flag,
            "preview": text,
            "open": flag.status == FlagStatus.OPEN,
            "change_url": change_url,
        }
        return TemplateResponse(request, "admin/players/playerflag/resolve.html", context)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ArchivedPlayer)
class ArchivedPlayerAdmin(ReadOnlyAdmin):
    """The history of an account that no longer owns its name: read-only, never
    collected, listed or ranked."""

    list_display = ["username", "game_mode", "created_at"]
    search_fields = ["username"]
    fields = ["username", "game_mode", "created_at", "archived_from", "recent_records"]
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).filter(archived=True)

    @admin.display(description="Archived by")
    def archived_from(self, player: Player):
        flag = PlayerFlag.objects.filter(archived_player=player).select_related("player").first()
        if flag is None:
            return None
        url = reverse("admin:players_playerflag_change", args=[flag.pk])
        return format_html('<a href="{}">the name transfer flag on {}</a>', url, flag.player)

    recent_records = PlayerAdmin.recent_records


@admin.register(GameModeChange)
class GameModeChangeAdmin(ReadOnlyAdmin):
    list_display = ["player", "kind", "from_mode", "to_mode", "changed_after", "changed_before"]
    list_filter = ["kind"]
    list_select_related = ["player"]
    search_fields = ["player__username_key"]


@admin.register(NameChange)
class NameChangeAdmin(admin.ModelAdmin):
    """Name changes with the automatic review's reasons and evidence. Staff approve
    or deny through `players.renames`, as the API does; nothing here saves a model."""

    list_display = [
        "old_name",
        "new_name",
        "status",
        "player",
        "first_reason",
        "created_at",
        "resolved_at",
        "resolved_by",
    ]
    list_filter = ["status"]
    search_fields = ["old_key", "new_key"]
    list_select_related = ["player", "resolved_by"]
    actions = ["approve", "deny"]
    fields = [
        "old_name",
        "new_name",
        "status",
        "player",
        "review",
        "requested_by",
        "created_at",
        "resolved_by",
        "resolved_at",
    ]
    readonly_fields = fields

    def has_add_permission(self, request) -> bool:
        return False  # requests come through the API, reviewed there

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # the audit trail of who a player was

    def save_model(self, request, obj, form, change):
        pass  # every field is read-only: the actions change what there is to change

    @admin.display(description="Review")
    def first_reason(self, change: NameChange) -> str:
        return change.reasons[0] if change.reasons else ""

    @admin.display(description="Review: reasons and evidence")
    def review(self, change: NameChange):
        reasons = format_html_join("", "<li>{}</li>", ((r,) for r in change.reasons))
        evidence = change.evidence or {}
        rows = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
            (
                (
                    d["metric"],
                    f"{d['before']:,}",
                    "unranked" if d["after"] is None else f"{d['after']:,}",
                )
                for d in evidence.get("went_down", [])
            ),
        )
        fast = format_html_join(
            "",
            "<tr><td>{}</td><td>+{}</td><td>{}</td></tr>",
            (
                (d["metric"], f"{d['gained']:,}", f"{d['allowed']:,}")
                for d in evidence.get("too_fast", [])
            ),
        )
        return format_html(
            "<ul>{}</ul><p>Hours between the old name's last record and the review: {}</p>"
            "<table><tr><th>Went down</th><th>Before</th><th>After</th></tr>{}</table>"
            "<table><tr><th>Too fast</th><th>Gained</th><th>At most</th></tr>{}</table>"
            "<p>Merged: {}</p>",
            reasons,
            evidence.get("elapsed_hours", "-"),
            rows,
            fast,
            evidence.get("merged") or "nothing",
        )

    @admin.action(description="Approve (rename the player)")
    def approve(self, request, queryset):
        self._resolve(request, queryset, name_change_approve, "Approved")

    @admin.action(description="Deny")
    def deny(self, request, queryset):
        self._resolve(request, queryset, name_change_deny, "Denied")

    def _resolve(self, request, queryset, service, done: str) -> None:
        count = 0
        for change in queryset.filter(status=NameChangeStatus.PENDING).order_by("created_at"):
            try:
                service(name_change_id=change.pk, by=request.user)
                count += 1
            except (NameChangeBlocked, NameChangeResolved) as exc:
                self.message_user(request, f"{change}: {exc.detail}", messages.WARNING)
        self.message_user(request, f"{done} {count} name change(s).")
