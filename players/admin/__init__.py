"""The admin for staff, tuned for big tables: nothing here counts the whole history.

It writes as the API does, through the services in `players.tracking`: adding a
player is `player_track`, saving one is `player_update`, deleting is `player_untrack`.
Flags are resolved through `players.flags`; archived players and game-mode changes
are read-only (docs/api.md, "Flags" and "Game modes").

One module per page: importing them registers every model, as Django's admin
autodiscovery imports this package.
"""

from . import archived_players, flags, history, name_changes, players

__all__ = ["archived_players", "flags", "history", "name_changes", "players"]
