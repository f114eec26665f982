"""Back up the configured database to one file (docs/backup.md).

PostgreSQL: `pg_dump --format=custom`; SQLite: Python's online backup API. Either way the copy
is consistent while the site keeps running, is readable only by its owner (mode 0600), and
`restore_db` reads it back.
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError

from partnerships import audit, backup
from partnerships.choices import AuditAction


class Command(BaseCommand):
    # A backup or restore must work even while a system check fails (a half-finished deploy):
    # it reads nothing but the DATABASES setting.
    requires_system_checks = []
    help = (
        "Back up the configured database to backups/registry-YYYYmmdd-HHMMSS.dump (PostgreSQL) "
        "or .sqlite3 (SQLite), or to --output; the file is readable only by its owner."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--output",
            type=Path,
            help="where to write the backup (default: backups/registry-<local time>.<suffix>, "
            "relative to the current directory); an existing file is never overwritten",
        )

    def handle(self, *args, output, **options):
        try:
            target = backup.configured_target()
            path = backup.backup(target, output or backup.default_backup_path(target.engine))
        except backup.BackupError as error:
            raise CommandError(str(error)) from None
        size = path.stat().st_size
        self.stdout.write(f"Backed up {target} to {path} ({_human(size)}, {size} bytes)")
        self.record(target, path, size)

    def record(self, target, path, size):
        """Who took which copy of every personal record, and when: after the dump, so the entry
        names a file that exists (and is not itself in the file)."""
        detail = {"file": str(path.resolve()), "bytes": size, "database": str(target)}
        try:
            audit.record_event(AuditAction.BACKUP, detail=detail)
        except DatabaseError as error:
            # The backup is whole and stays; a database that cannot take the entry (a schema
            # not migrated yet) must not cost the operator the copy.
            self.stderr.write(f"The backup was not recorded in the audit trail: {error}")


def _human(size: int) -> str:
    for unit in ("bytes", "KiB", "MiB", "GiB"):
        if size < 1024 or unit == "GiB":
            return f"{size} {unit}" if unit == "bytes" else f"{size:.1f} {unit}"
        size /= 1024
    raise AssertionError("unreachable")
