"""A source is public only while a published record cites it, and its note never is.

The story: Zhou, an editor of 迎泽区, adds a source in the back office titled
"内部：…（未公开）" with a link and an internal note. Nobody outside sees it — not the
anonymous API (list, detail, JSON and CSV), not a read token, not the public pages. Zhou may
still correct it or remove it while nothing published cites it. Once a published record cites
it, it is public without its note, and only a system administrator may change it.
"""

import pytest
from django.contrib.auth.models import User

from partnerships.choices import PublicationState, RecordAction, StaffRole
from partnerships.models import Source
from partnerships.selectors import may
from tests import factories
from tests.admin_helpers import admin_url, post_add, post_change

PUBLISHED = PublicationState.PUBLISHED
TITLE = "内部：迎泽区校地合作摸底（未公开）"
NOTE = "内部备注：数据未经核实，勿外传"
URL = "https://phish.example.cn/login"


@pytest.fixture
def zhou(roles, other_district) -> User:
    return factories.make_staff("zhou", other_district, StaffRole.EDITOR)


@pytest.fixture
def zhou_client(client, zhou):
    client.force_login(zhou)
    return client


def add_internal_source(zhou_client, other_district) -> Source:
    response = post_add(
        zhou_client,
        Source,
        {"title": TITLE, "url": URL, "note": NOTE, "district": other_district.pk},
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    return Source.objects.get(title=TITLE)


def public_api_texts(anonymous_api, reader_api, source) -> list[str]:
    texts = []
    for api in (anonymous_api, reader_api):
        for params in ({}, {"format": "csv"}):
            listed = api.get("/api/v1/sources/", params)
            assert listed.status_code == 200, listed.content
            texts.append(listed.content.decode("utf-8-sig"))
        texts.append(api.get(f"/api/v1/sources/{source.pk}/").content.decode())
    return texts


def test_an_editors_new_source_is_not_public(
    zhou_client, anonymous_api, reader_api, other_district
):
    source = add_internal_source(zhou_client, other_district)
    assert (source.district, source.note) == (other_district, NOTE)

    for text in public_api_texts(anonymous_api, reader_api, source):
        assert (TITLE in text, URL in text, NOTE in text) == (False, False, False)
    detail = anonymous_api.get(f"/api/v1/sources/{source.pk}/")
    missing = anonymous_api.get(f"/api/v1/sources/{source.pk + 1000}/")
    assert (detail.status_code, detail.json()) == (404, missing.json())
    listed = anonymous_api.get("/api/v1/sources/", {"updated_since": "2000-01-01T00:00:00Z"})
    assert listed.json()["results"] == []


def test_the_editor_corrects_and_removes_her_uncited_source(zhou_client, other_district):
    source = add_internal_source(zhou_client, other_district)
    response = post_change(zhou_client, source, {"title": "迎泽区校地合作摸底（更正）"})
    assert response.status_code == 302, response.content
    source.refresh_from_db()
    assert source.title == "迎泽区校地合作摸底（更正）"

    url = admin_url(Source, "delete", source.pk)
    response = zhou_client.post(url, {"post": "yes"})
    assert response.status_code == 302, response.content
    assert Source.objects.filter(pk=source.pk).exists() is False


def test_a_cited_source_is_public_without_its_note(
    zhou_client, anonymous_api, reader_api, client, other_district
):
    source = add_internal_source(zhou_client, other_district)
    institution = factories.make_institution(
        district=other_district,
        source=source,
        source_passage="迎泽区与山西大学合作。",
        state=PUBLISHED,
    )

    row = anonymous_api.get(f"/api/v1/sources/{source.pk}/").json()
    assert (row["title"], row["url"], "note" in row) == (TITLE, URL, False)
    for text in public_api_texts(anonymous_api, reader_api, source):
        assert (TITLE in text, NOTE in text) == (True, False)
    page = client.get(f"/institutions/{institution.pk}/").content.decode()
    assert (TITLE in page, NOTE in page) == (True, False)


def test_a_cited_source_is_changed_by_a_system_administrator_only(
    zhou_client, roles, other_district
):
    source = add_internal_source(zhou_client, other_district)
    factories.make_institution(district=other_district, source=source, state=PUBLISHED)

    response = post_change(zhou_client, source, {"title": "改掉已公开的来源"})
    assert response.status_code == 403
    response = zhou_client.post(admin_url(Source, "delete", source.pk), {"post": "yes"})
    assert response.status_code == 403
    source.refresh_from_db()
    assert (source.title, source.note) == (TITLE, NOTE)

    admin = factories.make_staff("wu", other_district, StaffRole.SYSTEM_ADMIN)
    zhou_client.force_login(admin)
    response = post_change(zhou_client, source, {"title": "迎泽区校地合作摸底"})
    assert response.status_code == 302
    source.refresh_from_db()
    assert source.title == "迎泽区校地合作摸底"


def test_an_editor_of_another_district_may_not_change_the_source(
    zhou_client, client, roles, xiaodian, other_district
):
    source = add_internal_source(zhou_client, other_district)
    zhang = factories.make_staff("zhang-bo", xiaodian, StaffRole.EDITOR)
    zhou_client.force_login(zhang)
    response = post_change(zhou_client, source, {"title": "别区改名"})
    assert response.status_code == 403
    source.refresh_from_db()
    assert source.title == TITLE


def test_an_editor_may_not_add_a_source_for_another_district(zhou_client, xiaodian, other_district):
    response = post_add(zhou_client, Source, {"title": TITLE, "district": xiaodian.pk})
    assert response.status_code == 200
    form = response.context["adminform"].form
    assert list(form.errors) == ["district"]
    assert Source.objects.count() == 0


# The policy, by role and source: (role, whose source, cited) → may change and delete.
SOURCE_RIGHTS = [
    (StaffRole.EDITOR, "own", False, True),
    (StaffRole.EDITOR, "own", True, False),
    (StaffRole.EDITOR, "other", False, False),
    (StaffRole.EDITOR, "shared", False, False),
    (StaffRole.PUBLISHER, "own", False, True),
    (StaffRole.PUBLISHER, "own", True, False),
    (StaffRole.AUDITOR, "own", False, False),
    (StaffRole.SECURITY_ADMIN, "own", False, False),
    (StaffRole.SYSTEM_ADMIN, "other", True, True),
    (StaffRole.SYSTEM_ADMIN, "shared", False, True),
]


@pytest.mark.parametrize(("role", "whose", "cited", "allowed"), SOURCE_RIGHTS)
def test_who_may_change_and_delete_a_source(xiaodian, other_district, role, whose, cited, allowed):
    user = factories.make_district_staff(f"staff-{role}", xiaodian, role)
    district = {"own": xiaodian, "other": other_district, "shared": None}[whose]
    source = factories.make_source(district=district)
    if cited:
        factories.make_institution(district=district, source=source, state=PUBLISHED)
    decisions = [may(user, action, source) for action in (RecordAction.CHANGE, RecordAction.DELETE)]
    assert decisions == [allowed, allowed]
