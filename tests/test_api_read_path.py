"""The API's lean read path answers the very bytes the serializers did.

Projects, outcomes and targets are listed and shown from plain rows
(`partnerships.api.resources.RowReader`) and rendered by orjson
(`partnerships.api.renderers.JSONRenderer`), because per-object serializers and the standard JSON
encoder were most of the time of a 100-row page. The API contract is the bytes, so each story
compares the lean answer with the serializers' answer to the same request.

Personas (tests/conftest.py): `anonymous_api` (a visitor), `editor_api` (Zhang, editor of
小店区, who also reads her district's drafts).
"""

import datetime
import json
from decimal import Decimal

import pytest
from django.utils.translation import gettext_lazy
from rest_framework.renderers import JSONRenderer as DRFJSONRenderer

from outcomes.api import OutcomeViewSet, TargetViewSet
from partnerships.api.endpoints import ProjectViewSet
from partnerships.api.renderers import JSONRenderer
from partnerships.choices import PublicationState
from tests import factories
from tests.partnerships.test_api import full_project

pytestmark = pytest.mark.django_db

PUBLISHED = PublicationState.PUBLISHED
DRAFT = PublicationState.DRAFT
LEAN_VIEWSETS = (ProjectViewSet, OutcomeViewSet, TargetViewSet)


def serializers_answer(client, url, monkeypatch):
    """The same request answered by the serializers, as before the lean read path."""
    with monkeypatch.context() as patch:
        for viewset in LEAN_VIEWSETS:
            patch.setattr(viewset, "read_rows", False)
        return client.get(url)


@pytest.fixture
def registry_with_drafts(xiaodian, other_district):
    """Published projects with every relation, a draft among them, drafts they point to,
    outcomes and targets on them, in two districts."""
    projects = [full_project(xiaodian), full_project(other_district)]
    draft = factories.make_project(district=xiaodian, state=DRAFT, funding_yuan=Decimal("12.5"))
    hidden_partner = factories.make_institution(district=other_district, state=DRAFT)
    factories.make_project_participant(project=projects[0], institution=hidden_partner)
    factories.make_project_enterprise(
        project=projects[0],
        enterprise=factories.make_enterprise(district=xiaodian, state=DRAFT),
    )
    projects.append(
        factories.make_project(
            agreement=factories.make_agreement(district=xiaodian, state=DRAFT),
            part_of=draft,
            state=PUBLISHED,
            title="带\u2028分行符的项目\x01",
            summary='引号"和反斜杠\\',
        )
    )
    for project in projects:
        factories.make_outcome(project=project, state=PUBLISHED)
        factories.make_target(project=project, state=PUBLISHED)
    factories.make_outcome(project=draft, state=DRAFT)
    return projects


@pytest.mark.parametrize("persona", ["anonymous_api", "editor_api"])
@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/projects/",
        "/api/v1/projects/?page_size=2",
        "/api/v1/projects/?ordering=-starts_on",
        "/api/v1/projects/?format=csv",
        "/api/v1/outcomes/",
        "/api/v1/outcomes/?ordering=-updated_at&page_size=1",
        "/api/v1/targets/",
    ],
)
def test_lists_answer_the_serializers_bytes(
    request, persona, url, registry_with_drafts, monkeypatch
):
    client = request.getfixturevalue(persona)
    lean = client.get(url)
    assert lean.status_code == 200, lean.content
    before = serializers_answer(client, url, monkeypatch)
    assert (lean.content, lean["ETag"], lean.get("Link")) == (
        before.content,
        before["ETag"],
        before.get("Link"),
    )


def test_the_next_pages_answer_the_serializers_bytes(
    anonymous_api, registry_with_drafts, monkeypatch
):
    url = "/api/v1/projects/?page_size=1&ordering=title"
    pages = 0
    while url:
        lean = anonymous_api.get(url)
        assert lean.content == serializers_answer(anonymous_api, url, monkeypatch).content
        url = lean.json()["next"]
        pages += 1
    assert pages == 5  # two projects and their parents, and the one under a draft


@pytest.mark.parametrize("persona", ["anonymous_api", "editor_api"])
def test_a_project_and_its_outcomes_answer_the_serializers_bytes(
    request, persona, registry_with_drafts, monkeypatch
):
    client = request.getfixturevalue(persona)
    for project in registry_with_drafts:
        for url in (
            f"/api/v1/projects/{project.pk}/",
            f"/api/v1/outcomes/?project_id={project.pk}",
        ):
            lean = client.get(url)
            assert lean.status_code == 200, lean.content
            assert lean.content == serializers_answer(client, url, monkeypatch).content


def test_a_missing_or_hidden_project_is_still_not_found(
    anonymous_api, editor_api, registry_with_drafts
):
    draft = registry_with_drafts[0].district.projects.get(state=DRAFT)
    assert anonymous_api.get(f"/api/v1/projects/{draft.pk}/").status_code == 404
    assert editor_api.get(f"/api/v1/projects/{draft.pk}/").status_code == 200
    assert anonymous_api.get("/api/v1/projects/abc/").status_code == 404
    assert anonymous_api.get(f"/api/v1/projects/{2**70}/").status_code == 404


def test_the_renderer_writes_drf_json_byte_for_byte():
    data = {
        "text": '中文 \u2028 \u2029 \x00\x1f\x7f "quoted" back\\slash </script>',
        "lazy": gettext_lazy("Invalid cursor"),
        "at": datetime.datetime(2024, 5, 1, 8, 30, 15, 123456, tzinfo=datetime.UTC),
        "on": datetime.date(2024, 5, 1),
        "amount": Decimal("68000000.50"),
        "huge": 2**70,
        "nested": [{"id": 1, "ok": True, "none": None}, (2, 3)],
    }
    for value in (data, {1: "int key"}, [], "plain", None):
        assert JSONRenderer().render(value) == DRFJSONRenderer().render(value)
    indented = JSONRenderer().render(data, "application/json; indent=2")
    assert indented == DRFJSONRenderer().render(data, "application/json; indent=2")
    assert json.loads(indented)["text"] == data["text"]
