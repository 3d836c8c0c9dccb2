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


def test_ready_is_503_when_the_database_is_unreachable(anon, monkeypatch):
    def refuse():
        raise OperationalError("connection refused")

    monkeypatch.setattr(connection, "ensure_connection", refuse)
    response = anon.get("/ready")
    assert response.status_code == 503
    assert "database" in response.json()["details"]


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
