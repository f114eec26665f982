"""Restore a backup written by `backup_db` (docs/backup.md).

Into the configured database, or with --database-url into another one — a fresh database is how
a backup is checked. Everything in the target that the backup also holds is replaced. The file's
kind is checked against the target's engine before anything changes; on PostgreSQL the restore is
a single transaction, so a failure leaves the target as it was.

The restore records itself in the restored database's audit trail, after the restore, with the
audit entries it rolled back (read before restoring: afterwards they are gone).
"""

import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from partnerships import audit, backup
from partnerships.choices import AuditAction


class Command(BaseCommand):
    # A backup or restore must work even while a system check fails (a half-finished deploy):
    # it reads nothing but the DATABASES setting.
    requires_system_checks = []
    help = (
        "Restore a backup_db file into the configured database or into --database-url, "
        "then print the rows per table."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path, help="a .dump (PostgreSQL) or .sqlite3 backup")
        parser.add_argument(
            "--yes", action="store_true", help="do not ask for confirmation (for scripts)"
        )
        parser.add_argument(
            "--database-url",
            help="restore into this database instead of the configured one, e.g. "
            "postgres://user@host:5432/fresh_copy or sqlite:////tmp/copy.sqlite3",
        )

    def handle(self, *args, path, yes, database_url, **options):
        try:
            target = (
                backup.target_from_url(database_url) if database_url else backup.configured_target()
            )
            backup.check_restorable(target, path)
            if not yes:
                self.confirm(target, path)
            # Read before: the entries the backup does not hold are gone afterwards.
            before = backup.trail(target)
            backup.restore(target, path)
            rolled_back = backup.rolled_back(before, backup.trail(target))
            recorded = backup.record_restore(
                target,
                audit.event_columns(
                    AuditAction.RESTORE,
                    detail={
                        "file": str(path.resolve()),
                        "database": str(target),
                        "rolled_back": rolled_back,
                    },
                ),
                before,
            )
            counts = backup.row_counts(target)
        except backup.BackupError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(f"Restored {path} into {target}.")
        self.report(rolled_back, recorded)
        self.stdout.write(f"Rows per table ({len(counts)} tables):")
        width = max((len(table) for table in counts), default=0)
        for table, count in counts.items():
            self.stdout.write(f"  {table:<{width}}  {count:>9}")

    def report(self, rolled_back, recorded):
        ranges = ", ".join(
            str(first) if first == last else f"{first}-{last}"
            for first, last in rolled_back["id_ranges"]
        )
        if rolled_back["count"]:
            actions = ", ".join(f"{action}: {n}" for action, n in rolled_back["actions"].items())
            self.stdout.write(
                f"Rolled back {rolled_back['count']} audit entries the backup did not hold "
                f"(ids {ranges}; {actions})."
            )
        else:
            self.stdout.write("Rolled back no audit entries.")
        if recorded:
            self.stdout.write("The restore is recorded in the restored audit trail.")
        else:
            self.stderr.write("The backup has no audit trail: the restore is not recorded.")

    def confirm(self, target, path):
        if not sys.stdin.isatty():
            raise CommandError(
                "refusing to restore without confirmation: input is not a terminal; "
                "pass --yes to restore non-interactively"
            )
        self.stdout.write(
            f"This replaces the data in {target} with the contents of {path}.\n"
            "Stop the site first so that nothing writes during the restore."
        )
        if input("Type 'yes' to continue: ").strip().lower() != "yes":
            raise CommandError("restore cancelled; nothing was changed")
