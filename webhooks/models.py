"""Webhooks and the log of their deliveries (docs/api.md, "Webhooks").

A webhook's secret is kept as it was issued, not hashed: signing a body with
HMAC needs the secret itself. It is shown once, in the answer that created the
webhook, and neither the API nor the admin shows it again; whoever can read the
database can read it, as with the hiscores data itself (docs/operations.md).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from groups.models import Group

from .events import Event


class Format(models.TextChoices):
    JSON = "json", "JSON"
    DISCORD = "discord", "Discord"


class Webhook(models.Model):
    id = models.BigAutoField(primary_key=True)
    url = models.URLField(max_length=2000)
    # A list of `Event` values.
    events = models.JSONField()
    format = models.CharField(max_length=10, choices=Format.choices, default=Format.JSON)
    # A group's webhook hears about its members and its competitions; one without a
    # group (staff's) hears every event it subscribes to.
    group = models.ForeignKey(
        Group, null=True, blank=True, on_delete=models.CASCADE, related_name="webhooks"
    )
    secret = models.CharField(max_length=64, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="webhooks"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    is_active = models.BooleanField(default=True)
    # Failed attempts since the last success; WEBHOOKS_DISABLE_AFTER_FAILURES of them
    # disable the webhook, with the reason kept for the admin.
    consecutive_failures = models.PositiveIntegerField(default=0)
    disabled_at = models.DateTimeField(null=True, blank=True)
    disabled_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"#{self.pk} {self.url}"

    def subscribes_to(self, event: str) -> bool:
        return event == Event.TEST or event in self.events


class DeliveryStatus(models.TextChoices):
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed (will retry)"
    GAVE_UP = "gave_up", "Failed (last attempt)"
    REFUSED = "refused", "Refused (unsafe address)"


class Delivery(models.Model):
    """One attempt to send one event to one webhook. Attempts of the same event
    share `event_id` (sent as X-Osrsdiff-Delivery, so a receiver can ignore a repeat)."""

    id = models.BigAutoField(primary_key=True)
    webhook = models.ForeignKey(Webhook, on_delete=models.CASCADE, related_name="deliveries")
    event = models.CharField(max_length=40, choices=Event.choices)
    event_id = models.UUIDField()
    attempt = models.PositiveSmallIntegerField()
    status = models.CharField(max_length=10, choices=DeliveryStatus.choices)
    http_status = models.PositiveSmallIntegerField(null=True, blank=True)
    duration_ms = models.PositiveIntegerField(null=True, blank=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-id"]
        verbose_name_plural = "deliveries"
        indexes = [models.Index(fields=["webhook", "-id"], name="delivery_webhook_recent")]

    def __str__(self) -> str:
        return f"{self.event} #{self.attempt} -> {self.status}"
