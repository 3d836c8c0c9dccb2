from __future__ import annotations

import json
import logging

import pytest
from django.db import OperationalError, ProgrammingError
from django.http import Http404
from django.test import RequestFactory
from rest_framework import exceptions

from api.errors import Conflict, NotFound, TooManyRequests
from api.handlers import api_exception_handler, error_response, not_found_view
from api.request_id import request_id_var

BODY_KEYS = {"error_code", "message", "details", "timestamp", "request_id"}


@pytest.fixture
def request_id():
    token = request_id_var.set("req-1")
    yield "req-1"
    request_id_var.reset(token)


def handled(exc: Exception):
    response = api_exception_handler(exc, {})
    assert set(response.data) == BODY_KEYS
    return response


def test_an_api_error_keeps_its_code_message_and_details(request_id):
    response = handled(Conflict("Taken.", details={"username": "zezima"}))
    assert response.status_code == 409
    assert response.data["error_code"] == "conflict"
    assert response.data["message"] == "Taken."
    assert response.data["details"] == {"username": "zezima"}
    assert response.data["request_id"] == request_id


def test_an_api_error_without_a_message_uses_its_default():
    assert handled(NotFound()).data["message"] == "Not found."


def test_too_many_requests_says_when_to_retry():
    response = handled(TooManyRequests(retry_after=0.2))
    assert (response.status_code, response["Retry-After"]) == (429, "1")


@pytest.mark.parametrize(
    ("exc", "details"),
    [
        (TooManyRequests(retry_after=30), {"retry_after": 30}),
        (TooManyRequests(retry_after=30, details={"quota": 5}), {"quota": 5, "retry_after": 30}),
        (exceptions.Throttled(wait=29.2), {"retry_after": 30}),
    ],
)
def test_every_429_says_when_to_retry_in_the_body_too(exc, details):
    response = handled(exc)
    assert response.status_code == 429
    assert response.data["details"] == details
    assert response["Retry-After"] == str(details["retry_after"])


def test_a_drf_validation_error_is_a_422_with_per_field_details():
    response = handled(exceptions.ValidationError({"username": ["Bad."]}))
    assert response.status_code == 422
    assert response.data["error_code"] == "validation_error"
    assert response.data["message"] == "Some fields are not valid."
    assert response.data["details"] == {"username": ["Bad."]}


def test_a_validation_error_without_fields_lands_under_non_field_errors():
    details = handled(exceptions.ValidationError(["Bad."])).data["details"]
    assert details == {"non_field_errors": ["Bad."]}


def test_a_missing_login_asks_for_a_bearer_token():
    response = handled(exceptions.NotAuthenticated())
    assert response.data["error_code"] == "not_authenticated"
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'


def test_djangos_404_is_the_contracts_not_found():
    response = handled(Http404())
    assert (response.status_code, response.data["error_code"]) == (404, "not_found")


def test_a_lost_database_is_a_503():
    response = handled(OperationalError("connection refused"))
    assert (response.status_code, response.data["error_code"]) == (503, "database_unavailable")


@pytest.mark.parametrize("exc", [RuntimeError("secret internals"), ProgrammingError("secret")])
def test_a_crash_is_a_500_that_shows_nothing_of_it(exc, caplog):
    with caplog.at_level(logging.ERROR):
        response = handled(exc)
    assert (response.status_code, response.data["error_code"]) == (500, "internal_error")
    assert "secret" not in response.data["message"]
    assert caplog.records


def test_error_response_is_the_same_body_outside_drf(request_id):
    response = error_response(503, "service_unavailable", "Down.", {"database": "gone"})
    assert response.status_code == 503
    assert response["Content-Type"] == "application/json"
    body = json.loads(response.content)
    assert body["details"] == {"database": "gone"}
    assert body["request_id"] == request_id


def test_an_unknown_api_path_is_json_and_names_the_path():
    response = not_found_view(RequestFactory().get("/api/nowhere"))
    assert response.status_code == 404
    assert json.loads(response.content)["details"] == {"path": "/api/nowhere"}


def test_an_unknown_page_outside_the_api_is_djangos_page():
    response = not_found_view(RequestFactory().get("/nowhere"), Http404())
    assert response.status_code == 404
    assert not response["Content-Type"].startswith("application/json")
