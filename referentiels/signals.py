"""Signals of the référentiels, for other apps (the comité records its decisions from them)."""

from django.dispatch import Signal

# Sent inside the adopting transaction, with ``version`` (the new adopted Version), ``precedente``
# (the replaced Version or None), ``amendement`` (or None for a draft published as such) and ``actor``.
version_adoptee = Signal()
