"""Reading files in a child process while this one reads and writes the territories: the second CPU parses them.

The child (``os.fork``) reads the files with ``readers.lire``, exactly as this process would, and sends back each
``Table`` and its errors through a pipe, as plain data written by ``marshal`` (``pickle`` took three times longer to
write and a fifth longer to read: the parent waits for the one, and pays for the other). It never touches the
database and leaves with ``os._exit`` (no cleanup of the parent's state: connections, files). Without ``fork``
(Windows), for small files, or if the child fails, the files are read in this process: the same tables, the same
messages.
"""

import marshal
import os
import signal
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from .readers import Erreurs, Table, lire

# (file, columns with their accepted names, required columns): the arguments of ``readers.lire``.
Lecture = tuple[Path, dict[str, tuple[str, ...]], list[str]]
Lue = Callable[[str], tuple[Table | None, Erreurs]]

# Below this total size, a fork (~10 ms) costs more than it saves.
SEUIL_OCTETS = 1_000_000


def lire_ici(lecture: Lecture) -> tuple[Table | None, Erreurs]:
    chemin, colonnes, requises = lecture
    erreurs = Erreurs()
    return lire(chemin, chemin.name, colonnes, requises, erreurs), erreurs


@contextmanager
def lecture_a_part(lectures: dict[str, Lecture], *, seuil: int | None = None) -> Iterator[Lue]:
    """Start reading ``lectures`` (code → what to read) in a child process; within the block, ``lue(code)`` gives
    the table (None if unreadable) and the errors of one of them, waiting for the child at the first call."""
    resultats: dict[str, tuple[Table | None, Erreurs]] = {}
    enfant = _lancer(lectures) if _a_part(lectures, SEUIL_OCTETS if seuil is None else seuil) else None

    def lue(code: str) -> tuple[Table | None, Erreurs]:
        nonlocal enfant
        if enfant is not None:
            pid, entree = enfant
            enfant = None
            resultats.update(_recevoir(pid, entree))
        if code in resultats:
            return resultats.pop(code)
        return lire_ici(lectures[code])  # no child, or it failed

    try:
        yield lue
    finally:
        if enfant is not None:  # left before reading its results (an error elsewhere): stop it
            os.close(enfant[1])
            with suppress(ProcessLookupError):
                os.kill(enfant[0], signal.SIGKILL)
            _attendre(enfant[0])


def _a_part(lectures: dict[str, Lecture], seuil: int) -> bool:
    if not hasattr(os, "fork") or not lectures:
        return False
    try:
        return sum(chemin.stat().st_size for chemin, _, _ in lectures.values()) >= seuil
    except OSError:
        return False  # read here: lire() names the file that cannot be read


def _lancer(lectures: dict[str, Lecture]) -> tuple[int, int]:
    """The child's pid and the end of the pipe its results come from."""
    entree, sortie = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child
        try:
            os.close(entree)
            lues = []
            for code, lecture in lectures.items():
                table, erreurs = lire_ici(lecture)
                lues.append(
                    (code, None if table is None else table.en_donnees(), erreurs.messages, erreurs.par_fichier)
                )
            # Written once every file is read: a pipe holds 64 KiB, writing earlier would wait for the parent. One
            # marshal.dumps: a string shared by several rows (pandas shares equal values) is written once.
            donnees = marshal.dumps(lues)
            with os.fdopen(sortie, "wb") as flux:
                flux.write(donnees)
        finally:
            os._exit(0)
    os.close(sortie)
    return pid, entree


def _attendre(pid: int) -> None:
    with suppress(ChildProcessError):  # already reaped (by a SIGCHLD handler elsewhere)
        os.waitpid(pid, 0)


def _recevoir(pid: int, entree: int) -> dict[str, tuple[Table | None, Erreurs]]:
    try:
        with os.fdopen(entree, "rb") as flux:
            donnees = flux.read()
    finally:
        _attendre(pid)
    try:
        lues = marshal.loads(donnees)  # noqa: S302 - our own child's data, through our own pipe
    except (EOFError, ValueError, TypeError):
        return {}  # the child failed before sending everything: read here
    return {
        code: (None if table is None else Table.depuis_donnees(table), Erreurs(messages, par_fichier))
        for code, table, messages, par_fichier in lues
    }
