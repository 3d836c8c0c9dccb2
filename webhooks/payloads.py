"""What a webhook is sent: pure functions from the objects a signal carries to the
body and its signature (docs/api.md, "Webhooks"). Nothing here reads the database:
each builder reads the fields the signal's objects already hold, so building a
payload inside the sender's process costs no query.

Every body is an envelope `{"id", "event", "created_at", "data"}`; a webhook in
the Discord format gets a message Discord's webhooks accept instead, with the
same facts in words.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum
from typing import Any

from .events import Event

# Discord refuses a message whose content is longer.
DISCORD_CONTENT_LIMIT = 2000


@dataclass(frozen=True)
class Notice:
    """An event before it is addressed: what happened, in data and in words, and
    whom it is about, so the webhooks that should hear it can be found."""

    event: str
    data: dict[str, Any]
    summary: str
    player_ids: tuple[int, ...] = field(default=())
    group_ids: tuple[int, ...] = field(default=())


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    return value


def _fields(obj: Any, names: Iterable[str]) -> dict[str, Any]:
    return {name: _plain(getattr(obj, name, None)) for name in names}


def _player(player: Any) -> dict[str, Any]:
    return _fields(player, ("id", "username", "game_mode"))


def achievement(*, player: Any, achievements: Iterable[Any]) -> Notice:
    reached = [
        _fields(a, ("name", "metric", "threshold", "achieved_at", "achieved_after"))
        for a in achievements
    ]
    names = ", ".join(str(a["name"]) for a in reached)
    return Notice(
        event=Event.ACHIEVEMENT,
        data={"player": _player(player), "achievements": reached},
        summary=f"{player.username} reached {names}.",
        player_ids=(player.pk,),
    )


def name_change_approved(*, name_change: Any) -> Notice:
    data = _fields(name_change, ("id", "old_name", "new_name", "created_at", "resolved_at"))
    player_id = getattr(name_change, "player_id", None)
    return Notice(
        event=Event.NAME_CHANGE_APPROVED,
        data={"name_change": data},
        summary=f"{data['old_name']} is now known as {data['new_name']}.",
        player_ids=(player_id,) if player_id is not None else (),
    )


def player_flagged(*, player: Any, flag: Any) -> Notice:
    data = _fields(flag, ("id", "kind", "reason", "created_at"))
    why = f" ({data['kind']})" if data["kind"] else ""
    return Notice(
        event=Event.PLAYER_FLAGGED,
        data={"player": _player(player), "flag": data},
        summary=f"{player.username} was flagged for review{why}.",
        player_ids=(player.pk,),
    )


def hardcore_died(*, player: Any, change: Any) -> Notice:
    data = _fields(
        change, ("id", "kind", "old_mode", "new_mode", "changed_after", "changed_before")
    )
    return Notice(
        event=Event.HARDCORE_DIED,
        data={"player": _player(player), "change": data},
        summary=f"{player.username} died as a hardcore ironman.",
        player_ids=(player.pk,),
    )


def _competition(competition: Any) -> dict[str, Any]:
    return _fields(competition, ("id", "title", "metrics", "starts_at", "ends_at", "group_id"))


def competition_started(*, competition: Any) -> Notice:
    data = _competition(competition)
    return Notice(
        event=Event.COMPETITION_STARTED,
        data={"competition": data},
        summary=f"The competition “{data['title']}” has started.",
        group_ids=(data["group_id"],) if data["group_id"] is not None else (),
    )


def competition_finished(*, competition: Any) -> Notice:
    data = _competition(competition)
    return Notice(
        event=Event.COMPETITION_FINISHED,
        data={"competition": data},
        summary=f"The competition “{data['title']}” has finished.",
        group_ids=(data["group_id"],) if data["group_id"] is not None else (),
    )


def member_joined(*, group: Any, members: Iterable[Any]) -> Notice:
    joined = [
        {
            "username": m.pending_name or getattr(m.player, "username", None),
            "player_id": m.player_id,
            "role": _plain(m.role),
            "status": _plain(m.status),
        }
        for m in members
    ]
    names = ", ".join(str(m["username"]) for m in joined)
    return Notice(
        event=Event.MEMBER_JOINED,
        data={"group": _fields(group, ("id", "slug", "name")), "members": joined},
        summary=f"{len(joined)} joined {group.name}: {names}.",
        group_ids=(group.pk,),
    )


def ping() -> Notice:
    return Notice(
        event=Event.TEST,
        data={},
        summary="A test event from osrsdiff: this webhook is reachable.",
    )


def envelope(notice: Notice, *, event_id: str, created_at: datetime) -> dict[str, Any]:
    return {
        "id": event_id,
        "event": _plain(notice.event),
        "created_at": created_at.isoformat(),
        "data": notice.data,
        "summary": notice.summary,
    }


def discord_message(body: dict[str, Any]) -> dict[str, Any]:
    """A message for a Discord webhook URL: the summary as the content, and an
    embed naming the event (Discord ignores anything it does not know)."""
    summary = body["summary"]
    if len(summary) > DISCORD_CONTENT_LIMIT:
        summary = summary[: DISCORD_CONTENT_LIMIT - 1] + "…"
    return {
        "username": "osrsdiff",
        "content": summary,
        "allowed_mentions": {"parse": []},
        "embeds": [{"title": body["event"], "timestamp": body["created_at"]}],
    }


def render(body: dict[str, Any], *, format: str) -> bytes:
    """The bytes sent: the envelope, or its Discord message."""
    message = discord_message(body) if format == "discord" else body
    return json.dumps(message, separators=(",", ":"), ensure_ascii=False).encode()


def signature(secret: str, body: bytes) -> str:
    """The X-Osrsdiff-Signature header: the body's HMAC-SHA256 under the secret."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
