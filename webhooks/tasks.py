"""Celery tasks, on a queue of their own ("webhooks"), so a receiver that hangs or
fails never holds a fetch: thin, as everywhere (players/tasks.py)."""

from __future__ import annotations

import random
from typing import Any

from celery import shared_task
from django.conf import settings

from .models import DeliveryStatus, Webhook
from .services import delivery_attempt, is_test, max_attempts, webhooks_for


def retry_delay(attempt: int) -> float:
    """WEBHOOKS_RETRY_DELAYS after the given attempt, with jitter, so the deliveries
    that failed together do not all come back together."""
    delays = settings.WEBHOOKS_RETRY_DELAYS
    return delays[min(attempt, len(delays)) - 1] * random.uniform(0.8, 1.2)


@shared_task
def dispatch(body: dict[str, Any], player_ids: list[int], group_ids: list[int]) -> int:
    """One task per webhook that should hear this event; returns how many."""
    webhook_ids = webhooks_for(body["event"], player_ids=player_ids, group_ids=group_ids)
    for webhook_id in webhook_ids:
        deliver.apply_async(args=(webhook_id, body))
    return len(webhook_ids)


# The limits are a backstop: a request's own timeouts (WEBHOOKS_TIMEOUT_SECONDS)
# end it long before.
@shared_task(soft_time_limit=30, time_limit=40)
def deliver(webhook_id: int, body: dict[str, Any], attempt: int = 1) -> str:
    """Send once; after a failure, send again later as a task of its own, until
    WEBHOOKS_RETRY_DELAYS are spent or the webhook is disabled."""
    webhook = Webhook.objects.filter(pk=webhook_id).first()
    if webhook is None or not (webhook.is_active or is_test(body)):
        return "inactive"
    try:
        delivery = delivery_attempt(webhook=webhook, body=body, attempt=attempt)
    except Webhook.DoesNotExist:  # deleted while its request was out
        return "inactive"
    again = delivery.status in (DeliveryStatus.FAILED, DeliveryStatus.REFUSED)
    if again and attempt < max_attempts() and delivery.webhook.is_active:
        deliver.apply_async(
            args=(webhook_id, body),
            kwargs={"attempt": attempt + 1},
            countdown=retry_delay(attempt),
        )
    return delivery.status
