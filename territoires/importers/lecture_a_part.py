"""Reading files in a child process while this one reads and writes the territories: the second CPU parses them.

The child (``os.fork``) reads the files with ``readers.lire``, exactly as this process would, and sends back each
``Table`` and its errors as soon as it is read (the parent works on the first ones while the child reads the next),
as plain data written by ``marshal`` (``pickle`` took three times longer to write and a fifth longer to read), into a
temporary file: through a pipe, 16 MB went 64 KiB at a time, each waiting for the parent to read the previous one.
The pipe only carries the size of each file's data, once written. The child never touches the database and leaves
with ``os._exit`` (no cleanup of the parent's state: connections, files). Without ``fork`` (Windows), for small
files, or if the child fails, the files are read in this process: the same tables, the same messages.
"""

import marshal
import os
import signal
import tempfile
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager, suppress
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
    the table (None if unreadable) and the errors of one of them, waiting for the child until it has sent that one
    (it sends each as soon as it is read, in the order of ``lectures``)."""
    resultats: dict[str, tuple[Table | None, Erreurs]] = {}
    enfant = None
    if _a_part(lectures, SEUIL_OCTETS if seuil is None else seuil):
        with suppress(OSError):  # no temporary file (or no fork): read here
            enfant = _Enfant(lectures)

    def lue(code: str) -> tuple[Table | None, Erreurs]:
        nonlocal enfant
        while code not in resultats and enfant is not None:
            recue = enfant.suivante()
            if recue is None:  # the child has sent everything (or failed)
                enfant.arreter()
                enfant = None
            else:
                resultats[recue[0]] = recue[1]
        if code in resultats:
            return resultats.pop(code)
        return lire_ici(lectures[code])  # no child, or it failed

    try:
        yield lue
    finally:
        if enfant is not None:  # done, or left before reading every result (an error elsewhere)
            enfant.arreter()


def _a_part(lectures: dict[str, Lecture], seuil: int) -> bool:
    if not hasattr(os, "fork") or not lectures:
        return False
    try:
        return sum(lecture[0].stat().st_size for lecture in lectures.values()) >= seuil
    except OSError:
        return False  # read here: lire() names the file that cannot be read


class _Enfant:
    """The child process that reads ``lectures``: it writes each file's table and errors (one ``marshal.dumps``) into
    a temporary file as soon as it is read, then their size into a pipe (8 bytes: it never fills)."""

    def __init__(self, lectures: dict[str, Lecture]):
        self.position = 0
        with ExitStack() as si_echec:  # an OSError (no temporary file, no fork) leaves nothing open
            self.fichier: IO[bytes] = si_echec.enter_context(tempfile.TemporaryFile())  # closed by arreter()
            entree, sortie = os.pipe()
            si_echec.callback(os.close, entree)
            si_echec.callback(os.close, sortie)
            self.pid = os.fork()
            si_echec.pop_all()
        if self.pid == 0:  # the child
            try:
                os.close(entree)
                for code, lecture in lectures.items():
                    table, erreurs = lire_ici(lecture)
                    donnees = None if table is None else table.en_donnees()
                    # One marshal.dumps per file: a string shared by rows (pandas shares equal values) is written once.
                    bloc = marshal.dumps((code, donnees, erreurs.messages, erreurs.par_fichier))
                    self.fichier.write(bloc)
                    self.fichier.flush()
                    os.write(sortie, len(bloc).to_bytes(8, "little"))
            finally:
                os._exit(0)
        os.close(sortie)
        self.tailles = os.fdopen(entree, "rb")

    def suivante(self) -> tuple[str, tuple[Table | None, Erreurs]] | None:
        """The next file the child has read (waiting for it), or None once it has sent everything or failed."""
        taille = self.tailles.read(8)  # fewer bytes only at the end of the pipe
        if len(taille) != 8:
            return None
        n = int.from_bytes(taille, "little")
        bloc = os.pread(self.fichier.fileno(), n, self.position)
        self.position += n
        if len(bloc) != n:
            return None
        try:
            code, donnees, messages, par_fichier = marshal.loads(bloc)  # noqa: S302 - our own child's data
        except (EOFError, ValueError, TypeError):
            return None
        table = None if donnees is None else Table.depuis_donnees(donnees)
        return code, (table, Erreurs(messages, par_fichier))

    def arreter(self) -> None:
        """Stop the child if it still runs, reap it, close the pipe and the file."""
        self.tailles.close()
        self.fichier.close()
        with suppress(ProcessLookupError):
            os.kill(self.pid, signal.SIGKILL)
        _attendre(self.pid)


def _attendre(pid: int) -> None:
    with suppress(ChildProcessError):  # already reaped (by a SIGCHLD handler elsewhere)
        os.waitpid(pid, 0)
