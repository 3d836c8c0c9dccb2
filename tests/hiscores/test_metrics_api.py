"""GET /api/metrics: the catalogue, for signed-in clients, described by the schema."""

from __future__ import annotations

import pytest

from hiscores import catalogue

from .test_catalogue import recorded_order

pytestmark = pytest.mark.django_db


def test_anonymous_request_gets_the_contract_401(anon):
    response = anon.get("/api/metrics")
    assert response.status_code == 401
    body = response.json()
    assert body["error_code"] == "not_authenticated"
    assert body["request_id"] == response["X-Request-ID"]


def test_lists_the_catalogue_in_hiscores_order(api):
    response = api.get("/api/metrics")
    assert response.status_code == 200
    body = response.json()
    skills, activities = recorded_order()
    assert [m["name"] for m in body["skills"]] == skills
    assert body["skills"][0] == {
        "name": "Overall",
        "slug": "overall",
        "kind": "skill",
        "minimum": None,
    }
    listed = {m["name"] for m in body["bosses"] + body["activities"]}
    assert listed == set(activities)
    assert [m["slug"] for m in body["bosses"]] == list(catalogue.BOSS_SLUGS)
    assert [m["slug"] for m in body["activities"]] == list(catalogue.ACTIVITY_SLUGS)
    assert body["max_total_level"] == 2376


def test_each_metric_carries_kind_and_minimum(api):
    body = api.get("/api/metrics").json()
    by_slug = {m["slug"]: m for group in ("skills", "bosses", "activities") for m in body[group]}
    assert by_slug["mimic"] == {"name": "Mimic", "slug": "mimic", "kind": "boss", "minimum": 1}
    assert by_slug["last_man_standing"] == {
        "name": "LMS - Rank",
        "slug": "last_man_standing",
        "kind": "minigame",
        "minimum": 500,
    }
    assert by_slug["clue_scrolls_all"]["kind"] == "clues"
    assert {m["kind"] for m in body["bosses"]} == {"boss"}


def test_schema_describes_the_endpoint(anon):
    response = anon.get("/api/schema", {"format": "json"})
    assert response.status_code == 200
    schema = response.json()
    operation = schema["paths"]["/api/metrics"]["get"]
    ref = operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
    component = schema["components"]["schemas"][ref.rsplit("/", 1)[-1]]
    assert set(component["properties"]) == {"skills", "bosses", "activities", "max_total_level"}
    assert set(component["required"]) == {"skills", "bosses", "activities", "max_total_level"}
    metric_ref = component["properties"]["skills"]["items"]["$ref"]
    metric = schema["components"]["schemas"][metric_ref.rsplit("/", 1)[-1]]
    assert set(metric["properties"]) == {"name", "slug", "kind", "minimum"}
    assert metric["properties"]["minimum"]["nullable"] is True
    assert operation["security"]  # signed-in only
