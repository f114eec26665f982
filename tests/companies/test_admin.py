"""Back office for sectors, enterprises and certifications.

Wang (`back_office_editor`) is the province's system administrator: every right on the records of
every district of Shanxi and on reference data, but no superuser flag; Li (`citizen`) has an
account but no back-office access. Per-district rights: tests/test_permission_matrix.py.
"""

import pytest
from django.utils import translation
from django.utils.html import escape
from django.utils.text import capfirst
from pytest_django.asserts import assertContains

from companies.models import Certification, Enterprise, Sector
from partnerships import validators
from tests import factories
from tests.admin_helpers import (
    admin_url,
    changelist_queries,
    error_text,
    form_errors,
    list_filter_values,
    post_add,
    warnings,
)

pytestmark = pytest.mark.django_db


def full_enterprise():
    """Every listed foreign key filled; the incubator is a sub-unit, named with its parent."""
    incubator = factories.make_institution(parent=factories.make_institution())
    base = factories.make_project()  # the incubator project is one of the enterprise's district
    return factories.make_enterprise(
        district=base.district,
        sector=factories.make_sector(),
        incubator=incubator,
        incubator_project=base,
    )


# Each model with a factory for one record whose listed foreign keys are all filled, and what
# the changelist search finds it by.
MODELS = {
    Sector: (factories.make_sector, lambda sector: sector.code),
    Enterprise: (full_enterprise, lambda enterprise: enterprise.name),
    Certification: (factories.make_certification, lambda cert: cert.enterprise.name),
}
# One example field label per add page.
LABEL_FIELDS = {Sector: "name_en", Enterprise: "founded_on_precision", Certification: "stock_code"}
by_model = pytest.mark.parametrize("model", list(MODELS), ids=lambda model: model.__name__)


@by_model
def test_changelist_lists_the_record(editor_client, model):
    record = MODELS[model][0]()

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
    record = MODELS[model][0]()

    response = editor_client.get(admin_url(model, "change", record.pk))

    assertContains(response, escape(str(record)))
    assert response.context["adminform"].form.instance == record


@by_model
def test_changelist_search_finds_only_the_record(editor_client, model):
    factory, term = MODELS[model]
    record = factory()
    factory()

    response = editor_client.get(admin_url(model, "changelist"), {"q": term(record)})

    assert list(response.context["cl"].result_list) == [record]


@by_model
def test_every_list_filter_value_lists_what_the_orm_finds(editor_client, model):
    record = MODELS[model][0]()
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
        (Sector, 12),
        # For enterprises: 1 the session, 2 Wang, 3 his own permissions, 4 his groups'
        # permissions, 5 his district roles, 6 the districts his province role covers (the
        # permission policy: read once per request), 7 the districts of the district filter,
        # 8 count of the list, 9 the page of rows with their district, sector, incubator and
        # the incubator's parent joined in, 10-12 the session saved again (savepoint, update,
        # release: the idle timeout slides, SESSION_SAVE_EVERY_REQUEST). No row adds a query.
        (Enterprise, 12),
        (Certification, 11),
    ],
    ids=lambda value: getattr(value, "__name__", None),
)
def test_changelist_queries_do_not_grow_with_rows(editor_client, model, queries):
    factory = MODELS[model][0]
    factory()
    one_row = changelist_queries(editor_client, model)
    factory()
    factory()
    three_rows = changelist_queries(editor_client, model)

    assert (one_row, three_rows) == (queries, queries)


@pytest.mark.parametrize("model", list(MODELS), ids=lambda model: model.__name__)
def test_anonymous_visitor_is_sent_to_the_login_page(client, model):
    url = admin_url(model, "changelist")

    response = client.get(url)

    assert (response.status_code, response.url) == (302, f"/admin/login/?next={url}")


@pytest.mark.parametrize("model", list(MODELS), ids=lambda model: model.__name__)
def test_citizen_without_staff_access_is_sent_to_the_login_page(client, citizen, model):
    client.force_login(citizen)
    url = admin_url(model, "changelist")

    response = client.get(url)

    assert (response.status_code, response.url) == (302, f"/admin/login/?next={url}")


# --- Saving through the admin ------------------------------------------------------------------


def _enterprise_values(district, **values) -> dict:
    return {"name": "山西数据科技有限公司", "district": district.pk} | values


# The standard's own counter-example (GB 32100-2015): the check character should be 3.
WRONG_CHECK = "91350100M000100Y4Z"


def test_enterprise_with_a_wrong_uscc_check_character_is_not_saved(editor_client):
    district = factories.make_district()

    response = post_add(editor_client, Enterprise, _enterprise_values(district, uscc=WRONG_CHECK))

    assert response.status_code == 200
    assert [error.code for error in form_errors(response)["uscc"]] == ["uscc_check"]
    assert Enterprise.objects.count() == 0


def test_enterprise_uscc_error_reads_in_english(editor_client):
    district = factories.make_district()

    response = post_add(
        editor_client,
        Enterprise,
        _enterprise_values(district, uscc=WRONG_CHECK),
        HTTP_ACCEPT_LANGUAGE="en",
    )

    assertContains(
        response,
        "The last character of the unified social credit code 91350100M000100Y4Z should be 3, "
        "not Z.",
    )
    assert Enterprise.objects.count() == 0


def test_enterprise_uscc_error_reads_in_chinese(editor_client):
    district = factories.make_district()

    response = post_add(editor_client, Enterprise, _enterprise_values(district, uscc=WRONG_CHECK))

    assert "统一社会信用代码" in error_text(response, "uscc")


def test_enterprise_with_an_institution_style_uscc_is_saved_with_a_warning(editor_client):
    district = factories.make_district()

    response = post_add(
        editor_client,
        Enterprise,
        _enterprise_values(district, uscc="12100000400000624D"),
        follow=True,
    )

    with translation.override("zh-hans"):
        expected = validators.uscc_warning("12100000400000624D", expected_prefixes="9")
    assert Enterprise.objects.get().uscc == "12100000400000624D"
    assert warnings(response) == [expected]


def test_enterprise_uscc_is_saved_normalised_without_warning(editor_client):
    district = factories.make_district()

    response = post_add(
        editor_client,
        Enterprise,
        _enterprise_values(district, uscc="9137 0000 7286 11939a"),
        follow=True,
    )

    assert Enterprise.objects.get().uscc == "91370000728611939A"
    assert warnings(response) == []


def test_enterprise_is_saved_with_its_certification(editor_client):
    district = factories.make_district()
    values = _enterprise_values(district) | {
        "certifications-TOTAL_FORMS": "1",
        "certifications-0-kind": "high_tech",
        "certifications-0-certificate_number": "GR202314000123",
        "certifications-0-issued_on": "2023-12-01",
        "certifications-0-issued_on_precision": "month",
    }

    response = post_add(editor_client, Enterprise, values)

    assert response.status_code == 302
    certification = Certification.objects.get()
    assert (certification.enterprise, certification.certificate_number) == (
        Enterprise.objects.get(),
        "GR202314000123",
    )


def test_certification_with_a_tier_on_another_kind_is_a_form_error(editor_client):
    enterprise = factories.make_enterprise()
    values = {"enterprise": enterprise.pk, "kind": "high_tech", "tier": "little_giant"}

    response = post_add(editor_client, Certification, values)

    assert response.status_code == 200
    assert "tier" in form_errors(response)
    assert Certification.objects.count() == 0
