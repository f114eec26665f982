"""The audit trail: every write to a business record, through every channel,
leaves an entry with who, when, what, before and after, the request id and the client address;
nobody can change or delete an entry; the purge keeps the retention period; security events
are recorded too.

The walk: `RECORDS` names every audited model with a way to make one and a field to change.
`test_every_business_model_is_audited` fails when a model is added without an entry here, and
each channel test then runs over all of them.
"""

import datetime
import os
import subprocess
import sys

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group, Permission, User
from django.core.management import call_command
from django.core.serializers.json import DjangoJSONEncoder
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.test import Client
from django.utils import timezone

from companies.models import (
    AgreementEnterprise,
    Certification,
    Enterprise,
    ProjectEnterprise,
    Sector,
)
from outcomes.models import Outcome, Target
from partnerships import audit
from partnerships.choices import AuditAction, AuditChannel, StaffRole, TokenScope
from partnerships.models import (
    Agreement,
    AgreementParty,
    AuditedQuerySet,
    AuditEntry,
    District,
    DistrictRole,
    Institution,
    Project,
    ProjectParticipant,
    Source,
)
from partnerships.services import (
    api_token_create,
    api_token_revoke,
    staff_role_assign,
    user_deactivate,
)
from partnerships.spreadsheets.templates import TEMPLATES
from tests import factories
from tests.admin_helpers import admin_url, form_data
from tests.spreadsheet_helpers import export, exported_rows, import_file, xlsx_file

PG = connection.vendor == "postgresql"


def _district():
    return factories.make_district()


def _agreement():
    return factories.make_agreement()


def _project():
    return factories.make_project()


def _enterprise():
    return factories.make_enterprise()


# label → (make a saved record, a field to change, its new value)
RECORDS = {
    "partnerships.district": (_district, "name_en", "Audited District"),
    "partnerships.source": (factories.make_source, "publisher", "审计出版社"),
    "partnerships.institution": (factories.make_institution, "name_en", "Audited University"),
    "partnerships.agreement": (_agreement, "title_en", "Audited agreement"),
    "partnerships.agreementparty": (
        lambda: factories.make_agreement_party(agreement=_agreement()),
        "note",
        "审计备注",
    ),
    "partnerships.project": (_project, "title_en", "Audited project"),
    "partnerships.projectparticipant": (
        lambda: factories.make_project_participant(project=_project()),
        "note",
        "审计备注",
    ),
    "partnerships.districtrole": (
        lambda: DistrictRole.objects.create(
            user=User.objects.create_user(f"role-{District.objects.count()}"),
            district=_district(),
            role=StaffRole.EDITOR,
        ),
        "role",
        StaffRole.PUBLISHER,
    ),
    "companies.sector": (factories.make_sector, "name_en", "Audited sector"),
    "companies.enterprise": (_enterprise, "name_en", "Audited Ltd."),
    "companies.certification": (factories.make_certification, "title", "审计荣誉"),
    "companies.agreemententerprise": (
        lambda: factories.make_agreement_enterprise(agreement=_agreement()),
        "note",
        "审计备注",
    ),
    "companies.projectenterprise": (
        lambda: factories.make_project_enterprise(project=_project()),
        "note",
        "审计备注",
    ),
    "outcomes.outcome": (factories.make_outcome, "description", "审计说明"),
    "outcomes.target": (factories.make_target, "description", "审计说明"),
}
MODELS = {
    "partnerships.district": District,
    "partnerships.source": Source,
    "partnerships.institution": Institution,
    "partnerships.agreement": Agreement,
    "partnerships.agreementparty": AgreementParty,
    "partnerships.project": Project,
    "partnerships.projectparticipant": ProjectParticipant,
    "partnerships.districtrole": DistrictRole,
    "companies.sector": Sector,
    "companies.enterprise": Enterprise,
    "companies.certification": Certification,
    "companies.agreemententerprise": AgreementEnterprise,
    "companies.projectenterprise": ProjectEnterprise,
    "outcomes.outcome": Outcome,
    "outcomes.target": Target,
}


def entries_for(record, action=None):
    found = AuditEntry.objects.filter(model=record._meta.label_lower, object_id=str(record.pk))
    if action:
        found = found.filter(action=action)
    return list(found.order_by("id"))


def test_every_business_model_is_audited():
    assert {model._meta.label_lower for model in audit.audited_models()} == set(RECORDS)
    assert set(MODELS) == set(RECORDS)
    for model in audit.audited_models():
        # Bulk writes reach the trail only through this queryset.
        assert issubclass(model._default_manager._queryset_class, AuditedQuerySet), model


# --- Every model, every kind of ORM write (management commands, the shell, services) -------------


@pytest.mark.django_db
@pytest.mark.parametrize("label", sorted(RECORDS))
def test_save_change_and_delete_of_every_model_are_recorded(label):
    make, field, value = RECORDS[label]
    record = make()
    old_value = getattr(record, field)

    created = entries_for(record, AuditAction.CREATE)
    setattr(record, field, value)
    record.save()
    changed = entries_for(record, AuditAction.CHANGE)
    pk = record.pk
    record.delete()
    record.pk = pk
    deleted = entries_for(record, AuditAction.DELETE)

    assert len(created) == 1
    assert created[0].after[field] == old_value
    assert created[0].channel == AuditChannel.COMMAND
    assert created[0].request_id != ""
    assert [(e.before, e.after) for e in changed] == [({field: old_value}, {field: value})]
    assert len(deleted) == 1
    assert deleted[0].before[field] == value
    assert deleted[0].object_repr != ""


@pytest.mark.django_db
@pytest.mark.parametrize("label", sorted(RECORDS))
def test_bulk_writes_of_every_model_are_recorded(label):
    make, field, value = RECORDS[label]
    model = MODELS[label]
    first, second = make(), make()
    old_first = getattr(first, field)

    model.objects.filter(pk=first.pk).update(**{field: value})
    second_value = f"{value}2" if field != "role" else StaffRole.AUDITOR
    setattr(second, field, second_value)
    model.objects.bulk_update([second], [field])
    model.objects.filter(pk__in=[first.pk, second.pk]).delete()

    assert [(e.before, e.after) for e in entries_for(first, AuditAction.CHANGE)] == [
        ({field: old_first}, {field: value})
    ]
    assert [e.after for e in entries_for(second, AuditAction.CHANGE)] == [{field: second_value}]
    assert len(entries_for(first, AuditAction.DELETE)) == 1
    assert len(entries_for(second, AuditAction.DELETE)) == 1


@pytest.mark.django_db
def test_bulk_create_is_recorded_row_by_row():
    created = Source.objects.bulk_create(
        [Source(title="批量一", publisher="甲"), Source(title="批量二", publisher="乙")]
    )

    assert [entries_for(s, AuditAction.CREATE)[0].after["title"] for s in created] == [
        "批量一",
        "批量二",
    ]


@pytest.mark.django_db
def test_a_cascade_delete_records_every_deleted_row():
    participant = factories.make_project_participant(project=factories.make_project())
    project = participant.project

    project.delete()

    assert len(entries_for(participant, AuditAction.DELETE)) == 1


@pytest.mark.django_db
def test_saving_without_a_change_writes_no_entry():
    source = factories.make_source()
    count = AuditEntry.objects.count()

    source.save()

    assert AuditEntry.objects.count() == count


@pytest.mark.django_db
def test_a_management_command_is_recorded_with_its_channel():
    call_command("load_article", verbosity=0)

    entry = AuditEntry.objects.filter(model="partnerships.project").first()
    assert (entry.channel, entry.action, entry.user_id) == (
        AuditChannel.COMMAND,
        AuditAction.CREATE,
        None,
    )
    assert entry.username != ""


# --- The back office ------------------------------------------------------------------------------


@pytest.fixture
def superuser_client(db):
    user = User.objects.create_superuser("auditor-admin", password="unused-password")
    client = Client(REMOTE_ADDR="10.1.2.3")
    client.force_login(user)
    return client


def _inline_prefix(response, model) -> str:
    for inline in response.context["inline_admin_formsets"]:
        if inline.formset.model is model:
            return inline.formset.prefix
    raise LookupError(model)


# Models edited as rows of their parent's page, not on a page of their own.
INLINE_PARENT = {
    "partnerships.agreementparty": "agreement",
    "partnerships.projectparticipant": "project",
    "companies.agreemententerprise": "agreement",
    "companies.projectenterprise": "project",
}


@pytest.mark.django_db
@pytest.mark.parametrize("label", sorted(RECORDS))
def test_a_change_in_the_back_office_is_recorded_with_user_request_and_address(
    label, superuser_client
):
    call_command("setup_roles", verbosity=0)  # a district role is given through its group
    make, field, value = RECORDS[label]
    record = make()
    model = MODELS[label]
    if label in INLINE_PARENT:
        parent = getattr(record, INLINE_PARENT[label])
        url = admin_url(type(parent), "change", parent.pk)
        page = superuser_client.get(url)
        data = form_data(page) | {f"{_inline_prefix(page, model)}-0-{field}": value}
    else:
        assert model in admin.site._registry, f"{label} has no admin page"
        url = admin_url(model, "change", record.pk)
        data = form_data(superuser_client.get(url)) | {field: value}

    response = superuser_client.post(url, data, HTTP_X_REQUEST_ID="trace-0123456789")

    assert response.status_code == 302, getattr(response, "context", None) and [
        form.errors for form in response.context["errors"]
    ]
    (entry,) = entries_for(record, AuditAction.CHANGE)
    assert (entry.channel, entry.username, entry.request_id, entry.client_address) == (
        AuditChannel.ADMIN,
        "auditor-admin",
        "trace-0123456789",
        "10.1.2.3",
    )
    assert entry.after == {field: value}
    assert response["X-Request-ID"] == "trace-0123456789"


@pytest.mark.django_db
def test_deleting_in_the_back_office_is_recorded(superuser_client):
    source = factories.make_source()

    response = superuser_client.post(admin_url(Source, "delete", source.pk), {"post": "yes"})

    assert response.status_code == 302
    (entry,) = entries_for(source, AuditAction.DELETE)
    assert (entry.channel, entry.username, entry.before["title"]) == (
        AuditChannel.ADMIN,
        "auditor-admin",
        source.title,
    )


@pytest.mark.django_db
def test_a_bulk_delete_action_in_the_back_office_records_every_row(superuser_client):
    sources = [factories.make_source(), factories.make_source()]

    response = superuser_client.post(
        admin_url(Source, "changelist"),
        {"action": "delete_selected", "_selected_action": [s.pk for s in sources], "post": "yes"},
    )

    assert response.status_code == 302
    assert [len(entries_for(s, AuditAction.DELETE)) for s in sources] == [1, 1]


# --- The API --------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_api_writes_are_recorded_with_the_token_user(editor_api, xiaodian):
    body = {"name": "审计学院", "kind": "university", "district_id": xiaodian.pk}

    created = editor_api.post("/api/v1/institutions/", body, format="json", REMOTE_ADDR="10.9.8.7")
    pk = created.json()["id"]
    editor_api.patch(f"/api/v1/institutions/{pk}/", {"name_en": "Audit College"}, format="json")
    editor_api.delete(f"/api/v1/institutions/{pk}/")

    entries = list(
        AuditEntry.objects.filter(model="partnerships.institution", object_id=str(pk)).order_by(
            "id"
        )
    )
    assert [(e.action, e.channel, e.username) for e in entries] == [
        (AuditAction.CREATE, AuditChannel.API, "zhang"),
        (AuditAction.CHANGE, AuditChannel.API, "zhang"),
        (AuditAction.DELETE, AuditChannel.API, "zhang"),
    ]
    assert entries[0].client_address == "10.9.8.7"
    assert entries[0].request_id == created["X-Request-ID"]
    assert entries[1].after == {"name_en": "Audit College"}
    assert entries[0].district_id == xiaodian.pk


# --- Immutability and retention ------------------------------------------------------------------


@pytest.mark.django_db
def test_nobody_can_change_or_delete_an_entry_through_django():
    factories.make_source()
    entry = AuditEntry.objects.first()
    original = entry.username

    entry.username = "someone-else"
    with pytest.raises(PermissionError):
        entry.save()
    with pytest.raises(PermissionError):
        entry.delete()
    with pytest.raises(PermissionError):
        AuditEntry.objects.all().update(username="x")
    with pytest.raises(PermissionError):
        AuditEntry.objects.all().delete()
    assert AuditEntry.objects.get(pk=entry.pk).username == original


@pytest.mark.django_db
def test_the_back_office_offers_no_way_to_add_change_or_delete_entries(superuser_client):
    factories.make_source()
    entry = AuditEntry.objects.first()

    page = superuser_client.get(admin_url(AuditEntry, "change", entry.pk))
    delete = superuser_client.get(admin_url(AuditEntry, "delete", entry.pk))
    add = superuser_client.get(admin_url(AuditEntry, "add"))

    assert page.status_code == 200
    assert page.context["has_change_permission"] is False
    assert (delete.status_code, add.status_code) == (403, 403)


@pytest.mark.skipif(not PG, reason="the database-level guard is PostgreSQL's (migration 0006)")
@pytest.mark.django_db
def test_postgresql_refuses_update_and_early_delete_even_in_raw_sql():
    factories.make_source()
    entry = AuditEntry.objects.first()

    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "UPDATE partnerships_auditentry SET username = 'x' WHERE id = %s", [entry.pk]
        )
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM partnerships_auditentry WHERE id = %s", [entry.pk])

    assert AuditEntry.objects.filter(pk=entry.pk).exists()


def _entry_aged(days: int) -> AuditEntry:
    entry = AuditEntry(
        at=timezone.now() - datetime.timedelta(days=days),
        action=AuditAction.LOGIN,
        channel=AuditChannel.WEB,
        username=f"aged-{days}",
    )
    entry.save()
    return entry


@pytest.mark.django_db
def test_the_purge_deletes_only_entries_older_than_the_retention(settings):
    assert settings.AUDIT_RETENTION_DAYS >= 190
    _entry_aged(400), _entry_aged(189), _entry_aged(1)

    call_command("purge_audit", verbosity=0)

    remaining = set(AuditEntry.objects.values_list("username", flat=True))
    assert {"aged-189", "aged-1"} <= remaining
    assert "aged-400" not in remaining
    purge = AuditEntry.objects.get(action=AuditAction.PURGE)
    assert purge.detail == {"days": settings.AUDIT_RETENTION_DAYS, "deleted": 1}


@pytest.mark.django_db
def test_the_purge_refuses_a_retention_below_the_minimum():
    _entry_aged(170)

    with pytest.raises(Exception, match="at least 180 days"):
        call_command("purge_audit", days=30, verbosity=0)

    assert AuditEntry.objects.filter(username="aged-170").exists()


# --- Security events ------------------------------------------------------------------------------


def _events(action):
    return list(AuditEntry.objects.filter(action=action).order_by("id"))


@pytest.mark.django_db
def test_log_in_failure_lockout_and_log_out_are_recorded(settings):
    settings.AXES_FAILURE_LIMIT = 2
    User.objects.create_user("chen", password="Correct-horse-9", is_staff=True)
    client = Client(REMOTE_ADDR="10.0.0.5")

    client.post("/admin/login/", {"username": "chen", "password": "wrong"})
    client.post("/admin/login/", {"username": "chen", "password": "wrong"})
    settings.AXES_FAILURE_LIMIT = 5
    call_command("axes_reset", verbosity=0)
    client.post("/admin/login/", {"username": "chen", "password": "Correct-horse-9"})
    client.post("/admin/logout/")

    failed = _events(AuditAction.LOGIN_FAILED)
    assert [(e.username, e.detail["username"], e.client_address) for e in failed] == [
        ("chen", "chen", "10.0.0.5"),
        ("chen", "chen", "10.0.0.5"),
    ]
    assert [e.username for e in _events(AuditAction.LOCKOUT)] == ["chen"]
    assert [(e.username, e.user_id is not None) for e in _events(AuditAction.LOGIN)] == [
        ("chen", True)
    ]
    assert [e.username for e in _events(AuditAction.LOGOUT)] == ["chen"]


@pytest.mark.django_db
def test_permission_changes_tokens_and_deactivation_are_recorded():
    call_command("setup_roles", verbosity=0)
    user = User.objects.create_user("he", password="unused-password")

    user.groups.add(Group.objects.get(name=StaffRole.EDITOR))
    user.is_staff = True
    user.save()
    token, _plain = api_token_create(user=user, name="同步", scope=TokenScope.WRITE)
    api_token_revoke(token)
    api_token_create(user=user, name="第二个")
    user_deactivate(user)

    permission_changes = [e.detail for e in _events(AuditAction.PERMISSION_CHANGE)]
    assert {"created": True, "is_active": True, "is_staff": False, "is_superuser": False} in (
        permission_changes
    )
    assert any(
        d.get("change") == "add" and d.get("relation") == "auth.user_groups"
        for d in permission_changes
    )
    assert {"is_staff": [False, True]} in permission_changes
    assert {"is_active": [True, False]} in permission_changes
    assert [e.detail["scope"] for e in _events(AuditAction.TOKEN_CREATE)] == ["write", "read"]
    assert len(_events(AuditAction.TOKEN_REVOKE)) == 2


# --- Accounts and rights: the walk over every security-relevant change ---------------------------
# Each story: Qian, the security administrator, makes one change to He's account, a group or a
# token; the change must leave exactly these entries: (action, record type, record, who, before,
# after). Backups and restores are recorded by their commands (tests/test_backup.py:
# test_restore_into_the_same_*_records_*).

VIEW_SOURCE = "partnerships.view_source"
ADD_SOURCE = "partnerships.add_source"


def _permission(name):
    app_label, codename = name.split(".")
    return Permission.objects.get(content_type__app_label=app_label, codename=codename)


def _he_in_a_group():
    group = Group.objects.create(name="来源查看")
    group.permissions.add(_permission(VIEW_SOURCE))
    he = User.objects.create_user("he", password="unused-password")
    he.groups.add(group)
    he.user_permissions.add(_permission(ADD_SOURCE))
    return he, group


def _group_deleted():
    _he, group = _he_in_a_group()
    before = {"name": "来源查看", "permissions": [VIEW_SOURCE], "users": ["he"]}
    return group.delete, [("delete", "auth.group", "来源查看", before, None)]


def _group_renamed():
    _he, group = _he_in_a_group()

    def rename():
        group.name = "来源审阅"
        group.save()

    return rename, [
        ("change", "auth.group", "来源审阅", {"name": "来源查看"}, {"name": "来源审阅"})
    ]


def _membership(relation, before, after, record="he"):
    model = "auth.user" if record == "he" else "auth.group"
    return ("permission_change", model, record, {relation: before}, {relation: after})


def _group_permission_added():
    _he, group = _he_in_a_group()
    return (
        lambda: group.permissions.add(_permission(ADD_SOURCE)),
        [
            _membership(
                "auth.group_permissions", [VIEW_SOURCE], [ADD_SOURCE, VIEW_SOURCE], "来源查看"
            )
        ],
    )


def _group_permission_removed():
    _he, group = _he_in_a_group()
    return (
        lambda: group.permissions.remove(_permission(VIEW_SOURCE)),
        [_membership("auth.group_permissions", [VIEW_SOURCE], [], "来源查看")],
    )


def _group_permissions_cleared():
    _he, group = _he_in_a_group()
    return (
        group.permissions.clear,
        [_membership("auth.group_permissions", [VIEW_SOURCE], [], "来源查看")],
    )


def _user_permission_removed():
    he, _group = _he_in_a_group()
    return (
        lambda: he.user_permissions.remove(_permission(ADD_SOURCE)),
        [_membership("auth.user_user_permissions", [ADD_SOURCE], [])],
    )


def _user_permissions_cleared():
    he, _group = _he_in_a_group()
    return (
        he.user_permissions.clear,
        [_membership("auth.user_user_permissions", [ADD_SOURCE], [])],
    )


def _user_permission_added():
    he, _group = _he_in_a_group()
    return (
        lambda: he.user_permissions.add(_permission(VIEW_SOURCE)),
        [_membership("auth.user_user_permissions", [ADD_SOURCE], [ADD_SOURCE, VIEW_SOURCE])],
    )


def _membership_removed():
    he, group = _he_in_a_group()
    return (
        lambda: he.groups.remove(group),
        [_membership("auth.user_groups", ["来源查看"], [])],
    )


def _memberships_cleared():
    he, _group = _he_in_a_group()
    return he.groups.clear, [_membership("auth.user_groups", ["来源查看"], [])]


def _member_removed_from_the_group():
    he, group = _he_in_a_group()
    return (
        lambda: group.user_set.remove(he),
        [_membership("auth.user_groups", ["he"], [], "来源查看")],
    )


def _user_renamed():
    he, _group = _he_in_a_group()

    def rename():
        he.username = "he-renamed"
        he.save()

    return rename, [
        ("change", "auth.user", "he-renamed", {"username": "he"}, {"username": "he-renamed"})
    ]


def _token_before(token):
    return {
        "user_id": token.user_id,
        "name": token.name,
        "prefix": token.prefix,
        "scope": token.scope,
        # As the API shows times: ISO 8601, milliseconds.
        "expires_at": DjangoJSONEncoder().default(token.expires_at),
        "revoked_at": None,
    }


def _user_deleted():
    he, _group = _he_in_a_group()
    token, _plain = api_token_create(user=he, name="同步", scope=TokenScope.WRITE)
    before = {
        "name": "he",
        "groups": ["来源查看"],
        "user_permissions": [ADD_SOURCE],
        "is_active": True,
        "is_staff": False,
        "is_superuser": False,
    }
    return he.delete, [
        ("delete", "partnerships.apitoken", str(token), _token_before(token), None),
        ("delete", "auth.user", "he", before, None),
    ]


def _token_deleted():
    he, _group = _he_in_a_group()
    token, _plain = api_token_create(user=he, name="同步")
    return token.delete, [
        ("delete", "partnerships.apitoken", str(token), _token_before(token), None)
    ]


SECURITY_CHANGES = {
    "group deleted": _group_deleted,
    "group renamed": _group_renamed,
    "permission added to a group": _group_permission_added,
    "permission removed from a group": _group_permission_removed,
    "permissions of a group cleared": _group_permissions_cleared,
    "permission added to a user": _user_permission_added,
    "permission removed from a user": _user_permission_removed,
    "permissions of a user cleared": _user_permissions_cleared,
    "membership removed": _membership_removed,
    "memberships cleared": _memberships_cleared,
    "member removed from the group's side": _member_removed_from_the_group,
    "user renamed": _user_renamed,
    "user deleted with the token that ends with it": _user_deleted,
    "token deleted": _token_deleted,
}


@pytest.mark.django_db
@pytest.mark.parametrize("change", sorted(SECURITY_CHANGES))
def test_every_change_to_accounts_groups_permissions_and_tokens_is_recorded(change):
    qian = User.objects.create_user("qian", password="unused-password", is_staff=True)
    perform, expected = SECURITY_CHANGES[change]()
    newest = AuditEntry.objects.order_by("-id").values_list("id", flat=True).first()

    with audit.audit_context(user=qian):
        perform()

    recorded = AuditEntry.objects.filter(id__gt=newest).order_by("id")
    assert [
        (e.action, e.model, e.object_repr, e.username, e.before, e.after) for e in recorded
    ] == [
        (action, model, name, "qian", before, after)
        for action, model, name, before, after in expected
    ]
    assert {e.user_id for e in recorded} == {qian.pk}


@pytest.mark.django_db
def test_deleting_a_group_in_the_back_office_is_recorded_with_its_rights(superuser_client):
    he, group = _he_in_a_group()
    group_id = group.pk

    response = superuser_client.post(admin_url(Group, "delete", group.pk), {"post": "yes"})

    assert response.status_code == 302
    assert Group.objects.filter(pk=group_id).count() == 0
    assert list(he.groups.all()) == []
    (entry,) = AuditEntry.objects.filter(model="auth.group", action=AuditAction.DELETE)
    assert (entry.object_id, entry.username, entry.client_address, entry.before, entry.after) == (
        str(group_id),
        "auditor-admin",
        "10.1.2.3",
        {"name": "来源查看", "permissions": [VIEW_SOURCE], "users": ["he"]},
        None,
    )


@pytest.mark.django_db
def test_a_deleted_user_stays_named_in_the_trail():
    user = User.objects.create_user("gone", password="unused-password")
    user_id = user.pk
    with audit.audit_context(user=user):
        source = factories.make_source()

    user.delete()

    (entry,) = entries_for(source, AuditAction.CREATE)
    assert (entry.username, entry.user_id) == ("gone", user_id)


@pytest.mark.django_db
def test_an_auditor_reads_only_the_trail_of_their_district(client):
    call_command("setup_roles", verbosity=0)
    mine, theirs = factories.make_district(), factories.make_district()
    auditor = User.objects.create_user("shen", password="unused-password", is_staff=True)
    staff_role_assign(auditor, district=mine, role=StaffRole.AUDITOR)
    own = factories.make_institution(district=mine)
    other = factories.make_institution(district=theirs)
    client.force_login(auditor)

    response = client.get(
        admin_url(AuditEntry, "changelist"), {"model": "partnerships.institution"}
    )

    shown = {entry.object_id for entry in response.context["cl"].result_list}
    assert shown == {str(own.pk)}
    assert str(other.pk) not in shown
    assert client.get(admin_url(Source, "add")).status_code == 403


@pytest.mark.django_db
def test_a_provinces_auditor_reads_the_trail_of_every_district_under_it(client):
    call_command("setup_roles", verbosity=0)
    province = factories.make_district(code="140000", name="山西省")
    xiaodian = factories.make_district(code="140105", name="小店区")
    elsewhere = factories.make_district(code="110101", name="东城区")
    auditor = User.objects.create_user("tao", password="unused-password", is_staff=True)
    staff_role_assign(auditor, district=province, role=StaffRole.AUDITOR)
    under = factories.make_institution(district=xiaodian)
    outside = factories.make_institution(district=elsewhere)
    client.force_login(auditor)

    response = client.get(
        admin_url(AuditEntry, "changelist"), {"model": "partnerships.institution"}
    )

    shown = {entry.object_id for entry in response.context["cl"].result_list}
    assert shown == {str(under.pk)}
    assert str(outside.pk) not in shown


def test_retention_below_the_minimum_is_refused_at_start_up():
    result = subprocess.run(  # noqa: S603 - a fixed command line
        [sys.executable, "-c", "import django; django.setup()"],
        env={
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "AUDIT_RETENTION_DAYS": "30",
        },
        capture_output=True,
        text=True,
        check=False,
    )

    assert result.returncode != 0
    assert "AUDIT_RETENTION_DAYS must be at least 180" in result.stderr


@pytest.mark.django_db
def test_a_write_that_is_rolled_back_leaves_no_entry():
    # The entry is written in the write's own transaction: a half-done import leaves nothing.
    count = AuditEntry.objects.count()

    with pytest.raises(IntegrityError), transaction.atomic():
        factories.make_source(title="回滚")
        raise IntegrityError("the rest of the import failed")

    assert AuditEntry.objects.count() == count


# --- The spreadsheet import -----------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("model", sorted(TEMPLATES, key=lambda m: m._meta.label), ids=str)
def test_an_import_of_every_importable_model_is_recorded_row_by_row(model, superuser_client):
    label = model._meta.label_lower
    make, field, value = RECORDS[label]
    record = make()
    heading = TEMPLATES[model][field]
    rows = exported_rows(export(superuser_client, model, "xlsx"))
    column = rows[0].index(heading)
    (row,) = [r for r in rows[1:] if str(r[0]) == str(record.pk)]
    row[column] = value

    response = import_file(superuser_client, model, xlsx_file([rows[0], row]))

    assert response.status_code == 302
    (entry,) = entries_for(record, AuditAction.CHANGE)
    assert (entry.channel, entry.username, entry.after) == (
        AuditChannel.IMPORT,
        "auditor-admin",
        {field: value},
    )
    (event,) = AuditEntry.objects.filter(action=AuditAction.IMPORT)
    assert (event.channel, event.username, event.request_id) == (
        AuditChannel.ADMIN,
        "auditor-admin",
        entry.request_id,
    )
