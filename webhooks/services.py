"""Every write to webhooks and their log, from the API, the admin and the tasks
(docs/api.md, "Webhooks")."""

from __future__ import annotations

import logging
import secrets
import uuid
from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from groups.access import can_manage_group
from groups.models import Group, Membership

from . import addresses, payloads, sending
from .errors import TooManyWebhooks, UnsafeWebhookUrl
from .events import Event
from .models import Delivery, DeliveryStatus, Webhook

logger = logging.getLogger(__name__)


def may_manage_webhooks(user: AbstractBaseUser, group: Group | None) -> bool:
    """Staff, for any events; whoever manages a group (its owner and leaders,
    `groups.access`), for that group's: docs/api.md, "Roles"."""
    return user.is_staff or (group is not None and can_manage_group(user, group))


def webhook_create(
    *,
    by: AbstractBaseUser,
    url: str,
    events: Sequence[str],
    format: str,
    group: Group | None = None,
) -> tuple[Webhook, str]:
    """A new webhook and its secret, which is never shown again. The URL must be
    public now (it is checked again before every delivery)."""
    try:
        addresses.check(url)
    except addresses.UnsafeUrl as error:
        raise UnsafeWebhookUrl(str(error), details={"url": [str(error)]}) from None
    secret = secrets.token_hex(32)
    with transaction.atomic():
        # The creator's row is the lock: two requests cannot both take the last place.
        type(by).objects.select_for_update().get(pk=by.pk)
        if Webhook.objects.filter(created_by=by).count() >= settings.WEBHOOKS_PER_OWNER:
            raise TooManyWebhooks(details={"limit": settings.WEBHOOKS_PER_OWNER})
        webhook = Webhook.objects.create(
            url=url,
            events=list(dict.fromkeys(events)),
            format=format,
            secret=secret,
            created_by=by,
            group=group,
        )
    logger.info("webhook created", extra={"webhook": webhook.pk, "by": by.pk})
    return webhook, secret


def webhook_delete(*, webhook: Webhook, by: AbstractBaseUser) -> None:
    webhook.delete()
    logger.info("webhook deleted", extra={"webhook": webhook.pk, "by": by.pk})


def webhooks_visible_to(user: AbstractBaseUser) -> QuerySet[Webhook]:
    """Staff see every webhook; anyone else those they made and those of the groups
    they own or lead."""
    webhooks = Webhook.objects.select_related("created_by", "group")
    if user.is_staff:
        return webhooks
    return webhooks.filter(
        Q(created_by=user) | Q(group__owner=user) | Q(group__leaders=user)
    ).distinct()


def webhook_reenable(*, webhook: Webhook) -> None:
    """Back in service after the cause of its failures was fixed."""
    Webhook.objects.filter(pk=webhook.pk).update(
        is_active=True, consecutive_failures=0, disabled_at=None, disabled_reason=""
    )


def webhook_send_test(*, webhook: Webhook) -> None:
    """Queue a test event to this webhook alone (even a disabled one: it is how
    its owner sees that the receiver works again)."""
    from .tasks import deliver

    body = new_body(payloads.ping())
    deliver.apply_async(args=(webhook.pk, body), retry=False)


def new_body(notice: payloads.Notice) -> dict[str, Any]:
    """The envelope of a notice, dated now with an id of its own."""
    return payloads.envelope(notice, event_id=str(uuid.uuid4()), created_at=timezone.now())


def publish(notice: payloads.Notice) -> None:
    """Hand a notice to the webhooks queue: one message, whatever the number of
    webhooks, so a signal's sender (recording, the beat) does no more than that.
    Called after the sender's commit; a broker that is down loses the notice,
    never the sender's work."""
    from .tasks import dispatch

    try:
        if not Webhook.objects.filter(is_active=True).exists():
            return
        dispatch.apply_async(
            args=(new_body(notice), list(notice.player_ids), list(notice.group_ids)),
            retry=False,
        )
    except Exception:
        logger.exception("webhook notice lost: the database or the task queue is unavailable")


def webhooks_for(event: str, *, player_ids: Sequence[int], group_ids: Sequence[int]) -> list[int]:
    """The active webhooks that should hear this event: those without a group, and
    a group's when the event is about the group (`group_ids`: its competitions,
    its members joining) or about one of its members (`player_ids`)."""
    webhooks = [
        webhook
        for webhook in Webhook.objects.filter(is_active=True).only("id", "events", "group_id")
        if webhook.subscribes_to(event)
    ]
    groups = {webhook.group_id for webhook in webhooks} - {None}
    members_of: set[int] = set()
    if groups and player_ids:
        members_of = set(
            Membership.objects.filter(group_id__in=groups, player_id__in=player_ids)
            .values_list("group_id", flat=True)
            .distinct()
        )
    return [
        webhook.pk
        for webhook in webhooks
        if webhook.group_id is None
        or webhook.group_id in group_ids
        or webhook.group_id in members_of
    ]


def delivery_attempt(*, webhook: Webhook, body: dict[str, Any], attempt: int) -> Delivery:
    """Send `body` to `webhook` once and log the attempt. The address is checked
    again first, since DNS can change; the request goes to the checked address."""
    try:
        target = addresses.check(webhook.url)
    except addresses.UnsafeUrl as error:
        return delivery_record(
            webhook=webhook,
            body=body,
            attempt=attempt,
            sent=sending.Sent(None, str(error), 0),
            refused=True,
        )
    content = payloads.render(body, format=webhook.format)
    headers = {
        "X-Osrsdiff-Signature": payloads.signature(webhook.secret, content),
        "X-Osrsdiff-Event": body["event"],
        "X-Osrsdiff-Delivery": body["id"],
        "X-Osrsdiff-Attempt": str(attempt),
    }
    sent = sending.post(target, body=content, headers=headers)
    return delivery_record(webhook=webhook, body=body, attempt=attempt, sent=sent)


def delivery_record(
    *,
    webhook: Webhook,
    body: dict[str, Any],
    attempt: int,
    sent: sending.Sent,
    refused: bool = False,
) -> Delivery:
    """Log one attempt and keep the webhook's count of failures in a row; the
    WEBHOOKS_DISABLE_AFTER_FAILURES-th disables it, saying why."""
    last = attempt >= max_attempts()
    with transaction.atomic():
        hook = Webhook.objects.select_for_update().get(pk=webhook.pk)
        if sent.ok:
            status = DeliveryStatus.SUCCEEDED
            hook.consecutive_failures = 0
        else:
            hook.consecutive_failures += 1
            limit = settings.WEBHOOKS_DISABLE_AFTER_FAILURES
            if hook.is_active and hook.consecutive_failures >= limit:
                hook.is_active = False
                hook.disabled_at = timezone.now()
                hook.disabled_reason = (
                    f"Disabled after {hook.consecutive_failures} failed deliveries in a row; "
                    f"the last: {sent.error}"
                )
                last = True
                logger.warning("webhook disabled", extra={"webhook": hook.pk})
            if refused:
                status = DeliveryStatus.REFUSED
            else:
                status = DeliveryStatus.GAVE_UP if last else DeliveryStatus.FAILED
        hook.save(
            update_fields=["consecutive_failures", "is_active", "disabled_at", "disabled_reason"]
        )
        return Delivery.objects.create(
            webhook=hook,
            event=body["event"],
            event_id=body["id"],
            attempt=attempt,
            status=status,
            http_status=sent.http_status,
            duration_ms=sent.duration_ms,
            error=sent.error,
        )


def max_attempts() -> int:
    return len(settings.WEBHOOKS_RETRY_DELAYS) + 1


def is_test(body: dict[str, Any]) -> bool:
    return body["event"] == Event.TEST
