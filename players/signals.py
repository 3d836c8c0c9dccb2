"""What players tells the apps above it, which it may not import (docs/architecture.md,
"Apps and imports")."""

from django.dispatch import Signal

# Sent by `players.recording` once per recorded batch that wrote records, after its
# transaction commits, with `records`: the `HiscoreRecord`s it wrote (saved, ids set).
record_written = Signal()

# Identity (docs/api.md, "Name changes" and "Flags"); each is sent after its
# transaction commits, so a receiver never sees what a rollback undid.
# `name_change`: the approved `NameChange`, its player already renamed.
name_change_approved = Signal()
# `player` and `flag`: the flag staff must resolve, with its evidence.
player_flagged = Signal()
# `player` and `change`: the recorded game-mode change; `change.kind` names it
# (a hardcore ironman's death is "hardcore_death").
game_mode_changed = Signal()

# Sent inside a name change's merge (players.renames), under its locks and
# before `removed` is deleted, with `kept` and `removed`: the apps above move
# what points at `removed` to `kept` in the same transaction, or it is lost
# with the row.
players_merging = Signal()

# Sent after the commit of a change to stored history other than new records at
# its end (a name transfer splits one history in two), with `player_ids`: what
# the apps above keep from those histories must be built again.
history_rewritten = Signal()
