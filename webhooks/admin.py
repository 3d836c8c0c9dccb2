"""Webhooks and their delivery log. Read-only: webhooks are made through the API,
and every change goes through `webhooks.services` (docs/architecture.md, "Choices")."""

from __future__ import annotations

from django.contrib import admin, messages
from django.utils.html import format_html, format_html_join

from .models import Delivery, Webhook
from .services import webhook_delete, webhook_reenable, webhook_send_test

RECENT_DELIVERIES = 50


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        # Viewing is allowed (has_view_permission); saving never is.
        return False


@admin.register(Webhook)
class WebhookAdmin(ReadOnlyAdmin):
    list_display = [
        "id",
        "url",
        "format",
        "created_by",
        "is_active",
        "consecutive_failures",
        "disabled_reason",
    ]
    list_filter = ["is_active", "format"]
    search_fields = ["url", "created_by__username"]
    list_select_related = ["created_by"]
    exclude = ["secret"]
    readonly_fields = [
        "url",
        "events",
        "format",
        "created_by",
        "created_at",
        "is_active",
        "consecutive_failures",
        "disabled_at",
        "disabled_reason",
        "recent_deliveries",
    ]
    actions = ["reenable", "send_test"]

    def has_delete_permission(self, request, obj=None) -> bool:
        return request.user.is_staff

    def get_deleted_objects(self, objs, request):
        # A webhook's log goes with it, though the log alone may not be deleted.
        deleted, counts, perms_needed, protected = super().get_deleted_objects(objs, request)
        return deleted, counts, perms_needed - {Delivery._meta.verbose_name}, protected

    def delete_model(self, request, obj):
        webhook_delete(webhook=obj, by=request.user)

    def delete_queryset(self, request, queryset):
        for webhook in queryset:
            webhook_delete(webhook=webhook, by=request.user)

    @admin.display(description=f"Last {RECENT_DELIVERIES} deliveries")
    def recent_deliveries(self, webhook: Webhook):
        deliveries = webhook.deliveries.all()[:RECENT_DELIVERIES]
        rows = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>"
            "<td>{}</td></tr>",
            (
                (
                    d.created_at,
                    d.event,
                    d.attempt,
                    d.get_status_display(),
                    d.http_status or "",
                    f"{d.duration_ms} ms" if d.duration_ms else "",
                    d.error,
                )
                for d in deliveries
            ),
        )
        return format_html(
            "<table><tr><th>When</th><th>Event</th><th>Attempt</th><th>Status</th>"
            "<th>HTTP</th><th>Took</th><th>Error</th></tr>{}</table>",
            rows,
        )

    @admin.action(description="Re-enable")
    def reenable(self, request, queryset):
        for webhook in queryset:
            webhook_reenable(webhook=webhook)
        self.message_user(request, f"Re-enabled {len(queryset)} webhook(s).")

    @admin.action(description="Send a test event")
    def send_test(self, request, queryset):
        try:
            for webhook in queryset:
                webhook_send_test(webhook=webhook)
        except Exception:
            self.message_user(request, "The task queue is unavailable.", messages.ERROR)
            return
        self.message_user(
            request, f"Queued a test event to {len(queryset)} webhook(s); see their deliveries."
        )


@admin.register(Delivery)
class DeliveryAdmin(ReadOnlyAdmin):
    list_display = [
        "created_at",
        "webhook",
        "event",
        "attempt",
        "status",
        "http_status",
        "duration_ms",
        "error",
    ]
    list_filter = ["status", "event"]
    list_select_related = ["webhook"]
    raw_id_fields = ["webhook"]
    search_fields = ["webhook__url", "event_id"]

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
