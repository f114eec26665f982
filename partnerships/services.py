"""Writes that are more than a form save: each state change is one function."""

import datetime

from django.contrib.auth.models import Group
from django.contrib.sessions.models import Session
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from partnerships import audit
from partnerships.choices import (
    AuditAction,
    PublicationState,
    RecordAction,
    StaffRole,
    TokenScope,
)
from partnerships.models import ApiToken, Deletion, DistrictRole, Source
from partnerships.selectors import (
    NOT_YOURS,
    TRANSITIONS,
    WRONG_STATE,
    attributed_figures,
    forget_district_roles,
    may,
    publicly_cited_q,
    staff_roles_of,
    why_not,
)

DEFAULT_TOKEN_DAYS = 90


@transaction.atomic
def api_token_create(
    *, user, name: str, scope: str = TokenScope.READ, days: int = DEFAULT_TOKEN_DAYS
) -> tuple[ApiToken, str]:
    """Create a token and return it with its plain text, which is never stored or shown again."""
    prefix, secret, plain = ApiToken.generate()
    token = ApiToken(
        user=user,
        name=name,
        prefix=prefix,
        key_hash=ApiToken.hash_secret(secret),
        scope=scope,
        expires_at=timezone.now() + datetime.timedelta(days=days),
    )
    token.full_clean()
    token.save()
    audit.record_event(
        AuditAction.TOKEN_CREATE,
        obj=token,
        detail={"owner": user.get_username(), "scope": scope, "expires_at": token.expires_at},
    )
    return token, plain


def api_token_revoke(token: ApiToken) -> ApiToken:
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at", "updated_at"])
        audit.record_event(
            AuditAction.TOKEN_REVOKE, obj=token, detail={"owner": token.user.get_username()}
        )
    return token


def api_tokens_revoke_for_user(user) -> int:
    """End every token of a user at once (log-out everywhere, deactivation)."""
    tokens = ApiToken.objects.filter(user=user, revoked_at__isnull=True)
    prefixes = list(tokens.values_list("prefix", flat=True))
    revoked = tokens.update(revoked_at=timezone.now(), updated_at=timezone.now())
    if revoked:
        audit.record_event(
            AuditAction.TOKEN_REVOKE,
            obj=user,
            detail={"owner": user.get_username(), "prefixes": prefixes},
        )
    return revoked


# 三权分立: one person never both administers, configures and audits the system; and whoever
# manages accounts and roles never edits or publishes records himself, or he could give himself
# any record's rights through an account he controls. The roles each role may not be held with.
ROLE_CLASHES: dict[str, frozenset] = {
    StaffRole.AUDITOR: frozenset({StaffRole.SECURITY_ADMIN, StaffRole.SYSTEM_ADMIN}),
    StaffRole.SECURITY_ADMIN: frozenset(
        {StaffRole.AUDITOR, StaffRole.SYSTEM_ADMIN, StaffRole.EDITOR, StaffRole.PUBLISHER}
    ),
    StaffRole.SYSTEM_ADMIN: frozenset({StaffRole.AUDITOR, StaffRole.SECURITY_ADMIN}),
    StaffRole.EDITOR: frozenset({StaffRole.SECURITY_ADMIN}),
    StaffRole.PUBLISHER: frozenset({StaffRole.SECURITY_ADMIN}),
}


def separation_of_duties_check(user, roles, *, adding: str | None = None) -> None:
    """Refuse roles that may not be held together (ROLE_CLASHES) on `user`.

    `roles` are all the roles the user would hold; `adding`, when given, is the one being
    added, and only a clash with it is refused (a clash already there is another matter).
    """
    roles = set(roles)
    checked = {adding} if adding is not None else roles
    clashing = {held for role in checked for held in roles & ROLE_CLASHES.get(role, frozenset())}
    if clashing:
        raise ValidationError(
            _(
                "%(user)s already holds the role %(held)s; auditor, security administrator "
                "and system administrator must be different people, and a security "
                "administrator neither edits nor publishes."
            ),
            code="separation_of_duties",
            params={
                "user": user,
                "held": ", ".join(str(StaffRole(name).label) for name in sorted(clashing)),
            },
        )


def staff_role_check(user, *, role: str) -> Group:
    """What `staff_role_assign` checks before it writes; returns the role's group."""
    separation_of_duties_check(user, staff_roles_of(user) | {role}, adding=role)
    group = Group.objects.filter(name=role).first()
    if group is None:
        raise ValidationError(
            _("The role groups do not exist yet: run `manage.py setup_roles` first."),
            code="roles_not_set_up",
        )
    return group


@transaction.atomic
def staff_role_assign(user, *, district, role: str) -> DistrictRole:
    """Give `user` `role` in `district`: the district role row and the role's group."""
    group = staff_role_check(user, role=role)
    district_role = DistrictRole.objects.filter(user=user, district=district, role=role).first()
    if district_role is None:
        district_role = DistrictRole(user=user, district=district, role=role)
        district_role.full_clean()
        district_role.save()
    user.groups.add(group)
    forget_district_roles(user)  # rights memoised on this user object are out of date now
    return district_role


def staff_groups_sync(user) -> None:
    """Keep the user's role groups to the roles he holds in some district, after a district
    role was changed or removed (a group left behind would be a right without a district)."""
    held = set(DistrictRole.objects.filter(user=user).values_list("role", flat=True))
    stale = Group.objects.filter(user=user, name__in=StaffRole.values).exclude(name__in=held)
    user.groups.remove(*stale)
    forget_district_roles(user)


def sessions_end_for_user(user) -> int:
    """Delete every session of `user`. Reads each live session: fine for a back office's staff."""
    ended = 0
    for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator():
        if session.get_decoded().get("_auth_user_id") == str(user.pk):
            session.delete()
            ended += 1
    return ended


@transaction.atomic
def user_deactivate(user) -> None:
    """Lock `user` out at once: no log-in, no open session, no working API token."""
    if user.is_active:
        user.is_active = False
        user.save(update_fields=["is_active"])
    sessions_end_for_user(user)
    api_tokens_revoke_for_user(user)


# --- Review and publish workflow -----------------------------------------------------------------
# draft → submitted → published → withdrawn (→ submitted again), and submitted → draft: one
# function per step, for every publishable model (institutions, agreements, projects,
# enterprises, outcomes, targets). Each asks the permission policy (`selectors.why_not`),
# validates the record with full_clean(), saves its state and updated_at only (the API's
# updated_since and deletions feed read updated_at) and is recorded in the audit trail as the
# step itself, not as a "change".
#
# Figures go with the record they are attributed to, because they are reviewed on its page:
# submitting a record submits its draft outcomes and targets, publishing it publishes the
# submitted ones, returning it to draft returns those. Withdrawing leaves them as they are: a
# figure is public only while every record it is attributed to is published
# (`FigureQuerySet.public()`), so it leaves every public surface with the record — pages, API
# lists, statistics, and the deletions feed lists it — and is back when the record is published
# again. Only figures the user may move themselves go along (a figure of another district that
# names this district's institution stays where it is).

STEP_AUDIT_ACTIONS = {
    RecordAction.SUBMIT: AuditAction.SUBMIT,
    RecordAction.PUBLISH: AuditAction.PUBLISH,
    RecordAction.WITHDRAW: AuditAction.WITHDRAW,
    RecordAction.RETURN_TO_DRAFT: AuditAction.RETURN_TO_DRAFT,
}
# The state of the attributed figures that move with the record, by step.
FIGURES_MOVED_FROM = {
    RecordAction.SUBMIT: PublicationState.DRAFT,
    RecordAction.PUBLISH: PublicationState.SUBMITTED,
    RecordAction.RETURN_TO_DRAFT: PublicationState.SUBMITTED,
}


def _refuse(refusal) -> None:
    """Raise what the interfaces turn into 404, 403 or a message about the state."""
    if refusal.code == NOT_YOURS:
        raise Http404(refusal.message)
    if refusal.code == WRONG_STATE:
        raise ValidationError(refusal.message, code="invalid_transition")
    raise PermissionDenied(refusal.message)


def _move(record, step: str, *, user) -> None:
    record.full_clean()
    record.state = TRANSITIONS[step].target
    with audit.audit_context(action=STEP_AUDIT_ACTIONS[step], user=user):
        record.save(update_fields=["state", "updated_at"])


def _figure_errors(figure, error: ValidationError) -> ValidationError:
    """A figure's errors, named after the figure, on the record being moved."""
    label = f"{capfirst(figure._meta.verbose_name)} “{figure}”"
    return ValidationError([f"{label}: {message}" for message in error.messages])


@transaction.atomic
def record_step(record, step: str, *, user):
    """Make the workflow `step` (a RecordAction) on `record` as `user`, with its figures.

    Raises Http404 when the record belongs to a district where the user has no role,
    PermissionDenied when their role may not make this step, ValidationError (code
    "invalid_transition") when the record's state does not allow it, and ValidationError with
    the record's (or a figure's) field errors when it is not valid. Nothing is saved then.
    """
    step = RecordAction(step)
    if step not in TRANSITIONS:
        raise ValueError(f"{step} is not a workflow step")
    refusal = why_not(user, step, record)
    if refusal is not None:
        _refuse(refusal)
    _move(record, step, user=user)
    if step in FIGURES_MOVED_FROM:
        for figures in attributed_figures(record):
            for figure in figures.filter(state=FIGURES_MOVED_FROM[step]).order_by("pk"):
                if not may(user, step, figure):
                    continue
                try:
                    _move(figure, step, user=user)
                except ValidationError as error:
                    raise _figure_errors(figure, error) from None
    return record


def record_submit(record, *, user):
    """Send a draft (or a corrected withdrawn record) for review: draft → submitted."""
    return record_step(record, RecordAction.SUBMIT, user=user)


def record_publish(record, *, user):
    """Make a reviewed record public: submitted → published (a publisher's step)."""
    return record_step(record, RecordAction.PUBLISH, user=user)


def record_withdraw(record, *, user):
    """Take a record off every public surface: published → withdrawn (a publisher's step)."""
    return record_step(record, RecordAction.WITHDRAW, user=user)


def record_return_to_draft(record, *, user):
    """Send a submitted record back to its editors: submitted → draft (a publisher's step)."""
    return record_step(record, RecordAction.RETURN_TO_DRAFT, user=user)


RECORD_STEPS = {
    RecordAction.SUBMIT: record_submit,
    RecordAction.PUBLISH: record_publish,
    RecordAction.WITHDRAW: record_withdraw,
    RecordAction.RETURN_TO_DRAFT: record_return_to_draft,
}


def record_deletion(sender, instance, **kwargs):
    """post_delete receiver for every publishable model (connected in each app's ready())."""
    if instance.first_published_at is None:
        return
    Deletion.objects.create(
        resource=sender.api_resource,
        object_id=instance.pk,
        district_id=instance.district_id,
    )
    # The source it cited leaves the public with it unless another public record cites it.
    source_id = getattr(instance, "source_id", None)
    if (
        source_id is not None
        and not Source.objects.filter(publicly_cited_q(), pk=source_id).exists()
    ):
        Deletion.objects.create(
            resource="sources", object_id=source_id, district_id=instance.district_id
        )
