"""The statistics API and the dashboards' selectors are one implementation, not two.

On the article's demo data, every group the API returns equals, field by field, what
`outcomes.selectors.outcome_totals` computes for the same scope and grouping.
"""

import pytest
from django.core.management import call_command
from django.db.models import Q
from rest_framework.test import APIClient

from outcomes import selectors
from partnerships.models import Agreement, Institution, Project

pytestmark = pytest.mark.django_db

GROUPINGS = [
    "kind",
    "kind,year",
    "kind,category",
    "kind,field",
    "kind,institution",
    "kind,district",
    "kind,project",
    "kind,agreement",
    "kind,enterprise",
]


@pytest.fixture
def article(db):
    call_command("load_article")


def api_groups(params: dict) -> list[dict]:
    response = APIClient().get("/api/v1/stats/outcomes/", params)
    assert response.status_code == 200, response.content
    return response.json()["groups"]


def selector_groups(queryset, group_by: str) -> list[dict]:
    dimensions = tuple(d for d in group_by.split(",") if d not in ("kind", "unit"))
    return [
        {
            **total.group,
            "quantity": f"{total.quantity:.2f}",
            "qualifier": total.qualifier,
            "outcome_ids": total.outcome_ids,
            "covered_item_ids": total.covered_item_ids,
            "superseded_ids": total.superseded_ids,
        }
        for total in selectors.outcome_totals(queryset, by=dimensions)
    ]


def comparable(groups: list[dict]) -> list[dict]:
    keys = ("quantity", "qualifier", "outcome_ids", "covered_item_ids", "superseded_ids")
    return sorted(
        (
            {k: v for k, v in group.items() if k in keys or k in selectors.GROUP_DIMENSIONS}
            for group in groups
        ),
        key=repr,
    )


@pytest.mark.parametrize("group_by", GROUPINGS)
def test_district_stats_equal_the_selectors(article, group_by):
    expected = selector_groups(selectors.outcomes_in_scope(Q()), group_by)
    assert comparable(api_groups({"group_by": group_by})) == comparable(expected)


@pytest.mark.parametrize("group_by", ["kind", "kind,category", "kind,year"])
def test_shanxi_university_stats_equal_the_selectors(article, group_by):
    university = Institution.objects.get(name="山西大学", parent=None)
    scope = selectors.institution_scope(university)
    expected = selector_groups(selectors.outcomes_in_scope(scope), group_by)
    api = api_groups({"group_by": group_by, "institution_id": university.pk})
    assert comparable(api) == comparable(expected)
    assert expected != []


def test_agreement_and_project_stats_equal_the_selectors(article):
    agreement = Agreement.objects.get(title__contains="山西大学")
    project = Project.objects.get(title="同济大学同创谷太原基地")
    for params, scope in (
        ({"agreement_id": agreement.pk}, selectors.agreement_scope(agreement)),
        ({"project_id": project.pk}, selectors.project_scope(project)),
    ):
        expected = selector_groups(selectors.outcomes_in_scope(scope), "kind")
        assert comparable(api_groups(params | {"group_by": "kind"})) == comparable(expected)
        assert expected != []


def test_shanxi_university_intellectual_property_reads_48_through_the_api(article):
    university = Institution.objects.get(name="山西大学", parent=None)
    groups = api_groups({"group_by": "kind,category", "institution_id": university.pk})
    items = {
        (g["kind"], g["category"]): g["quantity"]
        for g in groups
        if g["kind"] in ("patent", "software_copyright")
    }
    assert items == {
        ("patent", "invention"): "20.00",
        ("patent", "utility_model"): "9.00",
        ("software_copyright", ""): "19.00",
    }
