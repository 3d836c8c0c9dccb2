"""Schemathesis sends every operation in /api/schema requests generated from the
schema (valid and invalid), signed in as an ordinary user: no answer is a 5xx,
and every error answer has the contract's body."""

from __future__ import annotations

import os

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rest_framework_simplejwt.tokens import RefreshToken

from players.tracking import player_track

# Real players sometimes stand in for generated names, so reads reach real data.
KNOWN = ("gen 5", "gen 6", "Zezima")
EXAMPLES = int(os.environ.get("RELIABILITY_FUZZ_EXAMPLES", "50"))
ERROR_KEYS = {"error_code", "message", "details", "timestamp", "request_id"}

# In-process WSGI calls close the connection after each request (Django's
# request_finished), which a test wrapped in a transaction would not survive.
pytestmark = pytest.mark.django_db(transaction=True)


def with_known_names(case):
    """A strategy of the case as generated, or with a tracked player's name."""
    if "username" not in (case.path_parameters or {}):
        return st.just(case)

    def named(name: str | None):
        if name is not None:
            case.path_parameters = {**case.path_parameters, "username": name}
        return case

    return st.one_of(st.none(), st.sampled_from(KNOWN)).map(named)


def problems_of(case, response) -> list[str]:
    where = f"{case.method} {case.formatted_path} query={case.query} body={case.body!r}"
    if response.status_code >= 500:
        return [f"{where}: {response.status_code} {response.text[:300]}"]
    if response.status_code < 400:
        return []
    try:
        body = response.json()
    except ValueError:
        return [f"{where}: {response.status_code} without a JSON body: {response.text[:200]}"]
    if not isinstance(body, dict) or set(body) != ERROR_KEYS:
        return [f"{where}: {response.status_code} not the contract's body: {response.text[:300]}"]
    # Schemathesis keeps headers lowercased, each as a list of values.
    if [body["request_id"]] != response.headers.get("x-request-id"):
        return [f"{where}: request_id differs from X-Request-ID"]
    return []


def test_generated_requests_never_get_a_5xx_or_a_bare_error(fake_hiscores, user):
    for name in KNOWN:
        player_track(username=name)
    token = str(RefreshToken.for_user(user).access_token)
    schema = schemathesis.openapi.from_wsgi("/api/schema", get_wsgi_application())
    found: dict[str, list[str]] = {}
    answered: set[str] = set()  # operations on a player that answered 2xx at least once
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 10

    for operation in operations:
        problems: list[str] = []

        @given(case=operation.as_strategy().flatmap(with_known_names))
        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def call(case) -> None:
            response = case.call(headers={"Authorization": f"Bearer {token}"})
            problems.extend(problems_of(case, response))  # noqa: B023
            if response.status_code < 300 and "username" in (case.path_parameters or {}):
                answered.add(operation.label)  # noqa: B023

        call()
        if problems:
            found[operation.label] = problems[:3]

    # The known names reached real data: reads of a tracked player answered.
    assert {"GET /api/players/{username}/stats", "GET /api/players/{username}"} <= answered
    assert not found, "\n".join(f"{label}:\n  " + "\n  ".join(p) for label, p in found.items())
