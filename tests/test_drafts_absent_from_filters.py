"""Public filters and groupings treat an unpublished record as absent.

小店区 has published a project. A draft institution (not yet reviewed) was added as one of its
participants, a draft enterprise too, and the project points at a draft agreement. A curious
visitor counts drafts by their ids: `?participant_institution_id=<draft id>` on the API, the
`institution` filter of the public list, and `stats?group_by=institution`. Each must answer
exactly as for an id that does not exist, and never name the draft. Zhang, an editor of 小店区
with a write token, sees his own district's drafts, and his filters find them consistently.
"""

import pytest

from partnerships.choices import PublicationState
from tests import factories

PUBLISHED = PublicationState.PUBLISHED
MISSING = 987654
DRAFT_NAME = "未公开研究院"


@pytest.fixture
def published_with_drafts(xiaodian):
    draft_agreement = factories.make_agreement(district=xiaodian, title="未公开协议")
    project = factories.make_project(district=xiaodian, agreement=draft_agreement, state=PUBLISHED)
    university = factories.make_institution(district=xiaodian, name="山西大学", state=PUBLISHED)
    draft = factories.make_institution(district=xiaodian, name=DRAFT_NAME)
    draft_unit = factories.make_institution(parent=draft, name="未公开实验室", state=PUBLISHED)
    company = factories.make_enterprise(district=xiaodian, name="未公开科技有限公司")
    for institution in (university, draft, draft_unit):
        factories.make_project_participant(project=project, institution=institution)
    factories.make_project_enterprise(project=project, enterprise=company)
    factories.make_outcome(project=project, state=PUBLISHED)
    return {
        "project": project,
        "university": university,
        "institution": draft,
        "unit": draft_unit,
        "agreement": draft_agreement,
        "enterprise": company,
    }


def ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


FILTERS = [
    ("/api/v1/projects/", "participant_institution_id", "institution"),
    ("/api/v1/projects/", "participant_enterprise_id", "enterprise"),
    ("/api/v1/projects/", "agreement_id", "agreement"),
    ("/api/v1/agreements/", "party_institution_id", "institution"),
    ("/api/v1/institutions/", "parent_id", "institution"),
]


@pytest.mark.parametrize(("url", "parameter", "draft"), FILTERS)
def test_a_drafts_id_in_a_public_filter_answers_as_a_missing_id(
    anonymous_api, reader_api, other_editor_api, published_with_drafts, url, parameter, draft
):
    draft_id = published_with_drafts[draft].pk
    for client in (anonymous_api, reader_api, other_editor_api):
        response = client.get(url, {parameter: draft_id})
        missing = client.get(url, {parameter: MISSING})
        assert (ids(response), response.json()) == ([], missing.json())


def test_the_districts_own_editor_filters_by_its_drafts(editor_api, published_with_drafts):
    project = published_with_drafts["project"]
    draft = published_with_drafts["institution"]
    url = "/api/v1/projects/"
    assert ids(editor_api.get(url, {"participant_institution_id": draft.pk})) == [project.pk]
    agreement = published_with_drafts["agreement"]
    assert ids(editor_api.get(url, {"agreement_id": agreement.pk})) == [project.pk]


def test_a_published_participant_still_filters(anonymous_api, published_with_drafts):
    university = published_with_drafts["university"]
    response = anonymous_api.get("/api/v1/projects/", {"participant_institution_id": university.pk})
    assert ids(response) == [published_with_drafts["project"].pk]


def test_stats_grouped_by_institution_never_name_a_draft(anonymous_api, published_with_drafts):
    response = anonymous_api.get("/api/v1/stats/outcomes/", {"group_by": "institution"})
    assert response.status_code == 200, response.content
    named = [group["institution"] for group in response.json()["groups"]]
    assert named == [published_with_drafts["university"].pk]
    csv = anonymous_api.get("/api/v1/stats/outcomes/", {"group_by": "institution", "format": "csv"})
    assert DRAFT_NAME not in csv.content.decode() + response.content.decode()


@pytest.mark.parametrize("group_by", ["project", "agreement", "enterprise"])
def test_stats_grouped_by_another_dimension_never_name_a_draft(
    anonymous_api, published_with_drafts, group_by
):
    response = anonymous_api.get("/api/v1/stats/outcomes/", {"group_by": group_by})
    assert response.status_code == 200, response.content
    named = [group[group_by] for group in response.json()["groups"]]
    # The outcome is the published project's; the draft agreement and enterprise are absent.
    expected = published_with_drafts["project"].pk if group_by == "project" else None
    assert named == [expected]
    assert "未公开" not in response.content.decode()


def test_the_districts_editor_sees_its_draft_named_in_stats(editor_api, published_with_drafts):
    response = editor_api.get("/api/v1/stats/outcomes/", {"group_by": "institution"})
    named = sorted(group["institution"] for group in response.json()["groups"])
    expected = sorted(published_with_drafts[name].pk for name in ("university", "institution"))
    assert named == expected


def test_the_public_project_list_treats_a_draft_institution_as_absent(
    client, published_with_drafts
):
    draft = published_with_drafts["institution"]
    by_draft = client.get("/projects/", {"institution": draft.pk})
    by_missing = client.get("/projects/", {"institution": MISSING})
    assert (by_draft.status_code, by_missing.status_code) == (200, 200)
    assert list(by_draft.context["page"]) == list(by_missing.context["page"]) == []
    unfiltered = client.get("/projects/").content.decode()
    assert (DRAFT_NAME in unfiltered, "山西大学" in unfiltered) == (False, True)
