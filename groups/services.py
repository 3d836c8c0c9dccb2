"""Group services: what the API and the admin call to change a group and its
members (docs/api.md, "Groups"). One path for each write.

Adding members never asks the hiscores: a tracked name joins as its `Player`, an
untracked one joins at once as pending, and the collector checks pending names a
few per tick within the fetch budget (`check_pending_members`). So a clan of
thousands is one quick call, and its members do not count against anyone's daily
add quota (they are added by no user).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import slugify

from hiscores.usernames import InvalidUsername, clean, normalise
from players.errors import HiscoresUnreachable, PlayerAlreadyTracked, PlayerNotOnHiscores
from players.models import Player
from players.scheduling import fetch_budget
from players.tracking import DETECT, player_track

from .errors import GroupFull, MemberNotFound, invalid
from .models import Group, Membership, MemberStatus, Role
from .signals import member_joined

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser

logger = logging.getLogger(__name__)

ADDED = "added"
ALREADY_MEMBER = "already_member"
INVALID_NAME = "invalid_name"
DUPLICATE = "duplicate"
GROUP_FULL = "group_full"


@dataclass(frozen=True, slots=True)
class MemberResult:
    """What became of one name in an add call."""

    username: str
    result: str  # ADDED, ALREADY_MEMBER, INVALID_NAME, DUPLICATE or GROUP_FULL
    status: str | None = None  # the member's status, when a member
    message: str = ""


def _unique_slug(name: str) -> str:
    base = slugify(name)[:70] or "group"
    slug, n = base, 1
    while Group.objects.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug


def group_create(
    *, name: str, owner: AbstractBaseUser, description: str = "", members: Sequence[str] = ()
) -> tuple[Group, list[MemberResult]]:
    name = name.strip()
    if not name:
        raise invalid("name", "This field may not be blank.")
    for _ in range(3):
        try:
            with transaction.atomic():
                group = Group.objects.create(
                    name=name, slug=_unique_slug(name), description=description, owner=owner
                )
            break
        except IntegrityError:
            continue  # another group took the slug meanwhile: pick the next
    else:
        raise invalid("name", "Could not find a free slug for this name; try another.")
    results = members_add(group=group, usernames=members) if members else []
    return group, results


def group_update(
    *,
    group: Group,
    name: str | None = None,
    description: str | None = None,
    leaders: Sequence[AbstractBaseUser] | None = None,
) -> Group:
    """Change the name (the slug stays: links keep working), the description, or
    the users who may manage the group besides its owner."""
    with transaction.atomic():
        if name is not None:
            if not name.strip():
                raise invalid("name", "This field may not be blank.")
            group.name = name.strip()
        if description is not None:
            group.description = description
        group.save(update_fields=["name", "description"])
        if leaders is not None:
            group.leaders.set(leaders)
    return group


def group_delete(*, group: Group) -> None:
    group.delete()


def members_add(
    *, group: Group, usernames: Sequence[str], role: str = Role.MEMBER
) -> list[MemberResult]:
    """Add each name, answering one result per name in the order given: a bad or
    repeated name is reported, never failing the others. Returns the results;
    `member_joined` is sent after commit with the rows that joined."""
    results: list[MemberResult | None] = [None] * len(usernames)
    wanted: dict[str, tuple[int, str]] = {}  # key -> (index, cleaned name)
    for index, raw in enumerate(usernames):
        try:
            name = clean(raw)
            key = normalise(name)
        except (InvalidUsername, TypeError) as exc:
            results[index] = MemberResult(str(raw), INVALID_NAME, message=str(exc))
            continue
        if key in wanted:
            results[index] = MemberResult(
                name, DUPLICATE, message="The same name came earlier in this call."
            )
            continue
        wanted[key] = (index, name)

    with transaction.atomic():
        # The group row locked: two calls at once cannot both pass the size bound.
        Group.objects.select_for_update().filter(pk=group.pk).first()
        players = {p.username_key: p for p in Player.objects.filter(username_key__in=wanted)}
        present_players = set(
            Membership.objects.filter(group=group, player__in=list(players.values())).values_list(
                "player_id", flat=True
            )
        )
        present_pending = {
            key: status
            for key, status in Membership.objects.filter(
                group=group, player__isnull=True, pending_key__in=wanted
            ).values_list("pending_key", "status")
        }
        room = settings.GROUP_MAX_MEMBERS - Membership.objects.filter(group=group).count()
        rows: list[Membership] = []
        for key, (index, name) in wanted.items():
            player = players.get(key)
            if player is not None and player.pk in present_players:
                results[index] = MemberResult(player.username, ALREADY_MEMBER, MemberStatus.TRACKED)
                continue
            if player is None and key in present_pending:
                results[index] = MemberResult(name, ALREADY_MEMBER, present_pending[key])
                continue
            if room <= 0:
                results[index] = MemberResult(name, GROUP_FULL, message=GroupFull.default_detail)
                continue
            room -= 1
            if player is not None:
                row = Membership(group=group, player=player, status=MemberStatus.TRACKED, role=role)
                results[index] = MemberResult(player.username, ADDED, MemberStatus.TRACKED)
            else:
                row = Membership(group=group, pending_name=name, pending_key=key, role=role)
                results[index] = MemberResult(name, ADDED, MemberStatus.PENDING)
            rows.append(row)
        Membership.objects.bulk_create(rows)
        if rows:
            transaction.on_commit(
                lambda: member_joined.send(sender=Membership, group=group, members=rows)
            )
    return [r for r in results if r is not None]


def _membership(group: Group, username: str) -> Membership:
    try:
        key = normalise(username)
    except InvalidUsername:
        raise MemberNotFound(details={"username": username}) from None
    membership = (
        Membership.objects.filter(group=group, player__username_key=key).first()
        or Membership.objects.filter(group=group, player__isnull=True, pending_key=key).first()
    )
    if membership is None:
        raise MemberNotFound(details={"username": username})
    return membership


def member_remove(*, group: Group, username: str) -> None:
    _membership(group, username).delete()


def member_set_role(*, group: Group, username: str, role: str) -> Membership:
    membership = _membership(group, username)
    membership.role = role
    membership.save(update_fields=["role"])
    return membership


# --- the collector's side ---------------------------------------------------------


def pending_names(limit: int) -> list[str]:
    """Distinct pending names, those waiting longest first."""
    names: dict[str, str] = {}
    rows = Membership.objects.filter(status=MemberStatus.PENDING).order_by("joined_at", "pk")
    for key, name in rows.values_list("pending_key", "pending_name").iterator():
        names.setdefault(key, name)
        if len(names) >= limit:
            break
    return list(names.values())


def resolve_pending(*, key: str, player: Player | None) -> int:
    """Settle every pending membership of `key`: tracked as `player`, or not_found.
    A group already holding the player (added under another spelling or name)
    keeps that row and drops the pending one. Returns how many rows changed."""
    rows = Membership.objects.filter(player__isnull=True, pending_key=key)
    if player is None:
        return rows.filter(status=MemberStatus.PENDING).update(status=MemberStatus.NOT_FOUND)
    with transaction.atomic():
        rows.filter(group__memberships__player=player).delete()
        return rows.update(
            player=player, status=MemberStatus.TRACKED, pending_name="", pending_key=""
        )


def check_pending_members(*, now=None) -> int:
    """The collector's tick for pending names: what the fetch budget leaves after
    the scheduler's fetches (deadlines and manual fetches included, as they are in
    flight), at most GROUP_PENDING_CHECKS_PER_TICK names, each checked through the
    tracking service (one hiscores request through the gateway). Returns how many
    names were settled."""
    now = now or timezone.now()
    budget = min(settings.GROUP_PENDING_CHECKS_PER_TICK, fetch_budget(now=now))
    settled = 0
    for name in pending_names(budget) if budget > 0 else []:
        key = normalise(name)
        try:
            player = player_track(username=name, game_mode=DETECT)
        except PlayerAlreadyTracked:
            player = Player.objects.by_key(key).first()
        except PlayerNotOnHiscores:
            player = None
        except HiscoresUnreachable:  # the name waits for a later tick
            logger.warning("pending member check failed", extra={"username": name}, exc_info=True)
            continue
        resolve_pending(key=key, player=player)
        settled += 1
    return settled
