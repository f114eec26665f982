"""Output escaping: a script in any text field never reaches a page as markup.

Every free-text field (CharField and TextField without choices) of every model of the three
business apps is overwritten with a payload through `update()`, which skips `full_clean()` on
purpose: the validators that would refuse it are not what is tested here, escaping is. Then
every public page and CSV and every back-office list and change page is read.
"""

import re

import pytest
from django.apps import apps
from django.contrib import admin
from django.db import models
from django.db.models.functions import Cast, Concat

from companies.models import Enterprise
from partnerships.models import Agreement, AuditEntry, Institution, Project
from tests.admin_helpers import admin_url
from tests.factories import make_target
from tests.public_helpers import make_public_agreement, make_public_project

SCRIPT = '<script>alert("x")</script>'
IMG = '"><img src=x onerror=alert(1)>'
# What must never appear in HTML: the start of each payload as markup.
RAW = ('<script>alert("x")', "<img src=x onerror")
ESCAPED = "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;"
BUSINESS_APPS = ("partnerships", "companies", "outcomes")
PK_ROOM = 8  # the row's id is appended so that unique fields stay unique


def payload_for(field) -> str | None:
    """The longest payload the column can hold (PostgreSQL refuses longer values)."""
    room = None if field.max_length is None else field.max_length - PK_ROOM
    for payload in (SCRIPT + IMG, SCRIPT, IMG):
        if room is None or len(payload) <= room:
            return payload
    return None  # a code of a few characters cannot carry a script


def free_text_fields(model) -> list:
    return [
        field
        for field in model._meta.concrete_fields
        if isinstance(field, models.CharField | models.TextField) and not field.choices
    ]


def fill_every_text_field_with_the_payload() -> list[str]:
    filled = []
    for app in BUSINESS_APPS:
        for model in apps.get_app_config(app).get_models():
            if model is AuditEntry:
                # Immutable; the updates of the other models write entries whose record names
                # and before/after values carry the payload into the audit trail's pages.
                continue
            values = {}
            for field in free_text_fields(model):
                payload = payload_for(field)
                if payload is not None:
                    pk_text = Cast("pk", models.CharField())
                    values[field.name] = Concat(
                        models.Value(payload), models.Value(" "), pk_text, output_field=field
                    )
                    filled.append(f"{model._meta.label}.{field.name}")
            if values:
                model.objects.update(**values)
    return filled


@pytest.fixture
def hostile_registry(xiaodian):
    """A published project with an agreement, parties, enterprise, outcomes and a target, every
    text of which is the payload."""
    project = make_public_project(xiaodian, agreement=make_public_agreement(xiaodian))
    make_target(project=project)
    filled = fill_every_text_field_with_the_payload()
    assert "partnerships.Project.title" in filled
    assert Project.objects.get().title.startswith(SCRIPT)
    return project


def public_pages(client) -> list[str]:
    urls = ["/", "/projects/", "/agreements/", "/institutions/", "/enterprises/"]
    for model, prefix in (
        (Project, "projects"),
        (Agreement, "agreements"),
        (Institution, "institutions"),
        (Enterprise, "enterprises"),
    ):
        urls += [f"/{prefix}/{pk}/" for pk in model.objects.values_list("pk", flat=True)]
    dashboard = client.get("/").content.decode()
    urls += sorted(set(re.findall(r'href="(/figures/[^"]+)"', dashboard)))
    return urls


def assert_escaped(response, url: str) -> str:
    assert response.status_code == 200, url
    assert response["Content-Type"].startswith("text/html"), url
    html = response.content.decode()
    for raw in RAW:
        assert raw not in html, url
    return html


def test_public_pages_show_every_text_field_escaped(client, hostile_registry):
    urls = public_pages(client)
    escaped_on = [url for url in urls if ESCAPED in assert_escaped(client.get(url), url)]

    assert any(url.startswith("/figures/") for url in urls)
    # Every page that names a record shows its payload, escaped; the bare lists of figures
    # may show only numbers.
    assert {"/", "/projects/", "/agreements/", "/institutions/", "/enterprises/"} <= set(escaped_on)
    assert {url for url in urls if re.fullmatch(r"/\w+/\d+/", url)} <= set(escaped_on)


def test_csv_downloads_are_not_html(client, hostile_registry):
    project = hostile_registry
    institutions = Institution.objects.values_list("pk", flat=True)
    enterprises = Enterprise.objects.values_list("pk", flat=True)
    urls = [
        f"/projects/{project.pk}/figures.csv",
        f"/agreements/{project.agreement_id}/figures.csv",
        *(f"/institutions/{pk}/figures.csv" for pk in institutions),
        *(f"/enterprises/{pk}/figures.csv" for pk in enterprises),
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        assert response["Content-Type"].startswith("text/csv"), url
        assert response["X-Content-Type-Options"] == "nosniff"


def test_the_api_answers_json_not_html(client, hostile_registry):
    response = client.get(f"/api/v1/projects/{hostile_registry.pk}/")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json()["title"].startswith(SCRIPT)


def test_back_office_lists_and_change_pages_show_every_text_field_escaped(
    admin_client, hostile_registry
):
    registered = [model for model in admin.site._registry if model._meta.app_label in BUSINESS_APPS]
    shown_escaped = set()
    for model in registered:
        url = admin_url(model, "changelist")
        if ESCAPED in assert_escaped(admin_client.get(url), url):
            shown_escaped.add(model._meta.label)
        for pk in model.objects.order_by("pk").values_list("pk", flat=True)[:2]:
            url = admin_url(model, "change", pk)
            if ESCAPED in assert_escaped(admin_client.get(url), url):
                shown_escaped.add(model._meta.label)

    # Each model whose records exist and hold the payload shows it somewhere, escaped.
    with_payload = {
        model._meta.label
        for model in registered
        if model.objects.exists() and any(payload_for(f) for f in free_text_fields(model))
    }
    assert shown_escaped == with_payload
