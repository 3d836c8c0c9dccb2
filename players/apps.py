from django.apps import AppConfig


class PlayersConfig(AppConfig):
    name = "players"
    verbose_name = "Players"

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from .conditional import player_rows_changed
        from .models import Player

        # Reads answered from kept bodies (players.conditional) learn of the change.
        post_save.connect(player_rows_changed, sender=Player, dispatch_uid="player_rows_saved")
        post_delete.connect(player_rows_changed, sender=Player, dispatch_uid="player_rows_deleted")
