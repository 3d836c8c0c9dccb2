"""The served OpenAPI schema describes every answer the contract gives
(docs/api.md): each players, statistics and history endpoint lists its
documented errors, every error is the one ErrorBody, and every limit says
Retry-After."""

from __future__ import annotations

import pytest
from django.test import Client

METHODS = ("get", "post", "put", "patch", "delete")
ERROR_BODY = {"$ref": "#/components/schemas/ErrorBody"}
# Who may call each endpoint, and what it answers (docs/api.md: "Players",
# "Statistics", "History and progress"). 401 and 429 guard every one of them.
GUARDED = {"401", "429"}
CONTRACT: dict[tuple[str, str], set[str]] = {
    ("GET", "/api/players"): {"200", "304", "422"},
    ("POST", "/api/players"): {"201", "409", "422", "429", "502"},
    ("GET", "/api/players/{username}"): {"200", "404"},
    ("PATCH", "/api/players/{username}"): {"200", "403", "404", "422"},
    ("DELETE", "/api/players/{username}"): {"204", "403", "404"},
    ("POST", "/api/players/{username}/fetch"): {"202", "404", "429", "503"},
    ("GET", "/api/players/{username}/stats"): {"200", "404", "422"},
    ("GET", "/api/stats"): {"200", "422"},
    ("GET", "/api/players/{username}/history"): {"200", "404", "422"},
    ("GET", "/api/players/{username}/history/skills/{skill}"): {"200", "404", "422"},
    ("GET", "/api/players/{username}/history/bosses/{boss}"): {"200", "404", "422"},
    # docs/api.md: "Groups", "Competitions".
    ("POST", "/api/groups"): {"201", "422"},
    ("GET", "/api/groups"): {"200", "422"},
    ("GET", "/api/groups/{slug}"): {"200", "404"},
    ("PATCH", "/api/groups/{slug}"): {"200", "403", "404", "422"},
    ("DELETE", "/api/groups/{slug}"): {"204", "403", "404"},
    ("POST", "/api/groups/{slug}/members"): {"200", "403", "404", "422"},
    ("DELETE", "/api/groups/{slug}/members/{username}"): {"204", "403", "404"},
    ("GET", "/api/groups/{slug}/gains"): {"200", "404", "422", "503"},
    ("GET", "/api/groups/{slug}/hiscores"): {"200", "404", "422"},
    ("GET", "/api/groups/{slug}/records"): {"200", "404", "422"},
    ("GET", "/api/groups/{slug}/achievements"): {"200", "404", "422"},
    ("GET", "/api/groups/{slug}/statistics"): {"200", "404"},
    ("POST", "/api/competitions"): {"201", "404", "422"},
    ("GET", "/api/competitions"): {"200", "422"},
    ("GET", "/api/competitions/{id}"): {"200", "404"},
    ("PATCH", "/api/competitions/{id}"): {"200", "403", "404", "409", "422"},
    ("DELETE", "/api/competitions/{id}"): {"204", "403", "404"},
}


@pytest.fixture(scope="module")
def schema() -> dict:
    response = Client().get("/api/schema", {"format": "json"})
    assert response.status_code == 200
    return response.json()


def operations(schema: dict):
    for path, by_method in schema["paths"].items():
        for method, operation in by_method.items():
            if method in METHODS:
                yield method.upper(), path, operation


@pytest.mark.parametrize(("method", "path"), CONTRACT)
def test_each_endpoint_lists_every_status_of_the_contract(schema, method, path):
    operation = schema["paths"][path][method.lower()]
    assert set(operation["responses"]) == CONTRACT[method, path] | GUARDED


def test_every_error_response_is_the_error_body(schema):
    bodiless = [
        f"{method} {path} {status}"
        for method, path, operation in operations(schema)
        for status, response in operation["responses"].items()
        if int(status) >= 400
        and response.get("content", {}).get("application/json", {}).get("schema") != ERROR_BODY
    ]
    assert not bodiless, bodiless


def test_every_429_says_when_to_ask_again(schema):
    silent = [
        f"{method} {path}"
        for method, path, operation in operations(schema)
        if "429" in operation["responses"]
        and "Retry-After" not in operation["responses"]["429"].get("headers", {})
    ]
    assert not silent, silent


def test_every_operation_that_needs_a_credential_lists_401(schema):
    missing = [
        f"{method} {path}"
        for method, path, operation in operations(schema)
        if {} not in operation.get("security", [{}]) and "401" not in operation["responses"]
    ]
    assert not missing, missing


def test_the_players_list_gives_the_bounds_of_its_page(schema):
    parameters = {
        p["name"]: p["schema"] for p in schema["paths"]["/api/players"]["get"]["parameters"]
    }
    assert parameters["limit"]["minimum"] == 1
    assert parameters["limit"]["maximum"] >= 50
    assert parameters["offset"]["minimum"] == 0
