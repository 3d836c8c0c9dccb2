"""Archived players: the history an account left behind when another took its name."""

from __future__ import annotations

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html

from ..models import ArchivedPlayer, Player, PlayerFlag
from .players import PlayerAdmin
from .read_only import ReadOnlyAdmin


@admin.register(ArchivedPlayer)
class ArchivedPlayerAdmin(ReadOnlyAdmin):
    """The history of an account that no longer owns its name: read-only, never
    collected, listed or ranked."""

    list_display = ["username", "game_mode", "created_at"]
    search_fields = ["username"]
    fields = ["username", "game_mode", "created_at", "archived_from", "recent_records"]
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).filter(archived=True)

    @admin.display(description="Archived by")
    def archived_from(self, player: Player):
        flag = PlayerFlag.objects.filter(archived_player=player).select_related("player").first()
        if flag is None:
            return None
        url = reverse("admin:players_playerflag_change", args=[flag.pk])
        return format_html('<a href="{}">the name transfer flag on {}</a>', url, flag.player)

    recent_records = PlayerAdmin.recent_records
