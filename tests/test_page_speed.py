"""Detail pages stay fast however big the record: the same number of queries for one target or
three (each set for another record), a cached second visit, and long lists cut with a link to
the rest.

Personas: Ann, a visitor reading a university's page; the district's publisher, whose writes
must show on the next visit."""

import datetime

import pytest

from outcomes.choices import OutcomeKind, Unit
from outcomes.models import Target
from partnerships import views
from partnerships.choices import PublicationState
from tests.factories import (
    make_agreement_party,
    make_district,
    make_enterprise,
    make_institution,
    make_outcome,
    make_project_enterprise,
    make_target,
)
from tests.public_helpers import (
    count_queries,
    figure_of,
    html_of,
    make_public_agreement,
    make_public_project,
    text_of,
)

PUBLISHED = PublicationState.PUBLISHED
pytestmark = pytest.mark.django_db


def _target_for(record_field: str, record, district):
    """A target set for `record` alone (the factory always attaches a project)."""
    target = make_target(project=make_public_project(district), district=district, state=PUBLISHED)
    Target.objects.filter(pk=target.pk).update(project=None, **{record_field: record})
    return target


def _targets_for_other_records(district, project, agreement, institution, enterprise):
    """Two more targets shown on a page, each set for another record (another scope)."""
    make_target(project=project, agreement=agreement, district=district, state=PUBLISHED)
    make_target(
        project=project,
        institution=institution,
        enterprise=enterprise,
        district=district,
        kind=OutcomeKind.PATENT,
        unit=Unit.ITEM,
        quantity=5,
        reported_text="5项",
        period_start=datetime.date(2020, 1, 1),
        state=PUBLISHED,
    )


def test_project_page_runs_as_many_queries_for_three_targets_as_for_one(client):
    district = make_district()
    project = make_public_project(district)
    sub = make_public_project(district, part_of=project)
    url = f"/projects/{project.pk}/"
    none, _ = count_queries(client, url)
    make_target(project=project, state=PUBLISHED)
    one, _ = count_queries(client, url)
    # A sub-sub-project (one level deeper) and two targets for other records.
    deeper = make_public_project(district, part_of=sub)
    institution = make_institution(district=district, state=PUBLISHED)
    _targets_for_other_records(
        district,
        deeper,
        make_public_agreement(district),
        institution,
        make_enterprise(district=district),
    )
    three, sql = count_queries(client, url)

    # 1. the project  2. its sub-projects at any depth  3. the data version
    # 4. figure rows for the totals and intellectual-property parts  5. targets
    # 6. the targets' scopes (one recursive query for every hierarchy, whatever the number of
    # targets and the depth)  7. the targets' rows  8. outcome rows  9. participants
    # 10. enterprise participants  11. sub-projects
    assert (none, one, three) == (11, 11, 11), sql


def test_institution_page_runs_as_many_queries_for_three_targets_as_for_one(client):
    district = make_district()
    university = make_institution(district=district, state=PUBLISHED)
    college = make_institution(parent=university, state=PUBLISHED)
    project = make_public_project(district, institution=college)
    make_target(project=project, institution=university, state=PUBLISHED)
    url = f"/institutions/{university.pk}/"
    one, _ = count_queries(client, url)
    lab = make_institution(parent=college, state=PUBLISHED)
    agreement = make_public_agreement(district)
    make_agreement_party(agreement=agreement, institution=lab)
    _target_for("institution", lab, district)
    _target_for("agreement", agreement, district)
    three, sql = count_queries(client, url)

    _target_for("institution", college, district)
    _target_for("agreement", agreement, district)
    five, sql = count_queries(client, url)

    # 1. the institution  2. its family (family_ids)  3. its family again (institution_scope)
    # 4. the data version  5. figure rows for the totals and intellectual-property parts
    # 6. targets  7. the targets' scopes: one query for projects, agreements and
    # institutions together  8. the targets' rows  9. outcome rows  10. sub-units
    # 11. participations  12. agreement parties  13. incubated enterprises
    assert (one, three, five) == (13, 13, 13), sql


def test_enterprise_page_runs_as_many_queries_for_three_targets_as_for_one(client):
    district = make_district()
    enterprise = make_enterprise(district=district, state=PUBLISHED)
    project = make_public_project(district, enterprise=enterprise)
    make_target(project=project, enterprise=enterprise, state=PUBLISHED)
    url = f"/enterprises/{enterprise.pk}/"
    one, _ = count_queries(client, url)
    for _ in range(2):
        other = make_public_project(district, enterprise=enterprise)
        make_target(project=other, enterprise=enterprise, state=PUBLISHED)
    three, sql = count_queries(client, url)

    # 1. the enterprise  2. the data version
    # 3. figure rows for the totals and intellectual-property parts  4. targets
    # 5. the targets' scopes (their projects)  6. the targets' rows  7. outcome rows
    # 8. certifications  9. project roles  10. agreement roles
    assert (one, three) == (10, 10), sql


def test_second_visit_reads_the_totals_from_the_cache_until_a_write(client):
    district = make_district()
    university = make_institution(district=district, state=PUBLISHED)
    project = make_public_project(district, institution=university)
    make_target(project=project, institution=university, state=PUBLISHED)
    url = f"/institutions/{university.pk}/"
    first, _ = count_queries(client, url)
    before = figure_of(html_of(client, url), "intellectual-property")

    second, sql = count_queries(client, url)

    # The figure rows, the targets, their scopes and their rows come from the cache.
    assert second == first - 4, sql
    # The publisher adds a patent count: the next visit shows it, not the cached total.
    make_outcome(
        project=project,
        state=PUBLISHED,
        kind=OutcomeKind.PATENT,
        unit=Unit.ITEM,
        quantity=4,
        reported_text="4项",
    )
    after = figure_of(html_of(client, url), "intellectual-property")
    assert (before["value"], after["value"]) == ("3", "7")


def test_institution_page_cuts_its_project_list_and_links_to_the_rest(client, monkeypatch):
    monkeypatch.setattr(views, "DETAIL_LIST_LIMIT", 2)
    district = make_district()
    university = make_institution(district=district, state=PUBLISHED)
    for _ in range(4):
        make_public_project(district, institution=university)

    html = html_of(client, f"/institutions/{university.pk}/")

    # Two participation rows read; the second project's rows might be incomplete, so it waits
    # for the list page: one project shown, of four.
    assert html.count("<tr data-project=") == 1
    assert text_of(html, "data-cut", "projects") == ("仅显示前1条，共4条。 在列表页查看全部")
    assert f'href="/projects/?institution={university.pk}"' in html


def test_enterprise_page_cuts_its_project_list(client, monkeypatch):
    monkeypatch.setattr(views, "DETAIL_LIST_LIMIT", 2)
    district = make_district()
    enterprise = make_enterprise(district=district, state=PUBLISHED)
    for _ in range(3):
        make_project_enterprise(project=make_public_project(district), enterprise=enterprise)

    html = html_of(client, f"/enterprises/{enterprise.pk}/")

    assert text_of(html, "data-cut", "project-roles") == "仅显示前2条，共3条。"


def test_project_page_prints_the_first_figures_and_says_how_many_there_are(client, monkeypatch):
    monkeypatch.setattr(views, "DETAIL_OUTCOME_LIMIT", 1)
    project = make_public_project(make_district())  # two outcomes

    html = html_of(client, f"/projects/{project.pk}/")

    assert html.count('<article class="outcome"') == 1
    assert text_of(html, "data-cut", "outcomes") == (
        "本页仅列出前1项数据（共2项）；合计已计入全部数据，CSV文件列出全部数据。"
    )
