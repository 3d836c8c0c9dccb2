import pytest
from django.db import OperationalError, connection

from osrsdiff.celery import app as celery_app

pytestmark = pytest.mark.django_db


def test_health_needs_no_token(anon):
    response = anon.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_ready_when_database_and_broker_answer(anon):
    response = anon.get("/ready")
    assert response.status_code == 200
    assert response.json()["status"] == "ready"


def test_ready_is_503_when_the_broker_is_unreachable(anon, monkeypatch):
    # A port nothing listens on: the real client fails to connect.
    monkeypatch.setattr(celery_app.conf, "broker_url", "redis://127.0.0.1:1/0")
    response = anon.get("/ready")
    assert response.status_code == 503
    body = response.json()
    assert body["error_code"] == "service_unavailable"
    assert "broker" in body["details"]
    assert "database" not in body["details"]


def refuse_database(monkeypatch):
    def refuse():
        raise OperationalError('connection to "db.internal" port 5432 refused for user "osrsdiff"')

    monkeypatch.setattr(connection, "ensure_connection", refuse)


def test_ready_is_503_when_the_database_is_unreachable(anon, monkeypatch):
    refuse_database(monkeypatch)
    response = anon.get("/ready")
    assert response.status_code == 503
    assert "database" in response.json()["details"]


def test_ready_names_the_broken_component_but_never_its_reason_to_the_public(anon, monkeypatch):
    monkeypatch.setattr(celery_app.conf, "broker_url", "redis://127.0.0.1:1/0")
    refuse_database(monkeypatch)
    response = anon.get("/ready")
    assert response.status_code == 503
    assert response.json()["details"] == {"database": "unavailable", "broker": "unavailable"}
    for leak in ("db.internal", "5432", "osrsdiff", "127.0.0.1", "refused"):
        assert leak not in response.content.decode()


def test_ready_tells_staff_the_reason(client, staff_user, monkeypatch):
    client.force_login(staff_user)
    monkeypatch.setattr(celery_app.conf, "broker_url", "redis://127.0.0.1:1/0")
    response = client.get("/ready")
    assert response.status_code == 503
    reason = response.json()["details"]["broker"]
    assert reason != "unavailable"
    assert "127.0.0.1:1" in reason


def test_ready_keeps_reasons_from_signed_in_users_who_are_not_staff(client, user, monkeypatch):
    client.force_login(user)
    monkeypatch.setattr(celery_app.conf, "broker_url", "redis://127.0.0.1:1/0")
    assert client.get("/ready").json()["details"] == {"broker": "unavailable"}


def test_ready_without_a_database_cannot_tell_staff_apart_and_tells_no_one(
    client, staff_user, monkeypatch
):
    client.force_login(staff_user)
    refuse_database(monkeypatch)
    response = client.get("/ready")
    assert response.status_code == 503
    assert response.json()["details"] == {"database": "unavailable"}


def test_schema_and_docs_are_served_without_a_token(anon):
    schema = anon.get("/api/schema", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert schema.status_code == 200
    paths = schema.json()["paths"]
    assert "/api/auth/login" in paths
    docs = anon.get("/api/docs")
    assert docs.status_code == 200
    html = docs.content.decode()
    # Swagger UI comes from our own static files, never a CDN.
    assert "cdn" not in html.lower()
    assert "/static/drf_spectacular_sidecar/" in html


def test_docs_assets_are_served_locally(anon):
    html = anon.get("/api/docs").content.decode()
    import re

    asset = re.search(r'src="(/static/drf_spectacular_sidecar/[^"]+\.js)"', html).group(1)
    assert anon.get(asset).status_code == 200
