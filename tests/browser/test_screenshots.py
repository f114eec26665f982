"""Full-page screenshots of the dashboard and a project page, at phone and desktop widths, in
Chinese: CI keeps test-output/screenshots/ as an artifact, so a reviewer sees the pages as they
render — with Chinese as characters, which needs a CJK font (fonts-noto-cjk).
"""

from playwright.sync_api import Page, expect

from partnerships.models import Project
from tests.browser.conftest import SCREENSHOTS

VIEWPORTS = {
    "phone": {"width": 390, "height": 844},
    "desktop": {"width": 1366, "height": 900},
}

# Two different characters in the page's own font. Without a font that has them, both are
# drawn as the same empty box ("tofu"), so the two drawings are the same.
CHINESE_HAS_GLYPHS = """() => {
    const canvas = document.createElement("canvas");
    canvas.width = 64;
    canvas.height = 32;
    const context = canvas.getContext("2d");
    context.font = "24px " + getComputedStyle(document.body).fontFamily;
    const drawn = text => {
        context.clearRect(0, 0, canvas.width, canvas.height);
        context.fillText(text, 4, 26);
        return canvas.toDataURL();
    };
    return drawn("山") !== drawn("水");
}"""


def test_screenshots_of_the_dashboard_and_a_project_page(page: Page):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    tongji = Project.objects.get(title="同济大学同创谷太原基地")
    pages = {"dashboard": "/", "project-tongji": f"/projects/{tongji.pk}/"}

    for width, viewport in VIEWPORTS.items():
        page.set_viewport_size(viewport)
        for name, url in pages.items():
            page.goto(url)
            expect(page.locator("h1")).to_be_visible()
            for chart in page.locator(".chart[data-chart]").all():
                expect(chart).to_have_attribute("data-rendered", "true")
            page.evaluate("document.fonts.ready.then(() => true)")
            assert page.evaluate(CHINESE_HAS_GLYPHS), (
                "Chinese renders as boxes: install a CJK font (apt-get install fonts-noto-cjk)"
            )
            # Phone to desktop: nothing wider than the screen (wide tables scroll in their box).
            scroll_width = page.evaluate("document.documentElement.scrollWidth")
            assert scroll_width <= viewport["width"], (url, width, scroll_width)
            path = SCREENSHOTS / f"{name}-{width}.png"
            page.screenshot(path=path, full_page=True)
            assert path.stat().st_size > 10_000, path
