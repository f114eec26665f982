"""What a reader does on the public site, in a real browser, on the demo data (the article).

Every test runs on a fresh page in Chinese (zh-CN); the `page` fixture fails it on any console
error, failed request, error response or request to another host (tests/browser/conftest.py).
"""

import re
from urllib.parse import parse_qs, urlsplit

from playwright.sync_api import Page, expect

from outcomes.management.commands.load_article import (
    P_TONGJI_OPENING,
    P_TONGJI_PROJECTS,
    P_TONGJI_SITE,
    P_TONGJI_TALENTS,
)
from partnerships.choices import Field, PublicationState
from partnerships.models import Project
from tests.factories import make_project

CHART_SLUGS = ["by-year", "by-field", "by-institution", "by-district"]
TONGJI_BASE = "同济大学同创谷太原基地"

# True once a chart's canvas holds at least one painted pixel (not just an empty element).
CANVAS_PAINTED = """canvas => {
    const pixels = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
    for (let i = 3; i < pixels.length; i += 4) { if (pixels[i] !== 0) return true; }
    return false;
}"""
# The categories an ECharts chart was drawn with (its category axis), read from the instance.
CHART_CATEGORIES = """element => {
    const option = window.echarts.getInstanceByDom(element).getOption();
    const axis = [...option.xAxis, ...option.yAxis].find(a => a.type === "category");
    return axis.data;
}"""


# The width of the image at a URL once the browser has loaded and decoded it.
LOAD_IMAGE = """url => new Promise((resolve, reject) => {
    const image = new Image();
    image.onload = () => resolve(image.naturalWidth);
    image.onerror = () => reject(new Error(`${url} did not load as an image`));
    image.src = url;
})"""


def key_figure(page: Page, slug: str):
    """The headline figure of a dashboard card (not the figures of its parts)."""
    return page.locator(f"[data-figure={slug}] .value data.figure")


def result_count(page: Page) -> int:
    return int(page.locator("#results-title").get_attribute("data-count"))


def listed_titles(page: Page) -> list[str]:
    return page.locator("li[data-project] h3").all_inner_texts()


def listed_ids(page: Page) -> set[int]:
    return {
        int(item.get_attribute("data-project")) for item in page.locator("li[data-project]").all()
    }


def search_projects(page: Page, keyword: str) -> None:
    """Type a keyword into the projects list's search box and submit it with the button."""
    box = page.locator("form.search-form input[name=q]")
    box.fill("")
    box.press_sequentially(keyword)
    with page.expect_navigation():
        page.locator("form.search-form button[type=submit]").click()
    assert parse_qs(urlsplit(page.url).query)["q"] == [keyword]


def test_dashboard_shows_the_articles_key_figures_and_draws_every_chart(page: Page):
    page.goto("/")

    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    # The article's figures, written as the article writes them, qualifier included.
    benefit = key_figure(page, "economic-benefit")
    expect(benefit).to_have_text("6800多万元")
    expect(benefit).to_have_attribute("data-quantity", "68000000")
    expect(benefit).to_have_attribute("data-qualifier", "more_than")
    training = key_figure(page, "trainee-times")
    expect(training).to_have_text("近2000人次")
    expect(training).to_have_attribute("data-qualifier", "nearly")
    expect(key_figure(page, "talents")).to_have_text("60多人")
    expect(key_figure(page, "patents")).to_have_attribute("data-quantity", "55")
    expect(key_figure(page, "projects")).to_have_attribute("data-quantity", "19")
    expect(key_figure(page, "agreements")).to_have_attribute("data-quantity", "5")
    # Each figure links to what it is made of.
    expect(page.locator("[data-figure=economic-benefit] .value a")).to_have_attribute(
        "href", "/figures/economic_benefit/yuan/"
    )

    charts = page.locator(".chart[data-chart]")
    expect(charts).to_have_count(len(CHART_SLUGS))
    assert [chart.get_attribute("data-chart") for chart in charts.all()] == CHART_SLUGS
    for slug in CHART_SLUGS:
        chart = page.locator(f".chart[data-chart={slug}]")
        expect(chart).to_have_attribute("data-rendered", "true")
        canvas = chart.locator("canvas")
        expect(canvas).to_have_count(1)
        box = canvas.bounding_box()
        assert box["width"] > 100 and box["height"] > 100, (slug, box)
        page.wait_for_function(CANVAS_PAINTED, arg=canvas.element_handle())
        expect(page.locator(f"table[data-chart-table={slug}] tbody tr").first).to_be_visible()

    # Shanxi University, the district's first partner: 5 projects, in the chart and its table.
    sxu_row = page.locator("table[data-chart-table=by-institution] tbody tr", has_text="山西大学")
    expect(sxu_row.locator("td")).to_have_text("5")
    by_institution = page.locator(".chart[data-chart=by-institution]")
    assert "山西大学" in by_institution.evaluate(CHART_CATEGORIES)


def test_search_finds_a_project_by_a_chinese_keyword(page: Page):
    page.goto("/projects/")
    everything = result_count(page)

    search_projects(page, "黑板")

    assert result_count(page) < everything
    assert "智能互动双屏电子黑板" in listed_titles(page)
    assert all("黑板" in title for title in listed_titles(page))
    # The search is in the URL, so the result can be shared; the box keeps the keyword.
    expect(page.locator("form.search-form input[name=q]")).to_have_value("黑板")

    search_projects(page, "同创谷")

    assert listed_titles(page) == [TONGJI_BASE]
    expect(page.locator("#results-title")).to_have_attribute("data-count", "1")


def test_a_facet_narrows_the_list_to_projects_of_that_field(page: Page):
    page.goto("/projects/")
    everything = result_count(page)
    facet = page.locator("section[data-facet=field] li", has=page.locator("a[href*=education]"))
    facet_count = int(facet.locator(".count").inner_text())
    label = facet.locator("a").inner_text()

    with page.expect_navigation():
        facet.locator("a").click()

    assert parse_qs(urlsplit(page.url).query) == {"field": ["education"]}
    assert result_count(page) == facet_count < everything
    # The chosen option is marked, and shown among the active filters.
    selected = page.locator("section[data-facet=field] a[aria-current=true]")
    expect(selected).to_have_text(label)
    expect(page.locator(".active-filters")).to_contain_text(label)
    items = page.locator("li[data-project]")
    expect(items).to_have_count(facet_count)
    for item in items.all():
        expect(item.locator("ul.meta")).to_contain_text(label)
    education = Project.objects.published().filter(field=Field.EDUCATION)
    assert listed_ids(page) == set(education.values_list("pk", flat=True))

    # The selected option is a toggle: clicking it again shows every project again.
    with page.expect_navigation():
        selected.click()
    assert result_count(page) == everything


def test_a_project_page_shows_its_source_passage_and_dates_at_their_precision(page: Page):
    page.goto("/projects/?q=同创谷")
    with page.expect_navigation():
        page.get_by_role("link", name=TONGJI_BASE).click()

    expect(page.locator("h1")).to_have_text(TONGJI_BASE)
    expect(page).to_have_title(re.compile(f"^{TONGJI_BASE} "))
    # The project's own source, quoted exactly, with the document it comes from.
    own_source = page.locator("main > figure.source")
    expect(own_source.locator("blockquote")).to_have_text(P_TONGJI_SITE + P_TONGJI_OPENING)
    expect(own_source.locator("figcaption cite")).not_to_be_empty()
    # Its figures quote their passages too.
    quoted = page.locator("#figures figure.source blockquote").all_inner_texts()
    assert P_TONGJI_PROJECTS in quoted and P_TONGJI_TALENTS in quoted

    # Opened in June 2019: the article gives the month, so no day is made up.
    for which in ("starts", "opened"):
        date = page.locator(f"[data-date={which}] time")
        expect(date).to_have_text("2019年6月")
        expect(date).to_have_attribute("datetime", "2019-06")
    for time in page.locator("time").all():
        written, iso = time.inner_text(), time.get_attribute("datetime")
        year, month, day = ([*iso.split("-"), None, None])[:3]
        expected = (
            f"{year}年" + (f"{int(month)}月" if month else "") + (f"{int(day)}日" if day else "")
        )
        assert written == expected, (iso, written)


def test_the_language_switch_changes_the_ui_to_english_and_it_stays(page: Page):
    page.goto("/")
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    expect(key_figure(page, "economic-benefit")).to_have_text("6800多万元")

    with page.expect_navigation():
        page.locator("form.language-switch button[value=en]").click()

    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.locator("form.language-switch button[value=en]")).to_have_attribute(
        "aria-pressed", "true"
    )
    expect(key_figure(page, "economic-benefit")).to_have_text("more than 68 million yuan")
    expect(page.locator("h1")).to_have_text("University–district partnerships at a glance")

    # The next page is English too: the choice persists.
    projects_link = page.locator("nav.site-nav a[href='/projects/']")
    expect(projects_link).to_have_text("Projects")
    with page.expect_navigation():
        projects_link.click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("h1")).to_have_text("Projects")
    expect(page.locator("nav.site-nav a[aria-current=page]")).to_have_text("Projects")
    # Model text in English where an English name exists.
    expect(
        page.locator("li[data-project] h3", has_text="Tongji University Tongchuang Valley")
    ).to_have_count(1)

    # And back to Chinese, on the same page; it stays Chinese after that.
    with page.expect_navigation():
        page.locator("form.language-switch button[value=zh-hans]").click()
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    expect(page).to_have_url(re.compile(r"/projects/$"))
    expect(page.locator("nav.site-nav a[aria-current=page]")).to_have_text("项目")
    expect(page.locator("li[data-project] h3", has_text=TONGJI_BASE)).to_have_count(1)
    page.goto("/")
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    expect(key_figure(page, "economic-benefit")).to_have_text("6800多万元")


def test_a_draft_project_is_not_reachable(page: Page, watch):
    tongji = Project.objects.get(title=TONGJI_BASE)
    draft = make_project(
        district=tongji.district,
        title="同创谷草稿项目(未发布)",
        field=Field.EDUCATION,
        state=PublicationState.DRAFT,
    )
    url = f"/projects/{draft.pk}/"
    watch.expect_status(url, 404)

    response = page.goto(url)

    assert response.status == 404
    expect(page.get_by_text("同创谷草稿项目")).to_have_count(0)

    published = Project.objects.published()
    page.goto("/projects/")
    expect(page.locator(f"li[data-project='{draft.pk}']")).to_have_count(0)
    assert result_count(page) == published.count() == 19
    search_projects(page, "同创谷")
    assert listed_titles(page) == [TONGJI_BASE]
    search_projects(page, "草稿")
    expect(page.locator("#results-title")).to_have_attribute("data-count", "0")
    expect(page.locator("li[data-project]")).to_have_count(0)
    # Nor is it counted anywhere public: not in the field facet, not on the dashboard.
    page.goto("/projects/")
    education = page.locator("section[data-facet=field] li", has=page.locator("a[href*=education]"))
    expect(education.locator(".count")).to_have_text(
        str(published.filter(field=Field.EDUCATION).count())
    )
    page.goto("/")
    expect(key_figure(page, "projects")).to_have_attribute("data-quantity", "19")


def test_every_page_has_an_icon_and_favicon_ico_answers(page: Page):
    # Pages of ours name the icon; the admin's and the API docs' do not, so a browser asks for
    # /favicon.ico there. Neither may end in an error on the console (the `page` fixture).
    page.goto("/")
    linked = page.locator("link[rel=icon]").get_attribute("href")
    icon = page.request.get(linked)
    asked = page.request.get("/favicon.ico")
    # Playwright's request interception (the fixture's guard against other hosts) never lets a
    # URL ending in favicon.ico through; this page loads nothing else, so it is lifted here.
    page.context.unroute("**/*")
    # Loaded as the browser loads an icon: through the redirect, decoded as an image.
    drawn_widths = [page.evaluate(LOAD_IMAGE, url) for url in ("/favicon.ico", linked)]

    # whitenoise names the type image/x-icon, Django's static view (through the mime.types of
    # the machine) image/vnd.microsoft.icon: which one answers depends on whether `make run`
    # has collected the static files into this checkout. Browsers take either.
    assert icon.status == 200
    assert icon.headers["content-type"] in {"image/x-icon", "image/vnd.microsoft.icon"}
    assert (asked.status, asked.url.endswith(linked), asked.body()) == (200, True, icon.body())
    assert drawn_widths == [32, 32]
