"""Agreements and the institutions and district governments that are their parties.

Enterprise parties live in `companies`, which builds on these models.
"""

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from partnerships.choices import (
    AgreementKind,
    AgreementStatus,
    PartyRole,
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
