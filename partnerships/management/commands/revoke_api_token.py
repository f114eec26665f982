"""Revoke an API token by its prefix (the part before the dot)."""

from django.core.management.base import BaseCommand, CommandError

from partnerships import services
from partnerships.models import ApiToken


class Command(BaseCommand):
    help = "Revoke an API token by its prefix."

    def add_arguments(self, parser):
        parser.add_argument("prefix", help="the token's prefix, e.g. pr1a2b3c4d5e")

    def handle(self, *args, prefix, **options):
        token = ApiToken.objects.filter(prefix=prefix.split(".")[0]).first()
        if token is None:
            raise CommandError(f"no token with prefix {prefix!r}")
        services.api_token_revoke(token)
        self.stdout.write(f"revoked {token.prefix} ({token.name}, {token.user})")
