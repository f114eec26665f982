"""Districts, source documents and institutions: the base of the registry."""

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from partnerships import validators
from partnerships.choices import (
    DistrictLevel,
    InstitutionKind,
)
from partnerships.models.base import (
    AuditedModel,
    PartialDate,
    PublishableModel,
    TimeStampedModel,
    ancestor_cycle,
    blank_unique_constraint,
    check_partial_date,
    may_cross,
    precision_constraint,
    precision_field,
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
