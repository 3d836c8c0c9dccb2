"""The payload builders are pure: what the signal's objects hold, in an envelope,
signed; checked against the standard library's HMAC and against the objects."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import UTC, datetime
from types import SimpleNamespace

from hypothesis import given
from hypothesis import strategies as st

from webhooks import payloads
from webhooks.events import SUBSCRIBABLE, Event

WHEN = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def player(pk=7, username="Zezima"):
    return SimpleNamespace(pk=pk, id=pk, username=username, game_mode="hardcore")


def test_achievement_names_the_player_and_each_achievement():
    reached = [
        SimpleNamespace(name="99 Attack", metric="attack", threshold=13_034_431, achieved_at=WHEN),
        SimpleNamespace(name="100 Zulrah", metric="zulrah", threshold=100, achieved_at=WHEN),
    ]
    notice = payloads.achievement(player=player(), achievements=reached)
    assert notice.event == Event.ACHIEVEMENT
    assert notice.player_ids == (7,)
    assert notice.data["player"] == {"id": 7, "username": "Zezima", "game_mode": "hardcore"}
    assert [a["name"] for a in notice.data["achievements"]] == ["99 Attack", "100 Zulrah"]
    assert notice.data["achievements"][0]["achieved_at"] == WHEN.isoformat()
    assert "Zezima reached 99 Attack, 100 Zulrah" in notice.summary


def test_name_change_is_about_its_player():
    change = SimpleNamespace(
        id=3, old_name="Old", new_name="New", created_at=WHEN, resolved_at=WHEN, player_id=9
    )
    notice = payloads.name_change_approved(name_change=change)
    assert notice.player_ids == (9,)
    assert notice.data["name_change"]["new_name"] == "New"
    assert notice.summary == "Old is now known as New."


def test_competitions_are_about_their_group_or_none():
    in_group = SimpleNamespace(
        id=1, title="SOTW", metrics=["attack"], starts_at=WHEN, ends_at=WHEN, group_id=4
    )
    alone = SimpleNamespace(**{**vars(in_group), "group_id": None})
    assert payloads.competition_started(competition=in_group).group_ids == (4,)
    assert payloads.competition_finished(competition=alone).group_ids == ()
    assert payloads.competition_finished(competition=alone).event == "competition.finished"


def test_member_joined_lists_pending_and_tracked_members():
    group = SimpleNamespace(pk=4, id=4, slug="clan", name="Clan")
    members = [
        SimpleNamespace(pending_name="", player=player(), player_id=7, role="member",
                        status="tracked"),
        SimpleNamespace(pending_name="Newbie", player=None, player_id=None, role="member",
                        status="pending"),
    ]  # fmt: skip
    notice = payloads.member_joined(group=group, members=members)
    assert notice.group_ids == (4,)
    assert [m["username"] for m in notice.data["members"]] == ["Zezima", "Newbie"]
    assert notice.summary.startswith("2 joined Clan")


def test_a_missing_field_is_null_not_an_error():
    notice = payloads.player_flagged(player=player(), flag=SimpleNamespace(id=1))
    assert notice.data["flag"] == {"id": 1, "kind": None, "reason": None, "created_at": None}


def test_the_envelope_round_trips_as_json():
    notice = payloads.hardcore_died(player=player(), change=SimpleNamespace(kind="hardcore_death"))
    body = payloads.envelope(notice, event_id="abc", created_at=WHEN)
    assert json.loads(payloads.render(body, format="json")) == body
    assert body["event"] == "hardcore.died"


def test_discord_format_carries_the_summary_and_mentions_no_one():
    notice = payloads.achievement(player=player(username="@everyone"), achievements=[])
    body = payloads.envelope(notice, event_id="abc", created_at=WHEN)
    message = json.loads(payloads.render(body, format="discord"))
    assert message["content"] == body["summary"]
    assert message["allowed_mentions"] == {"parse": []}
    assert message["embeds"][0]["title"] == "achievement"


def test_discord_content_is_cut_to_discords_limit():
    many = [SimpleNamespace(name="x" * 50) for _ in range(100)]
    body = payloads.envelope(
        payloads.achievement(player=player(), achievements=many), event_id="a", created_at=WHEN
    )
    content = json.loads(payloads.render(body, format="discord"))["content"]
    assert len(content) == payloads.DISCORD_CONTENT_LIMIT
    assert content.endswith("…")


@given(secret=st.text(min_size=1, max_size=64), body=st.binary(max_size=512))
def test_signature_is_the_hmac_sha256_of_the_body(secret, body):
    expected = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    assert payloads.signature(secret, body) == f"sha256={expected}"


def test_every_subscribable_event_has_a_builder_event():
    built = {
        payloads.achievement(player=player(), achievements=[]).event,
        payloads.name_change_approved(name_change=SimpleNamespace()).event,
        payloads.player_flagged(player=player(), flag=SimpleNamespace()).event,
        payloads.hardcore_died(player=player(), change=SimpleNamespace()).event,
        payloads.competition_started(competition=SimpleNamespace(group_id=None)).event,
        payloads.competition_finished(competition=SimpleNamespace(group_id=None)).event,
        payloads.member_joined(group=SimpleNamespace(pk=1, name="g"), members=[]).event,
    }
    assert built == set(SUBSCRIBABLE)
