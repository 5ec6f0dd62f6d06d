"""Reading files in a child process while this one reads and writes the territories: the second CPU parses them.

The child (``os.fork``) reads the files with ``readers.lire``, exactly as this process would, and sends back each
``Table`` and its errors as plain data written by ``marshal`` (``pickle`` took three times longer to write and a fifth
longer to read: the parent waits for the one, and pays for the other), into a temporary file: through a pipe, 16 MB
went 64 KiB at a time, each waiting for the parent to read the previous one. The pipe only carries the size written,
once it is. The child never touches the database and leaves with ``os._exit`` (no cleanup of the parent's state:
connections, files). Without ``fork`` (Windows), for small files, or if the child fails, the files are read in this
process: the same tables, the same messages.
"""

import marshal
import os
import signal
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import IO, Any

from .readers import Erreurs, Table, lire

# What is computed from a table alone, where it is read (the child process): plain data (``marshal``), which becomes
# ``Table.derives``; its errors are the file's, after those of the reading.
Preparation = Callable[[Table, Erreurs], dict[str, Any]]
# (file, columns with their accepted names, required columns): the arguments of ``readers.lire``; then the
# preparation, if any.
Lecture = tuple[Path, dict[str, tuple[str, ...]], list[str], Preparation | None]
Lue = Callable[[str], tuple[Table | None, Erreurs]]

# Below this total size, a fork (~10 ms) costs more than it saves.
SEUIL_OCTETS = 1_000_000


def lire_ici(lecture: Lecture) -> tuple[Table | None, Erreurs]:
    chemin, colonnes, requises, preparation = lecture
    erreurs = Erreurs()
    table = lire(chemin, chemin.name, colonnes, requises, erreurs)
    if table is not None and preparation is not None:
        table.derives = preparation(table, erreurs)
    return table, erreurs


@contextmanager
def lecture_a_part(lectures: dict[str, Lecture], *, seuil: int | None = None) -> Iterator[Lue]:
    """Start reading ``lectures`` (code → what to read) in a child process; within the block, ``lue(code)`` gives
    the table (None if unreadable) and the errors of one of them, waiting for the child at the first call."""
    resultats: dict[str, tuple[Table | None, Erreurs]] = {}
    enfant = _lancer(lectures) if _a_part(lectures, SEUIL_OCTETS if seuil is None else seuil) else None

    def lue(code: str) -> tuple[Table | None, Erreurs]:
        nonlocal enfant
        if enfant is not None:
            pid, entree, fichier = enfant
            enfant = None
            resultats.update(_recevoir(pid, entree, fichier))
        if code in resultats:
            return resultats.pop(code)
        return lire_ici(lectures[code])  # no child, or it failed

    try:
        yield lue
    finally:
        if enfant is not None:  # left before reading its results (an error elsewhere): stop it
            pid, entree, fichier = enfant
            os.close(entree)
            fichier.close()
            with suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
            _attendre(pid)


def _a_part(lectures: dict[str, Lecture], seuil: int) -> bool:
    if not hasattr(os, "fork") or not lectures:
        return False
    try:
        return sum(lecture[0].stat().st_size for lecture in lectures.values()) >= seuil
    except OSError:
        return False  # read here: lire() names the file that cannot be read


def _lancer(lectures: dict[str, Lecture]) -> tuple[int, int, IO[bytes]]:
    """The child's pid, the end of the pipe that tells the size of its results, and the file that holds them."""
    fichier = tempfile.TemporaryFile()  # noqa: SIM115 - closed by _recevoir or lecture_a_part
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
            # One marshal.dumps: a string shared by several rows (pandas shares equal values) is written once.
            donnees = marshal.dumps(lues)
            fichier.write(donnees)
            fichier.flush()
            os.write(sortie, len(donnees).to_bytes(8, "little"))
        finally:
            os._exit(0)
    os.close(sortie)
    return pid, entree, fichier


def _attendre(pid: int) -> None:
    with suppress(ChildProcessError):  # already reaped (by a SIGCHLD handler elsewhere)
        os.waitpid(pid, 0)


def _recevoir(pid: int, entree: int, fichier: IO[bytes]) -> dict[str, tuple[Table | None, Erreurs]]:
    with fichier:
        try:
            with os.fdopen(entree, "rb") as flux:
                taille = flux.read()  # the size, once written; nothing if the child failed (end of the pipe)
        finally:
            _attendre(pid)
        if len(taille) != 8:
            return {}  # the child failed before writing everything: read here
        fichier.seek(0)
        donnees = fichier.read()
    if len(donnees) != int.from_bytes(taille, "little"):
        return {}
    try:
        lues = marshal.loads(donnees)  # noqa: S302 - our own child's data, through our own file
    except (EOFError, ValueError, TypeError):
        return {}
    return {
        code: (None if table is None else Table.depuis_donnees(table), Erreurs(messages, par_fichier))
        for code, table, messages, par_fichier in lues
    }
