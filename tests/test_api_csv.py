"""CSV on every list: Excel-friendly (UTF-8 with a BOM), nested objects in dotted columns,
lists as JSON in one cell, the next page in a Link header, and no cell a spreadsheet would run
as a formula."""

import csv
import io
import json

import pytest

from partnerships.api.renderers import csv_text
from partnerships.choices import PartyRole, PublicationState
from tests import factories

pytestmark = pytest.mark.django_db

PUBLISHED = PublicationState.PUBLISHED


def table(response) -> list[dict]:
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response.content.startswith("\ufeff".encode())
    return list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
        ("+86 351", "'+86 351"),
        ("-1", "'-1"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tcmd", "'\tcmd"),
        ("\rcmd", "'\rcmd"),
        ("山西大学", "山西大学"),
        ("1+1", "1+1"),
        (None, ""),
        (True, "true"),
        ([{"id": 1, "name": "小店区"}], '[{"id": 1, "name": "小店区"}]'),
    ],
)
def test_a_cell_is_never_a_formula(value, cell):
    assert csv_text(value) == cell


def test_a_list_in_csv_has_dotted_columns_and_escaped_cells(anonymous_api, xiaodian):
    parent = factories.make_institution(district=xiaodian, name="山西大学", state=PUBLISHED)
    factories.make_institution(
        parent=parent, name="=cmd|' /C calc'!A0", description="@恶意", state=PUBLISHED
    )
    rows = table(anonymous_api.get("/api/v1/institutions/", {"format": "csv", "ordering": "id"}))
    assert list(rows[0])[:12] == [
        "id",
        "name",
        "name_en",
        "short_name",
        "kind",
        "parent.id",
        "parent.name",
        "parent.name_en",
        "sub_units",
        "district.id",
        "district.code",
        "district.name",
    ]
    university, college = rows
    assert (university["parent.id"], university["district.name"]) == ("", "小店区")
    assert json.loads(university["sub_units"]) == [
        {"id": parent.sub_units.get().pk, "name": "=cmd|' /C calc'!A0", "name_en": ""}
    ]
    assert (college["name"], college["description"]) == ("'=cmd|' /C calc'!A0", "'@恶意")
    assert college["parent.name"] == "山西大学"


def test_accept_text_csv_chooses_csv(anonymous_api, xiaodian):
    factories.make_district()
    response = anonymous_api.get("/api/v1/districts/", HTTP_ACCEPT="text/csv")
    assert [row["code"] for row in table(response)] == ["140105", "140106"]
    assert anonymous_api.get("/api/v1/districts/")["Content-Type"] == "application/json"


def test_partial_dates_and_participants_fit_in_cells(anonymous_api, xiaodian):
    project = factories.make_project(district=xiaodian, state=PUBLISHED)
    factories.make_project_participant(project=project, district=xiaodian, role=PartyRole.SPONSOR)
    (row,) = table(anonymous_api.get("/api/v1/projects/", {"format": "csv"}))
    assert (row["starts_on.date"], row["starts_on.precision"]) == ("2019-03-01", "month")
    assert (row["ends_on.date"], row["agreement.id"]) == ("", "")
    assert [p["role"] for p in json.loads(row["participants"])] == ["sponsor"]


def test_csv_pages_carry_the_next_link_in_a_header(anonymous_api, xiaodian):
    for _ in range(3):
        factories.make_cited_source(district=xiaodian)
    first = anonymous_api.get("/api/v1/sources/", {"format": "csv", "page_size": 2})
    assert len(table(first)) == 2
    link = first["Link"]
    assert link.endswith('rel="next"')
    second = anonymous_api.get(link[1 : link.index(">")])
    assert len(table(second)) == 1
    assert "Link" not in second or 'rel="next"' not in second["Link"]


def test_an_empty_list_still_has_its_header(anonymous_api):
    response = anonymous_api.get("/api/v1/outcomes/", {"format": "csv"})
    header = response.content.decode("utf-8-sig").splitlines()[0]
    assert header.startswith("id,district.id,district.code,district.name,district.name_en,kind,")


def test_the_deletions_feed_in_csv(anonymous_api, xiaodian):
    since = "2000-01-01T00:00:00Z"
    record = factories.make_enterprise(district=xiaodian, state=PUBLISHED)
    record_id = record.pk
    record.delete()
    (row,) = table(anonymous_api.get("/api/v1/deletions/", {"since": since, "format": "csv"}))
    assert (row["type"], row["id"]) == ("enterprises", str(record_id))
