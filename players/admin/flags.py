"""The flags' pages: each flag, and a confirmation page per resolution."""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join

from ..errors import FlagAlreadyResolved
from ..flags import flag_preview, flag_resolve_name_transfer, flag_resolve_rollback
from ..models import FlagKind, FlagStatus, PlayerFlag


@admin.register(PlayerFlag)
class PlayerFlagAdmin(admin.ModelAdmin):
    """Flagged players: the evidence, what each resolution would do, and a
    confirmation page for each (`players.flags` does the work)."""

    list_display = ["player", "kind", "status", "created_at", "falls", "impossible_gains"]
    list_filter = ["status", "kind"]
    list_select_related = ["player"]
    search_fields = ["player__username_key"]
    ordering = ["status", "-created_at"]
    fields = [
        "player",
        "kind",
        "status",
        "created_at",
        "evidence_table",
        "choices",
        "resolution",
        "resolved_at",
        "resolved_by",
        "archived_player",
    ]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="Values that fell")
    def falls(self, flag: PlayerFlag):
        return len(flag.evidence.get("falls", {}))

    @admin.display(description="Impossible gains")
    def impossible_gains(self, flag: PlayerFlag):
        return len(flag.evidence.get("impossible_gains", {}))

    @admin.display(description="Evidence")
    def evidence_table(self, flag: PlayerFlag):
        evidence = flag.evidence
        falls = format_html_join(
            "",
            "<tr><td>{}</td><td>fell</td><td>{}</td><td>{}</td></tr>",
            (
                (m, f"{v['before']:,}", f"{v['after']:,}")
                for m, v in evidence.get("falls", {}).items()
            ),
        )
        gains = format_html_join(
            "",
            "<tr><td>{}</td><td>gained too fast</td><td>{}</td><td>at most {}</td></tr>",
            (
                (m, f"{v['gained']:,}", f"{v['allowed']:,}")
                for m, v in evidence.get("impossible_gains", {}).items()
            ),
        )
        return format_html(
            "<p>Answer first seen {}, {} hour(s) after the last counted state was confirmed."
            " Could follow the earlier state of: {}.</p>"
            "<table><tr><th>Metric</th><th>Sign</th><th>Before / gained</th>"
            "<th>After / allowed</th></tr>{}{}</table>",
            evidence.get("record_at", "?"),
            evidence.get("hours_elapsed", "?"),
            evidence.get("could_follow_record_at") or "none",
            falls,
            gains,
        )

    @admin.display(description="Resolve")
    def choices(self, flag: PlayerFlag):
        if flag.status != FlagStatus.OPEN:
            return "Resolved."
        preview = flag_preview(flag=flag)
        items = [
            (FlagKind.ROLLBACK, preview.rollback()),
            (FlagKind.NAME_TRANSFER, preview.name_transfer(flag.player.username)),
        ]
        return format_html_join(
            "",
            '<p><a class="button" href="{}">{}</a>{} {}</p>',
            (
                (
                    reverse("admin:players_playerflag_resolve", args=[flag.pk, kind]),
                    kind.label,
                    " (suggested)" if kind == flag.kind else "",
                    text,
                )
                for kind, text in items
            ),
        )

    def get_urls(self):
        resolve = self.admin_site.admin_view(self.resolve_view)
        return [
            path("<int:flag_id>/resolve/<str:kind>/", resolve, name="players_playerflag_resolve"),
            *super().get_urls(),
        ]

    def resolve_view(self, request, flag_id: int, kind: str):
        """GET: what this resolution does; POST: do it."""
        flag = get_object_or_404(PlayerFlag.objects.select_related("player"), pk=flag_id)
        if not self.has_change_permission(request, flag):
            raise PermissionDenied
        if kind not in FlagKind.values:
            raise Http404("No such resolution.")
        change_url = reverse("admin:players_playerflag_change", args=[flag.pk])
        if request.method == "POST":
            resolve = (
                flag_resolve_rollback if kind == FlagKind.ROLLBACK else flag_resolve_name_transfer
            )
            try:
                resolve(flag=flag, resolved_by=request.user)
            except FlagAlreadyResolved:
                self.message_user(request, "That flag was already resolved.", messages.WARNING)
            else:
                self.message_user(request, f"Resolved as {FlagKind(kind).label}.")
            return redirect(change_url)
        preview = flag_preview(flag=flag)
        text = (
            preview.rollback()
            if kind == FlagKind.ROLLBACK
            else preview.name_transfer(flag.player.username)
        )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": f"Resolve the flag on {flag.player} as {FlagKind(kind).label}?",
            "flag": flag,
            "preview": text,
            "open": flag.status == FlagStatus.OPEN,
            "change_url": change_url,
        }
        return TemplateResponse(request, "admin/players/playerflag/resolve.html", context)
