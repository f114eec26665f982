"""The public dashboard and the page behind each figure, on the demo data (the article) and on
records made for one test. Every figure must match the article, with its qualifier and source."""

import datetime
import json
import re
from decimal import Decimal

import pytest

from outcomes.choices import OutcomeKind, PatentType, Unit
from outcomes.management.commands.load_article import P_SXU_RESULTS, P_TRAINING_RESULTS
from partnerships.choices import PublicationState, Qualifier
from tests.factories import make_district, make_outcome, make_project, make_target
from tests.public_helpers import (
    PUBLISHED,
    count_queries,
    elements,
    figure_of,
    html_of,
    load_demo,
    make_public_agreement,
    make_public_project,
    text_of,
)


@pytest.fixture
def demo(db):
    load_demo()


# -- key figures on the demo data ---------------------------------------------------------------


def test_dashboard_shows_the_articles_money_figure_with_its_qualifier(client, demo):
    html = html_of(client, "/")

    benefit = figure_of(html, "economic-benefit")
    assert (benefit["text"], benefit["data-quantity"], benefit["data-qualifier"]) == (
        "6800多万元",
        "68000000",
        Qualifier.MORE_THAN,
    )
    assert benefit["title"] == "68000000元"


def test_dashboard_keeps_person_times_and_people_apart(client, demo):
    html = html_of(client, "/")

    assert figure_of(html, "trainee-times")["text"] == "近2000人次"
    assert figure_of(html, "trainees")["text"] == "500多人"
    assert figure_of(html, "talents")["text"] == "60多人"


def test_dashboard_counts_published_records_of_the_article(client, demo):
    html = html_of(client, "/")

    counts = {
        slug: figure_of(html, slug)["data-quantity"]
        for slug in ("agreements", "projects", "partner-institutions", "enterprises")
    }
    # 5 agreements (two are phases of the Tongji framework agreement); 14 projects and the
    # 5 programmes under the BNU project; 17 top-level institutions; 13 enterprises.
    assert counts == {
        "agreements": "5",
        "projects": "19",
        "partner-institutions": "17",
        "enterprises": "13",
    }


def test_dashboard_shows_patents_by_type_and_status(client, demo):
    html = html_of(client, "/")

    patents = figure_of(html, "patents")
    parts = dict(re.findall(r'<li data-part="([^"]*)">.*?<data [^>]*>([^<]+)</data>', html))
    assert patents["data-quantity"] == "55"
    assert {key: value for key, value in parts.items() if key.startswith("invention")} == {
        PatentType.INVENTION: "20项",
        f"{PatentType.INVENTION}/examination": "15项",
        f"{PatentType.INVENTION}/granted": "7项",
    }
    assert figure_of(html, "software-copyrights")["text"] == "19项"
    assert figure_of(html, "standards")["text"] == "5项"
    assert figure_of(html, "enterprises-cultivated")["text"] == "44家"


def test_dashboard_figures_link_to_what_they_are_made_of(client, demo):
    html = html_of(client, "/")

    link = re.search(
        r'data-figure="economic-benefit">.*?<a href="([^"]+)"', html, flags=re.S
    ).group(1)
    assert link == "/figures/economic_benefit/yuan/"
    page = html_of(client, link)
    assert f"<blockquote>{P_SXU_RESULTS}</blockquote>" in page
    assert figure_of(page, "total")["text"] == "6800多万元"


def test_dashboard_in_english_writes_figures_the_english_way(client, demo):
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})

    html = html_of(client, "/")

    assert '<html lang="en">' in html
    assert figure_of(html, "economic-benefit")["text"] == "more than 68 million yuan"
    assert figure_of(html, "trainee-times")["text"] == "nearly 2,000 person-times"
    assert "Shanxi University" in text_of(html, "data-chart-table", "by-institution")


def test_dashboard_charts_carry_the_same_numbers_as_their_tables(client, demo):
    html = html_of(client, "/")

    for slug in ("by-year", "by-field", "by-institution", "by-district"):
        assert len(elements(html, "data-chart", slug)) == 1, slug
        data = json.loads(
            re.search(
                rf'<script id="chart-{slug}-data" type="application/json">(.*?)</script>', html
            ).group(1)
        )
        table = text_of(html, "data-chart-table", slug)
        for category, *values in zip(
            data["categories"], *(series["data"] for series in data["series"]), strict=True
        ):
            assert f"{category} {' '.join(str(v) for v in values)}" in table, (slug, category)
    by_district = json.loads(
        re.search(r'id="chart-by-district-data" type="application/json">(.*?)<', html).group(1)
    )
    assert by_district["categories"] == ["小店区"]
    assert [series["data"] for series in by_district["series"]] == [[5], [19], [13]]


def test_dashboard_loads_echarts_and_the_chart_script_from_this_site(client, demo):
    html = html_of(client, "/")

    scripts = re.findall(r'<script src="([^"]+)" defer></script>', html)
    assert scripts == ["/static/echarts.min.js", "/static/js/charts.js"]


def test_dashboard_sets_targets_against_achievements(client, demo):
    html = html_of(client, "/")

    targets = text_of(html, "id", "targets-table")
    assert "培养具有引领区域教学改革、教学影响力的“未来型”名校长" in targets
    assert "20人" in targets
    # A plan without a number is shown as the source words it, with no number.
    assert "“一批” no number stated" in targets or "“一批”" in targets


def test_dashboard_cites_the_training_passage_behind_person_times(client, demo):
    page = html_of(client, "/figures/trainees/person_time/")

    assert P_TRAINING_RESULTS in page


# -- honesty: only published, no double counting ------------------------------------------------


def test_dashboard_never_counts_unpublished_records(client, db):
    district = make_district()
    project = make_project(district=district, state=PUBLISHED)
    make_outcome(project=project, state=PUBLISHED, quantity=Decimal(100))
    make_outcome(project=project, state=PublicationState.DRAFT, quantity=Decimal(999))
    hidden = make_project(district=district, state=PublicationState.SUBMITTED)
    make_outcome(project=hidden, state=PUBLISHED, quantity=Decimal(777))

    html = html_of(client, "/")

    assert figure_of(html, "revenue")["data-quantity"] == "100"
    assert figure_of(html, "projects")["data-quantity"] == "1"
    assert "999" not in html and "777" not in html


def test_dashboard_explains_a_total_where_a_later_snapshot_replaces_an_earlier_one(client, db):
    project = make_project(state=PUBLISHED)
    # Two cumulative snapshots of one series (May 2023, May 2024): only the later stands.
    make_outcome(project=project, state=PUBLISHED)
    make_outcome(
        project=project,
        state=PUBLISHED,
        quantity=Decimal(80_000_000),
        as_of=datetime.date(2024, 5, 1),
    )

    html = html_of(client, "/")

    assert figure_of(html, "revenue")["data-quantity"] == "80000000"
    # Total.method, in Chinese: the page says why the earlier snapshot is not added.
    assert "取最新的累计数；较早日期的累计数不重复相加。" in text_of(html, "data-figure", "revenue")


def test_figure_page_lists_counted_and_superseded_outcomes(client, db):
    project = make_project(state=PUBLISHED)
    earlier = make_outcome(project=project, state=PUBLISHED)
    later = make_outcome(
        project=project, state=PUBLISHED, quantity=Decimal(9), as_of=datetime.date(2024, 5, 1)
    )

    html = html_of(client, f"/figures/{OutcomeKind.REVENUE}/{Unit.YUAN}/")

    status_of = dict(re.findall(r'data-outcome="(\d+)".*?data-status="(\w+)"', html, flags=re.S))
    assert status_of == {str(earlier.pk): "superseded", str(later.pk): "counted"}


def test_figure_page_of_an_unknown_kind_or_unit_is_404(client, db):
    assert client.get("/figures/astrology/item/").status_code == 404
    assert client.get("/figures/patent/lightyears/").status_code == 404


def test_figure_page_of_one_category(client, demo):
    html = html_of(client, "/figures/patent/item/?category=invention/examination")

    assert figure_of(html, "total")["text"] == "15项"
    assert "在受理实质审查阶段的发明专利" in html


# -- query counts -------------------------------------------------------------------------------


def test_dashboard_query_count_does_not_grow_with_records(client, db):
    district = make_district()
    agreement = make_public_agreement(district)
    first = make_public_project(district, agreement=agreement)
    make_target(project=first, state=PUBLISHED)
    one, _ = count_queries(client, "/")
    for _ in range(2):
        make_public_project(district, agreement=make_public_agreement(district))
    three, sql = count_queries(client, "/")
    again, cached_sql = count_queries(client, "/")

    # 1. the data version (its one row)
    # 2. agreements and phases (one aggregate)  3. projects and sub-projects (one aggregate)
    # 4. partner institutions  5. projects per district, year and field
    # 6. agreements per district and year  7. enterprises per district
    # 8. totals of all public outcomes (outcome_totals)  9. patents and enterprises cultivated
    # by category  10. projects per top-level institution  11. targets
    # 12-13. each target's progress (its scope, its total; one target here)
    assert (one, three) == (13, 13), sql
    # Nothing was written since: only the data version is read, the aggregates are cached.
    assert again == 1, cached_sql


def _revenue_on_dashboard(client):
    (revenue,) = [f for f in client.get("/").context["key_figures"] if f.slug == "revenue"]
    return revenue.total.quantity if revenue.total else None


def test_dashboard_figures_change_as_soon_as_a_record_is_withdrawn_or_published(client, db):
    project = make_public_project(make_district())
    make_outcome(project=project, state=PUBLISHED, kind=OutcomeKind.REVENUE, quantity=500)
    published = _revenue_on_dashboard(client)

    project.state = PublicationState.WITHDRAWN
    project.save()
    withdrawn = _revenue_on_dashboard(client)
    project.state = PUBLISHED
    project.save()

    assert published > 0
    assert withdrawn is None
    assert _revenue_on_dashboard(client) == published


def test_figure_page_query_count_does_not_grow_with_outcomes(client, db):
    project = make_project(state=PUBLISHED)
    make_outcome(project=project, state=PUBLISHED)
    url = f"/figures/{OutcomeKind.REVENUE}/{Unit.YUAN}/"
    one, _ = count_queries(client, url)
    for _ in range(2):
        make_outcome(project=make_project(state=PUBLISHED), state=PUBLISHED)
    three, sql = count_queries(client, url)

    # 1. the total (outcome_totals)  2. the page of outcomes with sources and records
    assert (one, three) == (2, 2), sql
