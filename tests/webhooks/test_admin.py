"""The admin shows webhooks with their delivery log and why one was disabled;
its actions go through the services."""

from __future__ import annotations

import json

import pytest

from tests.factories import PlayerFactory, UserFactory
from tests.queued import run_queued
from webhooks.models import Delivery, Webhook
from webhooks.services import webhook_create
from webhooks.tasks import deliver

from .test_delivery import achievement_body

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client):
    client.force_login(UserFactory(username="boss", is_staff=True, is_superuser=True))
    return client


@pytest.fixture
def failing(allow_private, receiver):
    allow_private.WEBHOOKS_RETRY_DELAYS = [1]
    allow_private.WEBHOOKS_DISABLE_AFTER_FAILURES = 2
    receiver.statuses = [500]
    webhook, _ = webhook_create(
        by=UserFactory(is_staff=True), url=receiver.url, events=["achievement"], format="json"
    )
    deliver.apply(args=(webhook.pk, achievement_body(PlayerFactory())))
    run_queued("webhooks")
    webhook.refresh_from_db()
    return webhook


def test_a_disabled_webhook_shows_why_and_its_deliveries(staff_client, failing):
    assert not failing.is_active
    listing = staff_client.get("/admin/webhooks/webhook/").content.decode()
    assert "2 failed deliveries in a row" in listing

    page = staff_client.get(f"/admin/webhooks/webhook/{failing.pk}/change/").content.decode()
    assert page.count("HTTP 500") >= 2
    assert failing.secret not in page
    assert "Save" not in page  # read-only


def test_the_log_is_read_only(staff_client, failing):
    delivery = Delivery.objects.first()
    assert staff_client.get("/admin/webhooks/delivery/").status_code == 200
    url = f"/admin/webhooks/delivery/{delivery.pk}/change/"
    staff_client.post(url, {"status": "succeeded"})
    assert Delivery.objects.get(pk=delivery.pk).status == delivery.status
    assert staff_client.get("/admin/webhooks/webhook/add/").status_code == 403


def test_reenable_then_send_a_test_event(staff_client, failing, receiver):
    url = "/admin/webhooks/webhook/"
    staff_client.post(url, {"action": "reenable", "_selected_action": [failing.pk]})
    failing.refresh_from_db()
    assert (failing.is_active, failing.consecutive_failures, failing.disabled_reason) == (
        True,
        0,
        "",
    )

    receiver.statuses = [200]
    staff_client.post(url, {"action": "send_test", "_selected_action": [failing.pk]})
    run_queued("webhooks")
    assert json.loads(receiver.received[-1].body)["event"] == "test"
    assert Delivery.objects.first().status == "succeeded"


def test_deleting_in_the_admin_removes_the_webhook_and_its_log(staff_client, failing):
    staff_client.post(f"/admin/webhooks/webhook/{failing.pk}/delete/", {"post": "yes"})
    assert not Webhook.objects.exists()
    assert not Delivery.objects.exists()
