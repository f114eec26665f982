"""Outcomes (what the partnerships achieved) and targets (what they planned).

Both carry the figure exactly as the source gives it: quantity, unit, the source's qualifier
(约, 多/余/以上, 近), whether it is a running total at a date or an increment for a period, what it
is attributed to, and the quoted passage it comes from. Targets are a separate model so that a
plan can never be added to an achievement by mistake.
"""

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from companies.models import Enterprise
from outcomes import validators
from outcomes.choices import (
    ALLOWED_UNITS,
    Basis,
    EnterpriseCategory,
    OutcomeForm,
    OutcomeKind,
    PatentStatus,
    PatentType,
    StandardLevel,
    Unit,
)
from partnerships.choices import PublicationState, Qualifier
from partnerships.models import (
    Agreement,
    PartialDate,
    Project,
    PublishableModel,
    PublishableQuerySet,
    check_partial_date,
    ordered_dates_constraint,
    precision_constraint,
    precision_field,
)

ATTRIBUTIONS = ("project", "agreement", "institution", "enterprise")


class FigureQuerySet(PublishableQuerySet):
    def public(self):
        """Published figures whose every attributed record is published too.

        Publishing a project makes its outcomes public; a figure attached to a draft record
        stays hidden even when the figure itself was published.
        """
        published = PublicationState.PUBLISHED
        condition = Q(state=published)
        for name in ATTRIBUTIONS:
            condition &= Q(**{f"{name}__isnull": True}) | Q(**{f"{name}__state": published})
        return self.filter(condition)


class Figure(PublishableModel):
    """What outcomes and targets share: a quantity with its unit, qualifier, scope and source."""

    district = models.ForeignKey(
        "partnerships.District",
        verbose_name=_("district"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    kind = models.CharField(_("kind"), max_length=25, choices=OutcomeKind.choices, db_index=True)
    description = models.CharField(
        _("what is counted"),
        max_length=300,
        blank=True,
        help_text=_("In the source's words, e.g. 大学生实训 or 为山西大学配送品类."),
    )
    quantity = models.DecimalField(
        _("quantity"),
        max_digits=20,
        decimal_places=2,
        help_text=_("Money in yuan (6800万元 = 68000000), counts as whole numbers."),
    )
    unit = models.CharField(_("unit"), max_length=20, choices=Unit.choices, db_index=True)
    qualifier = models.CharField(
        _("qualifier"),
        max_length=10,
        choices=Qualifier.choices,
        default=Qualifier.EXACT,
        help_text=_("As the source says it: 约 about, 多/余/以上 more than, 近 nearly."),
        db_index=True,
    )
    reported_text = models.CharField(
        _("figure as written"),
        max_length=100,
        blank=True,
        help_text=_("The figure exactly as the source writes it, e.g. 6800多万元."),
    )
    project = models.ForeignKey(
        "partnerships.Project",
        verbose_name=_("project"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="%(class)ss",
    )
    agreement = models.ForeignKey(
        "partnerships.Agreement",
        verbose_name=_("agreement"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="%(class)ss",
    )
    institution = models.ForeignKey(
        "partnerships.Institution",
        verbose_name=_("institution"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="%(class)ss",
    )
    enterprise = models.ForeignKey(
        "companies.Enterprise",
        verbose_name=_("enterprise"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="%(class)ss",
    )
    source = models.ForeignKey(
        "partnerships.Source",
        verbose_name=_("source document"),
        on_delete=models.PROTECT,
        related_name="%(class)ss",
    )
    source_passage = models.TextField(
        _("source passage"),
        help_text=_("The sentence of the source that states this figure, quoted exactly."),
    )

    objects = FigureQuerySet.as_manager()

    class Meta:
        abstract = True

    def clean_figure(self) -> dict:
        errors = {}
        if self.quantity is not None and self.quantity < 0:
            errors["quantity"] = _("A quantity cannot be negative.")
        if self.kind and self.unit and self.unit not in ALLOWED_UNITS[self.kind]:
            allowed = ", ".join(str(Unit(unit).label) for unit in ALLOWED_UNITS[self.kind])
            errors["unit"] = _("%(kind)s are counted in %(allowed)s.") % {
                "kind": OutcomeKind(self.kind).label,
                "allowed": allowed,
            }
        if not (self.source_passage or "").strip():
            errors["source_passage"] = _("Quote the passage of the source that states the figure.")
        # Every attributed record must belong to the figure's district, or rights leak.
        for name, model in (
            ("project", Project),
            ("agreement", Agreement),
            ("enterprise", Enterprise),
        ):
            record_id = getattr(self, f"{name}_id")
            if record_id is not None and self.district_id is not None:
                record_district = self.attributed_district_id(name, model, record_id)
                if record_district is not None and record_district != self.district_id:
                    errors[name] = _("This record belongs to another district.")
        return errors

    def attributed_district_id(self, name: str, model, record_id: int) -> int | None:
        """The district of the attributed record: the one the form, the API or the import has
        just loaded and set, else read (an import of 5,000 rows names one project)."""
        if self._meta.get_field(name).is_cached(self):
            record = getattr(self, name)
            if record is not None and record.pk == record_id:
                return record.district_id
        return model.objects.filter(pk=record_id).values_list("district_id", flat=True).first()

    @property
    def attributed_to(self) -> list:
        return [getattr(self, name) for name in ATTRIBUTIONS if getattr(self, f"{name}_id")]


def attribution_constraint(model_name: str) -> models.CheckConstraint:
    condition = Q()
    for name in ATTRIBUTIONS:
        condition |= Q(**{f"{name}__isnull": False})
    return models.CheckConstraint(
        condition=condition,
        name=f"{model_name}_attributed",
        violation_error_message=_(
            "Attribute the figure to at least one project, agreement, institution or enterprise."
        ),
    )


class Outcome(Figure):
    """Something that happened because of a partnership: an itemised patent, a reported figure."""

    api_resource = "outcomes"

    form = models.CharField(
        _("form"),
        max_length=10,
        choices=OutcomeForm.choices,
        default=OutcomeForm.REPORTED,
        db_index=True,
    )
    title = models.CharField(
        _("title"),
        max_length=300,
        blank=True,
        help_text=_("For an itemised patent, copyright or standard: its title."),
    )
    title_en = models.CharField(_("English title"), max_length=400, blank=True)
    basis = models.CharField(_("basis"), max_length=12, choices=Basis.choices, db_index=True)
    as_of = models.DateField(
        _("as of"),
        null=True,
        blank=True,
        help_text=_("For a cumulative figure: the date it stands at. Empty: the source's date."),
        db_index=True,
    )
    as_of_precision = precision_field(_("as-of precision"))
    period_start = models.DateField(_("period start"), null=True, blank=True, db_index=True)
    period_start_precision = precision_field(_("period start precision"))
    period_end = models.DateField(_("period end"), null=True, blank=True, db_index=True)
    period_end_precision = precision_field(_("period end precision"))
    patent_type = models.CharField(
        _("patent type"), max_length=15, choices=PatentType.choices, blank=True, db_index=True
    )
    patent_status = models.CharField(
        _("patent status"), max_length=15, choices=PatentStatus.choices, blank=True, db_index=True
    )
    patent_number = models.CharField(
        _("patent application number"),
        max_length=20,
        blank=True,
        help_text=_("e.g. 201710601862.3; CN/ZL prefixes and full-width dots are accepted."),
    )
    software_copyright_number = models.CharField(
        _("software copyright registration number"),
        max_length=20,
        blank=True,
        help_text=_("e.g. 2019SR0322683."),
    )
    standard_number = models.CharField(
        _("standard number"), max_length=40, blank=True, help_text=_("e.g. DB14/T 2544-2022.")
    )
    standard_level = models.CharField(
        _("standard level"), max_length=15, choices=StandardLevel.choices, blank=True, db_index=True
    )
    enterprise_category = models.CharField(
        _("enterprise category"),
        max_length=15,
        choices=EnterpriseCategory.choices,
        blank=True,
        db_index=True,
    )

    class Meta:
        verbose_name = _("outcome")
        verbose_name_plural = _("outcomes")
        ordering = ["kind", "id"]
        constraints = [
            attribution_constraint("outcome"),
            precision_constraint("outcome", "as_of"),
            precision_constraint("outcome", "period_start"),
            precision_constraint("outcome", "period_end"),
            ordered_dates_constraint("outcome", "period_start", "period_end"),
            models.CheckConstraint(
                condition=Q(quantity__gte=0),
                name="outcome_quantity_not_negative",
                violation_error_message=_("A quantity cannot be negative."),
            ),
            models.CheckConstraint(
                condition=Q(form=OutcomeForm.REPORTED)
                | Q(quantity=1, qualifier=Qualifier.EXACT, unit=Unit.ITEM),
                name="outcome_item_is_one_exact_item",
                violation_error_message=_("An itemised record counts exactly one item."),
            ),
            models.CheckConstraint(
                condition=Q(basis=Basis.INCREMENT)
                | Q(period_start__isnull=True, period_end__isnull=True),
                name="outcome_cumulative_has_no_period",
                violation_error_message=_("A cumulative figure has an as-of date, not a period."),
            ),
            models.CheckConstraint(
                condition=Q(basis=Basis.CUMULATIVE) | Q(as_of__isnull=True),
                name="outcome_increment_has_no_as_of",
                violation_error_message=_("An increment has a period, not an as-of date."),
            ),
            models.UniqueConstraint(
                fields=["patent_number"],
                condition=~Q(patent_number=""),
                name="outcome_patent_number_unique",
                violation_error_message=_("This patent is already recorded."),
            ),
            models.UniqueConstraint(
                fields=["software_copyright_number"],
                condition=~Q(software_copyright_number=""),
                name="outcome_software_copyright_number_unique",
                violation_error_message=_("This software copyright is already recorded."),
            ),
        ]
        indexes = [
            models.Index(fields=["district", "state"], name="outcome_district_state"),
            models.Index(fields=["kind", "unit"], name="outcome_kind_unit"),
        ]

    def __str__(self) -> str:
        if self.form == OutcomeForm.ITEM:
            return self.title or self.patent_number or self.get_kind_display()
        label = self.description or self.get_kind_display()
        return f"{label}: {self.reported_text or self.quantity}"

    @property
    def as_of_date(self) -> PartialDate:
        return PartialDate(self.as_of, self.as_of_precision)

    @property
    def period(self) -> tuple[PartialDate, PartialDate]:
        return (
            PartialDate(self.period_start, self.period_start_precision),
            PartialDate(self.period_end, self.period_end_precision),
        )

    @property
    def patent_filing_year(self) -> int | None:
        if not self.patent_number:
            return None
        return validators.parse_patent_number(self.patent_number).filing_year

    def clean(self):
        errors = self.clean_figure()
        for field in ("as_of", "period_start", "period_end"):
            errors |= check_partial_date(
                getattr(self, field), getattr(self, f"{field}_precision"), field
            )
        if self.period_start and self.period_end and self.period_end < self.period_start:
            errors["period_end"] = _("The period cannot end before it starts.")
        if self.basis == Basis.CUMULATIVE and (self.period_start or self.period_end):
            errors["basis"] = _(
                "A cumulative figure stands at a date: clear the period or choose increment."
            )
        if self.basis == Basis.INCREMENT:
            if self.as_of:
                errors["as_of"] = _("An increment has a period, not an as-of date.")
            if not self.period_start and not self.period_end:
                errors["period_start"] = _("Enter the period the increment covers.")
        # getattr(self, name), not name_id: an inline outcome on a project's add page is
        # attributed to a project that has no id yet.
        if not any(getattr(self, name) is not None for name in ATTRIBUTIONS):
            errors["project"] = _(
                "Attribute the figure to at least one project, agreement, institution or "
                "enterprise."
            )
        errors |= self.clean_item()
        errors |= self.clean_identifiers()
        if errors:
            raise ValidationError(errors)

    def clean_item(self) -> dict:
        errors = {}
        if self.form == OutcomeForm.ITEM:
            if self.kind not in OutcomeKind.itemisable:
                errors["form"] = _("Only patents, software copyrights and standards are itemised.")
            if self.quantity != 1 or self.qualifier != Qualifier.EXACT or self.unit != Unit.ITEM:
                errors["quantity"] = _(
                    "An itemised record counts exactly one item: quantity 1, exact, unit items."
                )
            if not (
                self.title
                or self.patent_number
                or self.software_copyright_number
                or self.standard_number
            ):
                errors["title"] = _("Give the item's title or its number.")
        elif self.patent_number or self.software_copyright_number or self.standard_number:
            errors["form"] = _("A record with a number is one item: choose itemised record.")
        if self.enterprise_category and self.kind != OutcomeKind.ENTERPRISES_CULTIVATED:
            errors["enterprise_category"] = _(
                "Only counts of enterprises cultivated have an enterprise category."
            )
        if self.kind != OutcomeKind.PATENT and (self.patent_type or self.patent_status):
            errors["patent_type"] = _("Only patents have a patent type and status.")
        if self.kind != OutcomeKind.STANDARD and self.standard_level:
            errors["standard_level"] = _("Only standards have a level.")
        return errors

    def clean_identifiers(self) -> dict:
        """Normalise identifiers, and derive what they imply (patent type, standard level)."""
        errors = {}
        if self.patent_number:
            if self.kind != OutcomeKind.PATENT:
                errors["patent_number"] = _("Only a patent has an application number.")
            try:
                parsed = validators.parse_patent_number(self.patent_number)
            except ValidationError as error:
                errors["patent_number"] = error.messages
            else:
                self.patent_number = parsed.number
                derived = validators.PATENT_TYPE_BY_DIGIT[parsed.type_digit]
                if self.patent_type and self.patent_type != derived:
                    errors["patent_type"] = _(
                        "The application number %(number)s is a %(derived)s patent (type digit "
                        "%(digit)s), not %(chosen)s: correct the number or the type."
                    ) % {
                        "number": parsed.number,
                        "derived": PatentType(derived).label,
                        "digit": parsed.type_digit,
                        "chosen": PatentType(self.patent_type).label,
                    }
                else:
                    self.patent_type = derived
        if self.software_copyright_number:
            if self.kind != OutcomeKind.SOFTWARE_COPYRIGHT:
                errors["software_copyright_number"] = _(
                    "Only a software copyright has this number."
                )
            try:
                validators.validate_software_copyright_number(self.software_copyright_number)
            except ValidationError as error:
                errors["software_copyright_number"] = error.messages
            else:
                self.software_copyright_number = validators.normalize_software_copyright_number(
                    self.software_copyright_number
                )
        if self.standard_number:
            if self.kind != OutcomeKind.STANDARD:
                errors["standard_number"] = _("Only a standard has a standard number.")
            try:
                validators.validate_standard_number(self.standard_number)
            except ValidationError as error:
                errors["standard_number"] = error.messages
            else:
                self.standard_number = validators.normalize_standard_number(self.standard_number)
                derived = validators.standard_level_from_number(self.standard_number)
                if self.standard_level and self.standard_level != derived:
                    errors["standard_level"] = _(
                        "The number %(number)s is a %(derived)s standard, not %(chosen)s."
                    ) % {
                        "number": self.standard_number,
                        "derived": StandardLevel(derived).label,
                        "chosen": StandardLevel(self.standard_level).label,
                    }
                else:
                    self.standard_level = derived
        if (
            self.form == OutcomeForm.ITEM
            and self.kind == OutcomeKind.PATENT
            and not (self.patent_type or errors.get("patent_number"))
        ):
            errors["patent_type"] = _("Choose the patent type or enter the application number.")
        return errors


class Target(Figure):
    """A planned figure ("train 20 principals"): never added to what was achieved.

    A target may have no attributed record when it is the district's own (the "12 bases").
    """

    api_resource = "targets"

    due_on = models.DateField(_("due by"), null=True, blank=True, db_index=True)
    due_on_precision = precision_field(_("due date precision"))
    period_start = models.DateField(_("period start"), null=True, blank=True, db_index=True)
    period_start_precision = precision_field(_("period start precision"))
    quantity_is_stated = models.BooleanField(
        _("the source states a number"),
        default=True,
        help_text=_("Untick for a plan without a number (e.g. recruit graduates every year)."),
        db_index=True,
    )

    class Meta:
        verbose_name = _("target")
        verbose_name_plural = _("targets")
        ordering = ["kind", "id"]
        constraints = [
            precision_constraint("target", "due_on"),
            precision_constraint("target", "period_start"),
            ordered_dates_constraint("target", "period_start", "due_on"),
            models.CheckConstraint(
                condition=Q(quantity__gte=0),
                name="target_quantity_not_negative",
                violation_error_message=_("A quantity cannot be negative."),
            ),
            models.CheckConstraint(
                condition=Q(quantity_is_stated=True) | Q(quantity=0),
                name="target_unstated_quantity_is_zero",
                violation_error_message=_("A target without a stated number has quantity 0."),
            ),
        ]
        indexes = [models.Index(fields=["district", "state"], name="target_district_state")]

    def __str__(self) -> str:
        label = self.description or self.get_kind_display()
        return f"{label}: {self.reported_text or self.quantity}"

    @property
    def due(self) -> PartialDate:
        return PartialDate(self.due_on, self.due_on_precision)

    def clean(self):
        errors = self.clean_figure()
        errors |= check_partial_date(self.due_on, self.due_on_precision, "due_on")
        errors |= check_partial_date(self.period_start, self.period_start_precision, "period_start")
        if self.period_start and self.due_on and self.due_on < self.period_start:
            errors["due_on"] = _("The target cannot be due before its period starts.")
        if not self.quantity_is_stated and self.quantity not in (None, 0):
            errors["quantity"] = _("A target without a stated number has quantity 0.")
        if errors:
            raise ValidationError(errors)
