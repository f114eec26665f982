"""Create a staff account with one role in one district and print its first password once.

The password is random and must be changed at the first log-in (`PasswordStatus.must_change`),
so the person who ran the command never knows the password actually in use.
"""

import io
import secrets
import string

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from partnerships import services
from partnerships.choices import StaffRole
from partnerships.models import District, PasswordStatus

PASSWORD_ALPHABETS = (string.ascii_lowercase, string.ascii_uppercase, string.digits, "-_.!@#%")


def generated_password(length: int = 20) -> str:
    """Random characters with every class present, so it passes CharacterClassesValidator."""
    alphabet = "".join(PASSWORD_ALPHABETS)
    while True:
        password = "".join(secrets.choice(alphabet) for _ in range(length))
        if all(any(char in chars for char in password) for chars in PASSWORD_ALPHABETS):
            return password


class Command(BaseCommand):
    help = "Create a staff account with a role in a district; prints its first password once."

    def add_arguments(self, parser):
        parser.add_argument("--username", required=True)
        parser.add_argument("--district", required=True, help="District code, e.g. 140105.")
        parser.add_argument("--role", required=True, choices=StaffRole.values)

    def handle(self, *args, username, district, role, **options):
        district_obj = District.objects.filter(code=district).first()
        if district_obj is None:
            raise CommandError(
                f"没有代码为 {district} 的区县。请先添加：超级用户（或其所在市、省的系统管理员）"
                "在后台“区县 → 增加”（/admin/partnerships/district/add/）填写 GB/T 2260 "
                "代码和名称，再运行本命令。"
                f" / No district with code {district!r}. Add it first: as a superuser (or a "
                "system administrator of its city or province) in the back office, "
                "/admin/partnerships/district/add/, with its GB/T 2260 code and name; then run "
                "this command again. See docs/accounts.md."
            )
        User = get_user_model()
        if User.objects.filter(username=username).exists():
            raise CommandError(f"User {username!r} already exists.")
        password = generated_password()
        # Groups must exist with their permissions; setup_roles is idempotent.
        call_command("setup_roles", stdout=io.StringIO())
        try:
            with transaction.atomic():
                user = User(username=username, is_staff=True)
                validate_password(password, user)
                user.set_password(password)
                user.save()
                services.staff_role_assign(user, district=district_obj, role=role)
                # After save(): saving the password records it as changed and clears the flag.
                PasswordStatus.objects.update_or_create(
                    user=user, defaults={"changed_at": timezone.now(), "must_change": True}
                )
        except ValidationError as error:
            raise CommandError("; ".join(error.messages)) from None
        label = StaffRole(role).label
        self.stdout.write(f"用户名 / Username: {username}")
        self.stdout.write(f"角色 / Role: {role} ({label}) · {district_obj.name}")
        self.stdout.write(f"密码 / Password: {password}")
        self.stdout.write(
            "密码仅显示这一次，首次登录须修改。/ Shown only this once; it must be changed at the "
            "first log-in."
        )
