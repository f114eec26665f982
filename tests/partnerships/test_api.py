"""REST API: districts, sources, institutions, agreements, projects, the deletions feed, and the
machinery every resource shares (tokens, throttling, paging, schema and docs).

Personas (tests/conftest.py): `anonymous_api` (a visitor), `reader_api` (a system with a
read-only token), `editor_api` (Zhang, editor of 小店区, write token), `other_editor_api` (Zhou,
editor of another district, write token).
"""

import base64
import datetime
import json
from decimal import Decimal

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone
from rest_framework.test import APIClient

from companies.models import AgreementEnterprise
from partnerships.choices import DatePrecision, PartyRole, PublicationState, TokenScope
from partnerships.models import (
    Agreement,
    ApiToken,
    Deletion,
    Institution,
    Project,
    Source,
)
from partnerships.services import api_token_create, api_token_revoke
from tests import factories

pytestmark = pytest.mark.django_db

PUBLISHED = PublicationState.PUBLISHED
DRAFT = PublicationState.DRAFT


def results(response) -> list[dict]:
    assert response.status_code == 200, response.content
    return response.json()["results"]


def ids(response) -> list[int]:
    return [row["id"] for row in results(response)]


# --- Records with every relation filled, so that N+1 queries would show -----------------------


def full_institution(district) -> Institution:
    parent = factories.make_institution(district=district, state=PUBLISHED)
    factories.make_institution(parent=parent, name="计算机学院", state=PUBLISHED)
    return parent


def full_agreement(district) -> Agreement:
    framework = factories.make_agreement(district=district, state=PUBLISHED)
    agreement = factories.make_agreement(
        part_of=framework, state=PUBLISHED, source=factories.make_source()
    )
    factories.make_agreement(part_of=agreement, phase_number=1, state=PUBLISHED)
    factories.make_agreement_party(
        agreement=agreement, district=district, role=PartyRole.GOVERNMENT
    )
    factories.make_agreement_party(
        agreement=agreement,
        institution=factories.make_institution(district=district, state=PUBLISHED),
    )
    factories.make_agreement_enterprise(
        agreement=agreement,
        enterprise=factories.make_enterprise(district=district, state=PUBLISHED),
    )
    return agreement


def full_project(district) -> Project:
    agreement = factories.make_agreement(district=district, state=PUBLISHED)
    parent = factories.make_project(agreement=agreement, state=PUBLISHED)
    project = factories.make_project(
        agreement=agreement, part_of=parent, state=PUBLISHED, source=factories.make_source()
    )
    factories.make_project_participant(project=project, district=district, role=PartyRole.SPONSOR)
    factories.make_project_participant(
        project=project, institution=factories.make_institution(district=district, state=PUBLISHED)
    )
    factories.make_project_enterprise(
        project=project, enterprise=factories.make_enterprise(district=district, state=PUBLISHED)
    )
    return project


# --- Reading ----------------------------------------------------------------------------------


def test_districts_list_every_district_with_its_level(anonymous_api, xiaodian):
    rows = results(anonymous_api.get("/api/v1/districts/"))
    assert [(r["code"], r["name"], r["name_en"], r["level"]) for r in rows] == [
        ("140105", "小店区", "Xiaodian District", "county")
    ]


def test_sources_show_their_partial_publication_date(anonymous_api):
    source = factories.make_cited_source(title="小店区校地合作报道")
    row = anonymous_api.get(f"/api/v1/sources/{source.pk}/").json()
    assert (row["title"], row["published_on"]) == (
        "小店区校地合作报道",
        {"date": "2023-05-01", "precision": "month"},
    )


def test_institution_shows_parent_and_sub_units_compactly(anonymous_api, xiaodian):
    parent = full_institution(xiaodian)
    college = parent.sub_units.get()
    rows = {r["id"]: r for r in results(anonymous_api.get("/api/v1/institutions/"))}
    assert rows[parent.pk]["sub_units"] == [{"id": college.pk, "name": "计算机学院", "name_en": ""}]
    assert rows[college.pk]["parent"] == {"id": parent.pk, "name": parent.name, "name_en": ""}
    assert rows[college.pk]["district"] == {
        "id": xiaodian.pk,
        "code": "140105",
        "name": "小店区",
        "name_en": "Xiaodian District",
    }
    assert rows[college.pk]["state"] == PUBLISHED


def test_agreement_shows_parties_of_both_kinds_and_its_phases(anonymous_api, xiaodian):
    agreement = full_agreement(xiaodian)
    row = anonymous_api.get(f"/api/v1/agreements/{agreement.pk}/").json()
    institution = agreement.parties.get(institution__isnull=False).institution
    enterprise = AgreementEnterprise.objects.get(agreement=agreement).enterprise
    phase = agreement.phases.get()
    assert row["signed_on"] == {"date": "2019-03-01", "precision": "month"}
    assert row["part_of"] == {
        "id": agreement.part_of_id,
        "title": agreement.part_of.title,
        "title_en": "",
    }
    assert row["phases"] == [{"id": phase.pk, "title": phase.title, "title_en": ""}]
    assert row["parties"] == [
        {
            "district": {
                "id": xiaodian.pk,
                "code": "140105",
                "name": "小店区",
                "name_en": "Xiaodian District",
            },
            "institution": None,
            "role": "government",
            "note": "",
        },
        {
            "district": None,
            "institution": {"id": institution.pk, "name": institution.name, "name_en": ""},
            "role": "partner",
            "note": "",
        },
    ]
    assert row["enterprise_parties"] == [
        {
            "enterprise": {"id": enterprise.pk, "name": enterprise.name, "name_en": ""},
            "role": "enterprise",
            "note": "",
        }
    ]
    assert row["source"] == {"id": agreement.source_id, "title": agreement.source.title, "url": ""}


def test_project_shows_agreement_participants_and_exact_decimals(anonymous_api, xiaodian):
    project = full_project(xiaodian)
    row = anonymous_api.get(f"/api/v1/projects/{project.pk}/").json()
    assert row["agreement"]["id"] == project.agreement_id
    assert row["part_of"]["id"] == project.part_of_id
    assert [(p["district"] or p["institution"])["id"] for p in row["participants"]] == [
        xiaodian.pk,
        project.participants.get(institution__isnull=False).institution_id,
    ]
    assert [p["role"] for p in row["participants"]] == ["sponsor", "lead"]
    assert [p["role"] for p in row["enterprise_participants"]] == ["resident"]
    assert (row["floor_area_m2"], row["floor_area_qualifier"]) == ("3000.00", "more_than")
    assert row["starts_on"] == {"date": "2019-03-01", "precision": "month"}
    assert row["ends_on"] is None


def test_drafts_do_not_exist_for_anonymous_clients(anonymous_api, reader_api, xiaodian):
    published = factories.make_project(district=xiaodian, state=PUBLISHED)
    draft = factories.make_project(district=xiaodian, state=DRAFT)
    assert ids(anonymous_api.get("/api/v1/projects/")) == [published.pk]
    assert ids(reader_api.get("/api/v1/projects/")) == [published.pk]
    assert anonymous_api.get(f"/api/v1/projects/{draft.pk}/").status_code == 404
    assert reader_api.get(f"/api/v1/projects/{draft.pk}/").status_code == 404


def test_an_editor_reads_the_drafts_of_her_district_only(editor_api, xiaodian, other_district):
    own_draft = factories.make_project(district=xiaodian, state=DRAFT)
    factories.make_project(district=other_district, state=DRAFT)
    assert ids(editor_api.get("/api/v1/projects/")) == [own_draft.pk]


def test_a_draft_related_record_is_shown_as_null_or_left_out(anonymous_api, xiaodian):
    draft_agreement = factories.make_agreement(district=xiaodian, state=DRAFT)
    project = factories.make_project(agreement=draft_agreement, state=PUBLISHED)
    factories.make_project_participant(
        project=project, institution=factories.make_institution(district=xiaodian, state=DRAFT)
    )
    row = anonymous_api.get(f"/api/v1/projects/{project.pk}/").json()
    assert (row["agreement"], row["participants"]) == (None, [])


# Queries of an anonymous list, whatever the number of rows (the visibility and filters are
# WHERE clauses of the first query; each to-many relation is one prefetch query):
#   agreements: 1 the agreements with district, part_of and source joined;
#               2 phases; 3 parties with district and institution; 4 enterprise parties with
#               their enterprises.
LIST_QUERIES = {
    "districts": 1,
    "sources": 1,
    "institutions": 2,  # institutions; sub_units
    "agreements": 4,
    "projects": 3,  # projects; participants; enterprise_participants
}
FULL_RECORD = {
    "districts": lambda district: factories.make_district(),
    "sources": lambda district: factories.make_cited_source(district=district),
    "institutions": full_institution,
    "agreements": full_agreement,
    "projects": full_project,
}


@pytest.mark.parametrize("resource", LIST_QUERIES)
def test_list_queries_do_not_grow_with_rows(anonymous_api, queries_of, xiaodian, resource):
    FULL_RECORD[resource](xiaodian)
    one_response, one = queries_of(anonymous_api, f"/api/v1/{resource}/")
    FULL_RECORD[resource](xiaodian)
    FULL_RECORD[resource](xiaodian)
    three_response, three = queries_of(anonymous_api, f"/api/v1/{resource}/")
    assert len(results(three_response)) > len(results(one_response))
    assert (len(one), len(three)) == (LIST_QUERIES[resource], LIST_QUERIES[resource])


# --- Filters, ordering, paging ----------------------------------------------------------------


def test_institutions_filter_by_several_districts_kind_and_chinese_text(
    anonymous_api, xiaodian, other_district
):
    third = factories.make_district()
    shanxi = factories.make_institution(district=xiaodian, name="山西大学", state=PUBLISHED)
    tongji = factories.make_institution(district=other_district, name="同济大学", state=PUBLISHED)
    factories.make_institution(district=third, name="山西农业大学", state=PUBLISHED)
    college = factories.make_institution(parent=shanxi, name="山西大学计算机学院", state=PUBLISHED)
    url = "/api/v1/institutions/"
    both = {"district_id": [xiaodian.pk, other_district.pk], "ordering": "id"}
    assert ids(anonymous_api.get(url, both)) == [shanxi.pk, tongji.pk, college.pk]
    assert ids(anonymous_api.get(url, both | {"kind": "university"})) == [shanxi.pk, tongji.pk]
    assert ids(anonymous_api.get(url, {"q": "山西大学", "ordering": "id"})) == [
        shanxi.pk,
        college.pk,
    ]
    assert ids(anonymous_api.get(url, {"parent_id": shanxi.pk})) == [college.pk]


def test_agreements_filter_by_signing_dates_and_party(anonymous_api, xiaodian):
    early = factories.make_agreement(
        district=xiaodian, signed_on=datetime.date(2018, 1, 1), state=PUBLISHED
    )
    late = factories.make_agreement(
        district=xiaodian, signed_on=datetime.date(2021, 6, 1), state=PUBLISHED
    )
    party = factories.make_institution(district=xiaodian, state=PUBLISHED)
    factories.make_agreement_party(agreement=late, institution=party)
    url = "/api/v1/agreements/"
    assert ids(anonymous_api.get(url, {"signed_after": "2019-01-01"})) == [late.pk]
    assert ids(anonymous_api.get(url, {"signed_before": "2019-01-01"})) == [early.pk]
    assert ids(anonymous_api.get(url, {"party_institution_id": party.pk})) == [late.pk]
    assert ids(anonymous_api.get(url, {"ordering": "-signed_on"})) == [late.pk, early.pk]


def test_projects_filter_by_field_status_and_start(anonymous_api, xiaodian):
    data = factories.make_project(district=xiaodian, state=PUBLISHED)
    farm = factories.make_project(
        district=xiaodian,
        field="modern_agriculture",
        starts_on=datetime.date(2021, 1, 1),
        state=PUBLISHED,
    )
    url = "/api/v1/projects/"
    assert ids(anonymous_api.get(url, {"field": "modern_agriculture"})) == [farm.pk]
    assert ids(anonymous_api.get(url, {"starts_before": "2020-01-01"})) == [data.pk]
    assert ids(anonymous_api.get(url, {"field": ["modern_agriculture", "big_data_it"]})) == [
        data.pk,
        farm.pk,
    ]


def test_bad_filter_values_answer_400_naming_the_parameter(anonymous_api):
    for params, name in (
        ({"district_id": "abc"}, "district_id"),
        ({"district_id": str(2**70)}, "district_id"),
        ({"signed_after": "2019-02-30"}, "signed_after"),
        ({"kind": "castle"}, "kind"),
        ({"ordering": "password"}, "ordering"),
        ({"updated_since": "yesterday"}, "updated_since"),
    ):
        response = anonymous_api.get("/api/v1/agreements/", params)
        assert (response.status_code, list(response.json())) == (400, [name])


def test_updated_since_lists_records_changed_at_or_after(anonymous_api, xiaodian):
    old = factories.make_institution(district=xiaodian, state=PUBLISHED)
    cut = timezone.now()
    new = factories.make_institution(district=xiaodian, state=PUBLISHED)
    url = "/api/v1/institutions/"
    assert ids(anonymous_api.get(url, {"updated_since": cut.isoformat()})) == [new.pk]
    old.save()
    assert ids(anonymous_api.get(url, {"updated_since": cut.isoformat()})) == [old.pk, new.pk]


def walk(client, url, params) -> list[int]:
    seen, response = [], client.get(url, params)
    while True:
        seen += ids(response)
        if response.json()["next"] is None:
            return seen
        response = client.get(response.json()["next"])


def test_page_size_one_walks_every_row_once_in_order(anonymous_api, xiaodian):
    # Ties and nulls in the ordering field: the cursor holds the id too, so none is lost.
    dates = [
        None,
        datetime.date(2019, 3, 1),
        datetime.date(2019, 3, 1),
        None,
        datetime.date(2020, 1, 1),
    ]
    for signed_on in dates:
        factories.make_agreement(district=xiaodian, signed_on=signed_on, state=PUBLISHED)
    url = "/api/v1/agreements/"
    for ordering in ("id", "-signed_on", "signed_on", "title"):
        everything = ids(anonymous_api.get(url, {"ordering": ordering}))
        assert walk(anonymous_api, url, {"ordering": ordering, "page_size": 1}) == everything
        assert sorted(everything) == sorted(Agreement.objects.values_list("id", flat=True))


def test_previous_links_walk_back_over_the_same_pages(anonymous_api, xiaodian):
    for _ in range(5):
        factories.make_institution(district=xiaodian, state=PUBLISHED)
    url = "/api/v1/institutions/"
    first = anonymous_api.get(url, {"page_size": 2, "ordering": "-name"})
    second = anonymous_api.get(first.json()["next"])
    third = anonymous_api.get(second.json()["next"])
    assert third.json()["next"] is None
    back = anonymous_api.get(third.json()["previous"])
    assert ids(back) == ids(second)
    assert ids(anonymous_api.get(back.json()["previous"])) == ids(first)
    assert anonymous_api.get(back.json()["previous"]).json()["previous"] is None


def test_page_size_is_capped_at_1000(anonymous_api):
    sources = Source.objects.bulk_create(Source(title=f"来源{n}") for n in range(1001))
    district = factories.make_district()  # each source public: a published institution cites it
    Institution.objects.bulk_create(
        Institution(name=f"院校{n}", kind="university", district=district, source=source)
        for n, source in enumerate(sources)
    )
    Institution.objects.update(state=PUBLISHED)
    response = anonymous_api.get("/api/v1/sources/", {"page_size": 5000})
    assert len(results(response)) == 1000
    assert response.json()["next"] is not None
    assert len(results(anonymous_api.get("/api/v1/sources/"))) == 100


def test_a_forged_cursor_answers_404(anonymous_api):
    for cursor in ("nonsense", "eyJrIjpbImlkIl0sInAiOlsieCJdLCJyIjowfQ=="):
        assert anonymous_api.get("/api/v1/sources/", {"cursor": cursor}).status_code == 404


# --- Tokens, permissions, throttling ----------------------------------------------------------


def test_an_invalid_expired_or_revoked_token_answers_401(xiaodian):
    user = factories.make_district_editor("qian", xiaodian)
    expired, expired_plain = api_token_create(user=user, name="过期", days=1)
    ApiToken.objects.filter(pk=expired.pk).update(expires_at=timezone.now())
    revoked, revoked_plain = api_token_create(user=user, name="撤销")
    api_token_revoke(revoked)
    _token, good = api_token_create(user=user, name="有效")
    for header in (
        f"Bearer {expired_plain}",
        f"Bearer {revoked_plain}",
        f"Bearer {good}x",
        "Bearer nonsense",
        "Bearer a b",
    ):
        response = APIClient(HTTP_AUTHORIZATION=header).get("/api/v1/districts/")
        assert response.status_code == 401, header
        assert response["WWW-Authenticate"] == 'Bearer realm="api"'
    assert (
        APIClient(HTTP_AUTHORIZATION=f"Token {good}").get("/api/v1/districts/").status_code == 200
    )


def test_a_token_of_an_inactive_user_answers_401(xiaodian):
    user = factories.make_district_editor("sun", xiaodian)
    token = factories.make_token(user, TokenScope.WRITE)
    User.objects.filter(pk=user.pk).update(is_active=False)
    client = APIClient(HTTP_AUTHORIZATION=f"Bearer {token}")
    assert client.get("/api/v1/districts/").status_code == 401


def test_last_use_is_recorded_at_most_once_a_minute(xiaodian):
    user = factories.make_district_editor("li-si", xiaodian)
    token, plain = api_token_create(user=user, name="同步")
    client = APIClient(HTTP_AUTHORIZATION=f"Bearer {plain}")
    client.get("/api/v1/districts/")
    first = ApiToken.objects.get(pk=token.pk).last_used_at
    client.get("/api/v1/districts/")
    assert ApiToken.objects.get(pk=token.pk).last_used_at == first
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=first - datetime.timedelta(minutes=2))
    client.get("/api/v1/districts/")
    assert ApiToken.objects.get(pk=token.pk).last_used_at > first


def test_writes_need_a_write_token_of_a_district_editor(anonymous_api, reader_api, xiaodian):
    body = {"name": "太原学院", "kind": "university", "district_id": xiaodian.pk}
    assert anonymous_api.post("/api/v1/institutions/", body, format="json").status_code == 401
    response = reader_api.post(
        "/api/v1/institutions/", body, format="json", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert (response.status_code, response.json()["detail"]) == (
        403,
        "This token is read-only; writing needs a write-scope token.",
    )
    nobody = User.objects.create_user("no-rights")
    client = APIClient(HTTP_AUTHORIZATION=f"Bearer {factories.make_token(nobody, 'write')}")
    assert client.post("/api/v1/institutions/", body, format="json").status_code == 403
    assert Institution.objects.count() == 0


def test_read_only_resources_refuse_writes(editor_api, xiaodian):
    response = editor_api.post("/api/v1/districts/", {"code": "140107"}, format="json")
    assert response.status_code == 405
    assert editor_api.delete(f"/api/v1/districts/{xiaodian.pk}/").status_code == 405


@override_settings(
    REST_FRAMEWORK={
        "DEFAULT_AUTHENTICATION_CLASSES": ["partnerships.api.auth.BearerTokenAuthentication"],
        "DEFAULT_PERMISSION_CLASSES": ["partnerships.api.auth.DenyAll"],
        "DEFAULT_THROTTLE_CLASSES": ["partnerships.api.auth.ApiRateThrottle"],
        "DEFAULT_THROTTLE_RATES": {"anon": "3/min", "user": "5/min"},
        "DEFAULT_PAGINATION_CLASS": "partnerships.api.pagination.KeysetCursorPagination",
        "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
        "DEFAULT_RENDERER_CLASSES": [
            "rest_framework.renderers.JSONRenderer",
            "partnerships.api.renderers.CSVRenderer",
        ],
    }
)
def test_the_throttle_reports_its_limits_and_says_when_to_retry(anonymous_api, editor_api):
    answers = [anonymous_api.get("/api/v1/districts/") for _ in range(4)]
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert [a["X-RateLimit-Remaining"] for a in answers] == ["2", "1", "0", "0"]
    assert {a["X-RateLimit-Limit"] for a in answers} == {"3"}
    assert 0 < int(answers[-1]["Retry-After"]) <= 60
    assert 0 < int(answers[-1]["X-RateLimit-Reset"]) <= 60
    # A token has its own, larger allowance.
    token_answer = editor_api.get("/api/v1/districts/")
    assert (token_answer.status_code, token_answer["X-RateLimit-Limit"]) == (200, "5")


# --- Writes -----------------------------------------------------------------------------------


def test_an_editor_creates_changes_and_deletes_an_institution(editor_api, xiaodian):
    parent = factories.make_institution(district=xiaodian, state=PUBLISHED)
    body = {
        "name": "经济与管理学院",
        "kind": "college",
        "parent_id": parent.pk,
        "district_id": xiaodian.pk,
        "uscc": "121400004052001108",
        "state": PUBLISHED,  # read-only: ignored
    }
    response = editor_api.post("/api/v1/institutions/", body, format="json")
    assert response.status_code == 201, response.content
    created = Institution.objects.get(pk=response.json()["id"])
    # A new record is a draft whatever the body says: publishing is a review step.
    assert (created.uscc, created.state, created.parent_id) == (
        "121400004052001108",
        DRAFT,
        parent.pk,
    )
    assert response.json()["parent"] == {"id": parent.pk, "name": parent.name, "name_en": ""}

    response = editor_api.patch(
        f"/api/v1/institutions/{created.pk}/", {"name_en": "School of Economics"}, format="json"
    )
    assert (response.status_code, response.json()["name_en"]) == (200, "School of Economics")
    assert editor_api.delete(f"/api/v1/institutions/{created.pk}/").status_code == 204
    assert not Institution.objects.filter(pk=created.pk).exists()


def test_an_editor_creates_and_replaces_an_agreement_with_partial_dates(editor_api, xiaodian):
    body = {
        "title": "小店区与山西大学全面合作框架协议",
        "district_id": xiaodian.pk,
        "kind": "framework",
        "signed_on": {"date": "2019-03-01", "precision": "month"},
        "starts_on": {"date": "2019-01-01", "precision": "year"},
        "term_months": 24,
    }
    created = editor_api.post("/api/v1/agreements/", body, format="json")
    assert created.status_code == 201, created.content
    agreement = Agreement.objects.get(pk=created.json()["id"])
    assert (agreement.signed_on, agreement.signed_on_precision) == (
        datetime.date(2019, 3, 1),
        DatePrecision.MONTH,
    )
    replaced = editor_api.put(
        f"/api/v1/agreements/{agreement.pk}/", body | {"signed_on": None}, format="json"
    )
    assert (replaced.status_code, replaced.json()["signed_on"]) == (200, None)


def test_an_editor_creates_a_project_under_an_agreement_of_her_district(editor_api, xiaodian):
    agreement = factories.make_agreement(district=xiaodian, state=PUBLISHED)
    body = {
        "title": "山西大学科技园小店区基地",
        "district_id": xiaodian.pk,
        "agreement_id": agreement.pk,
        "kind": "base_platform",
        "field": "big_data_it",
        "funding_yuan": "5000000.00",
        "opened_on": {"date": "2019-12-01", "precision": "day"},
    }
    response = editor_api.post("/api/v1/projects/", body, format="json")
    assert response.status_code == 201, response.content
    project = Project.objects.get(pk=response.json()["id"])
    assert (project.funding_yuan, project.agreement_id) == (Decimal("5000000.00"), agreement.pk)


def assert_refused(client, method, url, body, field, model, count):
    response = getattr(client, method)(url, body, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json(), response.json()
    assert model.objects.count() == count
    return response.json()[field]


def test_bad_input_answers_400_by_field_and_writes_nothing(editor_api, xiaodian):
    good = {"name": "太原学院", "kind": "university", "district_id": xiaodian.pk}
    url = "/api/v1/institutions/"
    for body, field in (
        (good | {"uscc": "91350100M000100Y4Z"}, "uscc"),  # wrong check character
        (good | {"district_id": 999999}, "district_id"),  # unknown foreign key
        (good | {"district_id": 2**70}, "district_id"),  # no id at all
        (good | {"district_id": "小店区"}, "district_id"),  # wrong type
        (good | {"parent_id": [1]}, "parent_id"),
        (good | {"name": "院" * 201}, "name"),  # oversized
        (good | {"kind": "castle"}, "kind"),
        (good | {"kind": "college"}, "parent_id"),  # a college needs its parent (clean())
        (good | {"website": "not a url"}, "website"),
    ):
        assert_refused(editor_api, "post", url, body, field, Institution, 0)


def test_an_agreement_cannot_end_before_it_starts(editor_api, xiaodian):
    body = {
        "title": "协议",
        "district_id": xiaodian.pk,
        "kind": "framework",
        "starts_on": {"date": "2020-01-01", "precision": "day"},
        "ends_on": {"date": "2019-01-01", "precision": "day"},
    }
    assert_refused(editor_api, "post", "/api/v1/agreements/", body, "ends_on", Agreement, 0)
    bad_precision = body | {"ends_on": {"date": "2021-05-17", "precision": "month"}}
    assert_refused(
        editor_api, "post", "/api/v1/agreements/", bad_precision, "ends_on", Agreement, 0
    )
    no_precision = body | {"ends_on": {"date": "2021-05-17"}}
    errors = assert_refused(
        editor_api, "post", "/api/v1/agreements/", no_precision, "ends_on", Agreement, 0
    )
    assert list(errors) == ["precision"]


def test_negative_funding_is_refused(editor_api, xiaodian):
    body = {
        "title": "项目",
        "district_id": xiaodian.pk,
        "kind": "base_platform",
        "field": "big_data_it",
        "funding_yuan": "-1.00",
    }
    assert_refused(editor_api, "post", "/api/v1/projects/", body, "funding_yuan", Project, 0)


def test_a_write_to_another_district_is_refused(editor_api, other_editor_api, xiaodian):
    body = {"name": "太原学院", "kind": "university", "district_id": xiaodian.pk}
    # Creating in a district one has no rights in: the district "does not exist".
    assert_refused(
        other_editor_api, "post", "/api/v1/institutions/", body, "district_id", Institution, 0
    )
    # Changing another district's record: it does not exist either (404, not 403).
    record = factories.make_institution(district=xiaodian, state=PUBLISHED, name="山西大学")
    response = other_editor_api.patch(
        f"/api/v1/institutions/{record.pk}/", {"name": "X"}, format="json"
    )
    assert response.status_code == 404
    assert other_editor_api.delete(f"/api/v1/institutions/{record.pk}/").status_code == 404
    assert Institution.objects.get().name == "山西大学"


def test_deleting_a_referenced_record_answers_409(editor_api, xiaodian):
    agreement = factories.make_agreement(district=xiaodian)
    factories.make_project(agreement=agreement)
    response = editor_api.delete(f"/api/v1/agreements/{agreement.pk}/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 409
    assert response.json()["detail"] == (
        "Other records refer to this one (projects: 1); change or delete them first."
    )
    assert Agreement.objects.filter(pk=agreement.pk).exists()


# --- Deletions feed ---------------------------------------------------------------------------


def feed(client, since) -> list[tuple[str, int]]:
    response = client.get("/api/v1/deletions/", {"since": since.isoformat()})
    return [(row["type"], row["id"]) for row in results(response)]


def test_the_feed_lists_deleted_and_unpublished_records_after_since(
    anonymous_api, publisher_api, xiaodian
):
    before = timezone.now()
    gone = factories.make_institution(district=xiaodian, state=PUBLISHED)
    withdrawn = factories.make_project(district=xiaodian, state=PUBLISHED)
    outcome = factories.make_outcome(project=withdrawn, state=PUBLISHED)
    never = factories.make_project(district=xiaodian, state=DRAFT)
    since = timezone.now()
    gone_id = gone.pk
    gone.delete()
    never.delete()
    response = publisher_api.post(f"/api/v1/projects/{withdrawn.pk}/withdraw/")
    assert (response.status_code, response.json()["state"]) == (200, "withdrawn")
    listed = feed(anonymous_api, since)
    # The outcome is still published, but no longer public: its project was withdrawn; so is
    # the source only it cited.
    assert sorted(listed) == sorted(
        [
            ("institutions", gone_id),
            ("projects", withdrawn.pk),
            ("outcomes", outcome.pk),
            ("sources", outcome.source_id),
        ]
    )
    assert feed(anonymous_api, timezone.now()) == []
    assert sorted(feed(anonymous_api, before)) == sorted(listed)


def test_the_feed_never_names_a_record_that_was_never_published(anonymous_api, xiaodian):
    since = timezone.now()
    draft = factories.make_enterprise(district=xiaodian, state=DRAFT)
    draft.name = "改名"
    draft.save()
    draft.delete()
    assert feed(anonymous_api, since) == []
    assert Deletion.objects.count() == 0


def test_the_feed_pages_by_cursor(anonymous_api, xiaodian):
    since = timezone.now()
    for _ in range(5):
        factories.make_institution(district=xiaodian, state=PUBLISHED).delete()
    first = anonymous_api.get("/api/v1/deletions/", {"since": since.isoformat(), "page_size": 2})
    seen, response = [], first
    while True:
        seen += [row["id"] for row in results(response)]
        if response.json()["next"] is None:
            break
        response = anonymous_api.get(response.json()["next"])
    assert sorted(seen) == sorted(Deletion.objects.values_list("object_id", flat=True))
    assert len(seen) == 5


def test_the_feed_needs_a_valid_since(anonymous_api):
    missing = anonymous_api.get("/api/v1/deletions/")
    assert (missing.status_code, missing.json()) == (400, {"since": ["该字段是必填项。"]})
    assert anonymous_api.get("/api/v1/deletions/", {"since": "last week"}).status_code == 400


# --- Schema and docs --------------------------------------------------------------------------


def test_the_schema_is_valid_openapi_3_without_warnings():
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", "/dev/null")


def test_the_schema_is_served_and_documents_filters(anonymous_api):
    response = anonymous_api.get("/api/v1/schema/", {"format": "json"})
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    parameters = {p["name"] for p in schema["paths"]["/api/v1/agreements/"]["get"]["parameters"]}
    assert {"district_id", "signed_after", "q", "ordering", "cursor", "page_size", "format"} <= (
        parameters
    )


@pytest.mark.parametrize("url", ["/api/v1/docs/", "/api/v1/redoc/"])
def test_the_docs_load_nothing_from_another_host(anonymous_api, url):
    html = anonymous_api.get(url).content.decode()
    assert "/static/drf_spectacular_sidecar/" in html
    assert "http://" not in html
    assert "https://" not in html


def test_a_token_adds_the_same_few_queries_whatever_the_rows(editor_api, queries_of, xiaodian):
    # 1 the token with its user; 2 the user's districts (visibility); then the 3 list queries.
    # (The token's last use is written at most once a minute: by the first request here.)
    full_project(xiaodian)
    editor_api.get("/api/v1/districts/")
    _response, one = queries_of(editor_api, "/api/v1/projects/")
    full_project(xiaodian)
    full_project(xiaodian)
    _response, three = queries_of(editor_api, "/api/v1/projects/")
    assert (len(one), len(three)) == (5, 5)


def test_an_editor_changes_and_deletes_a_project_and_an_agreement(editor_api, xiaodian):
    agreement = factories.make_agreement(district=xiaodian)
    project = factories.make_project(agreement=agreement)
    response = editor_api.patch(
        f"/api/v1/projects/{project.pk}/",
        {"status": "ongoing", "ends_on": {"date": "2025-12-31", "precision": "day"}},
        format="json",
    )
    assert (response.status_code, response.json()["status"]) == (200, "ongoing")
    assert Project.objects.get().ends_on == datetime.date(2025, 12, 31)
    assert editor_api.delete(f"/api/v1/projects/{project.pk}/").status_code == 204
    assert editor_api.delete(f"/api/v1/agreements/{agreement.pk}/").status_code == 204
    assert (Project.objects.count(), Agreement.objects.count()) == (0, 0)


def cursor(payload) -> str:
    return base64.urlsafe_b64encode(json.dumps(payload).encode()).decode()


def test_malformed_ids_and_cursors_are_client_errors(anonymous_api):
    for url in ("/api/v1/projects/99999999999999999999999/", "/api/v1/projects/0.5/"):
        assert anonymous_api.get(url).status_code == 404, url
    for params in (
        {"cursor": cursor({"k": ["id"], "p": [2**80], "r": 0})},
        {"cursor": cursor({"k": ["title", "id"], "p": ["\x00", 1], "r": 1}), "ordering": "title"},
        {"cursor": cursor({"k": ["starts_on", "id"], "p": ["2019-02-30", 1], "r": 0})},
    ):
        assert anonymous_api.get("/api/v1/projects/", params).status_code in (200, 404), params
    assert anonymous_api.get("/api/v1/projects/", {"q": "\x00"}).status_code == 400
    stale = cursor(["2020-01-01T00:00:00+00:00", "\x00", 2**80])
    since = "2020-01-01T00:00:00Z"
    response = anonymous_api.get("/api/v1/deletions/", {"since": since, "cursor": stale})
    assert response.status_code == 404


def test_any_iso_offset_is_accepted_and_compared_in_utc(anonymous_api, xiaodian):
    factories.make_institution(district=xiaodian, state=PUBLISHED)
    url = "/api/v1/institutions/"
    # Python allows offsets PostgreSQL refuses (beyond ±15:59): they are converted to UTC.
    assert ids(anonymous_api.get(url, {"updated_since": "2760-11-05T08:28:03-17:43"})) == []
    assert len(ids(anonymous_api.get(url, {"created_after": "2000-01-01T00:00:00+23:59"}))) == 1
    edge = anonymous_api.get(url, {"updated_since": "0001-01-01T00:00:00+05:00"})
    assert (edge.status_code, list(edge.json())) == (400, ["updated_since"])
    since = "2760-11-05T08:28:03-17:43"
    assert results(anonymous_api.get("/api/v1/deletions/", {"since": since})) == []
