from django.apps import AppConfig


class GroupsConfig(AppConfig):
    name = "groups"
    verbose_name = "Groups and competitions"

    def ready(self) -> None:
        from players.signals import players_merging

        from .merging import on_players_merging

        # A merge's removed player takes its memberships and entries with it
        # unless they move to the kept player first (groups.merging).
        players_merging.connect(on_players_merging, dispatch_uid="groups.merging")
