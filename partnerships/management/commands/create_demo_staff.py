"""Create or update the demo back-office accounts and print how to sign in.

One account per role a visitor wants to try, each made the way real staff are made: the role
groups of `setup_roles`, then a district role in 小店区 (140105, the demo data's district, made
by `load_article`) through `services.staff_role_assign`. Each holds its role and nothing else —
no raw model permission, no other group, no superuser status — so the demo shows the back office
exactly as district staff see it, and no demo account can grant itself anything. Every run sets
new random passwords; a fixed one would end up in a README and on the internet.
"""

import io
import secrets

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.core.validators import URLValidator
from django.db import transaction
from django.urls import reverse

from partnerships import services
from partnerships.choices import StaffRole
from partnerships.models import District

DEMO_DISTRICT = "140105"
DEMO_ACCOUNTS = (
    ("demo-editor", StaffRole.EDITOR),
    ("demo-publisher", StaffRole.PUBLISHER),
    ("demo-auditor", StaffRole.AUDITOR),
)
# The single account earlier versions made held raw add/change/view permissions of every
# registry model, district roles and tokens included: it is removed.
OLD_DEMO_ACCOUNT = "demo"
# Where `make run` serves the site by default (Makefile RUN_ADDR).
DEFAULT_ORIGIN = "http://127.0.0.1:8000"


def demo_account(username: str, role: str, district: District, password: str):
    """The account `username` with `role` in `district` and nothing else, and `password`."""
    user, _created = get_user_model().objects.get_or_create(username=username)
    user.is_staff, user.is_superuser, user.is_active = True, False, True
    # Saving the new password records it as just changed (partnerships.accounts), so the demo
    # accounts are NOT sent to the password change page: `make run` stays one command.
    user.set_password(password)
    user.save()
    user.user_permissions.clear()
    user.groups.clear()
    user.district_roles.exclude(district=district, role=role).delete()
    services.staff_role_assign(user, district=district, role=role)
    return user


class Command(BaseCommand):
    help = (
        "Create or update the demo staff accounts demo-editor, demo-publisher and demo-auditor "
        "(one role each in 小店区 140105) with new random passwords, and print them."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--origin",
            default=DEFAULT_ORIGIN,
            help=f"Where the site is served, for the printed address (default: {DEFAULT_ORIGIN}).",
        )

    def handle(self, *args, origin, **options):
        try:
            URLValidator(schemes=["http", "https"])(origin)
        except ValidationError:
            raise CommandError(f"--origin must be like {DEFAULT_ORIGIN}, not {origin!r}.") from None
        district = District.objects.filter(code=DEMO_DISTRICT).first()
        if district is None:
            raise CommandError(
                f"No district with code {DEMO_DISTRICT}: load the demo data first "
                "(`manage.py load_article`)."
            )
        call_command("setup_roles", stdout=io.StringIO())
        printed = []
        with transaction.atomic():
            get_user_model().objects.filter(username=OLD_DEMO_ACCOUNT).delete()
            for username, role in DEMO_ACCOUNTS:
                password = secrets.token_urlsafe(18)
                demo_account(username, role, district, password)
                printed.append((username, role, password))
        self.stdout.write(f"管理后台 / Admin: {origin.rstrip('/')}{reverse('admin:index')}")
        for username, role, password in printed:
            self.stdout.write(
                f"用户名 / Username: {username} · {StaffRole(role).label} · {district.name}"
            )
            self.stdout.write(f"密码 / Password: {password}")
        self.stdout.write("密码仅显示这一次。/ The passwords are shown only this once.")
