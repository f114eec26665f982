"""The Content-Security-Policy breaks nothing: the API docs and the back office run under it.

The `page` fixture fails a test on any console error, and Chromium reports every script, style
or eval the policy refuses as one; so each test only has to open the page and see it work.
"""

from django.contrib.auth.models import User
from playwright.sync_api import Page, expect

from partnerships.models import Project

REDOC_LOGO = "https://cdn.redoc.ly/redoc/logo-mini.svg"


def test_swagger_ui_renders_the_api_under_the_policy(page: Page):
    response = page.goto("/api/v1/docs/")

    assert "script-src 'self'" in response.headers["content-security-policy"]
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("API")
    expect(page.locator(".opblock-tag-section").first).to_be_visible()


def test_redoc_renders_the_api_under_the_policy(page: Page, watch):
    page.goto("/api/v1/redoc/")

    # Redoc parses the whole schema before it draws anything: give it longer than usual.
    expect(page.locator("h1").first).to_contain_text("API", timeout=30_000)
    expect(page.locator("[data-section-id]").first).to_be_attached()
    # Redoc always shows its maker's logo from their CDN (and hides it when it fails to load);
    # the policy refusing it is the point (the docs reach no other host), so that one refusal
    # is expected and anything else still fails the test.
    refused_logo = [text for text in watch.console_errors if REDOC_LOGO in text]
    assert len(refused_logo) == 1, watch.console_errors
    watch.console_errors.remove(refused_logo[0])


def test_a_staff_member_logs_in_and_edits_a_project_under_the_policy(page: Page):
    User.objects.create_superuser("admin", password="a-long-test-password")
    project = Project.objects.order_by("pk").first()

    page.goto("/admin/login/")
    page.locator("#id_username").fill("admin")
    page.locator("#id_password").fill("a-long-test-password")
    with page.expect_navigation():
        page.locator("input[type=submit]").click()
    page.goto("/admin/partnerships/project/")
    expect(page.locator("#result_list")).to_be_visible()
    page.goto(f"/admin/partnerships/project/{project.pk}/change/")
    expect(page.locator("#project_form")).to_be_visible()
    page.goto("/admin/partnerships/project/add/")
    expect(page.locator("#project_form")).to_be_visible()
