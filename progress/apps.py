from django.apps import AppConfig


class ProgressConfig(AppConfig):
    name = "progress"
    verbose_name = "Progress"

    def ready(self) -> None:
        from players.signals import record_written

        from .deltas import on_record_written

        # A new record expires its player's deltas (progress.deltas).
        record_written.connect(on_record_written, dispatch_uid="progress.deltas")
