"""Writing synthetic rows: PostgreSQL COPY, or batched INSERTs on SQLite and anything else.

Neither goes through the ORM's save or bulk_create, so no per-row audit entry is written (the
command writes one summary event instead) and `created_at`/`updated_at` keep the generated
values that `auto_now` would overwrite: the same seed gives the same rows on every database.
"""

import functools
import itertools
import operator
from collections.abc import Iterable
from contextlib import contextmanager, nullcontext

from django.core.management.color import no_style
from django.db import models

from outcomes.synthetic.scales import MODELS


@functools.cache
def _columns(model: type[models.Model]) -> tuple[list[models.Field], dict]:
    """The model's stored fields, and the value of each that a row may leave out."""
    fields = list(model._meta.concrete_fields)
    defaults = {}
    for field in fields:
        if field.has_default():
            defaults[field.attname] = field.get_default()
        elif field.null:
            defaults[field.attname] = None
        elif field.empty_strings_allowed:
            defaults[field.attname] = ""
    return fields, defaults


def write_tables(connection, tables, progress) -> dict[str, int]:
    """Write `tables` (see `outcomes.synthetic.tables`); returns rows written per model label.

    `progress(label, total)` returns an object with `update(n)` and `close()` (a tqdm bar).
    Call inside a transaction: a failure leaves nothing behind (PostgreSQL's DDL included).
    """
    postgresql = connection.vendor == "postgresql"
    counts = {}
    with _indexes_rebuilt_after(connection, progress) if postgresql else nullcontext():
        for model, rows, total in tables:
            bar = progress(model._meta.label, total)
            try:
                write = _copy_rows if postgresql else _insert_rows
                counts[model._meta.label] = write(connection, model, rows(), bar)
            finally:
                bar.close()
    # Rows came with explicit ids: move each id sequence past them, or the next save collides.
    statements = connection.ops.sequence_reset_sql(no_style(), list(MODELS))
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)
        if postgresql:
            # Fresh statistics, so the first queries on the new data get sensible plans.
            cursor.execute(f"ANALYZE {', '.join(_tables(connection))}")
    return counts


def _tables(connection) -> list[str]:
    return [connection.ops.quote_name(model._meta.db_table) for model in MODELS]


@contextmanager
def _indexes_rebuilt_after(connection, progress):
    """Drop the tables' secondary indexes and foreign keys, load, then create them again.

    PostgreSQL's advice for bulk loads ("Populating a Database", sections 14.4.3-14.4.4): one
    sort per index and one join per foreign key beat updating ~30 indexes and queueing a
    deferred check for every row. Primary keys, unique constraints and check constraints stay,
    so the database still refuses a duplicate or an invalid row as it arrives; the foreign keys
    are checked in full when they are added back. All inside the caller's transaction.
    """
    tables = [model._meta.db_table for model in MODELS]
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT conrelid::regclass::text, quote_ident(conname), pg_get_constraintdef(oid)
            FROM pg_constraint
            WHERE contype = 'f' AND conrelid = ANY(%s::regclass[])
            ORDER BY conrelid, conname
            """,
            [tables],
        )
        foreign_keys = cursor.fetchall()
        # Indexes that back a primary key or unique constraint cannot go on their own; partial
        # unique indexes (UniqueConstraint with a condition) are plain indexes and can.
        cursor.execute(
            """
            SELECT indexrelid::regclass::text, pg_get_indexdef(indexrelid)
            FROM pg_index
            WHERE indrelid = ANY(%s::regclass[])
              AND NOT EXISTS (
                  SELECT 1 FROM pg_constraint
                  WHERE conindid = indexrelid AND contype IN ('p', 'u', 'x')
              )
            ORDER BY indrelid, indexrelid
            """,
            [tables],
        )
        indexes = cursor.fetchall()
        for table, name, _definition in foreign_keys:
            cursor.execute(f"ALTER TABLE {table} DROP CONSTRAINT {name}")
        for name, _definition in indexes:
            cursor.execute(f"DROP INDEX {name}")
    yield
    bar = progress("indexes and foreign keys", len(indexes) + len(foreign_keys))
    try:
        with connection.cursor() as cursor:
            # More memory per sort than the 64 MB default; this transaction only.
            cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
            for _name, definition in indexes:
                cursor.execute(definition)
                bar.update(1)
            for table, name, definition in foreign_keys:
                cursor.execute(f"ALTER TABLE {table} ADD CONSTRAINT {name} {definition}")
                bar.update(1)
    finally:
        bar.close()


PROGRESS_STEP = 5_000


def _copy_rows(connection, model, rows: Iterable[dict], bar) -> int:
    """PostgreSQL COPY FROM STDIN through psycopg 3: the fastest way in, no ORM per row."""
    fields, defaults = _columns(model)
    quote = connection.ops.quote_name
    columns = ", ".join(quote(field.column) for field in fields)
    values = operator.itemgetter(*(field.attname for field in fields))
    count = 0
    statement = f"COPY {quote(model._meta.db_table)} ({columns}) FROM STDIN"
    connection.ensure_connection()
    # psycopg's own cursor: Django's wrapper has no copy(). Same connection, same transaction.
    with connection.connection.cursor() as cursor, cursor.copy(statement) as copy:
        for count, row in enumerate(rows, 1):
            copy.write_row(values(defaults | row))
            if count % PROGRESS_STEP == 0:
                bar.update(PROGRESS_STEP)
    bar.update(count % PROGRESS_STEP)
    return count


INSERT_BATCH = 2_000


def _insert_rows(connection, model, rows: Iterable[dict], bar) -> int:
    """INSERTs sent in batches (executemany) for SQLite and any other backend: no ORM either."""
    fields, defaults = _columns(model)
    quote = connection.ops.quote_name
    columns = ", ".join(quote(field.column) for field in fields)
    placeholders = ", ".join(["%s"] * len(fields))
    table = quote(model._meta.db_table)
    sql = f"INSERT INTO {table} ({columns}) VALUES ({placeholders})"  # noqa: S608 (model names)
    # Each backend's own adaptation (dates as text on SQLite, aware datetimes to UTC).
    prepare = [functools.partial(field.get_db_prep_save, connection=connection) for field in fields]
    names = [field.attname for field in fields]
    count = 0
    with connection.cursor() as cursor:
        rows = iter(rows)
        while batch := list(itertools.islice(rows, INSERT_BATCH)):
            cursor.executemany(
                sql,
                [
                    [
                        adapt(row.get(name, defaults.get(name)))
                        for adapt, name in zip(prepare, names, strict=True)
                    ]
                    for row in batch
                ],
            )
            count += len(batch)
            bar.update(len(batch))
    return count
