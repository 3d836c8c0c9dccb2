"""`manage.py hiscores_lookup` against a client with a mock transport."""

from __future__ import annotations

from io import StringIO
from pathlib import Path

import httpx
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

import hiscores
from hiscores.client import HiscoresClient
from hiscores.management.commands import hiscores_lookup

SAMPLES = Path(hiscores.__file__).parent / "fake" / "samples"
LYNX_JSON = (SAMPLES / "lynx-titan.2026-09.bosses-cut.index_lite.json").read_bytes()
B0ATY_JSON = (SAMPLES / "b0aty.2026-07.index_lite.json").read_bytes()
B0ATY_CSV = (SAMPLES / "b0aty.2026-07.index_lite.csv").read_bytes()


def client_for(tables: dict[str, httpx.Response], asked: list[str]) -> HiscoresClient:
    """Answers per table name (the `m=` path segment); other tables are a 404."""

    def handle(request: httpx.Request) -> httpx.Response:
        table = request.url.path.split("/")[1].removeprefix("m=")
        asked.append(f"{table}/{request.url.path.rsplit('/', 1)[-1]}")
        return tables.get(table, httpx.Response(404, html="<html>not found</html>"))

    return HiscoresClient(base_url="https://hiscores.test", transport=httpx.MockTransport(handle))


def run(*args: str, client: HiscoresClient) -> str:
    out = StringIO()
    call_command("hiscores_lookup", *args, client=client, stdout=out)
    return out.getvalue()


def test_prints_overall_skills_combat_and_listed_scores():
    asked: list[str] = []
    client = client_for({"hiscore_oldschool": httpx.Response(200, content=LYNX_JSON)}, asked)
    out = run("Lynx Titan", client=client)
    lines = out.splitlines()
    assert lines[0] == "Lynx Titan (Regular)"
    assert "Overall: rank 119,608, level 2,278, xp 4,600,000,000" in lines
    attack = next(line for line in lines if line.startswith("Attack"))
    assert attack.split() == ["Attack", "15", "99", "126", "200,000,000"]
    assert next(line for line in lines if line.startswith("Sailing")).split() == [
        "Sailing",
        "unranked",
    ]
    assert "Combat level: 126" in lines
    assert "Bosses: none listed" in lines
    assert "Activities: 2 listed" in lines
    assert any(line.split()[:3] == ["Clue", "Scrolls", "(all)"] and "22" in line for line in lines)
    assert asked == ["hiscore_oldschool/index_lite.json"]


def test_mode_picks_the_table():
    asked: list[str] = []
    client = client_for(
        {"hiscore_oldschool_ironman": httpx.Response(200, content=B0ATY_JSON)}, asked
    )
    out = run("B0aty", "--mode", "ironman", client=client)
    assert out.splitlines()[0] == "B0aty (Ironman)"
    assert "Bosses: 70 listed" in out  # every boss but Brutus
    assert "Activities: 16 listed" in out
    assert asked == ["hiscore_oldschool_ironman/index_lite.json"]


def test_detect_asks_the_tables_and_reuses_the_answer():
    asked: list[str] = []
    ok = httpx.Response(200, content=B0ATY_JSON)
    client = client_for(
        {
            "hiscore_oldschool": ok,
            "hiscore_oldschool_ironman": ok,
            "hiscore_oldschool_ultimate": ok,
        },
        asked,
    )
    out = run("B0aty", "--detect", client=client)
    assert out.splitlines()[0] == "B0aty (Ultimate ironman, detected)"
    assert [a.split("/")[0] for a in asked] == [
        "hiscore_oldschool",
        "hiscore_oldschool_ironman",
        "hiscore_oldschool_hardcore_ironman",
        "hiscore_oldschool_ultimate",
    ]


def test_csv_format_uses_the_csv_endpoint():
    asked: list[str] = []
    client = client_for({"hiscore_oldschool": httpx.Response(200, content=B0ATY_CSV)}, asked)
    out = run("B0aty", "--format", "csv", client=client)
    assert "Overall: rank 2,210, level 2,277, xp 1,150,073,045" in out
    assert asked == ["hiscore_oldschool/index_lite.ws"]


@pytest.mark.parametrize(
    ("response", "says"),
    [
        (httpx.Response(404), "PlayerNotFound"),
        (httpx.Response(429), "HiscoresRateLimited"),
        (httpx.Response(503), "HiscoresUnavailable"),
        (httpx.Response(200, content=b"Unavailable"), "HiscoresUnavailable"),
    ],
)
def test_hiscores_errors_are_one_line_and_exit_code_one(response, says):
    client = client_for({"hiscore_oldschool": response}, [])
    with pytest.raises(CommandError) as raised:
        run("Zezima", client=client)
    assert str(raised.value).startswith(says)
    assert "\n" not in str(raised.value)
    assert raised.value.returncode == 1


def test_command_line_builds_the_default_client(monkeypatch, capsys):
    client = client_for({}, [])
    monkeypatch.setattr(hiscores_lookup, "default_client", lambda: client)
    with pytest.raises(SystemExit) as exited:
        hiscores_lookup.Command().run_from_argv(["manage.py", "hiscores_lookup", "Nobody Here"])
    assert exited.value.code == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("CommandError: PlayerNotFound:")
    assert len(err.splitlines()) == 1
