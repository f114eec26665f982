"""Reads shared by every interface: what a member of staff may do with which record (the
permission policy), and what the public pages list, count and show."""

from collections import defaultdict
from typing import NamedTuple

from django.apps import apps
from django.contrib.auth.models import Group, Permission
from django.db import connection
from django.db.models import Count, F, Prefetch, Q, QuerySet
from django.db.models.functions import Coalesce, ExtractYear, Greatest
from django.utils.translation import gettext as _

from partnerships.choices import PublicationState, RecordAction, StaffRole
from partnerships.models import (
    Agreement,
    AgreementParty,
    District,
    DistrictRole,
    Institution,
    Project,
    ProjectParticipant,
    PublishableModel,
    Source,
)

# ---------------------------------------------------------------------------------------------
# Permission policy. The admin, the API and the spreadsheet import ask these
# functions, and only these, what a user may do:
#
#   district_roles(user)              {district id: frozenset of roles}, memoised on the user
#   may(user, action, record)         True or False for one record (an unsaved one for "add")
#   why_not(user, action, record)     why `may` says no (a Refusal: code and message), or None
#   may_add(user, model, district_id) a new record of `model` in that district
#   may_anywhere(user, action)        the user's roles allow `action` in some district
#   policy_covers(model)              whether the policy speaks about `model` at all
#   district_ids_for(user, action)    districts where a role allows `action`; None: all of them
#   back_office_records(user, qs)     the rows of `qs` the user's back-office lists show
#   choices_for(user, model, field, qs)  what a foreign key `field` of `model` may point at
#   attributed_figures(record)        the outcomes and targets attributed to a record
#
# Rules:
# - A superuser may do everything; an inactive or anonymous user nothing here (the public reads
#   published records through `published()` and `public()`, not through this policy).
# - Rights come from district roles (DistrictRole). A role in a province or a city covers every
#   district whose code lies under it (a role in 140000 山西省 covers 140105 小店区), so one
#   deployment serves a province with a few rows.
# - A business record (institution, agreement, project, enterprise, outcome, target) has its
#   own district and publication state; ROLE_RIGHTS says what each role may do with it by state.
#   The system administrator may do what a publisher may: setup_roles gives the role every
#   business-model permission so that it can repair data; it is the only role that changes
#   reference data.
# - A row that belongs to a record (a party, a participant, a certification) follows it:
#   viewing the row is viewing the record; adding, changing or deleting it is changing the record.
# - Reference data (districts, sectors, sources) is shared by every district: anyone with a role
#   reads it (to pick from it), only a system administrator changes it. A source added by a
#   district's writer is that district's (`Source.district`): its writers may change or delete
#   it until a published record cites it (then it is public, and a system administrator's).
#   A district itself is changed only by a system administrator whose role covers it.
# - Accounts (users, district roles, API tokens) belong to the districts of their roles. A
#   security administrator manages those of the districts his role covers (and accounts with no
#   role yet, so that a new colleague can be given one); an auditor of those districts reads
#   them. Nobody but a superuser sees or touches a superuser, changes the role groups, or grants
#   a role to himself; a token belongs to whoever creates it (ACCOUNT_RIGHTS below).
# Django's model permissions (the role groups, `manage.py setup_roles`) still gate the admin as
# they always do; this policy narrows them to districts and publication states.
# ---------------------------------------------------------------------------------------------

VIEW = RecordAction.VIEW
ADD = RecordAction.ADD
CHANGE = RecordAction.CHANGE
DELETE = RecordAction.DELETE
SUBMIT = RecordAction.SUBMIT
PUBLISH = RecordAction.PUBLISH
WITHDRAW = RecordAction.WITHDRAW
RETURN_TO_DRAFT = RecordAction.RETURN_TO_DRAFT

DRAFT = PublicationState.DRAFT
SUBMITTED = PublicationState.SUBMITTED
PUBLISHED = PublicationState.PUBLISHED
WITHDRAWN = PublicationState.WITHDRAWN
ANY_STATE = frozenset(PublicationState.values)


class Transition(NamedTuple):
    sources: frozenset
    target: str


# The review workflow: the states each step leaves from and the state it leads to. A withdrawn
# record is corrected by an editor and submitted again.
TRANSITIONS = {
    SUBMIT: Transition(frozenset({DRAFT, WITHDRAWN}), SUBMITTED),
    PUBLISH: Transition(frozenset({SUBMITTED}), PUBLISHED),
    WITHDRAW: Transition(frozenset({PUBLISHED}), WITHDRAWN),
    RETURN_TO_DRAFT: Transition(frozenset({SUBMITTED}), DRAFT),
}

_PUBLISHER_RIGHTS = {
    VIEW: ANY_STATE,
    ADD: frozenset({DRAFT}),
    CHANGE: ANY_STATE,
    # A published record leaves the public by a withdrawal first, never by a silent delete.
    DELETE: frozenset({DRAFT, SUBMITTED, WITHDRAWN}),
    SUBMIT: ANY_STATE,
    PUBLISH: ANY_STATE,
    WITHDRAW: ANY_STATE,
    RETURN_TO_DRAFT: ANY_STATE,
}
# What each role may do with a business record of its district, by the record's state (for the
# workflow steps, TRANSITIONS also limits the state). A role not listed for an action may not.
ROLE_RIGHTS: dict[str, dict[str, frozenset]] = {
    StaffRole.EDITOR: {
        VIEW: ANY_STATE,
        ADD: frozenset({DRAFT}),  # new records are drafts
        CHANGE: frozenset({DRAFT, WITHDRAWN}),
        DELETE: frozenset({DRAFT}),  # never published: EDITOR_DELETES_ONLY_NEVER_PUBLISHED
        SUBMIT: ANY_STATE,
    },
    StaffRole.PUBLISHER: _PUBLISHER_RIGHTS,
    StaffRole.SYSTEM_ADMIN: _PUBLISHER_RIGHTS,
    StaffRole.AUDITOR: {VIEW: ANY_STATE},
    StaffRole.SECURITY_ADMIN: {},
}
# An editor deletes only what the public never saw: removing a record that was public is a
# publisher's decision, and the API deletions feed announces it.
EDITOR_DELETES_ONLY_NEVER_PUBLISHED = frozenset({StaffRole.EDITOR})

WRITERS = frozenset(StaffRole.writers)
SYSTEM_ADMIN_ONLY = frozenset({StaffRole.SYSTEM_ADMIN})
# Shared reference data, by model label: the roles that may add, change and delete it. Every
# role may view it.
REFERENCE_RIGHTS: dict[str, dict[str, frozenset]] = {
    "partnerships.district": dict.fromkeys((ADD, CHANGE, DELETE), SYSTEM_ADMIN_ONLY),
    "companies.sector": dict.fromkeys((ADD, CHANGE, DELETE), SYSTEM_ADMIN_ONLY),
    # Shared sources (no district) and cited ones; a district's writers also add sources for
    # their district and change or delete them while no published record cites them
    # (SOURCE_OWNER_ACTIONS, `_source_refusal`).
    "partnerships.source": dict.fromkeys((ADD, CHANGE, DELETE), SYSTEM_ADMIN_ONLY),
}
SOURCE_OWNER_ACTIONS = frozenset({ADD, CHANGE, DELETE})
# Rows that belong to a record, by model label: the foreign key naming that record. Labels, not
# imports: this base layer never imports `companies` (import-linter contracts).
CHILD_PARENTS = {
    "partnerships.agreementparty": "agreement",
    "partnerships.projectparticipant": "project",
    "companies.certification": "enterprise",
    "companies.agreemententerprise": "agreement",
    "companies.projectenterprise": "project",
}

# Accounts, by model label: users, their district roles, their API tokens, and the role groups
# (which `setup_roles` keeps; only a superuser changes them by hand).
ACCOUNT_MODELS = frozenset(
    {"auth.user", "auth.group", "partnerships.districtrole", "partnerships.apitoken"}
)
# What each role may do with the accounts of the districts it is held in. Other roles have no
# business with accounts (the role groups give them no permission on these models either).
ACCOUNT_RIGHTS: dict[str, frozenset] = {
    StaffRole.SECURITY_ADMIN: frozenset({VIEW, ADD, CHANGE, DELETE}),
    StaffRole.AUDITOR: frozenset({VIEW}),
}

_MEMO = "_registry_district_roles"


def _active(user) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_active)


def district_roles(user) -> dict[int, frozenset[str]]:
    """The user's roles in each district, a role in a province or city spread over its districts.

    One query (two when a role is held in a province or a city), then memoised on the user
    object, which lives for one request; `forget_district_roles` drops the memo.
    """
    if not _active(user):
        return {}
    memo = getattr(user, _MEMO, None)
    if memo is not None:
        return memo
    roles: dict[int, set[str]] = defaultdict(set)
    covering: dict[str, set[str]] = defaultdict(set)
    for district_id, code, role in DistrictRole.objects.filter(user=user).values_list(
        "district_id", "district__code", "role"
    ):
        roles[district_id].add(role)
        prefix = District.covered_prefix(code)
        if prefix:
            covering[prefix].add(role)
    if covering:
        under = Q(pk__in=[])
        for prefix in covering:
            under |= Q(code__startswith=prefix)
        for district_id, code in District.objects.filter(under).values_list("id", "code"):
            for prefix, covered_roles in covering.items():
                if code.startswith(prefix):
                    roles[district_id] |= covered_roles
    memo = {district_id: frozenset(held) for district_id, held in roles.items()}
    setattr(user, _MEMO, memo)
    return memo


def forget_district_roles(user) -> None:
    """Drop the memo after the user's roles changed (within one request or test)."""
    if hasattr(user, _MEMO):
        delattr(user, _MEMO)


def _roles_allowing(roles, action: str) -> set[str]:
    return {role for role in roles if action in ROLE_RIGHTS.get(role, {})}


def district_ids_for(user, action: str, rights=ROLE_RIGHTS) -> set[int] | None:
    """Districts where one of the user's roles allows `action` on some record (by `rights`: the
    business records' table, or ACCOUNT_RIGHTS for accounts); None: every one."""
    if not _active(user):
        return set()
    if user.is_superuser:
        return None
    return {
        district_id
        for district_id, roles in district_roles(user).items()
        if any(action in rights.get(role, ()) for role in roles)
    }


def may_anywhere(user, action: str) -> bool:
    """Whether the user's roles allow `action` on records of some district (menus, actions)."""
    district_ids = district_ids_for(user, action)
    return district_ids is None or bool(district_ids)


def writable_district_ids(user) -> set[int] | None:
    """Districts whose records the user may create and change; None means every district."""
    return district_ids_for(user, CHANGE)


def districts_for(user) -> QuerySet:
    district_ids = writable_district_ids(user)
    if district_ids is None:
        return District.objects.all()
    return District.objects.filter(id__in=district_ids)


class Refusal(NamedTuple):
    """Why the policy says no: a translated message, and a code that tells an interface how to
    answer (`NOT_YOURS`: as if the record did not exist, 404; `FORBIDDEN`: 403; `WRONG_STATE`:
    the workflow step does not apply to the record's state, 409 in the API)."""

    code: str
    message: str

    def __str__(self) -> str:
        return self.message


NOT_YOURS = "not_yours"
FORBIDDEN = "forbidden"
WRONG_STATE = "wrong_state"


def _roles_label(roles) -> str:
    return "、".join(str(StaffRole(role).label) for role in sorted(roles)) or _("none")


def _state_label(state: str) -> str:
    return str(PublicationState(state).label)


def _business_refusal(user, action: str, record) -> Refusal | None:
    roles = district_roles(user).get(record.district_id, frozenset())
    if not _roles_allowing(roles, VIEW):
        return Refusal(NOT_YOURS, _("This record belongs to a district you hold no role in."))
    if action == ADD and record.state != DRAFT:
        return Refusal(
            FORBIDDEN, _("A new record is always a draft; it is published after review.")
        )
    able = _roles_allowing(roles, action)
    if not able:
        return Refusal(
            FORBIDDEN,
            _("Your role in this district (%(roles)s) does not allow this: %(action)s.")
            % {"roles": _roles_label(roles), "action": RecordAction(action).label},
        )
    if action in TRANSITIONS and record.state not in TRANSITIONS[action].sources:
        return Refusal(
            WRONG_STATE,
            _("“%(step)s” is not possible for a record that is %(state)s.")
            % {"step": RecordAction(action).label, "state": _state_label(record.state)},
        )
    for role in able:
        if record.state not in ROLE_RIGHTS[role][action]:
            continue
        if (
            action == DELETE
            and role in EDITOR_DELETES_ONLY_NEVER_PUBLISHED
            and record.first_published_at is not None
        ):
            continue
        return None
    if action == DELETE and record.state == PUBLISHED:
        message = _("A published record cannot be deleted; withdraw it first.")
    elif action == DELETE:
        message = _(
            "This record has been submitted or was public once; only a publisher of its "
            "district may delete it."
        )
    else:
        message = _("This record is %(state)s; only a publisher of its district may change it.") % {
            "state": _state_label(record.state)
        }
    return Refusal(FORBIDDEN, message)


def _district_refusal(user, action: str, district) -> Refusal | None:
    """A district is changed only by a system administrator whose role covers it (a county's
    cannot rename its city or its neighbour); a new one only where such a role would cover it."""
    if action == ADD:
        if not district.code:
            return None  # the form asks for the code, and asks again
        code = district.code
        covering = {code, f"{code[:4]}00", f"{code[:2]}0000"}  # itself, its city, its province
        district_ids = District.objects.filter(code__in=covering).values_list("id", flat=True)
    else:
        district_ids = [district.pk]
    roles = district_roles(user)
    if any(StaffRole.SYSTEM_ADMIN in roles.get(district_id, ()) for district_id in district_ids):
        return None
    return Refusal(
        FORBIDDEN,
        _(
            "Only a system administrator of %(district)s, or of the city or province it "
            "belongs to, may add or change this district."
        )
        % {"district": district.code},
    )


def _reference_refusal(user, action: str, record) -> Refusal | None:
    label = record._meta.label_lower
    held = {role for roles in district_roles(user).values() for role in roles}
    if not held:
        return Refusal(FORBIDDEN, _("Reference data is for members of staff with a role."))
    if action == VIEW:
        return None
    if action in TRANSITIONS:
        return Refusal(FORBIDDEN, _("Reference data has no review workflow."))
    if held & set(REFERENCE_RIGHTS[label].get(action, ())):
        if isinstance(record, District):
            return _district_refusal(user, action, record)
        return None
    return Refusal(
        FORBIDDEN,
        _(
            "Districts, sectors and sources are shared by every district; only a system "
            "administrator may change them (writers may add sources)."
        ),
    )


def _source_refusal(user, action: str, source) -> Refusal | None:
    """A source of a district (`Source.district`): the district's writers add it, and change or
    delete it while no published record cites it. Anything else is the reference-data rule: a
    system administrator's."""
    as_reference = _reference_refusal(user, action, source)
    if as_reference is None or action not in SOURCE_OWNER_ACTIONS:
        return as_reference
    if source.district_id is None:
        if action == ADD:
            return Refusal(FORBIDDEN, _("Choose the district you add the source for."))
        return as_reference
    if not district_roles(user).get(source.district_id, frozenset()) & WRITERS:
        return Refusal(FORBIDDEN, _("Only writers of its district may add or change this source."))
    if source.pk is not None and Source.objects.filter(publicly_cited_q(), pk=source.pk).exists():
        return Refusal(
            FORBIDDEN,
            _(
                "A published record cites this source, so it is public; only a system "
                "administrator may change or delete it now."
            ),
        )
    return None


def why_not(user, action: str, record) -> Refusal | None:
    """Why `user` may not do `action` with `record` (a Refusal), or None when they may.

    `record` may be unsaved: for "add", a new record with its district (and, for a row of a
    record, its parent) set.
    """
    action = RecordAction(action)
    if not _active(user):
        return Refusal(FORBIDDEN, _("Log in with an account that holds a role in this district."))
    if user.is_superuser:
        return None
    label = record._meta.label_lower
    if isinstance(record, Source):
        return _source_refusal(user, action, record)
    if label in REFERENCE_RIGHTS:
        return _reference_refusal(user, action, record)
    if label in ACCOUNT_MODELS:
        return _account_refusal(user, action, record)
    if label in CHILD_PARENTS:
        parent_field = CHILD_PARENTS[label]
        if getattr(record, f"{parent_field}_id") is None:
            return Refusal(FORBIDDEN, _("Choose the record this row belongs to first."))
        parent = getattr(record, parent_field)
        if action == VIEW:
            return why_not(user, VIEW, parent)
        if action in TRANSITIONS:
            return Refusal(
                FORBIDDEN, _("This row is published and withdrawn with the record it belongs to.")
            )
        return why_not(user, CHANGE, parent)
    if isinstance(record, PublishableModel):
        return _business_refusal(user, action, record)
    raise ValueError(f"The permission policy does not cover {label}.")


def may(user, action: str, record) -> bool:
    """Whether `user` may do `action` (a RecordAction) with `record`."""
    return why_not(user, action, record) is None


def may_add(user, model, district_id: int | None = None) -> bool:
    """Whether `user` may add a record of `model` in `district_id` (reference data: none).

    A row of a record (a party, a certification) is added by changing that record: ask
    `may(user, "change", parent)` instead.
    """
    label = model._meta.label_lower
    if label in CHILD_PARENTS:
        raise ValueError(f"Adding a {label} changes its {CHILD_PARENTS[label]}: ask may().")
    if label in REFERENCE_RIGHTS or label in ACCOUNT_MODELS:
        return may(user, ADD, model())
    return may(user, ADD, model(district_id=district_id))


def policy_covers(model) -> bool:
    """Whether the permission policy speaks about `model` (business, child and reference rows,
    accounts, district roles, tokens and role groups)."""
    label = model._meta.label_lower
    return (
        label in REFERENCE_RIGHTS
        or label in CHILD_PARENTS
        or label in ACCOUNT_MODELS
        or issubclass(model, PublishableModel)
    )


def back_office_records(user, queryset: QuerySet) -> QuerySet:
    """The rows of `queryset` the user's back-office lists show: those of the districts where a
    role lets them view records (any state), or accounts (ACCOUNT_RIGHTS). Reference data is
    shown to everyone."""
    label = queryset.model._meta.label_lower
    if label in REFERENCE_RIGHTS:
        return queryset
    if label in ACCOUNT_MODELS:
        return _account_records(user, label, queryset)
    district_ids = district_ids_for(user, VIEW)
    if district_ids is None:
        return queryset
    if label in CHILD_PARENTS:
        return queryset.filter(**{f"{CHILD_PARENTS[label]}__district_id__in": district_ids})
    if issubclass(queryset.model, PublishableModel):
        return queryset.filter(district_id__in=district_ids)
    raise ValueError(f"The permission policy does not cover {label}.")


def _owns_district(model) -> bool:
    """Whether `model`'s `district` is the record's own (not a district government as a party)."""
    return issubclass(model, PublishableModel) or model is Source


def choices_for(user, model, field_name: str, queryset: QuerySet) -> QuerySet:
    """What the foreign key `field_name` of a `model` record may point at, for this user.

    A record's own district: one the user may add records in. The record a row belongs to (a
    certification's enterprise): one of the districts the user may change. Another business
    record: any of
    the user's districts (drafts included) or any published one, since partnerships cross
    district lines (every district may name 山西大学 as a party) and published records are
    public anyway. Reference data and districts as parties: all of them. A district role's
    user and district, a token's owner: ACCOUNT_RIGHTS (`_account_choices`).
    """
    if model._meta.label_lower in ACCOUNT_MODELS:
        return _account_choices(user, model._meta.label_lower, field_name, queryset)
    district_ids = district_ids_for(user, VIEW)
    if district_ids is None:
        return queryset
    related = queryset.model
    if related is District and field_name == "district" and _owns_district(model):
        return queryset.filter(id__in=district_ids_for(user, ADD))
    if CHILD_PARENTS.get(model._meta.label_lower) == field_name:
        # The record a row belongs to: adding the row changes it.
        return queryset.filter(district_id__in=district_ids_for(user, CHANGE))
    if issubclass(related, PublishableModel):
        return queryset.filter(Q(state=PUBLISHED) | Q(district_id__in=district_ids))
    return queryset


# --- Accounts: users, district roles, API tokens, role groups ------------------------------------


def account_district_ids(user, action: str) -> set[int] | None:
    """Districts whose accounts and roles the user may `action` (ACCOUNT_RIGHTS); None: all."""
    return district_ids_for(user, action, ACCOUNT_RIGHTS)


def _accounts_q(district_ids: set[int], path: str = "") -> Q:
    """The accounts (users at `path`) that belong to `district_ids`: not a superuser, and every
    role they hold lies in those districts. An account with no role yet belongs to every
    security administrator, unless it holds rights some other way (a group or a raw
    permission given by a superuser or an older version): that one is the superuser's."""
    outside = DistrictRole.objects.exclude(district_id__in=district_ids).values("user_id")
    with_role = DistrictRole.objects.values("user_id")
    in_group = Group.user_set.through.objects.values("user_id")
    with_permission = Permission.user_set.through.objects.values("user_id")
    return (
        Q(**{f"{path}is_superuser": False})
        & ~Q(**{f"{path}pk__in": outside})
        & (
            Q(**{f"{path}pk__in": with_role})
            | (~Q(**{f"{path}pk__in": in_group}) & ~Q(**{f"{path}pk__in": with_permission}))
        )
    )


def _account_records(user, label: str, queryset: QuerySet) -> QuerySet:
    district_ids = account_district_ids(user, VIEW)
    if district_ids is None:
        return queryset
    if label == "partnerships.apitoken":
        # One's own tokens, and those of the accounts one administers or audits.
        owners = _accounts_q(district_ids, "user__") if district_ids else Q(pk__in=[])
        return queryset.filter(Q(user=user) | owners)
    if not district_ids:
        return queryset.none()
    if label == "auth.user":
        return queryset.filter(_accounts_q(district_ids))
    if label == "partnerships.districtrole":
        return queryset.filter(district_id__in=district_ids)
    return queryset  # the role groups: the same five names for everyone


def _account_choices(user, label: str, field_name: str, queryset: QuerySet) -> QuerySet:
    if user.is_superuser:
        return queryset
    if label == "partnerships.apitoken" and field_name == "user":
        return queryset.filter(pk=user.pk)  # a token belongs to whoever creates it
    district_ids = account_district_ids(user, ADD) or set()
    if label == "partnerships.districtrole" and field_name == "district":
        return queryset.filter(id__in=district_ids)
    if label == "partnerships.districtrole" and field_name == "user":
        if not district_ids:
            return queryset.none()
        return queryset.filter(_accounts_q(district_ids)).exclude(pk=user.pk)
    return queryset.none()


def _account_belongs(account, district_ids: set[int] | None) -> bool:
    """`_accounts_q` for one account."""
    if district_ids is None:
        return True
    return type(account).objects.filter(_accounts_q(district_ids), pk=account.pk).exists()


def _no_account_rights() -> Refusal:
    return Refusal(
        FORBIDDEN, _("Accounts and roles are managed by a security administrator of the district.")
    )


def _user_refusal(user, action: str, account) -> Refusal | None:
    """An account: read by the districts' auditors, managed by their security administrators."""
    if account.pk is None:  # a new account has no role yet: any security administrator's
        return None if account_district_ids(user, action) else _no_account_rights()
    if not _account_belongs(account, account_district_ids(user, VIEW)):
        return Refusal(NOT_YOURS, _("This account belongs to a district you do not administer."))
    if not _account_belongs(account, account_district_ids(user, action)):
        return _no_account_rights()
    return None


def _district_role_refusal(user, action: str, district_role) -> Refusal | None:
    district_id = district_role.district_id
    if district_id is None:
        return None  # the form asks for the district, then asks again
    if district_id not in account_district_ids(user, VIEW):
        return Refusal(NOT_YOURS, _("This role belongs to a district you do not administer."))
    if action == VIEW:
        return None
    if district_id not in account_district_ids(user, action):
        return _no_account_rights()
    if district_role.user_id is None:
        return None
    if district_role.user_id == user.pk:
        return Refusal(
            FORBIDDEN,
            _(
                "Nobody grants, changes or removes his own roles; ask another security "
                "administrator."
            ),
        )
    return _user_refusal(user, CHANGE, district_role.user)


def _token_refusal(user, action: str, token) -> Refusal | None:
    if token.user_id == user.pk:
        return None
    if action == ADD:
        if token.user_id is None:
            return None  # the back office makes it the user's own
        return Refusal(
            FORBIDDEN,
            _("A token belongs to whoever creates it: nobody creates a token for somebody else."),
        )
    # An administrator of the owner's districts reads, renames and revokes it.
    return _user_refusal(user, action, token.user)


def _account_refusal(user, action: str, record) -> Refusal | None:
    if action in TRANSITIONS:
        return Refusal(FORBIDDEN, _("Accounts have no review workflow."))
    label = record._meta.label_lower
    if label == "partnerships.apitoken":
        return _token_refusal(user, action, record)
    if not account_district_ids(user, VIEW):
        return _no_account_rights()
    if label == "auth.group":
        if action == VIEW:
            return None
        return Refusal(
            FORBIDDEN,
            _(
                "The role groups are set by `manage.py setup_roles`; a role is granted as a "
                "district role. Only a superuser changes a group here."
            ),
        )
    if label == "partnerships.districtrole":
        return _district_role_refusal(user, action, record)
    return _user_refusal(user, action, record)


def _public_rows(model) -> QuerySet | None:
    """The rows of `model` the public sees, or None when it shows none by itself."""
    manager = model._default_manager
    if hasattr(manager, "public"):
        return manager.public()  # a figure: it and every record it is attributed to published
    if issubclass(model, PublishableModel):
        return manager.published()
    parent = CHILD_PARENTS.get(model._meta.label_lower)
    if parent is not None:
        return manager.filter(**{f"{parent}__state": PUBLISHED})
    return None


def source_citations() -> list:
    """Every foreign key to Source: (model, field), found by walking the installed models so
    that the base layer needs no import of `companies` or `outcomes`."""
    return [
        (model, field)
        for model in apps.get_models()
        for field in model._meta.concrete_fields
        if field.many_to_one and field.related_model is Source
    ]


def publicly_cited_q() -> Q:
    """Sources a public record cites: the only sources the public may see.

    One subquery per citing model; a model whose rows are never public cites nothing publicly.
    """
    condition = Q(pk__in=[])
    for model, field in source_citations():
        rows = _public_rows(model)
        if rows is not None:
            cited = rows.filter(**{f"{field.name}__isnull": False}).values(field.attname)
            condition |= Q(pk__in=cited)
    return condition


def _linked_publishable(model) -> list[str]:
    """Foreign keys of `model` to publishable records: their change may hide or show its rows."""
    return [
        field.name
        for field in model._meta.concrete_fields
        if field.many_to_one and issubclass(field.related_model, PublishableModel)
    ]


def citing_rows_changed_since(model, since) -> QuerySet:
    """Rows of a citing `model` that changed at or after `since`, themselves or a record whose
    publication decides whether they are public (a certification's enterprise, a figure's
    project), annotated with that time as `changed_at`."""
    times = [Coalesce(f"{name}__updated_at", "updated_at") for name in _linked_publishable(model)]
    changed = Greatest("updated_at", *times) if times else F("updated_at")
    return model._default_manager.annotate(changed_at=changed).filter(changed_at__gte=since)


def once_public(model) -> Q:
    """Rows of `model` that were public once (or whose record was)."""
    if issubclass(model, PublishableModel):
        return Q(first_published_at__isnull=False)
    parent = CHILD_PARENTS.get(model._meta.label_lower)
    if parent is not None:
        return Q(**{f"{parent}__first_published_at__isnull": False})
    return Q(pk__in=[])


def attributed_figures(record) -> list[QuerySet]:
    """The figures (outcomes, targets) attributed to `record`, one queryset per kind.

    Found through the reverse relations whose model has `public()`: a figure is public only
    while every record it is attributed to is published, which is what ties it to `record`.
    The base layer thus reaches them without importing `outcomes`.
    """
    return [
        relation.related_model._default_manager.filter(**{relation.field.name: record})
        for relation in record._meta.related_objects
        if relation.one_to_many and hasattr(relation.related_model._default_manager, "public")
    ]


# ---------------------------------------------------------------------------------------------
# Public pages: lists with facets, detail pages, dashboard counts. Published records only
# (honesty rule 5, README): every queryset below starts from `.published()`, and an institution's
# name is shown only when it and its parent are published.
# ---------------------------------------------------------------------------------------------

PUBLISHED = PublicationState.PUBLISHED
# Institutions nest university → college → laboratory. The facet and partner counts fold
# sub-units into their top-level institution in SQL with one join per level, so they reach three
# levels; a deeper unit counts for its grandparent.
INSTITUTION_LEVELS = 3
# A facet of names (institutions) lists the most frequent values only.
NAME_FACET_LIMIT = 30


def visible_institution_q(path: str = "institution") -> Q:
    """The institution at `path` may be named in public: it and its parent are published."""
    return Q(**{f"{path}__state": PUBLISHED}) & (
        Q(**{f"{path}__parent__isnull": True}) | Q(**{f"{path}__parent__state": PUBLISHED})
    )


def public_party_q(path: str = "institution") -> Q:
    """A party or participant row that may be shown: a district, or a visible institution."""
    return Q(**{f"{path}__isnull": True}) | visible_institution_q(path)


def _top(path: str, field: str):
    """`field` of the top-level institution above the institution at `path` (itself if top)."""
    return Coalesce(
        F(f"{path}__parent__parent__{field}"),
        F(f"{path}__parent__{field}"),
        F(f"{path}__{field}"),
    )


def institution_family_q(path: str, institution_id: int) -> Q:
    """The institution at `path` is `institution_id` or one of its sub-units (three levels)."""
    return (
        Q(**{f"{path}_id": institution_id})
        | Q(**{f"{path}__parent_id": institution_id})
        | Q(**{f"{path}__parent__parent_id": institution_id})
    )


def descendants_of_each(model, roots) -> dict[int, list[int]]:
    """Each root with everything under it at any depth (sub-units of an institution, phases of
    an agreement, sub-projects of a project): one recursive query, whatever the depth and the
    number of roots. The root comes first."""
    return families({model: roots})[model]


def families(roots_by_model: dict) -> dict:
    """`descendants_of_each` for several hierarchies in one query, run even when there is no
    root at all, so that a page costs the same number of queries whatever it shows.

    {Institution: {7}, Project: {3, 5}} -> {Institution: {7: [7, 8, 9]}, Project: {...}}.
    UNION (not UNION ALL) in each recursion stops at a cycle.
    """
    quote = connection.ops.quote_name
    ctes, selects, params = [], [], []
    models = list(roots_by_model)
    for index, model in enumerate(models):
        roots = sorted(set(roots_by_model[model]))
        table = quote(model._meta.db_table)
        parent_field = "parent" if model is Institution else "part_of"
        parent = quote(model._meta.get_field(parent_field).column)
        where = f"id IN ({', '.join(['%s'] * len(roots))})" if roots else "1 = 0"
        params += roots
        ctes.append(
            # Quoted names from the models' metadata; the ids are query parameters.
            f"family{index}(root, id) AS (SELECT id, id FROM {table} WHERE {where}"  # noqa: S608
            f" UNION SELECT family{index}.root, child.id FROM {table} child"
            f" JOIN family{index} ON child.{parent} = family{index}.id)"
        )
        selects.append(f"SELECT {index}, root, id FROM family{index}")  # noqa: S608
    result = {model: {root: [root] for root in roots_by_model[model]} for model in models}
    if not models:
        return result
    sql = f"WITH RECURSIVE {', '.join(ctes)} {' UNION ALL '.join(selects)}"
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for index, root, pk in cursor.fetchall():
            if pk != root:
                result[models[index]][root].append(pk)
    return result


def family_ids(institution: Institution) -> list[int]:
    """The institution and all its sub-units, at any depth (one query)."""
    return descendants_of_each(Institution, [institution.pk])[institution.pk]


def _choice_facet(queryset: QuerySet, field: str) -> list[dict]:
    return list(
        queryset.order_by()
        .values(value=F(field))
        .annotate(count=Count("id"))
        .order_by("-count", "value")
    )


def _district_facet(queryset: QuerySet) -> list[dict]:
    return list(
        queryset.order_by()
        .values(value=F("district_id"), label=F("district__name"), label_en=F("district__name_en"))
        .annotate(count=Count("id"))
        .order_by("-count", "label")
    )


def _year_facet(queryset: QuerySet, field: str) -> list[dict]:
    return list(
        queryset.exclude(**{f"{field}__isnull": True})
        .order_by()
        .values(value=ExtractYear(field))
        .annotate(count=Count("id"))
        .order_by("-value")
    )


def _institution_facet(party_rows: QuerySet, record_field: str) -> list[dict]:
    """Records per top-level institution, from participant or party rows (one query).

    A record with two sub-units of one university counts once for it (distinct), and an
    institution that is not public is never named nor counted (a draft sub-unit's participation
    does not count for its university: an unpublished record is absent).
    """
    return list(
        party_rows.filter(visible_institution_q())
        .alias(top_state=_top("institution", "state"))
        .filter(top_state=PUBLISHED)
        .order_by()
        .values(
            value=_top("institution", "id"),
            label=_top("institution", "name"),
            label_en=_top("institution", "name_en"),
        )
        .annotate(count=Count(record_field, distinct=True))
        .order_by("-count", "label")[:NAME_FACET_LIMIT]
    )


# -- projects -----------------------------------------------------------------------------------

PROJECT_FILTERS = ("q", "field", "kind", "institution", "district", "year", "status")


def project_search(filters: dict, *, without: str | None = None) -> QuerySet:
    """Published projects matching a list page's filters; `without` leaves one out (its facet).

    `filters` holds cleaned values (see the view); an empty value is no filter.
    """
    queryset = Project.objects.published()
    for name, value in filters.items():
        if name == without or value in (None, ""):
            continue
        if name == "q":
            queryset = queryset.filter(Q(title__icontains=value) | Q(title_en__icontains=value))
        elif name in ("field", "kind", "status"):
            queryset = queryset.filter(**{name: value})
        elif name == "district":
            queryset = queryset.filter(district_id=value)
        elif name == "year":
            queryset = queryset.filter(starts_on__year=value)
        elif name == "institution":
            # A subquery, not a join: a project with two matching participants stays one row.
            queryset = queryset.filter(
                id__in=ProjectParticipant.objects.filter(
                    institution_family_q("institution", value) & visible_institution_q()
                ).values("project_id")
            )
        else:
            raise ValueError(f"unknown project filter {name!r}")
    return queryset


def project_facets(filters: dict) -> dict[str, list[dict]]:
    """Counts per value of each facet, under every other active filter: one query per facet."""
    return {
        "field": _choice_facet(project_search(filters, without="field"), "field"),
        "kind": _choice_facet(project_search(filters, without="kind"), "kind"),
        "institution": _institution_facet(
            ProjectParticipant.objects.filter(
                project__in=project_search(filters, without="institution")
            ),
            "project_id",
        ),
        "district": _district_facet(project_search(filters, without="district")),
        "year": _year_facet(project_search(filters, without="year"), "starts_on"),
        "status": _choice_facet(project_search(filters, without="status"), "status"),
    }


def public_participants() -> QuerySet:
    # institution__parent: a sub-unit is named with its university.
    return (
        ProjectParticipant.objects.filter(public_party_q())
        .select_related("district", "institution__parent")
        .order_by("id")
    )


def project_list_rows(queryset: QuerySet) -> QuerySet:
    """A list page's projects, newest first (undated last on every database), with partners."""
    return (
        queryset.select_related("district")  # district: the district column
        .prefetch_related(Prefetch("participants", queryset=public_participants()))
        .order_by(F("starts_on").desc(nulls_last=True), "title", "id")
    )


def project_for_page(pk: int) -> Project:
    """A published project with what its page prints; Project.DoesNotExist otherwise."""
    # agreement, part_of: linked when published; source: the cited document.
    return (
        Project.objects.published()
        .select_related("district", "agreement", "part_of", "source")
        .get(pk=pk)
    )


def project_participants(project: Project) -> QuerySet:
    return public_participants().filter(project=project)


def sub_projects(project: Project) -> QuerySet:
    return project.sub_projects.published().order_by(
        F("starts_on").asc(nulls_last=True), "title", "id"
    )


# -- agreements ---------------------------------------------------------------------------------

AGREEMENT_FILTERS = ("q", "kind", "status", "district", "year", "institution")


def agreement_search(filters: dict, *, without: str | None = None) -> QuerySet:
    queryset = Agreement.objects.published()
    for name, value in filters.items():
        if name == without or value in (None, ""):
            continue
        if name == "q":
            queryset = queryset.filter(Q(title__icontains=value) | Q(title_en__icontains=value))
        elif name in ("kind", "status"):
            queryset = queryset.filter(**{name: value})
        elif name == "district":
            queryset = queryset.filter(district_id=value)
        elif name == "year":
            queryset = queryset.filter(signed_on__year=value)
        elif name == "institution":
            queryset = queryset.filter(
                id__in=AgreementParty.objects.filter(
                    institution_family_q("institution", value) & visible_institution_q()
                ).values("agreement_id")
            )
        else:
            raise ValueError(f"unknown agreement filter {name!r}")
    return queryset


def agreement_facets(filters: dict) -> dict[str, list[dict]]:
    return {
        "kind": _choice_facet(agreement_search(filters, without="kind"), "kind"),
        "status": _choice_facet(agreement_search(filters, without="status"), "status"),
        "district": _district_facet(agreement_search(filters, without="district")),
        "year": _year_facet(agreement_search(filters, without="year"), "signed_on"),
        "institution": _institution_facet(
            AgreementParty.objects.filter(
                agreement__in=agreement_search(filters, without="institution")
            ),
            "agreement_id",
        ),
    }


def public_parties() -> QuerySet:
    # institution__parent: a sub-unit is named with its university.
    return (
        AgreementParty.objects.filter(public_party_q())
        .select_related("district", "institution__parent")
        .order_by("id")
    )


def agreement_list_rows(queryset: QuerySet) -> QuerySet:
    return (
        queryset.select_related("district")  # district: the district column
        .prefetch_related(Prefetch("parties", queryset=public_parties()))
        .order_by(F("signed_on").desc(nulls_last=True), "title", "id")
    )


def agreement_for_page(pk: int) -> Agreement:
    # part_of: the framework agreement of a phase, linked when published.
    return Agreement.objects.published().select_related("district", "part_of", "source").get(pk=pk)


def agreement_parties(agreement: Agreement) -> QuerySet:
    return public_parties().filter(agreement=agreement)


def agreement_phases(agreement: Agreement) -> QuerySet:
    return agreement.phases.published().order_by("phase_number", "signed_on", "id")


def agreement_projects(agreement: Agreement) -> QuerySet:
    """Published projects under the agreement or one of its phases."""
    return (
        Project.objects.published()
        .filter(Q(agreement=agreement) | Q(agreement__part_of=agreement))
        .select_related("agreement")  # agreement: which phase a project belongs to
        .order_by(F("starts_on").asc(nulls_last=True), "title", "id")
    )


# -- institutions -------------------------------------------------------------------------------

INSTITUTION_FILTERS = ("q", "level", "kind", "district")
# `level`: the list shows top-level institutions unless `level=all` asks for sub-units too.
LEVEL_ALL = "all"


def institution_search(filters: dict, *, without: str | None = None) -> QuerySet:
    queryset = Institution.objects.published()
    if filters.get("level") != LEVEL_ALL:
        queryset = queryset.filter(parent__isnull=True)
    else:
        # A sub-unit of an unpublished parent would name the parent on its row.
        queryset = queryset.filter(Q(parent__isnull=True) | Q(parent__state=PUBLISHED))
    for name, value in filters.items():
        if name in (without, "level") or value in (None, ""):
            continue
        if name == "q":
            # A sub-unit is listed under its university's name ("山西大学 计算机学院"), so a
            # search for the university finds its sub-units too.
            queryset = queryset.filter(
                Q(name__icontains=value)
                | Q(name_en__icontains=value)
                | Q(short_name__icontains=value)
                | Q(parent__name__icontains=value)
                | Q(parent__name_en__icontains=value)
            )
        elif name == "kind":
            queryset = queryset.filter(kind=value)
        elif name == "district":
            queryset = queryset.filter(district_id=value)
        else:
            raise ValueError(f"unknown institution filter {name!r}")
    return queryset


def institution_facets(filters: dict) -> dict[str, list[dict]]:
    return {
        "kind": _choice_facet(institution_search(filters, without="kind"), "kind"),
        "district": _district_facet(institution_search(filters, without="district")),
    }


def institution_list_rows(queryset: QuerySet) -> QuerySet:
    # parent: a sub-unit's row names its university; district: the district column.
    return queryset.select_related("parent", "district").order_by("name", "id")


def institution_for_page(pk: int) -> Institution:
    """A published institution whose parent, if any, is published too."""
    return (
        Institution.objects.published()
        .filter(Q(parent__isnull=True) | Q(parent__state=PUBLISHED))
        .select_related("parent", "district", "source")
        .get(pk=pk)
    )


def institution_sub_units(institution: Institution) -> QuerySet:
    return institution.sub_units.published().order_by("kind", "name", "id")


def institution_participations(ids: list[int]) -> QuerySet:
    """Participations of these institutions in published projects, with project and role."""
    # project: the row's link; institution: which sub-unit took part.
    return (
        ProjectParticipant.objects.filter(institution_id__in=ids, project__state=PUBLISHED)
        .filter(visible_institution_q())
        .select_related("project", "institution__parent")
        .order_by(F("project__starts_on").desc(nulls_last=True), "project__title", "id")
    )


def institution_agreement_parties(ids: list[int]) -> QuerySet:
    # agreement: the row's link; institution: which sub-unit is the party.
    return (
        AgreementParty.objects.filter(institution_id__in=ids, agreement__state=PUBLISHED)
        .filter(visible_institution_q())
        .select_related("agreement", "institution__parent")
        .order_by(F("agreement__signed_on").desc(nulls_last=True), "agreement__title", "id")
    )


# -- dashboard ----------------------------------------------------------------------------------


def registry_counts() -> dict[str, int]:
    """Published agreements, projects (and how many are sub-projects), partner institutions."""
    agreements = Agreement.objects.published().aggregate(
        total=Count("id"), phases=Count("id", filter=Q(part_of__isnull=False))
    )
    projects = Project.objects.published().aggregate(
        total=Count("id"), sub_projects=Count("id", filter=Q(part_of__isnull=False))
    )
    return {
        "agreements": agreements["total"],
        "agreement_phases": agreements["phases"],
        "projects": projects["total"],
        "sub_projects": projects["sub_projects"],
        "partner_institutions": partner_institutions().count(),
    }


def partner_institutions() -> QuerySet:
    """Published top-level institutions taking part, themselves or by a sub-unit, in a published
    project or agreement."""
    # visible_institution_q: a draft sub-unit's participation does not make its university a
    # partner.
    in_projects = (
        ProjectParticipant.objects.filter(project__state=PUBLISHED)
        .filter(visible_institution_q())
        .values(top=_top("institution", "id"))
    )
    in_agreements = (
        AgreementParty.objects.filter(agreement__state=PUBLISHED)
        .filter(visible_institution_q())
        .values(top=_top("institution", "id"))
    )
    return Institution.objects.published().filter(
        Q(parent__isnull=True) & (Q(id__in=in_projects) | Q(id__in=in_agreements))
    )


def projects_by_district_year_field() -> list[dict]:
    """Published projects counted per district, start year and field (one query).

    The dashboard folds these rows into its charts by year, by field and by district.
    """
    return list(
        Project.objects.published()
        .order_by()
        .values(
            "field",
            "district_id",
            district_name=F("district__name"),
            district_name_en=F("district__name_en"),
            year=ExtractYear("starts_on"),
        )
        .annotate(count=Count("id"))
    )


def agreements_by_district_year() -> list[dict]:
    return list(
        Agreement.objects.published()
        .order_by()
        .values(
            "district_id",
            district_name=F("district__name"),
            district_name_en=F("district__name_en"),
            year=ExtractYear("signed_on"),
        )
        .annotate(count=Count("id"))
    )


def projects_by_institution(limit: int = 10) -> list[dict]:
    """Top-level institutions with the most published projects (their sub-units' included)."""
    rows = _institution_facet(
        ProjectParticipant.objects.filter(project__state=PUBLISHED), "project_id"
    )
    return rows[:limit]


def staff_roles_of(user) -> set[str]:
    """Every role a user holds, by a district role or by membership of the role's group."""
    from_districts = set(user.district_roles.values_list("role", flat=True))
    from_groups = set(
        Group.objects.filter(user=user, name__in=StaffRole.values).values_list("name", flat=True)
    )
    return from_districts | from_groups
