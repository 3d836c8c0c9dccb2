"""From each signal to a receiver on loopback: the events a group's webhook and a
staff webhook hear, through the queue (docs/api.md, "Webhooks")."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.db import transaction
from django.utils import timezone

from groups import signals as groups_signals
from groups.models import Competition, Group, Membership, MemberStatus
from players import signals as players_signals
from tests.factories import PlayerFactory, UserFactory
from tests.queued import drain, run_queued
from webhooks.services import webhook_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def clan():
    owner = UserFactory()
    group = Group.objects.create(name="Clan", slug="clan", owner=owner)
    member = PlayerFactory(username="Member")
    Membership.objects.create(group=group, player=member, status=MemberStatus.TRACKED)
    return SimpleNamespace(owner=owner, group=group, member=member)


def events_received(receiver, secret):
    events = []
    for got in receiver.received:
        signed = hmac.new(secret.encode(), got.body, hashlib.sha256).hexdigest()
        assert got.headers["X-Osrsdiff-Signature"] == f"sha256={signed}"
        events.append(json.loads(got.body))
    return events


def test_a_groups_webhook_hears_its_competition_start_and_finish(
    allow_private, receiver, clan, django_capture_on_commit_callbacks
):
    _, secret = webhook_create(
        by=clan.owner,
        url=receiver.url,
        events=["competition.started", "competition.finished"],
        format="json",
        group=clan.group,
    )
    now = timezone.now()
    ours = Competition.objects.create(
        title="SOTW", metrics=["attack", "zulrah"], starts_at=now, ends_at=now + timedelta(days=7),
        group=clan.group, created_by=clan.owner,
    )  # fmt: skip
    theirs = Competition.objects.create(
        title="Elsewhere", metrics=["attack"], starts_at=now, ends_at=now + timedelta(days=7),
        created_by=clan.owner,
    )  # fmt: skip

    with django_capture_on_commit_callbacks(execute=True):
        for competition in (ours, theirs):
            groups_signals.competition_started.send(sender=Competition, competition=competition)
            groups_signals.competition_finished.send(sender=Competition, competition=competition)
    run_queued("webhooks")

    events = events_received(receiver, secret)
    assert [e["event"] for e in events] == ["competition.started", "competition.finished"]
    assert {e["data"]["competition"]["title"] for e in events} == {"SOTW"}
    assert events[0]["data"]["competition"]["metrics"] == ["attack", "zulrah"]


def test_member_joined_names_pending_and_tracked_members(
    allow_private, receiver, clan, django_capture_on_commit_callbacks
):
    _, secret = webhook_create(
        by=clan.owner, url=receiver.url, events=["member.joined"], format="json", group=clan.group
    )
    pending = Membership.objects.create(
        group=clan.group, pending_name="Newbie", pending_key="newbie"
    )
    tracked = Membership.objects.get(player=clan.member)

    with django_capture_on_commit_callbacks(execute=True):
        groups_signals.member_joined.send(
            sender=Group, group=clan.group, members=[tracked, pending]
        )
    run_queued("webhooks")

    [event] = events_received(receiver, secret)
    assert event["data"]["group"]["slug"] == "clan"
    assert [(m["username"], m["status"]) for m in event["data"]["members"]] == [
        ("Member", "tracked"),
        ("Newbie", "pending"),
    ]


def test_player_events_reach_the_groups_of_the_player(
    allow_private, receiver, clan, django_capture_on_commit_callbacks
):
    _, secret = webhook_create(
        by=clan.owner,
        url=receiver.url,
        events=["name_change.approved", "player.flagged", "hardcore.died"],
        format="json",
        group=clan.group,
    )
    outsider = PlayerFactory()
    with django_capture_on_commit_callbacks(execute=True):
        send_player_events(clan.member, outsider)
    run_queued("webhooks")

    events = events_received(receiver, secret)
    assert sorted(e["event"] for e in events) == [
        "hardcore.died",
        "name_change.approved",
        "player.flagged",
    ]
    assert {e["data"].get("player", {}).get("username", "Member") for e in events} == {"Member"}


def send_player_events(*players):
    for player in players:
        change = SimpleNamespace(
            id=1, old_name="Old", new_name=player.username, player_id=player.pk
        )
        players_signals.name_change_approved.send(sender=None, name_change=change)
        players_signals.player_flagged.send(
            sender=None, player=player, flag=SimpleNamespace(id=2, kind="rollback")
        )
        players_signals.game_mode_changed.send(
            sender=None, player=player, change=SimpleNamespace(kind="de_ironed")
        )
        players_signals.game_mode_changed.send(
            sender=None, player=player, change=SimpleNamespace(kind="hardcore_death")
        )


def test_a_builder_that_fails_never_breaks_the_sender(allow_private, receiver, clan, caplog):
    webhook_create(
        by=clan.owner, url=receiver.url, events=["member.joined"], format="json", group=clan.group
    )
    groups_signals.member_joined.send(sender=Group, group=clan.group, members=[object()])
    assert drain("webhooks") == []
    assert "webhook notice lost" in caplog.text


def test_a_signal_inside_a_transaction_that_rolls_back_sends_nothing(
    allow_private, receiver, clan, django_capture_on_commit_callbacks
):
    webhook_create(
        by=clan.owner, url=receiver.url, events=["player.flagged"], format="json", group=clan.group
    )
    with django_capture_on_commit_callbacks(execute=True):
        try:
            with transaction.atomic():
                send_player_events(clan.member)
                raise RuntimeError("the sender's write failed")
        except RuntimeError:
            pass
    assert drain("webhooks") == []
