import time

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext

from hiscores.modes import GameMode
from players.models import FetchAttempt, Player, PlayerStatus
from players.records import HiscoreRecord
from players.tracking import player_untrack
from tests.factories import HiscoreRecordFactory, PlayerFactory
from tests.queued import queued_player_ids

pytestmark = pytest.mark.django_db


def error_code(response) -> str:
    return response.json()["error_code"]


class TestAdd:
    def test_adding_a_player_stores_its_first_record_at_once(self, api, fake_hiscores):
        response = api.post("/api/players", {"username": "PSIKOI"}, format="json")
        assert response.status_code == 201, response.content
        body = response.json()
        # The display name is taken as the hiscores spell it.
        assert body["username"] == "Psikoi"
        assert body["game_mode"] == "regular"
        assert body["is_active"] is True
        assert body["fetch_interval_minutes"] == 60
        player = Player.objects.get(pk=body["id"])
        assert player.username_key == "psikoi"
        assert player.latest_record is not None
        assert player.last_fetched is not None
        assert HiscoreRecord.objects.filter(player=player).count() == 1
        assert fake_hiscores.request_count == 1

    @pytest.mark.parametrize("spelling", ["psikoi", " Psikoi", "PSIKOI"])
    def test_adding_a_tracked_player_again_in_any_spelling_is_409(
        self, api, fake_hiscores, spelling
    ):
        api.post("/api/players", {"username": "Psikoi"}, format="json")
        response = api.post("/api/players", {"username": spelling}, format="json")
        assert response.status_code == 409
        assert error_code(response) == "player_already_tracked"
        assert Player.objects.count() == 1

    def test_separators_fold_for_duplicates(self, api, fake_hiscores):
        PlayerFactory(username="Lynx Titan", username_key="lynx titan")
        for spelling in ("lynx_titan", "Lynx-Titan", "lynx\u00a0titan"):
            response = api.post("/api/players", {"username": spelling}, format="json")
            assert response.status_code == 409, spelling

    def test_a_name_not_on_the_hiscores_is_422(self, api, fake_hiscores):
        response = api.post("/api/players", {"username": "nobody here"}, format="json")
        assert response.status_code == 422
        assert error_code(response) == "player_not_on_hiscores"
        assert "username" in response.json()["details"]
        assert not Player.objects.exists()

    @pytest.mark.parametrize(
        "name", ["", "   ", "thirteen char", "bad!name", "-leading", "trailing_", "a" * 100, "zé"]
    )
    def test_illegal_names_are_422_without_asking_the_hiscores(self, api, fake_hiscores, name):
        response = api.post("/api/players", {"username": name}, format="json")
        assert response.status_code == 422
        assert "username" in response.json()["details"]
        assert fake_hiscores.request_count == 0

    @pytest.mark.parametrize(
        "body",
        [
            {},
            {"username": 12},
            {"username": ["psikoi"]},
            {"username": "psikoi", "game_mode": "wizard"},
            {"username": "psikoi", "fetch_interval_minutes": 0},
            {"username": "psikoi", "fetch_interval_minutes": 525600},
            {"username": "psikoi", "fetch_interval_minutes": "often"},
            {"username": "psikoi", "colour": "blue"},
        ],
    )
    def test_malformed_bodies_are_422(self, api, fake_hiscores, body):
        response = api.post("/api/players", body, format="json")
        assert response.status_code == 422
        assert response.json()["details"]

    @pytest.mark.parametrize("minutes", [14, 121, 10**30])
    def test_the_interval_bounds_are_the_settings_checked_by_the_service(
        self, api, fake_hiscores, settings, minutes
    ):
        settings.FETCH_INTERVAL_MIN_MINUTES, settings.FETCH_INTERVAL_MAX_MINUTES = 15, 120
        response = api.post(
            "/api/players", {"username": "Psikoi", "fetch_interval_minutes": minutes}, format="json"
        )
        assert response.status_code == 422
        body = response.json()
        assert body["error_code"] == "validation_error"
        assert body["details"] == {"fetch_interval_minutes": ["Must be from 15 to 120 minutes."]}
        assert fake_hiscores.request_count == 0
        assert not Player.objects.exists()

    def test_a_body_that_is_not_an_object_is_rejected(self, api):
        response = api.post("/api/players", ["psikoi"], format="json")
        assert response.status_code == 422

    def test_unavailable_hiscores_are_502_and_nothing_is_stored(self, api, fake_hiscores, settings):
        settings.FETCH_RETRY_DELAYS = [1]
        fake_hiscores.set_fault("503", times=None)
        response = api.post("/api/players", {"username": "Psikoi"}, format="json")
        assert response.status_code == 502
        assert error_code(response) == "hiscores_unavailable"
        assert not Player.objects.exists()

    def test_an_html_page_instead_of_stats_is_502_never_stats(self, api, fake_hiscores):
        fake_hiscores.set_fault("html")
        response = api.post("/api/players", {"username": "Psikoi"}, format="json")
        assert response.status_code == 502
        assert not HiscoreRecord.objects.exists()

    def test_game_mode_can_be_detected(self, api, fake_hiscores):
        ironman = next(n for n in fake_hiscores.player_names() if "iron" in n.lower())
        response = api.post(
            "/api/players", {"username": ironman, "game_mode": "detect"}, format="json"
        )
        assert response.status_code == 201, response.content
        assert response.json()["game_mode"] != "regular"

    @pytest.mark.parametrize(
        ("name", "mode"),
        [
            ("Zezima", GameMode.REGULAR),
            ("Iron Demo", GameMode.IRONMAN),
            ("HC Demo", GameMode.HARDCORE),
            ("HC Fallen", GameMode.IRONMAN),
            ("Deironed", GameMode.REGULAR),
        ],
    )
    def test_detection_asks_no_table_twice_and_stores_the_settled_tables_answer(
        self, api, fake_hiscores, name, mode
    ):
        body = {"username": name, "game_mode": "detect"}
        response = api.post("/api/players", body, format="json")
        assert response.status_code == 201, response.content
        assert response.json()["game_mode"] == mode
        tables = [table for _, table, _ in fake_hiscores.log.entries()]
        assert len(tables) == len(set(tables)), tables
        record = Player.objects.get().latest_record
        expected = fake_hiscores.document(name, mode)
        overall = next(s for s in expected["skills"] if s["name"] == "Overall")
        assert record.overall_experience == overall["xp"]

    @pytest.mark.parametrize("game_mode", ["regular", "detect"])
    @pytest.mark.parametrize("fault", ["slow", "hang"])
    def test_slow_hiscores_make_the_add_a_502_within_the_deadline(
        self, api, fake_hiscores, settings, game_mode, fault
    ):
        settings.PLAYER_ADD_DEADLINE_SECONDS = 1.0
        fake_hiscores.set_fault(fault, delay=30, times=None)
        started = time.monotonic()
        response = api.post(
            "/api/players", {"username": "Psikoi", "game_mode": game_mode}, format="json"
        )
        assert time.monotonic() - started < 2.5
        assert response.status_code == 502
        body = response.json()
        assert body["error_code"] == "hiscores_unavailable"
        assert "within 1 s" in body["details"]["reason"]
        assert not Player.objects.exists()

    def test_the_deadline_covers_the_wait_for_a_rate_limit_slot(self, api, fake_hiscores, settings):
        from hiscores.ratelimit import get_rate_limiter

        settings.PLAYER_ADD_DEADLINE_SECONDS = 1.0
        settings.OSRS_MAX_REQUESTS_PER_SECOND = 0.2  # the next slot is 5 s away
        get_rate_limiter().reserve(max_wait=0)
        started = time.monotonic()
        response = api.post("/api/players", {"username": "Psikoi"}, format="json")
        assert time.monotonic() - started < 1.0
        assert response.status_code == 502
        assert fake_hiscores.request_count == 0

    def test_an_explicit_mode_the_player_is_not_on_is_422(self, api, fake_hiscores):
        response = api.post(
            "/api/players", {"username": "Psikoi", "game_mode": "ultimate_ironman"}, format="json"
        )
        assert response.status_code == 422


class TestList:
    def test_lists_are_paginated(self, api):
        PlayerFactory.create_batch(3)
        body = api.get("/api/players?limit=2").json()
        assert body["count"] == 3
        assert len(body["results"]) == 2
        assert body["next"]

    def test_a_page_holds_at_most_the_default_and_at_most_the_maximum_asked(self, api, settings):
        settings.PAGE_MAX_LIMIT = 3
        PlayerFactory.create_batch(4)
        assert len(api.get("/api/players?limit=3").json()["results"]) == 3
        response = api.get("/api/players?limit=4")
        assert response.status_code == 422
        assert response.json()["details"] == {"limit": ["Must be a whole number from 1 to 3."]}

    def test_a_page_holds_the_names_in_order_from_its_offset_archived_ones_left_out(self, api):
        for name in ("Delta", "alpha", "Echo", "charlie", "Bravo"):
            PlayerFactory(username=name)
        PlayerFactory(username="Able", archived=True)
        body = api.get("/api/players?limit=2&offset=1").json()
        assert body["count"] == 5
        assert [row["username"] for row in body["results"]] == ["Bravo", "charlie"]

    def test_a_kept_count_is_served_without_counting(self, api, settings):
        settings.READ_STAMPS = True
        PlayerFactory.create_batch(2)
        assert api.get("/api/players").json()["count"] == 2
        with CaptureQueriesContext(connection) as captured:
            assert api.get("/api/players").json()["count"] == 2
        assert not [q for q in captured.captured_queries if "COUNT(" in q["sql"]]

    def test_the_count_follows_players_added_and_removed(
        self, stamps, api, django_capture_on_commit_callbacks
    ):
        def listed() -> tuple[int, list[str]]:
            body = api.get("/api/players").json()
            return body["count"], [row["username"] for row in body["results"]]

        PlayerFactory(username="Alpha")
        assert listed() == (1, ["Alpha"])
        with django_capture_on_commit_callbacks(execute=True):
            added = PlayerFactory(username="Bravo")
        assert listed() == (2, ["Alpha", "Bravo"])
        with django_capture_on_commit_callbacks(execute=True):
            player_untrack(player=added)
        assert listed() == (1, ["Alpha"])

    def test_an_offset_past_the_end_is_an_empty_page(self, api):
        PlayerFactory.create_batch(2)
        body = api.get("/api/players?offset=999999999").json()
        assert (body["count"], body["results"]) == (2, [])

    @pytest.mark.parametrize(
        "query",
        [
            "limit=99999999999999999999",
            "limit=1000000",
            "limit=0",
            "limit=-1",
            "limit=ten",
            "limit=",
            "limit=1e3",
            "offset=99999999999999999999",
            "offset=-1",
            "offset=ten",
            "offset=",
        ],
    )
    def test_a_bad_limit_or_offset_is_422_naming_it(self, api, query):
        PlayerFactory()
        response = api.get(f"/api/players?{query}")
        assert response.status_code == 422, response.content
        body = response.json()
        assert body["error_code"] == "validation_error"
        assert set(body["details"]) == {query.split("=")[0]}

    def test_filters_and_search(self, api):
        PlayerFactory(username="Zezima", username_key="zezima")
        PlayerFactory(
            username="Iron Zeze", username_key="iron zeze", game_mode="ironman", is_active=False
        )
        PlayerFactory(username="Lost", username_key="lost", status=PlayerStatus.NOT_FOUND)

        def names(query):
            return sorted(p["username"] for p in api.get(f"/api/players?{query}").json()["results"])

        assert names("is_active=false") == ["Iron Zeze"]
        assert names("status=not_found") == ["Lost"]
        assert names("game_mode=ironman") == ["Iron Zeze"]
        assert names("search=ZEZ") == ["Iron Zeze", "Zezima"]
        assert names("search=iron_zez") == ["Iron Zeze"]

    def test_a_bad_filter_value_is_422(self, api):
        response = api.get("/api/players?status=sleepy")
        assert response.status_code in (400, 422)
        assert response.json()["error_code"]


class TestShowUpdateDelete:
    def test_any_spelling_finds_the_player(self, api):
        PlayerFactory(username="Lynx Titan", username_key="lynx titan")
        for spelling in ("lynx titan", "LYNX_TITAN", "Lynx-Titan"):
            response = api.get(f"/api/players/{spelling}")
            assert response.status_code == 200
            assert response.json()["username"] == "Lynx Titan"

    @pytest.mark.parametrize("name", ["nobody", "bad!name", "x" * 40])
    def test_unknown_players_are_404(self, api, name):
        response = api.get(f"/api/players/{name}")
        assert response.status_code == 404
        assert error_code(response) == "player_not_found"

    def test_patch_changes_interval_and_activity(self, staff_api):
        PlayerFactory(username="Zezima", username_key="zezima")
        response = staff_api.patch(
            "/api/players/zezima",
            {"is_active": False, "fetch_interval_minutes": 120},
            format="json",
        )
        assert response.status_code == 200
        player = Player.objects.get()
        assert (player.is_active, player.fetch_interval_minutes) == (False, 120)

    @pytest.mark.parametrize(
        "body",
        [
            {"fetch_interval_minutes": 0},
            {"fetch_interval_minutes": -5},
            {"fetch_interval_minutes": 525600},
            {"fetch_interval_minutes": "soon"},
            {"is_active": "perhaps"},
            {"username": "renamed"},
        ],
    )
    def test_bad_patches_are_422_and_change_nothing(self, staff_api, body):
        PlayerFactory(username="Zezima", username_key="zezima", fetch_interval_minutes=60)
        response = staff_api.patch("/api/players/zezima", body, format="json")
        assert response.status_code == 422
        player = Player.objects.get()
        assert (player.username, player.fetch_interval_minutes) == ("Zezima", 60)

    def test_an_interval_out_of_the_settings_bounds_is_422_from_the_service(
        self, staff_api, settings
    ):
        settings.FETCH_INTERVAL_MIN_MINUTES, settings.FETCH_INTERVAL_MAX_MINUTES = 15, 120
        PlayerFactory(username="Zezima", username_key="zezima", fetch_interval_minutes=60)
        response = staff_api.patch(
            "/api/players/zezima", {"fetch_interval_minutes": 121}, format="json"
        )
        assert response.status_code == 422
        assert response.json()["details"] == {
            "fetch_interval_minutes": ["Must be from 15 to 120 minutes."]
        }
        assert Player.objects.get().fetch_interval_minutes == 60

    def test_only_staff_may_patch(self, api):
        PlayerFactory(username="Zezima", username_key="zezima", fetch_interval_minutes=60)
        response = api.patch(
            "/api/players/zezima",
            {"is_active": False, "fetch_interval_minutes": 120},
            format="json",
        )
        assert response.status_code == 403
        assert error_code(response) == "permission_denied"
        player = Player.objects.get()
        assert (player.is_active, player.fetch_interval_minutes) == (True, 60)

    def test_reactivating_makes_the_player_due_now(self, staff_api):
        player = PlayerFactory(username="Zezima", username_key="zezima", is_active=False)
        before = player.next_fetch_at
        staff_api.patch("/api/players/zezima", {"is_active": True}, format="json")
        player.refresh_from_db()
        assert player.is_active and player.next_fetch_at >= before

    def test_put_is_not_allowed(self, api):
        PlayerFactory(username="Zezima", username_key="zezima")
        assert api.put("/api/players/zezima", {}, format="json").status_code == 405

    def test_only_staff_may_delete(self, api):
        HiscoreRecordFactory(player=PlayerFactory(username="Zezima", username_key="zezima"))
        response = api.delete("/api/players/zezima")
        assert response.status_code == 403
        assert error_code(response) == "permission_denied"
        assert Player.objects.exists()

    def test_deleting_removes_the_player_and_its_history(self, staff_api):
        player = PlayerFactory(username="Zezima", username_key="zezima")
        HiscoreRecordFactory(player=player)
        FetchAttempt.objects.create(
            player=player,
            started_at=player.created_at,
            finished_at=player.created_at,
            outcome="stored",
        )
        assert staff_api.delete("/api/players/ZEZIMA").status_code == 204
        assert not Player.objects.exists()
        assert not HiscoreRecord.objects.exists()
        assert not FetchAttempt.objects.exists()
        assert staff_api.delete("/api/players/zezima").status_code == 404


class TestManualFetch:
    def test_fetch_queues_a_task_and_answers_202(self, api):
        PlayerFactory(username="Zezima", username_key="zezima")
        response = api.post("/api/players/zezima/fetch")
        assert response.status_code == 202
        body = response.json()
        assert body["status"] == "queued"
        assert queued_player_ids() == [Player.objects.get().pk]

    def test_a_second_fetch_within_the_cooldown_is_429_with_retry_after(self, api):
        PlayerFactory(username="Zezima", username_key="zezima")
        api.post("/api/players/zezima/fetch")
        response = api.post("/api/players/zezima/fetch")
        assert response.status_code == 429
        assert error_code(response) == "fetched_too_recently"
        assert 1 <= int(response["Retry-After"]) <= settings.FETCH_COOLDOWN_SECONDS
        assert len(queued_player_ids()) == 1

    def test_a_recently_fetched_player_is_429(self, api):
        from django.utils import timezone

        PlayerFactory(username="Zezima", username_key="zezima", last_fetched=timezone.now())
        response = api.post("/api/players/zezima/fetch")
        assert response.status_code == 429
        assert int(response["Retry-After"]) >= 59

    @pytest.fixture
    def unreachable_broker(self, monkeypatch):
        from kombu.exceptions import OperationalError

        from players.tasks import fetch_player

        def refuse(*args, **kwargs):
            raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

        monkeypatch.setattr(fetch_player, "apply_async", refuse)

    def test_an_unreachable_queue_is_503_and_releases_the_claim(self, api, unreachable_broker):
        player = PlayerFactory(username="Zezima", username_key="zezima")
        response = api.post("/api/players/zezima/fetch")
        assert response.status_code == 503
        assert error_code(response) == "queue_unavailable"
        player.refresh_from_db()
        assert player.fetch_claimed_until is None

    def test_fetch_of_an_unknown_player_is_404(self, api):
        assert api.post("/api/players/nobody/fetch").status_code == 404
