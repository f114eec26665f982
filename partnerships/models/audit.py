"""The audit trail's storage: its entries, and the data version every business write bumps.

The bookkeeping that writes them lives in `partnerships.audit`.
"""

import datetime

from django.db import connections, models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from partnerships.choices import (
    AuditAction,
    AuditChannel,
)


class DataVersionQuerySet(models.QuerySet):
    ROW = 1

    def current(self) -> int:
        """The version as this transaction sees it (0 before the first business write)."""
        return self.filter(pk=self.ROW).values_list("number", flat=True).first() or 0

    def lock(self) -> None:
        """Take the row's lock now, inside a transaction, before the rows a write will lock.

        A transaction that wrote a business row holds this lock until it commits. Taken after
        the row it would deadlock with a transaction that holds it and wants that row next;
        taken first by every writer (the audited write path, the API before its
        `select_for_update`) it only makes them wait. Outside a transaction, and on SQLite (one
        writer at a time), there is nothing to order.
        """
        connection = connections[self.db]
        if connection.in_atomic_block and connection.features.has_select_for_update:
            list(self.select_for_update().filter(pk=self.ROW).values_list("pk"))

    def bump(self) -> None:
        """One more business write, committed or rolled back with the transaction it is in.

        An upsert, not an UPDATE: a test database flushed between tests has no row, and the
        first writer must not fail for that. Both PostgreSQL and SQLite (3.24+) speak it.
        """
        connection = connections[self.db]
        table = connection.ops.quote_name(self.model._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {table} (id, number) VALUES (%s, 1) "  # noqa: S608 - our table
                "ON CONFLICT (id) DO UPDATE SET number = "
                f"{table}.number + 1",
                [self.ROW],
            )


class DataVersion(models.Model):
    """One number that grows with every business write, for caches keyed by the data.

    The audited write path (`partnerships.audit`) increments it in the writing transaction, so
    the new number becomes visible exactly when the data does: a reader that reads the version
    first and computes afterwards never files old figures under a new version (under READ
    COMMITTED, every statement after seeing the number sees that commit's rows). Security events
    — log-ins, imports and exports as events, account changes — do not touch it.

    The single row is locked from a transaction's first business write until its commit, so
    writers of business records queue behind each other on PostgreSQL for that long; SQLite
    writers queue on the database anyway. Writers take it before their rows (`lock`), so the
    queue cannot deadlock. See docs/audit.md for why that is accepted.
    """

    # One row, always id 1 (DataVersionQuerySet.ROW), written with its id explicitly.
    number = models.BigIntegerField(_("data version"), default=0)

    objects = DataVersionQuerySet.as_manager()

    class Meta:
        verbose_name = _("data version")
        verbose_name_plural = _("data version")

    def __str__(self) -> str:
        return str(self.number)


class AuditEntryQuerySet(models.QuerySet):
    """Audit entries are written once and never changed; only the retention purge deletes."""

    def update(self, **kwargs):
        raise PermissionError("Audit entries cannot be changed.")

    def delete(self):
        raise PermissionError("Audit entries cannot be deleted; see partnerships.audit.purge.")

    def purge_before(self, cutoff: datetime.datetime) -> int:
        """Delete entries older than `cutoff`; the only deletion there is (retention)."""
        deleted, _counts = models.QuerySet.delete(self.filter(at__lt=cutoff))
        return deleted


class AuditEntry(models.Model):
    """One thing that happened: a record written, a workflow step, or a security event.

    The user is kept as an id and a name rather than a foreign key, so the entry outlives the
    account and deleting a user never has to touch (or is blocked by) the trail. The database
    refuses UPDATE and early DELETE on PostgreSQL too (migration 0006), not just this model.
    """

    at = models.DateTimeField(_("time"), default=timezone.now, db_index=True)
    action = models.CharField(_("action"), max_length=20, choices=AuditAction.choices)
    channel = models.CharField(_("channel"), max_length=10, choices=AuditChannel.choices)
    user_id = models.BigIntegerField(_("user id"), null=True, blank=True, db_index=True)
    username = models.CharField(_("user"), max_length=150, blank=True)
    model = models.CharField(_("record type"), max_length=60, blank=True, db_index=True)
    object_id = models.CharField(_("record id"), max_length=40, blank=True)
    object_repr = models.CharField(_("record"), max_length=200, blank=True)
    district_id = models.BigIntegerField(_("district id"), null=True, blank=True, db_index=True)
    before = models.JSONField(_("before"), null=True, blank=True)
    after = models.JSONField(_("after"), null=True, blank=True)
    detail = models.JSONField(_("detail"), null=True, blank=True)
    request_id = models.CharField(_("request id"), max_length=64, blank=True, db_index=True)
    client_address = models.GenericIPAddressField(_("client address"), null=True, blank=True)

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit trail")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["model", "object_id"], name="audit_object")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.username} {self.action} {self.object_repr}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise PermissionError("Audit entries cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("Audit entries cannot be deleted; see partnerships.audit.purge.")
