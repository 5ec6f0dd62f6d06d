"""Pure rules of the territoires app: no ORM, property-tested."""

import unicodedata


def normalise_recherche(text: str) -> str:
    """Lower-case, accent-free, single-spaced text: the form in which names are searched."""
    decomposed = unicodedata.normalize("NFKD", text)
    ascii_only = "".join(c for c in decomposed if not unicodedata.combining(c)).lower()
    cleaned = "".join(c if c.isalnum() else " " for c in ascii_only)
    return " ".join(cleaned.split())
