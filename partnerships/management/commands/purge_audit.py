"""Delete audit entries older than the retention period (AUDIT_RETENTION_DAYS, default 190).

Run it from cron, e.g. daily. It never deletes entries younger than the legal minimum of
180 days: `--days` below that is refused, and on PostgreSQL the database refuses as well.
"""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from partnerships import audit


class Command(BaseCommand):
    help = "Delete audit entries older than AUDIT_RETENTION_DAYS (never younger than 180 days)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--days",
            type=int,
            default=None,
            help=f"Keep this many days (default {settings.AUDIT_RETENTION_DAYS}).",
        )

    def handle(self, *args, days=None, **options):
        try:
            deleted = audit.purge(days=days)
        except ValueError as error:
            raise CommandError(str(error)) from None
        kept = days if days is not None else audit.retention_days()
        self.stdout.write(f"Deleted {deleted} audit entries older than {kept} days.")
