"""Pending members (docs/api.md, "Groups"): the collector checks their names a few
per tick, within what the fetch budget leaves, through the tracking service."""

from __future__ import annotations

import pytest
from django.utils import timezone

from groups.models import Membership, MemberStatus
from groups.services import check_pending_members, group_create
from groups.tasks import check_pending
from players.models import Player
from tests.factories import PlayerFactory

pytestmark = pytest.mark.django_db


def statuses() -> dict[str, str]:
    return {
        (m.player.username if m.player else m.pending_name): m.status
        for m in Membership.objects.select_related("player")
    }


def test_a_pending_name_on_the_hiscores_becomes_tracked_and_one_off_them_not_found(
    user, fake_hiscores
):
    group_create(name="Clan", owner=user, members=["PSIKOI", "nobody here"])
    assert fake_hiscores.request_count == 0  # adding asked nothing
    assert check_pending() == 2
    assert statuses() == {"Psikoi": MemberStatus.TRACKED, "nobody here": MemberStatus.NOT_FOUND}
    player = Player.objects.get(username_key="psikoi")
    assert player.added_by is None  # nobody's add quota
    assert player.latest_record is not None


def test_each_tick_checks_at_most_the_setting(user, fake_hiscores, settings):
    settings.GROUP_PENDING_CHECKS_PER_TICK = 1
    group_create(name="Clan", owner=user, members=["PSIKOI", "nobody here"])
    assert check_pending_members() == 1
    assert sorted(statuses().values()) == [MemberStatus.PENDING, MemberStatus.TRACKED]


def test_no_check_runs_while_the_budget_is_spent(user, fake_hiscores, settings):
    settings.OSRS_MAX_REQUESTS_PER_SECOND = 0.001
    settings.SCHEDULER_TICK_SECONDS = 1
    now = timezone.now()
    PlayerFactory(fetch_claimed_until=now + timezone.timedelta(minutes=1))  # in flight
    group_create(name="Clan", owner=user, members=["PSIKOI"])
    assert check_pending_members(now=now) == 0
    assert fake_hiscores.request_count == 0


def test_a_name_pending_in_two_groups_is_checked_once_for_both(user, fake_hiscores):
    group_create(name="One", owner=user, members=["PSIKOI"])
    group_create(name="Two", owner=user, members=["psikoi"])
    assert check_pending_members() == 1  # one name, settled in both groups
    assert Player.objects.count() == 1
    assert Membership.objects.filter(status=MemberStatus.TRACKED).count() == 2


def test_a_name_tracked_meanwhile_resolves_without_asking(user, fake_hiscores):
    group_create(name="Clan", owner=user, members=["Zezima"])
    PlayerFactory(username="Zezima")
    assert check_pending_members() == 1
    assert fake_hiscores.request_count == 0
    assert statuses() == {"Zezima": MemberStatus.TRACKED}


def test_a_group_holding_the_player_already_drops_the_pending_row(user, fake_hiscores):
    group, _ = group_create(name="Clan", owner=user, members=["Zezima"])
    player = PlayerFactory(username="Zezima")
    Membership.objects.create(group=group, player=player, status=MemberStatus.TRACKED)
    # (as when the player was added to the group directly once tracked)
    check_pending_members()
    assert Membership.objects.filter(group=group).count() == 1
