"""Enumerations for outcomes and targets."""

from enum import nonmember

from django.db import models
from django.utils.translation import gettext_lazy as _


class OutcomeForm(models.TextChoices):
    """An itemised record (one patent) or a figure a source reports (20 invention patents)."""

    ITEM = "item", _("Itemised record")
    REPORTED = "reported", _("Reported figure")


class OutcomeKind(models.TextChoices):
    PATENT = "patent", _("Patents")
    SOFTWARE_COPYRIGHT = "software_copyright", _("Software copyrights")
    STANDARD = "standard", _("Standards")
    REVENUE = "revenue", _("Revenue")
    ECONOMIC_BENEFIT = "economic_benefit", _("Economic benefit")
    SALES_VALUE = "sales_value", _("Value of goods supplied")
    TRAINEES = "trainees", _("Trainees")
    TALENTS = "talents", _("Talents introduced")
    EXPERTS = "experts", _("Experts engaged")
    ENTERPRISES_CULTIVATED = "enterprises_cultivated", _("Enterprises cultivated")
    PROJECTS_INTRODUCED = "projects_introduced", _("Projects introduced")
    EMPLOYEES = "employees", _("People employed")
    UNITS_DEPLOYED = "units_deployed", _("Units deployed")
    INSTITUTIONS_SERVED = "institutions_served", _("Institutions served")
    USERS_SERVED = "users_served", _("Users served")
    SERVICE_USES = "service_uses", _("Service uses")
    COURSES = "courses", _("Courses and classes")
    PLATFORMS_BUILT = "platforms_built", _("Bases, platforms and studios built")
    OTHER = "other", _("Other")

    # Kinds that can be itemised (one record per patent, copyright or standard).
    itemisable = nonmember(("patent", "software_copyright", "standard"))
    # 知识产权 as the district counts it: patents and software copyrights.
    intellectual_property = nonmember(("patent", "software_copyright"))


class Unit(models.TextChoices):
    YUAN = "yuan", _("yuan")
    YUAN_PER_MONTH = "yuan_per_month", _("yuan per month")
    ITEM = "item", _("items (项)")
    PERSON = "person", _("people (人)")
    PERSON_TIME = "person_time", _("person-times (人次)")
    ENTERPRISE = "enterprise", _("enterprises (家)")
    PROJECT = "project", _("projects (个)")
    SET = "set", _("sets (套)")
    INSTITUTION = "institution", _("institutions (所)")
    USE = "use", _("uses (次)")
    CLASS = "class", _("classes (班)")
    COURSE = "course", _("courses (门)")
    FACILITY = "facility", _("bases or studios (个)")
    VARIETY = "variety", _("varieties (种)")
    TONNE_PER_MONTH = "tonne_per_month", _("tonnes per month")
    PERCENT = "percent", _("per cent")

    money = nonmember(("yuan", "yuan_per_month"))


class Basis(models.TextChoices):
    """Whether a figure is a running total at a date or what was added during a period."""

    CUMULATIVE = "cumulative", _("Cumulative as of a date")
    INCREMENT = "increment", _("Increment for a period")


class PatentType(models.TextChoices):
    INVENTION = "invention", _("Invention (发明)")
    UTILITY_MODEL = "utility_model", _("Utility model (实用新型)")
    DESIGN = "design", _("Design (外观设计)")


class PatentStatus(models.TextChoices):
    FILED = "filed", _("Filed (申请)")
    EXAMINATION = "examination", _("In substantive examination (实质审查)")
    GRANTED = "granted", _("Granted (授权)")


class StandardLevel(models.TextChoices):
    NATIONAL = "national", _("National (GB)")
    INDUSTRY = "industry", _("Industry")
    LOCAL = "local", _("Local (DB)")
    GROUP = "group", _("Group (T/)")
    ENTERPRISE = "enterprise", _("Enterprise (Q/)")


class EnterpriseCategory(models.TextChoices):
    """What kind of enterprise a count of "enterprises cultivated" counts."""

    HIGH_TECH = "high_tech", _("High-tech enterprises")
    TECH_SME = "tech_sme", _("Technology-based SMEs")
    SPECIALISED = "specialised", _("专精特新 enterprises")
    OTHER = "other", _("Other enterprises")


# Units a kind may be counted in; a figure in any other unit is a data-entry mistake.
ALLOWED_UNITS = {
    OutcomeKind.PATENT: {Unit.ITEM},
    OutcomeKind.SOFTWARE_COPYRIGHT: {Unit.ITEM},
    OutcomeKind.STANDARD: {Unit.ITEM},
    OutcomeKind.REVENUE: {Unit.YUAN, Unit.YUAN_PER_MONTH},
    OutcomeKind.ECONOMIC_BENEFIT: {Unit.YUAN},
    OutcomeKind.SALES_VALUE: {Unit.YUAN, Unit.YUAN_PER_MONTH},
    OutcomeKind.TRAINEES: {Unit.PERSON, Unit.PERSON_TIME},
    OutcomeKind.TALENTS: {Unit.PERSON},
    OutcomeKind.EXPERTS: {Unit.PERSON},
    OutcomeKind.ENTERPRISES_CULTIVATED: {Unit.ENTERPRISE},
    OutcomeKind.PROJECTS_INTRODUCED: {Unit.PROJECT},
    OutcomeKind.EMPLOYEES: {Unit.PERSON},
    OutcomeKind.UNITS_DEPLOYED: {Unit.SET},
    OutcomeKind.INSTITUTIONS_SERVED: {Unit.INSTITUTION},
    OutcomeKind.USERS_SERVED: {Unit.PERSON},
    OutcomeKind.SERVICE_USES: {Unit.USE},
    OutcomeKind.COURSES: {Unit.CLASS, Unit.COURSE},
    OutcomeKind.PLATFORMS_BUILT: {Unit.FACILITY},
    OutcomeKind.OTHER: set(Unit),
}
