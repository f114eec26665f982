"""Back office for districts, sources, institutions, agreements and projects.

Wang (`back_office_editor`) is the province's system administrator: every right on the records of
every district of Shanxi and on reference data, but no superuser flag; Li (`citizen`) has an
account but no back-office access. Per-district rights: tests/test_permission_matrix.py.
"""

import pytest
from django.utils import translation
from django.utils.html import escape
from django.utils.text import capfirst
from pytest_django.asserts import assertContains

from companies.models import AgreementEnterprise
from outcomes.models import Outcome
from partnerships import validators
from partnerships.models import Agreement, AgreementParty, District, Institution, Project, Source
from tests import factories
from tests.admin_helpers import (
    admin_url,
    changelist_queries,
    error_text,
    form_errors,
    list_filter_values,
    post_add,
    post_change,
    warnings,
)

pytestmark = pytest.mark.django_db


def full_institution():
    """A sub-unit: its name column prints its parent's name too."""
    return factories.make_institution(parent=factories.make_institution())


def full_agreement():
    """A second phase: its row shows the district and the agreement it is part of."""
    return factories.make_agreement(part_of=factories.make_agreement())


def full_project():
    return factories.make_project(agreement=factories.make_agreement())


# Each model with a factory for one record whose listed foreign keys are all filled, and a field
# of it the changelist search finds it by.
MODELS = {
    District: (factories.make_district, "name"),
    Source: (factories.make_source, "title"),
    Institution: (full_institution, "name"),
    Agreement: (full_agreement, "title"),
    Project: (full_project, "title"),
}
# One example field label per add page.
LABEL_FIELDS = {
    District: "code",
    Source: "publisher",
    Institution: "school_code",
    Agreement: "signed_on_precision",
    Project: "floor_area_qualifier",
}
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
    factory, field = MODELS[model]
    record = factory()
    factory()

    response = editor_client.get(admin_url(model, "changelist"), {"q": getattr(record, field)})

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


# The query string narrows the list to the rows the factory made for institutions and
# agreements, whose parent records would otherwise be listed too.
@pytest.mark.parametrize(
    ("model", "query", "queries"),
    [
        # For districts: 1 the session, 2 Wang, 3 his own permissions, 4 his groups'
        # permissions (both read once per request, then cached on the user), 5 his district
        # roles, 6 the districts his province role covers (both read once per request: the
        # permission policy, which narrows lists and actions to his districts), 7 count of the
        # filtered list, 8 count of the whole table (the same here: no filter), 9 the page of
        # rows, 10-12 the session saved again (savepoint, update, release: the idle timeout
        # slides, SESSION_SAVE_EVERY_REQUEST). No row adds a query.
        (District, "", 12),
        (Source, "", 12),
        (Institution, "?kind__exact=college", 12),
        (Agreement, "?kind__exact=co_build", 12),
        (Project, "", 12),
    ],
    ids=lambda value: getattr(value, "__name__", None),
)
def test_changelist_queries_do_not_grow_with_rows(editor_client, model, query, queries):
    factory = MODELS[model][0]
    factory()
    one_row = changelist_queries(editor_client, model, query)
    factory()
    factory()
    three_rows = changelist_queries(editor_client, model, query)

    assert (one_row, three_rows) == (queries, queries)


def test_agreement_changelist_prints_a_month_date_without_a_day(editor_client):
    factories.make_agreement()  # signed in March 2019, the day unknown

    response = editor_client.get(admin_url(Agreement, "changelist"))

    assertContains(response, "2019年3月")
    assert "2019年3月1日" not in response.content.decode()


@pytest.mark.parametrize("model", [District, Source, Institution, Agreement, Project])
def test_anonymous_visitor_is_sent_to_the_login_page(client, model):
    url = admin_url(model, "changelist")

    response = client.get(url)

    assert (response.status_code, response.url) == (302, f"/admin/login/?next={url}")


@pytest.mark.parametrize("model", [District, Source, Institution, Agreement, Project])
def test_citizen_without_staff_access_is_sent_to_the_login_page(client, citizen, model):
    client.force_login(citizen)
    url = admin_url(model, "changelist")

    response = client.get(url)

    assert (response.status_code, response.url) == (302, f"/admin/login/?next={url}")


# --- Saving through the admin ------------------------------------------------------------------


def _institution_values(district, **values) -> dict:
    return {"name": "山西大学", "kind": "university", "district": district.pk} | values


def test_institution_with_an_enterprise_style_uscc_is_saved_with_a_warning(editor_client):
    district = factories.make_district()

    response = post_add(
        editor_client,
        Institution,
        _institution_values(district, uscc="91370000728611939A"),
        follow=True,
    )

    with translation.override("zh-hans"):
        expected = validators.uscc_warning("91370000728611939A", expected_prefixes="15")
    assert Institution.objects.get().uscc == "91370000728611939A"
    assert warnings(response) == [expected]


def test_institution_with_a_public_institution_uscc_is_saved_without_warning(editor_client):
    district = factories.make_district()

    response = post_add(
        editor_client,
        Institution,
        _institution_values(district, uscc="12100000400010056C"),
        follow=True,
    )

    assert Institution.objects.get().uscc == "12100000400010056C"
    assert warnings(response) == []


def _agreement_values(district, **values) -> dict:
    return {"title": "校地合作框架协议", "district": district.pk, "kind": "framework"} | values


MID_MONTH = {"signed_on": "2019-03-15", "signed_on_precision": "month"}


def test_agreement_known_to_the_month_but_dated_mid_month_is_not_saved(editor_client):
    district = factories.make_district()

    response = post_add(editor_client, Agreement, _agreement_values(district, **MID_MONTH))

    assert response.status_code == 200
    assert list(form_errors(response)) == ["signed_on"]
    assert Agreement.objects.count() == 0


def test_agreement_mid_month_error_reads_in_english(editor_client):
    district = factories.make_district()

    response = post_add(
        editor_client,
        Agreement,
        _agreement_values(district, **MID_MONTH),
        HTTP_ACCEPT_LANGUAGE="en",
    )

    assertContains(
        response, "A date known only to the month is stored as the 1st; set the day to 1."
    )
    assert Agreement.objects.count() == 0


def test_agreement_mid_month_error_reads_in_chinese(editor_client):
    district = factories.make_district()

    response = post_add(editor_client, Agreement, _agreement_values(district, **MID_MONTH))

    assert "月" in error_text(response, "signed_on")


def test_agreement_is_saved_with_its_institution_and_enterprise_parties(editor_client):
    district = factories.make_district()
    university = factories.make_institution(district=district)
    enterprise = factories.make_enterprise(district=district)
    values = _agreement_values(district) | {
        "parties-TOTAL_FORMS": "2",
        "parties-0-district": district.pk,
        "parties-0-role": "government",
        "parties-1-institution": university.pk,
        "parties-1-role": "partner",
        "enterprise_parties-TOTAL_FORMS": "1",
        "enterprise_parties-0-enterprise": enterprise.pk,
        "enterprise_parties-0-role": "enterprise",
    }

    response = post_add(editor_client, Agreement, values)

    assert response.status_code == 302
    agreement = Agreement.objects.get()
    assert list(AgreementParty.objects.values_list("agreement", "district", "institution")) == [
        (agreement.pk, district.pk, None),
        (agreement.pk, None, university.pk),
    ]
    assert list(AgreementEnterprise.objects.values_list("agreement", "enterprise")) == [
        (agreement.pk, enterprise.pk)
    ]


def test_agreement_party_with_neither_district_nor_institution_is_an_error(editor_client):
    district = factories.make_district()
    values = _agreement_values(district) | {
        "parties-TOTAL_FORMS": "1",
        "parties-0-role": "partner",
    }

    response = post_add(editor_client, Agreement, values, HTTP_ACCEPT_LANGUAGE="en")

    (constraint,) = (c for c in AgreementParty._meta.constraints if c.name.endswith("exactly_one"))
    with translation.override("en"):
        assertContains(response, escape(constraint.violation_error_message))
    assert Agreement.objects.count() == 0


def _project_values(district, **values) -> dict:
    return {
        "title": "大数据产业孵化基地",
        "district": district.pk,
        "kind": "base_platform",
        "field": "big_data_it",
    } | values


BACKWARDS = {"starts_on": "2020-05-01", "ends_on": "2019-05-01"}


def test_project_ending_before_it_starts_is_not_saved(editor_client):
    district = factories.make_district()

    response = post_add(editor_client, Project, _project_values(district, **BACKWARDS))

    assert response.status_code == 200
    assert "ends_on" in form_errors(response)
    assert Project.objects.count() == 0


def test_project_ending_before_it_starts_error_reads_in_english(editor_client):
    district = factories.make_district()

    response = post_add(
        editor_client, Project, _project_values(district, **BACKWARDS), HTTP_ACCEPT_LANGUAGE="en"
    )

    assertContains(response, "The project cannot end before it starts.")
    assert Project.objects.count() == 0


def test_project_ending_before_it_starts_error_reads_in_chinese(editor_client):
    district = factories.make_district()

    response = post_add(editor_client, Project, _project_values(district, **BACKWARDS))

    assert "开始" in error_text(response, "ends_on")


def _outcome_row(source, **values) -> dict:
    row = {
        "kind": "revenue",
        "quantity": "68000000",
        "unit": "yuan",
        "qualifier": "more_than",
        "reported_text": "6800多万元",
        "basis": "cumulative",
        "source": source.pk,
        "source_passage": factories.PASSAGE,
    } | values
    return {"outcomes-TOTAL_FORMS": "1"} | {f"outcomes-0-{k}": v for k, v in row.items()}


def test_project_add_page_offers_outcomes_only_once_the_project_is_saved(editor_client):
    project = factories.make_project()

    add_page = editor_client.get(admin_url(Project, "add"))
    change_page = editor_client.get(admin_url(Project, "change", project.pk))

    prefixes = [
        [inline.formset.prefix for inline in page.context["inline_admin_formsets"]]
        for page in (add_page, change_page)
    ]
    assert prefixes == [
        ["participants", "enterprise_participants"],
        ["participants", "enterprise_participants", "outcomes"],
    ]


def test_outcome_added_on_the_project_page_belongs_to_the_projects_district(editor_client):
    project = factories.make_project()
    source = factories.make_source()

    response = post_change(editor_client, project, _outcome_row(source))

    assert response.status_code == 302
    outcome = Outcome.objects.get()
    assert (outcome.project, outcome.district) == (project, project.district)


def test_outcome_row_error_on_a_field_the_row_lacks_is_shown_not_a_crash(editor_client):
    """An increment needs a period, which the compact row has no column for."""
    project = factories.make_project()
    source = factories.make_source()

    response = post_change(
        editor_client,
        project,
        _outcome_row(source, basis="increment"),
        HTTP_ACCEPT_LANGUAGE="en",
    )

    assertContains(response, "Period start: Enter the period the increment covers.")
    assert Outcome.objects.count() == 0
