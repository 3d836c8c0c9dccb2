"""What progress tells the apps above it (docs/architecture.md, "Apps and imports")."""

from django.dispatch import Signal

# Sent after the transaction that stored them commits, with `player` and
# `achievements`: the achievements a new record reached (dated ones only; those
# the first record already showed are not news).
achievement_reached = Signal()
