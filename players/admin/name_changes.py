"""The name changes' page, where staff approve or deny the requests."""

from __future__ import annotations

from django.contrib import admin, messages
from django.utils.html import format_html, format_html_join

from ..errors import NameChangeBlocked, NameChangeResolved
from ..models import NameChange, NameChangeStatus
from ..renames import name_change_approve, name_change_deny


@admin.register(NameChange)
class NameChangeAdmin(admin.ModelAdmin):
    """Name changes with the automatic review's reasons and evidence. Staff approve
    or deny through `players.renames`, as the API does; nothing here saves a model."""

    list_display = [
        "old_name",
        "new_name",
        "status",
        "player",
        "first_reason",
        "created_at",
        "resolved_at",
        "resolved_by",
    ]
    list_filter = ["status"]
    search_fields = ["old_key", "new_key"]
    list_select_related = ["player", "resolved_by"]
    actions = ["approve", "deny"]
    fields = [
        "old_name",
        "new_name",
        "status",
        "player",
        "review",
        "requested_by",
        "created_at",
        "resolved_by",
        "resolved_at",
    ]
    readonly_fields = fields

    def has_add_permission(self, request) -> bool:
        return False  # requests come through the API, reviewed there

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # the audit trail of who a player was

    def save_model(self, request, obj, form, change):
        pass  # every field is read-only: the actions change what there is to change

    @admin.display(description="Review")
    def first_reason(self, change: NameChange) -> str:
        return change.reasons[0] if change.reasons else ""

    @admin.display(description="Review: reasons and evidence")
    def review(self, change: NameChange):
        reasons = format_html_join("", "<li>{}</li>", ((r,) for r in change.reasons))
        evidence = change.evidence or {}
        rows = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
            (
                (
                    d["metric"],
                    f"{d['before']:,}",
                    "unranked" if d["after"] is None else f"{d['after']:,}",
                )
                for d in evidence.get("went_down", [])
            ),
        )
        fast = format_html_join(
            "",
            "<tr><td>{}</td><td>+{}</td><td>{}</td></tr>",
            (
                (d["metric"], f"{d['gained']:,}", f"{d['allowed']:,}")
                for d in evidence.get("too_fast", [])
            ),
        )
        return format_html(
            "<ul>{}</ul><p>Hours between the old name's last record and the review: {}</p>"
            "<table><tr><th>Went down</th><th>Before</th><th>After</th></tr>{}</table>"
            "<table><tr><th>Too fast</th><th>Gained</th><th>At most</th></tr>{}</table>"
            "<p>Merged: {}</p>",
            reasons,
            evidence.get("elapsed_hours", "-"),
            rows,
            fast,
            evidence.get("merged") or "nothing",
        )

    @admin.action(description="Approve (rename the player)")
    def approve(self, request, queryset):
        self._resolve(request, queryset, name_change_approve, "Approved")

    @admin.action(description="Deny")
    def deny(self, request, queryset):
        self._resolve(request, queryset, name_change_deny, "Denied")

    def _resolve(self, request, queryset, service, done: str) -> None:
        count = 0
        for change in queryset.filter(status=NameChangeStatus.PENDING).order_by("created_at"):
            try:
                service(name_change_id=change.pk, by=request.user)
                count += 1
            except (NameChangeBlocked, NameChangeResolved) as exc:
                self.message_user(request, f"{change}: {exc.detail}", messages.WARNING)
        self.message_user(request, f"{done} {count} name change(s).")
