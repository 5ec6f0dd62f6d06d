"""Pure rules of the comité: transition tables, upload checks, digest grouping (no ORM)."""

from collections.abc import Iterable
from typing import TypeVar

PROPOSE, ACCEPTE, INSCRIT, DECLINE, TRAITE = "propose", "accepte", "inscrit", "decline", "traite"

# Agenda items: the secrétariat accepts, schedules on a meeting or declines (with a reason).
POINT_TRANSITIONS: dict[str, frozenset[str]] = {
    PROPOSE: frozenset({ACCEPTE, INSCRIT, DECLINE}),
    ACCEPTE: frozenset({INSCRIT, DECLINE}),
    INSCRIT: frozenset({INSCRIT, TRAITE, DECLINE}),
    DECLINE: frozenset(),
    TRAITE: frozenset(),
}


def point_may_move(source: str, target: str) -> bool:
    return target in POINT_TRANSITIONS.get(source, frozenset())


# Outcome of a decision: once decided it is final (a new decision revisits it).
DECISION_ISSUES_FINALES = frozenset({"adopte", "rejete", "ajourne"})

PDF_MAX_OCTETS = 10 * 1024 * 1024
PDF_SIGNATURE = b"%PDF-"


def pdf_upload_error(nom: str, taille: int, debut: bytes, *, max_octets: int = PDF_MAX_OCTETS) -> str | None:
    """The French message explaining why the file is refused, or None when it is an acceptable PDF."""
    if taille <= 0:
        return f"Le fichier « {nom} » est vide."
    if taille > max_octets:
        return (
            f"Le fichier « {nom} » pèse {taille / 1024 / 1024:.1f} Mo : la taille maximale est de "
            f"{max_octets // 1024 // 1024} Mo."
        )
    if not nom.lower().endswith(".pdf") or not debut.startswith(PDF_SIGNATURE):
        return f"Le fichier « {nom} » n'est pas un PDF : seuls les documents PDF sont acceptés."
    return None


K = TypeVar("K")
V = TypeVar("V")


def group_by(pairs: Iterable[tuple[K, V]]) -> dict[K, list[V]]:
    """Group (key, value) pairs by key, keeping the order of first appearance and of values."""
    grouped: dict[K, list[V]] = {}
    for key, value in pairs:
        grouped.setdefault(key, []).append(value)
    return grouped
