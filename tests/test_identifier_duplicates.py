"""A duplicate identifier says "already recorded" and nothing about the record that holds it.

Patent numbers, software copyright numbers, unified social credit codes and ROR ids are unique
across the whole registry (one patent is one thing, whichever district records it), so entering
one that 迎泽区 holds in a draft must be refused, and the refusal necessarily tells that the
number is recorded. It tells nothing more: no id, title, link or district of the draft.

Personas: Zhang (`editor_api`, 小店区, write token) and 小店区's back-office editor try the
numbers 迎泽区 (`other_district`) has in drafts nobody outside it may see.
"""

from decimal import Decimal

import pytest

from companies.models import Enterprise
from outcomes.models import Outcome
from partnerships.choices import StaffRole
from partnerships.models import Institution
from tests import factories
from tests.admin_helpers import post_add

PATENT = "201910197190.3"
SOFTWARE = "2021SR0123456"
USCC = "12100000400000624D"
COMPANY_USCC = "91370000728611939A"
ROR = "03cve4549"
SECRET = "未公开"


@pytest.fixture
def drafts_elsewhere(other_district):
    project = factories.make_project(district=other_district, title=f"{SECRET}的项目")
    item = {"kind": "patent", "unit": "item", "quantity": Decimal(1), "qualifier": "exact"}
    patent = factories.make_outcome(
        project=project, form="item", patent_number=PATENT, title=f"{SECRET}的专利", **item
    )
    software = factories.make_outcome(
        project=project,
        form="item",
        title=f"{SECRET}的软件",
        **item | {"kind": "software_copyright"},
        software_copyright_number=SOFTWARE,
    )
    institution = factories.make_institution(
        district=other_district, name=f"{SECRET}研究院", uscc=USCC, ror_id=ROR
    )
    company = factories.make_enterprise(
        district=other_district, name=f"{SECRET}科技有限公司", uscc=COMPANY_USCC
    )
    return [project, patent, software, institution, company]


def assert_nothing_revealed(text: str, drafts, other_district):
    assert (SECRET in text, other_district.name in text) == (False, False)
    for record in drafts:
        assert f"/{record.pk}/" not in text


def item_body(project, source, **fields) -> dict:
    return {
        "district_id": project.district_id,
        "project_id": project.pk,
        "form": "item",
        "kind": "patent",
        "unit": "item",
        "quantity": "1",
        "qualifier": "exact",
        "basis": "cumulative",
        "title": "我们的专利",
        "source_id": source.pk,
        "source_passage": "获得发明专利1项。",
    } | fields


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"patent_number": PATENT}, {"patent_number": ["该专利已登记，请勿重复录入。"]}),
        (
            {"kind": "software_copyright", "software_copyright_number": SOFTWARE},
            {"software_copyright_number": ["该软件著作权已登记，请勿重复录入。"]},
        ),
    ],
)
def test_a_duplicate_number_of_another_districts_draft_outcome_reveals_nothing_by_api(
    editor_api, xiaodian, other_district, drafts_elsewhere, fields, expected
):
    project = factories.make_project(district=xiaodian)
    body = item_body(project, factories.make_source(), **fields)
    response = editor_api.post("/api/v1/outcomes/", body, format="json")
    assert (response.status_code, response.json()) == (400, expected)
    assert_nothing_revealed(response.content.decode(), drafts_elsewhere, other_district)
    assert Outcome.objects.filter(district=xiaodian).count() == 0


@pytest.mark.parametrize(
    ("url", "body", "expected"),
    [
        (
            "/api/v1/institutions/",
            {"name": "我们的研究院", "kind": "research_institute", "uscc": USCC},
            {"uscc": ["已有其他机构使用该统一社会信用代码，请核对是否重复录入或代码有误。"]},
        ),
        (
            "/api/v1/institutions/",
            {"name": "我们的研究院", "kind": "research_institute", "ror_id": ROR},
            {"ror_id": ["已有其他机构使用该ROR标识，请核对是否重复录入或标识有误。"]},
        ),
        (
            "/api/v1/enterprises/",
            {"name": "我们的公司", "uscc": COMPANY_USCC},
            {"uscc": ["已有其他企业使用该统一社会信用代码，请核对是否重复录入或代码有误。"]},
        ),
    ],
)
def test_a_duplicate_code_of_another_districts_draft_reveals_nothing_by_api(
    editor_api, xiaodian, other_district, drafts_elsewhere, url, body, expected
):
    counts = (Institution.objects.count(), Enterprise.objects.count())
    response = editor_api.post(url, body | {"district_id": xiaodian.pk}, format="json")
    assert (response.status_code, response.json()) == (400, expected)
    assert_nothing_revealed(response.content.decode(), drafts_elsewhere, other_district)
    assert (Institution.objects.count(), Enterprise.objects.count()) == counts


def test_a_duplicate_code_of_another_districts_draft_reveals_nothing_in_the_back_office(
    client, roles, xiaodian, other_district, drafts_elsewhere
):
    client.force_login(factories.make_staff("qian", xiaodian, StaffRole.EDITOR))
    response = post_add(
        client,
        Institution,
        {
            "name": "我们的研究院",
            "kind": "research_institute",
            "district": xiaodian.pk,
            "uscc": USCC,
        },
    )
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert errors == {
        "__all__": ["已有其他机构使用该统一社会信用代码，请核对是否重复录入或代码有误。"]
    }
    assert_nothing_revealed(response.content.decode(), drafts_elsewhere, other_district)
    assert Institution.objects.filter(district=xiaodian).count() == 0
