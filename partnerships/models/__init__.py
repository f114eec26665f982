"""The registry's models, by topic; every public name is importable from here.

Django finds the models of a package through these imports.
"""

from partnerships.models.accounts import (
    ApiToken,
    ApiTokenQuerySet,
    DistrictRole,
    PasswordStatus,
)
from partnerships.models.agreements import (
    Agreement,
    AgreementParty,
)
from partnerships.models.audit import (
    AuditEntry,
    AuditEntryQuerySet,
    DataVersion,
    DataVersionQuerySet,
)
from partnerships.models.base import (
    KNOWN_REFERENCES,
    PARTNER_ACROSS_DISTRICTS,
    AuditedModel,
    AuditedQuerySet,
    DatabaseBusy,
    Deletion,
    DistrictLink,
    PartialDate,
    PublishableModel,
    PublishableQuerySet,
    TimeStampedModel,
    ancestor_cycle,
    belongs_to,
    blank_unique_constraint,
    check_partial_date,
    may_cross,
    ordered_dates_constraint,
    precision_constraint,
    precision_field,
    recording_failures,
    same_district,
)
from partnerships.models.projects import (
    Project,
    ProjectParticipant,
)
from partnerships.models.registry import (
    District,
    Institution,
    Source,
    SourcedModel,
)

__all__ = [
    "KNOWN_REFERENCES",
    "PARTNER_ACROSS_DISTRICTS",
    "Agreement",
    "AgreementParty",
    "ApiToken",
    "ApiTokenQuerySet",
    "AuditEntry",
    "AuditEntryQuerySet",
    "AuditedModel",
    "AuditedQuerySet",
    "DataVersion",
    "DataVersionQuerySet",
    "DatabaseBusy",
    "Deletion",
    "District",
    "DistrictLink",
    "DistrictRole",
    "Institution",
    "PartialDate",
    "PasswordStatus",
    "Project",
    "ProjectParticipant",
    "PublishableModel",
    "PublishableQuerySet",
    "Source",
    "SourcedModel",
    "TimeStampedModel",
    "ancestor_cycle",
    "belongs_to",
    "blank_unique_constraint",
    "check_partial_date",
    "may_cross",
    "ordered_dates_constraint",
    "precision_constraint",
    "precision_field",
    "recording_failures",
    "same_district",
]
