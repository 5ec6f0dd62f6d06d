"""Signals sent by the dossier services (one per transition), for other apps to react (notifications…)."""

from django.dispatch import Signal

# Sent after the transaction of a transition commits: sender=Dossier, dossier=…, transition=code, acteur=user.
dossier_transition = Signal()
