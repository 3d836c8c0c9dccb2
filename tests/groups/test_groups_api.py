"""Groups through the API (docs/api.md, "Groups"): creating, listing, members
added a result per name without asking the hiscores, and the reads."""

from __future__ import annotations

from datetime import timedelta

import pytest

from groups.models import Group, Membership, MemberStatus
from groups.signals import member_joined
from players.models import Player
from progress import achievement_store, efficiency
from tests.conftest import bearer_client
from tests.factories import PlayerFactory, UserFactory
from tests.progress.builders import NOW, add_record, boss_entries, skill_entries

pytestmark = pytest.mark.django_db


def make_group(api, name="Iron Clan", members=()):
    response = api.post("/api/groups", {"name": name, "members": list(members)}, format="json")
    assert response.status_code == 201, response.content
    return response.json()


def test_the_creator_owns_a_new_group_and_tracked_names_join_as_players(api, user):
    PlayerFactory(username="Zezima")
    body = make_group(api, members=["zezima", "Not Tracked", "bad name!!"])
    assert body["owner"] == user.username
    assert body["slug"] == "iron-clan"
    results = {r["username"]: r for r in body["results"]}
    assert results["Zezima"]["result"] == "added"
    assert results["Zezima"]["status"] == "tracked"
    assert results["Not Tracked"]["status"] == "pending"
    assert results["bad name!!"]["result"] == "invalid_name"
    statuses = {m["username"]: m["status"] for m in body["members"]}
    assert statuses == {"Zezima": "tracked", "Not Tracked": "pending"}


def test_two_groups_of_one_name_get_two_slugs(api):
    assert make_group(api)["slug"] != make_group(api)["slug"]


def test_a_name_twice_in_one_call_is_reported_once_as_duplicate(api):
    group = make_group(api)
    response = api.post(
        f"/api/groups/{group['slug']}/members",
        {"usernames": ["Lynx Titan", "lynx_titan", "LYNX TITAN"]},
        format="json",
    )
    assert response.status_code == 200
    assert [r["result"] for r in response.json()["results"]] == ["added", "duplicate", "duplicate"]
    assert Membership.objects.count() == 1


def test_adding_a_member_again_says_already_a_member(api):
    PlayerFactory(username="Zezima")
    group = make_group(api, members=["Zezima", "Pending One"])
    response = api.post(
        f"/api/groups/{group['slug']}/members",
        {"usernames": ["zezima", "pending one"]},
        format="json",
    )
    assert [r["result"] for r in response.json()["results"]] == ["already_member"] * 2
    assert response.json()["added"] == 0


def test_two_thousand_names_in_one_call_join_without_asking_the_hiscores(api, settings):
    # No fake server is configured: a hiscores request would fail the call.
    settings.OSRS_HISCORES_BASE_URL = "http://127.0.0.1:9"
    tracked = [PlayerFactory(username=f"T{n}").username for n in range(100)]
    names = tracked + [f"P{n}" for n in range(1900)]
    group = make_group(api)
    response = api.post(f"/api/groups/{group['slug']}/members", {"usernames": names}, format="json")
    assert response.status_code == 200
    assert response.json()["added"] == 2000
    statuses = Membership.objects.values_list("status", flat=True)
    assert sorted(set(statuses)) == [MemberStatus.PENDING, MemberStatus.TRACKED]
    assert list(statuses).count(MemberStatus.TRACKED) == 100


def test_a_group_never_holds_more_than_the_setting(api, settings):
    settings.GROUP_MAX_MEMBERS = 3
    group = make_group(api, members=["a1", "a2"])
    response = api.post(
        f"/api/groups/{group['slug']}/members", {"usernames": ["b1", "b2", "b3"]}, format="json"
    )
    assert [r["result"] for r in response.json()["results"]] == [
        "added",
        "group_full",
        "group_full",
    ]
    assert Membership.objects.count() == 3


def test_group_members_do_not_count_against_the_daily_add_quota(api, user, settings):
    settings.PLAYER_ADD_DAILY_QUOTA = 1
    make_group(api, members=[f"Q{n}" for n in range(5)])
    from players.tracking import _check_add_quota

    _check_add_quota(user)  # raises AddQuotaReached if the members had counted


def test_member_joined_is_sent_after_commit_with_the_new_rows(
    api, django_capture_on_commit_callbacks
):
    seen = []
    member_joined.connect(lambda **kw: seen.append(kw), weak=False, dispatch_uid="t")
    try:
        group = make_group(api)
        with django_capture_on_commit_callbacks(execute=True):
            api.post(
                f"/api/groups/{group['slug']}/members", {"usernames": ["A", "B"]}, format="json"
            )
    finally:
        member_joined.disconnect(dispatch_uid="t")
    assert len(seen) == 1
    assert seen[0]["group"].slug == group["slug"]
    assert sorted(m.pending_name for m in seen[0]["members"]) == ["A", "B"]


def test_search_lists_groups_by_part_of_the_name(api):
    make_group(api, name="Iron Clan")
    make_group(api, name="Skillers")
    response = api.get("/api/groups", {"search": "iron"})
    assert [g["name"] for g in response.json()["results"]] == ["Iron Clan"]


def test_removing_a_member_by_any_spelling(api):
    PlayerFactory(username="Zezima")
    group = make_group(api, members=["Zezima", "Pend"])
    assert api.delete(f"/api/groups/{group['slug']}/members/ZEZIMA").status_code == 204
    assert api.delete(f"/api/groups/{group['slug']}/members/pend").status_code == 204
    response = api.delete(f"/api/groups/{group['slug']}/members/pend")
    assert response.status_code == 404
    assert response.json()["error_code"] == "member_not_found"


def test_a_renamed_member_keeps_the_membership(api):
    player = PlayerFactory(username="Old Name")
    group = make_group(api, members=["Old Name"])
    player.username, player.username_key = "New Name", "new_name"
    player.save()
    members = api.get(f"/api/groups/{group['slug']}").json()["members"]
    assert [(m["username"], m["status"]) for m in members] == [("New Name", "tracked")]


def test_unknown_group_is_a_404(api):
    response = api.get("/api/groups/nope")
    assert response.status_code == 404
    assert response.json()["error_code"] == "group_not_found"


def test_gains_over_a_period_rank_every_tracked_member(clock, api):
    a, b, c = (PlayerFactory(username=n) for n in ("Alpha", "Bravo", "Charlie"))
    for player, xp in ((a, 200_000), (b, 150_000), (c, 100_000)):
        add_record(player, NOW - timedelta(days=3), skills=skill_entries(100_000))
        add_record(player, NOW - timedelta(hours=1), skills=skill_entries(100_000, attack=xp))
    group = make_group(api, members=["Alpha", "Bravo", "Charlie", "Pending"])
    response = api.get(f"/api/groups/{group['slug']}/gains", {"metric": "attack", "period": "week"})
    assert response.status_code == 200, response.content
    rows = response.json()["results"]
    assert [(r["rank"], r["username"], r["gained"]) for r in rows] == [
        (1, "Alpha", 100_000),
        (2, "Bravo", 50_000),
        (3, "Charlie", 0),
    ]
    between = api.get(
        f"/api/groups/{group['slug']}/gains",
        {"metric": "attack", "start": (NOW - timedelta(days=7)).isoformat()},
    ).json()["results"]
    assert [(r["username"], r["gained"]) for r in between] == [
        (r["username"], r["gained"]) for r in rows
    ]


def test_hiscores_and_statistics_read_the_latest_records(clock, api):
    a, b = PlayerFactory(username="Alpha"), PlayerFactory(username="Bravo")
    add_record(a, NOW - timedelta(days=1), skills=skill_entries(13_034_431))  # every skill 99
    add_record(b, NOW - timedelta(days=1), skills=skill_entries(100_000))
    group = make_group(api, members=["Alpha", "Bravo", "Later"])
    board = api.get(f"/api/groups/{group['slug']}/hiscores", {"metric": "attack"}).json()
    assert [(r["username"], r["value"]) for r in board["results"]] == [
        ("Alpha", 13_034_431),
        ("Bravo", 100_000),
    ]
    stats = api.get(f"/api/groups/{group['slug']}/statistics").json()
    assert stats["members"] == 3 and stats["tracked"] == 2 and stats["pending"] == 1
    assert stats["maxed"] == 1
    assert (
        stats["total_experience"]
        == a.latest_record.overall_experience + b.latest_record.overall_experience
    )


def test_a_bad_metric_or_period_is_a_422(api):
    group = make_group(api)
    assert api.get(f"/api/groups/{group['slug']}/gains", {"metric": "nope"}).status_code == 422
    assert api.get(f"/api/groups/{group['slug']}/gains", {"period": "decade"}).status_code == 422


def test_a_leader_manages_the_group_but_only_the_owner_names_leaders(api):
    group = make_group(api)
    leader = UserFactory(username="leader")
    stranger = bearer_client(UserFactory(username="stranger"))
    slug = group["slug"]
    assert stranger.patch(f"/api/groups/{slug}", {"name": "X"}, format="json").status_code == 403
    assert (
        api.patch(f"/api/groups/{slug}", {"leaders": ["leader"]}, format="json").status_code == 200
    )
    as_leader = bearer_client(leader)
    assert (
        as_leader.patch(f"/api/groups/{slug}", {"name": "Renamed"}, format="json").status_code
        == 200
    )
    assert Group.objects.get().name == "Renamed"
    response = as_leader.patch(f"/api/groups/{slug}", {"leaders": []}, format="json")
    assert response.status_code == 403
    assert (
        as_leader.post(
            f"/api/groups/{slug}/members", {"usernames": ["Someone"]}, format="json"
        ).status_code
        == 200
    )
    assert stranger.delete(f"/api/groups/{slug}").status_code == 403
    assert as_leader.delete(f"/api/groups/{slug}").status_code == 204


def test_gains_and_hiscores_pages_continue_the_ranks(clock, api):
    for n in range(5):
        player = PlayerFactory(username=f"Member {n}")
        add_record(player, NOW - timedelta(days=3), skills=skill_entries(100_000))
        add_record(
            player, NOW - timedelta(hours=1), skills=skill_entries(100_000, attack=100_000 + n)
        )
    group = make_group(api, members=[f"Member {n}" for n in range(5)])
    for view in ("gains", "hiscores"):
        url = f"/api/groups/{group['slug']}/{view}"
        first = api.get(url, {"metric": "attack", "limit": 2}).json()
        second = api.get(url, {"metric": "attack", "limit": 2, "offset": 2}).json()
        assert first["count"] == second["count"] == 5
        ranked = first["results"] + second["results"]
        assert [r["rank"] for r in ranked] == [1, 2, 3, 4]
        assert [r["username"] for r in ranked] == ["Member 4", "Member 3", "Member 2", "Member 1"]
        assert api.get(url, {"limit": 0}).status_code == 422


def test_records_list_the_members_largest_gains_in_a_window(clock, api):
    quick, slow = PlayerFactory(username="Quick"), PlayerFactory(username="Slow")
    PlayerFactory(username="Outsider")
    for player, gained in ((quick, 90_000), (slow, 10_000)):
        add_record(player, NOW - timedelta(days=20), skills=skill_entries(100_000))
        add_record(
            player, NOW - timedelta(days=19), skills=skill_entries(100_000, attack=100_000 + gained)
        )
    group = make_group(api, members=["Quick", "Slow", "Pending"])
    rows = api.get(
        f"/api/groups/{group['slug']}/records", {"metric": "attack", "period": "week"}
    ).json()["results"]
    assert [(r["rank"], r["username"], r["value"]) for r in rows] == [
        (1, "Quick", 90_000),
        (2, "Slow", 10_000),
    ]
    assert api.get(f"/api/groups/{group['slug']}/records", {"metric": "nope"}).status_code == 422


def test_achievements_list_the_members_dated_ones_most_recent_first(clock, api):
    early, late = PlayerFactory(username="Early"), PlayerFactory(username="Late")
    PlayerFactory(username="Outsider")
    # Attack 99 is 13,034,431 XP: Early reaches it 10 days ago, Late 2 days ago;
    # both already had 50 in every skill at their first record (no date: not listed).
    for player, days_ago in ((early, 10), (late, 2)):
        add_record(player, NOW - timedelta(days=days_ago + 1), skills=skill_entries(101_333))
        add_record(
            player,
            NOW - timedelta(days=days_ago),
            skills=skill_entries(101_333, attack=13_034_431),
        )
        achievement_store.rebuild(player.pk)
    outsider = Player.objects.get(username="Outsider")
    add_record(outsider, NOW - timedelta(days=2), skills=skill_entries(13_034_431))
    group = make_group(api, members=["Early", "Late", "Pending"])

    rows = api.get(f"/api/groups/{group['slug']}/achievements").json()["results"]

    assert rows and {row["username"] for row in rows} == {"Early", "Late"}
    assert all(row["achieved_at"] is not None for row in rows)
    dates = [row["achieved_before"] for row in rows]
    assert dates == sorted(dates, reverse=True)
    assert rows[0]["username"] == "Late"
    assert any(row["metric"] == "attack" and row["threshold"] == 99 for row in rows)


def test_efficient_hours_records_are_in_hours(clock, api):
    killer = PlayerFactory(username="Killer")
    add_record(killer, NOW - timedelta(days=3), bosses=boss_entries(zulrah=10))
    add_record(killer, NOW - timedelta(days=2), bosses=boss_entries(zulrah=15))
    group = make_group(api, members=["Killer"])
    rows = api.get(
        f"/api/groups/{group['slug']}/records", {"metric": "ehb", "period": "week"}
    ).json()["results"]
    rate = efficiency.rates().tables["main"].boss_rates["zulrah"]
    assert [(r["username"], r["value"]) for r in rows] == [("Killer", round(5 / rate, 3))]
