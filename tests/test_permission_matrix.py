"""The permission matrix: role × district × action × channel, each cell a real request.

Personas hold one role in 小店区 ("own"); the record acted on is a project of 小店区 or of
迎泽区 ("other"), in the state the action starts from (a draft to view, change, delete or
submit; a submitted project to publish; a published one to withdraw or to change as
"change published"). Staff accounts are made as in production: `setup_roles`, then
`services.staff_role_assign`; API clients use a write-scope token of the same account.

Outcomes:
- ALLOWED: the page or the write goes through (and the record really changed);
- FORBIDDEN: 403 — the role may not do this (before or after the record is found);
- NOT_FOUND: 404 — for this user the record does not exist (another district, a draft);
- LOGIN: the back office sends the visitor to its log-in page; the API answers 401;
- REFUSED: the form or the body is refused as invalid (the back office shows the page again
  with the error, the API answers 400): another district is not a choice for a new record.
Nothing changes unless the outcome is ALLOWED.

Below the matrix: per-district lists, pages, choices and query counts of the back office, and
the separation of duties when an account's groups or district roles are edited there.
"""

import itertools
from io import StringIO

import pytest
from django.contrib.auth.models import Group, User
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.translation import gettext as _
from rest_framework.test import APIClient

from companies.models import Certification, Enterprise
from outcomes.models import Outcome, Target
from partnerships import services
from partnerships.choices import PublicationState, StaffRole, TokenScope
from partnerships.models import Agreement, District, DistrictRole, Institution, Project
from tests import factories
from tests.admin_helpers import admin_url, form_data
from tests.spreadsheet_helpers import confirm, problems, upload, xlsx_file

pytestmark = pytest.mark.django_db

ALLOWED, FORBIDDEN, NOT_FOUND, LOGIN, REFUSED = "allowed", "403", "404", "log in", "refused"

ROLES = ("editor", "publisher", "auditor", "security_admin", "system_admin", "anonymous")
DISTRICTS = ("own", "other")
ACTIONS = (
    "view",
    "add",
    "change",
    "change published",
    "delete",
    "submit",
    "publish",
    "withdraw",
)
# The state of the project each action starts from.
STARTS_FROM = {
    "view": PublicationState.DRAFT,
    "change": PublicationState.DRAFT,
    "change published": PublicationState.PUBLISHED,
    "delete": PublicationState.DRAFT,
    "submit": PublicationState.DRAFT,
    "publish": PublicationState.SUBMITTED,
    "withdraw": PublicationState.PUBLISHED,
}
STEPPED_TO = {
    "submit": PublicationState.SUBMITTED,
    "publish": PublicationState.PUBLISHED,
    "withdraw": PublicationState.WITHDRAWN,
}

# --- The expected outcomes: one table per channel, {role: {action: (own, other)}} ----------------

OK, F, NF = ALLOWED, FORBIDDEN, NOT_FOUND
PUBLISHER_ROW = {
    "view": (OK, NF),
    "add": (OK, REFUSED),
    "change": (OK, NF),
    "change published": (OK, NF),
    "delete": (OK, NF),
    "submit": (OK, NF),
    "publish": (OK, NF),
    "withdraw": (OK, NF),
}
NOTHING_WITHOUT_LOGGING_IN = dict.fromkeys(ACTIONS, (LOGIN, LOGIN))

ADMIN = {
    "editor": {
        "view": (OK, NF),
        "add": (OK, REFUSED),
        "change": (OK, NF),
        "change published": (F, NF),  # shown read-only; saving it is refused
        "delete": (OK, NF),  # a draft that was never published
        "submit": (OK, NF),
        "publish": (F, NF),
        "withdraw": (F, NF),
    },
    "publisher": PUBLISHER_ROW,
    # The system administrator may do what a publisher may (and keeps the reference data).
    "system_admin": PUBLISHER_ROW,
    # The auditor reads her district's records. A write is refused for the role before any
    # record is looked up (Django's model permissions), so a 403 there says nothing about the
    # other district; the workflow buttons look the record up first.
    "auditor": {
        "view": (OK, NF),
        "add": (F, F),
        "change": (F, F),
        "change published": (F, F),
        "delete": (F, F),
        "submit": (F, NF),
        "publish": (F, NF),
        "withdraw": (F, NF),
    },
    # The security administrator manages accounts and roles and sees no business data.
    "security_admin": dict.fromkeys(ACTIONS, (F, F)),
    "anonymous": NOTHING_WITHOUT_LOGGING_IN,
}

API = {
    "editor": ADMIN["editor"],
    "publisher": PUBLISHER_ROW,
    "system_admin": PUBLISHER_ROW,
    # Drafts exist in the API only for tokens that may write them; these roles write nothing,
    # and a write is refused for the token before any record is looked up.
    "auditor": {"view": (NF, NF)} | dict.fromkeys(ACTIONS[1:], (F, F)),
    "security_admin": {"view": (NF, NF)} | dict.fromkeys(ACTIONS[1:], (F, F)),
    # Anonymous clients read published records only; writing needs a token.
    "anonymous": {"view": (NF, NF)} | dict.fromkeys(ACTIONS[1:], (LOGIN, LOGIN)),
}


# --- Doing each action through each channel -------------------------------------------------


def admin_outcome(response, *, read: bool = False) -> str:
    if response.status_code == 302:
        return LOGIN if response.url.startswith(reverse("admin:login")) else ALLOWED
    if response.status_code == 200:
        return ALLOWED if read else REFUSED
    return {403: FORBIDDEN, 404: NOT_FOUND}[response.status_code]


def through_admin(client: Client, action: str, project: Project | None, district) -> str:
    if action == "view":
        return admin_outcome(client.get(admin_url(Project, "change", project.pk)), read=True)
    if action == "add":
        url = admin_url(Project, "add")
        page = client.get(url)
        if page.status_code != 200:
            return admin_outcome(page)
        values = {"title": "新项目", "district": district.pk, "kind": "base_platform"}
        return admin_outcome(client.post(url, form_data(page) | values | {"field": "other"}))
    if action in ("change", "change published"):
        url = admin_url(Project, "change", project.pk)
        page = client.get(url)
        data = form_data(page) if page.status_code == 200 else {}
        return admin_outcome(client.post(url, data | {"title": "改过的标题"}))
    if action == "delete":
        return admin_outcome(client.post(admin_url(Project, "delete", project.pk), {"post": "yes"}))
    step_url = reverse("admin:partnerships_project_step", args=[project.pk, action])
    return admin_outcome(client.post(step_url))


def api_outcome(response) -> str:
    if response.status_code in (200, 201, 204):
        return ALLOWED
    return {400: REFUSED, 401: LOGIN, 403: FORBIDDEN, 404: NOT_FOUND}[response.status_code]


def through_api(client: APIClient, action: str, project: Project | None, district) -> str:
    url = f"/api/v1/projects/{project.pk}/" if project is not None else "/api/v1/projects/"
    if action == "view":
        return api_outcome(client.get(url))
    if action == "add":
        body = {"title": "新项目", "district_id": district.pk, "kind": "base_platform"}
        return api_outcome(client.post(url, body | {"field": "other"}, format="json"))
    if action in ("change", "change published"):
        return api_outcome(client.patch(url, {"title": "改过的标题"}, format="json"))
    if action == "delete":
        return api_outcome(client.delete(url))
    return api_outcome(client.post(f"{url}{action}/"))


def admin_client(user) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def api_client(user) -> APIClient:
    if user is None:
        return APIClient()
    return APIClient(HTTP_AUTHORIZATION=f"Bearer {factories.make_token(user, TokenScope.WRITE)}")


# The spreadsheet import adds and changes records; it offers no other action. A row naming
# another district's record gets the same "there is no record with id N" as a made-up id (404);
# a row the user may not write is a row error in the preview, and nothing is written (refused).
NOT_OFFERED = "not offered"
IMPORT_ACTIONS = ("add", "change", "change published")
WRITERS_IMPORT = {"add": (OK, REFUSED), "change": (OK, NF), "change published": (OK, NF)}


def import_row(rights: dict) -> dict:
    return {action: rights.get(action, (NOT_OFFERED, NOT_OFFERED)) for action in ACTIONS}


IMPORT = {
    "editor": import_row(WRITERS_IMPORT | {"change published": (REFUSED, NF)}),
    "publisher": import_row(WRITERS_IMPORT),
    "system_admin": import_row(WRITERS_IMPORT),
    # The import page needs the add or change permission of the model: these roles have neither.
    "auditor": import_row(dict.fromkeys(IMPORT_ACTIONS, (F, F))),
    "security_admin": import_row(dict.fromkeys(IMPORT_ACTIONS, (F, F))),
    "anonymous": import_row(dict.fromkeys(IMPORT_ACTIONS, (LOGIN, LOGIN))),
}


def through_import(client: Client, action: str, project: Project | None, district) -> str:
    if action not in IMPORT_ACTIONS:
        return NOT_OFFERED
    if action == "add":
        rows = [
            ["项目名称", "所属区县代码", "项目类型", "领域"],
            ["新项目", district.code, "base_platform", "other"],
        ]
    else:
        rows = [["编号", "项目名称"], [project.pk, "改过的标题"]]
    preview = upload(client, Project, xlsx_file(rows))
    if preview.status_code != 200:
        return admin_outcome(preview)
    found = problems(preview)
    if found:
        no_record = _("There is no record with id %(id)s.") % {"id": getattr(project, "pk", "")}
        return NOT_FOUND if [message for *_place, message in found] == [no_record] else REFUSED
    return admin_outcome(confirm(client, Project, preview))


# Each channel: its expected table, how it logs the persona in, and how it does an action.
CHANNELS = {
    "admin": (ADMIN, admin_client, through_admin),
    "api": (API, api_client, through_api),
    "import": (IMPORT, admin_client, through_import),
}

CELLS = [
    pytest.param(channel, role, district, action, id=f"{channel}-{role}-{district}-{action}")
    for channel, role, district, action in itertools.product(CHANNELS, ROLES, DISTRICTS, ACTIONS)
]


def test_every_cell_of_the_matrix_has_an_expected_outcome():
    for table, _log_in, _act in CHANNELS.values():
        assert set(table) == set(ROLES)
        assert all(set(row) == set(ACTIONS) for row in table.values())


@pytest.fixture
def roles(db):
    call_command("setup_roles", stdout=StringIO())


def persona(role: str, district) -> User | None:
    if role == "anonymous":
        return None
    user = User.objects.create_user(role, password="unused-password", is_staff=True)
    services.staff_role_assign(user, district=district, role=role)
    return user


def snapshot() -> list[tuple]:
    return list(Project.objects.order_by("pk").values_list("pk", "title", "state"))


@pytest.mark.parametrize(("channel", "role", "district", "action"), CELLS)
def test_permission_matrix(roles, xiaodian, other_district, channel, role, district, action):
    table, log_in, act = CHANNELS[channel]
    expected = table[role][action][DISTRICTS.index(district)]
    place = xiaodian if district == "own" else other_district
    project = None
    if action != "add":
        project = factories.make_project(district=place, state=STARTS_FROM[action], title="原标题")
    client = log_in(persona(role, xiaodian))
    before = snapshot()

    outcome = act(client, action, project, place)

    assert outcome == expected
    after = snapshot()
    if expected != ALLOWED or action == "view":
        assert after == before
    elif action == "add":
        assert [(title, state) for _pk, title, state in after] == [("新项目", "draft")]
    elif action == "delete":
        assert after == []
    elif action in STEPPED_TO:
        assert after == [(project.pk, "原标题", STEPPED_TO[action])]
    else:
        assert after == [(project.pk, "改过的标题", STARTS_FROM[action])]


# --- The back office per district --------------------------------------------------------------


@pytest.fixture
def zhao(roles, xiaodian) -> User:
    """Zhao, an editor of 小店区."""
    return persona(StaffRole.EDITOR, xiaodian)


@pytest.fixture
def zhao_client(client, zhao) -> Client:
    client.force_login(zhao)
    return client


def project_of(district):
    return factories.make_project(district=district)


def certification_of(district):
    return factories.make_certification(enterprise=factories.make_enterprise(district=district))


def outcome_of(district):
    return factories.make_outcome(project=factories.make_project(district=district))


def target_of(district):
    return factories.make_target(project=factories.make_project(district=district))


# Every business model with a back-office list, and a record of a given district.
RECORDS = {
    Institution: lambda district: factories.make_institution(district=district),
    Agreement: lambda district: factories.make_agreement(district=district),
    Project: project_of,
    Enterprise: lambda district: factories.make_enterprise(district=district),
    Certification: certification_of,
    Outcome: outcome_of,
    Target: target_of,
}
by_model = pytest.mark.parametrize("model", list(RECORDS), ids=lambda model: model.__name__)


@by_model
def test_the_changelist_lists_only_the_users_districts(
    zhao_client, xiaodian, other_district, model
):
    own = RECORDS[model](xiaodian)
    RECORDS[model](other_district)
    factories.make_project(district=other_district, state=PublicationState.PUBLISHED)

    response = zhao_client.get(admin_url(model, "changelist"))

    assert [row.pk for row in response.context["cl"].result_list] == [own.pk]


@by_model
@pytest.mark.parametrize("view", ["change", "delete", "history"])
def test_another_districts_record_answers_404(zhao_client, other_district, model, view):
    record = RECORDS[model](other_district)

    response = zhao_client.get(admin_url(model, view, record.pk))

    assert response.status_code == 404


@pytest.mark.parametrize(
    ("model", "queries"),
    [
        # For projects: 1 the session, 2 Zhao, 3 his own permissions, 4 his groups'
        # permissions, 5 his district roles (a county's role covers no other district: no
        # second query), 6 the districts of the district filter, 7 count of the list (his
        # districts' rows only), 8 the page of rows with district and agreement joined in,
        # 9-11 the session saved again (savepoint, update, release). No row adds a query.
        (Institution, 11),
        (Agreement, 11),
        (Project, 11),
        (Enterprise, 11),
        (Outcome, 11),
        (Target, 11),
        # No district filter: the list follows its enterprise's district by a join.
        (Certification, 10),
    ],
    ids=lambda value: getattr(value, "__name__", None),
)
def test_a_district_editors_changelist_queries_do_not_grow_with_rows(
    zhao_client, xiaodian, model, queries
):
    def count() -> int:
        with CaptureQueriesContext(connection) as captured:
            response = zhao_client.get(admin_url(model, "changelist"))
        assert response.status_code == 200
        return len(captured.captured_queries)

    RECORDS[model](xiaodian)
    one_row = count()
    RECORDS[model](xiaodian)
    RECORDS[model](xiaodian)
    three_rows = count()

    assert (one_row, three_rows) == (queries, queries)


def test_the_delete_action_deletes_nothing_when_one_record_is_not_the_users_to_delete(
    zhao_client, xiaodian
):
    draft = factories.make_project(district=xiaodian)
    once_public = factories.make_project(district=xiaodian, state=PublicationState.PUBLISHED)
    Project.objects.filter(pk=once_public.pk).update(state=PublicationState.WITHDRAWN)

    response = zhao_client.post(
        admin_url(Project, "changelist"),
        {
            "action": "delete_selected",
            "_selected_action": [draft.pk, once_public.pk],
            "post": "yes",
        },
    )

    assert response.status_code == 403
    assert Project.objects.count() == 2


def autocomplete(client, model, field: str, term: str = "") -> list[str]:
    opts = model._meta
    response = client.get(
        reverse("admin:autocomplete"),
        {
            "app_label": opts.app_label,
            "model_name": opts.model_name,
            "field_name": field,
            "term": term,
        },
    )
    assert response.status_code == 200, response.content
    return [row["text"] for row in response.json()["results"]]


def test_a_new_records_district_can_only_be_one_of_the_users(zhao_client, xiaodian, other_district):
    form = zhao_client.get(admin_url(Project, "add")).context["adminform"].form

    assert list(form.fields["district"].queryset) == [xiaodian]
    assert autocomplete(zhao_client, Project, "district") == [str(xiaodian)]


def test_a_party_may_be_any_published_institution_or_a_draft_of_ones_own(
    zhao_client, xiaodian, other_district
):
    """Partnerships cross district lines: 迎泽区's published 山西大学 can be a party; its drafts
    stay invisible."""
    own_draft = factories.make_institution(district=xiaodian, name="小店区的草稿院校")
    other_published = factories.make_institution(
        district=other_district, name="山西大学", state=PublicationState.PUBLISHED
    )
    factories.make_institution(district=other_district, name="迎泽区的草稿院校")

    offered = autocomplete(zhao_client, Agreement.parties.rel.related_model, "institution")

    assert sorted(offered) == sorted([own_draft.name, other_published.name])


def test_an_agreement_of_another_district_cannot_be_chosen_by_id(
    zhao_client, xiaodian, other_district
):
    foreign = factories.make_agreement(district=other_district)
    page = zhao_client.get(admin_url(Project, "add"))
    values = {"title": "项目", "district": xiaodian.pk, "kind": "base_platform", "field": "other"}

    response = zhao_client.post(
        admin_url(Project, "add"), form_data(page) | values | {"agreement": foreign.pk}
    )

    assert list(response.context["adminform"].form.errors) == ["agreement"]
    assert Project.objects.count() == 0


def test_a_certification_of_a_published_enterprise_is_refused_on_the_form(
    zhao_client, xiaodian, other_district
):
    published = factories.make_enterprise(district=xiaodian, state=PublicationState.PUBLISHED)
    factories.make_enterprise(district=other_district)
    url = admin_url(Certification, "add")
    page = zhao_client.get(url)
    values = {"enterprise": published.pk, "kind": "tech_sme", "year": "2023"}

    response = zhao_client.post(url, form_data(page) | values, HTTP_ACCEPT_LANGUAGE="en")

    assert list(page.context["adminform"].form.fields["enterprise"].queryset) == [published]
    assert response.context["adminform"].form.non_field_errors() == [
        "This record is Published; only a publisher of its district may change it."
    ]
    assert Certification.objects.count() == 0


def test_an_editor_may_add_a_source_but_not_change_one(zhao_client):
    source = factories.make_source()

    added = zhao_client.get(admin_url(source._meta.model, "add"))
    page = zhao_client.get(admin_url(source._meta.model, "change", source.pk))

    assert added.status_code == 200
    assert (page.status_code, page.context["has_change_permission"]) == (200, False)


# --- Separation of duties when roles are edited in the back office -------------------------------


@pytest.fixture
def sun_client(client, roles, xiaodian) -> Client:
    """Sun, the security administrator: manages accounts and roles."""
    client.force_login(persona(StaffRole.SECURITY_ADMIN, xiaodian))
    return client


@pytest.fixture
def superuser_client(client, roles) -> Client:
    """The server operator's superuser: the only one who sets groups in the back office."""
    client.force_login(User.objects.create_superuser("root", password="unused-password"))
    return client


def test_a_user_put_in_two_exclusive_groups_is_refused_with_a_form_error(superuser_client):
    user = User.objects.create_user("wu", password="unused-password", is_staff=True)
    url = admin_url(User, "change", user.pk)
    groups = Group.objects.filter(name__in=[StaffRole.AUDITOR, StaffRole.SYSTEM_ADMIN])

    response = superuser_client.post(
        url,
        form_data(superuser_client.get(url)) | {"groups": [group.pk for group in groups]},
        HTTP_ACCEPT_LANGUAGE="en",
    )

    assert list(response.context["adminform"].form.errors) == ["groups"]
    assert list(user.groups.all()) == []


def test_a_group_clashing_with_a_district_role_is_refused(superuser_client, xiaodian):
    user = persona(StaffRole.AUDITOR, xiaodian)
    url = admin_url(User, "change", user.pk)
    security = Group.objects.get(name=StaffRole.SECURITY_ADMIN)
    data = form_data(superuser_client.get(url))

    response = superuser_client.post(url, data | {"groups": [security.pk]})

    assert list(response.context["adminform"].form.errors) == ["groups"]
    assert sorted(user.groups.values_list("name", flat=True)) == ["auditor"]


def test_a_district_role_added_in_the_back_office_goes_through_the_service(
    sun_client, roles, xiaodian
):
    user = User.objects.create_user("wu", password="unused-password", is_staff=True)
    url = admin_url(DistrictRole, "add")
    values = {"user": user.pk, "district": xiaodian.pk, "role": StaffRole.PUBLISHER}

    response = sun_client.post(url, form_data(sun_client.get(url)) | values)

    assert response.status_code == 302
    assert list(DistrictRole.objects.filter(user=user).values_list("role", flat=True)) == [
        "publisher"
    ]
    assert list(user.groups.values_list("name", flat=True)) == ["publisher"]


def test_a_clashing_district_role_is_refused_with_a_form_error(sun_client, roles, xiaodian):
    user = persona(StaffRole.AUDITOR, xiaodian)
    url = admin_url(DistrictRole, "add")
    values = {"user": user.pk, "district": xiaodian.pk, "role": StaffRole.SYSTEM_ADMIN}

    response = sun_client.post(url, form_data(sun_client.get(url)) | values)

    assert list(response.context["adminform"].form.errors) == ["role"]
    assert list(DistrictRole.objects.filter(user=user).values_list("role", flat=True)) == [
        "auditor"
    ]


def test_a_province_role_covers_every_district_of_the_province(roles, xiaodian, other_district):
    shanxi = District.objects.create(code="140000", name="山西省")
    publisher = User.objects.create_user("province", password="unused-password", is_staff=True)
    services.staff_role_assign(publisher, district=shanxi, role=StaffRole.PUBLISHER)
    elsewhere = factories.make_district(code="130102", name="长安区")  # Hebei
    records = [
        factories.make_project(district=district, state=PublicationState.SUBMITTED)
        for district in (xiaodian, other_district, elsewhere)
    ]
    client = api_client(publisher)

    answers = [
        client.post(f"/api/v1/projects/{record.pk}/publish/").status_code for record in records
    ]

    assert answers == [200, 200, 404]
