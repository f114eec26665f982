"""REST API: outcomes, targets, and the outcome statistics.

Statistics must equal `outcomes.selectors.outcome_totals` field by field: the API has no
arithmetic of its own. Personas as in tests/partnerships/test_api.py (tests/conftest.py).
"""

import datetime
from decimal import Decimal

import pytest

from outcomes.choices import Basis, OutcomeForm, OutcomeKind, Unit
from outcomes.models import Outcome, Target
from outcomes.selectors import outcome_totals
from partnerships.choices import DatePrecision, PublicationState, Qualifier
from tests import factories

pytestmark = pytest.mark.django_db

PUBLISHED = PublicationState.PUBLISHED
DRAFT = PublicationState.DRAFT
D = datetime.date


def results(response) -> list[dict]:
    assert response.status_code == 200, response.content
    return response.json()["results"]


def ids(response) -> list[int]:
    return [row["id"] for row in results(response)]


def attributed_outcome(district, **fields) -> Outcome:
    """An outcome attributed to a project, an agreement, an institution and an enterprise."""
    agreement = factories.make_agreement(district=district, state=PUBLISHED)
    project = factories.make_project(agreement=agreement, state=PUBLISHED)
    return factories.make_outcome(
        project=project,
        agreement=agreement,
        institution=factories.make_institution(district=district, state=PUBLISHED),
        enterprise=factories.make_enterprise(district=district, state=PUBLISHED),
        state=PUBLISHED,
        **fields,
    )


def attributed_target(district) -> Target:
    project = factories.make_project(district=district, state=PUBLISHED)
    return factories.make_target(
        project=project,
        institution=factories.make_institution(district=district, state=PUBLISHED),
        state=PUBLISHED,
    )


def test_an_outcome_shows_its_figure_dates_attributions_and_source(anonymous_api, xiaodian):
    outcome = attributed_outcome(xiaodian)
    row = anonymous_api.get(f"/api/v1/outcomes/{outcome.pk}/").json()
    assert {k: row[k] for k in ("kind", "quantity", "unit", "qualifier", "reported_text")} == {
        "kind": "revenue",
        "quantity": "68000000.00",
        "unit": "yuan",
        "qualifier": "more_than",
        "reported_text": "6800多万元",
    }
    assert (row["basis"], row["as_of"], row["period_start"]) == (
        "cumulative",
        {"date": "2023-05-01", "precision": "month"},
        None,
    )
    assert row["project"] == {
        "id": outcome.project_id,
        "title": outcome.project.title,
        "title_en": "",
    }
    assert row["agreement"]["id"] == outcome.agreement_id
    assert row["institution"]["id"] == outcome.institution_id
    assert row["enterprise"]["id"] == outcome.enterprise_id
    assert row["source"] == {"id": outcome.source_id, "title": outcome.source.title, "url": ""}
    assert row["source_passage"] == factories.PASSAGE


def test_a_published_outcome_of_a_draft_project_is_not_public(anonymous_api, editor_api, xiaodian):
    project = factories.make_project(district=xiaodian, state=DRAFT)
    hidden = factories.make_outcome(project=project, state=PUBLISHED)
    assert ids(anonymous_api.get("/api/v1/outcomes/")) == []
    assert anonymous_api.get(f"/api/v1/outcomes/{hidden.pk}/").status_code == 404
    assert ids(editor_api.get("/api/v1/outcomes/")) == [hidden.pk]


def test_a_target_shows_its_due_date_and_stated_quantity(anonymous_api, xiaodian):
    target = attributed_target(xiaodian)
    row = anonymous_api.get(f"/api/v1/targets/{target.pk}/").json()
    assert (row["quantity"], row["qualifier"], row["quantity_is_stated"]) == (
        "100000000.00",
        "exact",
        True,
    )
    assert row["due_on"] == {"date": "2025-01-01", "precision": "year"}
    assert row["reported_text"] == "力争实现营业收入1亿元"


# Queries of an anonymous list of outcomes or targets: one, the figures with their district,
# project, agreement, institution, enterprise and source joined (public() is a WHERE clause).
LIST_QUERIES = {"outcomes": 1, "targets": 1}
FULL_RECORD = {"outcomes": attributed_outcome, "targets": attributed_target}


@pytest.mark.parametrize("resource", LIST_QUERIES)
def test_list_queries_do_not_grow_with_rows(anonymous_api, queries_of, xiaodian, resource):
    url = f"/api/v1/{resource}/"
    FULL_RECORD[resource](xiaodian)
    one_response, one = queries_of(anonymous_api, url)
    FULL_RECORD[resource](xiaodian)
    FULL_RECORD[resource](xiaodian)
    three_response, three = queries_of(anonymous_api, url)
    assert (len(results(one_response)), len(results(three_response))) == (1, 3)
    assert (len(one), len(three)) == (LIST_QUERIES[resource], LIST_QUERIES[resource])


def test_outcomes_filter_by_kind_scope_year_and_text(anonymous_api, xiaodian):
    university = factories.make_institution(district=xiaodian, state=PUBLISHED, name="山西大学")
    lab = factories.make_institution(parent=university, name="重点实验室", state=PUBLISHED)
    project = factories.make_project(district=xiaodian, state=PUBLISHED)
    factories.make_project_participant(project=project, institution=lab)
    via_project = factories.make_outcome(project=project, state=PUBLISHED)
    patent = factories.make_outcome(
        project=factories.make_project(district=xiaodian, state=PUBLISHED),
        institution=university,
        kind=OutcomeKind.PATENT,
        form=OutcomeForm.ITEM,
        quantity=Decimal(1),
        unit=Unit.ITEM,
        qualifier=Qualifier.EXACT,
        title="一种大数据分析方法",
        patent_number="201710601862.3",
        as_of=D(2019, 1, 1),
        as_of_precision=DatePrecision.YEAR,
        state=PUBLISHED,
    )
    url = "/api/v1/outcomes/"
    assert ids(anonymous_api.get(url, {"kind": "patent"})) == [patent.pk]
    assert ids(anonymous_api.get(url, {"institution_id": university.pk})) == [patent.pk]
    # The scope of a university includes its laboratory's projects.
    assert ids(anonymous_api.get(url, {"institution_scope_id": university.pk})) == [
        via_project.pk,
        patent.pk,
    ]
    assert ids(anonymous_api.get(url, {"year": 2019})) == [patent.pk]
    assert ids(anonymous_api.get(url, {"as_of_after": "2020-01-01"})) == [via_project.pk]
    assert ids(anonymous_api.get(url, {"q": "大数据分析"})) == [patent.pk]
    assert ids(anonymous_api.get(url, {"ordering": "-quantity"})) == [via_project.pk, patent.pk]


def test_targets_filter_by_due_date_and_project(anonymous_api, xiaodian):
    early = attributed_target(xiaodian)
    late = factories.make_target(
        project=factories.make_project(district=xiaodian, state=PUBLISHED),
        due_on=D(2030, 1, 1),
        state=PUBLISHED,
    )
    url = "/api/v1/targets/"
    assert ids(anonymous_api.get(url, {"due_after": "2026-01-01"})) == [late.pk]
    assert ids(anonymous_api.get(url, {"project_id": [early.project_id, late.project_id]})) == [
        early.pk,
        late.pk,
    ]


# --- Writes -----------------------------------------------------------------------------------


def outcome_body(project, source) -> dict:
    return {
        "district_id": project.district_id,
        "project_id": project.pk,
        "kind": "trainees",
        "quantity": "2000",
        "unit": "person_time",
        "qualifier": "more_than",
        "reported_text": "2000余人次",
        "basis": "increment",
        "period_start": {"date": "2022-01-01", "precision": "year"},
        "source_id": source.pk,
        "source_passage": "培训2000余人次。",
    }


def test_an_editor_records_changes_and_deletes_an_outcome(editor_api, xiaodian):
    project = factories.make_project(district=xiaodian, state=PUBLISHED)
    body = outcome_body(project, factories.make_source())
    response = editor_api.post("/api/v1/outcomes/", body, format="json")
    assert response.status_code == 201, response.content
    outcome = Outcome.objects.get(pk=response.json()["id"])
    assert (outcome.quantity, outcome.state, outcome.period_start_precision) == (
        Decimal(2000),
        DRAFT,
        DatePrecision.YEAR,
    )
    response = editor_api.patch(
        f"/api/v1/outcomes/{outcome.pk}/", {"quantity": "2100.00"}, format="json"
    )
    assert (response.status_code, response.json()["quantity"]) == (200, "2100.00")
    assert editor_api.delete(f"/api/v1/outcomes/{outcome.pk}/").status_code == 204
    assert Outcome.objects.count() == 0


def test_a_patent_number_with_a_bad_check_digit_is_refused(editor_api, xiaodian):
    project = factories.make_project(district=xiaodian, state=PUBLISHED)
    body = outcome_body(project, factories.make_source()) | {
        "kind": "patent",
        "form": "item",
        "quantity": "1",
        "unit": "item",
        "qualifier": "exact",
        "basis": "cumulative",
        "period_start": None,
        "patent_number": "201710601862.4",
    }
    response = editor_api.post("/api/v1/outcomes/", body, format="json")
    assert (response.status_code, list(response.json())) == (400, ["patent_number"])
    assert Outcome.objects.count() == 0


def test_bad_figures_are_refused_by_field(editor_api, xiaodian, other_district):
    project = factories.make_project(district=xiaodian, state=PUBLISHED)
    foreign = factories.make_project(district=other_district, state=PUBLISHED)
    body = outcome_body(project, factories.make_source())
    for change, field in (
        ({"quantity": "-5"}, "quantity"),
        ({"quantity": "1e400"}, "quantity"),
        ({"quantity": "abc"}, "quantity"),
        ({"unit": "yuan"}, "unit"),  # trainees are not counted in yuan
        ({"project_id": foreign.pk}, "project_id"),  # a record of another district
        ({"source_id": None}, "source_id"),
        ({"period_start": {"date": "2022-02-30", "precision": "day"}}, "period_start"),
        ({"reported_text": "多" * 101}, "reported_text"),
    ):
        response = editor_api.post("/api/v1/outcomes/", body | change, format="json")
        assert (response.status_code, field in response.json()) == (400, True), (
            change,
            response.content,
        )
    assert Outcome.objects.count() == 0


def test_an_editor_records_a_target_without_a_number(editor_api, xiaodian):
    project = factories.make_project(district=xiaodian, state=PUBLISHED)
    body = {
        "district_id": xiaodian.pk,
        "project_id": project.pk,
        "kind": "talents",
        "quantity": "0",
        "unit": "person",
        "quantity_is_stated": False,
        "reported_text": "每年招聘毕业生",
        "source_id": factories.make_source().pk,
        "source_passage": "每年招聘一定数量的毕业生。",
    }
    response = editor_api.post("/api/v1/targets/", body, format="json")
    assert response.status_code == 201, response.content
    refused = editor_api.post("/api/v1/targets/", body | {"quantity": "5"}, format="json")
    assert (refused.status_code, "quantity" in refused.json()) == (400, True)
    assert Target.objects.count() == 1


def test_a_project_with_outcomes_cannot_be_deleted(editor_api, xiaodian):
    outcome = factories.make_outcome(project=factories.make_project(district=xiaodian))
    response = editor_api.delete(f"/api/v1/projects/{outcome.project_id}/")
    assert response.status_code == 409
    assert Outcome.objects.count() == 1


# --- Statistics -------------------------------------------------------------------------------


@pytest.fixture
def figures(xiaodian):
    """Revenue reported twice for one project (the later snapshot stands), trainees in 2021 and
    2022 (increments add up), and a draft figure that the public never counts."""
    project = factories.make_project(district=xiaodian, state=PUBLISHED)
    source = factories.make_source()
    common = {"project": project, "source": source, "state": PUBLISHED}
    factories.make_outcome(**common, quantity=Decimal(50_000_000), as_of=D(2021, 1, 1))
    factories.make_outcome(**common, quantity=Decimal(68_000_000), as_of=D(2023, 5, 1))
    for year, quantity in ((2021, 800), (2022, 1200)):
        factories.make_outcome(
            **common,
            kind=OutcomeKind.TRAINEES,
            unit=Unit.PERSON_TIME,
            quantity=Decimal(quantity),
            qualifier=Qualifier.ABOUT,
            basis=Basis.INCREMENT,
            as_of=None,
            period_start=D(year, 1, 1),
            period_end=D(year, 12, 31),
        )
    factories.make_outcome(project=project, source=source, quantity=Decimal(10**9))
    return project


def api_groups(client, params) -> list[dict]:
    response = client.get("/api/v1/stats/outcomes/", params)
    assert response.status_code == 200, response.content
    return response.json()["groups"]


def expected_groups(by) -> list[dict]:
    return [
        {
            **total.group,
            "quantity": f"{total.quantity:.2f}",
            "qualifier": total.qualifier,
            "method": total.method,
            "outcome_ids": total.outcome_ids,
            "covered_item_ids": total.covered_item_ids,
            "superseded_ids": total.superseded_ids,
        }
        for total in outcome_totals(Outcome.objects.public(), by=by)
    ]


@pytest.mark.parametrize("group_by", [("kind",), ("kind", "year")])
def test_stats_equal_the_selectors_field_by_field(anonymous_api, figures, group_by):
    groups = api_groups(anonymous_api, {"group_by": ",".join(group_by)})
    assert groups == expected_groups([d for d in group_by if d != "kind"])


def test_stats_apply_the_honesty_rules(anonymous_api, figures):
    revenue, trainees = api_groups(anonymous_api, {"group_by": "kind"})
    assert (revenue["kind"], revenue["quantity"], revenue["qualifier"]) == (
        "revenue",
        "68000000.00",
        "more_than",
    )
    assert len(revenue["superseded_ids"]) == 1
    assert (trainees["quantity"], trainees["qualifier"], trainees["unit"]) == (
        "2000.00",
        "about",
        "person_time",
    )


def test_stats_of_a_writer_include_the_drafts_of_her_district(editor_api, figures):
    revenue = api_groups(editor_api, {"group_by": "kind", "kind": "revenue"})
    assert [g["quantity"] for g in revenue] == ["1068000000.00"]


def test_stats_by_project_scope_and_response_shape(anonymous_api, figures):
    response = anonymous_api.get(
        "/api/v1/stats/outcomes/",
        {"group_by": "year", "project_id": figures.pk},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    body = response.json()
    assert body["group_by"] == ["kind", "unit", "year"]
    assert body["rules"].startswith("Totals follow the registry's honesty rules.")
    assert [(g["kind"], g["year"]) for g in body["groups"]] == [
        ("revenue", 2021),
        ("revenue", 2023),
        ("trainees", 2021),
        ("trainees", 2022),
    ]
    other = factories.make_project(district=figures.district, state=PUBLISHED)
    assert api_groups(anonymous_api, {"project_id": other.pk}) == []


def test_an_unknown_dimension_answers_400_with_the_allowed_ones(anonymous_api):
    response = anonymous_api.get(
        "/api/v1/stats/outcomes/", {"group_by": "kind,colour"}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert (response.status_code, response.json()) == (
        400,
        {
            "group_by": [
                "Cannot group by colour; choose from kind, unit, category, year, field, "
                "district, project, agreement, enterprise, institution."
            ]
        },
    )


def test_stats_in_csv_have_one_row_per_group(anonymous_api, figures):
    response = anonymous_api.get("/api/v1/stats/outcomes/", {"group_by": "kind", "format": "csv"})
    lines = response.content.decode("utf-8-sig").splitlines()
    assert lines[0] == (
        "kind,unit,quantity,qualifier,method,outcome_ids,covered_item_ids,superseded_ids"
    )
    assert [line.split(",")[:4] for line in lines[1:]] == [
        ["revenue", "yuan", "68000000.00", "more_than"],
        ["trainees", "person_time", "2000.00", "about"],
    ]


def test_an_editor_changes_and_deletes_a_target(editor_api, xiaodian):
    target = factories.make_target(project=factories.make_project(district=xiaodian))
    response = editor_api.patch(
        f"/api/v1/targets/{target.pk}/",
        {"due_on": {"date": "2026-06-01", "precision": "month"}},
        format="json",
    )
    assert (response.status_code, response.json()["due_on"]) == (
        200,
        {"date": "2026-06-01", "precision": "month"},
    )
    assert editor_api.delete(f"/api/v1/targets/{target.pk}/").status_code == 204
    assert Target.objects.count() == 0


def test_stats_queries_do_not_grow_with_outcomes_and_repeat_from_the_cache(
    anonymous_api, queries_of, xiaodian
):
    url = "/api/v1/stats/outcomes/"
    attributed_outcome(xiaodian)
    _response, one = queries_of(anonymous_api, url, group_by="year")
    attributed_outcome(xiaodian)
    attributed_outcome(xiaodian)
    response, three = queries_of(anonymous_api, url, group_by="year")
    _again, cached = queries_of(anonymous_api, url, group_by="year")

    # 1. the data version (its one row)  2. the public outcomes' rows
    assert (len(one), len(three)) == (2, 2), three
    # Nothing written since: the totals come from the cache, keyed by the data version.
    assert len(cached) == 1, cached
    assert [g["outcome_ids"] for g in response.json()["groups"]] != []


def test_stats_change_as_soon_as_an_outcome_is_published(anonymous_api, xiaodian):
    url = "/api/v1/stats/outcomes/"
    first = attributed_outcome(xiaodian)
    before = anonymous_api.get(url).json()["groups"]
    second = attributed_outcome(xiaodian)
    second.state = DRAFT
    second.save()
    while_draft = anonymous_api.get(url).json()["groups"]
    second.state = PUBLISHED
    second.save()
    after = anonymous_api.get(url).json()["groups"]

    assert [g["outcome_ids"] for g in before] == [[first.pk]]
    assert while_draft == before
    assert sorted(after[0]["outcome_ids"]) == sorted([first.pk, second.pk])
