"""What players tells the apps above it, which it may not import (docs/architecture.md,
"Apps and imports")."""

from django.dispatch import Signal

# Sent by `players.recording` once per recorded batch that wrote records, after its
# transaction commits, with `records`: the `HiscoreRecord`s it wrote (saved, ids set).
record_written = Signal()
