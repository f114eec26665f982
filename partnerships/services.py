"""Writes that are more than a form save: each state change is one function (STYLE.md)."""

import datetime

from django.contrib.auth.models import Group
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from partnerships.choices import StaffRole, TokenScope
from partnerships.models import ApiToken, DistrictRole
from partnerships.selectors import staff_roles_of

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
    return token, plain


def api_token_revoke(token: ApiToken) -> ApiToken:
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at", "updated_at"])
    return token


def api_tokens_revoke_for_user(user) -> int:
    """End every token of a user at once (log-out everywhere, deactivation)."""
    return ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(
        revoked_at=timezone.now(), updated_at=timezone.now()
    )


# 三权分立: one person never both administers, configures and audits the system.
EXCLUSIVE_ROLES = (StaffRole.AUDITOR, StaffRole.SECURITY_ADMIN, StaffRole.SYSTEM_ADMIN)


@transaction.atomic
def staff_role_assign(user, *, district, role: str) -> DistrictRole:
    """Give `user` `role` in `district`: the district role row and the role's group."""
    if role in EXCLUSIVE_ROLES:
        clashing = (staff_roles_of(user) & set(EXCLUSIVE_ROLES)) - {role}
        if clashing:
            raise ValidationError(
                _(
                    "%(user)s already holds the role %(held)s; auditor, security administrator "
                    "and system administrator must be different people."
                ),
                code="separation_of_duties",
                params={
                    "user": user,
                    "held": ", ".join(str(StaffRole(name).label) for name in sorted(clashing)),
                },
            )
    group = Group.objects.filter(name=role).first()
    if group is None:
        raise ValidationError(
            _("The role groups do not exist yet: run `manage.py setup_roles` first."),
            code="roles_not_set_up",
        )
    district_role = DistrictRole.objects.filter(user=user, district=district, role=role).first()
    if district_role is None:
        district_role = DistrictRole(user=user, district=district, role=role)
        district_role.full_clean()
        district_role.save()
    user.groups.add(group)
    return district_role


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
