"""Every group and competition view answers text/csv (docs/api.md,
"Spreadsheets"), by Accept or by ?format=csv; errors stay the JSON error body."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest

from tests.factories import PlayerFactory
from tests.progress.builders import NOW

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _frozen(clock):
    """The clock first, so the token `api` holds is issued at NOW."""


@pytest.fixture
def group(api):
    PlayerFactory(username="Alpha")
    return api.post(
        "/api/groups", {"name": "Clan", "members": ["Alpha", "Pending"]}, format="json"
    ).json()


def table(response) -> list[list[str]]:
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("text/csv")
    return list(csv.reader(io.StringIO(response.content.decode())))


@pytest.mark.parametrize(
    ("path", "header"),
    [
        ("/api/groups", ["name", "slug", "description", "owner", "leaders", "member_count"]),
        ("/api/groups/{slug}", ["username", "status", "role", "joined_at"]),
        ("/api/groups/{slug}/gains?period=week", ["rank", "username", "gained", "start", "end"]),
        ("/api/groups/{slug}/hiscores?metric=attack", ["rank", "username", "value"]),
        ("/api/groups/{slug}/records?metric=attack", ["rank", "username", "metric", "period"]),
        ("/api/groups/{slug}/statistics", ["members", "tracked", "pending", "not_found"]),
        ("/api/competitions", ["id", "title", "metrics", "starts_at", "ends_at", "status"]),
    ],
)
def test_each_group_view_answers_csv_by_accept_and_by_format(api, group, path, header):
    url = path.format(slug=group["slug"])
    by_accept = table(api.get(url, HTTP_ACCEPT="text/csv"))
    joiner = "&" if "?" in url else "?"
    by_format = table(api.get(f"{url}{joiner}format=csv"))
    assert by_accept == by_format
    assert by_accept[0][: len(header)] == header


def test_the_members_sheet_has_a_row_per_member(api, group):
    rows = table(api.get(f"/api/groups/{group['slug']}?format=csv"))
    assert sorted(row[:2] for row in rows[1:]) == [["Alpha", "tracked"], ["Pending", "pending"]]


def test_the_standings_sheet_has_a_column_per_metric_value(api, group):
    created = api.post(
        "/api/competitions",
        {
            "title": "SOTW",
            "metrics": ["attack", "zulrah"],
            "starts_at": (NOW + timedelta(hours=1)).isoformat(),
            "ends_at": (NOW + timedelta(days=7)).isoformat(),
            "group": group["slug"],
        },
        format="json",
    ).json()
    rows = table(api.get(f"/api/competitions/{created['id']}", HTTP_ACCEPT="text/csv"))
    assert rows[0] == [
        "rank",
        "username",
        "team",
        "score",
        *(
            f"metrics_{m}_{f}"
            for m in ("attack", "zulrah")
            for f in ("start", "end", "gained", "rank", "approximate")
        ),
    ]
    assert rows[1][1] == "Alpha"


def test_an_error_asked_as_csv_is_still_the_json_error_body(api):
    response = api.get("/api/groups/nope?format=csv")
    assert response.status_code == 404
    assert response.json()["error_code"] == "group_not_found"
