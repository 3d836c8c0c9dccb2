"""Deliveries to a receiver on loopback: signed, logged, retried with backoff,
disabled after failures in a row, refused when the address turns private, and
never held up by a receiver that hangs (docs/api.md, "Webhooks")."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from types import SimpleNamespace

import pytest

from groups.models import Group, Membership, MemberStatus
from progress.signals import achievement_reached
from tests.factories import PlayerFactory, UserFactory
from tests.queued import drain, run_queued
from webhooks import addresses, payloads, sending, services
from webhooks.models import Delivery, Webhook
from webhooks.services import new_body, webhook_create
from webhooks.tasks import deliver, dispatch

pytestmark = pytest.mark.django_db


def make(url, *, events=("achievement",), format="json", group=None, staff=True):
    user = UserFactory(is_staff=staff)
    return webhook_create(by=user, url=url, events=list(events), format=format, group=group)


def achievement_body(player):
    thing = SimpleNamespace(name="99 Attack", metric="attack", threshold=13_034_431)
    return new_body(payloads.achievement(player=player, achievements=[thing]))


def test_a_delivery_is_signed_with_the_secret(allow_private, receiver):
    webhook, secret = make(receiver.url)
    body = achievement_body(PlayerFactory(username="Zezima"))

    assert deliver.apply(args=(webhook.pk, body)).get() == "succeeded"

    [got] = receiver.received
    expected = hmac.new(secret.encode(), got.body, hashlib.sha256).hexdigest()
    assert got.headers["X-Osrsdiff-Signature"] == f"sha256={expected}"
    assert got.headers["X-Osrsdiff-Event"] == "achievement"
    assert got.headers["X-Osrsdiff-Delivery"] == body["id"]
    assert json.loads(got.body) == body
    delivery = Delivery.objects.get()
    assert (delivery.status, delivery.http_status, delivery.attempt) == ("succeeded", 204, 1)
    assert delivery.duration_ms is not None


def test_a_discord_webhook_gets_a_discord_message(allow_private, receiver):
    webhook, _ = make(receiver.url, format="discord")
    deliver.apply(args=(webhook.pk, achievement_body(PlayerFactory(username="Lynx"))))
    message = json.loads(receiver.received[0].body)
    assert message["content"] == "Lynx reached 99 Attack."
    assert "data" not in message


def test_a_500_is_retried_until_the_webhook_is_disabled(allow_private, receiver):
    allow_private.WEBHOOKS_RETRY_DELAYS = [1, 1, 1, 1, 1]
    allow_private.WEBHOOKS_DISABLE_AFTER_FAILURES = 3
    receiver.statuses = [500]
    webhook, _ = make(receiver.url)

    deliver.apply(args=(webhook.pk, achievement_body(PlayerFactory())))
    run_queued("webhooks")

    assert len(receiver.received) == 3
    assert {r.headers["X-Osrsdiff-Attempt"] for r in receiver.received} == {"1", "2", "3"}
    log = list(Delivery.objects.order_by("id").values_list("attempt", "status", "http_status"))
    assert log == [(1, "failed", 500), (2, "failed", 500), (3, "gave_up", 500)]
    webhook.refresh_from_db()
    assert not webhook.is_active
    assert "3 failed deliveries in a row" in webhook.disabled_reason
    assert "HTTP 500" in webhook.disabled_reason
    # A disabled webhook hears nothing more.
    assert services.webhooks_for("achievement", player_ids=[], group_ids=[]) == []


def test_retries_back_off_and_a_success_clears_the_failures(allow_private, receiver, monkeypatch):
    allow_private.WEBHOOKS_RETRY_DELAYS = [30, 120]
    receiver.statuses = [503, 200]
    webhook, _ = make(receiver.url)
    countdowns = []
    original = deliver.apply_async

    def spy(*args, **kwargs):
        countdowns.append(kwargs.get("countdown"))
        return original(*args, **kwargs)

    monkeypatch.setattr(deliver, "apply_async", spy)

    deliver.apply(args=(webhook.pk, achievement_body(PlayerFactory())))
    run_queued("webhooks")

    webhook.refresh_from_db()
    first, second = receiver.received
    assert first.headers["X-Osrsdiff-Delivery"] == second.headers["X-Osrsdiff-Delivery"]
    assert list(Delivery.objects.order_by("id").values_list("status", flat=True)) == [
        "failed",
        "succeeded",
    ]
    assert (webhook.is_active, webhook.consecutive_failures) == (True, 0)
    # One retry, after the first delay (jittered); the success queued nothing more.
    [countdown] = countdowns
    assert 24 <= countdown <= 36


def test_the_retry_delay_follows_the_setting_with_jitter(settings):
    from webhooks.tasks import retry_delay

    settings.WEBHOOKS_RETRY_DELAYS = [30, 120, 600]
    assert 24 <= retry_delay(1) <= 36
    assert 96 <= retry_delay(2) <= 144
    assert 480 <= retry_delay(5) <= 720


def test_a_hanging_receiver_times_out_and_is_logged(allow_private, receiver):
    allow_private.WEBHOOKS_TIMEOUT_SECONDS = 0.3
    receiver.hang = threading.Event()
    webhook, _ = make(receiver.url)

    assert deliver.apply(args=(webhook.pk, achievement_body(PlayerFactory()))).get() == "failed"

    delivery = Delivery.objects.get()
    assert delivery.http_status is None
    assert delivery.error == "timed out after 0.3 s"


def test_an_address_that_turned_private_is_refused_at_delivery(allow_private, receiver):
    webhook, _ = make(receiver.url)
    allow_private.WEBHOOKS_ALLOW_PRIVATE = False

    deliver.apply(args=(webhook.pk, achievement_body(PlayerFactory())))

    assert receiver.received == []
    delivery = Delivery.objects.get()
    assert delivery.status == "refused"
    assert "not a public address" in delivery.error


def test_the_request_goes_to_the_checked_address_under_its_name(
    allow_private, receiver, monkeypatch
):
    port = receiver.url.split(":")[2].split("/")[0]
    monkeypatch.setattr(addresses, "resolve", lambda host, port: ["127.0.0.1"])
    webhook, _ = make(f"http://hooks.test:{port}/in?k=v")

    deliver.apply(args=(webhook.pk, achievement_body(PlayerFactory())))

    [got] = receiver.received
    assert got.headers["Host"] == f"hooks.test:{port}"
    assert got.path == "/in?k=v"


def test_a_redirect_is_not_followed(allow_private, receiver):
    receiver.statuses = [302]
    webhook, _ = make(receiver.url)
    deliver.apply(args=(webhook.pk, achievement_body(PlayerFactory())))
    assert len(receiver.received) == 1
    assert Delivery.objects.get().error == "HTTP 302"


def test_a_deleted_or_disabled_webhook_is_not_sent_to(allow_private, receiver):
    webhook, _ = make(receiver.url)
    Webhook.objects.filter(pk=webhook.pk).update(is_active=False)
    body = achievement_body(PlayerFactory())
    assert deliver.apply(args=(webhook.pk, body)).get() == "inactive"
    assert deliver.apply(args=(webhook.pk + 100, body)).get() == "inactive"
    assert receiver.received == []


def test_a_test_event_reaches_even_a_disabled_webhook(allow_private, receiver):
    webhook, _ = make(receiver.url, events=["hardcore.died"])
    Webhook.objects.filter(pk=webhook.pk).update(is_active=False)
    services.webhook_send_test(webhook=webhook)
    run_queued("webhooks")
    assert json.loads(receiver.received[0].body)["event"] == "test"


class TestWhoHearsWhat:
    @pytest.fixture
    def clan(self):
        owner = UserFactory()
        group = Group.objects.create(name="Clan", slug="clan", owner=owner)
        member, outsider = PlayerFactory(), PlayerFactory()
        Membership.objects.create(group=group, player=member, status=MemberStatus.TRACKED)
        return SimpleNamespace(group=group, member=member, outsider=outsider)

    def hooks(self, allow_private, receiver, clan):
        everything = list(payloads.Event)
        staff, _ = make(receiver.url + "/staff", events=[e for e in everything if e != "test"])
        grouped, _ = make(
            receiver.url + "/group",
            events=["achievement", "competition.started", "member.joined"],
            group=clan.group,
        )
        return staff.pk, grouped.pk

    def test_a_groups_webhook_hears_about_its_members_only(self, allow_private, receiver, clan):
        staff, grouped = self.hooks(allow_private, receiver, clan)
        about = lambda p: services.webhooks_for(  # noqa: E731
            "achievement", player_ids=[p.pk], group_ids=[]
        )
        assert sorted(about(clan.member)) == [staff, grouped]
        assert about(clan.outsider) == [staff]

    def test_a_groups_webhook_hears_about_its_competitions(self, allow_private, receiver, clan):
        staff, grouped = self.hooks(allow_private, receiver, clan)
        ours = services.webhooks_for(
            "competition.started", player_ids=[], group_ids=[clan.group.pk]
        )
        theirs = services.webhooks_for("competition.started", player_ids=[], group_ids=[999])
        unsubscribed = services.webhooks_for(
            "competition.finished", player_ids=[], group_ids=[clan.group.pk]
        )
        assert (sorted(ours), theirs, unsubscribed) == ([staff, grouped], [staff], [staff])

    def test_dispatch_queues_one_delivery_per_webhook(self, allow_private, receiver, clan):
        self.hooks(allow_private, receiver, clan)
        body = achievement_body(clan.member)
        assert dispatch.apply(args=(body, [clan.member.pk], [])).get() == 2
        run_queued("webhooks")
        assert sorted(r.path for r in receiver.received) == ["/hook/group", "/hook/staff"]


def test_a_signal_only_queues_and_never_calls_out(
    allow_private, receiver, django_capture_on_commit_callbacks
):
    """Whoever sends the signal (recording, the beat) waits for one message on the
    webhooks queue, however slow the receiver."""
    receiver.hang = threading.Event()
    make(receiver.url)
    player = PlayerFactory()
    thing = SimpleNamespace(name="99 Attack", metric="attack", threshold=13_034_431)

    with django_capture_on_commit_callbacks(execute=True):
        achievement_reached.send(sender=None, player=player, achievements=[thing])

    assert receiver.received == []
    [(name, (body, player_ids, group_ids), _)] = drain("webhooks")
    assert name == "webhooks.tasks.dispatch"
    assert (body["event"], player_ids, group_ids) == ("achievement", [player.pk], [])


def test_a_signal_with_no_webhook_queues_nothing(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        achievement_reached.send(sender=None, player=PlayerFactory(), achievements=[])
    assert drain("webhooks") == []


def test_a_queue_that_is_down_never_breaks_the_sender(
    allow_private, receiver, monkeypatch, caplog, django_capture_on_commit_callbacks
):
    make(receiver.url)

    def down(*args, **kwargs):
        raise ConnectionError("broker down")

    monkeypatch.setattr(dispatch, "apply_async", down)
    with django_capture_on_commit_callbacks(execute=True):
        achievement_reached.send(sender=None, player=PlayerFactory(), achievements=[])
    assert "webhook notice lost" in caplog.text


def test_a_webhook_deleted_while_its_request_is_out_logs_nothing(
    allow_private, receiver, monkeypatch
):
    webhook, _ = make(receiver.url)
    real_post = sending.post

    def post_then_delete(*args, **kwargs):
        sent = real_post(*args, **kwargs)
        Webhook.objects.filter(pk=webhook.pk).delete()
        return sent

    monkeypatch.setattr(sending, "post", post_then_delete)
    assert deliver.apply(args=(webhook.pk, achievement_body(PlayerFactory()))).get() == "inactive"
    assert len(receiver.received) == 1
    assert not Delivery.objects.exists()
