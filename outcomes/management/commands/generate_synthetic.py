"""Fill an empty registry with synthetic data: `manage.py generate_synthetic --scale province`.

Scales (rows of the main tables; parties, participants and certifications come on top):
- demo: 4 districts, 24 institutions, 80 enterprises, 60 projects, 400 outcomes (about a second);
- district: 1 district, 50 institutions, 5,000 enterprises, 5,000 projects, 20,000 outcomes;
- province: 120 districts, 3,000 institutions, 200,000 enterprises, 300,000 projects,
  1,000,000 outcomes (minutes, on PostgreSQL through COPY).

The same seed gives the same rows on every database. Rows are written without per-row audit
entries (COPY and plain INSERTs, never the ORM's save), and one BULK_LOAD event records the
load. Everything happens in one transaction: an interrupted load leaves nothing behind.
"""

import time

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError, connection, transaction
from django.utils.translation import gettext as _
from tqdm import tqdm

from companies.models import Sector
from outcomes import synthetic
from outcomes.synthetic.scales import MODELS, SCALES
from outcomes.synthetic.writing import write_tables
from partnerships import audit
from partnerships.choices import AuditAction
from partnerships.models import DataVersion, Deletion, DistrictRole

# Rows that hang off districts and records without being registry content: the staff roles of
# deleted districts and the deletions feed would point at nothing after --force.
DEPENDENT_MODELS = (Deletion, DistrictRole)


class Command(BaseCommand):
    help = "Fill an empty registry with deterministic synthetic data (demo, district, province)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--scale",
            choices=sorted(SCALES),
            default="demo",
            help="How much data: demo (seconds), district, or province (minutes).",
        )
        parser.add_argument(
            "--seed",
            type=int,
            default=1,
            help="The same seed gives the same rows, on SQLite and PostgreSQL alike.",
        )
        parser.add_argument(
            "--force",
            action="store_true",
            help=(
                "Delete every district, source, institution, agreement, project, enterprise, "
                "outcome and target first (with the district roles and the deletions feed that "
                "refer to them). Without it the command refuses a registry that has records."
            ),
        )

    def handle(self, *args, scale: str, seed: int, force: bool, verbosity: int, **options):
        occupied = {
            model._meta.label: model._base_manager.count()
            for model in MODELS
            if model._base_manager.exists()
        }
        if occupied and not force:
            raise CommandError(
                _(
                    "The registry already holds records (%(tables)s). Synthetic data goes into "
                    "an empty database only; run it on a fresh database, or add --force to "
                    "delete these records first."
                )
                % {"tables": ", ".join(f"{label}: {n}" for label, n in occupied.items())}
            )
        sectors = dict(Sector.objects.values_list("code", "id"))
        tables = synthetic.tables(SCALES[scale], seed, sectors)

        def progress(label: str, total: int | None):
            return tqdm(
                total=total,
                desc=f"{label:32}",
                unit=" rows",
                # The raw stream: OutputWrapper.write() would end every redraw with a newline.
                file=self.stderr._out,
                disable=verbosity < 1,
            )

        started = time.monotonic()
        try:
            with transaction.atomic(), audit.audit_suppressed():
                if occupied:
                    self.delete_existing()
                counts = write_tables(connection, tables, progress)
                # Rows written past the ORM: turn the data version over by hand, or cached
                # totals would outlive the load.
                DataVersion.objects.bump()
                # The one audit entry of the load (record_event is explicit, never suppressed).
                audit.record_event(
                    AuditAction.BULK_LOAD,
                    detail={"scale": scale, "seed": seed, "rows": counts, "replaced": occupied},
                )
        except DatabaseError as error:
            raise CommandError(
                _("The database refused the synthetic data; nothing was written. %(error)s")
                % {"error": error}
            ) from error
        seconds = time.monotonic() - started
        if verbosity >= 1:
            for label, count in counts.items():
                self.stdout.write(f"{label:36} {count:>12,}")
            self.stdout.write(
                _("%(rows)s rows (scale %(scale)s, seed %(seed)s) in %(seconds).1f s.")
                % {
                    "rows": f"{sum(counts.values()):,}",
                    "scale": scale,
                    "seed": seed,
                    "seconds": seconds,
                }
            )

    @staticmethod
    def delete_existing():
        """Empty the registry's tables in one statement each, without the ORM's per-row deletes."""
        quote = connection.ops.quote_name
        tables = [model._meta.db_table for model in (*DEPENDENT_MODELS, *MODELS)]
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute(f"TRUNCATE {', '.join(quote(table) for table in tables)}")
                return
            # Foreign keys are checked at commit (Django creates them deferrable), so the order
            # only has to be complete, not clever.
            for table in tables:
                cursor.execute(f"DELETE FROM {quote(table)}")  # noqa: S608 (our own table names)
