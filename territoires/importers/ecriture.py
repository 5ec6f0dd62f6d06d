"""Writing desired rows in bulk: one read per model, then bulk_create / bulk_update of what differs."""

import sqlite3
from collections.abc import Callable, Collection, Hashable, Sequence
from dataclasses import dataclass
from functools import partial
from operator import itemgetter, methodcaller
from typing import Any

from django.db import connection, models
from django.utils import timezone

TAILLE_LOT = 1000


@dataclass
class Compte:
    crees: int = 0
    modifies: int = 0
    inchanges: int = 0

    def __str__(self) -> str:
        return f"{self.crees} créé(s), {self.modifies} modifié(s), {self.inchanges} inchangé(s)"


def synchroniser(
    model: type[models.Model],
    cles: tuple[str, ...],
    desire: dict[Hashable, dict[str, Any]] | dict[Hashable, Sequence[Any]],
    *,
    champs: Sequence[str] | None = None,
    ignorer: Collection[Hashable] = (),
    filtre: dict[str, Any] | None = None,
    vide: bool = False,
) -> Compte:
    """Make the rows of ``model`` match ``desire`` (natural key → field values); other rows are left alone.

    ``cles`` are the fields of the natural key (one field: the key is its value; several: a tuple). Keys in
    ``ignorer`` are neither created nor updated (e.g. competences transferred by a user). The values are dicts
    (field → value), or, with ``champs``, sequences of the values of these fields (no dict per row: the IPS).
    ``vide``: the caller knows the table is empty (no read of its rows).
    """
    compte = Compte()
    if not desire:
        return compte
    en_tuples = champs is not None
    champs = list(champs) if champs is not None else list(next(iter(desire.values())).keys())  # type: ignore[union-attr]
    a_dater = any(f.name == "modifie_le" for f in model._meta.concrete_fields)
    existants: dict[Hashable, dict[str, Any]] = {}
    if not vide:
        qs = model._default_manager.filter(**(filtre or {})).values("pk", *cles, *champs)
        for row in qs.iterator(chunk_size=5000):
            cle = row[cles[0]] if len(cles) == 1 else tuple(row[c] for c in cles)
            existants[cle] = row
    maintenant = timezone.now()
    cles_a_creer: list[Hashable] = []
    a_creer: list[Any] = []
    a_modifier: list[models.Model] = []
    simple = len(cles) == 1
    a_comparer = desire.items()
    if not existants and not ignorer:  # an empty table: everything is created, in the order of ``desire``
        cles_a_creer, a_creer, a_comparer = list(desire), list(desire.values()), {}.items()
    for cle, brut in a_comparer:
        valeurs = dict(zip(champs, brut, strict=True)) if en_tuples else brut
        actuel = existants.get(cle)
        if actuel is None:
            if cle not in ignorer:
                cles_a_creer.append(cle)
                a_creer.append(brut)
        elif cle in ignorer:
            continue
        elif any(actuel[c] != v for c, v in valeurs.items()):  # type: ignore[union-attr]
            cle_champs = dict(zip(cles, (cle,) if simple else cle, strict=True))  # type: ignore[arg-type]
            obj = model(pk=actuel["pk"], **cle_champs, **valeurs)  # type: ignore[arg-type]
            if a_dater:
                obj.modifie_le = maintenant  # type: ignore[attr-defined]
            a_modifier.append(obj)
        else:
            compte.inchanges += 1
    if a_creer:
        inserer(
            model,
            cles,
            cles_a_creer,
            a_creer,
            table_vide=vide or (not existants and not filtre),
            ordre=champs if en_tuples else None,
        )
    if a_modifier:
        model._default_manager.bulk_update(
            a_modifier, [*champs, *(["modifie_le"] if a_dater else [])], batch_size=TAILLE_LOT // 4
        )
    compte.crees, compte.modifies = len(a_creer), len(a_modifier)
    return compte


def _transposer(valeurs: list[dict[str, Any]], attributs: list[str]) -> dict[str, Sequence[Any]]:
    """The columns ``attributs`` of the dicts ``valeurs``: one itemgetter call per row and one transposition, if
    every dict has them all (else nothing: the caller reads them one by one, with their defaults)."""
    if len(attributs) < 2:
        return {}
    try:
        rangees = list(map(itemgetter(*attributs), valeurs))
    except KeyError:
        return {}
    return dict(zip(attributs, zip(*rangees, strict=True), strict=True))


def inserer(
    model: type[models.Model],
    cles: tuple[str, ...],
    valeurs_cles: list[Hashable],
    valeurs: list[Any],
    *,
    table_vide: bool = False,
    ordre: Sequence[str] | None = None,
) -> None:
    """A plain ``INSERT … VALUES`` through one ``executemany`` (``COPY`` on PostgreSQL): ``bulk_create``
    without building model instances, 5 to 10 times faster on the 300,000 rows of a national import.

    ``valeurs_cles`` are the keys (the value of the one ``cles`` field, or a tuple of their values) and
    ``valeurs`` the other fields of each row (a dict, or a tuple of the values of the fields ``ordre``). Missing
    fields take their default; ``auto_now`` fields take the current time. On SQLite, the plain (not unique) indexes
    of a table that was empty are built after the inserts, in one sort each (within the transaction: a failure
    restores them).
    """
    if connection.vendor == "postgresql":
        _copier_postgresql(model, cles, valeurs_cles, valeurs, table_vide=table_vide, ordre=ordre)
        return
    sql, colonnes = _colonnes_sqlite(model, cles, valeurs_cles, valeurs, ordre)
    connection.ensure_connection()
    _inserer_sqlite(
        connection.connection, model._meta.db_table, sql, colonnes, differer_index=table_vide and len(valeurs) >= 10_000
    )


# Decimals go to the drivers as they are (Django's adapt_decimalfield_value is the identity on SQLite and PostgreSQL).
_A_PREPARER = (models.DateTimeField, models.DateField, models.JSONField)


def _champs(model: type[models.Model], cles: tuple[str, ...]) -> tuple[list[models.Field], list[tuple[str, Any]]]:
    """The fields of the rows written (the key fields first) and, for the others, (attribute, default) in order;
    ``auto_now`` fields have the attribute ``"\0maintenant"`` and the current time, ready for the database."""
    par_nom = {f.attname: f for f in model._meta.concrete_fields}
    champs = [par_nom[c] for c in cles] + [
        f for f in model._meta.concrete_fields if not isinstance(f, models.AutoField) and f.attname not in cles
    ]
    maintenant = timezone.now()
    specs = [
        ("\0maintenant", f.get_db_prep_save(maintenant, connection))
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
        else (f.attname, f.get_default())
        for f in champs[len(cles) :]
    ]
    return champs, specs


def _copier_postgresql(
    model: type[models.Model],
    cles: tuple[str, ...],
    valeurs_cles: list[Hashable],
    valeurs: list[Any],
    *,
    table_vide: bool,
    ordre: Sequence[str] | None,
) -> None:
    champs, specs = _champs(model, cles)
    table = connection.ops.quote_name(model._meta.db_table)
    noms = ", ".join(connection.ops.quote_name(f.column) for f in champs)
    attributs = [a for a, _ in specs]
    defauts = [d for _, d in specs]
    with connection.cursor() as cursor:
        # COPY is several times faster than INSERT on PostgreSQL; psycopg adapts the Python values.
        with cursor.cursor.copy(f"COPY {table} ({noms}) FROM STDIN") as copie:
            for cle, ligne in zip(valeurs_cles, valeurs, strict=True):
                if ordre is not None:
                    ligne = dict(zip(ordre, ligne, strict=True))
                copie.write_row((*((cle,) if len(cles) == 1 else cle), *map(ligne.get, attributs, defauts)))
        if table_vide and len(valeurs) >= 1000:
            # The statistics of a table analysed while empty (autovacuum, after migrate) would make the planner
            # scan it whole for each deferred foreign-key check at the commit: minutes for 300,000 rows.
            # ANALYZE counts the rows this transaction inserted.
            cursor.execute(f"ANALYZE {table}")


def _colonnes_sqlite(
    model: type[models.Model],
    cles: tuple[str, ...],
    valeurs_cles: list[Hashable],
    valeurs: list[Any],
    ordre: Sequence[str] | None,
) -> tuple[str, list[Sequence[Any]]]:
    """The ``INSERT … VALUES`` without its rows, and the columns of the rows (C-level maps and transpositions)."""
    champs, specs = _champs(model, cles)
    n = len(valeurs)
    colonnes: list[Sequence[Any]] = [valeurs_cles] if len(cles) == 1 else list(zip(*valeurs_cles, strict=True))  # type: ignore[list-item]
    if ordre is not None:
        transposees = dict(zip(ordre, zip(*valeurs, strict=True), strict=True))
    else:
        transposees = _transposer(valeurs, [a for a, _ in specs if a in valeurs[0]])
    for attribut, defaut in specs:
        if attribut in transposees:
            colonnes.append(transposees[attribut])
        elif attribut == "\0maintenant" or ordre is not None:
            colonnes.append([defaut] * n)
        else:
            colonnes.append(list(map(methodcaller("get", attribut, defaut), valeurs)))
    for i, (f, (attribut, _)) in enumerate(zip(champs[len(cles) :], specs, strict=True), start=len(cles)):
        if attribut == "\0maintenant":
            continue  # ready
        if isinstance(f, models.DecimalField):
            # The column has NUMERIC affinity: SQLite stores the text of a Decimal as the REAL of the same number; a
            # float is that REAL, without the Python adapter of Decimal (a call per value).
            convertir: Callable[[Any], Any] = float
        elif isinstance(f, _A_PREPARER):
            convertir = partial(f.get_db_prep_save, connection=connection)
        else:
            continue
        # A few thousand distinct decimals among the 160,000 IPS rows, a few dates among 35,000 competences: each
        # distinct value is converted once.
        try:
            converties = {v: convertir(v) for v in set(colonnes[i]) if v is not None}
        except TypeError:  # unhashable values (JSON)
            colonnes[i] = [None if v is None else convertir(v) for v in colonnes[i]]
        else:
            colonnes[i] = list(map(converties.get, colonnes[i]))
    table = connection.ops.quote_name(model._meta.db_table)
    noms = ", ".join(connection.ops.quote_name(f.column) for f in champs)
    return f"INSERT INTO {table} ({noms}) VALUES ", colonnes  # noqa: S608


def _null(valeur: None) -> None:
    return valeur


# sqlite3 (CPython 3.11) binds int, float and str directly but looks for an adapter for every None: a tuple, a failed
# dict lookup and two attribute lookups (7 times the cost of an int; 680,000 NULLs in a national import). With this
# one registered, None is found at once (half the cost); it binds NULL as before.
sqlite3.register_adapter(type(None), _null)


def _inserer_sqlite(brute: Any, table: str, sql: str, colonnes: list[Sequence[Any]], *, differer_index: bool) -> None:
    """Insert the rows whose columns are ``colonnes`` (sequences of as many values each) on a raw sqlite3
    connection. ``sql`` is the ``INSERT … VALUES`` without its rows: they go by lots of several rows per statement
    (half the CPU time of one row per statement: SQLite runs, and sqlite3 steps and resets, a statement per lot), in
    their order (the same ids); the last rows, fewer than a lot, one per statement."""
    nombre, n = len(colonnes), len(colonnes[0])
    par_lot = max(1, 999 // nombre)  # 999: the least limit of SQLite on the parameters of a statement
    une = f"({', '.join(['?'] * nombre)})"
    sql_lot, sql_une = sql + ", ".join([une] * par_lot), sql + une
    # The values of every row, in order, without a tuple per row: column j fills every nombre-th slot from j.
    plat: list[Any] = [None] * (n * nombre)
    for j, colonne in enumerate(colonnes):
        plat[j::nombre] = colonne
    cursor = brute.cursor()
    try:
        index_differes: list[str] = []
        if differer_index:
            # Plain (not unique) indexes of a table that was empty are built after its inserts, one sort each.
            cursor.execute(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL",
                [table],
            )
            for nom_index, sql_index in cursor.fetchall():
                if not sql_index.upper().startswith("CREATE UNIQUE"):
                    cursor.execute(f'DROP INDEX "{nom_index}"')
                    index_differes.append(sql_index)
        valeurs_par_lot = par_lot * nombre
        fin = n // par_lot * valeurs_par_lot
        cursor.executemany(sql_lot, (plat[i : i + valeurs_par_lot] for i in range(0, fin, valeurs_par_lot)))
        cursor.executemany(sql_une, (plat[i : i + nombre] for i in range(fin, len(plat), nombre)))  # the rows left
        for sql_index in index_differes:
            cursor.execute(sql_index)
    finally:
        cursor.close()
