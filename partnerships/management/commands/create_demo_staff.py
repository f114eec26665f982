"""Create or update the demo back-office account and print how to sign in.

The account is staff but not a superuser: it gets the add, change and view permissions of the
registry's models and no delete permission, so the demo shows the back office as district staff
see it. Every run sets a new random password; a fixed one would end up in a README and on the
internet.
"""

import secrets

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.management.base import BaseCommand
from django.db import transaction
from django.urls import reverse

REGISTRY_APPS = ("partnerships", "companies", "outcomes")
GRANTED_ACTIONS = ("add", "change", "view")
# Where `make run` serves the site (Makefile RUN_ADDR).
DEMO_ORIGIN = "http://127.0.0.1:8000"


def demo_permissions():
    return Permission.objects.filter(
        content_type__app_label__in=REGISTRY_APPS,
        codename__regex=rf"^({'|'.join(GRANTED_ACTIONS)})_",
    )


class Command(BaseCommand):
    help = (
        "Create or update the demo staff account (add/change/view on the registry, no delete) "
        "with a new random password, and print the admin address, username and password."
    )

    def add_arguments(self, parser):
        parser.add_argument("--username", default="demo", help="Account name (default: demo).")

    def handle(self, *args, username, **options):
        password = secrets.token_urlsafe(18)
        with transaction.atomic():
            user, _created = get_user_model().objects.get_or_create(username=username)
            user.is_staff = True
            user.is_superuser = False
            user.is_active = True
            # Saving the new password records it as just changed (config.accounts), so the demo
            # account is NOT sent to the password change page: `make run` stays two commands.
            user.set_password(password)
            user.save()
            # set(), not add(): the account holds exactly these rights, never a stray delete.
            user.user_permissions.set(demo_permissions())
        url = DEMO_ORIGIN + reverse("admin:index")
        self.stdout.write(f"管理后台 / Admin: {url}")
        self.stdout.write(f"用户名 / Username: {username}")
        self.stdout.write(f"密码 / Password: {password}")
        self.stdout.write("密码仅显示这一次。/ The password is shown only this once.")
