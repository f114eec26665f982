"""Log-in, passwords, sessions and staff roles.

Personas: Zhao, an editor of 小店区; Qian, the auditor; Sun, the security administrator. Each
has a real password and logs in through the admin's log-in page, so django-axes, the password
policy and the session limits all see what a browser would send.
"""

import datetime
import re
import time
from io import StringIO

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth.models import Group, User
from django.contrib.auth.password_validation import validate_password
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import F, Sum
from django.utils import timezone, translation
from rest_framework.test import APIClient

from partnerships import services
from partnerships.accounts import LOGIN_AT_SESSION_KEY, CharacterClassesValidator
from partnerships.choices import AuditAction, StaffRole
from partnerships.models import ApiToken, AuditEntry, PasswordStatus
from partnerships.selectors import staff_roles_of
from tests import factories

PASSWORD = "Xiaodian-2026"
LOGIN_URL = "/admin/login/?next=/admin/"
EXCLUSIVE = {StaffRole.AUDITOR, StaffRole.SECURITY_ADMIN, StaffRole.SYSTEM_ADMIN}


def staff(username: str, district, role: str) -> User:
    # set_password() + save(), as the admin does, records the change (create_user() does not).
    user = User(username=username, is_staff=True)
    user.set_password(PASSWORD)
    user.save()
    services.staff_role_assign(user, district=district, role=role)
    return user


@pytest.fixture
def roles(db):
    call_command("setup_roles", stdout=StringIO())


@pytest.fixture
def zhao(roles, xiaodian) -> User:
    """Zhao, an editor of 小店区."""
    return staff("zhao", xiaodian, StaffRole.EDITOR)


@pytest.fixture
def qian(roles, xiaodian) -> User:
    """Qian, the auditor: reads everything, changes nothing."""
    return staff("qian", xiaodian, StaffRole.AUDITOR)


@pytest.fixture
def sun(roles, xiaodian) -> User:
    """Sun, the security administrator: accounts and roles, no business data."""
    return staff("sun", xiaodian, StaffRole.SECURITY_ADMIN)


def log_in(client, username, password, address="10.0.0.1"):
    return client.post(
        LOGIN_URL,
        {"username": username, "password": password},
        REMOTE_ADDR=address,
        HTTP_ACCEPT_LANGUAGE="en",
    )


def logged_in_as(client) -> str | None:
    user_id = client.session.get("_auth_user_id")
    return User.objects.get(pk=user_id).username if user_id else None


def lockout_message(response) -> list[str]:
    """The error boxes of the page actually sent (the log-in view rendered one before axes)."""
    html = response.content.decode()
    return re.findall(r'<p class="errornote">\s*(.*?)\s*</p>', html, re.DOTALL)


LOCKED = (
    "Too many failed log-in attempts for this account or from this address. Log-in is locked "
    "for 30 minutes; please try again later or ask a security administrator."
)


# --- Lock-out -------------------------------------------------------------------------------------


def test_login_succeeds_after_four_failures(client, zhao):
    for _ in range(4):
        log_in(client, "zhao", "wrong-password")

    response = log_in(client, "zhao", PASSWORD)

    assert (response.status_code, response.url, logged_in_as(client)) == (302, "/admin/", "zhao")


def test_login_five_failures_lock_that_name_at_that_address_only(client, zhao, qian):
    for _ in range(5):
        log_in(client, "zhao", "wrong-password", address="10.0.1.1")

    locked = log_in(client, "zhao", PASSWORD, address="10.0.1.1")
    assert (locked.status_code, lockout_message(locked), logged_in_as(client)) == (
        429,
        [LOCKED],
        None,
    )
    assert AuditEntry.objects.filter(action=AuditAction.LOGIN).count() == 0

    # Qian, at the same desk (same address), and Zhao from home are not locked.
    colleague = log_in(client, "qian", PASSWORD, address="10.0.1.1")
    assert (colleague.status_code, logged_in_as(client)) == (302, "qian")
    client.logout()
    from_home = log_in(client, "zhao", PASSWORD, address="10.0.2.1")
    assert (from_home.status_code, logged_in_as(client)) == (302, "zhao")


def test_login_five_made_up_names_from_an_office_do_not_lock_out_its_staff(client, zhao):
    # Everyone in the office shares one address (NAT); a visitor tries five invented names.
    for number in range(5):
        log_in(client, f"guess{number}", "wrong-password", address="10.0.3.1")

    response = log_in(client, "zhao", PASSWORD, address="10.0.3.1")

    assert (response.status_code, response.url, logged_in_as(client)) == (302, "/admin/", "zhao")
    failed = AuditEntry.objects.filter(action=AuditAction.LOGIN_FAILED).order_by("id")
    assert [(entry.username, entry.client_address) for entry in failed] == [
        (f"guess{number}", "10.0.3.1") for number in range(5)
    ]
    assert AuditEntry.objects.filter(action=AuditAction.LOCKOUT).count() == 0


def test_login_an_address_spraying_many_names_is_locked_altogether(client, settings, zhao, qian):
    settings.AXES_ADDRESS_FAILURE_LIMIT = 12
    for number in range(12):
        log_in(client, f"guess{number}", "wrong-password", address="10.0.4.1")

    locked = log_in(client, "zhao", PASSWORD, address="10.0.4.1")
    assert (locked.status_code, lockout_message(locked), logged_in_as(client)) == (
        429,
        [LOCKED],
        None,
    )
    assert AuditEntry.objects.filter(action=AuditAction.LOGIN).count() == 0
    # Recorded when the address locks and at each attempt refused, which is not counted.
    lockouts = AuditEntry.objects.filter(action=AuditAction.LOCKOUT).order_by("id")
    assert [(entry.client_address, entry.detail) for entry in lockouts] == [
        ("10.0.4.1", {"username": "guess11", "ip_address": "10.0.4.1"}),
        ("10.0.4.1", {"username": "zhao", "ip_address": "10.0.4.1"}),
    ]
    counted = AccessAttempt.objects.filter(ip_address="10.0.4.1").aggregate(
        total=Sum("failures_since_start")
    )
    assert counted == {"total": 12}

    elsewhere = log_in(client, "qian", PASSWORD, address="10.0.4.2")
    assert (elsewhere.status_code, logged_in_as(client)) == (302, "qian")


def test_login_a_colleagues_success_does_not_clear_the_address_count(client, settings, zhao):
    # A success clears its own name's count at the address, not the spraying count around it.
    settings.AXES_ADDRESS_FAILURE_LIMIT = 6
    for number in range(5):
        log_in(client, f"guess{number}", "wrong-password", address="10.0.5.1")
    log_in(client, "zhao", PASSWORD, address="10.0.5.1")
    client.logout()

    log_in(client, "guess5", "wrong-password", address="10.0.5.1")
    response = log_in(client, "zhao", PASSWORD, address="10.0.5.1")

    assert (response.status_code, logged_in_as(client)) == (429, None)


def test_login_unlocks_thirty_minutes_after_the_last_failure(client, zhao):
    for _ in range(5):
        log_in(client, "zhao", "wrong-password")
    # Attempts made while locked do not extend the lock (no permanent lock-out).
    log_in(client, "zhao", "wrong-password")
    AccessAttempt.objects.update(attempt_time=F("attempt_time") - datetime.timedelta(minutes=31))

    response = log_in(client, "zhao", PASSWORD)

    assert (response.status_code, logged_in_as(client)) == (302, "zhao")


def test_login_still_locked_after_twenty_nine_minutes(client, zhao):
    for _ in range(5):
        log_in(client, "zhao", "wrong-password")
    AccessAttempt.objects.update(attempt_time=F("attempt_time") - datetime.timedelta(minutes=29))

    response = log_in(client, "zhao", PASSWORD)

    assert (response.status_code, logged_in_as(client)) == (429, None)


def test_lockout_settings():
    lockout = {
        "limit": settings.AXES_FAILURE_LIMIT,
        "per address": settings.AXES_ADDRESS_FAILURE_LIMIT,
        "cool-off": settings.AXES_COOLOFF_TIME,
        "by": settings.AXES_LOCKOUT_PARAMETERS,
        "extended while locked": settings.AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT,
    }
    assert lockout == {
        "limit": 5,
        "cool-off": datetime.timedelta(minutes=30),
        "per address": 100,
        "by": [["username", "ip_address"]],
        "extended while locked": False,
    }


def test_api_token_works_while_the_address_is_locked(client, settings, zhao):
    settings.AXES_ADDRESS_FAILURE_LIMIT = 5
    plain = factories.make_token(zhao)
    for number in range(5):
        log_in(client, f"guess{number}", "wrong-password", address="127.0.0.1")

    api = APIClient(HTTP_AUTHORIZATION=f"Bearer {plain}", REMOTE_ADDR="127.0.0.1")
    response = api.get("/api/v1/deletions/", {"since": "2000-01-01T00:00:00Z"})

    assert (response.status_code, response.json()["results"]) == (200, [])


# --- Password rules -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("password", "codes"),
    [
        ("Ab1!xy", ["password_too_short"]),
        ("alllowercaseletters", ["password_too_uniform"]),
        ("lowerUPPER", ["password_too_uniform"]),
        ("Password1", ["password_too_common"]),
        ("Zhaoming1!", ["password_too_similar"]),
        (
            "1234567890",
            ["password_too_common", "password_entirely_numeric", "password_too_uniform"],
        ),
        ("Good-Pass-2026", []),
        ("lower-2026", []),
    ],
)
def test_password_rules(password, codes):
    user = User(username="zhaoming", email="zhaoming@example.cn")
    try:
        validate_password(password, user)
        raised = []
    except ValidationError as error:
        raised = [item.code for item in error.error_list]

    assert raised == codes


def test_character_classes_help_text():
    with translation.override("en"):
        assert CharacterClassesValidator().get_help_text() == (
            "Your password must contain at least 3 of these: lower-case letters, upper-case "
            "letters, digits and symbols."
        )
    with translation.override("zh-hans"):
        assert CharacterClassesValidator().get_help_text() == (
            "密码至少须包含以下四类字符中的3类：小写字母、大写字母、数字和符号。"
        )


# --- Forced change: first log-in and 90 days ------------------------------------------------------

CREATED_PASSWORD = re.compile(r"^密码 / Password: (?P<password>\S+)$", re.MULTILINE)


def create_staff(*args) -> str:
    out = StringIO()
    call_command("create_staff", *args, stdout=out)
    return out.getvalue()


def test_create_staff_prints_the_password_once_and_forces_a_change(client, roles, xiaodian):
    output = create_staff("--username", "zhou", "--district", "140105", "--role", "publisher")

    password = CREATED_PASSWORD.search(output)["password"]
    assert output.count(password) == 1
    validate_password(password)
    user = User.objects.get(username="zhou")
    assert (user.is_staff, user.is_superuser, staff_roles_of(user)) == (
        True,
        False,
        {"publisher"},
    )
    assert PasswordStatus.objects.get(user=user).must_change is True

    log_in(client, "zhou", password)
    forced = client.get("/admin/")
    assert (forced.status_code, forced.url) == (302, "/admin/password_change/")

    changed = client.post(
        "/admin/password_change/",
        {"old_password": password, "new_password1": PASSWORD, "new_password2": PASSWORD},
    )
    assert (changed.status_code, changed.url) == (302, "/admin/password_change/done/")
    assert client.get("/admin/").status_code == 200
    assert PasswordStatus.objects.get(user=user).must_change is False


def test_create_staff_refuses_an_unknown_district_and_says_how_to_add_it(roles):
    with pytest.raises(CommandError) as raised:
        create_staff("--username", "zhou", "--district", "330106", "--role", "editor")

    assert str(raised.value) == (
        "没有代码为 330106 的区县。请先添加：超级用户（或其所在市、省的系统管理员）在后台“区县 → "
        "增加”（/admin/partnerships/district/add/）填写 GB/T 2260 代码和名称，再运行本命令。"
        " / No district with code '330106'. Add it first: as a superuser (or a system "
        "administrator of its city or province) in the back office, "
        "/admin/partnerships/district/add/, with its GB/T 2260 code and name; then run this "
        "command again. See docs/accounts.md."
    )
    assert User.objects.filter(username="zhou").exists() is False


def age_password(user, days: int):
    PasswordStatus.objects.filter(user=user).update(
        changed_at=timezone.now() - datetime.timedelta(days=days)
    )


def test_password_older_than_ninety_days_must_be_changed(client, zhao):
    age_password(zhao, 91)
    log_in(client, "zhao", PASSWORD)

    pages = [client.get(url) for url in ("/admin/", "/admin/partnerships/institution/")]
    allowed = client.get("/admin/password_change/")

    assert [(page.status_code, page.url) for page in pages] == [
        (302, "/admin/password_change/"),
        (302, "/admin/password_change/"),
    ]
    assert allowed.status_code == 200


def test_password_younger_than_ninety_days_is_not_forced(client, zhao):
    age_password(zhao, 89)
    log_in(client, "zhao", PASSWORD)

    assert client.get("/admin/").status_code == 200


def test_password_change_is_recorded(zhao):
    age_password(zhao, 100)
    before = timezone.now()

    zhao.set_password("Another-Pass-7")
    zhao.save()

    status = PasswordStatus.objects.get(user=zhao)
    assert (status.changed_at >= before, status.must_change) == (True, False)


def test_users_without_password_status_are_not_forced(editor_client):
    assert editor_client.get("/admin/").status_code == 200


# --- Sessions -------------------------------------------------------------------------------------


def test_idle_timeout_is_thirty_minutes_and_slides(client, zhao):
    assert (settings.SESSION_COOKIE_AGE, settings.SESSION_SAVE_EVERY_REQUEST) == (1800, True)
    log_in(client, "zhao", PASSWORD)
    Session.objects.update(expire_date=timezone.now() + datetime.timedelta(minutes=1))

    client.get("/admin/")

    expires_in = Session.objects.get().expire_date - timezone.now()
    assert datetime.timedelta(minutes=29) < expires_in <= datetime.timedelta(minutes=30)


def test_idle_session_ends(client, zhao):
    log_in(client, "zhao", PASSWORD)
    Session.objects.update(expire_date=timezone.now() - datetime.timedelta(seconds=1))

    response = client.get("/admin/")

    assert (response.status_code, response.url) == (302, "/admin/login/?next=/admin/")


def test_session_ends_at_the_absolute_cap_however_active(client, zhao):
    assert settings.SESSION_ABSOLUTE_SECONDS == 12 * 60 * 60
    log_in(client, "zhao", PASSWORD)
    assert client.get("/admin/").status_code == 200
    session = client.session
    session[LOGIN_AT_SESSION_KEY] = time.time() - settings.SESSION_ABSOLUTE_SECONDS - 1
    session.save()

    response = client.get("/admin/")

    assert (response.status_code, response.url) == (302, "/admin/login/?next=/admin/")
    assert logged_in_as(client) is None


def test_deactivation_ends_every_session_and_token(client, zhao, qian):
    log_in(client, "zhao", PASSWORD)
    second = type(client)()
    log_in(second, "zhao", PASSWORD, address="10.0.9.9")
    log_in(type(client)(), "qian", PASSWORD)
    factories.make_token(zhao)
    factories.make_token(zhao)

    services.user_deactivate(zhao)

    assert client.get("/admin/").status_code == 302
    assert second.get("/admin/").status_code == 302
    remaining = [Session.objects.get(pk=s.pk).get_decoded() for s in Session.objects.all()]
    assert [data["_auth_user_id"] for data in remaining] == [str(qian.pk)]
    assert ApiToken.objects.filter(user=zhao, revoked_at__isnull=True).count() == 0


def test_security_admin_deactivating_in_the_admin_ends_sessions_and_tokens(client, sun, zhao):
    zhao_client = type(client)()
    log_in(zhao_client, "zhao", PASSWORD)
    factories.make_token(zhao)
    log_in(client, "sun", PASSWORD)
    url = f"/admin/auth/user/{zhao.pk}/change/"
    form = client.get(url).context["adminform"].form
    data = {
        name: value
        for name, value in ((f.html_name, f.value()) for f in form)
        if value not in (None, False)
    }
    data["groups"] = [group.pk for group in zhao.groups.all()]
    data.pop("is_active")
    for name in ("date_joined", "last_login"):
        value = getattr(zhao, name)
        if value:
            local = timezone.localtime(value)
            data[f"{name}_0"], data[f"{name}_1"] = f"{local:%Y-%m-%d}", f"{local:%H:%M:%S}"
            data.pop(name, None)

    response = client.post(url, data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    zhao.refresh_from_db()
    assert zhao.is_active is False
    assert zhao_client.get("/admin/").status_code == 302
    assert ApiToken.objects.filter(user=zhao, revoked_at__isnull=True).count() == 0


# --- Roles ----------------------------------------------------------------------------------------

BUSINESS = [
    "institution",
    "agreement",
    "agreementparty",
    "project",
    "projectparticipant",
    "enterprise",
    "certification",
    "agreemententerprise",
    "projectenterprise",
    "outcome",
    "target",
]
CONFIGURATION = ["district", "source", "sector"]
SECURITY = ["user", "group", "districtrole", "apitoken", "passwordstatus"]


def codenames(actions, models) -> set[str]:
    return {f"{action}_{model}" for action in actions for model in models}


def group_codenames(name) -> set[str]:
    return set(Group.objects.get(name=name).permissions.values_list("codename", flat=True))


def test_setup_roles_is_idempotent_and_grants_least_privilege(roles):
    Group.objects.get(name="editor").permissions.clear()
    out = StringIO()
    call_command("setup_roles", stdout=out)

    assert sorted(Group.objects.values_list("name", flat=True)) == sorted(StaffRole.values)
    assert out.getvalue().splitlines()[0] == "editor (编辑员): 更新 / updated, 50 permissions"
    view_business = codenames(["view"], BUSINESS + CONFIGURATION)
    # Editors and publishers touch the same kinds of record; the permission policy tells them
    # apart by publication state (tests/test_permission_matrix.py). Both may cite a new source
    # and correct or remove their district's sources while nothing published cites them.
    writer = codenames(["add", "change", "delete", "view"], BUSINESS) | codenames(
        ["view"], CONFIGURATION
    )
    own_sources = {"add_source", "change_source", "delete_source"}
    assert group_codenames("editor") == writer | own_sources
    assert group_codenames("publisher") == writer | own_sources
    assert group_codenames("auditor") == view_business | codenames(
        ["view"],
        [
            *SECURITY,
            *("permission", "accesslog", "accessfailurelog"),
            *("auditentry", "deletion", "logentry", "accessattempt"),
        ],
    )
    assert group_codenames("security_admin") == codenames(
        ["add", "change", "delete", "view"], SECURITY
    ) | codenames(["view"], ["permission", "accesslog", "accessfailurelog"]) | {
        "view_accessattempt",
        "delete_accessattempt",
        "view_district",  # to choose the district of a role
    }
    assert group_codenames("system_admin") == codenames(
        ["add", "change", "delete", "view"], BUSINESS + CONFIGURATION
    ) | {"view_deletion"}


def test_auditor_and_security_admin_rights_read_as_stories(zhao, qian, sun):
    assert (zhao.has_perm("partnerships.change_project"), zhao.has_perm("auth.view_user")) == (
        True,
        False,
    )
    assert zhao.has_perm("partnerships.delete_district") is False
    assert (qian.has_perm("partnerships.view_deletion"), qian.has_perm("auth.view_user")) == (
        True,
        True,
    )
    assert qian.has_perm("partnerships.change_project") is False
    assert (sun.has_perm("auth.change_user"), sun.has_perm("partnerships.view_project")) == (
        True,
        False,
    )


def users_holding_two_exclusive_roles() -> list[str]:
    return sorted(
        user.username for user in User.objects.all() if len(staff_roles_of(user) & EXCLUSIVE) > 1
    )


def test_no_account_holds_two_of_auditor_security_and_system_admin(zhao, qian, sun):
    """三权分立, checked over every account rather than only at assignment."""
    assert users_holding_two_exclusive_roles() == []


def test_separation_check_finds_an_account_given_a_second_role_by_hand(qian):
    qian.groups.add(Group.objects.get(name=StaffRole.SYSTEM_ADMIN))

    assert users_holding_two_exclusive_roles() == ["qian"]


@pytest.mark.parametrize("second", [StaffRole.SECURITY_ADMIN, StaffRole.SYSTEM_ADMIN])
def test_staff_role_assign_refuses_a_second_exclusive_role(qian, xiaodian, second):
    with pytest.raises(ValidationError) as raised:
        services.staff_role_assign(qian, district=xiaodian, role=second)

    assert raised.value.code == "separation_of_duties"
    assert staff_roles_of(qian) == {"auditor"}


def test_staff_role_assign_sees_group_membership_too(roles, xiaodian, other_district):
    user = User.objects.create_user("wu", password=PASSWORD, is_staff=True)
    user.groups.add(Group.objects.get(name=StaffRole.SECURITY_ADMIN))

    with pytest.raises(ValidationError):
        services.staff_role_assign(user, district=other_district, role=StaffRole.AUDITOR)


def test_staff_role_assign_allows_editor_and_publisher_together(zhao, xiaodian):
    services.staff_role_assign(zhao, district=xiaodian, role=StaffRole.PUBLISHER)
    services.staff_role_assign(zhao, district=xiaodian, role=StaffRole.PUBLISHER)

    assert staff_roles_of(zhao) == {"editor", "publisher"}
    assert zhao.district_roles.count() == 2
