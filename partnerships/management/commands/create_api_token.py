"""Create an API token for a user and print it once (the registry stores only its hash).

This is the server operator's command: whoever runs `manage.py` on the server already has full
control of the registry, so it may make a token for any account (typically a system account for
another system's synchronisation). In the back office nobody can: a token made there belongs to
the person who makes it (docs/accounts.md).
"""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from partnerships import services
from partnerships.choices import TokenScope


class Command(BaseCommand):
    help = (
        "Create an API token for any user (the server operator's command: shell access is "
        "full control; in the back office a token always belongs to whoever creates it). "
        "The token is printed once and never stored."
    )

    def add_arguments(self, parser):
        parser.add_argument("--user", required=True, help="user name of the token's owner")
        parser.add_argument("--name", default="", help="what the token is for")
        parser.add_argument("--scope", choices=TokenScope.values, default=TokenScope.READ)
        parser.add_argument("--days", type=int, default=services.DEFAULT_TOKEN_DAYS)

    def handle(self, *args, user, name, scope, days, **options):
        try:
            owner = get_user_model().objects.get(username=user)
        except get_user_model().DoesNotExist:
            raise CommandError(f"no user named {user!r}") from None
        if not owner.is_active:
            raise CommandError(f"user {user!r} is inactive")
        if not 1 <= days <= 366:
            raise CommandError("--days must be between 1 and 366")
        token, plain = services.api_token_create(
            user=owner, name=name or f"{scope} token", scope=scope, days=days
        )
        self.stdout.write(plain)
        self.stderr.write(
            f"scope={token.scope} expires={token.expires_at:%Y-%m-%d %H:%M %Z}; "
            "copy the token now: it is shown only this once."
        )
