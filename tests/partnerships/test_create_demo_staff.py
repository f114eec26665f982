"""The demo staff account: a fresh strong password each run, staff rights without delete."""

import re
from io import StringIO

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.http import HttpRequest

PASSWORD_LINE = re.compile(r"^密码 / Password: (?P<password>\S+)$", re.MULTILINE)


def create_demo_staff(*args) -> str:
    out = StringIO()
    call_command("create_demo_staff", *args, stdout=out)
    return out.getvalue()


def printed_password(output: str) -> str:
    return PASSWORD_LINE.search(output)["password"]


@pytest.mark.django_db
def test_create_demo_staff_prints_address_username_and_password():
    output = create_demo_staff()

    lines = output.splitlines()
    assert lines[0] == "管理后台 / Admin: http://127.0.0.1:8000/admin/"
    assert lines[1] == "用户名 / Username: demo"
    assert len(printed_password(output)) == 24


@pytest.mark.django_db
def test_create_demo_staff_password_differs_on_each_run():
    first = printed_password(create_demo_staff())
    second = printed_password(create_demo_staff())

    assert first != second
    assert User.objects.filter(username="demo").count() == 1


@pytest.mark.django_db
def test_create_demo_staff_user_logs_in_with_the_latest_password(client):
    create_demo_staff()
    password = printed_password(create_demo_staff())

    # django-axes checks every log-in against the request it came with.
    assert client.login(request=HttpRequest(), username="demo", password=password) is True
    assert client.get("/admin/").status_code == 200


@pytest.mark.django_db
def test_create_demo_staff_user_is_staff_not_superuser():
    create_demo_staff()

    user = User.objects.get(username="demo")
    assert (user.is_staff, user.is_superuser, user.is_active) == (True, False, True)


@pytest.mark.django_db
def test_create_demo_staff_grants_add_change_view_but_no_delete():
    create_demo_staff()

    user = User.objects.get(username="demo")
    codenames = set(user.user_permissions.values_list("codename", flat=True))
    actions = {codename.split("_", 1)[0] for codename in codenames}
    assert actions == {"add", "change", "view"}
    assert user.has_perm("outcomes.change_outcome") is True
    assert user.has_perm("outcomes.delete_outcome") is False
    assert user.has_perm("auth.view_user") is False


@pytest.mark.django_db
def test_create_demo_staff_demotes_an_existing_superuser_of_that_name():
    User.objects.create_superuser("visitor", password="old-password")

    output = create_demo_staff("--username", "visitor")

    user = User.objects.get(username="visitor")
    assert (user.is_staff, user.is_superuser) == (True, False)
    assert user.check_password("old-password") is False
    assert user.check_password(printed_password(output)) is True
