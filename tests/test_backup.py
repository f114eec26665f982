"""Backup and restore (docs/backup.md).

The round trips run `manage.py` in subprocesses, as an operator would, against databases made
for the test: migrate + load_article fill a source, backup_db dumps it, restore_db writes the dump
into a fresh database, and every table's row count and checksum must match. The checksums are
computed here with sqlite3/psycopg, not with the code under test.

Slow tests: the two round trips (names ending in `_slow`) migrate and load a database in a
subprocess, a few seconds each. They stay in the default run on purpose.

PostgreSQL tests run only when DATABASE_URL is a PostgreSQL URL whose user may CREATE DATABASE
(CI's superuser); each test creates databases with unique names and drops them afterwards.
"""

import contextlib
import getpass
import hashlib
import json
import os
import re
import sqlite3
import stat
import subprocess
import sys
import uuid
from pathlib import Path
from urllib.parse import urlsplit

import psycopg
import pytest
from django.core.management import CommandError, call_command
from psycopg import sql

from partnerships.backup import pg_tool_candidates

BASE_DIR = Path(__file__).resolve().parent.parent
MANAGE = BASE_DIR / "manage.py"
DATABASE_URL = os.environ.get("DATABASE_URL", "")
ON_POSTGRESQL = DATABASE_URL.startswith(("postgres://", "postgresql://"))
# The configured database of a run that restores elsewhere with --database-url; never created.
UNTOUCHED = "sqlite:////nonexistent/untouched.sqlite3"


def manage(*args, database_url, cwd=BASE_DIR, env=None, check=True, stdin=subprocess.DEVNULL):
    """Run manage.py as an operator would: a new process, its database chosen by DATABASE_URL."""
    result = subprocess.run(  # noqa: S603 - this interpreter and manage.py, fixed arguments
        [sys.executable, str(MANAGE), *map(str, args)],
        cwd=cwd,
        env={**os.environ, "DATABASE_URL": database_url, **(env or {})},
        stdin=stdin,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    if check and result.returncode != 0:
        pytest.fail(f"manage.py {' '.join(map(str, args))} failed:\n{result.stderr}")
    return result


def manage_at_terminal(*args, answer: str, database_url: str):
    """Run manage.py with a terminal as its input, where an operator types `answer`."""
    controller, terminal = os.openpty()
    try:
        os.write(controller, answer.encode() + b"\n")
        return manage(*args, database_url=database_url, check=False, stdin=terminal)
    finally:
        os.close(controller)
        os.close(terminal)


def printed_row_counts(stdout: str) -> dict[str, int]:
    """The table after restore_db's "Rows per table" line, read back into a dict."""
    lines = stdout.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("Rows per table"))
    return {table: int(count) for table, count in (line.split() for line in lines[start + 1 :])}


def file_sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# The restore records itself in the audit trail and moves the data version: the tables (and the
# sequence) that hold them are compared on their own.
TRAIL_TABLES = ("partnerships_auditentry", "partnerships_dataversion", "sqlite_sequence")


def without_trail(fingerprint: dict) -> dict:
    return {
        name: value
        for name, value in fingerprint.items()
        if not any(table in name for table in TRAIL_TABLES)
    }


# SQLite ---------------------------------------------------------------------------------------


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


def sqlite_fingerprint(path: Path) -> dict[str, tuple[int, str]]:
    """(row count, sha256 of the rows in primary-key order) for every table, sqlite_* included."""
    quote = '"{}"'.format
    with contextlib.closing(sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)) as connection:
        tables = [
            name
            for (name,) in connection.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"
            )
        ]
        fingerprint = {}
        for table in tables:
            columns = connection.execute(f"PRAGMA table_info({quote(table)})").fetchall()
            # table_info rows: (cid, name, type, notnull, default, position in the primary key)
            key = [column[1] for column in sorted(columns, key=lambda c: c[5]) if column[5]]
            order = ", ".join(map(quote, key)) or "rowid"
            rows = connection.execute(
                f"SELECT * FROM {quote(table)} ORDER BY {order}"  # noqa: S608 - names from sqlite_master
            ).fetchall()
            # repr() of None, int, float, str and bytes is stable and tells the types apart.
            digest = hashlib.sha256("\n".join(map(repr, rows)).encode())
            fingerprint[table] = (len(rows), digest.hexdigest())
    return fingerprint


def sqlite_entries(path: Path) -> list[tuple]:
    """(id, action, username, detail) of every audit entry, oldest first."""
    with contextlib.closing(sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)) as connection:
        rows = connection.execute(
            "SELECT id, action, username, detail FROM partnerships_auditentry ORDER BY id"
        ).fetchall()
    return [
        (pk, action, user, json.loads(detail) if detail else None)
        for pk, action, user, detail in rows
    ]


def sqlite_sequences(path: Path) -> dict[str, int]:
    with contextlib.closing(sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)) as connection:
        return dict(connection.execute("SELECT name, seq FROM sqlite_sequence").fetchall())


def sqlite_data_version(path: Path) -> int:
    with contextlib.closing(sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)) as connection:
        return connection.execute("SELECT number FROM partnerships_dataversion").fetchone()[0]


@pytest.fixture
def small_sqlite(tmp_path) -> Path:
    """A tiny database for the checks that do not need the registry's schema."""
    path = tmp_path / "small.sqlite3"
    with contextlib.closing(sqlite3.connect(path)) as connection, connection:
        connection.execute("CREATE TABLE note (id INTEGER PRIMARY KEY, text TEXT)")
        connection.execute("INSERT INTO note (text) VALUES ('keep me')")
    return path


def test_sqlite_backup_then_restore_into_new_file_keeps_every_row_slow(tmp_path):
    source = tmp_path / "source.sqlite3"
    manage("migrate", "--noinput", database_url=sqlite_url(source))
    manage("load_article", database_url=sqlite_url(source))
    dump = tmp_path / "registry.sqlite3"

    backed_up = manage("backup_db", "--output", dump, database_url=sqlite_url(source))

    size = dump.stat().st_size
    assert backed_up.stdout == (
        f"Backed up SQLite file {source} to {dump} ({size / 1024 / 1024:.1f} MiB, {size} bytes)\n"
    )
    assert stat.S_IMODE(dump.stat().st_mode) == 0o600

    restored = tmp_path / "restored.sqlite3"
    result = manage(
        "restore_db",
        dump,
        "--yes",
        "--database-url",
        sqlite_url(restored),
        database_url=UNTOUCHED,
    )

    expected = sqlite_fingerprint(dump)
    assert expected["outcomes_outcome"][0] > 0  # the article was loaded: not an empty match
    assert without_trail(sqlite_fingerprint(restored)) == without_trail(expected)
    # sqlite_sequence holds each table's last id: the audit table's moved by one, no other.
    assert sqlite_sequences(restored) == sqlite_sequences(dump) | {
        "partnerships_auditentry": sqlite_sequences(dump)["partnerships_auditentry"] + 1
    }
    # The trail is the backup's and one more entry: the restore's own.
    assert sqlite_entries(restored)[:-1] == sqlite_entries(dump)
    assert sqlite_entries(restored)[-1][1] == "restore"
    assert printed_row_counts(result.stdout) == {
        table: count for table, (count, _digest) in expected.items() if table != "sqlite_sequence"
    } | {"partnerships_auditentry": expected["partnerships_auditentry"][0] + 1}


# A younger business write, as an operator's shell session would make it.
WRITE_A_SOURCE = "from tests import factories; factories.make_source(title='备份之后的来源')"


def test_restore_into_the_same_sqlite_database_records_what_it_rolled_back_slow(tmp_path):
    # Zhao, the operator, backs up, works on, then restores the older backup over the database.
    source = tmp_path / "registry.sqlite3"
    url = sqlite_url(source)
    manage("migrate", "--noinput", database_url=url)
    manage("load_article", database_url=url)
    dump = tmp_path / "older.sqlite3"
    manage("backup_db", "--output", dump, database_url=url)
    manage("shell", "-c", WRITE_A_SOURCE, database_url=url)
    manage("backup_db", "--output", tmp_path / "younger.sqlite3", database_url=url)
    before = sqlite_entries(source)
    version_before = sqlite_data_version(source)
    younger = before[len(sqlite_entries(dump)) :]

    result = manage("restore_db", dump, "--yes", database_url=url)

    operator = getpass.getuser()
    first_backup = younger[0]
    assert (first_backup[1], first_backup[2]) == ("backup", f"{operator} (backup_db)")
    assert first_backup[3] == {
        "file": str(dump.resolve()),
        "bytes": dump.stat().st_size,
        "database": f"SQLite file {source}",
    }
    after = sqlite_entries(source)
    assert after[:-1] == sqlite_entries(dump)
    pk, action, username, detail = after[-1]
    assert (action, username) == ("restore", f"{operator} (restore_db)")
    assert detail == {
        "file": str(dump.resolve()),
        "database": f"SQLite file {source}",
        "rolled_back": {
            "count": len(younger),
            "id_ranges": [[younger[0][0], younger[-1][0]]],
            "actions": {"backup": 2, "create": 1},
        },
    }
    assert pk > younger[-1][0]
    assert [entry[1] for entry in younger] == ["backup", "create", "backup"]
    assert (
        f"Rolled back 3 audit entries the backup did not hold "
        f"(ids {younger[0][0]}-{younger[-1][0]}; backup: 2, create: 1).\n"
    ) in result.stdout
    # No number of the replaced data is reused: totals cached for it are never served again.
    assert sqlite_data_version(source) == version_before + 1
    assert (
        sqlite_fingerprint(source)["partnerships_source"]
        == sqlite_fingerprint(dump)["partnerships_source"]
    )


def test_backup_db_writes_to_backups_folder_by_default(tmp_path, small_sqlite):
    workdir = tmp_path / "cwd"
    workdir.mkdir()

    result = manage("backup_db", database_url=sqlite_url(small_sqlite), cwd=workdir)

    (backup,) = (workdir / "backups").iterdir()
    assert re.fullmatch(r"registry-\d{8}-\d{6}\.sqlite3", backup.name)
    assert stat.S_IMODE((workdir / "backups").stat().st_mode) == 0o700
    assert stat.S_IMODE(backup.stat().st_mode) == 0o600
    assert result.stdout.startswith(
        f"Backed up SQLite file {small_sqlite} to backups/{backup.name} ("
    )
    assert sqlite_fingerprint(backup) == sqlite_fingerprint(small_sqlite)


def test_backup_db_never_overwrites_an_existing_file(tmp_path, small_sqlite):
    existing = tmp_path / "existing.sqlite3"
    existing.write_bytes(b"an older backup")

    result = manage(
        "backup_db", "--output", existing, database_url=sqlite_url(small_sqlite), check=False
    )

    assert result.returncode == 1
    assert result.stderr == (
        f"CommandError: {existing} already exists; backups are never overwritten\n"
    )
    assert existing.read_bytes() == b"an older backup"


def test_restore_db_refuses_postgresql_dump_into_sqlite_and_changes_nothing(tmp_path, small_sqlite):
    dump = tmp_path / "registry.dump"
    dump.write_bytes(b"PGDMP\x01\x0e\x00" + bytes(100))
    before = file_sha256(small_sqlite)

    with pytest.raises(CommandError) as refused:
        call_command("restore_db", dump, yes=True, database_url=sqlite_url(small_sqlite))

    assert str(refused.value) == (
        f"{dump} is a PostgreSQL backup but the target is SQLite file {small_sqlite}; "
        "nothing was changed"
    )
    assert file_sha256(small_sqlite) == before


def test_restore_db_refuses_sqlite_file_into_postgresql_before_connecting(small_sqlite):
    # Port 1 has no server: the refusal comes from the file's header alone.
    with pytest.raises(CommandError) as refused:
        call_command(
            "restore_db",
            small_sqlite,
            yes=True,
            database_url="postgres://nobody@127.0.0.1:1/registry",
        )

    assert str(refused.value) == (
        f"{small_sqlite} is a SQLite backup but the target is PostgreSQL database 'registry' "
        "on nobody@127.0.0.1:1; nothing was changed"
    )


def test_restore_db_refuses_a_file_of_no_known_kind(tmp_path, small_sqlite):
    notes = tmp_path / "notes.sqlite3"
    notes.write_text("not a database\n")
    before = file_sha256(small_sqlite)

    with pytest.raises(CommandError) as refused:
        call_command("restore_db", notes, yes=True, database_url=sqlite_url(small_sqlite))

    assert str(refused.value) == (
        f"{notes} is neither a pg_dump custom-format archive nor a SQLite database"
    )
    assert file_sha256(small_sqlite) == before


def test_restore_db_refuses_a_damaged_sqlite_backup(tmp_path, small_sqlite):
    damaged = tmp_path / "damaged.sqlite3"
    with contextlib.closing(sqlite3.connect(damaged)) as connection, connection:
        connection.execute("CREATE TABLE filler (text TEXT)")
        connection.executemany("INSERT INTO filler VALUES (?)", [("x" * 500,)] * 200)
    content = damaged.read_bytes()
    # Keep the header, overwrite the pages behind it.
    damaged.write_bytes(content[:4096] + b"\xff" * (len(content) - 4096))
    before = file_sha256(small_sqlite)

    with pytest.raises(CommandError) as refused:
        call_command("restore_db", damaged, yes=True, database_url=sqlite_url(small_sqlite))

    assert str(refused.value).startswith(f"{damaged} is damaged (")
    assert str(refused.value).endswith("); nothing was changed")
    assert file_sha256(small_sqlite) == before


def test_restore_db_reports_a_missing_file(tmp_path, small_sqlite):
    missing = tmp_path / "missing.sqlite3"

    with pytest.raises(CommandError) as refused:
        call_command("restore_db", missing, yes=True, database_url=sqlite_url(small_sqlite))

    assert str(refused.value) == f"{missing}: no such file"


def test_restore_db_without_yes_refuses_when_nobody_can_confirm(tmp_path, small_sqlite):
    dump = tmp_path / "registry.sqlite3"
    manage("backup_db", "--output", dump, database_url=sqlite_url(small_sqlite))
    target = tmp_path / "target.sqlite3"

    result = manage(
        "restore_db",
        dump,
        "--database-url",
        sqlite_url(target),
        database_url=UNTOUCHED,
        check=False,
    )

    assert result.returncode == 1
    assert result.stderr == (
        "CommandError: refusing to restore without confirmation: input is not a terminal; "
        "pass --yes to restore non-interactively\n"
    )
    assert not target.exists()


def test_restore_db_asks_at_a_terminal_and_restores_on_yes(tmp_path, small_sqlite):
    dump = tmp_path / "registry.sqlite3"
    manage("backup_db", "--output", dump, database_url=sqlite_url(small_sqlite))
    target = tmp_path / "target.sqlite3"

    result = manage_at_terminal(
        "restore_db",
        dump,
        "--database-url",
        sqlite_url(target),
        answer="yes",
        database_url=UNTOUCHED,
    )

    assert result.returncode == 0
    assert result.stdout.startswith(
        f"This replaces the data in SQLite file {target} with the contents of {dump}.\n"
    )
    assert sqlite_fingerprint(target) == sqlite_fingerprint(small_sqlite)


def test_restore_db_asks_at_a_terminal_and_changes_nothing_on_no(tmp_path, small_sqlite):
    dump = tmp_path / "registry.sqlite3"
    manage("backup_db", "--output", dump, database_url=sqlite_url(small_sqlite))
    target = tmp_path / "target.sqlite3"

    result = manage_at_terminal(
        "restore_db",
        dump,
        "--database-url",
        sqlite_url(target),
        answer="no",
        database_url=UNTOUCHED,
    )

    assert result.returncode == 1
    assert result.stderr == "CommandError: restore cancelled; nothing was changed\n"
    assert not target.exists()


def test_backup_db_without_pg_dump_fails_clearly(tmp_path):
    empty_bindir = tmp_path / "bin"
    empty_bindir.mkdir()

    result = manage(
        "backup_db",
        database_url="postgres://nobody@127.0.0.1:1/registry",
        cwd=tmp_path,
        env={"PG_BINDIR": str(empty_bindir)},
        check=False,
    )

    assert result.returncode == 1
    assert result.stderr == (
        f"CommandError: pg_dump not found in PG_BINDIR={empty_bindir}; "
        "install the PostgreSQL client (postgresql-client)\n"
    )
    assert list((tmp_path / "backups").iterdir()) == []


# PostgreSQL -----------------------------------------------------------------------------------

needs_postgresql = pytest.mark.skipif(
    not ON_POSTGRESQL,
    reason="DATABASE_URL is not a PostgreSQL URL; the pg_dump/pg_restore round trip needs a "
    "server whose user may CREATE DATABASE",
)


def pg_url(dbname: str) -> str:
    """DATABASE_URL with its database name replaced: same server, same credentials."""
    return urlsplit(DATABASE_URL)._replace(path=f"/{dbname}").geturl()


def create_pg_database() -> str:
    """An empty database with a unique name on DATABASE_URL's server; returns its URL."""
    name = f"backup_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(pg_url("postgres"), autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return pg_url(name)


def drop_pg_databases(urls: list[str]) -> None:
    with psycopg.connect(pg_url("postgres"), autocommit=True) as admin:
        for url in urls:
            name = urlsplit(url).path.lstrip("/")
            admin.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


@pytest.fixture
def fresh_pg_database():
    """Makes empty databases (see create_pg_database) and drops them after the test."""
    created = []

    def create() -> str:
        created.append(create_pg_database())
        return created[-1]

    try:
        yield create
    finally:
        drop_pg_databases(created)


def pg_fingerprint(url: str) -> dict[str, tuple]:
    """(row count, md5 of all rows) per public table, and each public sequence's last value."""
    with psycopg.connect(url) as connection:
        tables = connection.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename"
        ).fetchall()
        fingerprint = {}
        for (table,) in tables:
            query = sql.SQL(
                "SELECT count(*), md5(string_agg(t::text, '|' ORDER BY t::text)) FROM {} t"
            ).format(sql.Identifier(table))
            fingerprint[table] = tuple(connection.execute(query).fetchone())
        # Restored sequences must continue after the restored ids, or the next insert collides.
        for name, last_value in connection.execute(
            "SELECT sequencename, last_value FROM pg_sequences WHERE schemaname = 'public' "
            "ORDER BY sequencename"
        ):
            fingerprint[f"sequence {name}"] = (last_value,)
    return fingerprint


def pg_entries(url: str) -> list[tuple]:
    """(id, action, username, detail) of every audit entry, oldest first."""
    with psycopg.connect(url) as connection:
        return connection.execute(
            "SELECT id, action, username, detail FROM partnerships_auditentry ORDER BY id"
        ).fetchall()


def pg_data_version(url: str) -> int:
    with psycopg.connect(url) as connection:
        return connection.execute("SELECT number FROM partnerships_dataversion").fetchone()[0]


@pytest.fixture(scope="module")
def loaded_pg_dump(tmp_path_factory):
    """A database with the article loaded, and its backup_db dump: (url, dump path).

    Module-scoped because migrate + load_article take seconds; tests only read both.
    """
    if not ON_POSTGRESQL:
        pytest.skip("needs PostgreSQL")
    source = create_pg_database()
    try:
        manage("migrate", "--noinput", database_url=source)
        manage("load_article", database_url=source)
        dump = tmp_path_factory.mktemp("pg") / "registry.dump"
        manage("backup_db", "--output", dump, database_url=source)
        yield source, dump
    finally:
        drop_pg_databases([source])


@needs_postgresql
def test_postgresql_dump_restored_into_fresh_database_keeps_every_row_slow(
    loaded_pg_dump, fresh_pg_database
):
    source, dump = loaded_pg_dump
    assert dump.read_bytes()[:5] == b"PGDMP"
    assert stat.S_IMODE(dump.stat().st_mode) == 0o600
    fresh = fresh_pg_database()

    result = manage("restore_db", dump, "--yes", "--database-url", fresh, database_url=UNTOUCHED)

    expected = pg_fingerprint(source)
    assert expected["outcomes_outcome"][0] > 0  # the article was loaded: not an empty match
    assert without_trail(pg_fingerprint(fresh)) == without_trail(expected)
    # The source has its backup's entry (written after the dump), the copy its restore's.
    assert pg_entries(fresh)[:-1] == pg_entries(source)[:-1]
    assert (pg_entries(source)[-1][1], pg_entries(fresh)[-1][1]) == ("backup", "restore")
    assert printed_row_counts(result.stdout) == {
        table: values[0] for table, values in expected.items() if not table.startswith("sequence ")
    }


@needs_postgresql
def test_postgresql_restore_of_a_truncated_dump_fails_and_changes_nothing(
    loaded_pg_dump, fresh_pg_database, tmp_path
):
    _source, dump = loaded_pg_dump
    target = fresh_pg_database()
    manage("restore_db", dump, "--yes", "--database-url", target, database_url=UNTOUCHED)
    before = pg_fingerprint(target)
    truncated = tmp_path / "truncated.dump"
    truncated.write_bytes(dump.read_bytes()[: dump.stat().st_size * 9 // 10])
    # Its table of contents is whole, so pg_restore fails in the data, after dropping tables.
    pg_restore = pg_tool_candidates("pg_restore")[0]
    listing = subprocess.run(  # noqa: S603 - a PostgreSQL client, fixed arguments
        [pg_restore, "--list", str(truncated)], capture_output=True, check=False
    )
    assert listing.returncode == 0

    result = manage(
        "restore_db",
        truncated,
        "--yes",
        "--database-url",
        target,
        database_url=UNTOUCHED,
        check=False,
    )

    assert result.returncode == 1
    assert result.stderr == (
        "CommandError: pg_restore failed (exit status 1):\n"
        "pg_restore: error: could not read from input file: end of file\n"
    )
    # --single-transaction: the dropped tables are back, rows and all.
    assert pg_fingerprint(target) == before


@needs_postgresql
def test_postgresql_restore_refuses_sqlite_file_and_changes_nothing(
    fresh_pg_database, small_sqlite
):
    target = fresh_pg_database()
    with psycopg.connect(target) as connection:
        connection.execute("CREATE TABLE note (id integer PRIMARY KEY, text text)")
        connection.execute("INSERT INTO note VALUES (1, 'keep me')")
    before = pg_fingerprint(target)

    with pytest.raises(CommandError) as refused:
        call_command("restore_db", small_sqlite, yes=True, database_url=target)

    assert str(refused.value).startswith(f"{small_sqlite} is a SQLite backup but the target is ")
    assert pg_fingerprint(target) == before


@needs_postgresql
def test_backup_db_shows_pg_dump_errors(fresh_pg_database, tmp_path):
    # A role that may connect but not read a table: pg_dump itself fails, after connecting.
    database = fresh_pg_database()
    role = f"backup_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(database, autocommit=True) as admin:
        admin.execute("CREATE TABLE secret (id integer)")
        admin.execute(
            sql.SQL("CREATE ROLE {} LOGIN PASSWORD 'not-on-the-command-line'").format(
                sql.Identifier(role)
            )
        )
    try:
        url = urlsplit(database)
        as_role = url._replace(
            netloc=f"{role}:not-on-the-command-line@{url.hostname}:{url.port or 5432}"
        ).geturl()

        result = manage("backup_db", database_url=as_role, cwd=tmp_path, check=False)

        assert result.returncode == 1
        assert result.stderr.startswith("CommandError: pg_dump failed (exit status 1):\n")
        assert "permission denied for table secret" in result.stderr
        assert list((tmp_path / "backups").iterdir()) == []  # no partial file left behind
    finally:
        # The database itself is dropped by fresh_pg_database.
        with psycopg.connect(pg_url("postgres"), autocommit=True) as admin:
            admin.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(role)))


@needs_postgresql
def test_restore_of_an_older_dump_into_the_same_postgresql_database_records_itself_slow(
    loaded_pg_dump, fresh_pg_database
):
    # The trigger that keeps audit entries immutable stays in place and does not stop the
    # restore: pg_restore drops and recreates the table, and the restore's entry is an INSERT.
    _source, dump = loaded_pg_dump
    target = fresh_pg_database()
    manage("restore_db", dump, "--yes", "--database-url", target, database_url=UNTOUCHED)
    manage("shell", "-c", WRITE_A_SOURCE, database_url=target)
    before = pg_entries(target)
    version_before = pg_data_version(target)

    manage("restore_db", dump, "--yes", database_url=target)

    after = pg_entries(target)
    younger = before[-2:]
    assert [entry[1] for entry in younger] == ["restore", "create"]
    assert after[:-1] == before[:-2]
    _pk, action, username, detail = after[-1]
    assert (action, username) == ("restore", f"{getpass.getuser()} (restore_db)")
    assert detail["rolled_back"] == {
        "count": 2,
        "id_ranges": [[younger[0][0], younger[1][0]]],
        "actions": {"create": 1, "restore": 1},
    }
    assert pg_data_version(target) == version_before + 1
    with psycopg.connect(target) as connection:
        assert connection.execute(
            "SELECT count(*) FROM partnerships_source WHERE title = '备份之后的来源'"
        ).fetchone() == (0,)
        with pytest.raises(psycopg.errors.RaiseException, match="cannot be changed"):
            connection.execute("UPDATE partnerships_auditentry SET username = 'x'")
