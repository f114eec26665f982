"""Enterprises, their certifications, and their part in agreements and projects.

Builds on `partnerships`: an enterprise belongs to a district and may come out of an
institution's incubator. Enterprise parties of agreements and projects live here, not in
`partnerships`, so that the base layer never refers upward.
"""

import datetime

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from companies import validators as company_validators
from companies.choices import CertificationKind, RecognitionLevel, SpecialisedTier
from partnerships import validators
from partnerships.choices import PartyRole
from partnerships.models import (
    PARTNER_ACROSS_DISTRICTS,
    AuditedModel,
    PartialDate,
    PublishableModel,
    SourcedModel,
    TimeStampedModel,
    belongs_to,
    blank_unique_constraint,
    check_partial_date,
    may_cross,
    precision_constraint,
    precision_field,
    same_district,
)

HIGH_TECH_VALIDITY_YEARS = 3


class Sector(AuditedModel):
    """A GB/T 4754-2017 industry class; the table ships as data (no package publishes it)."""

    code = models.CharField(
        _("code"),
        max_length=5,
        unique=True,
        validators=[company_validators.validate_gbt4754_code],
    )
    name = models.CharField(_("name"), max_length=200)
    name_en = models.CharField(_("English name"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("industry sector (GB/T 4754)")
        verbose_name_plural = _("industry sectors (GB/T 4754)")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Enterprise(PublishableModel, SourcedModel):
    """A company in a district that cooperates with institutions."""

    api_resource = "enterprises"
    district_links = {
        "incubator": may_cross(
            "an enterprise may come out of any district's university incubator, as partners do "
            "(see PARTNER_ACROSS_DISTRICTS)"
        ),
        # The base it was brought into is one of its own district's projects; otherwise another
        # district could add enterprises to a project's page.
        "incubator_project": same_district(_("The incubator project belongs to another district.")),
    }

    name = models.CharField(_("name"), max_length=200)
    name_en = models.CharField(_("English name"), max_length=300, blank=True)
    uscc = models.CharField(
        _("unified social credit code"),
        max_length=30,
        blank=True,
        validators=[validators.validate_uscc],
        help_text=_("18 characters from the business licence, e.g. 91370000728611939A."),
    )
    district = models.ForeignKey(
        "partnerships.District",
        verbose_name=_("district"),
        on_delete=models.PROTECT,
        related_name="enterprises",
    )
    sector = models.ForeignKey(
        "companies.Sector",
        verbose_name=_("sector"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="enterprises",
    )
    founded_on = models.DateField(_("founding date"), null=True, blank=True, db_index=True)
    founded_on_precision = precision_field(_("founding date precision"))
    incubator = models.ForeignKey(
        "partnerships.Institution",
        verbose_name=_("incubated by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="incubated_enterprises",
        help_text=_("The science park or institution whose incubator the enterprise came from."),
    )
    incubator_project = models.ForeignKey(
        "partnerships.Project",
        verbose_name=_("incubator project"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="incubated_enterprises",
        help_text=_("The co-built incubator or base the enterprise was brought into."),
    )
    address = models.CharField(_("address"), max_length=300, blank=True)
    website = models.URLField(_("website"), blank=True)
    description = models.TextField(_("description"), blank=True)

    class Meta:
        verbose_name = _("enterprise")
        verbose_name_plural = _("enterprises")
        ordering = ["name"]
        constraints = [
            blank_unique_constraint(
                "enterprise",
                "uscc",
                _("Another enterprise already has this unified social credit code."),
            ),
            models.UniqueConstraint(
                fields=["district", "name"],
                name="enterprise_name_unique_in_district",
                violation_error_message=_("This district already has an enterprise of this name."),
            ),
            precision_constraint("enterprise", "founded_on"),
        ]
        indexes = [models.Index(fields=["district", "state"], name="enterprise_district_state")]

    def __str__(self) -> str:
        return self.name

    @property
    def founded(self) -> PartialDate:
        return PartialDate(self.founded_on, self.founded_on_precision)

    def clean(self):
        self.uscc = validators.normalize_uscc(self.uscc) if self.uscc else ""
        errors = self.clean_source() | self.clean_district_links()
        errors |= check_partial_date(self.founded_on, self.founded_on_precision, "founded_on")
        if errors:
            raise ValidationError(errors)

    def uscc_warning(self) -> str | None:
        """Enterprises register with market regulation, so their codes normally start with 9."""
        if not self.uscc:
            return None
        return validators.uscc_warning(self.uscc, expected_prefixes="9")


class Certification(AuditedModel, TimeStampedModel, SourcedModel):
    """A label an enterprise holds for a time: high-tech, tech SME, 专精特新, NEEQ, an honour.

    "Is high-tech" is a certificate valid on a date (three years from issue), never a stored flag.
    """

    district_links = {"enterprise": belongs_to()}

    enterprise = models.ForeignKey(
        "companies.Enterprise",
        verbose_name=_("enterprise"),
        on_delete=models.CASCADE,
        related_name="certifications",
    )
    kind = models.CharField(
        _("kind"), max_length=20, choices=CertificationKind.choices, db_index=True
    )
    tier = models.CharField(
        _("专精特新 tier"), max_length=20, choices=SpecialisedTier.choices, blank=True
    )
    level = models.CharField(
        _("level"), max_length=20, choices=RecognitionLevel.choices, blank=True
    )
    title = models.CharField(
        _("title"),
        max_length=200,
        blank=True,
        help_text=_(
            "The name of an honour as the source gives it, e.g. 农业产业化省级重点龙头企业."
        ),
    )
    certificate_number = models.CharField(
        _("certificate number"),
        max_length=30,
        blank=True,
        help_text=_("High-tech certificates: GR + year + province + serial, e.g. GR202311004043."),
    )
    issued_on = models.DateField(_("issue date"), null=True, blank=True)
    issued_on_precision = precision_field(_("issue date precision"))
    year = models.PositiveSmallIntegerField(
        _("year"), null=True, blank=True, help_text=_("Evaluation or award year.")
    )
    last_year = models.PositiveSmallIntegerField(
        _("last year held"),
        null=True,
        blank=True,
        help_text=_("For a title held several years running, the last year (e.g. 2017–2020)."),
    )
    batch = models.CharField(
        _("batch"), max_length=50, blank=True, help_text=_("MIIT batch of a 小巨人 listing.")
    )
    stock_code = models.CharField(
        _("stock code"),
        max_length=6,
        blank=True,
        validators=[company_validators.validate_neeq_stock_code],
    )

    class Meta:
        verbose_name = _("certification")
        verbose_name_plural = _("certifications")
        ordering = ["enterprise", "kind", "issued_on"]
        constraints = [
            precision_constraint("certification", "issued_on"),
            models.CheckConstraint(
                condition=Q(last_year__isnull=True)
                | (Q(year__isnull=False) & Q(last_year__gte=models.F("year"))),
                name="certification_years_ordered",
                violation_error_message=_("The last year cannot be before the first year."),
            ),
            models.CheckConstraint(
                condition=Q(tier="") | Q(kind=CertificationKind.SPECIALISED),
                name="certification_tier_only_specialised",
                violation_error_message=_("Only a 专精特新 certification has a tier."),
            ),
        ]

    def __str__(self) -> str:
        label = self.title or self.get_tier_display() or self.get_kind_display()
        return f"{self.enterprise} · {label}"

    def audit_district_id(self) -> int | None:
        return self.enterprise.district_id

    @property
    def issued(self) -> PartialDate:
        return PartialDate(self.issued_on, self.issued_on_precision)

    @property
    def valid_until(self) -> datetime.date | None:
        """High-tech certificates are valid three years from issue; other labels have no end."""
        if self.kind != CertificationKind.HIGH_TECH or self.issued_on is None:
            return None
        issued = self.issued_on
        try:
            return issued.replace(year=issued.year + HIGH_TECH_VALIDITY_YEARS)
        except ValueError:  # 29 February
            return issued.replace(year=issued.year + HIGH_TECH_VALIDITY_YEARS, day=28)

    def is_valid_on(self, day: datetime.date) -> bool:
        if self.issued_on is not None and day < self.issued_on:
            return False
        end = self.valid_until
        return end is None or day < end

    def clean(self):
        errors = self.clean_source()
        errors |= check_partial_date(self.issued_on, self.issued_on_precision, "issued_on")
        if self.certificate_number:
            self.certificate_number = self.certificate_number.strip().upper().replace(" ", "")
            if self.kind == CertificationKind.HIGH_TECH:
                try:
                    company_validators.validate_high_tech_certificate_number(
                        self.certificate_number
                    )
                except ValidationError as error:
                    errors["certificate_number"] = error.messages
        if self.kind == CertificationKind.SPECIALISED and not self.tier:
            errors["tier"] = _("Choose the 专精特新 tier (innovative SME, SME or little giant).")
        if self.tier and self.kind != CertificationKind.SPECIALISED:
            errors["tier"] = _("Only a 专精特新 certification has a tier.")
        if self.kind == CertificationKind.TECH_SME and self.year is None:
            errors["year"] = _("A tech SME evaluation is yearly: enter the year.")
        if self.kind == CertificationKind.HONOUR and not self.title:
            errors["title"] = _("Enter the name of the title or honour as the source gives it.")
        if self.stock_code and self.kind != CertificationKind.NEEQ_LISTING:
            errors["stock_code"] = _("Only a NEEQ listing has a stock code.")
        if self.level and self.kind not in CertificationKind.levelled:
            errors["level"] = _("Only 专精特新 and honours have a level.")
        if self.last_year is not None and (self.year is None or self.last_year < self.year):
            errors["last_year"] = _("The last year cannot be before the first year.")
        if errors:
            raise ValidationError(errors)


class AgreementEnterprise(AuditedModel):
    """An enterprise as a party to an agreement."""

    district_links = {
        "agreement": belongs_to(),
        "enterprise": may_cross(PARTNER_ACROSS_DISTRICTS),
    }

    agreement = models.ForeignKey(
        "partnerships.Agreement",
        verbose_name=_("agreement"),
        on_delete=models.CASCADE,
        related_name="enterprise_parties",
    )
    enterprise = models.ForeignKey(
        "companies.Enterprise",
        verbose_name=_("enterprise"),
        on_delete=models.PROTECT,
        related_name="agreement_parties",
    )
    role = models.CharField(_("role"), max_length=20, choices=PartyRole.choices)
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("enterprise party")
        verbose_name_plural = _("enterprise parties")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["agreement", "enterprise"],
                name="agreement_enterprise_once",
                violation_error_message=_("This enterprise is already a party."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.enterprise} ({self.get_role_display()})"

    def audit_district_id(self) -> int | None:
        return self.agreement.district_id


class ProjectEnterprise(AuditedModel):
    """An enterprise taking part in a project."""

    district_links = {
        "project": belongs_to(),
        "enterprise": may_cross(PARTNER_ACROSS_DISTRICTS),
    }

    project = models.ForeignKey(
        "partnerships.Project",
        verbose_name=_("project"),
        on_delete=models.CASCADE,
        related_name="enterprise_participants",
    )
    enterprise = models.ForeignKey(
        "companies.Enterprise",
        verbose_name=_("enterprise"),
        on_delete=models.PROTECT,
        related_name="project_participations",
    )
    role = models.CharField(_("role"), max_length=20, choices=PartyRole.choices)
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("enterprise participant")
        verbose_name_plural = _("enterprise participants")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "enterprise"],
                name="project_enterprise_once",
                violation_error_message=_("This enterprise already takes part."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.enterprise} ({self.get_role_display()})"

    def audit_district_id(self) -> int | None:
        return self.project.district_id
