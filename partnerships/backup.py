"""Back up and restore the registry's database: plain functions behind `backup_db`/`restore_db`.

PostgreSQL goes through pg_dump/pg_restore (custom format), SQLite through Python's online backup
API, which copies a consistent snapshot even while the site is writing. Nothing here goes through
Django's ORM or connections: a restore may target a database other than the configured one (a
fresh database to check a dump), and the copy must not depend on the models of this code version.
"""

import contextlib
import datetime
import glob
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
from array import array
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import dj_database_url
import psycopg
from django.conf import settings
from django.utils import timezone
from psycopg import sql
from psycopg.types.json import Jsonb

POSTGRESQL = "postgresql"
SQLITE = "sqlite"
SUFFIXES = {POSTGRESQL: ".dump", SQLITE: ".sqlite3"}
ENGINE_LABELS = {POSTGRESQL: "PostgreSQL", SQLITE: "SQLite"}

# The first bytes of each kind of file: pg_dump's custom format and the SQLite 3 file format.
PGDMP_MAGIC = b"PGDMP"
SQLITE_MAGIC = b"SQLite format 3\x00"
PLAIN_SQL_MAGIC = b"--\n-- PostgreSQL database dump"

# Connection OPTIONS that libpq also reads from the environment. The tools get them as
# variables, like the password, so that nothing secret ends up on a command line.
LIBPQ_ENVIRONMENT = {
    "sslmode": "PGSSLMODE",
    "sslrootcert": "PGSSLROOTCERT",
    "sslcert": "PGSSLCERT",
    "sslkey": "PGSSLKEY",
    "connect_timeout": "PGCONNECT_TIMEOUT",
    "options": "PGOPTIONS",
    "passfile": "PGPASSFILE",
    "service": "PGSERVICE",
    "target_session_attrs": "PGTARGETSESSIONATTRS",
}


class BackupError(Exception):
    """Raised with a message for the operator; the commands turn it into a CommandError."""


@dataclass(frozen=True)
class Target:
    """One database as the backup tools see it, without Django's connection machinery."""

    engine: str
    name: str
    host: str = ""
    port: str = ""
    user: str = ""
    password: str = field(default="", repr=False)
    options: tuple[tuple[str, str], ...] = ()

    def __str__(self):
        if self.engine == SQLITE:
            return f"SQLite file {self.name}"
        user = f"{self.user}@" if self.user else ""
        where = f"{self.host or 'local socket'}{':' + self.port if self.port else ''}"
        return f"PostgreSQL database {self.name!r} on {user}{where}"


def target_from_settings(database: dict) -> Target:
    engine_path = database.get("ENGINE", "")
    if engine_path.endswith(("postgresql", "postgis")):
        engine = POSTGRESQL
    elif engine_path.endswith("sqlite3"):
        engine = SQLITE
    else:
        raise BackupError(f"backups support PostgreSQL and SQLite, not {engine_path!r}")
    name = str(database.get("NAME") or "")
    if not name:
        raise BackupError("the database has no NAME")
    if engine == SQLITE and (name == ":memory:" or "mode=memory" in name):
        raise BackupError("an in-memory SQLite database cannot be backed up or restored")
    options = tuple(
        (key, str(value))
        for key, value in (database.get("OPTIONS") or {}).items()
        if key in LIBPQ_ENVIRONMENT
    )
    return Target(
        engine=engine,
        name=name,
        host=str(database.get("HOST") or ""),
        port=str(database.get("PORT") or ""),
        user=str(database.get("USER") or ""),
        password=str(database.get("PASSWORD") or ""),
        options=options,
    )


def configured_target() -> Target:
    return target_from_settings(settings.DATABASES["default"])


def target_from_url(url: str) -> Target:
    try:
        database = dj_database_url.parse(url)
    except ValueError as error:
        raise BackupError(f"cannot read the database URL: {error}") from None
    return target_from_settings(database)


def default_backup_path(engine: str) -> Path:
    """backups/registry-YYYYmmdd-HHMMSS.<suffix>, relative to the current directory, local time."""
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
    return Path("backups") / f"registry-{stamp}{SUFFIXES[engine]}"


def file_kind(path: Path) -> str:
    """Which engine a backup file belongs to, from its first bytes; raises for anything else."""
    with open(path, "rb") as file:
        head = file.read(len(PLAIN_SQL_MAGIC))
    if head.startswith(PGDMP_MAGIC):
        return POSTGRESQL
    if head.startswith(SQLITE_MAGIC):
        return SQLITE
    if head.startswith(PLAIN_SQL_MAGIC):
        raise BackupError(
            f"{path} is a plain-SQL pg_dump; restore_db reads only the custom format "
            "that backup_db writes (load plain SQL with psql)"
        )
    raise BackupError(f"{path} is neither a pg_dump custom-format archive nor a SQLite database")


def _private_file(path: Path) -> None:
    """Create an empty file only the owner can read: dumps hold every personal record."""
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))


def _discard(path: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        path.unlink()


def backup(target: Target, output: Path) -> Path:
    """Write a backup of `target` to `output` (created 0600, never overwritten); returns it.

    The dump goes to `<output>.partial` first and is renamed only when complete, so a file with
    the final name is always a whole backup.
    """
    if output.exists():
        raise BackupError(f"{output} already exists; backups are never overwritten")
    output.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    partial = output.with_name(output.name + ".partial")
    try:
        _private_file(partial)
    except FileExistsError:
        raise BackupError(f"{partial} exists: another backup is running or one failed") from None
    try:
        if target.engine == POSTGRESQL:
            _pg_dump(target, partial)
        else:
            _sqlite_backup(target, partial)
        os.replace(partial, output)
    finally:
        _discard(partial)
    return output


def restore(target: Target, source: Path) -> None:
    """Replace the contents of `target` with the backup in `source`.

    Call `check_restorable` first: it refuses a file of the wrong kind before anything changes.
    """
    if target.engine == POSTGRESQL:
        _pg_restore(target, source)
    else:
        _sqlite_restore(target, source)


def check_restorable(target: Target, source: Path) -> None:
    if not source.is_file():
        raise BackupError(f"{source}: no such file")
    kind = file_kind(source)
    if kind != target.engine:
        raise BackupError(
            f"{source} is a {ENGINE_LABELS[kind]} backup but the target is {target}; "
            "nothing was changed"
        )
    if kind == SQLITE:
        if Path(target.name).exists() and Path(target.name).samefile(source):
            raise BackupError(f"{source} is the target database itself")
        # quick_check reads every page: a damaged copy is refused before it replaces anything.
        try:
            with contextlib.closing(_sqlite_read_only(source)) as connection:
                result = connection.execute("PRAGMA quick_check").fetchone()[0]
        except sqlite3.DatabaseError as error:
            result = str(error)
        if result != "ok":
            raise BackupError(f"{source} is damaged ({result}); nothing was changed")


def row_counts(target: Target) -> dict[str, int]:
    """Rows in every table of the target, by table name (schema-qualified outside public)."""
    if target.engine == SQLITE:
        with contextlib.closing(_sqlite_read_only(Path(target.name))) as connection:
            tables = [
                name
                for (name,) in connection.execute(
                    "SELECT name FROM sqlite_master WHERE type = 'table' "
                    "AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name"
                )
            ]
            return {
                table: connection.execute(
                    f"SELECT count(*) FROM {_sqlite_quote(table)}"  # noqa: S608 - a quoted name
                ).fetchone()[0]
                for table in tables
            }
    with _pg_connect(target) as connection:
        tables = connection.execute(
            "SELECT schemaname, tablename FROM pg_tables "
            "WHERE schemaname NOT IN ('pg_catalog', 'information_schema') "
            "ORDER BY schemaname = 'public' DESC, schemaname, tablename"
        ).fetchall()
        counts = {}
        for schema, table in tables:
            query = sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(schema, table))
            label = table if schema == "public" else f"{schema}.{table}"
            counts[label] = connection.execute(query).fetchone()[0]
        return counts


# The audit trail across a restore ---------------------------------------------------------------
# A restore replaces the audit trail with the backup's: entries written since the backup vanish.
# So the entries are read before (ids and actions only: a trail of millions fits in a few MB),
# compared with the restored ones afterwards, and the restore records itself in the restored
# database with what it rolled back. The tables are named here rather than taken from the models,
# like everything in this module, because the restored schema is the backup's.

AUDIT_TABLE = "partnerships_auditentry"
VERSION_TABLE = "partnerships_dataversion"
AUDIT_COLUMNS = (
    "at",
    "action",
    "channel",
    "user_id",
    "username",
    "model",
    "object_id",
    "object_repr",
    "district_id",
    "before",
    "after",
    "detail",
    "request_id",
    "client_address",
)
JSON_COLUMNS = frozenset({"before", "after", "detail"})


@dataclass
class Trail:
    """The audit entries of a database (ids ascending, each entry's action) and its data version."""

    ids: array = field(default_factory=lambda: array("q"))
    actions: list[str] = field(default_factory=list)
    version: int = 0


def trail(target: Target) -> Trail:
    """The target's audit entries and data version; empty when it has none (a fresh database)."""
    found = Trail()
    read = _pg_trail if target.engine == POSTGRESQL else _sqlite_trail
    found.version = read(target, found)
    return found


def _add_entries(found: Trail, rows) -> None:
    for pk, action in rows:
        found.ids.append(pk)
        found.actions.append(sys.intern(action))


def rolled_back(before: Trail, after: Trail) -> dict:
    """The entries of `before` missing from `after`: count, id ranges and actions."""
    restored = iter(after.ids)
    current = next(restored, None)
    ranges, actions = [], Counter()
    for pk, action in zip(before.ids, before.actions, strict=True):
        while current is not None and current < pk:
            current = next(restored, None)
        if current == pk:
            continue
        actions[action] += 1
        if ranges and ranges[-1][1] == pk - 1:
            ranges[-1][1] = pk
        else:
            ranges.append([pk, pk])
    return {
        "count": actions.total(),
        "id_ranges": ranges,
        "actions": dict(sorted(actions.items())),
    }


def record_restore(target: Target, entry: dict, before: Trail) -> bool:
    """Write the restore's own audit `entry` (column → value) into the restored target.

    Its id, and the ids after it, follow every id of the replaced trail (`before`): the ids it
    reports as rolled back are never given to another entry. The data version moves past both
    the restored and the replaced number, so that no total cached for the replaced data is
    taken for the restored data. False when the backup has no audit trail to write to.
    """
    id_floor = before.ids[-1] if before.ids else 0
    try:
        if target.engine == POSTGRESQL:
            return _pg_record(target, entry, id_floor, before.version)
        return _sqlite_record(target, entry, id_floor, before.version)
    except (psycopg.Error, sqlite3.Error) as error:
        raise BackupError(
            f"the restore is complete but could not be recorded in its audit trail: {error}"
        ) from None


def _sqlite_trail(target: Target, found: Trail) -> int:
    path = Path(target.name)
    if not path.is_file():
        return 0
    with contextlib.closing(_sqlite_read_only(path)) as connection:
        tables = _sqlite_tables(connection)
        if AUDIT_TABLE in tables:
            _add_entries(
                found,
                connection.execute(f"SELECT id, action FROM {AUDIT_TABLE} ORDER BY id"),  # noqa: S608 - a constant
            )
        version = (
            connection.execute(f"SELECT max(number) FROM {VERSION_TABLE}").fetchone()[0]  # noqa: S608 - a constant
            if VERSION_TABLE in tables
            else None
        )
    return version or 0


def _sqlite_tables(connection) -> set[str]:
    return {name for (name,) in connection.execute("SELECT name FROM sqlite_master")}


def _sqlite_record(target: Target, entry: dict, id_floor: int, version_floor: int) -> bool:
    values = {
        column: json.dumps(value) if column in JSON_COLUMNS and value is not None else value
        for column, value in entry.items()
    }
    # Django keeps SQLite datetimes as naive UTC text.
    values["at"] = entry["at"].astimezone(datetime.UTC).replace(tzinfo=None).isoformat(" ")
    with contextlib.closing(sqlite3.connect(target.name)) as connection, connection:
        tables = _sqlite_tables(connection)
        if AUDIT_TABLE not in tables:
            return False
        # AUTOINCREMENT: sqlite_sequence follows the explicit id.
        connection.execute(
            f"INSERT INTO {AUDIT_TABLE} (id, {', '.join(AUDIT_COLUMNS)}) "  # noqa: S608 - constants
            f"SELECT max(coalesce(max(id), 0), ?) + 1, {', '.join('?' for _ in AUDIT_COLUMNS)} "
            f"FROM {AUDIT_TABLE}",
            [id_floor, *(values[column] for column in AUDIT_COLUMNS)],
        )
        if VERSION_TABLE in tables:
            connection.execute(
                f"INSERT INTO {VERSION_TABLE} (id, number) VALUES (1, ?) "  # noqa: S608 - a constant
                f"ON CONFLICT (id) DO UPDATE SET number = max({VERSION_TABLE}.number + 1, ?)",
                [version_floor + 1, version_floor + 1],
            )
    return True


def _sqlite_quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _sqlite_read_only(path: Path) -> sqlite3.Connection:
    # mode=ro: a mistyped path raises instead of silently creating an empty database.
    return sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)


def _sqlite_backup(target: Target, output: Path) -> None:
    source_path = Path(target.name)
    if not source_path.is_file():
        raise BackupError(f"the SQLite database {source_path} does not exist")
    try:
        with (
            contextlib.closing(_sqlite_read_only(source_path)) as source,
            contextlib.closing(sqlite3.connect(output)) as copy,
        ):
            source.backup(copy)
    except sqlite3.Error as error:
        raise BackupError(f"SQLite backup of {source_path} failed: {error}") from None


def _sqlite_restore(target: Target, source_path: Path) -> None:
    # The backup API writes the whole copy under one lock: readers see the old or the new
    # database, never a mixture, and a new file is created when the target does not exist.
    Path(target.name).parent.mkdir(parents=True, exist_ok=True)
    try:
        with (
            contextlib.closing(_sqlite_read_only(source_path)) as source,
            contextlib.closing(sqlite3.connect(target.name)) as destination,
        ):
            source.backup(destination)
    except sqlite3.Error as error:
        raise BackupError(f"SQLite restore into {target.name} failed: {error}") from None


# PostgreSQL -----------------------------------------------------------------------------------


def _pg_connect(target: Target) -> psycopg.Connection:
    parameters = {"dbname": target.name, **dict(target.options)}
    for key in ("host", "port", "user", "password"):
        if getattr(target, key):
            parameters[key] = getattr(target, key)
    try:
        return psycopg.connect(**parameters, autocommit=True)
    except psycopg.Error as error:
        raise BackupError(f"cannot connect to {target}: {error}") from None


def _pg_has_table(connection, table: str) -> bool:
    return connection.execute("SELECT to_regclass(%s) IS NOT NULL", [table]).fetchone()[0]


def _pg_trail(target: Target, found: Trail) -> int:
    with _pg_connect(target) as connection:
        if not _pg_has_table(connection, AUDIT_TABLE):
            return 0
        _add_entries(
            found,
            connection.cursor().stream(f"SELECT id, action FROM {AUDIT_TABLE} ORDER BY id"),  # noqa: S608 - a constant
        )
        version = (
            connection.execute(f"SELECT max(number) FROM {VERSION_TABLE}").fetchone()[0]  # noqa: S608 - a constant
            if _pg_has_table(connection, VERSION_TABLE)
            else None
        )
    return version or 0


def _pg_record(target: Target, entry: dict, id_floor: int, version_floor: int) -> bool:
    values = [
        Jsonb(entry[column])
        if column in JSON_COLUMNS and entry[column] is not None
        else entry[column]
        for column in AUDIT_COLUMNS
    ]
    with _pg_connect(target) as connection, connection.transaction():
        if not _pg_has_table(connection, AUDIT_TABLE):
            return False
        (pk,) = connection.execute(
            f"INSERT INTO {AUDIT_TABLE} (id, {', '.join(AUDIT_COLUMNS)}) "  # noqa: S608 - constants
            f"SELECT greatest(coalesce(max(id), 0), %s) + 1, "
            f"{', '.join('%s' for _ in AUDIT_COLUMNS)} FROM {AUDIT_TABLE} RETURNING id",
            [id_floor, *values],
        ).fetchone()
        connection.execute("SELECT setval(pg_get_serial_sequence(%s, 'id'), %s)", [AUDIT_TABLE, pk])
        if _pg_has_table(connection, VERSION_TABLE):
            connection.execute(
                f"INSERT INTO {VERSION_TABLE} (id, number) VALUES (1, %s) "  # noqa: S608 - a constant
                f"ON CONFLICT (id) DO UPDATE SET number = "
                f"greatest({VERSION_TABLE}.number + 1, %s)",
                [version_floor + 1, version_floor + 1],
            )
    return True


def _pg_server_major(target: Target) -> int:
    with _pg_connect(target) as connection:
        return connection.info.server_version // 10000


def _pg_tool_major(path: str) -> int | None:
    try:
        version = subprocess.run(  # noqa: S603 - a PostgreSQL tool found by pg_tool_candidates
            [path, "--version"], capture_output=True, text=True, timeout=30, check=False
        ).stdout
    except OSError:
        return None
    match = re.search(r"\(PostgreSQL\) (\d+)", version)
    return int(match.group(1)) if match else None


def pg_tool_candidates(name: str) -> list[str]:
    """Where `name` (pg_dump, pg_restore) may be: PG_BINDIR only, if set; else PATH, then the
    versioned Debian directories, newest first."""
    if os.environ.get("PG_BINDIR"):
        path = Path(os.environ["PG_BINDIR"]) / name
        return [str(path)] if os.access(path, os.X_OK) else []
    found = [shutil.which(name)]
    found += sorted(
        glob.glob(f"/usr/lib/postgresql/*/bin/{name}"),
        key=lambda path: [int(part) for part in re.findall(r"\d+", path)],
        reverse=True,
    )
    return [path for path in dict.fromkeys(found) if path and os.access(path, os.X_OK)]


def pick_pg_tool(name: str, candidates: list[str], server_major: int) -> str:
    """The tool of the server's major version if installed, else the newest one that is newer.

    pg_dump refuses a server newer than itself, and an archive written by a newer pg_dump may
    be unreadable by an older pg_restore; the server's own version avoids both.
    """
    majors = {path: _pg_tool_major(path) for path in candidates}
    exact = [path for path, major in majors.items() if major == server_major]
    if exact:
        # Debian's /usr/bin/pg_wrapper picks a version per call; the versioned binary is certain.
        return min(exact, key=lambda path: Path(path).resolve().name == "pg_wrapper")
    newer = [path for path, major in majors.items() if major and major > server_major]
    if newer:
        return max(newer, key=majors.get)
    found = ", ".join(f"{path} ({major or 'unknown version'})" for path, major in majors.items())
    raise BackupError(
        f"no {name} for PostgreSQL {server_major} (found {found}); "
        f"install postgresql-client-{server_major} or set PG_BINDIR"
    )


def _pg_command_line(target: Target) -> list[str]:
    arguments = [f"--dbname={target.name}"]
    if target.host:
        arguments.append(f"--host={target.host}")
    if target.port:
        arguments.append(f"--port={target.port}")
    if target.user:
        arguments.append(f"--username={target.user}")
    return arguments


def _pg_environment(target: Target) -> dict[str, str]:
    environment = dict(os.environ)
    if target.password:
        environment["PGPASSWORD"] = target.password
    for key, value in target.options:
        environment[LIBPQ_ENVIRONMENT[key]] = value
    return environment


def _run_pg_tool(name: str, target: Target, arguments: list[str]) -> None:
    # Look for the tool before connecting: a missing client is the likelier mistake.
    candidates = pg_tool_candidates(name)
    if not candidates:
        where = (
            f"PG_BINDIR={os.environ['PG_BINDIR']}"
            if os.environ.get("PG_BINDIR")
            else "PATH or /usr/lib/postgresql/*/bin"
        )
        raise BackupError(
            f"{name} not found in {where}; install the PostgreSQL client (postgresql-client)"
        )
    tool = pick_pg_tool(name, candidates, _pg_server_major(target))
    result = subprocess.run(  # noqa: S603 - fixed tool, arguments from settings, no shell
        [tool, *_pg_command_line(target), *arguments],
        env=_pg_environment(target),
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise BackupError(
            f"{name} failed (exit status {result.returncode}):\n{result.stderr.strip()}"
        )


def _pg_dump(target: Target, output: Path) -> None:
    _run_pg_tool(
        "pg_dump",
        target,
        ["--format=custom", "--no-owner", "--no-privileges", f"--file={output}"],
    )


def _pg_restore(target: Target, source: Path) -> None:
    _run_pg_tool(
        "pg_restore",
        target,
        [
            "--clean",
            "--if-exists",
            "--no-owner",
            "--no-privileges",
            "--exit-on-error",
            "--single-transaction",
            str(source),
        ],
    )
