"""What groups tells the apps above it (webhooks), which it may not import
(docs/architecture.md, "Apps and imports"). Each is sent after its transaction
commits, so a receiver never sees what a rollback undid."""

from django.dispatch import Signal

# `competition`: the `Competition` whose start passed (sent once, by the beat).
competition_started = Signal()
# `competition`: the `Competition` whose end passed (sent once, by the beat).
competition_finished = Signal()
# `group` and `members`: the `Membership` rows that joined in one call (pending
# names included; their status says which).
member_joined = Signal()
