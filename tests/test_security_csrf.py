"""Cross-site request forgery and error pages.

Every form that posts carries Django's CSRF token, and a POST without it changes nothing: the
admin log-in, an admin change form and the language switch answer 403. The API accepts tokens
only, so a browser's session cookie gets nobody in. A server error shows our own page and
nothing of the code, the query or the settings behind it.
"""

from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.template.loader import render_to_string
from django.test import Client

from partnerships.models import Project
from tests.admin_helpers import admin_url, form_data
from tests.factories import make_project

TEMPLATES = Path(__file__).resolve().parents[1] / "templates"


class PostForms(HTMLParser):
    """Each <form method=post> of a page: whether it holds a csrfmiddlewaretoken field."""

    def __init__(self):
        super().__init__()
        self.forms: list[dict] = []
        self.inside = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and (attrs.get("method") or "").lower() == "post":
            self.inside = True
            self.forms.append({"action": attrs.get("action"), "token": False})
        elif tag == "input" and self.inside and attrs.get("name") == "csrfmiddlewaretoken":
            self.forms[-1]["token"] = bool(attrs.get("value"))

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False


def post_forms(html: str) -> list[dict]:
    parser = PostForms()
    parser.feed(html)
    return parser.forms


def test_every_post_form_in_our_templates_has_a_csrf_token():
    for template in TEMPLATES.rglob("*.html"):
        source = template.read_text()
        for form in source.split("<form")[1:]:
            form = form.split("</form>")[0]
            if 'method="post"' in form.split(">")[0]:
                assert "{% csrf_token %}" in form, template


def test_every_post_form_of_the_site_and_the_back_office_carries_a_token(admin_client, xiaodian):
    project = make_project(district=xiaodian)
    pages = [
        "/",
        "/admin/",
        admin_url(Project, "changelist"),
        admin_url(Project, "add"),
        admin_url(Project, "change", project.pk),
        admin_url(Project, "delete", project.pk),
        "/admin/password_change/",
    ]
    forms = []
    for url in pages:
        response = admin_client.get(url)
        assert response.status_code == 200, url
        forms += [(url, form) for form in post_forms(response.content.decode())]
    anonymous_forms = post_forms(Client().get("/admin/login/").content.decode())

    assert len(forms) >= len(pages)  # every page has at least one (the log-out button)
    assert [(url, form) for url, form in forms if not form["token"]] == []
    assert [form["token"] for form in anonymous_forms] == [True]


def test_an_admin_log_in_without_the_token_is_refused(db):
    User.objects.create_user("chen", password="a-long-test-password", is_staff=True)
    browser = Client(enforce_csrf_checks=True)

    response = browser.post(
        "/admin/login/", {"username": "chen", "password": "a-long-test-password"}
    )

    assert response.status_code == 403
    assert "sessionid" not in response.cookies
    assert browser.get("/admin/").status_code == 302  # still sent to the log-in page


def test_an_admin_change_without_the_token_changes_nothing(admin_user, xiaodian):
    project = make_project(district=xiaodian, title="原标题")
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(admin_user)
    url = admin_url(Project, "change", project.pk)
    data = form_data(browser.get(url)) | {"title": "伪造的标题"}
    data.pop("csrfmiddlewaretoken", None)

    response = browser.post(url, data)

    assert response.status_code == 403
    project.refresh_from_db()
    assert project.title == "原标题"


def test_a_language_switch_without_the_token_is_refused(db):
    browser = Client(enforce_csrf_checks=True)

    response = browser.post("/i18n/setlang/", {"language": "en", "next": "/"})

    assert response.status_code == 403
    assert "django_language" not in response.cookies


def test_a_session_cookie_alone_writes_nothing_through_the_api(admin_user, xiaodian):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(admin_user)
    before = Project.objects.count()

    response = browser.post(
        "/api/v1/projects/",
        {"title": "借会话写入", "district_id": xiaodian.pk},
        content_type="application/json",
    )

    assert response.status_code == 401
    assert Project.objects.count() == before


@pytest.mark.urls("tests.security_urls")
def test_a_server_error_shows_our_page_and_nothing_of_the_cause(db):
    browser = Client(raise_request_exception=False)

    response = browser.get("/boom/")

    assert response.status_code == 500
    assert response.content.decode() == render_to_string("500.html")
    for leak in ("Traceback", "no_such_table", "SELECT", "SECRET_KEY", "DATABASES", "settings"):
        assert leak not in response.content.decode()
