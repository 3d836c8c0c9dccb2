"""Who is tracked, and when they are fetched next (their history is `records.py`)."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q

from hiscores.errors import Outcome
from hiscores.modes import GameMode

from .policy import Reason
from .records import HiscoreRecord

DEFAULT_FETCH_INTERVAL_MINUTES = 60


class FetchReason(models.TextChoices):
    """Why a player is fetched next (`players.policy.Reason`), for staff to read."""

    DEADLINE = Reason.DEADLINE.value, "deadline"
    MANUAL = Reason.MANUAL.value, "manual request"
    MAXIMUM_INTERVAL = Reason.MAXIMUM_INTERVAL.value, "maximum interval"
    PINNED = Reason.PINNED.value, "pinned interval"
    LEARNED = Reason.LEARNED.value, "learned rhythm"


class PlayerStatus(models.TextChoices):
    OK = "ok", "OK"
    NOT_FOUND = "not_found", "Not found"
    FAILING = "failing", "Failing"


class PlayerQuerySet(models.QuerySet):
    def by_key(self, username_key: str) -> PlayerQuerySet:
        return self.filter(username_key=username_key)

    def due_for_fetch(self, now: datetime) -> PlayerQuerySet:
        """Active players whose time has come and whom no worker holds a lease on,
        most overdue first (served by the (is_active, next_fetch_at) index)."""
        return (
            self.filter(is_active=True, next_fetch_at__lte=now)
            .filter(Q(fetch_claimed_until__isnull=True) | Q(fetch_claimed_until__lt=now))
            .order_by("next_fetch_at")
        )

    def in_flight(self, now: datetime) -> PlayerQuerySet:
        """Players claimed by the scheduler whose fetch has not finished yet."""
        return self.filter(fetch_claimed_until__gte=now)

    def update(self, **kwargs) -> int:
        """As QuerySet.update (bulk_update goes through it too), and reads kept
        from the columns written learn of it, as they do of a save."""
        # Imported here: players.conditional reads this module's Player.
        from .conditional import player_columns_written

        rows = super().update(**kwargs)
        if rows:
            player_columns_written(kwargs)
        return rows


class Player(models.Model):
    username = models.CharField(max_length=12)
    username_key = models.CharField(max_length=12, unique=True, editable=False)
    game_mode = models.CharField(max_length=20, choices=GameMode.choices, default=GameMode.REGULAR)
    created_at = models.DateTimeField(auto_now_add=True)
    last_fetched = models.DateTimeField(null=True, blank=True)
    last_changed_at = models.DateTimeField(null=True, blank=True)
    is_active = models.BooleanField(default=True)
    # Bounds (FETCH_INTERVAL_MIN/MAX_MINUTES): the tracking services check them.
    fetch_interval_minutes = models.PositiveIntegerField(default=DEFAULT_FETCH_INTERVAL_MINUTES)
    next_fetch_at = models.DateTimeField()
    # Set by the scheduler when it enqueues a fetch; a fetch that dies leaves it
    # to expire, and the player becomes due again.
    fetch_claimed_until = models.DateTimeField(null=True, blank=True)
    # The scheduling policy's state (players.policy, kept by players.recording):
    # why the next fetch is due, the learned rhythm, and what overrides it.
    next_fetch_reason = models.CharField(
        max_length=16, choices=FetchReason.choices, default=FetchReason.LEARNED
    )
    rhythm_changes = models.FloatField(default=1.0)
    rhythm_watched_days = models.FloatField(default=1.0)
    # 24 changes by hour of the day (UTC); empty until a change is learned.
    rhythm_hours = models.JSONField(default=list, blank=True)
    # Staff fixed the interval: fetched every `fetch_interval_minutes`, nothing learned.
    pinned = models.BooleanField(default=False)
    fetch_requested_at = models.DateTimeField(null=True, blank=True)
    # The earliest pending `FetchDeadline` (players.deadlines keeps it).
    fetch_deadline = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=PlayerStatus.choices, default=PlayerStatus.OK)
    failure_count = models.PositiveIntegerField(default=0)
    # Consecutive 404s: NOT_FOUND_ATTEMPTS of them make the player `not_found`.
    not_found_count = models.PositiveSmallIntegerField(default=0)
    # Why the player is not collected as usual, in words staff read in the admin
    # (empty while all is well).
    status_reason = models.TextField(blank=True)
    latest_record = models.ForeignKey(
        HiscoreRecord, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Who added the player: what the daily add quota counts (players.tracking).
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        editable=False,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # The old history of a name another account took over (a resolved name
    # transfer): kept for staff, read-only, never collected, listed or ranked. Its
    # key is `ARCHIVED_KEY_PREFIX` + the flag's id, which no name normalises to.
    archived = models.BooleanField(default=False, editable=False)
    # When the collector last asked every table which game mode the account plays
    # (players.game_modes): at most once a week per player.
    modes_checked_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = PlayerQuerySet.as_manager()

    class Meta:
        ordering = ["username_key"]
        indexes = [
            models.Index(fields=["is_active", "next_fetch_at"], name="player_due_idx"),
            models.Index(fields=["fetch_claimed_until"], name="player_claim_idx"),
            # The tick's reads of the due players by reason, oldest first (players.scheduling).
            models.Index(
                fields=["is_active", "next_fetch_reason", "next_fetch_at"],
                name="player_due_reason_idx",
            ),
        ]

    def __str__(self) -> str:
        return self.username

    @property
    def fetch_interval(self) -> timedelta:
        return timedelta(minutes=self.fetch_interval_minutes)


class FetchOutcome(models.TextChoices):
    """How a fetch ended. The hiscores' errors name theirs (`hiscores.errors.Outcome`);
    the others are ours: what the answer changed, or a fault on our side."""

    STORED = "stored", "Stored a new record"
    # Stored, but held for staff (players.flags): it counts nowhere until resolved.
    FLAGGED = "flagged", "Stored a flagged record"
    UNCHANGED = "unchanged", "Unchanged"
    NOT_FOUND = Outcome.NOT_FOUND.value, "Not found"
    THROTTLED = Outcome.THROTTLED.value, "Throttled"
    UNAVAILABLE = Outcome.UNAVAILABLE.value, "Unavailable"
    # No request was made (breaker open, no rate-limit slot): not a failure.
    DEFERRED = Outcome.DEFERRED.value, "Deferred (no request made)"
    # Something of ours broke (a bug, the database): the player backs off as on a failure.
    ERROR = "error", "Error"


class FetchAttempt(models.Model):
    """One call to the hiscores for a player: what staff read when a player stops
    updating. Pruned by age (FETCH_ATTEMPT_RETENTION_DAYS)."""

    player = models.ForeignKey(Player, on_delete=models.CASCADE, related_name="fetch_attempts")
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField()
    outcome = models.CharField(max_length=12, choices=FetchOutcome.choices)
    http_status = models.PositiveSmallIntegerField(null=True, blank=True)
    duration_ms = models.PositiveIntegerField(default=0)
    message = models.TextField(blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["player", "-started_at"], name="fetchattempt_player_idx"),
            models.Index(fields=["started_at"], name="fetchattempt_started_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.player_id} {self.outcome} @ {self.started_at:%Y-%m-%d %H:%M:%S}"


ARCHIVED_KEY_PREFIX = "~"


class FlagKind(models.TextChoices):
    """What staff are offered first; they may resolve a flag either way."""

    ROLLBACK = "rollback", "Rollback (Jagex restored an older state)"
    NAME_TRANSFER = "name_transfer", "Name transfer (another account owns the name)"


class FlagStatus(models.TextChoices):
    OPEN = "open", "Open"
    RESOLVED = "resolved", "Resolved"


class PlayerFlag(models.Model):
    """A fetch whose values could not come from the same account playing on: its
    record (and every record written while the flag is open) is held for staff.
    `evidence` is `players.plausibility.Verdict.evidence()`."""

    player = models.ForeignKey(Player, on_delete=models.CASCADE, related_name="flags")
    # The first held record; null once it is gone with its player's history.
    record = models.ForeignKey(
        HiscoreRecord, null=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    kind = models.CharField(max_length=20, choices=FlagKind.choices, editable=False)
    evidence = models.JSONField(default=dict, editable=False)
    status = models.CharField(
        max_length=10, choices=FlagStatus.choices, default=FlagStatus.OPEN, editable=False
    )
    created_at = models.DateTimeField(editable=False)
    resolved_at = models.DateTimeField(null=True, blank=True, editable=False)
    # How staff resolved it, and the player that took the old history (a transfer).
    resolution = models.CharField(
        max_length=20, choices=FlagKind.choices, blank=True, editable=False
    )
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        editable=False,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    archived_player = models.ForeignKey(
        Player, null=True, blank=True, editable=False, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        indexes = [models.Index(fields=["player", "status"], name="playerflag_player_status_idx")]
        constraints = [
            # One open flag per player: records held meanwhile join it.
            models.UniqueConstraint(
                fields=["player"],
                condition=models.Q(status="open"),
                name="playerflag_one_open_per_player",
            )
        ]

    def __str__(self) -> str:
        return f"{self.player} ({self.get_kind_display()}, {self.status})"


class GameModeKind(models.TextChoices):
    DEIRONED = "deironed", "De-ironed"
    HARDCORE_DEATH = "hardcore_death", "Hardcore ironman died"
    ULTIMATE_LOST = "ultimate_lost", "Ultimate ironman status lost"
    OTHER = "other", "Other change"


class GameModeChange(models.Model):
    """A change of the table an account is ranked on, found by the collector
    (players.game_modes). It happened after `changed_after` (null when unknown)
    and before `changed_before`."""

    player = models.ForeignKey(Player, on_delete=models.CASCADE, related_name="mode_changes")
    from_mode = models.CharField(max_length=20, choices=GameMode.choices)
    to_mode = models.CharField(max_length=20, choices=GameMode.choices)
    kind = models.CharField(max_length=20, choices=GameModeKind.choices)
    changed_after = models.DateTimeField(null=True, blank=True)
    changed_before = models.DateTimeField()
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ["-changed_before"]
        indexes = [models.Index(fields=["player", "-changed_before"], name="modechange_player_idx")]

    def __str__(self) -> str:
        return f"{self.player}: {self.from_mode} -> {self.to_mode}"


class ArchivedPlayer(Player):
    """Archived players as the admin shows them: read-only, apart from the tracked ones."""

    class Meta:
        proxy = True
        verbose_name = "archived player"


class FetchDeadline(models.Model):
    """A moment by which a player must have been fetched, and who asked (a label
    such as a competition's). Met, and deleted, by a fetch within the policy's
    `deadline_window` before it or any time after (players.deadlines)."""

    player = models.ForeignKey(Player, on_delete=models.CASCADE, related_name="fetch_deadlines")
    at = models.DateTimeField()
    source = models.CharField(max_length=100)

    class Meta:
        indexes = [
            models.Index(fields=["player", "at"], name="fetchdeadline_player_idx"),
            models.Index(fields=["source"], name="fetchdeadline_source_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.player_id} by {self.at:%Y-%m-%d %H:%M} ({self.source})"


class FetchTally(models.Model):
    """Successful fetches per hour and reason, and how many found a change: where
    the hiscores budget goes (the staff dashboard). One upsert per recorded batch."""

    hour = models.DateTimeField()
    reason = models.CharField(max_length=16, choices=FetchReason.choices)
    fetches = models.PositiveIntegerField(default=0)
    changed = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["hour", "reason"], name="fetchtally_hour_reason_uniq")
        ]

    def __str__(self) -> str:
        return f"{self.hour:%Y-%m-%d %H}h {self.reason}: {self.changed}/{self.fetches}"


class NameChangeStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    APPROVED = "approved", "Approved"
    DENIED = "denied", "Denied"


class NameChange(models.Model):
    """A request to follow a tracked player to a new name, with the automatic
    review's reasons and evidence (`players.renames`, docs/api.md "Name changes").
    Kept after it is resolved: the audit trail of who the player was."""

    # Null once the player is deleted: the request stays as a record of it.
    player = models.ForeignKey(
        Player, null=True, blank=True, on_delete=models.SET_NULL, related_name="name_changes"
    )
    old_name = models.CharField(max_length=12)
    new_name = models.CharField(max_length=12)
    old_key = models.CharField(max_length=12, db_index=True, editable=False)
    new_key = models.CharField(max_length=12, db_index=True, editable=False)
    status = models.CharField(
        max_length=8, choices=NameChangeStatus.choices, default=NameChangeStatus.PENDING
    )
    # What the review found, one sentence each; `evidence` holds the figures.
    reasons = models.JSONField(default=list, blank=True)
    evidence = models.JSONField(default=dict, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Null with a resolved status: the automatic review decided.
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            # "The same change pending" is a conflict (409), even for two requests at once.
            models.UniqueConstraint(
                fields=["old_key", "new_key"],
                condition=Q(status="pending"),
                name="namechange_one_pending",
            )
        ]
        indexes = [models.Index(fields=["status", "-created_at"], name="namechange_status_idx")]

    def __str__(self) -> str:
        return f"{self.old_name} -> {self.new_name} ({self.status})"
