"""Conditional reads of stats (docs/api.md, "Conditional requests"): validators from
the latest record, 304 without a body, bodies kept per latest record; and the
players list without per-row work."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils.http import http_date
from redis import RedisError

from hiscores.snapshot import ScoreValue, SkillValue, Snapshot
from players.api.players import PlayerFilter
from players.api.serializers import PlayerSerializer
from players.conditional import UNLISTED_FIELDS
from players.models import Player
from players.recording import fetch_record_success
from tests.factories import PlayerFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 6, 15, 12, 0, tzinfo=UTC)
STATS = "/api/players/zezima/stats"
# The signed-in user: a query, unless USER_STATE_CACHE keeps it in the cache.
USER = 0 if settings.USER_STATE_CACHE else 1
# The version query, unless READ_STAMPS proves a kept body current from the cache.
VERSION = 0 if settings.READ_STAMPS else 1


def snapshot(attack_xp: int = 1_000_000) -> Snapshot:
    return Snapshot(
        overall=SkillValue(rank=10_000, level=500, experience=attack_xp + 5_000_000),
        skills={"attack": SkillValue(500, 73, attack_xp)},
        bosses={"zulrah": ScoreValue(rank=1234, score=50)},
        activities={},
    )


def fetch(player: Player, attack_xp: int = 1_000_000) -> None:
    """A fetch as the collector records it: a new record when a value changed,
    otherwise only the latest record's last_checked_at moves."""
    fetch_record_success(player_id=player.pk, snapshot=snapshot(attack_xp), started_at=NOW)


def attack_xp(response) -> int:
    return response.json()["skills"]["attack"]["experience"]


@pytest.fixture
def clock():
    """Frozen at NOW; ask for it before `api`, so the token is issued at NOW too."""
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def zezima(clock):
    player = PlayerFactory(username="Zezima")
    fetch(player)
    return player


@pytest.fixture
def cache_lookup() -> int:
    """Queries a cache lookup costs: the embedded default's cache is a table."""
    backend = settings.CACHES["default"]["BACKEND"]
    return 1 if backend.endswith("DatabaseCache") else 0


def test_a_read_carries_its_validators(zezima, api):
    response = api.get(STATS)
    assert response.status_code == 200
    assert response["ETag"].startswith('W/"')
    assert response["Last-Modified"] == http_date(NOW.timestamp())
    assert response["Cache-Control"] == "private, no-cache"


def test_a_matching_etag_gets_304_from_the_validator_alone(
    zezima, api, cache_lookup, django_assert_num_queries
):
    etag = api.get(STATS)["ETag"]
    with django_assert_num_queries(USER + VERSION + cache_lookup):
        response = api.get(STATS, HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 304
    assert response.content == b""
    assert response["ETag"] == etag


def test_an_etag_among_others_and_its_strong_spelling_match(zezima, api):
    etag = api.get(STATS)["ETag"]
    assert api.get(STATS, HTTP_IF_NONE_MATCH=f'"other", {etag}').status_code == 304
    assert api.get(STATS, HTTP_IF_NONE_MATCH=etag.removeprefix("W/")).status_code == 304
    assert api.get(STATS, HTTP_IF_NONE_MATCH='"other"').status_code == 200


def test_if_modified_since_compares_with_the_last_check(zezima, api):
    assert api.get(STATS, HTTP_IF_MODIFIED_SINCE=http_date(NOW.timestamp())).status_code == 304
    earlier = http_date((NOW - timedelta(seconds=1)).timestamp())
    assert api.get(STATS, HTTP_IF_MODIFIED_SINCE=earlier).status_code == 200


def test_if_none_match_decides_over_if_modified_since(zezima, api):
    since = http_date(NOW.timestamp())
    response = api.get(STATS, HTTP_IF_NONE_MATCH='"other"', HTTP_IF_MODIFIED_SINCE=since)
    assert response.status_code == 200


def test_a_new_record_gives_a_new_etag_and_the_new_body(stamps, zezima, api, clock):
    etag = api.get(STATS)["ETag"]
    clock.shift(timedelta(minutes=5))
    fetch(zezima, attack_xp=1_200_000)
    response = api.get(STATS, HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 200
    assert response["ETag"] != etag
    assert attack_xp(response) == 1_200_000
    assert response["Last-Modified"] == http_date((NOW + timedelta(minutes=5)).timestamp())


def test_an_unchanged_fetch_moves_the_etag_and_the_kept_body(stamps, zezima, api, clock):
    first = api.get(STATS)
    clock.shift(timedelta(minutes=5))
    fetch(zezima)  # same values: no new record, last_checked_at moves
    response = api.get(STATS, HTTP_IF_NONE_MATCH=first["ETag"])
    assert response.status_code == 200
    assert response["ETag"] != first["ETag"]
    assert response.json()["fetched_at"] == first.json()["fetched_at"]
    assert response.json()["last_checked_at"] == "2026-06-15T12:05:00Z"


def test_a_repeated_read_is_served_without_building_the_body(
    zezima, api, cache_lookup, django_assert_num_queries
):
    first = api.get(STATS)
    with django_assert_num_queries(USER + VERSION + cache_lookup):
        again = api.get(STATS)
    assert again.status_code == 200
    assert again.content == first.content
    assert again["ETag"] == first["ETag"]
    assert again["Content-Type"] == first["Content-Type"] == "application/json"


def test_the_cache_never_serves_one_players_body_for_another(zezima, api):
    other = PlayerFactory(username="Lynx Titan")
    fetch(other, attack_xp=2_000_000)  # written at the same moment as zezima's
    mine, theirs = api.get(STATS), api.get("/api/players/lynx_titan/stats")
    assert (mine.json()["username"], attack_xp(mine)) == ("Zezima", 1_000_000)
    assert (theirs.json()["username"], attack_xp(theirs)) == ("Lynx Titan", 2_000_000)
    assert mine["ETag"] != theirs["ETag"]
    assert api.get(STATS).json()["username"] == "Zezima"


def test_stats_at_a_moment_are_kept_apart_from_the_latest(zezima, api, clock):
    clock.shift(timedelta(minutes=10))
    fetch(zezima, attack_xp=1_200_000)
    then = {"at": "2026-06-15T12:05:00Z"}
    for _ in range(2):  # built, then from the cache
        assert attack_xp(api.get(STATS, then)) == 1_000_000
        assert attack_xp(api.get(STATS)) == 1_200_000
    assert api.get(STATS, then)["ETag"] != api.get(STATS)["ETag"]


def test_stats_at_a_later_moment_follow_a_new_record(zezima, api, clock):
    ahead = {"at": "2026-06-15T18:00:00Z"}  # within the day ahead a clock may err by
    assert attack_xp(api.get(STATS, ahead)) == 1_000_000
    clock.shift(timedelta(minutes=10))
    fetch(zezima, attack_xp=1_200_000)
    assert attack_xp(api.get(STATS, ahead)) == 1_200_000


def test_stats_at_a_past_moment_keep_their_body_after_a_new_record(zezima, api, clock):
    then = {"at": "2026-06-15T12:05:00Z"}
    first = api.get(STATS, then)
    clock.shift(timedelta(minutes=10))
    fetch(zezima, attack_xp=1_200_000)
    again = api.get(STATS, then, HTTP_IF_NONE_MATCH=first["ETag"])
    # The version is the latest record's: it moved, so the answer is sent again.
    assert again.status_code == 200
    assert again.json() == first.json()


def test_a_renamed_player_is_read_afresh_under_both_names(stamps, zezima, api):
    assert api.get(STATS).json()["username"] == "Zezima"
    zezima.username, zezima.username_key = "Lynx Titan", "lynx titan"
    zezima.save(update_fields=["username", "username_key"])
    assert api.get(STATS).status_code == 404
    assert api.get("/api/players/lynx_titan/stats").json()["username"] == "Lynx Titan"


def test_a_deleted_player_is_no_longer_read_from_the_cache(stamps, zezima, api):
    assert api.get(STATS).status_code == 200
    zezima.delete()
    assert api.get(STATS).status_code == 404


def test_a_record_written_while_a_body_is_built_is_not_hidden_by_it(
    stamps, zezima, api, clock, monkeypatch
):
    """The stamps are read before the version: a fetch that commits after the
    version query leaves the body built meanwhile under stamps it replaced."""
    from players import conditional

    clock.shift(timedelta(minutes=5))
    row_by_key = conditional._row_by_key

    def then_a_fetch(key):
        row = row_by_key(key)
        monkeypatch.setattr(conditional, "_row_by_key", row_by_key)
        fetch(zezima, attack_xp=1_200_000)
        return row

    monkeypatch.setattr(conditional, "_row_by_key", then_a_fetch)
    racing = api.get(STATS, HTTP_IF_NONE_MATCH='"other"')
    assert racing.status_code == 200
    after = api.get(STATS)
    assert attack_xp(after) == 1_200_000
    assert after["ETag"] != racing["ETag"]
    assert after["Last-Modified"] == http_date((NOW + timedelta(minutes=5)).timestamp())


def test_any_spelling_of_the_name_reads_the_same_answer(zezima, api):
    assert api.get(STATS).content == api.get("/api/players/ZEZIMA/stats").content


def test_errors_are_never_kept(clock, api):
    player = PlayerFactory(username="Zezima")
    assert api.get(STATS).status_code == 404  # no record yet
    assert api.get("/api/players/nobody/stats").status_code == 404
    assert api.get(STATS, {"at": "yesterday"}).status_code == 422
    fetch(player)
    assert api.get(STATS).status_code == 200
    assert api.get(STATS, {"at": "2026-06-15T11:00:00Z"}).status_code == 404  # before it


def test_a_validator_never_answers_before_authentication(zezima, api, anon):
    etag = api.get(STATS)["ETag"]
    assert anon.get(STATS, HTTP_IF_NONE_MATCH=etag).status_code == 401


class CacheAway:
    def get(self, *args, **kwargs):
        raise RedisError("Connection refused")

    set = get_many = set_many = add = get


def test_a_read_is_answered_while_the_cache_is_away(zezima, api, monkeypatch):
    monkeypatch.setattr("api.conditional.cache", CacheAway())
    response = api.get(STATS)
    assert response.status_code == 200
    assert attack_xp(response) == 1_000_000
    assert api.get(STATS, HTTP_IF_NONE_MATCH=response["ETag"]).status_code == 304


def test_an_answer_built_by_another_release_is_built_again(zezima, api, monkeypatch):
    first = api.get(STATS)
    monkeypatch.setattr("api.conditional._release", lambda: "another release")
    again = api.get(STATS, HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 200
    assert again["ETag"] != first["ETag"]


# --- The batch ---------------------------------------------------------------------


BATCH = "/api/stats"


def test_a_batch_gets_304_until_one_of_its_players_changes(zezima, api, clock):
    other = PlayerFactory(username="Lynx Titan")
    fetch(other)
    names = {"usernames": "zezima,Lynx Titan"}
    first = api.get(BATCH, names)
    assert "Last-Modified" not in first  # a name untracked since leaves no date
    assert api.get(BATCH, names, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304
    clock.shift(timedelta(minutes=5))
    fetch(other, attack_xp=1_300_000)
    again = api.get(BATCH, names, HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 200
    assert attack_xp_of(again, "Lynx Titan") == 1_300_000
    assert attack_xp_of(again, "zezima") == 1_000_000


def test_a_batch_changes_when_a_name_is_tracked_or_untracked(zezima, api):
    names = {"usernames": "zezima,newcomer"}
    first = api.get(BATCH, names)
    assert first.json()["newcomer"] is None
    newcomer = PlayerFactory(username="Newcomer")
    fetch(newcomer)
    tracked = api.get(BATCH, names, HTTP_IF_NONE_MATCH=first["ETag"])
    assert tracked.status_code == 200
    assert tracked.json()["newcomer"]["username"] == "Newcomer"
    newcomer.delete()
    untracked = api.get(BATCH, names, HTTP_IF_NONE_MATCH=tracked["ETag"])
    assert untracked.status_code == 200
    assert untracked.json()["newcomer"] is None


def test_a_bad_name_list_is_still_a_422(zezima, api):
    assert api.get(BATCH, {"usernames": "zezima,not*fine"}).status_code == 422


def attack_xp_of(response, name: str) -> int:
    return response.json()[name]["skills"]["attack"]["experience"]


# --- The players list --------------------------------------------------------------


def test_the_players_list_costs_the_same_queries_for_any_page_size(
    clock, api, settings, django_assert_num_queries
):
    # The count asked every time; kept under stamps it is no query at all
    # (tests/players/test_players_api.py).
    settings.READ_STAMPS = False
    for n in range(3):
        fetch(PlayerFactory(username=f"Few {n}"))
    api.get("/api/players")  # the user is in the cache from now on, where it is kept
    queries = USER + 2  # the user (or not), the count, the page
    with django_assert_num_queries(queries):
        assert len(api.get("/api/players").json()["results"]) == 3
    for n in range(40):
        fetch(PlayerFactory(username=f"Many {n}"))
    with django_assert_num_queries(queries):
        assert len(api.get("/api/players").json()["results"]) == 43


def test_a_listed_player_reads_as_the_player_itself(clock, api):
    fetch(PlayerFactory(username="Zezima"))
    Player.objects.update(created_at=NOW - timedelta(microseconds=1))  # microseconds are kept
    listed = api.get("/api/players").json()["results"]
    assert listed == [api.get("/api/players/zezima").json()]
    assert listed == [PlayerSerializer(Player.objects.get()).data]
    assert listed[0]["last_fetched"] == "2026-06-15T12:00:00Z"
    assert listed[0]["created_at"] == "2026-06-15T11:59:59.999999Z"


def test_a_listed_timestamp_keeps_its_trailing_zeros_and_its_nulls(clock, api):
    player = PlayerFactory(username="Zezima")
    Player.objects.update(created_at=NOW - timedelta(milliseconds=120), last_fetched=None)
    listed = api.get("/api/players").json()["results"]
    assert listed == [PlayerSerializer(Player.objects.get(pk=player.pk)).data]
    assert listed[0]["created_at"] == "2026-06-15T11:59:59.880000Z"
    assert listed[0]["last_fetched"] is None


# --- Kept pages of the players list -----------------------------------------------------

LIST = "/api/players"


def player_queries(captured) -> list[str]:
    return [q["sql"] for q in captured.captured_queries if "players_player" in q["sql"]]


def test_a_page_of_the_list_is_kept_and_revalidated(clock, api, settings):
    settings.READ_STAMPS = True
    fetch(PlayerFactory(username="Zezima"))
    first = api.get(LIST)
    assert first.status_code == 200 and first["ETag"]
    assert "Last-Modified" not in first  # a player untracked since would leave no date
    with CaptureQueriesContext(connection) as captured:
        again = api.get(LIST)
    assert again.json() == first.json()
    assert player_queries(captured) == []
    assert api.get(LIST, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304


def _fetched_again(player: Player, clock) -> None:
    clock.shift(timedelta(seconds=30))  # within a stamp's life (api.conditional)
    fetch(player, attack_xp=2_000_000)


@pytest.mark.parametrize(
    ("write", "field", "expected"),
    [
        (_fetched_again, "last_fetched", "2026-06-15T12:00:30Z"),
        (
            lambda player, clock: Player.objects.filter(pk=player.pk).update(status="failing"),
            "status",
            "failing",
        ),
        (
            lambda player, clock: Player.objects.bulk_update(
                [Player(pk=player.pk, is_active=False)], ["is_active"]
            ),
            "is_active",
            False,
        ),
        (
            lambda player, clock: Player(pk=player.pk, fetch_interval_minutes=120).save(
                update_fields=["fetch_interval_minutes"]
            ),
            "fetch_interval_minutes",
            120,
        ),
        (lambda player, clock: player.delete(), None, None),
    ],
    ids=["recorded", "update", "bulk update", "save", "delete"],
)
def test_a_kept_page_follows_every_write_of_what_it_shows(
    stamps, clock, api, django_capture_on_commit_callbacks, write, field, expected
):
    player = PlayerFactory(username="Zezima")
    fetch(player)
    assert api.get(LIST).json()["count"] == 1
    with django_capture_on_commit_callbacks(execute=True):
        write(player, clock)
    body = api.get(LIST).json()
    if field is None:
        assert (body["count"], body["results"]) == (0, [])
    else:
        assert body["results"][0][field] == expected


def test_a_write_of_columns_the_list_never_reads_keeps_its_pages(clock, api, settings):
    settings.READ_STAMPS = True
    player = PlayerFactory(username="Zezima")
    first = api.get(LIST).json()
    Player.objects.filter(pk=player.pk).update(fetch_claimed_until=NOW)
    with CaptureQueriesContext(connection) as captured:
        assert api.get(LIST).json() == first
    assert player_queries(captured) == []


def test_no_column_the_list_reads_is_taken_for_one_it_never_reads():
    read = {
        *PlayerSerializer.Meta.fields,
        *PlayerFilter.Meta.fields,
        *Player._meta.ordering,
        "username_key",  # the search
        "archived",  # archived players are not listed
    }
    assert not read & UNLISTED_FIELDS
    columns = {f.name for f in Player._meta.concrete_fields} | {
        f.attname for f in Player._meta.concrete_fields
    }
    assert columns >= UNLISTED_FIELDS  # each one names a column


# --- One round trip to the cache ------------------------------------------------------


@pytest.fixture
def cache_calls(settings, monkeypatch):
    """Calls to the cache by name, with the user's state kept there (as on Redis)."""
    from django.core.cache import caches

    settings.USER_STATE_CACHE = True
    backend = type(caches["default"])
    calls = []
    for name in ("get", "get_many"):
        original = getattr(backend, name)

        def counted(self, *args, _name=name, _original=original, **kwargs):
            calls.append(_name)
            return _original(self, *args, **kwargs)

        monkeypatch.setattr(backend, name, counted)
    return calls


def test_a_kept_body_comes_with_the_users_state_in_one_round_trip(zezima, api, cache_calls):
    first = api.get(STATS)
    cache_calls.clear()
    again = api.get(STATS)
    assert cache_calls == ["get_many"]
    assert again.content == first.content
    assert again["ETag"] == first["ETag"]


def test_a_body_fetched_with_the_users_state_is_still_checked(zezima, api, clock, cache_calls):
    etag = api.get(STATS)["ETag"]
    clock.shift(timedelta(minutes=5))
    fetch(zezima, attack_xp=1_200_000)
    response = api.get(STATS, HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 200
    assert attack_xp(response) == 1_200_000


def test_a_read_is_answered_while_the_whole_cache_is_away(zezima, api, settings, monkeypatch):
    from django.core.cache import caches

    settings.USER_STATE_CACHE = True
    backend = type(caches["default"])
    for name in ("get", "get_many", "set"):
        monkeypatch.setattr(backend, name, CacheAway.get)
    response = api.get(STATS)
    assert response.status_code == 200
    assert attack_xp(response) == 1_000_000
    assert api.get(STATS, HTTP_IF_NONE_MATCH=response["ETag"]).status_code == 304
