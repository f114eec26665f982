"""Shared model machinery: partial dates, constraint helpers, timestamps, the audited and
publishable bases, district links between records, and the deletions feed.

`companies` and `outcomes` build on these models; nothing in `partnerships.models` refers to them
(the import-linter contracts in pyproject.toml).
"""

import datetime
from contextvars import ContextVar
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import DatabaseError, OperationalError, connections, models, router
from django.db.models import F, Q
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext

from partnerships import constraint_checks
from partnerships.choices import (
    DatePrecision,
    PublicationState,
)
from partnerships.models.audit import DataVersion


@dataclass(frozen=True)
class PartialDate:
    """A date known to a year, a month or a day, printed at exactly that precision."""

    date: datetime.date | None
    precision: str

    def __str__(self) -> str:
        if self.date is None:
            return ""
        if self.precision == DatePrecision.YEAR:
            # "2019年" in Chinese, "2019" in English: the suffix comes from the catalog.
            return pgettext("date known to the year", "%(year)s") % {"year": self.date.year}
        if self.precision == DatePrecision.MONTH:
            return date_format(self.date, "YEAR_MONTH_FORMAT")
        return date_format(self.date, "DATE_FORMAT")

    @property
    def year(self) -> int | None:
        return self.date.year if self.date else None


def check_partial_date(value: datetime.date | None, precision: str, field: str) -> dict:
    """Errors for a date whose stored day or month contradicts its precision.

    A month-precision date is stored as the first of that month, a year-precision date as
    1 January, so sorting and range filters work while the unknown part stays visibly unknown.
    """
    if value is None:
        return {}
    if precision == DatePrecision.MONTH and value.day != 1:
        return {field: _("A date known only to the month is stored as the 1st; set the day to 1.")}
    if precision == DatePrecision.YEAR and (value.day, value.month) != (1, 1):
        return {field: _("A date known only to the year is stored as 1 January.")}
    return {}


def precision_field(verbose_name):
    return models.CharField(
        verbose_name,
        max_length=5,
        choices=DatePrecision.choices,
        default=DatePrecision.DAY,
        help_text=_("How much of the date the source states: year, month or day."),
    )


def precision_constraint(model_name: str, field: str) -> models.CheckConstraint:
    return models.CheckConstraint(
        condition=Q(**{f"{field}_precision__in": DatePrecision.values}),
        name=f"{model_name}_{field}_precision_valid",
        violation_error_message=_("Choose year, month or day as the date precision."),
    )


def ordered_dates_constraint(model_name: str, start: str, end: str) -> models.CheckConstraint:
    return models.CheckConstraint(
        condition=Q(**{f"{start}__isnull": True})
        | Q(**{f"{end}__isnull": True})
        | Q(**{f"{end}__gte": F(start)}),
        name=f"{model_name}_{end}_after_{start}",
        violation_error_message=_("The end date cannot be before the start date."),
    )


def blank_unique_constraint(model_name: str, field: str, message) -> models.UniqueConstraint:
    """Unique when filled in: many records legitimately have no identifier yet.

    Identifiers (USCC, ROR id, school code; an outcome's patent and software copyright numbers)
    are unique across the whole registry, drafts of every district included: one organisation
    or one patent is one thing, whichever district records it, and two districts recording it
    twice would count it twice. A duplicate is therefore refused even when the record holding
    the number is a draft the user may not see; the refusal can only say that the number is
    already recorded. It says nothing more: the message is fixed and names no record, id, title,
    link or district (the API, the back office and the import all show this message only).
    """
    return models.UniqueConstraint(
        fields=[field],
        condition=~Q(**{field: ""}),
        name=f"{model_name}_{field}_unique",
        violation_error_message=message,
    )


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True, db_index=True)

    class Meta:
        abstract = True


class AuditedQuerySet(models.QuerySet):
    """Bulk writes that bypass `save()` and `delete()` still reach the audit trail.

    Django sends no signal for `update()`, `bulk_create()` or `bulk_update()`; a trail that only
    listened to signals would miss exactly the writes that change most rows at once.
    `bulk_update()` is Django's `update()` with CASE expressions, so overriding `update()` covers
    it. Every business model's manager derives from this queryset (a test checks it), and the
    bookkeeping itself lives in `partnerships.audit`.
    """

    # The bookkeeping, installed by `partnerships.audit.connect()` (PartnershipsConfig.ready(),
    # before any query): the audit module imports these models, so they do not import it.
    audited_update = None
    record_bulk_create = None

    def update(self, **kwargs):
        return AuditedQuerySet.audited_update(self, kwargs, super().update)

    def bulk_create(self, objs, *args, **kwargs):
        DataVersion.objects.using(self.db).lock()
        created = super().bulk_create(objs, *args, **kwargs)
        AuditedQuerySet.record_bulk_create(self.model, created, self.db)
        return created


@dataclass(frozen=True)
class DistrictLink:
    """How a foreign key to a publishable record relates to the district of the row holding it.

    Rights, review and totals are per district, so a link that puts one district's record inside
    another's (a sub-project, a phase, a sub-unit, a figure counted for a record) must stay in one
    district: otherwise district B's staff could add to district A's published page and totals
    without A reviewing anything. Naming another district's record as a partner is what
    partnerships are, and may cross. Every such foreign key declares which it is in its model's
    `district_links`; a test walks every foreign key to a publishable model and fails on one
    that declares nothing.
    """

    kind: str
    # same district: the error shown when the target belongs to another district;
    # may cross, belongs to: why the link needs no check.
    text: str

    SAME = "same district"
    CROSSING = "may cross districts"
    OWNER = "belongs to"


def same_district(message) -> DistrictLink:
    return DistrictLink(DistrictLink.SAME, message)


def may_cross(reason: str) -> DistrictLink:
    return DistrictLink(DistrictLink.CROSSING, reason)


def belongs_to() -> DistrictLink:
    """The record a row (a party, a participant) is part of: the row's district is that record's."""
    return DistrictLink(DistrictLink.OWNER, "the row has no district of its own")


# Why a party or participant may be another district's record.
PARTNER_ACROSS_DISTRICTS = (
    "partnerships cross district lines (every district may name 山西大学 as a partner); the row "
    "is reviewed by the district of the record that names the partner, and the partner's page "
    "shows the work of every district it takes part in"
)


def ancestor_cycle(record, field: str) -> bool:
    """Whether `record`'s `field` (parent, part_of) leads back to `record` itself.

    One query per level; a cycle already in the data (which this check keeps out) ends the walk.
    """
    if record.pk is None or getattr(record, f"{field}_id") is None:
        return False
    ancestor, seen = getattr(record, field), set()
    while ancestor is not None and ancestor.pk not in seen:
        if ancestor.pk == record.pk:
            return True
        seen.add(ancestor.pk)
        ancestor = getattr(ancestor, field)
    return False


class AuditedModel(models.Model):
    """A business record: every create, change and delete of it is in the audit trail.

    `save()` and `delete()` (also a QuerySet's delete and cascades, which send the same signals)
    are recorded by receivers in `partnerships.audit`; bulk writes by `AuditedQuerySet`.
    """

    # Foreign keys to publishable records and their district rule (see DistrictLink).
    district_links: dict[str, DistrictLink] = {}

    objects = AuditedQuerySet.as_manager()

    class Meta:
        abstract = True

    def audit_district_id(self) -> int | None:
        """The district whose record this is, so auditors can be given one district's trail."""
        return getattr(self, "district_id", None)

    def clean_district_links(self) -> dict:
        """Errors for each same-district link that points at another district's record.

        The one place the district rule of links between records is checked; every model with
        such a link calls it from `clean()`, which the admin, the API and the import all run.
        """
        errors = {}
        district_id = self.audit_district_id()
        for name, link in self.district_links.items():
            if link.kind != DistrictLink.SAME or getattr(self, f"{name}_id") is None:
                continue
            target = getattr(self, name)
            if district_id is not None and target.district_id != district_id:
                errors[name] = link.text
        return errors

    def clean_fields(self, exclude=None):
        """Django's, without asking again whether a reference the caller has just read in this
        transaction exists (`KNOWN_REFERENCES`: an import's reference cells, 5,000 rows naming
        the same district and source)."""
        known = KNOWN_REFERENCES.get()
        if known:
            exclude = set(exclude or ()) | {
                field.name
                for field in self._meta.concrete_fields
                if field.many_to_one
                and not field.get_limit_choices_to()
                and (field.related_model, getattr(self, field.attname)) in known
            }
        super().clean_fields(exclude)

    def validate_constraints(self, exclude=None):
        """Django's, with each constraint decided in Python where it can be
        (partnerships/constraint_checks.py): the same answers, without a query per constraint."""
        using = router.db_for_write(type(self), instance=self)
        errors = {}
        for model_class, constraints in self.get_constraints():
            for constraint in constraints:
                try:
                    constraint_checks.validate(constraint, model_class, self, exclude, using)
                except ValidationError as error:
                    if getattr(error, "code", None) == "unique" and len(constraint.fields) == 1:
                        errors.setdefault(constraint.fields[0], []).append(error)
                    else:
                        errors = error.update_error_dict(errors)
        if errors:
            raise ValidationError(errors)

    def full_clean(self, *args, **kwargs):
        """Validate, telling "invalid" apart from "the database could not answer".

        Django's `Q.check()`, which validates conditional unique constraints and check
        constraints, logs a database error and answers "condition holds": a lock timeout then
        reads as "This patent is already recorded.", which clients take as final. Every query
        of the validation is watched instead, and a database that fails to answer raises
        `DatabaseBusy` (503 in the API, "try again" in the back office and imports).
        """
        wrappers = connections[router.db_for_write(type(self), instance=self)].execute_wrappers
        failures = []
        refusal = None
        # Outermost, so that it sees an error whichever layer raised it.
        wrapper = recording_failures(failures)
        wrappers.insert(0, wrapper)
        try:
            super().full_clean(*args, **kwargs)
        except ValidationError as error:
            refusal = error
        except OperationalError as error:
            raise DatabaseBusy from error
        finally:
            wrappers.remove(wrapper)
        for failure in failures:
            if isinstance(failure, OperationalError):
                raise DatabaseBusy from failure
        if refusal is not None:
            raise refusal


# (model, pk) of records the current validation may take as existing, without a query; set by
# a caller that has just read them in the same transaction (partnerships.spreadsheets.resources).
KNOWN_REFERENCES: ContextVar[set | frozenset] = ContextVar("known_references", default=frozenset())


class DatabaseBusy(Exception):
    """The database did not answer a validation query (lock or statement timeout, connection
    lost): the record is neither valid nor invalid yet, and the same request may succeed when
    retried."""

    message = _("The database is busy; nothing was saved. Try again in a few seconds.")


def recording_failures(failures: list):
    """A connection execute_wrapper that notes each database error, even one caught later."""

    def wrapper(execute, sql, params, many, context):
        try:
            return execute(sql, params, many, context)
        except DatabaseError as error:
            failures.append(error)
            raise

    return wrapper


class PublishableQuerySet(AuditedQuerySet):
    def published(self):
        return self.filter(state=PublicationState.PUBLISHED)


class PublishableModel(AuditedModel, TimeStampedModel):
    """A record the public may see once it is published, and only then."""

    state = models.CharField(
        _("publication state"),
        max_length=10,
        choices=PublicationState.choices,
        default=PublicationState.DRAFT,
        db_index=True,
    )

    first_published_at = models.DateTimeField(
        _("first published at"),
        null=True,
        blank=True,
        editable=False,
        help_text=_("Set once, when the record is first published."),
    )

    objects = PublishableQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        # A record that was ever public must be announced when it stops being public (the API
        # deletions feed); one that never was must never appear there.
        if self.is_published and self.first_published_at is None:
            self.first_published_at = timezone.now()
            if kwargs.get("update_fields") is not None:
                kwargs["update_fields"] = {*kwargs["update_fields"], "first_published_at"}
        super().save(*args, **kwargs)

    @property
    def is_published(self) -> bool:
        return self.state == PublicationState.PUBLISHED


class Deletion(models.Model):
    """A record that was public once and has been deleted: the API deletions feed lists it.

    Written by a post_delete receiver (`partnerships.services.record_deletion`), which Django
    also calls for each object of a QuerySet.delete(), so admin bulk deletes are covered too.
    """

    resource = models.CharField(_("resource"), max_length=30)
    object_id = models.BigIntegerField(_("object id"))
    district = models.ForeignKey(
        "partnerships.District",
        verbose_name=_("district"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    deleted_at = models.DateTimeField(_("deleted at"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("deletion")
        verbose_name_plural = _("deletions")
        ordering = ["deleted_at", "id"]

    def __str__(self) -> str:
        return f"{self.resource} {self.object_id}"
