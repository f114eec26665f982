"""A back-office form saved over a record that changed meanwhile is refused, with what changed
(partnerships/form_versions.py).

Zhao, an editor of 小店区, opens a project's page in the back office. Before he saves, Zhang,
his colleague, changes the project's summary through the API with a write token. Zhao's save
would put the old summary back; instead the page tells him what changed.
"""

import pytest
from django.utils import timezone

from partnerships.choices import AuditAction
from partnerships.models import AuditEntry, Institution, Project
from tests import factories
from tests.admin_helpers import admin_url, form_data

CHINESE = {"HTTP_ACCEPT_LANGUAGE": "zh-hans"}


@pytest.fixture
def zhao_client(client, zhao):
    client.force_login(zhao)
    return client


@pytest.fixture
def project(xiaodian) -> Project:
    return factories.make_project(district=xiaodian, title="大数据基地", summary="旧摘要")


def opened(client, record) -> dict:
    """The change page as Zhao's browser holds it: what it would post back."""
    response = client.get(admin_url(type(record), "change", record.pk), **CHINESE)
    assert response.status_code == 200
    return form_data(response)


def test_stale_project_form_is_refused_and_keeps_the_api_change(zhao_client, editor_api, project):
    page = opened(zhao_client, project)
    patched = editor_api.patch(
        f"/api/v1/projects/{project.pk}/", {"summary": "接口改的摘要"}, format="json"
    )
    assert patched.status_code == 200, patched.content
    changes_before = AuditEntry.objects.filter(action=AuditAction.CHANGE).count()

    response = zhao_client.post(
        admin_url(Project, "change", project.pk), page | {"title": "大数据基地（一期）"}, **CHINESE
    )

    assert response.status_code == 200  # the form again, not a redirect
    assert response.context["adminform"].form.non_field_errors() == [
        "在您打开本页之后，有人修改了这条记录：摘要：“旧摘要” → “接口改的摘要”。本次未保存。"
        "请核对这些字段；再次保存将以表单中现有的值为准。"
    ]
    project.refresh_from_db()
    assert (project.title, project.summary) == ("大数据基地", "接口改的摘要")
    assert AuditEntry.objects.filter(action=AuditAction.CHANGE).count() == changes_before


def test_stale_form_saved_again_knowingly_keeps_the_form_values(zhao_client, editor_api, project):
    page = opened(zhao_client, project)
    editor_api.patch(f"/api/v1/projects/{project.pk}/", {"summary": "接口改的摘要"}, format="json")
    refused = zhao_client.post(admin_url(Project, "change", project.pk), page, **CHINESE)

    # The page shown again carries the current version: saving it is a deliberate choice.
    response = zhao_client.post(
        admin_url(Project, "change", project.pk), form_data(refused), **CHINESE
    )

    assert response.status_code == 302
    project.refresh_from_db()
    assert project.summary == "旧摘要"


def test_fresh_form_saves_normally(zhao_client, editor_api, project):
    editor_api.patch(f"/api/v1/projects/{project.pk}/", {"summary": "接口改的摘要"}, format="json")
    page = opened(zhao_client, project)

    response = zhao_client.post(
        admin_url(Project, "change", project.pk), page | {"title": "大数据基地（一期）"}, **CHINESE
    )

    assert response.status_code == 302
    project.refresh_from_db()
    assert (project.title, project.summary) == ("大数据基地（一期）", "接口改的摘要")


def test_change_of_a_field_the_form_does_not_show_does_not_refuse(zhao_client, project):
    """A change of a field the form has not (the first publication's time) loses nothing
    when the form is saved, so it saves."""
    page = opened(zhao_client, project)
    published_at = timezone.now()
    Project.objects.filter(pk=project.pk).update(first_published_at=published_at)

    response = zhao_client.post(
        admin_url(Project, "change", project.pk), page | {"summary": "新摘要"}, **CHINESE
    )

    assert response.status_code == 302
    project.refresh_from_db()
    assert (project.summary, project.first_published_at) == ("新摘要", published_at)


def test_stale_institution_form_names_the_changed_choice(zhao_client, xiaodian):
    """Every registry record's form carries its version; a choice is shown by its label."""
    institution = factories.make_institution(district=xiaodian, name="太原学院")
    page = opened(zhao_client, institution)
    Institution.objects.filter(pk=institution.pk).update(name="太原学院（新）")

    response = zhao_client.post(admin_url(Institution, "change", institution.pk), page, **CHINESE)

    assert response.context["adminform"].form.non_field_errors() == [
        "在您打开本页之后，有人修改了这条记录：名称：“太原学院” → “太原学院（新）”。本次未保存。"
        "请核对这些字段；再次保存将以表单中现有的值为准。"
    ]
    institution.refresh_from_db()
    assert institution.name == "太原学院（新）"


def test_forged_version_is_refused(zhao_client, project):
    page = opened(zhao_client, project)

    response = zhao_client.post(
        admin_url(Project, "change", project.pk),
        page | {"record_version": "forged", "summary": "新摘要"},
        **CHINESE,
    )

    assert response.context["adminform"].form.non_field_errors() == [
        "无法读取本页的版本信息，请重新打开该记录。本次未保存。"
    ]
    project.refresh_from_db()
    assert project.summary == "旧摘要"
