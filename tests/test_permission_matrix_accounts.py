"""The permission matrix of account administration: actor × target district × action on users,
role groups, district roles, API tokens and districts, each cell a real back-office request.

The actors hold one role in 小店区 ("own"), except the security administrator of 迎泽区 (the
"other" district) and the superuser. The target lives in the target district: an editor there
(the account), her editor role, her write token, and the district itself; the role group is the
same for both columns. Outcomes are those of tests/test_permission_matrix.py, plus IGNORED: the
save goes through but the field asked for is not offered and does not change (superuser status,
a district code in use). Nothing changes unless the outcome is ALLOWED.

Below the matrix: the attacks of an outside review, performed as they were.
"""

import itertools
import re

import pytest
from django.contrib.auth.models import Group, Permission, User
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from partnerships import services
from partnerships.choices import PublicationState, StaffRole, TokenScope
from partnerships.models import Agreement, ApiToken, AuditEntry, District, DistrictRole
from partnerships.selectors import why_not
from tests import factories
from tests.admin_helpers import admin_url, form_data
from tests.test_permission_matrix import (
    ALLOWED,
    FORBIDDEN,
    NOT_FOUND,
    REFUSED,
    admin_outcome,
)

pytestmark = pytest.mark.django_db

IGNORED = "ignored"
OK, F, NF = ALLOWED, FORBIDDEN, NOT_FOUND

ACTORS = (
    "security_admin",
    "other_security_admin",
    "system_admin",
    "publisher",
    "editor",
    "auditor",
    "superuser",
)
DISTRICTS = ("own", "other")
ACTIONS = {
    User: ("view", "add", "change", "make superuser", "delete"),
    Group: ("view", "add", "change", "delete"),
    DistrictRole: ("view", "add", "change", "delete"),
    ApiToken: ("view", "add", "change", "delete"),
    District: ("view", "add", "change", "change code", "delete"),
}

# --- The expected outcomes: {model: {actor: {action: (own, other)}}} ----------------------------

NOTHING = {model: dict.fromkeys(actions, (F, F)) for model, actions in ACTIONS.items()}
EVERYTHING = {model: dict.fromkeys(actions, (OK, OK)) for model, actions in ACTIONS.items()}


def mirrored(row: dict) -> dict:
    return {action: (other, own) for action, (own, other) in row.items()}


SECURITY_ADMIN = {
    # His districts' accounts only; superuser status is not offered to him.
    User: {
        "view": (OK, NF),
        "add": (OK, OK),  # a new account has no role yet
        "change": (OK, NF),
        "make superuser": (IGNORED, NF),
        "delete": (OK, NF),
    },
    # The groups are set by setup_roles: he reads them.
    Group: {"view": (OK, OK), "add": (F, F), "change": (F, F), "delete": (F, F)},
    # Another district is not a choice for a new role.
    DistrictRole: {"view": (OK, NF), "add": (OK, REFUSED), "change": (OK, NF), "delete": (OK, NF)},
    # "add" names the target as the owner: the token is made, and it is his own.
    ApiToken: {"view": (OK, NF), "add": (OK, OK), "change": (OK, NF), "delete": (OK, NF)},
    District: NOTHING[District] | {"view": (OK, OK)},
}
AUDITOR = {
    User: NOTHING[User] | {"view": (OK, NF)},
    Group: NOTHING[Group] | {"view": (OK, OK)},
    DistrictRole: NOTHING[DistrictRole] | {"view": (OK, NF)},
    ApiToken: NOTHING[ApiToken] | {"view": (OK, NF)},
    District: NOTHING[District] | {"view": (OK, OK)},
}
WRITER = NOTHING | {District: NOTHING[District] | {"view": (OK, OK)}}
EXPECTED = {
    "security_admin": SECURITY_ADMIN,
    "other_security_admin": {
        model: mirrored(row) if model in (User, DistrictRole, ApiToken) else row
        for model, row in SECURITY_ADMIN.items()
    },
    # Reference data: only the districts his role covers. A district with roles cannot be
    # deleted by him (its roles would go with it, and roles are not his), and its code, in use,
    # is not offered.
    "system_admin": NOTHING
    | {
        District: {
            "view": (OK, OK),
            "add": (REFUSED, REFUSED),  # a county's administrator covers no new district
            "change": (OK, F),
            "change code": (IGNORED, F),
            "delete": (F, F),
        }
    },
    "publisher": WRITER,
    "editor": WRITER,
    "auditor": AUDITOR,
    "superuser": EVERYTHING
    | {District: EVERYTHING[District] | {"change code": (IGNORED, IGNORED)}},
}

CELLS = [
    pytest.param(
        actor,
        district,
        model,
        action,
        id=f"{actor}-{district}-{model.__name__}-{action}",
    )
    for actor, district, (model, action) in itertools.product(
        ACTORS,
        DISTRICTS,
        [(model, action) for model, actions in ACTIONS.items() for action in actions],
    )
]


def test_every_cell_of_the_account_matrix_has_an_expected_outcome():
    assert set(EXPECTED) == set(ACTORS)
    for table in EXPECTED.values():
        assert set(table) == set(ACTIONS)
        assert all(set(table[model]) == set(ACTIONS[model]) for model in ACTIONS)


# --- The people and the state --------------------------------------------------------------------

PASSWORD = "Zq8#mWv4!rTp2&Ln"


def staff(username: str, district, role: str) -> User:
    user = User.objects.create_user(username, password="unused-password", is_staff=True)
    services.staff_role_assign(user, district=district, role=role)
    return user


def actor_named(actor: str, xiaodian, yingze) -> User:
    if actor == "superuser":
        return User.objects.create_superuser("root", password="unused-password")
    if actor == "other_security_admin":
        return staff("yingze-security", yingze, StaffRole.SECURITY_ADMIN)
    return staff(actor, xiaodian, actor)


def snapshot() -> dict:
    """Every row account administration could touch."""
    return {
        "users": sorted(
            User.objects.values_list("username", "is_superuser", "is_staff", "last_name")
        ),
        "user permissions": sorted(
            User.user_permissions.through.objects.values_list(
                "user__username", "permission__codename"
            )
        ),
        "groups": sorted(Group.objects.values_list("name", flat=True)),
        "memberships": sorted(
            User.groups.through.objects.values_list("user__username", "group__name")
        ),
        "group permissions": sorted(
            Group.permissions.through.objects.values_list("group__name", "permission__codename")
        ),
        "roles": sorted(
            DistrictRole.objects.values_list("user__username", "district__code", "role")
        ),
        "tokens": sorted(
            (owner, name, revoked is not None)
            for owner, name, revoked in ApiToken.objects.values_list(
                "user__username", "name", "revoked_at"
            )
        ),
        "districts": sorted(District.objects.values_list("code", "name")),
    }


class Scene:
    """The target account of a district, her role and token, and a newcomer with no role."""

    def __init__(self, place, actor: User):
        self.place = place
        self.actor = actor
        self.target = staff("target", place, StaffRole.EDITOR)
        self.role = DistrictRole.objects.get(user=self.target)
        self.token, _plain = services.api_token_create(
            user=self.target, name="目标令牌", scope=TokenScope.WRITE
        )
        self.newcomer = User.objects.create_user("newcomer", password=PASSWORD, is_staff=True)
        self.group = Group.objects.get(name=StaffRole.EDITOR)
        self.permission = Permission.objects.get(codename="delete_auditentry")

    def record(self, model):
        return {
            User: self.target,
            Group: self.group,
            DistrictRole: self.role,
            ApiToken: self.token,
            District: self.place,
        }[model]


# --- Doing each action in the back office --------------------------------------------------------


def posted(client: Client, url: str, values: dict) -> str:
    """GET the page, then POST it as a browser would with `values`; the outcome."""
    page = client.get(url)
    if page.status_code != 200:
        return admin_outcome(page)
    return admin_outcome(client.post(url, form_data(page) | values))


def add_values(model, scene: Scene) -> dict:
    return {
        User: {
            "username": "added",
            "usable_password": "true",
            "password1": PASSWORD,
            "password2": PASSWORD,
        },
        Group: {"name": "新组", "permissions": [scene.permission.pk]},
        DistrictRole: {
            "user": scene.newcomer.pk,
            "district": scene.place.pk,
            "role": StaffRole.PUBLISHER,
        },
        # Naming the target as the owner, as the attack did: there is no such field.
        ApiToken: {"user": scene.target.pk, "name": "冒名令牌", "scope": "write", "days": "30"},
        District: {"code": "140108", "name": "万柏林区"},
    }[model]


def change_values(model, action: str, scene: Scene) -> dict:
    if action == "make superuser":
        return {"is_superuser": "on"}
    if action == "change code":
        return {"code": "149900"}
    return {
        User: {"last_name": "改过"},
        Group: {
            "permissions": [
                *scene.group.permissions.values_list("pk", flat=True),
                scene.permission.pk,
            ]
        },
        DistrictRole: {"role": StaffRole.PUBLISHER},
        ApiToken: {"name": "改名令牌"},
        District: {"name": "改名区"},
    }[model]


def act(client: Client, model, action: str, scene: Scene) -> str:
    record = scene.record(model)
    if action == "view":
        return admin_outcome(client.get(admin_url(model, "change", record.pk)), read=True)
    if action == "add":
        return posted(client, admin_url(model, "add"), add_values(model, scene))
    if action == "delete":
        return admin_outcome(client.post(admin_url(model, "delete", record.pk), {"post": "yes"}))
    url = admin_url(model, "change", record.pk)
    page = client.get(url)
    data = form_data(page) if page.status_code == 200 else {}
    return admin_outcome(client.post(url, data | change_values(model, action, scene)))


def done(model, action: str, scene: Scene) -> bool:
    """Whether the allowed action did exactly what it says."""
    if action == "delete":
        return not type(scene.record(model)).objects.filter(pk=scene.record(model).pk).exists()
    if model is User:
        target = User.objects.filter(pk=scene.target.pk).first()
        if action == "add":
            added = User.objects.get(username="added")
            return (added.is_superuser, list(added.groups.all())) == (False, [])
        if action == "make superuser":
            return target.is_superuser
        return target.last_name == "改过"
    if model is Group:
        if action == "add":
            return Group.objects.filter(name="新组").exists()
        return scene.group.permissions.filter(pk=scene.permission.pk).exists()
    if model is DistrictRole:
        if action == "add":
            return list(scene.newcomer.district_roles.values_list("district", "role")) == [
                (scene.place.pk, StaffRole.PUBLISHER)
            ]
        return DistrictRole.objects.get(pk=scene.role.pk).role == StaffRole.PUBLISHER
    if model is ApiToken:
        if action == "add":
            new = ApiToken.objects.exclude(pk=scene.token.pk).get()
            return (new.user, new.name, scene.target.api_tokens.count()) == (
                scene.actor,
                "冒名令牌",
                1,
            )
        return ApiToken.objects.get(pk=scene.token.pk).name == "改名令牌"
    if action == "add":
        return District.objects.filter(code="140108", name="万柏林区").exists()
    return District.objects.get(pk=scene.place.pk).name == "改名区"


@pytest.mark.parametrize(("actor", "district", "model", "action"), CELLS)
def test_account_permission_matrix(roles, xiaodian, other_district, actor, district, model, action):
    expected = EXPECTED[actor][model][action][DISTRICTS.index(district)]
    user = actor_named(actor, xiaodian, other_district)
    scene = Scene(xiaodian if district == "own" else other_district, user)
    client = Client()
    client.force_login(user)
    before = snapshot()

    outcome = act(client, model, action, scene)
    after = snapshot()
    if outcome == ALLOWED and after == before and action in ("make superuser", "change code"):
        outcome = IGNORED  # saved, without the field the actor may not set

    assert outcome == expected
    if expected != ALLOWED or action == "view":
        assert after == before
    else:
        assert done(model, action, scene) is True


# --- The attacks of the review, performed as they were --------------------------------------------


@pytest.fixture
def sun(roles, xiaodian) -> User:
    """Sun, the security administrator of 小店区."""
    return staff("sun", xiaodian, StaffRole.SECURITY_ADMIN)


@pytest.fixture
def sun_client(sun) -> Client:
    client = Client()
    client.force_login(sun)
    return client


def test_a_security_admin_ticking_superuser_on_his_own_account_stays_a_security_admin(
    sun, sun_client, xiaodian, other_district
):
    """Attack (a): tick 超级用户状态 on one's own account, save, then read another district's
    drafts."""
    draft = factories.make_agreement(district=other_district, title="迎泽区的草稿协议")
    url = admin_url(User, "change", sun.pk)
    page = sun_client.get(url)
    before = snapshot()

    response = sun_client.post(
        url,
        form_data(page)
        | {
            "is_superuser": "on",
            "groups": list(Group.objects.values_list("pk", flat=True)),
            "user_permissions": list(Permission.objects.values_list("pk", flat=True)),
        },
    )

    fields = set(page.context["adminform"].form.fields)
    assert fields & {"is_superuser", "groups", "user_permissions"} == set()
    assert response.status_code == 302
    assert snapshot() == before
    sun.refresh_from_db()
    assert (sun.is_superuser, sun.user_permissions.count()) == (False, 0)
    assert list(sun.groups.values_list("name", flat=True)) == ["security_admin"]
    answer = sun_client.get(admin_url(Agreement, "change", draft.pk))
    assert answer.status_code == 403  # no business data at all for him, in any district


@pytest.mark.parametrize(
    ("whom", "where", "role", "errors"),
    [
        ("a colleague", "140000", StaffRole.EDITOR, ["district"]),  # the whole province
        ("a colleague", "140106", StaffRole.PUBLISHER, ["district"]),  # another district
        ("himself", "140105", StaffRole.SYSTEM_ADMIN, ["user"]),  # his own account
        ("himself", "140106", StaffRole.PUBLISHER, ["user", "district"]),
    ],
)
def test_a_security_admin_grants_no_role_outside_his_district_nor_to_himself(
    sun, sun_client, xiaodian, other_district, shanxi, whom, where, role, errors
):
    """Attack (b): add a district role for any user in 140000 or another district, including
    himself."""
    colleague = User.objects.create_user("wu", password="unused-password", is_staff=True)
    user = sun if whom == "himself" else colleague
    url = admin_url(DistrictRole, "add")
    page = sun_client.get(url)
    values = {"user": user.pk, "district": District.objects.get(code=where).pk, "role": role}
    before = snapshot()

    response = sun_client.post(url, form_data(page) | values, HTTP_ACCEPT_LANGUAGE="en")

    form = response.context["adminform"].form
    assert (response.status_code, list(form.errors)) == (200, errors)
    assert [form.errors[field] for field in errors] == [
        ["Select a valid choice. That choice is not one of the available choices."]
    ] * len(errors)
    assert snapshot() == before
    offered = page.context["adminform"].form.fields
    assert list(offered["district"].queryset) == [xiaodian]
    assert sun not in offered["user"].queryset


def test_a_security_admin_cannot_hold_an_editor_or_publisher_role(sun, xiaodian):
    """Separation of duties: who manages accounts does not edit or publish."""
    for role in (StaffRole.EDITOR, StaffRole.PUBLISHER):
        with pytest.raises(ValidationError) as raised:
            services.staff_role_assign(sun, district=xiaodian, role=role)
        assert raised.value.code == "separation_of_duties"
    assert list(sun.district_roles.values_list("role", flat=True)) == ["security_admin"]


def test_a_security_admin_cannot_make_a_token_for_another_districts_publisher(
    sun, sun_client, xiaodian, other_district
):
    """Attack (c): create a write token for a publisher of another district in the back office,
    then publish that district's draft through the API under her name."""
    publisher = staff("yingze-publisher", other_district, StaffRole.PUBLISHER)
    draft = factories.make_agreement(district=other_district, state=PublicationState.SUBMITTED)
    url = admin_url(ApiToken, "add")
    page = sun_client.get(url)
    before_tokens = list(ApiToken.objects.filter(user=publisher))
    audit_before = AuditEntry.objects.filter(username=publisher.username).count()

    response = sun_client.post(
        url,
        form_data(page)
        | {"user": publisher.pk, "name": "冒名令牌", "scope": "write", "days": "30"},
        follow=True,
    )

    assert "user" not in page.context["adminform"].form.fields
    assert response.status_code == 200
    assert list(ApiToken.objects.filter(user=publisher)) == before_tokens == []
    made = ApiToken.objects.get(name="冒名令牌")
    assert made.user == sun  # the token he made is his own
    shown = [str(message) for message in response.context["messages"]]
    plain = re.search(r"pr[0-9a-f]{10}\.[\w-]+", shown[0]).group()
    # With the only token he could get, the other district's draft cannot be published.
    answer = APIClient(HTTP_AUTHORIZATION=f"Bearer {plain}").post(
        f"/api/v1/agreements/{draft.pk}/publish/"
    )
    assert (answer.status_code, answer.json()) == (
        403,
        {"detail": "该令牌所属用户无权编辑任何区县的记录。请联系管理员为其分配区县编辑角色。"},
    )
    draft.refresh_from_db()
    assert draft.state == PublicationState.SUBMITTED
    assert AuditEntry.objects.filter(username=publisher.username).count() == audit_before


def test_the_policy_refuses_a_token_for_somebody_else_whatever_the_interface(sun, other_district):
    """The policy itself refuses a token for somebody else, whatever the interface."""
    publisher = staff("yingze-publisher", other_district, StaffRole.PUBLISHER)

    refusal = why_not(sun, "add", ApiToken(user=publisher))

    assert (refusal.code, refusal.message) == (
        "forbidden",
        "令牌属于创建它的人：不能为他人创建令牌。",
    )


def test_a_security_admin_revokes_a_token_of_his_district_but_not_of_another(
    sun, sun_client, xiaodian, other_district
):
    own, _plain = services.api_token_create(
        user=staff("zhao", xiaodian, StaffRole.EDITOR), name="小店区令牌"
    )
    other, _plain = services.api_token_create(
        user=staff("zhou", other_district, StaffRole.EDITOR), name="迎泽区令牌"
    )

    sun_client.post(
        admin_url(ApiToken, "changelist"), {"action": "revoke", "_selected_action": [own.pk]}
    )
    sun_client.post(
        admin_url(ApiToken, "changelist"), {"action": "revoke", "_selected_action": [other.pk]}
    )

    own.refresh_from_db()
    other.refresh_from_db()
    assert (own.revoked_at is not None, other.revoked_at) == (True, None)


def test_a_security_admin_never_sees_a_superuser(sun_client, roles):
    root = User.objects.create_superuser("root", password="unused-password")

    listed = sun_client.get(admin_url(User, "changelist"))
    password_page = sun_client.get(reverse("admin:auth_user_password_change", args=[root.pk]))

    assert "root" not in [user.username for user in listed.context["cl"].result_list]
    assert password_page.status_code == 404


def test_a_security_admin_cannot_remove_or_change_his_own_role(sun, sun_client):
    own_role = DistrictRole.objects.get(user=sun)
    before = snapshot()

    deleted = sun_client.post(admin_url(DistrictRole, "delete", own_role.pk), {"post": "yes"})
    url = admin_url(DistrictRole, "change", own_role.pk)
    changed = sun_client.post(url, form_data(sun_client.get(url)) | {"role": "auditor"})

    assert (deleted.status_code, changed.status_code) == (403, 403)
    assert snapshot() == before


def test_an_account_with_rights_but_no_role_is_the_superusers(sun_client, roles):
    """An account given raw permissions or a group by hand (the old demo account) is not an
    account "with no role yet": a security administrator could take it over by resetting its
    password."""
    legacy = User.objects.create_user("demo", password="unused-password", is_staff=True)
    legacy.user_permissions.set(Permission.objects.filter(codename="add_districtrole"))
    grouped = User.objects.create_user("grouped", password="unused-password", is_staff=True)
    grouped.groups.add(Group.objects.get(name=StaffRole.PUBLISHER))
    fresh = User.objects.create_user("fresh", password="unused-password", is_staff=True)

    listed = sun_client.get(admin_url(User, "changelist"))
    reset = sun_client.get(reverse("admin:auth_user_password_change", args=[legacy.pk]))

    names = sorted(user.username for user in listed.context["cl"].result_list)
    assert names == ["fresh", "sun"]
    assert reset.status_code == 404
    assert fresh.check_password("unused-password") is True


def test_changing_or_removing_a_role_takes_its_group_away(sun_client, roles, xiaodian):
    zhao = staff("zhao", xiaodian, StaffRole.EDITOR)
    role = DistrictRole.objects.get(user=zhao)
    url = admin_url(DistrictRole, "change", role.pk)

    sun_client.post(url, form_data(sun_client.get(url)) | {"role": StaffRole.PUBLISHER})
    after_change = list(zhao.groups.values_list("name", flat=True))
    sun_client.post(admin_url(DistrictRole, "delete", role.pk), {"post": "yes"})

    assert after_change == ["publisher"]
    assert (list(zhao.groups.all()), zhao.district_roles.count()) == ([], 0)


def test_an_auditor_reads_tokens_of_her_district_but_revokes_none(roles, xiaodian):
    qian = staff("qian", xiaodian, StaffRole.AUDITOR)
    token, _plain = services.api_token_create(
        user=staff("zhao", xiaodian, StaffRole.EDITOR), name="小店区令牌"
    )
    client = Client()
    client.force_login(qian)
    url = admin_url(ApiToken, "changelist")

    listed = client.get(url)
    answer = client.post(
        url, {"action": "revoke", "_selected_action": [token.pk]}, HTTP_ACCEPT_LANGUAGE="en"
    )

    assert [row.pk for row in listed.context["cl"].result_list] == [token.pk]
    assert listed.context["action_form"] is None  # no action is offered to her
    # With no action to run, the POST only shows the list again.
    assert (answer.status_code, [str(m) for m in answer.context["messages"]]) == (200, [])
    assert [row.pk for row in answer.context["cl"].result_list] == [token.pk]
    token.refresh_from_db()
    assert token.revoked_at is None
