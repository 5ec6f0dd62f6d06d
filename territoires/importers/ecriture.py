"""Writing desired rows in bulk: one read per model, then bulk_create / bulk_update of what differs."""

from collections.abc import Collection, Hashable
from dataclasses import dataclass
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
    desire: dict[Hashable, dict[str, Any]],
    *,
    ignorer: Collection[Hashable] = (),
    filtre: dict[str, Any] | None = None,
) -> Compte:
    """Make the rows of ``model`` match ``desire`` (natural key → field values); other rows are left alone.

    ``cles`` are the fields of the natural key (one field: the key is its value; several: a tuple). Keys in
    ``ignorer`` are neither created nor updated (e.g. competences transferred by a user).
    """
    compte = Compte()
    if not desire:
        return compte
    champs = list(next(iter(desire.values())).keys())
    a_dater = any(f.name == "modifie_le" for f in model._meta.concrete_fields)
    existants: dict[Hashable, dict[str, Any]] = {}
    qs = model._default_manager.filter(**(filtre or {})).values("pk", *cles, *champs)
    for row in qs.iterator(chunk_size=5000):
        cle = row[cles[0]] if len(cles) == 1 else tuple(row[c] for c in cles)
        existants[cle] = row
    maintenant = timezone.now()
    a_creer: list[dict[str, Any]] = []
    a_modifier: list[models.Model] = []
    for cle, valeurs in desire.items():
        if cle in ignorer:
            continue
        actuel = existants.get(cle)
        cle_champs = dict(zip(cles, (cle,) if len(cles) == 1 else cle, strict=True))  # type: ignore[arg-type]
        if actuel is None:
            a_creer.append({**cle_champs, **valeurs})
        elif any(actuel[c] != v for c, v in valeurs.items()):
            obj = model(pk=actuel["pk"], **cle_champs, **valeurs)
            if a_dater:
                obj.modifie_le = maintenant  # type: ignore[attr-defined]
            a_modifier.append(obj)
        else:
            compte.inchanges += 1
    if a_creer:
        inserer(model, a_creer)
    if a_modifier:
        model._default_manager.bulk_update(
            a_modifier, [*champs, *(["modifie_le"] if a_dater else [])], batch_size=TAILLE_LOT // 4
        )
    compte.crees, compte.modifies = len(a_creer), len(a_modifier)
    return compte


# Decimals go to the drivers as they are (Django's adapt_decimalfield_value is the identity on SQLite and PostgreSQL).
_A_PREPARER = (models.DateTimeField, models.DateField, models.JSONField)


def inserer(model: type[models.Model], lignes: list[dict[str, Any]]) -> None:
    """A plain ``INSERT … VALUES`` per batch through ``executemany``: ``bulk_create`` without building model instances
    (5 to 10 times faster on the 300,000 rows of a national import). Missing fields take their default; ``auto_now``
    fields take the current time.
    """
    champs = [f for f in model._meta.concrete_fields if not isinstance(f, models.AutoField)]
    maintenant = timezone.now()
    specs: list[tuple[str, Any]] = []
    a_preparer: list[tuple[int, Any]] = []
    for i, f in enumerate(champs):
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            specs.append(("\0maintenant", f.get_db_prep_save(maintenant, connection)))
        else:
            specs.append((f.attname, f.get_default()))
            if isinstance(f, _A_PREPARER):
                a_preparer.append((i, f))
    table = connection.ops.quote_name(model._meta.db_table)
    noms = ", ".join(connection.ops.quote_name(f.column) for f in champs)
    sql = f"INSERT INTO {table} ({noms}) VALUES ({', '.join(['%s'] * len(champs))})"  # noqa: S608
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # COPY is several times faster than INSERT on PostgreSQL; psycopg adapts the Python values.
            with cursor.cursor.copy(f"COPY {table} ({noms}) FROM STDIN") as copie:
                for ligne in lignes:
                    copie.write_row([ligne.get(a, d) for a, d in specs])
            return
        for debut in range(0, len(lignes), 5000):
            valeurs = [[ligne.get(a, d) for a, d in specs] for ligne in lignes[debut : debut + 5000]]
            for rangee in valeurs:
                for i, f in a_preparer:
                    if rangee[i] is not None:
                        rangee[i] = f.get_db_prep_save(rangee[i], connection)
            cursor.executemany(sql, valeurs)
