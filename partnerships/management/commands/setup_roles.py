"""Create or update the five staff role groups with least-privilege permissions.

Idempotent: every run sets each group's permissions to exactly the table below, so a stray
permission added by hand is removed again. Group names are the `StaffRole` keys; a district
role (`DistrictRole`) says where a member may use them (`partnerships.selectors.may`).
"""

from django.contrib.auth.models import Group, Permission
from django.core.management.base import BaseCommand
from django.db import transaction
from django.db.models import Q

from partnerships.choices import StaffRole

# Records staff enter, review and publish.
BUSINESS_MODELS = (
    "partnerships.institution",
    "partnerships.agreement",
    "partnerships.agreementparty",
    "partnerships.project",
    "partnerships.projectparticipant",
    "companies.enterprise",
    "companies.certification",
    "companies.agreemententerprise",
    "companies.projectenterprise",
    "outcomes.outcome",
    "outcomes.target",
)
# Reference data the system administrator keeps; writers only read it, to pick from it.
CONFIGURATION_MODELS = ("partnerships.district", "partnerships.source", "companies.sector")
# Accounts, roles, tokens and the log-in record: the security administrator's domain.
SECURITY_MODELS = (
    "auth.user",
    "auth.group",
    "partnerships.districtrole",
    "partnerships.apitoken",
    "partnerships.passwordstatus",
)
SECURITY_READ_ONLY_MODELS = ("auth.permission", "axes.accesslog", "axes.accessfailurelog")
# The records of what happened; nobody writes them by hand.
TRAIL_MODELS = (
    "partnerships.auditentry",
    "partnerships.deletion",
    "admin.logentry",
    "axes.accessattempt",
)

ALL = ("add", "change", "delete", "view")


def grants(models, actions) -> set[tuple[str, str]]:
    """(app_label, codename) pairs for `actions` on `models` ("app.model")."""
    return {
        (model.split(".")[0], f"{action}_{model.split('.')[1]}")
        for model in models
        for action in actions
    }


# The groups say which kinds of record a role touches; the permission policy
# (`partnerships.selectors`, ROLE_RIGHTS) narrows that to the role's districts and to records in
# the right publication state: an editor's "delete" is for drafts never published, and the
# source rights let writers cite a document nobody has entered yet, and correct or remove the
# sources of their district until a published record cites them.
ROLE_PERMISSIONS = {
    StaffRole.EDITOR: grants(BUSINESS_MODELS, ALL)
    | grants(CONFIGURATION_MODELS, ["view"])
    | grants(["partnerships.source"], ["add", "change", "delete"]),
    StaffRole.PUBLISHER: grants(BUSINESS_MODELS, ALL)
    | grants(CONFIGURATION_MODELS, ["view"])
    | grants(["partnerships.source"], ["add", "change", "delete"]),
    StaffRole.AUDITOR: grants(
        BUSINESS_MODELS
        + CONFIGURATION_MODELS
        + SECURITY_MODELS
        + SECURITY_READ_ONLY_MODELS
        + TRAIL_MODELS,
        ["view"],
    ),
    StaffRole.SECURITY_ADMIN: grants(SECURITY_MODELS, ALL)
    | grants(SECURITY_READ_ONLY_MODELS, ["view"])
    # Districts are chosen when a role is assigned (the district role form's autocomplete).
    | grants(["partnerships.district"], ["view"])
    # Deleting an access attempt is how a locked-out colleague is let in before 30 minutes.
    | grants(["axes.accessattempt"], ["view", "delete"]),
    StaffRole.SYSTEM_ADMIN: grants(BUSINESS_MODELS + CONFIGURATION_MODELS, ALL)
    | grants(["partnerships.deletion"], ["view"]),
}


def permissions_for(role: str):
    pairs = ROLE_PERMISSIONS[role]
    query = Q(pk__in=[])
    for app_label, codename in pairs:
        query |= Q(content_type__app_label=app_label, codename=codename)
    permissions = list(Permission.objects.filter(query))
    if len(permissions) != len(pairs):
        found = {(p.content_type.app_label, p.codename) for p in permissions}
        raise LookupError(f"Missing permissions for {role}: {sorted(pairs - found)}")
    return permissions


class Command(BaseCommand):
    help = "Create or update the staff role groups (editor, publisher, auditor, ...)."

    @transaction.atomic
    def handle(self, *args, **options):
        for role in StaffRole:
            group, created = Group.objects.get_or_create(name=role.value)
            group.permissions.set(permissions_for(role.value))
            state = "创建 / created" if created else "更新 / updated"
            self.stdout.write(
                f"{role.value} ({role.label}): {state}, {len(ROLE_PERMISSIONS[role])} permissions"
            )
