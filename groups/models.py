"""Groups of players and the competitions they run (docs/api.md, "Groups" and
"Competitions"). Every write goes through `groups.services`."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from players.models import Player


class Role(models.TextChoices):
    """A member's rank in the group, as the clan shows it."""

    OWNER = "owner"
    LEADER = "leader"
    MEMBER = "member"


class MemberStatus(models.TextChoices):
    """Pending: the name is not tracked yet and the collector has not checked it;
    tracked: a `Player`; not_found: the hiscores do not know the name."""

    PENDING = "pending"
    TRACKED = "tracked"
    NOT_FOUND = "not_found"


class Group(models.Model):
    name = models.CharField(max_length=64)
    slug = models.SlugField(max_length=80, unique=True)
    description = models.TextField(blank=True, max_length=1000)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="owned_groups"
    )
    # Users besides the owner who may change the group (groups.access).
    leaders = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="led_groups"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["slug"]

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    """One member of a group. A tracked member points at its `Player`, so a rename
    keeps the row; a pending one holds the name until the collector checks it."""

    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="memberships")
    player = models.ForeignKey(
        Player, null=True, blank=True, on_delete=models.CASCADE, related_name="memberships"
    )
    # The name as given, and its key, while no `Player` holds it (empty once tracked).
    pending_name = models.CharField(max_length=12, blank=True)
    pending_key = models.CharField(max_length=12, blank=True)
    status = models.CharField(
        max_length=10, choices=MemberStatus.choices, default=MemberStatus.PENDING
    )
    role = models.CharField(max_length=6, choices=Role.choices, default=Role.MEMBER)
    joined_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["joined_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["group", "player"],
                condition=Q(player__isnull=False),
                name="membership_group_player",
            ),
            models.UniqueConstraint(
                fields=["group", "pending_key"],
                condition=Q(player__isnull=True),
                name="membership_group_pending_key",
            ),
            models.CheckConstraint(
                condition=Q(player__isnull=False, status="tracked")
                | Q(player__isnull=True, status__in=["pending", "not_found"]),
                name="membership_status_matches_player",
            ),
        ]
        # The collector's queue of names to check, oldest first.
        indexes = [models.Index(fields=["status", "joined_at"], name="membership_status_idx")]

    def __str__(self) -> str:
        return f"{self.group_id}: {self.player_id or self.pending_name}"


class Competition(models.Model):
    title = models.CharField(max_length=100)
    # Metric slugs (hiscores.catalogue), one or more, in the order given.
    metrics = models.JSONField()
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    group = models.ForeignKey(
        Group, null=True, blank=True, on_delete=models.SET_NULL, related_name="competitions"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="competitions"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # When the beat sent competition_started / competition_finished (once each).
    started_sent_at = models.DateTimeField(null=True, blank=True, editable=False)
    finished_sent_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-starts_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="competition_ends_after_start"
            )
        ]
        indexes = [models.Index(fields=["ends_at", "starts_at"], name="competition_dates_idx")]

    def __str__(self) -> str:
        return self.title


class Team(models.Model):
    competition = models.ForeignKey(Competition, on_delete=models.CASCADE, related_name="teams")
    name = models.CharField(max_length=40)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["competition", "name"], name="team_competition_name")
        ]

    def __str__(self) -> str:
        return self.name


class Participant(models.Model):
    """A player in a competition; at most one team each (the unique pair says so)."""

    competition = models.ForeignKey(
        Competition, on_delete=models.CASCADE, related_name="participants"
    )
    player = models.ForeignKey(Player, on_delete=models.CASCADE, related_name="participations")
    team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.CASCADE, related_name="participants"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["competition", "player"], name="participant_competition_player"
            )
        ]

    def __str__(self) -> str:
        return f"{self.competition_id}: {self.player_id}"
