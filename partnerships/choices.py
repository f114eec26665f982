"""Enumerations of the partnership domain (districts, institutions, agreements, projects).

Shared enumerations that every app needs (date precision, qualifiers, publication state) live
here because `partnerships` is the base layer: `companies` and `outcomes` import downward only.
"""

from enum import nonmember

from django.db import models
from django.utils.translation import gettext_lazy as _


class DatePrecision(models.TextChoices):
    """How much of a date the source actually states.

    Sources often give only "2019年3月"; the date column then holds the first day of that month
    and the precision says that the day is unknown, so pages print "2019年3月", never a made-up day.
    """

    YEAR = "year", _("Year")
    MONTH = "month", _("Month")
    DAY = "day", _("Day")


class PublicationState(models.TextChoices):
    """Where a public-facing record is in review; only PUBLISHED records are ever public."""

    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted for review")
    PUBLISHED = "published", _("Published")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class StaffRole(models.TextChoices):
    """What a member of staff may do in a district (separation of duties, 三权分立)."""

    EDITOR = "editor", _("Editor")
    PUBLISHER = "publisher", _("Publisher")
    AUDITOR = "auditor", _("Auditor")
    SECURITY_ADMIN = "security_admin", _("Security administrator")
    SYSTEM_ADMIN = "system_admin", _("System administrator")

    # Roles that may create and change business records of their district (the system
    # administrator may do what a publisher may: see `partnerships.selectors.ROLE_RIGHTS`).
    writers = nonmember(("editor", "publisher", "system_admin"))


class RecordAction(models.TextChoices):
    """What a user may ask to do with a record: the words of the permission policy
    (`partnerships.selectors.may`) and the steps of the review workflow."""

    VIEW = "view", _("View")
    ADD = "add", _("Add")
    CHANGE = "change", _("Change")
    DELETE = "delete", _("Delete")
    SUBMIT = "submit", _("Submit for review")
    PUBLISH = "publish", _("Publish")
    WITHDRAW = "withdraw", _("Withdraw")
    RETURN_TO_DRAFT = "return_to_draft", _("Return to draft")

    # The workflow steps, in the order the back office offers them.
    transitions = nonmember(("submit", "publish", "withdraw", "return_to_draft"))


class AuditAction(models.TextChoices):
    """What an audit entry records: a write to a record, a workflow step or a security event."""

    CREATE = "create", _("Created")
    CHANGE = "change", _("Changed")
    DELETE = "delete", _("Deleted")
    SUBMIT = "submit", _("Submitted for review")
    PUBLISH = "publish", _("Published")
    WITHDRAW = "withdraw", _("Withdrawn")
    RETURN_TO_DRAFT = "return_to_draft", _("Returned to draft")
    LOGIN = "login", _("Logged in")
    LOGIN_FAILED = "login_failed", _("Log-in failed")
    LOCKOUT = "lockout", _("Locked out")
    LOGOUT = "logout", _("Logged out")
    PASSWORD_CHANGE = "password_change", _("Password changed")
    PERMISSION_CHANGE = "permission_change", _("Permissions changed")
    TOKEN_CREATE = "token_create", _("API token created")
    TOKEN_REVOKE = "token_revoke", _("API token revoked")
    IMPORT = "import", _("Spreadsheet imported")
    EXPORT = "export", _("Spreadsheet exported")
    BULK_LOAD = "bulk_load", _("Bulk load")
    PURGE = "purge", _("Audit entries purged")
    BACKUP = "backup", _("Database backed up")
    RESTORE = "restore", _("Database restored")

    record_actions = nonmember(("create", "change", "delete"))


class AuditChannel(models.TextChoices):
    """Where a write came from."""

    ADMIN = "admin", _("Back office")
    API = "api", _("REST API")
    IMPORT = "import", _("Spreadsheet import")
    COMMAND = "command", _("Management command or shell")
    WEB = "web", _("Public site")


class TokenScope(models.TextChoices):
    READ = "read", _("Read only")
    WRITE = "write", _("Read and write")


class Qualifier(models.TextChoices):
    """The qualifier a source puts on a figure; it changes the figure's meaning."""

    EXACT = "exact", _("Exact")
    ABOUT = "about", _("About (约)")
    MORE_THAN = "more_than", _("More than (多/余/以上)")
    NEARLY = "nearly", _("Nearly (近)")


class DistrictLevel(models.TextChoices):
    PROVINCE = "province", _("Province")
    CITY = "city", _("City")
    COUNTY = "county", _("District or county")


class InstitutionKind(models.TextChoices):
    UNIVERSITY = "university", _("University")
    COLLEGE = "college", _("College (学院)")
    KEY_LABORATORY = "key_laboratory", _("Key laboratory (重点实验室)")
    SCIENCE_PARK = "science_park", _("Science park (科技园)")
    RESEARCH_INSTITUTE = "research_institute", _("Research institute")
    TRAINING_BODY = "training_body", _("Training body (e.g. cadre academy, party school)")
    SCHOOL = "school", _("School")
    OTHER = "other", _("Other")

    # Kinds that only exist inside a parent institution.
    sub_unit_kinds = nonmember(("college", "key_laboratory", "science_park"))


class Field(models.TextChoices):
    """Field of cooperation, as the district reports them."""

    BIG_DATA_IT = "big_data_it", _("Big data and information technology")
    BIOTECH = "biotech", _("Biotechnology")
    MODERN_AGRICULTURE = "modern_agriculture", _("Modern agriculture")
    ENERGY_ENVIRONMENT = "energy_environment", _("Energy saving and environmental protection")
    INTELLIGENT_MANUFACTURING = "intelligent_manufacturing", _("Intelligent manufacturing")
    NEW_MATERIALS = "new_materials", _("New materials")
    EDUCATION = "education", _("Education")
    GOVERNANCE = "governance", _("Governance and cadre training")
    INNOVATION_SERVICES = "innovation_services", _("Innovation and entrepreneurship services")
    OTHER = "other", _("Other")


class AgreementKind(models.TextChoices):
    FRAMEWORK = "framework", _("Framework agreement")
    CO_BUILD = "co_build", _("Co-build agreement")
    COOPERATION = "cooperation", _("Cooperation agreement")
    TRAINING = "training", _("Training agreement")
    OTHER = "other", _("Other")


class AgreementStatus(models.TextChoices):
    SIGNED = "signed", _("Signed")
    IN_FORCE = "in_force", _("In force")
    COMPLETED = "completed", _("Completed")
    TERMINATED = "terminated", _("Terminated")
    UNKNOWN = "unknown", _("Not stated")


class PartyRole(models.TextChoices):
    """Role of a party to an agreement or a participant in a project."""

    GOVERNMENT = "government", _("Government")
    LEAD = "lead", _("Lead")
    PARTNER = "partner", _("Partner")
    ENTERPRISE = "enterprise", _("Enterprise")
    SPONSOR = "sponsor", _("Sponsor (funder)")
    OPERATOR = "operator", _("Operator")
    EXPERT_PROVIDER = "expert_provider", _("Provides experts")
    RESIDENT = "resident", _("Resident enterprise")


class ProjectKind(models.TextChoices):
    RD_COOPERATION = "rd_cooperation", _("R&D cooperation")
    IUR_PROJECT = "iur_project", _("Industry-university-research project")
    BASE_PLATFORM = "base_platform", _("Co-built base or platform")
    INCUBATOR = "incubator", _("Incubator")
    JOINT_LAB = "joint_lab", _("Joint laboratory")
    TRAINING_PROGRAMME = "training_programme", _("Training programme")
    PRACTICE_BASE = "practice_base", _("Practice base")
    DEMONSTRATION_BASE = "demonstration_base", _("Demonstration base")
    EDUCATION_PROGRAMME = "education_programme", _("Education programme")
    STANDARD_DRAFTING = "standard_drafting", _("Standard drafting")


class ProjectStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    ONGOING = "ongoing", _("Ongoing")
    COMPLETED = "completed", _("Completed")
    SUSPENDED = "suspended", _("Suspended")
    UNKNOWN = "unknown", _("Not stated")
