from django.apps import AppConfig


class ProgressConfig(AppConfig):
    name = "progress"
    verbose_name = "Progress"

    def ready(self) -> None:
        from players.signals import history_rewritten, name_change_approved, record_written

        from . import bests_table
        from .achievement_store import on_record_written as record_achievements
        from .deltas import on_record_written
        from .identity import on_history_rewritten, on_name_change_approved

        # A new record expires its player's deltas (progress.deltas).
        record_written.connect(on_record_written, dispatch_uid="progress.deltas")
        # And is folded into their records (progress.bests_table).
        record_written.connect(bests_table.on_record_written, dispatch_uid="progress.bests")
        # A new record may reach achievements (progress.achievement_store).
        record_written.connect(record_achievements, dispatch_uid="progress.achievements")
        # A rename changes the key the boards order by; a split history is built
        # again (progress.identity).
        name_change_approved.connect(on_name_change_approved, dispatch_uid="progress.renames")
        history_rewritten.connect(on_history_rewritten, dispatch_uid="progress.rewrites")
