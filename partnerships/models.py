"""Districts, institutions, source documents, agreements and projects: the base of the registry.

`companies` and `outcomes` build on these models; nothing here refers to them (the
import-linter contracts in pyproject.toml). Enterprise parties of an agreement or project
therefore live in `companies`.
"""

import datetime
import hashlib
import hmac
import secrets
from contextvars import ContextVar
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import DatabaseError, OperationalError, connections, models, router
from django.db.models import F, Q
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext

from partnerships import constraint_checks, validators
from partnerships.choices import (
    AgreementKind,
    AgreementStatus,
    AuditAction,
    AuditChannel,
    DatePrecision,
    DistrictLevel,
    Field,
    InstitutionKind,
    PartyRole,
    ProjectKind,
    ProjectStatus,
    PublicationState,
    Qualifier,
    StaffRole,
    TokenScope,
)


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

    def update(self, **kwargs):
        from partnerships import audit  # the audit module imports these models

        return audit.audited_update(self, kwargs, super().update)

    def bulk_create(self, objs, *args, **kwargs):
        from partnerships import audit

        DataVersion.objects.using(self.db).lock()
        created = super().bulk_create(objs, *args, **kwargs)
        audit.record_bulk_create(self.model, created, self.db)
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

    Written by a post_delete receiver (`record_deletion`), which Django also calls for each
    object of a QuerySet.delete(), so admin bulk deletes are covered too.
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


def record_deletion(sender, instance, **kwargs):
    """post_delete receiver for every publishable model (connected in each app's ready())."""
    if instance.first_published_at is None:
        return
    Deletion.objects.create(
        resource=sender.api_resource,
        object_id=instance.pk,
        district_id=instance.district_id,
    )
    # The source it cited leaves the public with it unless another public record cites it.
    from partnerships.selectors import publicly_cited_q  # the selectors import these models

    source_id = getattr(instance, "source_id", None)
    if (
        source_id is not None
        and not Source.objects.filter(publicly_cited_q(), pk=source_id).exists()
    ):
        Deletion.objects.create(
            resource="sources", object_id=source_id, district_id=instance.district_id
        )


class District(AuditedModel, TimeStampedModel):
    """An administrative division (GB/T 2260); staff rights and records are per district."""

    code = models.CharField(
        _("division code"),
        max_length=6,
        unique=True,
        validators=[validators.validate_district_code],
        help_text=_("Six-digit GB/T 2260 code, e.g. 140105 for Xiaodian District."),
    )
    name = models.CharField(_("name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("district")
        verbose_name_plural = _("districts")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(code__regex=r"^[1-9][0-9]{5}$"),
                name="district_code_six_digits",
                violation_error_message=_("The division code must be six digits."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    def audit_district_id(self) -> int | None:
        return self.pk

    @property
    def level(self) -> str:
        if self.code.endswith("0000"):
            return DistrictLevel.PROVINCE
        if self.code.endswith("00"):
            return DistrictLevel.CITY
        return DistrictLevel.COUNTY

    @staticmethod
    def covered_prefix(code: str) -> str | None:
        """The code prefix of the districts under a province or a city (GB/T 2260); None for
        a county. A role held in a province or a city covers the districts under it."""
        if code.endswith("0000"):
            return code[:2]
        if code.endswith("00"):
            return code[:4]
        return None

    def is_referenced(self, code: str | None = None) -> bool:
        """Whether anything refers to the district with `code` (default: this one's): a role,
        a record, a party, an announced deletion, or a district under it."""
        if self.pk is not None:
            for relation in self._meta.related_objects:
                manager = relation.related_model._base_manager
                if manager.filter(**{relation.field.name: self.pk}).exists():
                    return True
        prefix = self.covered_prefix(code or self.code)
        if prefix is None:
            return False
        return District.objects.filter(code__startswith=prefix).exclude(pk=self.pk).exists()

    def clean(self):
        super().clean()
        if self.pk is None:
            return
        stored = District.objects.filter(pk=self.pk).values_list("code", flat=True).first()
        # Rights follow codes (a city's role covers the districts whose codes start like
        # its own), so a new code would move every role, record and sub-district with it.
        if stored is not None and stored != self.code and self.is_referenced(stored):
            raise ValidationError(
                {
                    "code": _(
                        "The division code of %(district)s cannot change: roles, records or "
                        "other districts refer to it. Add a district with the new code instead."
                    )
                    % {"district": stored}
                }
            )


class Source(AuditedModel, TimeStampedModel):
    """A document that figures and facts are taken from (an article, a report, an agreement text).

    It lives in the base layer because agreements, projects, enterprises and outcomes all cite
    the same documents; each citing record stores the exact passage it relies on.

    A source has no review of its own: it is public while a published record cites it, and only
    then (`selectors.publicly_cited_q`); its `note` is internal and never public. `district` is
    the district of the staff who added it: they may correct or remove it until a published
    record cites it; after that only a system administrator may (REFERENCE_RIGHTS). A source
    without a district is shared by every district (the ones recorded before sources had one).
    """

    title = models.CharField(_("title"), max_length=300)
    publisher = models.CharField(_("publisher"), max_length=200, blank=True)
    url = models.URLField(_("address (URL)"), max_length=500, blank=True)
    published_on = models.DateField(_("publication date"), null=True, blank=True, db_index=True)
    published_on_precision = precision_field(_("publication date precision"))
    authors = models.CharField(_("authors"), max_length=300, blank=True)
    note = models.TextField(
        _("note"), blank=True, help_text=_("For staff only: never shown to the public.")
    )
    district = models.ForeignKey(
        "partnerships.District",
        verbose_name=_("added by district"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="sources",
        help_text=_(
            "The district whose staff added the source: they may correct or remove it until a "
            "published record cites it. Empty: shared by every district."
        ),
    )

    class Meta:
        verbose_name = _("source document")
        verbose_name_plural = _("source documents")
        ordering = ["title"]
        constraints = [precision_constraint("source", "published_on")]

    def __str__(self) -> str:
        return self.title

    @property
    def published(self) -> PartialDate:
        return PartialDate(self.published_on, self.published_on_precision)

    def clean(self):
        errors = check_partial_date(self.published_on, self.published_on_precision, "published_on")
        if errors:
            raise ValidationError(errors)


class SourcedModel(models.Model):
    """A record whose facts come from a source document and a quoted passage of it."""

    source = models.ForeignKey(
        "partnerships.Source",
        verbose_name=_("source document"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    source_passage = models.TextField(
        _("source passage"),
        blank=True,
        help_text=_("The passage of the source document that states these facts, quoted exactly."),
    )

    class Meta:
        abstract = True

    def clean_source(self) -> dict:
        if self.source_passage and self.source_id is None:
            return {"source": _("Choose the document the quoted passage comes from.")}
        return {}


class Institution(PublishableModel, SourcedModel):
    """A university, research institute, training body or science park, or a sub-unit of one.

    Sub-units (a college 学院, a key laboratory 重点实验室, a university science park 科技园)
    point at their parent, so a university's totals can include its sub-units' work.
    """

    api_resource = "institutions"
    district_links = {
        "parent": may_cross(
            "institutions are partners of every district (PARTNER_ACROSS_DISTRICTS): a district "
            "may record the college of a university another district entered. The sub-unit "
            "counts for its university exactly as naming the university as a partner would, "
            "and is reviewed by its own district"
        ),
    }

    name = models.CharField(_("name"), max_length=200)
    name_en = models.CharField(_("English name"), max_length=300, blank=True)
    short_name = models.CharField(_("short name"), max_length=50, blank=True)
    kind = models.CharField(
        _("kind"), max_length=20, choices=InstitutionKind.choices, db_index=True
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent institution"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="sub_units",
    )
    district = models.ForeignKey(
        "partnerships.District",
        verbose_name=_("maintaining district"),
        on_delete=models.PROTECT,
        related_name="institutions",
        help_text=_("The district whose staff maintain this record."),
    )
    location = models.CharField(
        _("location"), max_length=200, blank=True, help_text=_("City or address, e.g. 上海市.")
    )
    school_code = models.CharField(
        _("school identification code (学校标识码)"),
        max_length=10,
        blank=True,
        validators=[validators.validate_school_code],
    )
    uscc = models.CharField(
        _("unified social credit code"),
        max_length=30,
        blank=True,
        validators=[validators.validate_uscc],
    )
    ror_id = models.CharField(
        _("ROR id"), max_length=40, blank=True, validators=[validators.validate_ror_id]
    )
    website = models.URLField(_("website"), blank=True)
    description = models.TextField(_("description"), blank=True)

    class Meta:
        verbose_name = _("institution")
        verbose_name_plural = _("institutions")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["name"],
                condition=Q(parent__isnull=True),
                name="institution_top_level_name_unique",
                violation_error_message=_("An institution with this name already exists."),
            ),
            models.UniqueConstraint(
                fields=["parent", "name"],
                name="institution_sub_unit_name_unique",
                violation_error_message=_("This institution already has a sub-unit of this name."),
            ),
            models.CheckConstraint(
                condition=~Q(parent=F("id")),
                name="institution_not_own_parent",
                violation_error_message=_("An institution cannot be its own parent."),
            ),
            blank_unique_constraint(
                "institution",
                "school_code",
                _("Another institution already has this school identification code."),
            ),
            blank_unique_constraint(
                "institution",
                "uscc",
                _("Another institution already has this unified social credit code."),
            ),
            blank_unique_constraint(
                "institution", "ror_id", _("Another institution already has this ROR id.")
            ),
        ]

    def __str__(self) -> str:
        if self.parent_id is not None:
            return f"{self.parent.name} {self.name}"
        return self.name

    def clean(self):
        self.uscc = validators.normalize_uscc(self.uscc) if self.uscc else ""
        self.ror_id = validators.normalize_ror_id(self.ror_id) if self.ror_id else ""
        errors = self.clean_source()
        if self.kind in InstitutionKind.sub_unit_kinds and self.parent_id is None:
            errors["parent"] = _("A college, key laboratory or science park needs its parent.")
        errors |= self.clean_district_links()
        if ancestor_cycle(self, "parent"):
            errors["parent"] = _("This parent would make the institution its own ancestor.")
        if errors:
            raise ValidationError(errors)

    def uscc_warning(self) -> str | None:
        """Institutions normally register with the establishment office (1) or civil affairs (5)."""
        if not self.uscc:
            return None
        return validators.uscc_warning(self.uscc, expected_prefixes="15")


class Agreement(PublishableModel, SourcedModel):
    """A signed agreement between the district government, institutions and enterprises.

    Agreements signed in phases (the Tongji base was co-built under two agreements a month apart)
    point at the agreement they belong to with `part_of` and carry a phase number.
    """

    api_resource = "agreements"
    district_links = {
        "part_of": same_district(_("The agreement it is a phase of belongs to another district.")),
    }

    title = models.CharField(_("title"), max_length=300)
    title_en = models.CharField(_("English title"), max_length=400, blank=True)
    district = models.ForeignKey(
        "partnerships.District",
        verbose_name=_("district"),
        on_delete=models.PROTECT,
        related_name="agreements",
    )
    kind = models.CharField(_("kind"), max_length=20, choices=AgreementKind.choices, db_index=True)
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=AgreementStatus.choices,
        default=AgreementStatus.UNKNOWN,
        db_index=True,
    )
    signed_on = models.DateField(_("signing date"), null=True, blank=True, db_index=True)
    signed_on_precision = precision_field(_("signing date precision"))
    starts_on = models.DateField(_("term start"), null=True, blank=True, db_index=True)
    starts_on_precision = precision_field(_("term start precision"))
    ends_on = models.DateField(_("term end"), null=True, blank=True, db_index=True)
    ends_on_precision = precision_field(_("term end precision"))
    term_months = models.PositiveSmallIntegerField(
        _("term in months"),
        null=True,
        blank=True,
        help_text=_("When the source gives a duration (e.g. 未来两年 = 24) rather than dates."),
    )
    part_of = models.ForeignKey(
        "self",
        verbose_name=_("part of agreement"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="phases",
    )
    phase_number = models.PositiveSmallIntegerField(_("phase number"), null=True, blank=True)
    summary = models.TextField(_("summary"), blank=True)
    summary_en = models.TextField(_("English summary"), blank=True)

    class Meta:
        verbose_name = _("agreement")
        verbose_name_plural = _("agreements")
        ordering = ["-signed_on", "title"]
        constraints = [
            precision_constraint("agreement", "signed_on"),
            precision_constraint("agreement", "starts_on"),
            precision_constraint("agreement", "ends_on"),
            ordered_dates_constraint("agreement", "starts_on", "ends_on"),
            models.CheckConstraint(
                condition=~Q(part_of=F("id")),
                name="agreement_not_part_of_itself",
                violation_error_message=_("An agreement cannot be a phase of itself."),
            ),
            models.CheckConstraint(
                condition=Q(phase_number__isnull=True) | Q(part_of__isnull=False),
                name="agreement_phase_needs_parent",
                violation_error_message=_("A phase number needs the agreement it is a phase of."),
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def signed(self) -> PartialDate:
        return PartialDate(self.signed_on, self.signed_on_precision)

    @property
    def starts(self) -> PartialDate:
        return PartialDate(self.starts_on, self.starts_on_precision)

    @property
    def ends(self) -> PartialDate:
        return PartialDate(self.ends_on, self.ends_on_precision)

    def clean(self):
        errors = self.clean_source()
        for field in ("signed_on", "starts_on", "ends_on"):
            errors |= check_partial_date(
                getattr(self, field), getattr(self, f"{field}_precision"), field
            )
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            errors["ends_on"] = _("The term cannot end before it starts.")
        errors |= self.clean_district_links()
        if self.part_of_id is not None and self.pk is not None and self.part_of_id == self.pk:
            errors["part_of"] = _("An agreement cannot be a phase of itself.")
        elif ancestor_cycle(self, "part_of"):
            errors["part_of"] = _("This would make the agreement a phase of one of its own phases.")
        if self.phase_number is not None and self.part_of_id is None:
            errors["phase_number"] = _("A phase number needs the agreement it is a phase of.")
        if errors:
            raise ValidationError(errors)


class AgreementParty(AuditedModel):
    """The district government or an institution as a party to an agreement.

    Enterprise parties live in `companies.AgreementEnterprise` (layering).
    """

    district_links = {
        "agreement": belongs_to(),
        "institution": may_cross(PARTNER_ACROSS_DISTRICTS),
    }

    agreement = models.ForeignKey(
        "partnerships.Agreement",
        verbose_name=_("agreement"),
        on_delete=models.CASCADE,
        related_name="parties",
    )
    district = models.ForeignKey(
        "partnerships.District",
        verbose_name=_("district government"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="agreement_parties",
    )
    institution = models.ForeignKey(
        "partnerships.Institution",
        verbose_name=_("institution"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="agreement_parties",
    )
    role = models.CharField(_("role"), max_length=20, choices=PartyRole.choices)
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("agreement party")
        verbose_name_plural = _("agreement parties")
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(district__isnull=False, institution__isnull=True)
                | Q(district__isnull=True, institution__isnull=False),
                name="agreement_party_exactly_one",
                violation_error_message=_(
                    "Choose exactly one: a district government or an institution."
                ),
            ),
            models.UniqueConstraint(
                fields=["agreement", "institution"],
                name="agreement_party_institution_once",
                violation_error_message=_("This institution is already a party."),
            ),
            models.UniqueConstraint(
                fields=["agreement", "district"],
                name="agreement_party_district_once",
                violation_error_message=_("This district government is already a party."),
            ),
        ]

    def __str__(self) -> str:
        party = self.institution if self.institution_id else self.district
        return f"{party} ({self.get_role_display()})"

    def audit_district_id(self) -> int | None:
        # `district` here is a party (a district government), not the record's district.
        return self.agreement.district_id


class Project(PublishableModel, SourcedModel):
    """What an agreement produces: a cooperation project, a co-built base, a programme…"""

    api_resource = "projects"
    district_links = {
        "agreement": same_district(_("The agreement belongs to another district.")),
        "part_of": same_district(_("The project it is part of belongs to another district.")),
    }

    title = models.CharField(_("title"), max_length=300)
    title_en = models.CharField(_("English title"), max_length=400, blank=True)
    district = models.ForeignKey(
        "partnerships.District",
        verbose_name=_("district"),
        on_delete=models.PROTECT,
        related_name="projects",
    )
    agreement = models.ForeignKey(
        "partnerships.Agreement",
        verbose_name=_("agreement"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="projects",
    )
    part_of = models.ForeignKey(
        "self",
        verbose_name=_("part of project"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="sub_projects",
    )
    kind = models.CharField(_("kind"), max_length=25, choices=ProjectKind.choices, db_index=True)
    field = models.CharField(_("field"), max_length=30, choices=Field.choices, db_index=True)
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=ProjectStatus.choices,
        default=ProjectStatus.UNKNOWN,
        db_index=True,
    )
    starts_on = models.DateField(_("start date"), null=True, blank=True, db_index=True)
    starts_on_precision = precision_field(_("start date precision"))
    ends_on = models.DateField(_("end date"), null=True, blank=True, db_index=True)
    ends_on_precision = precision_field(_("end date precision"))
    opened_on = models.DateField(
        _("opening date"),
        null=True,
        blank=True,
        help_text=_("For a base or platform: when it opened (揭牌运营)."),
        db_index=True,
    )
    opened_on_precision = precision_field(_("opening date precision"))
    floor_area_m2 = models.DecimalField(
        _("floor area (m²)"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    floor_area_qualifier = models.CharField(
        _("floor area qualifier"), max_length=10, choices=Qualifier.choices, default=Qualifier.EXACT
    )
    address = models.CharField(_("address"), max_length=300, blank=True)
    funding_yuan = models.DecimalField(
        _("funding (yuan)"), max_digits=18, decimal_places=2, null=True, blank=True
    )
    funding_qualifier = models.CharField(
        _("funding qualifier"), max_length=10, choices=Qualifier.choices, default=Qualifier.EXACT
    )
    funding_note = models.CharField(
        _("funding note"),
        max_length=300,
        blank=True,
        help_text=_("Where the money comes from, e.g. the district's science budget."),
    )
    summary = models.TextField(_("summary"), blank=True)
    summary_en = models.TextField(_("English summary"), blank=True)

    class Meta:
        verbose_name = _("project")
        verbose_name_plural = _("projects")
        ordering = ["-starts_on", "title"]
        constraints = [
            precision_constraint("project", "starts_on"),
            precision_constraint("project", "ends_on"),
            precision_constraint("project", "opened_on"),
            ordered_dates_constraint("project", "starts_on", "ends_on"),
            models.CheckConstraint(
                condition=Q(floor_area_m2__isnull=True) | Q(floor_area_m2__gt=0),
                name="project_floor_area_positive",
                violation_error_message=_("The floor area must be greater than zero."),
            ),
            models.CheckConstraint(
                condition=Q(funding_yuan__isnull=True) | Q(funding_yuan__gte=0),
                name="project_funding_not_negative",
                violation_error_message=_("Funding cannot be negative."),
            ),
            models.CheckConstraint(
                condition=~Q(part_of=F("id")),
                name="project_not_part_of_itself",
                violation_error_message=_("A project cannot be part of itself."),
            ),
            models.CheckConstraint(
                condition=Q(floor_area_qualifier__in=Qualifier.values)
                & Q(funding_qualifier__in=Qualifier.values),
                name="project_qualifiers_valid",
                violation_error_message=_("Choose a qualifier from the list."),
            ),
        ]
        indexes = [models.Index(fields=["district", "state"], name="project_district_state")]

    def __str__(self) -> str:
        return self.title

    @property
    def starts(self) -> PartialDate:
        return PartialDate(self.starts_on, self.starts_on_precision)

    @property
    def ends(self) -> PartialDate:
        return PartialDate(self.ends_on, self.ends_on_precision)

    @property
    def opened(self) -> PartialDate:
        return PartialDate(self.opened_on, self.opened_on_precision)

    def clean(self):
        errors = self.clean_source()
        for field in ("starts_on", "ends_on", "opened_on"):
            errors |= check_partial_date(
                getattr(self, field), getattr(self, f"{field}_precision"), field
            )
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            errors["ends_on"] = _("The project cannot end before it starts.")
        errors |= self.clean_district_links()
        if self.part_of_id is not None and self.pk is not None and self.part_of_id == self.pk:
            errors["part_of"] = _("A project cannot be part of itself.")
        elif ancestor_cycle(self, "part_of"):
            errors["part_of"] = _(
                "This would make the project part of one of its own sub-projects."
            )
        if errors:
            raise ValidationError(errors)


class ProjectParticipant(AuditedModel):
    """An institution or a district government taking part in a project (enterprises: companies)."""

    district_links = {
        "project": belongs_to(),
        "institution": may_cross(PARTNER_ACROSS_DISTRICTS),
    }

    project = models.ForeignKey(
        "partnerships.Project",
        verbose_name=_("project"),
        on_delete=models.CASCADE,
        related_name="participants",
    )
    district = models.ForeignKey(
        "partnerships.District",
        verbose_name=_("district government"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="project_participations",
    )
    institution = models.ForeignKey(
        "partnerships.Institution",
        verbose_name=_("institution"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="project_participations",
    )
    role = models.CharField(_("role"), max_length=20, choices=PartyRole.choices)
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("project participant")
        verbose_name_plural = _("project participants")
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(district__isnull=False, institution__isnull=True)
                | Q(district__isnull=True, institution__isnull=False),
                name="project_participant_exactly_one",
                violation_error_message=_(
                    "Choose exactly one: a district government or an institution."
                ),
            ),
            models.UniqueConstraint(
                fields=["project", "institution"],
                name="project_participant_institution_once",
                violation_error_message=_("This institution already takes part."),
            ),
            models.UniqueConstraint(
                fields=["project", "district"],
                name="project_participant_district_once",
                violation_error_message=_("This district government already takes part."),
            ),
        ]

    def __str__(self) -> str:
        party = self.institution if self.institution_id else self.district
        return f"{party} ({self.get_role_display()})"

    def audit_district_id(self) -> int | None:
        return self.project.district_id


class DistrictRole(AuditedModel, TimeStampedModel):
    """A member of staff's role in one district; rights in the back office and API follow it."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="district_roles",
    )
    district = models.ForeignKey(
        "partnerships.District",
        verbose_name=_("district"),
        on_delete=models.CASCADE,
        related_name="staff_roles",
    )
    role = models.CharField(_("role"), max_length=20, choices=StaffRole.choices)

    class Meta:
        verbose_name = _("district role")
        verbose_name_plural = _("district roles")
        ordering = ["district", "user", "role"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "district", "role"],
                name="district_role_once",
                violation_error_message=_("This user already has this role in this district."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.district.name} · {self.get_role_display()}"


class ApiTokenQuerySet(models.QuerySet):
    def active(self):
        now = timezone.now()
        return self.filter(revoked_at__isnull=True, expires_at__gt=now, user__is_active=True)


class ApiToken(TimeStampedModel):
    """A secret that lets another system use the API as a user.

    Only a SHA-256 hash of the secret is stored; the plain token is shown once, when it is
    created (`partnerships.services.api_token_create`). The public `prefix` finds the row.
    """

    PREFIX_LENGTH = 12

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="api_tokens",
    )
    name = models.CharField(_("name"), max_length=100, help_text=_("What the token is for."))
    prefix = models.CharField(_("prefix"), max_length=PREFIX_LENGTH, unique=True, editable=False)
    key_hash = models.CharField(_("key hash"), max_length=64, editable=False)
    scope = models.CharField(
        _("scope"), max_length=10, choices=TokenScope.choices, default=TokenScope.READ
    )
    expires_at = models.DateTimeField(_("expires at"))
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True, editable=False)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True, editable=False)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @staticmethod
    def hash_secret(secret: str) -> str:
        return hashlib.sha256(secret.encode()).hexdigest()

    @classmethod
    def generate(cls) -> tuple[str, str, str]:
        """A new (prefix, secret, plain token); the plain token is `prefix.secret`."""
        prefix = "pr" + secrets.token_hex((cls.PREFIX_LENGTH - 2) // 2)
        secret = secrets.token_urlsafe(32)
        return prefix, secret, f"{prefix}.{secret}"

    def matches(self, secret: str) -> bool:
        return hmac.compare_digest(self.key_hash, self.hash_secret(secret))

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None and self.expires_at > timezone.now() and self.user.is_active

    @property
    def can_write(self) -> bool:
        return self.scope == TokenScope.WRITE


class PasswordStatus(models.Model):
    """When a member of staff last changed their password, and whether they must change it now.

    Kept beside Django's user (not on it) so the password-age rule (90 days) needs no
    custom user model. `partnerships.accounts.PasswordAgeValidator.password_changed` writes it on
    every `set_password()` + `save()`; a user without a row is never forced to change.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="password_status",
    )
    changed_at = models.DateTimeField(_("password changed at"))
    must_change = models.BooleanField(
        _("must change password"),
        default=False,
        help_text=_("The next log-in goes straight to the password change page."),
    )

    class Meta:
        verbose_name = _("password status")
        verbose_name_plural = _("password statuses")

    def __str__(self) -> str:
        return f"{self.user} · {self.changed_at:%Y-%m-%d}"


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
