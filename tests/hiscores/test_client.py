"""The HTTP client against a mock transport: URLs, headers, and every error mapping."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

import hiscores
from hiscores import client as client_module
from hiscores.client import HiscoresClient, default_client
from hiscores.errors import HiscoresRateLimited, HiscoresUnavailable, PlayerNotFound
from hiscores.modes import GameMode
from hiscores.parser import MAX_BODY_BYTES
from hiscores.snapshot import SkillValue

SAMPLES = Path(hiscores.__file__).parent / "fake" / "samples"
LYNX_JSON = (SAMPLES / "lynx-titan.2026-09.bosses-cut.index_lite.json").read_bytes()
B0ATY_CSV = (SAMPLES / "b0aty.2026-07.index_lite.csv").read_bytes()


class Recorder:
    """A MockTransport handler that answers one canned response and keeps the requests."""

    def __init__(self, respond):
        self.respond = respond
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return self.respond(request) if callable(self.respond) else self.respond


def make_client(respond, **kwargs) -> tuple[HiscoresClient, Recorder]:
    recorder = Recorder(respond)
    kwargs.setdefault("base_url", "https://hiscores.test")
    return HiscoresClient(transport=httpx.MockTransport(recorder), **kwargs), recorder


def test_fetch_asks_the_json_endpoint_of_the_mode_table_with_an_encoded_name():
    client, recorder = make_client(httpx.Response(200, content=LYNX_JSON))
    snapshot = client.fetch("Lynx Titan", GameMode.IRONMAN)
    assert snapshot.overall == SkillValue(119608, 2278, 4_600_000_000)
    (request,) = recorder.requests
    assert str(request.url) == (
        "https://hiscores.test/m=hiscore_oldschool_ironman/index_lite.json?player=Lynx%20Titan"
    )


def test_fetch_defaults_to_the_regular_table():
    client, recorder = make_client(httpx.Response(200, content=LYNX_JSON))
    client.fetch("Lynx Titan")
    assert recorder.requests[0].url.path == "/m=hiscore_oldschool/index_lite.json"


def test_fetch_csv_asks_the_csv_endpoint():
    client, recorder = make_client(httpx.Response(200, content=B0ATY_CSV))
    snapshot = client.fetch_csv("B0aty", GameMode.HARDCORE)
    assert snapshot.overall == SkillValue(2210, 2277, 1_150_073_045)
    assert recorder.requests[0].url.path == "/m=hiscore_oldschool_hardcore_ironman/index_lite.ws"
    assert recorder.requests[0].url.params["player"] == "B0aty"


def test_requests_carry_the_configured_user_agent_and_timeouts():
    client, recorder = make_client(
        httpx.Response(200, content=LYNX_JSON),
        user_agent="osrsdiff-test/1",
        connect_timeout=3.0,
        read_timeout=7.0,
    )
    client.fetch("Lynx Titan")
    request = recorder.requests[0]
    assert request.headers["User-Agent"] == "osrsdiff-test/1"
    assert request.extensions["timeout"] == {"connect": 3.0, "read": 7.0, "write": 7.0, "pool": 3.0}


def test_defaults_come_from_settings(settings):
    settings.OSRS_HISCORES_BASE_URL = "http://fake.local:8001/"
    settings.OSRS_USER_AGENT = "from-settings/2"
    settings.OSRS_CONNECT_TIMEOUT = 1.5
    settings.OSRS_READ_TIMEOUT = 9.0
    recorder = Recorder(httpx.Response(200, content=LYNX_JSON))
    client = HiscoresClient(transport=httpx.MockTransport(recorder))
    client.fetch("Zezima")
    request = recorder.requests[0]
    assert str(request.url).startswith("http://fake.local:8001/m=hiscore_oldschool/")
    assert request.headers["User-Agent"] == "from-settings/2"
    assert request.extensions["timeout"]["connect"] == 1.5
    assert request.extensions["timeout"]["read"] == 9.0


def test_one_client_serves_many_requests():
    client, recorder = make_client(httpx.Response(200, content=LYNX_JSON))
    for _ in range(3):
        client.fetch("Lynx Titan")
    assert len(recorder.requests) == 3
    client.close()
    with pytest.raises(RuntimeError):
        client.fetch("Lynx Titan")  # closed clients refuse, so close() really closed it


def test_not_found_is_player_not_found():
    client, _ = make_client(httpx.Response(404, html="<html>404 - Page not found</html>"))
    with pytest.raises(PlayerNotFound) as raised:
        client.fetch("Nobody Here")
    assert raised.value.status == 404


def test_illegal_name_is_not_found_without_a_request():
    client, recorder = make_client(httpx.Response(200, content=LYNX_JSON))
    with pytest.raises(PlayerNotFound) as raised:
        client.fetch("no/such?name")
    assert raised.value.status is None
    assert recorder.requests == []


@pytest.mark.parametrize("status", [429, 403, 301, 302, 303, 307, 308])
def test_throttling_statuses_are_rate_limited_and_redirects_are_not_followed(status):
    client, recorder = make_client(
        httpx.Response(status, headers={"Location": "https://hiscores.test/blocked"})
    )
    with pytest.raises(HiscoresRateLimited) as raised:
        client.fetch("Zezima")
    assert raised.value.status == status
    assert len(recorder.requests) == 1


def test_block_page_with_200_is_rate_limited():
    page = "<html><body>Your IP has been temporarily blocked due to high traffic.</body></html>"
    client, _ = make_client(httpx.Response(200, html=page))
    with pytest.raises(HiscoresRateLimited) as raised:
        client.fetch("Zezima")
    assert raised.value.status == 200


@pytest.mark.parametrize("status", [500, 502, 503, 504, 520, 524])
def test_server_errors_are_unavailable(status):
    client, _ = make_client(httpx.Response(status, text="error"))
    with pytest.raises(HiscoresUnavailable) as raised:
        client.fetch("Zezima")
    assert not isinstance(raised.value, HiscoresRateLimited)
    assert raised.value.status == status


@pytest.mark.parametrize("status", [201, 204, 400, 401, 410, 418])
def test_other_statuses_are_unavailable(status):
    client, _ = make_client(httpx.Response(status))
    with pytest.raises(HiscoresUnavailable, match=str(status)) as raised:
        client.fetch("Zezima")
    assert not isinstance(raised.value, HiscoresRateLimited)
    assert raised.value.status == status


@pytest.mark.parametrize(
    "error",
    [
        httpx.ConnectTimeout("connect timed out"),
        httpx.ReadTimeout("read timed out"),
        httpx.PoolTimeout("no connection free"),
        httpx.ConnectError("connection refused"),
        httpx.RemoteProtocolError("server hung up"),
    ],
    ids=type,
)
def test_network_failures_are_unavailable(error):
    def fail(request):
        raise error

    client, _ = make_client(fail)
    with pytest.raises(HiscoresUnavailable) as raised:
        client.fetch("Zezima")
    assert not isinstance(raised.value, HiscoresRateLimited)
    assert raised.value.status is None


@pytest.mark.parametrize(
    "content",
    [
        b"<!DOCTYPE html><html><head><title>Maintenance</title></head></html>",
        b"Unavailable",
        b"",
        LYNX_JSON[: len(LYNX_JSON) // 2],
        b'{"skills": "none", "activities": []}',
        B0ATY_CSV,  # a CSV body from the JSON endpoint is not the expected JSON
    ],
    ids=["html", "unavailable", "empty", "truncated", "wrong shape", "csv"],
)
def test_a_200_that_is_not_the_expected_json_is_unavailable(content):
    client, _ = make_client(httpx.Response(200, content=content))
    with pytest.raises(HiscoresUnavailable) as raised:
        client.fetch("Zezima")
    assert not isinstance(raised.value, HiscoresRateLimited)
    assert raised.value.status == 200


def test_a_200_csv_of_an_unknown_layout_is_unavailable():
    client, _ = make_client(httpx.Response(200, content=B0ATY_CSV + b"\n-1,-1\n-1,-1"))
    with pytest.raises(HiscoresUnavailable, match="rows") as raised:
        client.fetch_csv("B0aty")
    assert raised.value.status == 200


def test_an_oversized_body_is_unavailable_without_reading_it_all():
    chunks_read = []

    def stream():
        for _ in range(100):
            chunks_read.append(1)
            yield b" " * 65536

    client, _ = make_client(lambda request: httpx.Response(200, content=stream()))
    with pytest.raises(HiscoresUnavailable, match=str(MAX_BODY_BYTES)):
        client.fetch("Zezima")
    assert len(chunks_read) < 100


def test_default_client_is_one_per_process(settings, monkeypatch):
    monkeypatch.setattr(client_module, "_default", None)
    settings.OSRS_HISCORES_BASE_URL = "http://fake.local:8001"
    first = default_client()
    assert default_client() is first
    assert first.base_url == "http://fake.local:8001"
    # A forked worker must not share its parent's sockets.
    monkeypatch.setattr(client_module.os, "getpid", lambda: -1)
    assert default_client() is not first


@pytest.mark.parametrize("name", ["Lynx Titan", "lynx_titan", "B0aty", "Psikoi", "Live Capture"])
def test_reads_the_fake_servers_json_and_csv_alike(fake_hiscores, name):
    with HiscoresClient() as client:
        from_json, from_csv = client.fetch(name), client.fetch_csv(name)
    assert from_json.overall is not None
    assert from_csv.skills == from_json.skills
    assert from_csv.bosses == from_json.bosses
    assert from_csv.activities == from_json.activities


def test_unknown_player_on_the_fake_server_is_not_found(fake_hiscores):
    with HiscoresClient() as client, pytest.raises(PlayerNotFound) as raised:
        client.fetch("Nobody Here")
    assert raised.value.status == 404
