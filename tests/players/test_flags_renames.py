"""A rename that would merge a flagged player waits for the flag: held records
never join, or mix into, another history."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from players.errors import NameChangeBlocked
from players.flags import flag_resolve_rollback
from players.models import NameChangeStatus, Player, PlayerFlag
from players.records import HiscoreRecord
from players.renames import name_change_approve, name_change_request
from tests.factories import HiscoreRecordFactory, PlayerFactory, skills_data
from tests.players.test_renames import clock, later, records, track  # noqa: F401 (fixtures)

pytestmark = pytest.mark.django_db


def test_a_merge_with_a_flagged_player_waits_for_the_flag(
    fake_hiscores,
    track,  # noqa: F811
    clock,  # noqa: F811
    staff_user,
):
    alice = track("Alice")
    fake_hiscores.rename_player("Alice", "Bob")
    fake_hiscores.set_fault("503", times=1)
    change = name_change_request(old_name="Alice", new_name="Bob")  # pending
    later(clock, 1)
    bob = PlayerFactory(username="Bob", username_key="bob")
    counted = HiscoreRecordFactory(player=bob, fetched_at=datetime.now(UTC))
    later(clock, 1)
    held = HiscoreRecordFactory(
        player=bob, fetched_at=datetime.now(UTC), flagged=True, skills_data=skills_data(5)
    )
    flag = PlayerFlag.objects.create(
        player=bob, record=held, kind="rollback", created_at=datetime.now(UTC)
    )
    before = records()

    with pytest.raises(NameChangeBlocked) as blocked:
        name_change_approve(name_change_id=change.pk, by=staff_user)

    assert blocked.value.details == {"flagged": ["Bob"]}
    assert records() == before
    assert Player.objects.filter(pk=bob.pk).exists()

    flag_resolve_rollback(flag=flag)
    change = name_change_approve(name_change_id=change.pk, by=staff_user)

    alice.refresh_from_db()
    assert change.status == NameChangeStatus.APPROVED
    assert [r[0] for r in records()] == [r[0] for r in before]
    assert set(HiscoreRecord.objects.values_list("player", flat=True)) == {alice.pk}
    assert alice.latest_record_id == held.pk != counted.pk
