"""Staff accounts beside Django's user: district roles, API tokens, password age."""

import hashlib
import hmac
import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from partnerships.choices import (
    StaffRole,
    TokenScope,
)
from partnerships.models.base import AuditedModel, TimeStampedModel


class DistrictRole(AuditedModel, TimeStampedModel):
    """A member of staff's role in one district; rights in the back office and API follow it."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="district_roles",
    )
    district = models.ForeignKey(
        "partnerships.District",
        verbose_name=_("district"),
        on_delete=models.CASCADE,
        related_name="staff_roles",
    )
    role = models.CharField(_("role"), max_length=20, choices=StaffRole.choices)

    class Meta:
        verbose_name = _("district role")
        verbose_name_plural = _("district roles")
        ordering = ["district", "user", "role"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "district", "role"],
                name="district_role_once",
                violation_error_message=_("This user already has this role in this district."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.district.name} · {self.get_role_display()}"


class ApiTokenQuerySet(models.QuerySet):
    def active(self):
        now = timezone.now()
        return self.filter(revoked_at__isnull=True, expires_at__gt=now, user__is_active=True)


class ApiToken(TimeStampedModel):
    """A secret that lets another system use the API as a user.

    Only a SHA-256 hash of the secret is stored; the plain token is shown once, when it is
    created (`partnerships.services.api_token_create`). The public `prefix` finds the row.
    """

    PREFIX_LENGTH = 12

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="api_tokens",
    )
    name = models.CharField(_("name"), max_length=100, help_text=_("What the token is for."))
    prefix = models.CharField(_("prefix"), max_length=PREFIX_LENGTH, unique=True, editable=False)
    key_hash = models.CharField(_("key hash"), max_length=64, editable=False)
    scope = models.CharField(
        _("scope"), max_length=10, choices=TokenScope.choices, default=TokenScope.READ
    )
    expires_at = models.DateTimeField(_("expires at"))
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True, editable=False)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True, editable=False)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @staticmethod
    def hash_secret(secret: str) -> str:
        return hashlib.sha256(secret.encode()).hexdigest()

    @classmethod
    def generate(cls) -> tuple[str, str, str]:
        """A new (prefix, secret, plain token); the plain token is `prefix.secret`."""
        prefix = "pr" + secrets.token_hex((cls.PREFIX_LENGTH - 2) // 2)
        secret = secrets.token_urlsafe(32)
        return prefix, secret, f"{prefix}.{secret}"

    def matches(self, secret: str) -> bool:
        return hmac.compare_digest(self.key_hash, self.hash_secret(secret))

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None and self.expires_at > timezone.now() and self.user.is_active

    @property
    def can_write(self) -> bool:
        return self.scope == TokenScope.WRITE


class PasswordStatus(models.Model):
    """When a member of staff last changed their password, and whether they must change it now.

    Kept beside Django's user (not on it) so the password-age rule (90 days) needs no
    custom user model. `partnerships.accounts.PasswordAgeValidator.password_changed` writes it on
    every `set_password()` + `save()`; a user without a row is never forced to change.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="password_status",
    )
    changed_at = models.DateTimeField(_("password changed at"))
    must_change = models.BooleanField(
        _("must change password"),
        default=False,
        help_text=_("The next log-in goes straight to the password change page."),
    )

    class Meta:
        verbose_name = _("password status")
        verbose_name_plural = _("password statuses")

    def __str__(self) -> str:
        return f"{self.user} · {self.changed_at:%Y-%m-%d}"
