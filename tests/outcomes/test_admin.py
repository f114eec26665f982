"""Back office for outcomes and targets.

Wang (`back_office_editor`) is the province's system administrator: every right on the records of
every district of Shanxi and on reference data, but no superuser flag; Li (`citizen`) has an
account but no back-office access. Per-district rights: tests/test_permission_matrix.py.
"""

from decimal import Decimal

import pytest
from django.utils import translation
from django.utils.html import escape
from django.utils.text import capfirst
from pytest_django.asserts import assertContains

from outcomes.models import Outcome, Target
from partnerships.admin import format_figure, format_quantity
from tests import factories
from tests.admin_helpers import (
    admin_url,
    changelist_queries,
    error_text,
    form_errors,
    list_filter_values,
    post_add,
)

pytestmark = pytest.mark.django_db


def _attributions() -> dict:
    """A project, its agreement, a sub-unit institution and an enterprise of one district."""
    district = factories.make_district()
    agreement = factories.make_agreement(district=district)
    parent = factories.make_institution(district=district)
    return {
        "project": factories.make_project(agreement=agreement),
        "agreement": agreement,
        "institution": factories.make_institution(parent=parent),
        "enterprise": factories.make_enterprise(district=district),
    }


def full_outcome():
    return factories.make_outcome(**_attributions())


def full_target():
    return factories.make_target(**_attributions())


# Each model with a factory for one record whose listed foreign keys are all filled.
MODELS = {Outcome: full_outcome, Target: full_target}
LABEL_FIELDS = {Outcome: "patent_number", Target: "quantity_is_stated"}
by_model = pytest.mark.parametrize("model", list(MODELS), ids=lambda model: model.__name__)


@by_model
def test_changelist_lists_the_record(editor_client, model):
    record = MODELS[model]()

    response = editor_client.get(admin_url(model, "changelist"))

    assertContains(response, escape(str(record)))
    assert record in response.context["cl"].result_list


@by_model
def test_add_page_shows_the_field_labels(editor_client, model):
    response = editor_client.get(admin_url(model, "add"))

    with translation.override("zh-hans"):
        label = str(capfirst(model._meta.get_field(LABEL_FIELDS[model]).verbose_name))
    assertContains(response, label)


@by_model
def test_change_page_shows_the_record(editor_client, model):
    record = MODELS[model]()

    response = editor_client.get(admin_url(model, "change", record.pk))

    assertContains(response, escape(str(record)))
    assert response.context["adminform"].form.instance == record


@by_model
def test_changelist_search_finds_only_the_record(editor_client, model):
    record = MODELS[model]()
    record.reported_text = "4700余万元"
    record.save(update_fields=["reported_text"])
    MODELS[model]()  # 6800多万元 or 1亿元

    response = editor_client.get(admin_url(model, "changelist"), {"q": "4700余万元"})

    assert list(response.context["cl"].result_list) == [record]


@by_model
def test_every_list_filter_value_lists_what_the_orm_finds(editor_client, model):
    record = MODELS[model]()
    shown, expected = {}, {}

    for parameter, value, lookup in list_filter_values(model, record):
        response = editor_client.get(admin_url(model, "changelist"), {parameter: value})
        shown[parameter, value] = {row.pk for row in response.context["cl"].result_list}
        expected[parameter, value] = set(
            model.objects.filter(**lookup).values_list("pk", flat=True)
        )

    assert shown == expected


@pytest.mark.parametrize(
    ("model", "queries"),
    [
        # For outcomes: 1 the session, 2 Wang, 3 his own permissions, 4 his groups'
        # permissions, 5 his district roles, 6 the districts his province role covers (the
        # permission policy: read once per request), 7 the districts of the district filter,
        # 8 count of the list, 9 the page of rows with project, agreement, institution (and its
        # parent), enterprise and source joined in, 10-12 the session saved again (savepoint,
        # update, release: the idle timeout slides, SESSION_SAVE_EVERY_REQUEST). No row adds a
        # query.
        (Outcome, 12),
        (Target, 12),
    ],
    ids=lambda value: getattr(value, "__name__", None),
)
def test_changelist_queries_do_not_grow_with_rows(editor_client, model, queries):
    MODELS[model]()
    one_row = changelist_queries(editor_client, model)
    MODELS[model]()
    MODELS[model]()
    three_rows = changelist_queries(editor_client, model)

    assert (one_row, three_rows) == (queries, queries)


@by_model
def test_anonymous_visitor_is_sent_to_the_login_page(client, model):
    url = admin_url(model, "changelist")

    response = client.get(url)

    assert (response.status_code, response.url) == (302, f"/admin/login/?next={url}")


@by_model
def test_citizen_without_staff_access_is_sent_to_the_login_page(client, citizen, model):
    client.force_login(citizen)
    url = admin_url(model, "changelist")

    response = client.get(url)

    assert (response.status_code, response.url) == (302, f"/admin/login/?next={url}")


# --- Figures as the list shows them ------------------------------------------------------------


def test_figure_keeps_its_qualifier_and_unit():
    with translation.override("en"):
        figures = [
            format_figure(Decimal("68000000.00"), "more_than", "元"),
            format_figure(Decimal("1500.00"), "about", "人次"),
            format_figure(Decimal("20.00"), "nearly", "项"),
            format_figure(Decimal("3.00"), "exact", "项"),
            format_figure(None, "exact", "项"),
        ]

    assert figures == [
        "more than 68000000 元",
        "about 1500 人次",
        "nearly 20 项",
        "3 项",
        None,
    ]


def test_quantity_drops_only_the_trailing_zeros_of_its_column():
    quantities = [Decimal("68000000.00"), Decimal("0.50"), Decimal("1E+3"), Decimal("120")]

    assert [format_quantity(q) for q in quantities] == ["68000000", "0.5", "1000", "120"]


def test_outcome_changelist_shows_the_figure_and_the_month_it_stands_at(editor_client):
    full_outcome()  # 6800多万元, cumulative as of May 2023

    response = editor_client.get(admin_url(Outcome, "changelist"), HTTP_ACCEPT_LANGUAGE="en")

    assertContains(response, "more than 68000000 yuan")
    assertContains(response, "May 2023")


# --- Saving through the admin ------------------------------------------------------------------


def _patent_values(project, source, **values) -> dict:
    return {
        "district": project.district_id,
        "project": project.pk,
        "kind": "patent",
        "form": "item",
        "quantity": "1",
        "unit": "item",
        "qualifier": "exact",
        "basis": "cumulative",
        "title": "一种数据采集装置",
        "source": source.pk,
        "source_passage": "获得发明专利授权",
    } | values


# A known counter-example: the check character should be 3.
WRONG_PATENT = "201810495832.X"


def test_outcome_with_a_wrong_patent_check_character_is_not_saved(editor_client):
    project, source = factories.make_project(), factories.make_source()

    response = post_add(
        editor_client, Outcome, _patent_values(project, source, patent_number=WRONG_PATENT)
    )

    assert response.status_code == 200
    assert list(form_errors(response)) == ["patent_number"]
    assert Outcome.objects.count() == 0


def test_outcome_patent_error_reads_in_english(editor_client):
    project, source = factories.make_project(), factories.make_source()

    response = post_add(
        editor_client,
        Outcome,
        _patent_values(project, source, patent_number=WRONG_PATENT),
        HTTP_ACCEPT_LANGUAGE="en",
    )

    assertContains(
        response,
        "The check character of the patent application number 201810495832.X should be 3, not X.",
    )
    assert Outcome.objects.count() == 0


def test_outcome_patent_error_reads_in_chinese(editor_client):
    project, source = factories.make_project(), factories.make_source()

    response = post_add(
        editor_client, Outcome, _patent_values(project, source, patent_number=WRONG_PATENT)
    )

    assert "校验" in error_text(response, "patent_number")


def test_outcome_with_a_valid_patent_number_is_saved_in_canonical_form(editor_client):
    project, source = factories.make_project(), factories.make_source()

    response = post_add(
        editor_client, Outcome, _patent_values(project, source, patent_number="ZL201910197190．3")
    )

    assert response.status_code == 302
    outcome = Outcome.objects.get()
    assert (outcome.patent_number, outcome.patent_type) == ("201910197190.3", "invention")


def test_outcome_of_another_districts_project_is_a_form_error(editor_client):
    project, source = factories.make_project(), factories.make_source()
    elsewhere = factories.make_district()

    response = post_add(
        editor_client,
        Outcome,
        _patent_values(project, source, district=elsewhere.pk, patent_number="201710601862.3"),
    )

    assert response.status_code == 200
    assert list(form_errors(response)) == ["project"]
    assert Outcome.objects.count() == 0
