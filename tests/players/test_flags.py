"""Flags: answers no account could give are held for staff, counted nowhere, and
resolved as a rollback or a name transfer without losing or mixing a record."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.utils import timezone

from hiscores import catalogue, levels
from hiscores.snapshot import ScoreValue, SkillValue, Snapshot
from players.errors import FlagAlreadyResolved
from players.flags import flag_preview, flag_resolve_name_transfer, flag_resolve_rollback
from players.models import FetchOutcome, FlagKind, FlagStatus, Player, PlayerFlag
from players.recording import fetch_record_success
from players.records import HiscoreRecord
from players.signals import player_flagged, record_written
from tests.factories import PlayerFactory

pytestmark = pytest.mark.django_db

START = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
BASE = 1_000_000


def answer(kc: int = 100, **xp: int) -> Snapshot:
    """Every skill at BASE XP unless given, Zulrah at `kc` kills."""
    skills = {slug: xp.get(slug, BASE) for slug in catalogue.SKILL_SLUGS}
    return Snapshot(
        overall=SkillValue(1, sum(levels.level(v) for v in skills.values()), sum(skills.values())),
        skills={slug: SkillValue(100, levels.level(v), v) for slug, v in skills.items()},
        bosses={"zulrah": ScoreValue(50, kc)},
        activities={"last_man_standing": ScoreValue(9, 500)},
    )


ROLLED_BACK = answer(kc=90, attack=BASE - 50_000, strength=BASE - 50_000, defence=BASE - 50_000)
# Another account: lower in some skills, far higher in others than hours allow.
STRANGER = answer(kc=3, attack=200_000, cooking=50_000_000, magic=90_000)


def record_at(player: Player, hours: float, snapshot: Snapshot) -> FetchOutcome:
    with time_machine.travel(START + timedelta(hours=hours), tick=False):
        return fetch_record_success(
            player_id=player.pk, snapshot=snapshot, started_at=timezone.now()
        )


@pytest.fixture
def player():
    player = PlayerFactory(username="Zezima", username_key="zezima")
    record_at(player, 0, answer())
    record_at(player, 1, answer(attack=BASE + 20_000))
    player.refresh_from_db()
    return player


def counts() -> tuple[int, set[int]]:
    """How many records there are, and their ids: nothing lost, nothing copied."""
    ids = set(HiscoreRecord.objects.values_list("pk", flat=True))
    return HiscoreRecord.objects.count(), ids


def test_an_ordinary_gain_is_stored_and_counted(player):
    assert record_at(player, 2, answer(attack=BASE + 100_000)) == FetchOutcome.STORED
    assert not HiscoreRecord.objects.filter(flagged=True).exists()
    assert not PlayerFlag.objects.exists()


def test_a_rolled_back_answer_is_held_and_the_player_flagged(
    player, django_capture_on_commit_callbacks
):
    latest = player.latest_record
    flagged, written = [], []

    def on_flag(sender, player, flag, **kwargs):
        flagged.append((player.pk, flag.pk))

    def on_record(sender, records, **kwargs):
        written.extend(records)

    player_flagged.connect(on_flag)
    record_written.connect(on_record)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            assert record_at(player, 2, ROLLED_BACK) == FetchOutcome.FLAGGED
            assert flagged == []  # only once the transaction commits
    finally:
        player_flagged.disconnect(on_flag)
        record_written.disconnect(on_record)

    held = HiscoreRecord.objects.get(flagged=True)
    flag = PlayerFlag.objects.get()
    player.refresh_from_db()
    assert player.latest_record == latest  # the latest record that counts stays
    assert flag.record == held and flag.status == FlagStatus.OPEN
    assert flag.kind == FlagKind.ROLLBACK
    assert set(flag.evidence["falls"]) == {
        "skill.attack",
        "skill.strength",
        "skill.defence",
        "boss.zulrah",
    }
    assert flag.evidence["rose"] == []  # values only fell
    assert flagged == [(player.pk, flag.pk)]
    assert written == []  # nothing counted was written


def test_a_return_to_an_earlier_state_played_on_suggests_a_rollback(player):
    grown = {"attack": BASE + 60_000, "strength": BASE + 40_000, "defence": BASE + 40_000}
    record_at(player, 2, answer(kc=110, **grown))
    # Back to the state of hour 1, then some cooking: three skills and a boss fell.
    assert record_at(player, 5, answer(attack=BASE + 20_000, cooking=BASE + 10_000)) == (
        FetchOutcome.FLAGGED
    )
    flag = PlayerFlag.objects.get()
    assert flag.kind == FlagKind.ROLLBACK
    assert flag.evidence["rose"] == ["skill.cooking"]
    assert flag.evidence["could_follow_record_at"] == (START + timedelta(hours=1)).isoformat()


def test_a_strangers_answer_suggests_a_name_transfer(player):
    assert record_at(player, 3, STRANGER) == FetchOutcome.FLAGGED
    flag = PlayerFlag.objects.get()
    assert flag.kind == FlagKind.NAME_TRANSFER
    assert "skill.cooking" in flag.evidence["impossible_gains"]
    assert flag.evidence["could_follow_record_at"] is None


def test_while_flagged_new_answers_are_held_and_unchanged_ones_write_nothing(player):
    record_at(player, 2, ROLLED_BACK)
    assert record_at(player, 3, ROLLED_BACK) == FetchOutcome.UNCHANGED
    assert record_at(player, 4, answer(kc=91, attack=BASE - 40_000)) == FetchOutcome.FLAGGED
    assert HiscoreRecord.objects.filter(flagged=True).count() == 2
    assert PlayerFlag.objects.count() == 1  # one open flag holds them all
    newest_held = HiscoreRecord.objects.filter(flagged=True).latest("fetched_at")
    assert newest_held.last_checked_at == START + timedelta(hours=4)


def test_held_records_count_in_no_history_stat_or_gain(player, api):
    counted_end = player.latest_record
    record_at(player, 2, STRANGER)
    history = api.get("/api/players/zezima/history", {"period": "day"}).json()
    stats = api.get("/api/players/zezima/stats").json()
    at = api.get("/api/players/zezima/stats", {"at": timezone.now().isoformat()}).json()
    skill = api.get("/api/players/zezima/history/skills/cooking", {"days": 1}).json()
    assert history["end_record_at"].startswith(counted_end.fetched_at.isoformat()[:19])
    assert history["experience_gained"]["cooking"] == 0
    assert stats["skills"]["cooking"]["experience"] == BASE
    assert at["skills"]["cooking"]["experience"] == BASE
    assert all(point["experience"] == BASE for point in skill["timeline"])


def test_resolving_as_a_rollback_counts_the_held_records_from_now_on(
    player, django_capture_on_commit_callbacks
):
    record_at(player, 2, ROLLED_BACK)
    record_at(player, 3, answer(kc=91, attack=BASE - 40_000))
    before = counts()
    flag = PlayerFlag.objects.get()
    released = []

    def on_record(sender, records, **kwargs):
        released.extend(r.pk for r in records)

    record_written.connect(on_record)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            flag_resolve_rollback(flag=flag)
    finally:
        record_written.disconnect(on_record)

    flag.refresh_from_db()
    player.refresh_from_db()
    assert counts() == before
    assert not HiscoreRecord.objects.filter(flagged=True).exists()
    assert player.latest_record == HiscoreRecord.objects.latest("fetched_at")
    assert flag.status == FlagStatus.RESOLVED and flag.resolution == FlagKind.ROLLBACK
    assert sorted(released) == sorted(
        HiscoreRecord.objects.filter(fetched_at__gte=START + timedelta(hours=2)).values_list(
            "pk", flat=True
        )
    )
    # From now on the player is judged against the released state: a small gain is fine.
    assert record_at(player, 4, answer(kc=92, attack=BASE - 30_000)) == FetchOutcome.STORED


def test_a_flag_resolves_once(player):
    record_at(player, 2, ROLLED_BACK)
    flag = PlayerFlag.objects.get()
    flag_resolve_rollback(flag=flag)
    with pytest.raises(FlagAlreadyResolved) as caught:
        flag_resolve_name_transfer(flag=flag)
    assert caught.value.status_code == 409
    assert not Player.objects.filter(archived=True).exists()


def test_a_name_transfer_archives_the_old_history_and_keeps_the_new_account(player, api):
    old_ids = set(HiscoreRecord.objects.filter(player=player).values_list("pk", flat=True))
    record_at(player, 2, STRANGER)
    record_at(player, 3, answer(kc=4, attack=210_000, cooking=50_000_000, magic=90_000))
    new_ids = set(HiscoreRecord.objects.filter(flagged=True).values_list("pk", flat=True))
    before = counts()
    flag = PlayerFlag.objects.get()

    flag_resolve_name_transfer(flag=flag)

    flag.refresh_from_db()
    player.refresh_from_db()
    archived = flag.archived_player
    assert counts() == before
    assert set(archived.records.values_list("pk", flat=True)) == old_ids
    assert set(player.records.values_list("pk", flat=True)) == new_ids
    assert not HiscoreRecord.objects.filter(flagged=True).exists()
    assert player.latest_record_id == max(new_ids)
    assert archived.archived and not archived.is_active and archived.username == "Zezima"
    assert not Player.objects.due_for_fetch(timezone.now() + timedelta(days=30)).filter(
        pk=archived.pk
    )
    listed = api.get("/api/players").json()["results"]
    assert [p["username"] for p in listed] == ["Zezima"]
    assert api.get("/api/players/zezima").json()["id"] == player.pk
    # The tracked name now reads the new account only.
    stats = api.get("/api/players/zezima/stats").json()
    assert stats["skills"]["cooking"]["experience"] == 50_000_000


def test_the_preview_says_what_each_choice_moves(player):
    record_at(player, 2, STRANGER)
    preview = flag_preview(flag=PlayerFlag.objects.get())
    assert (preview.counted, preview.held) == (2, 1)
    assert "2 record(s)" in preview.name_transfer("Zezima")
    assert "1 held record(s)" in preview.rollback()
    assert HiscoreRecord.objects.count() == 3  # a preview changes nothing


def test_a_name_transfer_followed_by_a_rollback_loses_and_copies_nothing(player):
    """Bad input: the name passes to another account, which Jagex then rolls back."""
    total = HiscoreRecord.objects.count()
    record_at(player, 2, STRANGER)
    record_at(player, 3, answer(kc=5, attack=260_000, cooking=50_100_000, magic=95_000))
    total += 2
    flag_resolve_name_transfer(flag=PlayerFlag.objects.get(status=FlagStatus.OPEN))
    assert counts()[0] == total
    archived = Player.objects.get(archived=True)
    archived_ids = set(archived.records.values_list("pk", flat=True))

    # The new account is rolled back: three values fall at once.
    rolled = answer(kc=4, attack=210_000, cooking=50_000_000, magic=90_000)
    assert record_at(player, 4, rolled) == FetchOutcome.FLAGGED
    total += 1
    second = PlayerFlag.objects.get(status=FlagStatus.OPEN)
    assert second.kind == FlagKind.ROLLBACK  # it could follow the new account's first state
    flag_resolve_rollback(flag=second)

    player.refresh_from_db()
    count, ids = counts()
    assert count == total == len(ids)
    assert set(archived.records.values_list("pk", flat=True)) == archived_ids  # untouched
    assert player.records.count() == 3
    assert player.records.count() + archived.records.count() == total
    assert not HiscoreRecord.objects.filter(flagged=True).exists()
    assert Player.objects.filter(archived=True).count() == 1
    assert player.latest_record == player.records.latest("fetched_at")


def test_a_fetch_recorded_after_a_transfer_continues_the_new_history(player):
    record_at(player, 2, STRANGER)
    flag_resolve_name_transfer(flag=PlayerFlag.objects.get())
    assert record_at(player, 3, STRANGER) == FetchOutcome.UNCHANGED
    assert record_at(player, 4, answer(kc=3, attack=210_000, cooking=50_000_000, magic=90_000)) == (
        FetchOutcome.STORED
    )
    assert Player.objects.get(archived=True).records.count() == 2


def test_an_archived_player_is_never_recorded(player):
    record_at(player, 2, STRANGER)
    flag = flag_resolve_name_transfer(flag=PlayerFlag.objects.get())
    archived = flag.archived_player
    before = counts()
    with time_machine.travel(START + timedelta(hours=5), tick=False):
        outcome = fetch_record_success(
            player_id=archived.pk, snapshot=answer(), started_at=timezone.now()
        )
    assert outcome is None
    assert counts() == before


def test_held_records_count_in_no_gains_table(player):
    from progress.deltas import expire, refresh
    from progress.models import Delta

    record_at(player, 2, STRANGER)
    expire([player.pk])  # what the record_written receiver does on commit
    refresh([player.pk], now=START + timedelta(hours=3), expired_only=False)
    gains = dict(
        Delta.objects.filter(window__player=player, period="day").values_list("metric", "gained")
    )
    assert gains.get("attack") == 20_000  # hour 0 to hour 1, the held record left out
    assert "cooking" not in gains


def fetched_at(player: Player, hours: float) -> str:
    from players.tasks import fetch_player

    with time_machine.travel(START + timedelta(hours=hours), tick=False):
        return fetch_player.apply(args=(player.pk,)).get()


def test_a_jagex_rollback_on_the_fake_hiscores_is_held_then_accepted(fake_hiscores):
    skills = {"attack": 5_000_000, "strength": 5_000_000, "defence": 5_000_000}
    fake_hiscores.add_player("Rolled Back", skills=skills, bosses={"zulrah": 300})
    player = PlayerFactory(username="Rolled Back")
    assert fetched_at(player, 0) == "stored"
    fake_hiscores.gain("Rolled Back", "attack", 30_000)
    assert fetched_at(player, 1) == "stored"

    fake_hiscores.roll_back("Rolled Back", 100_000)
    assert fetched_at(player, 2) == "flagged"
    assert fetched_at(player, 3) == "unchanged"
    flag = PlayerFlag.objects.get()
    assert flag.kind == FlagKind.ROLLBACK

    flag_resolve_rollback(flag=flag)
    fake_hiscores.gain("Rolled Back", "attack", 1_000)
    assert fetched_at(player, 4) == "stored"
    assert HiscoreRecord.objects.filter(player=player, flagged=False).count() == 4


def test_another_account_taking_the_name_on_the_fake_hiscores_is_archived_apart(fake_hiscores):
    fake_hiscores.add_player(
        "Taken Name", skills={"attack": 5_000_000, "magic": 3_000_000}, bosses={"zulrah": 300}
    )
    player = PlayerFactory(username="Taken Name")
    assert fetched_at(player, 0) == "stored"
    # The old account renames away; a new one takes the name.
    fake_hiscores.add_player(
        "Taken Name",
        skills={"attack": 50_000, "magic": 40_000, "cooking": 60_000_000},
        bosses={"zulrah": 0},
    )
    assert fetched_at(player, 1) == "flagged"
    flag = PlayerFlag.objects.get()
    assert flag.kind == FlagKind.NAME_TRANSFER

    flag_resolve_name_transfer(flag=flag)

    archived = Player.objects.get(archived=True)
    old = archived.records.get()
    new = Player.objects.get(pk=player.pk).records.get()
    assert old.skills_data["attack"]["experience"] == 5_000_000
    assert new.skills_data["attack"]["experience"] == 50_000
    assert fetched_at(player, 2) == "unchanged"  # the new account carries on


def test_after_a_name_transfer_the_old_accounts_achievements_are_rebuilt_away(
    django_capture_on_commit_callbacks,
):
    from progress.models import Achievement
    from tests.queued import run_queued

    player = PlayerFactory(username="Zezima", username_key="zezima")
    with django_capture_on_commit_callbacks(execute=True):
        record_at(player, 0, answer(attack=13_100_000))  # a 99 in Attack
    assert Achievement.objects.filter(player=player, key="attack.level.99").exists()
    record_at(player, 1, STRANGER)  # another account: Attack 200k

    with django_capture_on_commit_callbacks(execute=True):
        flag_resolve_name_transfer(flag=PlayerFlag.objects.get())
    run_queued("celery")

    assert not Achievement.objects.filter(player=player, key="attack.level.99").exists()
