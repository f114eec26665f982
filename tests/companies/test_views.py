"""Public pages of enterprises: the list with facets and search, a page per enterprise with its
certifications, projects and figures, and its figures CSV."""

import datetime
import re

import pytest

from companies.choices import CertificationKind
from companies.models import Enterprise
from partnerships.choices import PublicationState
from tests.factories import (
    make_certification,
    make_district,
    make_enterprise,
    make_outcome,
    make_project,
    make_project_enterprise,
    make_target,
)
from tests.public_helpers import (
    PUBLISHED,
    UNPUBLISHED_STATES,
    count_queries,
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


def listed(html: str) -> list[str]:
    return re.findall(r'<li data-enterprise="\d+">\s*<h3><a [^>]*>([^<]*)</a>', html)


def test_enterprise_list_search_finds_an_enterprise_by_a_chinese_keyword(client, demo):
    html = html_of(client, "/enterprises/?q=鸿新")

    assert listed(html) == ["太原市鸿新农产品有限公司"]


def test_enterprise_list_certification_facet_narrows_the_list(client, demo):
    html = html_of(client, f"/enterprises/?certification={CertificationKind.NEEQ_LISTING}")

    assert listed(html) == ["山西科腾环保科技股份有限公司"]
    assert text_of(html, "id", "results-title").startswith("1 ")


def test_enterprise_list_certification_facet_counts_enterprises_not_certificates(client, db):
    enterprise = make_enterprise(state=PUBLISHED)
    make_certification(enterprise=enterprise, issued_on=datetime.date(2017, 12, 1))
    make_certification(enterprise=enterprise, issued_on=datetime.date(2020, 12, 1))

    html = html_of(client, "/enterprises/")

    assert text_of(html, "data-facet", "certification").endswith(" 1")


def test_enterprise_list_sector_facet_filters_by_sector(client, demo):
    hongxin = Enterprise.objects.get(name="太原市鸿新农产品有限公司")

    html = html_of(client, f"/enterprises/?sector={hongxin.sector_id}")

    assert listed(html) == ["太原市鸿新农产品有限公司"]


def test_enterprise_list_shows_only_published_enterprises(client, db):
    district = make_district()
    make_enterprise(district=district, state=PUBLISHED, name="公开企业")
    for state in UNPUBLISHED_STATES:
        make_enterprise(district=district, state=state, name=f"未公开企业{state}")

    html = html_of(client, "/enterprises/")

    assert listed(html) == ["公开企业"]
    assert text_of(html, "data-facet", "district").endswith(" 1")


def test_enterprise_page_shows_certifications_with_their_dates(client, demo):
    keteng = Enterprise.objects.get(name="山西科腾环保科技股份有限公司")

    html = html_of(client, f"/enterprises/{keteng.pk}/")

    listing = text_of(html, "data-certification", CertificationKind.NEEQ_LISTING)
    assert "2016年3月" in listing
    # The high-tech certificate has no issue date: its validity cannot be known.
    assert "2019" not in text_of(html, "data-certification", CertificationKind.HIGH_TECH)
    assert "山西大学 山西大学科技园" in html


def test_enterprise_page_shows_a_high_tech_certificate_valid_three_years(client, db):
    enterprise = make_enterprise(state=PUBLISHED)
    make_certification(enterprise=enterprise, issued_on=datetime.date(2023, 12, 1))

    html = html_of(client, f"/enterprises/{enterprise.pk}/")

    row = text_of(html, "data-certification", CertificationKind.HIGH_TECH)
    assert "2023年12月" in row and "2026年12月1日" in row


def test_enterprise_page_shows_its_figures_with_sources(client, demo):
    keteng = Enterprise.objects.get(name="山西科腾环保科技股份有限公司")

    html = html_of(client, f"/enterprises/{keteng.pk}/")

    # 7 granted inventions, 3 granted utility models, 15 inventions under examination.
    assert figure_of(html, "intellectual-property")["data-quantity"] == "25"
    assert "2018、2019年连续销售收入达到1亿元以上" in html


@pytest.mark.parametrize("state", UNPUBLISHED_STATES)
def test_enterprise_page_and_csv_of_an_unpublished_enterprise_are_404(client, db, state):
    enterprise = make_enterprise(state=state)

    assert client.get(f"/enterprises/{enterprise.pk}/").status_code == 404
    assert client.get(f"/enterprises/{enterprise.pk}/figures.csv").status_code == 404


def test_enterprise_page_leaves_out_an_unpublished_project(client, db):
    enterprise = make_enterprise(state=PUBLISHED)
    draft = make_project(district=enterprise.district, title="草稿项目")
    make_project_enterprise(project=draft, enterprise=enterprise)
    make_outcome(project=draft, enterprise=enterprise, state=PUBLISHED, reported_text="草稿数字")

    html = html_of(client, f"/enterprises/{enterprise.pk}/")

    assert ("草稿项目" in html, "草稿数字" in html) == (False, False)


def test_enterprise_csv_has_a_row_per_figure(client, demo):
    keteng = Enterprise.objects.get(name="山西科腾环保科技股份有限公司")

    response = client.get(f"/enterprises/{keteng.pk}/figures.csv")

    lines = response.content.decode("utf-8").splitlines()
    assert lines[0].startswith("\ufeff")
    assert len(lines) == 1 + 5  # three patent counts, two years of revenue


def test_enterprise_list_query_count_does_not_grow_with_enterprises(client, db):
    district = make_district()
    make_public_project(district)
    one, _ = count_queries(client, "/enterprises/")
    make_public_project(district)
    make_public_project(district)
    three, sql = count_queries(client, "/enterprises/")

    # 1-3. facet counts: district, sector, certification (distinct enterprises per kind)
    # 4. count (paginator)  5. the page, with district and sector  6. their certifications
    assert (one, three) == (6, 6), sql


def test_enterprise_page_query_count_does_not_grow_with_related_rows(client, db):
    district = make_district()
    enterprise = make_enterprise(district=district, state=PUBLISHED)
    make_certification(enterprise=enterprise)
    first = make_public_project(district, enterprise=enterprise)
    make_target(project=first, enterprise=enterprise, state=PUBLISHED)
    url = f"/enterprises/{enterprise.pk}/"
    one, _ = count_queries(client, url)
    for _ in range(2):
        make_certification(enterprise=enterprise)
        make_public_project(district, enterprise=enterprise)
        agreement = make_public_agreement(district)
        agreement.enterprise_parties.create(enterprise=enterprise, role="enterprise")
    three, sql = count_queries(client, url)

    # 1. the enterprise with district, sector, incubator (and parent), project and source
    # 2. the data version  3. figure rows for the totals and intellectual-property parts
    # 4. targets  5-6. target_progress: the targets' scopes (its project's), their rows
    # 7. outcome rows  8. certifications  9. project roles  10. agreement roles
    assert (one, three) == (10, 10), sql


def test_enterprise_csv_query_count_does_not_grow_with_outcomes(client, db):
    enterprise = make_enterprise(state=PUBLISHED)
    project = make_project(district=enterprise.district, state=PUBLISHED)
    make_outcome(project=project, enterprise=enterprise, state=PUBLISHED)
    url = f"/enterprises/{enterprise.pk}/figures.csv"
    one, _ = count_queries(client, url)
    make_outcome(project=project, enterprise=enterprise, state=PUBLISHED)
    make_outcome(project=project, enterprise=enterprise, state=PublicationState.PUBLISHED)
    three, sql = count_queries(client, url)

    # 1. the enterprise  2. outcomes in its scope, with their sources
    assert (one, three) == (2, 2), sql
