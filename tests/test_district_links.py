"""Links between records and district lines: which may cross, which may not, and no cycles.

Rights, review and totals are per district. A link that puts a record inside another (a
sub-project, a phase, a sub-unit, a figure counted for a record) must stay in one district, or
district B's staff could add to district A's published pages and totals without A reviewing
anything. Naming another district's institution as a partner is what partnerships are.

Every foreign key to a publishable record declares its rule in its model's `district_links`
(partnerships.models.DistrictLink); the walk below fails on one that declares nothing.

Personas: Zhou (`other_editor_api`), an editor of 迎泽区 with a write token, tries to hang his
district's records under 小店区's published ones; 小店区's records (`xiaodian`) stay as they were.
"""

import re
from decimal import Decimal

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError

from companies.models import Enterprise
from outcomes.models import Outcome, Target
from partnerships.choices import PublicationState
from partnerships.models import (
    Agreement,
    DistrictLink,
    Institution,
    Project,
    PublishableModel,
)
from tests import factories

PUBLISHED = PublicationState.PUBLISHED


def links_to_publishable_records():
    """(model, field) for every foreign key of any installed model to a publishable model."""
    return [
        (model, field)
        for model in apps.get_models()
        for field in model._meta.concrete_fields
        if field.many_to_one and issubclass(field.related_model, PublishableModel)
    ]


def test_every_link_to_a_publishable_record_declares_its_district_rule():
    undeclared = [
        f"{model._meta.label}.{field.name}"
        for model, field in links_to_publishable_records()
        if field.name not in getattr(model, "district_links", {})
    ]
    assert undeclared == []


def test_district_rules_name_real_links_and_give_a_reason():
    declared = {
        (model, name): link
        for model in apps.get_models()
        for name, link in getattr(model, "district_links", {}).items()
    }
    real = {(model, field.name) for model, field in links_to_publishable_records()}
    assert sorted(f"{m._meta.label}.{n}" for m, n in set(declared) - real) == []
    assert [key for key, link in declared.items() if not str(link.text).strip()] == []
    assert {link.kind for link in declared.values()} <= {
        DistrictLink.SAME,
        DistrictLink.CROSSING,
        DistrictLink.OWNER,
    }


# -- each same-district link, tried across districts -----------------------------------------


def _foreign(other_district):
    """Published records of another district, the targets of the attempted links."""
    return {
        "institution": factories.make_institution(district=other_district, state=PUBLISHED),
        "agreement": factories.make_agreement(district=other_district, state=PUBLISHED),
        "project": factories.make_project(district=other_district, state=PUBLISHED),
        "enterprise": factories.make_enterprise(district=other_district, state=PUBLISHED),
    }


def _own_records(xiaodian):
    source = factories.make_source()
    figure = {
        "district": xiaodian,
        "kind": "revenue",
        "quantity": Decimal(900_000_000),
        "unit": "yuan",
        "source": source,
        "source_passage": factories.PASSAGE,
    }
    return {
        Institution: Institution(name="计算机学院", kind="college", district=xiaodian),
        Agreement: Agreement(title="二期协议", district=xiaodian, kind="co_build"),
        Project: Project(title="子项目", district=xiaodian, kind="base_platform", field="other"),
        Enterprise: Enterprise(name="某科技有限公司", district=xiaodian),
        Outcome: Outcome(**figure, basis="cumulative"),
        Target: Target(**figure),
    }


SAME_DISTRICT_LINKS = [
    (model, name)
    for model in apps.get_models()
    for name, link in getattr(model, "district_links", {}).items()
    if link.kind == DistrictLink.SAME
]


@pytest.mark.parametrize(
    ("model", "name"), SAME_DISTRICT_LINKS, ids=lambda v: getattr(v, "__name__", v)
)
def test_a_same_district_link_to_another_districts_record_is_refused(
    model, name, xiaodian, other_district
):
    target_model = model._meta.get_field(name).related_model
    foreign = _foreign(other_district)[target_model._meta.model_name]
    record = _own_records(xiaodian)[model]
    setattr(record, name, foreign)
    with pytest.raises(ValidationError) as refused:
        record.full_clean()
    assert refused.value.message_dict[name] == [str(model.district_links[name].text)]


def test_a_same_district_link_within_the_district_is_accepted(xiaodian):
    university = factories.make_institution(district=xiaodian, state=PUBLISHED)
    framework = factories.make_agreement(district=xiaodian, state=PUBLISHED)
    base = factories.make_project(district=xiaodian, state=PUBLISHED)
    sub_unit = factories.make_institution(parent=university)
    phase = factories.make_agreement(part_of=framework)
    sub_project = factories.make_project(district=xiaodian, agreement=phase, part_of=base)
    assert (sub_unit.district, phase.district, sub_project.district) == (xiaodian,) * 3


def test_a_partner_of_another_district_is_accepted(xiaodian, other_district):
    project = factories.make_project(district=xiaodian)
    university = factories.make_institution(district=other_district, state=PUBLISHED)
    company = factories.make_enterprise(district=other_district, state=PUBLISHED)
    factories.make_project_participant(project=project, institution=university)
    factories.make_project_enterprise(project=project, enterprise=company)
    college = factories.make_institution(district=xiaodian, parent=university)
    assert [p.institution for p in project.participants.all()] == [university]
    assert college.parent.district == other_district


# -- the attack through the API ---------------------------------------------------------------


def _attack_target(xiaodian):
    """小店区's published project with its published 68,000,000-yuan economic benefit."""
    agreement = factories.make_agreement(district=xiaodian, state=PUBLISHED)
    project = factories.make_project(district=xiaodian, agreement=agreement, state=PUBLISHED)
    factories.make_outcome(project=project, kind="economic_benefit", state=PUBLISHED)
    return agreement, project


CSRF_TOKEN = re.compile(rb'name="csrfmiddlewaretoken" value="[^"]*"')


def _public_view(client, anonymous_api, project):
    """A's project page (without the per-request CSRF token) and its totals by the API."""
    page = client.get(f"/projects/{project.pk}/")
    stats = anonymous_api.get("/api/v1/stats/outcomes/", {"project_id": project.pk})
    return page.status_code, CSRF_TOKEN.sub(b"", page.content), stats.json()


def test_a_project_of_another_district_cannot_join_a_published_project_by_api(
    client, anonymous_api, other_editor_api, other_district, xiaodian
):
    _agreement, project = _attack_target(xiaodian)
    before = _public_view(client, anonymous_api, project)
    assert before[2]["groups"][0]["quantity"] == "68000000.00"
    body = {
        "title": "迎泽区子项目",
        "district_id": other_district.pk,
        "part_of_id": project.pk,
        "kind": "base_platform",
        "field": "other",
    }
    response = other_editor_api.post("/api/v1/projects/", body, format="json")
    assert (response.status_code, response.json()) == (
        400,
        {"part_of_id": ["所属项目属于其他区县。"]},
    )
    assert Project.objects.count() == 1
    assert _public_view(client, anonymous_api, project) == before


def test_an_agreement_of_another_district_cannot_become_a_phase_by_api(
    anonymous_api, other_editor_api, other_district, xiaodian
):
    agreement, _project = _attack_target(xiaodian)
    body = {
        "title": "迎泽区二期协议",
        "district_id": other_district.pk,
        "kind": "co_build",
        "part_of_id": agreement.pk,
        "phase_number": 2,
    }
    response = other_editor_api.post("/api/v1/agreements/", body, format="json")
    assert (response.status_code, response.json()) == (
        400,
        {"part_of_id": ["所属协议属于其他区县。"]},
    )
    assert list(Agreement.objects.values_list("pk", flat=True)) == [agreement.pk]
    assert anonymous_api.get(f"/api/v1/agreements/{agreement.pk}/").json()["id"] == agreement.pk


def test_a_changed_project_cannot_move_under_another_districts_project_by_api(
    other_editor_api, other_district, xiaodian
):
    _agreement, project = _attack_target(xiaodian)
    own = factories.make_project(district=other_district, title="迎泽区项目")
    response = other_editor_api.patch(
        f"/api/v1/projects/{own.pk}/", {"part_of_id": project.pk}, format="json"
    )
    assert (response.status_code, response.json()) == (
        400,
        {"part_of_id": ["所属项目属于其他区县。"]},
    )
    own.refresh_from_db()
    assert own.part_of_id is None


# -- cycles ----------------------------------------------------------------------------------------


def test_a_project_cycle_is_refused_by_the_model(xiaodian):
    top = factories.make_project(district=xiaodian)
    middle = factories.make_project(district=xiaodian, part_of=top)
    top.part_of = middle
    with pytest.raises(ValidationError) as refused:
        top.full_clean()
    assert refused.value.message_dict == {"part_of": ["这会使项目成为其自身子项目的一部分。"]}
    top.refresh_from_db()
    assert top.part_of_id is None


def test_an_agreement_cycle_is_refused_by_the_model(xiaodian):
    framework = factories.make_agreement(district=xiaodian)
    phase = factories.make_agreement(part_of=framework)
    third = factories.make_agreement(part_of=phase)
    framework.part_of, framework.phase_number = third, 1
    with pytest.raises(ValidationError) as refused:
        framework.full_clean()
    assert refused.value.message_dict == {"part_of": ["这会使协议成为其自身某一期协议的一期。"]}


def test_a_project_cycle_is_refused_by_api(editor_api, xiaodian):
    first = factories.make_project(district=xiaodian)  # project 20 of the report
    second = factories.make_project(district=xiaodian, part_of=first)  # project 22
    response = editor_api.patch(
        f"/api/v1/projects/{first.pk}/", {"part_of_id": second.pk}, format="json"
    )
    assert (response.status_code, response.json()) == (
        400,
        {"part_of_id": ["这会使项目成为其自身子项目的一部分。"]},
    )
    first.refresh_from_db()
    assert (first.part_of_id, second.part_of_id) == (None, first.pk)


def test_an_agreement_cycle_is_refused_by_api(editor_api, xiaodian):
    framework = factories.make_agreement(district=xiaodian)
    phase = factories.make_agreement(part_of=framework)
    response = editor_api.patch(
        f"/api/v1/agreements/{framework.pk}/",
        {"part_of_id": phase.pk, "phase_number": 1},
        format="json",
    )
    assert (response.status_code, response.json()) == (
        400,
        {"part_of_id": ["这会使协议成为其自身某一期协议的一期。"]},
    )
    framework.refresh_from_db()
    assert (framework.part_of_id, framework.phase_number) == (None, None)
