"""Name changes: the review rules (pure) and the services that request, approve and
deny them (docs/api.md, "Name changes").

The rules. A request is reviewed as soon as it arrives, against the new name's
answer on the player's own table and the old name's latest record:
- the new name is not on that table: denied;
- a value that only grows (experience, kills, the counting activities) is lower
  under the new name: denied, it is another account (or a rollback: staff see it);
- a skill gained more than the fastest known rate allows for the time elapsed
  (`fastest_rates`, never less than MIN_REVIEW_HOURS): pending, for staff;
- otherwise approved. A change of capitalisation or separators only (the same
  key) is approved without asking the hiscores.

Approval renames the player in one transaction, with the players locked as the
recording path locks them (`players.recording`): a fetch in flight records
before or after it, never in between. When the new name is tracked as another
player, that player's records from after the switch (the old name's last
confirmed record) join this history and the other player is removed; records
from before the switch belong to another account, and the approval is refused
(409) rather than mix or lose them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from api.errors import Unprocessable
from hiscores import gateway
from hiscores.deadline import Deadline
from hiscores.errors import HiscoresError, PlayerNotFound
from hiscores.snapshot import Snapshot
from hiscores.usernames import InvalidUsername, clean, normalise

from .errors import (
    NameChangeBlocked,
    NameChangeNotFound,
    NameChangePending,
    NameChangeResolved,
    PlayerNotTracked,
)
from .fastest_rates import MAX_XP_PER_HOUR, UNKNOWN_SKILL_MAX
from .models import (
    FetchAttempt,
    FlagStatus,
    GameModeChange,
    NameChange,
    NameChangeStatus,
    Player,
    PlayerFlag,
    PlayerStatus,
)
from .recording import fetch_record_success
from .records import HiscoreRecord, record_fields
from .signals import name_change_approved, players_merging, record_written

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser

# A gain is judged over at least this long: bursty skills (a Farming tree run)
# give in minutes what an hour's rate allows.
MIN_REVIEW_HOURS = 1.0
# Activities whose score only ever grows; the others are ratings or points that
# fall in play (Last Man Standing, PvP Arena, Soul Wars Zeal, league points...).
GROWING_ACTIVITIES = frozenset(
    {
        "clue_scrolls_all",
        "clue_scrolls_beginner",
        "clue_scrolls_easy",
        "clue_scrolls_medium",
        "clue_scrolls_hard",
        "clue_scrolls_elite",
        "clue_scrolls_master",
        "guardians_of_the_rift",
        "collections_logged",
    }
)
# At most this many metrics are named in a reason; the evidence holds them all.
NAMED_IN_REASON = 5

PENDING, APPROVED, DENIED = (
    NameChangeStatus.PENDING,
    NameChangeStatus.APPROVED,
    NameChangeStatus.DENIED,
)


# --- the rules --------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Review:
    decision: NameChangeStatus
    reasons: tuple[str, ...]
    evidence: dict[str, Any] = field(default_factory=dict)


def growing_values(fields: Mapping[str, Any]) -> dict[str, int | None]:
    """The values of a record (`record_fields()` output or a record's field values)
    that only grow while one account plays: overall and skill experience, boss
    kills, and the counting activities. None: unranked."""
    values: dict[str, int | None] = {"overall": fields.get("overall_experience")}
    for slug, entry in (fields.get("skills_data") or {}).items():
        values[slug] = None if entry is None else entry.get("experience")
    for slug, entry in (fields.get("bosses_data") or {}).items():
        values[slug] = None if entry is None else entry.get("kc")
    for slug, entry in (fields.get("activities_data") or {}).items():
        if slug in GROWING_ACTIVITIES:
            values[slug] = None if entry is None else entry.get("score")
    return values


def review(
    old: Mapping[str, Any] | None, new: Mapping[str, Any] | None, elapsed: timedelta
) -> Review:
    """The decision on a rename, from the old name's latest record (`old`), the new
    name's answer (`new`, None: not on the table) and the time between them."""
    if new is None:
        return Review(DENIED, ("The new name is not on the player's hiscores table.",))
    if old is None:
        return Review(PENDING, ("The old name has no record to compare the new name with.",))
    hours = max(elapsed.total_seconds() / 3600, 0.0)
    before, after = growing_values(old), growing_values(new)
    went_down = [
        {"metric": slug, "before": value, "after": after[slug]}
        for slug, value in before.items()
        # A row the new answer lacks altogether says nothing; unranked after ranked
        # is lower (these values never fall below their ranking minimum by play).
        if value is not None and slug in after and (after[slug] is None or after[slug] < value)
    ]
    skills = (old.get("skills_data") or {}).keys()
    too_fast = []
    for slug in skills:
        start, end = before.get(slug), after.get(slug)
        if start is None or end is None or end <= start:
            continue
        allowed = int(MAX_XP_PER_HOUR.get(slug, UNKNOWN_SKILL_MAX) * max(hours, MIN_REVIEW_HOURS))
        if end - start > allowed:
            too_fast.append({"metric": slug, "gained": end - start, "allowed": allowed})
    evidence = {
        "elapsed_hours": round(hours, 2),
        "went_down": went_down,
        "too_fast": too_fast,
    }
    if went_down:
        named = ", ".join(
            f"{d['metric']} {d['before']} -> {d['after']}" for d in went_down[:NAMED_IN_REASON]
        )
        reason = f"{len(went_down)} value(s) are lower under the new name: {named}."
        return Review(DENIED, (reason,), evidence)
    if too_fast:
        named = ", ".join(
            f"{d['metric']} +{d['gained']:,} (at most {d['allowed']:,})"
            for d in too_fast[:NAMED_IN_REASON]
        )
        reason = f"Gained faster than the fastest known rates in {_elapsed(hours)}: {named}."
        return Review(PENDING, (reason,), evidence)
    reason = (
        "The new name answers on the player's table; nothing went down, and the gains "
        f"fit the {_elapsed(hours)} elapsed."
    )
    return Review(APPROVED, (reason,), evidence)


def _elapsed(hours: float) -> str:
    if hours < MIN_REVIEW_HOURS:
        return f"{hours:.1f} h (counted as {MIN_REVIEW_HOURS:g} h)"
    return f"{hours:.1f} h"


# --- requesting -------------------------------------------------------------


def name_change_request(
    *, old_name: str, new_name: str, requested_by: AbstractBaseUser | None = None
) -> NameChange:
    """Record a request to rename the player tracked as `old_name`, reviewed at
    once: the new name is asked for on the player's table (one request, within
    PLAYER_ADD_DEADLINE_SECONDS). Approved at once when the rules allow it,
    denied when they refuse it, otherwise pending for staff with what failed."""
    old, new = _checked_names(old_name, new_name)
    player = Player.objects.filter(username_key=normalise(old)).first()
    if player is None:
        raise PlayerNotTracked(details={"old_name": old})
    old_key, new_key = player.username_key, normalise(new)
    if old_key == new_key and new == player.username:
        raise Unprocessable(details={"new_name": ["That is already the player's name."]})
    if _pending(old_key, new_key).exists():
        raise NameChangePending(details={"old_name": player.username, "new_name": new})
    started_at = timezone.now()
    answer: Snapshot | None = None
    if old_key == new_key:
        result = Review(APPROVED, ("Only the capitalisation or the separators change.",))
    else:
        answer, result = _review_now(player, new)
        if answer is not None and answer.display_name and _same(answer.display_name, new_key):
            new = answer.display_name
    try:
        with transaction.atomic():
            change = NameChange.objects.create(
                player=player,
                old_name=player.username,
                new_name=new,
                old_key=old_key,
                new_key=new_key,
                reasons=list(result.reasons),
                evidence=result.evidence,
                requested_by=requested_by,
            )
    except IntegrityError:
        # The same request, sent twice at once: the other one got there first.
        raise NameChangePending(details={"old_name": player.username, "new_name": new}) from None
    if result.decision == DENIED:
        return name_change_deny(name_change_id=change.pk, by=None)
    if result.decision == APPROVED:
        try:
            change = name_change_approve(name_change_id=change.pk, by=None)
        except NameChangeBlocked as blocked:
            # The rules pass, but applying it would mix histories: staff decide.
            change.reasons = [*change.reasons, str(blocked.detail)]
            change.evidence = {**change.evidence, "blocked": blocked.details}
            change.save(update_fields=["reasons", "evidence"])
            return change
        if answer is not None:
            # The answer that proved the new name is the renamed player's newest record.
            fetch_record_success(player_id=player.pk, snapshot=answer, started_at=started_at)
    return change


def _checked_names(old_name: Any, new_name: Any) -> tuple[str, str]:
    errors: dict[str, list[str]] = {}
    names = []
    for field_name, raw in (("old_name", old_name), ("new_name", new_name)):
        try:
            names.append(clean(raw))
        except InvalidUsername as exc:
            errors[field_name] = [str(exc)]
    if errors:
        raise Unprocessable("Some fields are not valid.", details=errors)
    return names[0], names[1]


def _same(display_name: str, key: str) -> bool:
    try:
        return normalise(display_name) == key
    except InvalidUsername:
        return False


def _pending(old_key: str, new_key: str):
    return NameChange.objects.filter(old_key=old_key, new_key=new_key, status=PENDING)


def _review_now(player: Player, new_name: str) -> tuple[Snapshot | None, Review]:
    """Ask the hiscores for the new name on the player's table and review the answer."""
    deadline = Deadline(settings.PLAYER_ADD_DEADLINE_SECONDS)
    try:
        answer = gateway.fetch(new_name, player.game_mode, deadline=deadline)
    except PlayerNotFound:
        answer = None
    except HiscoresError as exc:
        reason = f"The hiscores could not be asked about the new name ({exc}); staff decide."
        return None, Review(PENDING, (reason,), {"hiscores_error": str(exc)})
    latest = HiscoreRecord.objects.latest_for(player.pk)
    old = None if latest is None else _fields_of(latest)
    seen = latest.last_checked_at if latest is not None else player.created_at
    result = review(old, None if answer is None else record_fields(answer), timezone.now() - seen)
    if answer is None:
        reason = f"{new_name} is not on the {player.game_mode} hiscores."
        return None, Review(DENIED, (reason,), result.evidence)
    return answer, result


def _fields_of(record: HiscoreRecord) -> dict[str, Any]:
    return {
        "overall_experience": record.overall_experience,
        "skills_data": record.skills_data,
        "bosses_data": record.bosses_data,
        "activities_data": record.activities_data,
    }


# --- resolving --------------------------------------------------------------


def name_change_approve(*, name_change_id: int, by: AbstractBaseUser | None = None) -> NameChange:
    """Rename the player as the change asks, in one transaction (see the module's
    docstring). Raises NameChangeNotFound, NameChangeResolved (already approved
    or denied: two approvals at once apply it once) or NameChangeBlocked."""
    now = timezone.now()
    with transaction.atomic():
        change = NameChange.objects.select_for_update().filter(pk=name_change_id).first()
        if change is None:
            raise NameChangeNotFound(details={"id": name_change_id})
        if change.status != PENDING:
            raise NameChangeResolved(details={"status": change.status})
        merged = _rename(change, now)
        # The conditional update is the claim: of two approvals, one finds it pending.
        claimed = NameChange.objects.filter(pk=change.pk, status=PENDING).update(
            status=APPROVED, resolved_at=now, resolved_by=by
        )
        if not claimed:
            raise NameChangeResolved(details={"status": APPROVED})
        change.refresh_from_db()
        if merged:
            change.evidence = {**change.evidence, "merged": merged}
            change.save(update_fields=["evidence"])
        transaction.on_commit(
            partial(name_change_approved.send, sender=NameChange, name_change=change), robust=True
        )
    return change


def name_change_deny(*, name_change_id: int, by: AbstractBaseUser | None = None) -> NameChange:
    """Mark a pending change denied; the player is left as it is."""
    denied = NameChange.objects.filter(pk=name_change_id, status=PENDING).update(
        status=DENIED, resolved_at=timezone.now(), resolved_by=by
    )
    change = NameChange.objects.filter(pk=name_change_id).first()
    if change is None:
        raise NameChangeNotFound(details={"id": name_change_id})
    if not denied:
        raise NameChangeResolved(details={"status": change.status})
    return change


def _rename(change: NameChange, now: datetime) -> dict[str, Any] | None:
    """Give the player its new name, merging in the player tracked under it.
    Returns what was merged (None: nothing was)."""
    if change.player_id is None:
        raise NameChangeBlocked("The player is no longer tracked.")
    ids = [
        change.player_id,
        *Player.objects.filter(username_key=change.new_key).values_list("pk", flat=True),
    ]
    # Locked in id order, as the recording path locks players.
    locked = {p.pk: p for p in Player.objects.select_for_update().filter(pk__in=ids).order_by("pk")}
    player = locked.get(change.player_id)
    if player is None:
        raise NameChangeBlocked("The player is no longer tracked.")
    if player.username_key != change.old_key:
        raise NameChangeBlocked(
            f"The player is now named {player.username}, not {change.old_name}.",
            details={"username": player.username},
        )
    other = next(
        (p for p in locked.values() if p.pk != player.pk and p.username_key == change.new_key),
        None,
    )
    flagged = PlayerFlag.objects.filter(player__in=locked.values(), status=FlagStatus.OPEN)
    if other is not None and flagged.exists():
        # Held records would join a history whose flag is elsewhere, or a flag's
        # held records would be mixed with another player's (docs/api.md, "Flags").
        raise NameChangeBlocked(
            "A player in this merge is flagged: staff must resolve the flag first.",
            details={"flagged": sorted(flagged.values_list("player__username", flat=True))},
        )
    merged = None if other is None else _merge(player, other)
    player.username = change.new_name
    player.username_key = change.new_key
    latest = HiscoreRecord.objects.latest_for(player.pk)
    player.latest_record = latest
    if other is not None and latest is not None:
        fetched = [at for at in (player.last_fetched, other.last_fetched) if at is not None]
        player.last_fetched = max(fetched, default=None)
        player.last_changed_at = latest.fetched_at
    player.status = PlayerStatus.OK
    player.not_found_count = 0
    player.status_reason = ""
    # Collected under the new name straight away.
    player.next_fetch_at = min(player.next_fetch_at, now)
    try:
        with transaction.atomic():
            player.save()
    except IntegrityError:
        # The new name was tracked after we looked: nothing is changed.
        raise NameChangeBlocked(
            "The new name was tracked meanwhile; review the request again."
        ) from None
    return merged


def _merge(player: Player, other: Player) -> dict[str, Any]:
    """Move `other`'s records from after the switch (the last moment `player`'s old
    name was confirmed) into `player`'s history, and remove `other`. Refused when
    `other` holds records from before the switch: another account's history."""
    latest = HiscoreRecord.objects.latest_for(player.pk)
    switch = latest.last_checked_at if latest is not None else player.created_at
    earlier = HiscoreRecord.objects.filter(player=other, fetched_at__lte=switch).count()
    if earlier:
        raise NameChangeBlocked(
            f"{other.username} is tracked with {earlier} record(s) from before the switch "
            f"({switch:%Y-%m-%d %H:%M} UTC): another account's history. Staff must remove "
            "or archive that player first.",
            details={"other_player": other.username, "records_before_switch": earlier},
        )
    joining = list(HiscoreRecord.objects.filter(player=other).order_by("fetched_at"))
    moved = HiscoreRecord.objects.filter(player=other).update(player=player)
    FetchAttempt.objects.filter(player=other).update(player=player)
    GameModeChange.objects.filter(player=other).update(player=player)
    players_merging.send(sender=Player, kept=player, removed=other)
    other_name = other.username
    other.delete()
    # The records that joined are new to the kept player's history: what is kept
    # from it (gains tables, records, achievements) folds them in as it would
    # freshly written ones.
    for record in joining:
        record.player_id = player.pk
    counted = [record for record in joining if not record.flagged]
    if counted:
        transaction.on_commit(
            partial(record_written.send, sender=HiscoreRecord, records=counted), robust=True
        )
    return {"other_player": other_name, "records_moved": moved, "switch": switch.isoformat()}


def name_change_review_again(*, name_change_id: int) -> NameChange | None:
    """Review a pending change again, with a fresh answer for the new name: what
    the collector asks when the old name stops answering (so a pending change
    moves tracking to the new name as soon as the rules allow). Approves it when
    they do; otherwise it stays pending with the new findings added."""
    change = NameChange.objects.filter(pk=name_change_id, status=PENDING).first()
    if change is None or change.player_id is None:
        return change
    player = Player.objects.filter(pk=change.player_id).first()
    if player is None or player.username_key != change.old_key:
        return change
    started_at = timezone.now()
    answer, result = _review_now(player, change.new_name)
    if result.decision == APPROVED:
        try:
            change = name_change_approve(name_change_id=change.pk, by=None)
        except (NameChangeBlocked, NameChangeResolved):
            return NameChange.objects.get(pk=change.pk)
        if answer is not None:
            fetch_record_success(player_id=player.pk, snapshot=answer, started_at=started_at)
        return change
    again = [f"Reviewed again after the old name stopped answering: {r}" for r in result.reasons]
    NameChange.objects.filter(pk=change.pk, status=PENDING).update(
        reasons=[*change.reasons, *again], evidence={**change.evidence, "again": result.evidence}
    )
    return NameChange.objects.get(pk=change.pk)


def pending_for(player_id: int) -> NameChange | None:
    """The player's oldest pending name change, if any."""
    return (
        NameChange.objects.filter(player_id=player_id, status=PENDING)
        .order_by("created_at", "pk")
        .first()
    )
