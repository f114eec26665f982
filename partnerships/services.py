"""Writes that are more than a form save: each state change is one function (STYLE.md)."""

import datetime

from django.db import transaction
from django.utils import timezone

from partnerships.choices import TokenScope
from partnerships.models import ApiToken

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
