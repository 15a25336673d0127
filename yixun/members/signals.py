"""What the members app announces, for the apps above it to act on (members depends on none)."""

from django.dispatch import Signal

# A member stopped being active: suspended, left or erased. Sent inside the transaction that
# made the change, with `member` and `actor`; a receiver's writes commit or roll back with it.
membership_ended = Signal()
