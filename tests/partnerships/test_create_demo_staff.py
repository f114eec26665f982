"""The demo staff accounts: one role each in 小店区, made through the role system, nothing else;
a fresh strong password each run. And no account made by any command holds a right outside its
role's group."""

import re
from io import StringIO

import pytest
from django.contrib.auth.models import Group, Permission, User
from django.core.management import call_command
from django.core.management.base import CommandError
from django.http import HttpRequest

from partnerships.choices import StaffRole
from partnerships.models import District, DistrictRole
from tests import factories
from tests.admin_helpers import admin_url

pytestmark = pytest.mark.django_db

PASSWORD_LINE = re.compile(r"^密码 / Password: (?P<password>\S+)$", re.MULTILINE)
DEMO = {
    "demo-editor": StaffRole.EDITOR,
    "demo-publisher": StaffRole.PUBLISHER,
    "demo-auditor": StaffRole.AUDITOR,
}


def create_demo_staff(*args) -> str:
    out = StringIO()
    call_command("create_demo_staff", *args, stdout=out)
    return out.getvalue()


def printed_passwords(output: str) -> list[str]:
    return [match["password"] for match in PASSWORD_LINE.finditer(output)]


def test_create_demo_staff_prints_address_and_each_account_with_its_password(xiaodian):
    output = create_demo_staff()

    lines = output.splitlines()
    assert lines[0] == "管理后台 / Admin: http://127.0.0.1:8000/admin/"
    assert lines[1::2][:3] == [
        "用户名 / Username: demo-editor · 编辑员 · 小店区",
        "用户名 / Username: demo-publisher · 审核发布员 · 小店区",
        "用户名 / Username: demo-auditor · 审计员 · 小店区",
    ]
    assert [len(password) for password in printed_passwords(output)] == [24, 24, 24]


def test_create_demo_staff_prints_the_address_it_is_given(xiaodian):
    output = create_demo_staff("--origin", "http://127.0.0.1:8123")

    assert output.splitlines()[0] == "管理后台 / Admin: http://127.0.0.1:8123/admin/"


def test_create_demo_staff_refuses_an_origin_that_is_not_an_address(xiaodian):
    with pytest.raises(CommandError) as raised:
        create_demo_staff("--origin", "127.0.0.1:8123")

    assert str(raised.value) == "--origin must be like http://127.0.0.1:8000, not '127.0.0.1:8123'."

    assert User.objects.count() == 0


def test_create_demo_staff_without_the_demo_district_says_how_to_load_it(db):
    with pytest.raises(CommandError) as raised:
        create_demo_staff()

    assert str(raised.value) == (
        "No district with code 140105: load the demo data first (`manage.py load_article`)."
    )
    assert User.objects.count() == 0


def test_create_demo_staff_passwords_differ_on_each_run(xiaodian):
    first = printed_passwords(create_demo_staff())
    second = printed_passwords(create_demo_staff())

    assert set(first).isdisjoint(second)
    assert sorted(User.objects.values_list("username", flat=True)) == sorted(DEMO)


def test_each_demo_account_logs_in_with_its_latest_password_and_reaches_its_records(
    client, xiaodian
):
    create_demo_staff()
    passwords = dict(zip(DEMO, printed_passwords(create_demo_staff()), strict=True))
    draft = factories.make_project(district=xiaodian)

    for username, password in passwords.items():
        # django-axes checks every log-in against the request it came with.
        assert client.login(request=HttpRequest(), username=username, password=password) is True
        page = client.get(admin_url(type(draft), "change", draft.pk))
        assert page.status_code == 200
        client.logout()


def test_each_demo_account_holds_its_role_and_nothing_else(xiaodian):
    create_demo_staff()

    for username, role in DEMO.items():
        user = User.objects.get(username=username)
        assert (user.is_staff, user.is_superuser, user.is_active) == (True, False, True)
        assert list(user.user_permissions.all()) == []
        assert list(user.groups.values_list("name", flat=True)) == [role]
        assert list(user.district_roles.values_list("district__code", "role")) == [("140105", role)]


def test_the_demo_editor_may_add_a_record_in_its_district(xiaodian):
    create_demo_staff()
    editor = User.objects.get(username="demo-editor")

    assert editor.has_perm("partnerships.add_project") is True
    assert editor.has_perm("partnerships.add_districtrole") is False


def test_create_demo_staff_removes_the_old_demo_account_with_raw_permissions(xiaodian):
    old = User.objects.create_user("demo", password="old-password", is_staff=True)
    old.user_permissions.set(Permission.objects.filter(content_type__app_label="partnerships"))

    create_demo_staff()

    assert User.objects.filter(username="demo").exists() is False


def test_create_demo_staff_demotes_an_existing_superuser_of_a_demo_name(xiaodian):
    User.objects.create_superuser("demo-editor", password="old-password")

    output = create_demo_staff()

    user = User.objects.get(username="demo-editor")
    assert (user.is_staff, user.is_superuser) == (True, False)
    assert user.check_password("old-password") is False
    assert user.check_password(printed_passwords(output)[0]) is True


# --- No account made by a command holds a right outside its role's group -------------------------


def role_groups_of(user) -> set[str]:
    return set(user.district_roles.values_list("role", flat=True))


@pytest.mark.parametrize(
    "command",
    [
        ["create_demo_staff"],
        ["create_staff", "--username", "wu", "--district", "140105", "--role", "publisher"],
        ["create_staff", "--username", "wu", "--district", "140105", "--role", "security_admin"],
        ["setup_roles"],
    ],
    ids=lambda command: " ".join(command[:2]),
)
def test_no_account_made_by_a_command_holds_a_permission_outside_its_roles(xiaodian, command):
    call_command(*command, stdout=StringIO())
    call_command("setup_roles", stdout=StringIO())  # again: it must not widen anyone

    for user in User.objects.all():
        assert list(user.user_permissions.all()) == [], user.username
        assert set(user.groups.values_list("name", flat=True)) == role_groups_of(user)
        allowed = set(
            Permission.objects.filter(group__name__in=role_groups_of(user)).values_list(
                "content_type__app_label", "codename"
            )
        )
        held = {tuple(name.split(".", 1)) for name in user.get_all_permissions()}
        assert held <= allowed, user.username


def test_the_demo_editor_cannot_give_itself_a_role_in_the_back_office(
    client, xiaodian, other_district
):
    """The old demo account's escalation: it opened /admin/partnerships/districtrole/add/ and
    gave itself 系统管理员 in another district."""
    passwords = dict(zip(DEMO, printed_passwords(create_demo_staff()), strict=True))
    editor = User.objects.get(username="demo-editor")
    client.login(request=HttpRequest(), username="demo-editor", password=passwords["demo-editor"])
    url = "/admin/partnerships/districtrole/add/"
    roles_before = list(DistrictRole.objects.values_list("user", "district", "role"))
    groups_before = list(editor.groups.values_list("name", flat=True))

    page = client.get(url)
    answer = client.post(
        url,
        {"user": editor.pk, "district": other_district.pk, "role": StaffRole.SYSTEM_ADMIN},
    )

    assert (page.status_code, answer.status_code) == (403, 403)
    assert b"403 Forbidden" in answer.content
    assert list(DistrictRole.objects.values_list("user", "district", "role")) == roles_before
    assert list(editor.groups.values_list("name", flat=True)) == groups_before
    assert District.objects.count() == 2
    assert Group.objects.filter(user=editor).count() == 1
