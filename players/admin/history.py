"""The players' stored history: records and fetch attempts, tables of millions of
rows, and the game-mode changes seen between records (read-only)."""

from __future__ import annotations

from django.contrib import admin
from django.core.paginator import Paginator
from django.utils.functional import cached_property

from ..models import FetchAttempt, GameModeChange
from ..records import HiscoreRecord
from .read_only import ReadOnlyAdmin


class BoundedCountPaginator(Paginator):
    """Counts at most COUNT_LIMIT rows: a `COUNT(*)` over millions of history rows
    would make every changelist page slow."""

    COUNT_LIMIT = 10_000

    @cached_property
    def count(self) -> int:
        return self.object_list[: self.COUNT_LIMIT].count()


class BigTableAdmin(admin.ModelAdmin):
    paginator = BoundedCountPaginator
    show_full_result_count = False
    list_per_page = 50


@admin.register(HiscoreRecord)
class HiscoreRecordAdmin(BigTableAdmin):
    list_display = [
        "player",
        "fetched_at",
        "last_checked_at",
        "overall_level",
        "overall_experience",
        "game_mode",
        "flagged",
    ]
    list_select_related = ["player"]
    raw_id_fields = ["player"]
    date_hierarchy = None
    search_fields = ["player__username_key"]


@admin.register(FetchAttempt)
class FetchAttemptAdmin(BigTableAdmin):
    list_display = ["player", "started_at", "outcome", "http_status", "duration_ms", "message"]
    list_filter = ["outcome"]
    list_select_related = ["player"]
    raw_id_fields = ["player"]
    search_fields = ["player__username_key"]


@admin.register(GameModeChange)
class GameModeChangeAdmin(ReadOnlyAdmin):
    list_display = ["player", "kind", "from_mode", "to_mode", "changed_after", "changed_before"]
    list_filter = ["kind"]
    list_select_related = ["player"]
    search_fields = ["player__username_key"]
