"""Public pages of projects, agreements and institutions: lists with facets and search, detail
pages with their figures and sources, the figures CSV, language, and what the public never sees.

Readers: Zhao, a journalist checking a figure; Li, a citizen browsing on a phone; both anonymous.
"""

import csv
import io
import re
from decimal import Decimal

import pytest
from django.urls import reverse

from outcomes.choices import OutcomeKind, PatentType, Unit
from outcomes.management.commands.load_article import P_SXU_RESULTS, P_TONGJI_SITE
from partnerships.choices import Field, ProjectKind, PublicationState, Qualifier
from partnerships.models import Agreement, Institution, Project
from tests.factories import (
    make_agreement,
    make_agreement_party,
    make_district,
    make_institution,
    make_outcome,
    make_project,
    make_project_participant,
    make_target,
)
from tests.public_helpers import (
    PUBLISHED,
    UNPUBLISHED_STATES,
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


def listed(html: str, attribute: str) -> list[str]:
    """The titles of a list page's results, in order."""
    return re.findall(rf'<li {attribute}="\d+">\s*<h3><a [^>]*>([^<]*)</a>', html)


# -- projects: list, facets, search, paging -------------------------------------------------------


def test_project_list_search_finds_a_project_by_a_chinese_keyword(client, demo):
    html = html_of(client, "/projects/?q=黑板")

    assert listed(html, "data-project") == ["智能互动双屏电子黑板"]


def test_project_list_search_matches_english_titles_too(client, demo):
    html = html_of(client, "/projects/?q=blackboard")

    assert listed(html, "data-project") == ["智能互动双屏电子黑板"]


def test_project_list_field_facet_narrows_the_list_and_the_other_facets(client, demo):
    html = html_of(client, f"/projects/?field={Field.MODERN_AGRICULTURE}")

    assert sorted(listed(html, "data-project")) == sorted(
        [
            "“一种差压的果蔬箱”专利合作",
            "有机旱作农业种植技术规程省级地方标准制订",
            "有机旱作农业三安模式种植示范基地",
        ]
    )
    assert text_of(html, "id", "results-title").startswith("3 ")
    # The kind facet now counts only modern-agriculture projects…
    kinds = text_of(html, "data-facet", "kind")
    assert "Demonstration base" in kinds or "示范基地" in kinds
    assert "Education programme" not in kinds and "教育项目" not in kinds
    # …while the field facet still offers every field, so the reader can switch.
    assert len(elements(html, "data-facet", "field")) == 1
    assert html.count('href="?field=') >= 6


def test_project_list_facet_links_keep_the_other_filters(client, demo):
    html = html_of(client, "/projects/?q=山西&status=ongoing")

    field_links = re.findall(r'href="(\?[^"]*field=[^"]*)"', html)
    assert field_links
    assert all("q=" in link and "status=ongoing" in link for link in field_links)


def test_project_list_institution_facet_counts_sub_units_for_their_university(client, demo):
    university = Institution.objects.get(name="山西大学", parent=None)

    html = html_of(client, f"/projects/?institution={university.pk}")

    # Its own projects and those of its science park, key laboratory and computer college.
    assert sorted(listed(html, "data-project")) == sorted(
        [
            "小店区与山西大学产学研合作项目",
            "智能互动双屏电子黑板",
            "微服务架构的高校一站式服务平台",
            "固废资源综合利用及产业升级开发智能制造自动化生产线",
            "农产品大数据SaaS平台",
        ]
    )


def test_project_list_year_facet_filters_by_start_year(client, demo):
    html = html_of(client, "/projects/?year=2019")

    assert listed(html, "data-project") == ["同济大学同创谷太原基地"]


def test_project_list_ignores_a_filter_value_it_does_not_know(client, demo):
    html = html_of(client, "/projects/?field=astrology&year=abc&institution=-3")

    assert text_of(html, "id", "results-title").startswith("19 ")


def test_project_list_pages_by_twenty_and_keeps_the_filters_in_page_links(client, db):
    district = make_district()
    for _ in range(25):
        make_project(district=district, state=PUBLISHED, kind=ProjectKind.JOINT_LAB)

    first = html_of(client, f"/projects/?kind={ProjectKind.JOINT_LAB}")
    second = html_of(client, f"/projects/?kind={ProjectKind.JOINT_LAB}&page=2")

    assert (first.count("<li data-project="), second.count("<li data-project=")) == (20, 5)
    assert f'href="?kind={ProjectKind.JOINT_LAB}&amp;page=2"' in first


def test_project_list_shows_and_counts_only_published_projects(client, db):
    district = make_district()
    make_project(district=district, state=PUBLISHED, title="公开项目")
    for state in UNPUBLISHED_STATES:
        make_project(district=district, state=state, title=f"未公开项目{state}")

    html = html_of(client, "/projects/")

    assert listed(html, "data-project") == ["公开项目"]
    assert text_of(html, "data-facet", "field").endswith(" 1")


def test_project_list_never_names_an_unpublished_institution(client, db):
    district = make_district()
    project = make_project(district=district, state=PUBLISHED)
    make_project_participant(
        project=project, institution=make_institution(district=district, name="草稿大学")
    )

    html = html_of(client, "/projects/")

    assert "草稿大学" not in html


# -- project page -------------------------------------------------------------------------------


def test_project_page_shows_each_figure_with_its_quoted_source_passage(client, demo):
    project = Project.objects.get(title="小店区与山西大学产学研合作项目")

    html = html_of(client, f"/projects/{project.pk}/")

    quotes = [found["text"] for found in elements(html, "class", "source")]
    assert any(P_SXU_RESULTS in quote for quote in quotes)
    assert f"<blockquote>{P_SXU_RESULTS}</blockquote>" in html
    assert figure_of(html, "intellectual-property")["data-quantity"] == "48"


def test_project_page_prints_dates_at_their_precision_and_the_floor_area_qualifier(client, demo):
    base = Project.objects.get(title="同济大学同创谷太原基地")

    html = html_of(client, f"/projects/{base.pk}/")

    assert text_of(html, "data-date", "opened") == "2019年6月"
    assert '<time datetime="2019-06">2019年6月</time>' in html
    assert figure_of(html, "floor-area")["text"] == "约25000平方米"
    assert P_TONGJI_SITE in html


def test_project_page_lists_participants_with_roles_and_links_its_agreement(client, demo):
    base = Project.objects.get(title="同济大学同创谷太原基地")

    html = html_of(client, f"/projects/{base.pk}/")

    participants = text_of(html, "id", "participants")
    assert "同济大学" in participants and "中路启明" in participants
    assert reverse("partnerships:agreement_detail", args=[base.agreement_id]) in html


def test_project_page_totals_include_sub_projects(client, db):
    district = make_district()
    parent = make_project(district=district, state=PUBLISHED)
    child = make_project(district=district, state=PUBLISHED, part_of=parent)
    make_outcome(project=parent, state=PUBLISHED, quantity=Decimal(100))
    make_outcome(project=child, state=PUBLISHED, quantity=Decimal(50), qualifier=Qualifier.EXACT)

    html = html_of(client, f"/projects/{parent.pk}/")

    totals = elements(html, "data-total", f"{OutcomeKind.REVENUE}/{Unit.YUAN}")
    assert [found["text"].split(" ")[2] for found in totals] == ["150多元"]


@pytest.mark.parametrize("state", UNPUBLISHED_STATES)
def test_project_page_and_csv_of_an_unpublished_project_are_404(client, db, state):
    project = make_project(state=state)
    make_outcome(project=project, state=PUBLISHED)

    page = client.get(f"/projects/{project.pk}/")
    download = client.get(f"/projects/{project.pk}/figures.csv")

    assert (page.status_code, download.status_code) == (404, 404)


def test_project_page_leaves_out_an_unpublished_outcome(client, db):
    project = make_project(state=PUBLISHED)
    make_outcome(project=project, state=PUBLISHED, reported_text="公开的数字")
    make_outcome(project=project, state=PublicationState.DRAFT, reported_text="草稿数字")

    html = html_of(client, f"/projects/{project.pk}/")

    assert ("公开的数字" in html, "草稿数字" in html) == (True, False)


def test_project_page_shows_a_target_without_a_number_as_text(client, db):
    project = make_project(state=PUBLISHED)
    make_target(
        project=project,
        state=PUBLISHED,
        quantity=Decimal(0),
        quantity_is_stated=False,
        reported_text="一批",
    )

    html = html_of(client, f"/projects/{project.pk}/")

    target = elements(html, "data-target", str(project.targets.get().pk))[0]["text"]
    assert "“一批”" in target
    assert "0元" not in target


# -- figures CSV --------------------------------------------------------------------------------


def read_csv(response) -> list[list[str]]:
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


def test_project_csv_lists_each_figure_with_its_source(client, demo):
    project = Project.objects.get(title="小店区与山西大学产学研合作项目")

    response = client.get(f"/projects/{project.pk}/figures.csv")

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == (
        f'attachment; filename="project-{project.pk}-figures.csv"'
    )
    rows = read_csv(response)
    assert len(rows[0]) == 11
    benefit = next(row for row in rows if row[4] == "6800多万元")
    assert (benefit[1], benefit[8]) == ("68000000", P_SXU_RESULTS)
    assert benefit[7].startswith("省校合作凝智聚力")
    assert len(rows) == 1 + 6


def test_project_csv_defuses_cells_a_spreadsheet_would_run_as_formulas(client, db):
    project = make_project(state=PUBLISHED)
    make_outcome(
        project=project,
        state=PUBLISHED,
        reported_text="=HYPERLINK(1)",
        description="+1",
        source_passage="@SUM(A1)",
    )

    rows = read_csv(client.get(f"/projects/{project.pk}/figures.csv"))

    assert (rows[1][4], rows[1][8], rows[1][9]) == ("'=HYPERLINK(1)", "'@SUM(A1)", "'+1")


# -- agreements ---------------------------------------------------------------------------------


def test_agreement_list_filters_by_year_signed(client, demo):
    html = html_of(client, "/agreements/?year=2019")

    assert sorted(listed(html, "data-agreement")) == sorted(
        [
            "“同创谷太原基地项目”合作框架协议",
            "同济大学同创谷太原基地共建合作协议(一期)",
            "同济大学同创谷太原基地共建合作协议(二期)",
        ]
    )


def test_agreement_page_shows_phases_projects_and_signing_month(client, demo):
    framework = Agreement.objects.get(title="“同创谷太原基地项目”合作框架协议")

    html = html_of(client, f"/agreements/{framework.pk}/")

    assert text_of(html, "data-date", "signed") == "2019年3月"
    phases = text_of(html, "id", "phases")
    assert "(一期)" in phases and "2019年4月" in phases and "2019年5月" in phases
    projects = text_of(html, "id", "projects")
    assert "同济大学同创谷太原基地" in projects and "新时代基层干部主题培训行动计划" in projects


def test_agreement_page_totals_come_from_its_scope(client, demo):
    agreement = Agreement.objects.get(title="小店区政府与山西大学战略合作框架协议")

    html = html_of(client, f"/agreements/{agreement.pk}/")

    ip = figure_of(html, "intellectual-property")
    assert (ip["data-quantity"], ip["data-qualifier"]) == ("48", Qualifier.EXACT)


def test_agreement_page_of_a_draft_is_404(client, db):
    agreement = make_agreement()

    assert client.get(f"/agreements/{agreement.pk}/").status_code == 404
    assert client.get(f"/agreements/{agreement.pk}/figures.csv").status_code == 404


# -- institutions -------------------------------------------------------------------------------


def test_institution_list_shows_top_level_institutions_unless_asked_for_sub_units(client, demo):
    top = html_of(client, "/institutions/?q=山西大学")
    everything = html_of(client, "/institutions/?q=山西大学&level=all")

    assert listed(top, "data-institution") == ["山西大学"]
    assert sorted(listed(everything, "data-institution")) == sorted(
        [
            "山西大学",
            "山西大学 山西大学科技园",
            "山西大学 计算智能与中文信息处理教育部重点实验室",
            "山西大学 计算机学院",
        ]
    )


def test_shanxi_university_page_shows_48_items_of_intellectual_property_and_parts(client, demo):
    university = Institution.objects.get(name="山西大学", parent=None)

    html = html_of(client, f"/institutions/{university.pk}/")

    ip = figure_of(html, "intellectual-property")
    assert (ip["data-quantity"], ip["text"]) == ("48", "48项")
    items = re.findall(r'<li data-part="([^"]+)">.*?<data [^>]*>([^<]+)</data>', html)
    assert items == [
        (f"{OutcomeKind.PATENT}/{PatentType.INVENTION}", "20项"),
        (f"{OutcomeKind.PATENT}/{PatentType.UTILITY_MODEL}", "9项"),
        (OutcomeKind.SOFTWARE_COPYRIGHT, "19项"),
    ]


def test_institution_page_lists_sub_units_and_their_projects(client, demo):
    university = Institution.objects.get(name="山西大学", parent=None)

    html = html_of(client, f"/institutions/{university.pk}/")

    assert "计算机学院" in text_of(html, "id", "sub-units")
    assert "微服务架构的高校一站式服务平台" in text_of(html, "id", "projects")
    assert "山西科腾环保科技股份有限公司" in text_of(html, "id", "incubated")


def test_institution_page_of_a_draft_is_404(client, db):
    institution = make_institution()

    assert client.get(f"/institutions/{institution.pk}/").status_code == 404


def test_sub_unit_page_of_a_draft_university_is_404(client, db):
    college = make_institution(parent=make_institution(), state=PUBLISHED)

    assert client.get(f"/institutions/{college.pk}/").status_code == 404


# -- language -----------------------------------------------------------------------------------


def test_pages_are_chinese_by_default(client, demo):
    project = Project.objects.get(title="同济大学同创谷太原基地")

    html = html_of(client, f"/projects/{project.pk}/")

    assert '<html lang="zh-hans">' in html
    assert text_of(html, "data-project", str(project.pk)) == "同济大学同创谷太原基地"


def test_language_switch_to_english_persists_across_pages(client, demo):
    project = Project.objects.get(title="同济大学同创谷太原基地")

    switched = client.post("/i18n/setlang/", {"language": "en", "next": f"/projects/{project.pk}/"})
    html = html_of(client, f"/projects/{project.pk}/")

    assert (switched.status_code, switched["Location"]) == (302, f"/projects/{project.pk}/")
    assert '<html lang="en">' in html
    assert text_of(html, "data-project", str(project.pk)) == (
        "Tongji University Tongchuang Valley Taiyuan Base"
    )
    assert text_of(html, "data-date", "opened") == "June 2019"
    assert figure_of(html, "floor-area")["text"] == "about 25,000 square metres"


def test_language_switch_form_posts_to_django_with_csrf_and_next(client, demo):
    html = html_of(client, "/projects/?q=%E9%BB%91%E6%9D%BF")  # ?q=黑板, as a browser sends it

    form = re.search(r'<form class="language-switch" action="([^"]+)" method="post"', html)
    assert form.group(1) == "/i18n/setlang/"
    assert 'name="csrfmiddlewaretoken"' in html
    assert '<input type="hidden" name="next" value="/projects/?q=%E9%BB%91%E6%9D%BF">' in html


# -- HTML every page shares ---------------------------------------------------------------------

DEMO_PAGES = (
    "/",
    "/projects/",
    "/agreements/",
    "/institutions/",
    "/enterprises/",
    "/figures/patent/item/",
)


def demo_detail_pages() -> list[str]:
    return [
        f"/projects/{Project.objects.get(title='同济大学同创谷太原基地').pk}/",
        f"/agreements/{Agreement.objects.get(title='“同创谷太原基地项目”合作框架协议').pk}/",
        f"/institutions/{Institution.objects.get(name='山西大学', parent=None).pk}/",
    ]


def test_every_page_has_one_h1_a_title_and_a_description(client, demo):
    for url in [*DEMO_PAGES, *demo_detail_pages()]:
        html = html_of(client, url)
        assert html.count("<h1") == 1, url
        assert re.search(r"<title>[^<]+</title>", html), url
        assert re.search(r'<meta name="description" content="[^"]+">', html), url


def test_no_page_has_inline_script_inline_style_or_an_external_resource(client, demo):
    for url in [*DEMO_PAGES, *demo_detail_pages()]:
        html = html_of(client, url)
        scripts = re.findall(r"<script([^>]*)>", html)
        assert all(
            'type="application/json"' in attributes or " src=" in attributes
            for attributes in scripts
        ), url
        assert " style=" not in html, url
        assert "<style" not in html, url
        # Every stylesheet and script comes from this site.
        assert not re.search(r'<(?:script|link)[^>]+(?:src|href)="(?:https?:)?//', html), url


def test_tables_have_captions_and_scoped_headers(client, demo):
    for url in ["/", *demo_detail_pages()]:
        html = html_of(client, url)
        assert html.count("<table") == html.count("<caption>"), url
        assert "<th>" not in html, url


# -- query counts -------------------------------------------------------------------------------
# Each page runs the same number of queries with one related row and with three: nothing is
# fetched per row. The lists below name the queries in the order Django runs them.


def test_project_list_query_count_does_not_grow_with_projects(client, db):
    district = make_district()
    make_public_project(district)
    one, _ = count_queries(client, "/projects/")
    make_public_project(district)
    make_public_project(district)
    three, sql = count_queries(client, "/projects/")

    # 1-6. facet counts: field, kind, institution (participants grouped by top-level
    #      institution), district, start year, status
    # 7. count of matching projects (paginator)
    # 8. the page of projects, with their district
    # 9. participants of the page's projects, with institution, parent and district
    assert (one, three) == (9, 9), sql


def test_agreement_list_query_count_does_not_grow_with_agreements(client, db):
    district = make_district()
    make_public_agreement(district)
    one, _ = count_queries(client, "/agreements/")
    make_public_agreement(district)
    make_public_agreement(district)
    three, sql = count_queries(client, "/agreements/")

    # 1-5. facet counts: kind, status, district, year signed, institution
    # 6. count (paginator)  7. the page, with district  8. parties with institution and parent
    assert (one, three) == (8, 8), sql


def test_institution_list_query_count_does_not_grow_with_institutions(client, db):
    district = make_district()
    make_public_project(district)
    one, _ = count_queries(client, "/institutions/")
    make_public_project(district)
    make_public_project(district)
    three, sql = count_queries(client, "/institutions/")

    # 1-2. facet counts: kind, district  3. count (paginator)  4. the page, with parent and district
    assert (one, three) == (4, 4), sql


def test_project_page_query_count_does_not_grow_with_related_rows(client, db):
    district = make_district()
    project = make_public_project(district)
    make_target(project=project, state=PUBLISHED)
    make_public_project(district, part_of=project)
    url = f"/projects/{project.pk}/"
    one, _ = count_queries(client, url)
    for _ in range(2):
        make_project_participant(
            project=project, institution=make_institution(district=district, state=PUBLISHED)
        )
        make_outcome(project=project, state=PUBLISHED)
        make_public_project(district, part_of=project)
    three, sql = count_queries(client, url)

    # 1. the project with district, agreement, parent and source
    # 2. its sub-projects at any depth (project_scope, one recursive query)
    # 3. the data version (cached_aggregate; each request follows a write, so it computes)
    # 4. figure rows for the totals and intellectual-property parts (page_figures)
    # 5. targets with their records  6-7. target_progress: the targets' scopes, their rows
    # 8. outcome rows with sources and attributed records (the first 50)
    # 9. participants  10. enterprise participants  11. sub-projects (the first 50 each)
    assert (one, three) == (11, 11), sql


def test_project_csv_query_count_does_not_grow_with_outcomes(client, db):
    project = make_public_project(make_district())
    url = f"/projects/{project.pk}/figures.csv"
    one, _ = count_queries(client, url)
    make_outcome(project=project, state=PUBLISHED)
    make_outcome(project=project, state=PUBLISHED)
    three, sql = count_queries(client, url)

    # 1. the project  2. its sub-projects (project_scope)  3. outcomes with their sources
    assert (one, three) == (3, 3), sql


def test_agreement_page_query_count_does_not_grow_with_related_rows(client, db):
    district = make_district()
    agreement = make_public_agreement(district)
    first = make_public_project(district, agreement=agreement)
    make_target(project=first, agreement=agreement, state=PUBLISHED)
    make_agreement(district=district, part_of=agreement, state=PUBLISHED)
    url = f"/agreements/{agreement.pk}/"
    one, _ = count_queries(client, url)
    for phase_number in (2, 3):
        phase = make_agreement(
            district=district, part_of=agreement, state=PUBLISHED, phase_number=phase_number
        )
        make_public_project(district, agreement=phase)
    three, sql = count_queries(client, url)

    # 1. the agreement with district, framework and source
    # 2. its phases at any depth (agreement_scope, one recursive query)  3. the data version
    # 4. figure rows for the totals and intellectual-property parts  5. targets
    # 6-7. target_progress: the targets' scopes (its project's), their rows
    # 8. outcome rows with sources and records  9. parties  10. enterprise parties
    # 11. phases  12. projects under it and its phases
    assert (one, three) == (12, 12), sql


def test_agreement_csv_query_count_does_not_grow_with_projects(client, db):
    district = make_district()
    agreement = make_public_agreement(district)
    make_public_project(district, agreement=agreement)
    url = f"/agreements/{agreement.pk}/figures.csv"
    one, _ = count_queries(client, url)
    make_public_project(district, agreement=agreement)
    make_public_project(district, agreement=agreement)
    three, sql = count_queries(client, url)

    # 1. the agreement  2. its phases (agreement_scope)  3. outcomes with their sources
    assert (one, three) == (3, 3), sql


def test_institution_page_query_count_does_not_grow_with_related_rows(client, db):
    district = make_district()
    university = make_institution(district=district, state=PUBLISHED)
    college = make_institution(parent=university, state=PUBLISHED)
    first = make_public_project(district, institution=college)
    make_target(project=first, institution=university, state=PUBLISHED)
    url = f"/institutions/{university.pk}/"
    one, _ = count_queries(client, url)
    make_public_project(district, institution=university)
    make_agreement_party(agreement=make_public_agreement(district), institution=college)
    three, sql = count_queries(client, url)

    # 1. the institution with parent, district and source
    # 2. its sub-units at any depth (family_ids, one recursive query)
    # 3. the same again, inside institution_scope  4. the data version
    # 5. figure rows for the totals and intellectual-property parts  6. targets
    # 7-8. target_progress: the targets' scopes (its project's), their rows  9. outcome rows
    # 10. sub-units  11. project participations  12. agreement parties
    # 13. enterprises from its incubator
    assert (one, three) == (13, 13), sql


def test_institution_csv_query_count_does_not_grow_with_projects(client, db):
    district = make_district()
    university = make_institution(district=district, state=PUBLISHED)
    make_public_project(district, institution=university)
    url = f"/institutions/{university.pk}/figures.csv"
    one, _ = count_queries(client, url)
    make_public_project(district, institution=university)
    make_public_project(district, institution=university)
    three, sql = count_queries(client, url)

    # 1. the institution  2. its sub-units (institution_scope)  3. outcomes with their sources
    assert (one, three) == (3, 3), sql


@pytest.mark.django_db
def test_unpublished_project_page_is_a_404_in_the_site_layout(client):
    draft = make_project()  # drafts are never public

    response = client.get(f"/projects/{draft.pk}/")

    assert response.status_code == 404
    assert response.templates[0].name == "404.html"
    assert draft.title not in response.content.decode()
    assert 'class="site-nav"' in response.content.decode()
