"""Projects and the institutions and district governments that take part in them.

Enterprise participants live in `companies`, which builds on these models.
"""

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from partnerships.choices import (
    Field,
    PartyRole,
    ProjectKind,
    ProjectStatus,
    Qualifier,
)
from partnerships.models.base import (
    PARTNER_ACROSS_DISTRICTS,
    AuditedModel,
    PartialDate,
    PublishableModel,
    ancestor_cycle,
    belongs_to,
    check_partial_date,
    may_cross,
    ordered_dates_constraint,
    precision_constraint,
    precision_field,
    same_district,
)
from partnerships.models.registry import SourcedModel


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
