import logging

import pytest
from django.db import OperationalError
from django.urls import path
from rest_framework.views import APIView

from osrsdiff.urls import urlpatterns as project_urls

pytestmark = pytest.mark.django_db


class Crashes(APIView):
    def get(self, request):
        raise RuntimeError("boom: secret internals")


class DatabaseDown(APIView):
    def get(self, request):
        raise OperationalError("connection refused")


urlpatterns = [
    path("api/test/crash", Crashes.as_view()),
    path("api/test/db-down", DatabaseDown.as_view()),
    *project_urls,
]
handler404 = "api.handlers.not_found_view"
handler500 = "api.handlers.server_error_view"


def assert_contract(response, status, code):
    assert response.status_code == status
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert body["error_code"] == code
    assert body["request_id"] == response["X-Request-ID"]
    assert body["timestamp"].endswith("+00:00")
    return body


def test_unknown_api_path_is_a_json_404(api):
    assert_contract(api.get("/api/no/such/thing"), 404, "not_found")


def test_unknown_path_outside_the_api_is_an_html_404(client):
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert not response["Content-Type"].startswith("application/json")


@pytest.mark.urls(__name__)
def test_a_crashing_view_is_a_json_500_without_internals(api, caplog):
    with caplog.at_level(logging.ERROR):
        body = assert_contract(api.get("/api/test/crash"), 500, "internal_error")
    assert "secret internals" not in body["message"]
    assert any("boom" in (r.exc_text or str(r.exc_info)) for r in caplog.records)


@pytest.mark.urls(__name__)
def test_a_lost_database_is_a_503(api):
    assert_contract(api.get("/api/test/db-down"), 503, "database_unavailable")


def test_wrong_method_is_405_in_the_error_body(api):
    assert_contract(api.put("/api/auth/login", {}, format="json"), 405, "method_not_allowed")


def test_client_request_id_is_kept(anon):
    response = anon.get("/health", HTTP_X_REQUEST_ID="abc-123.def")
    assert response["X-Request-ID"] == "abc-123.def"


@pytest.mark.parametrize("bad", ["", "x" * 200, "has space", "new\nline", "<script>"])
def test_insane_request_ids_are_replaced(anon, bad):
    response = anon.get("/api/players", HTTP_X_REQUEST_ID=bad)
    assert response["X-Request-ID"] != bad
    assert len(response["X-Request-ID"]) == 32
    assert response.json()["request_id"] == response["X-Request-ID"]


def test_every_log_line_of_a_request_carries_its_id(anon, caplog):
    with caplog.at_level(logging.INFO):
        anon.get("/health", HTTP_X_REQUEST_ID="trace-me")
    request_lines = [r for r in caplog.records if r.name == "osrsdiff.request"]
    assert request_lines
    line = request_lines[-1]
    assert line.request_id == "trace-me"
    assert (line.method, line.path, line.status) == ("GET", "/health", 200)
    assert line.duration_ms >= 0


def test_log_lines_are_json_with_the_request_fields(anon, capsys):
    import json

    from osrsdiff.logging import JsonFormatter, RequestIdFilter

    record = logging.LogRecord("osrsdiff.request", logging.INFO, __file__, 1, "request", None, None)
    record.status = 200
    RequestIdFilter().filter(record)
    line = json.loads(JsonFormatter().format(record))
    assert line["message"] == "request"
    assert line["status"] == 200
    assert line["level"] == "INFO"
