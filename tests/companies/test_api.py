"""REST API: enterprises with their certifications, and industry sectors.

Personas as in tests/partnerships/test_api.py (tests/conftest.py).
"""

import datetime

import pytest

from companies.choices import CertificationKind, SpecialisedTier
from companies.models import Enterprise, Sector
from partnerships.choices import PublicationState
from tests import factories

pytestmark = pytest.mark.django_db

PUBLISHED = PublicationState.PUBLISHED


def results(response) -> list[dict]:
    assert response.status_code == 200, response.content
    return response.json()["results"]


def ids(response) -> list[int]:
    return [row["id"] for row in results(response)]


def full_enterprise(district) -> Enterprise:
    """Sector, incubator, incubator project, source and two certifications filled in."""
    park = factories.make_institution(district=district, kind="research_institute", state=PUBLISHED)
    base = factories.make_project(district=district, state=PUBLISHED)
    enterprise = factories.make_enterprise(
        district=district,
        sector=factories.make_sector(),
        incubator=park,
        incubator_project=base,
        source=factories.make_source(),
        state=PUBLISHED,
    )
    factories.make_certification(enterprise=enterprise, source=factories.make_source())
    factories.make_certification(
        enterprise=enterprise,
        kind=CertificationKind.SPECIALISED,
        tier=SpecialisedTier.SPECIALISED_SME,
        certificate_number="",
        level="provincial",
    )
    return enterprise


def test_sectors_are_listed_by_code(anonymous_api):
    sector = factories.make_sector(name="谷物种植", name_en="Cereal growing")
    row = anonymous_api.get(f"/api/v1/sectors/{sector.pk}/").json()
    assert row == {
        "id": sector.pk,
        "code": sector.code,
        "name": "谷物种植",
        "name_en": "Cereal growing",
    }
    codes = [r["code"] for r in results(anonymous_api.get("/api/v1/sectors/", {"code": "A01"}))]
    assert codes == sorted(
        Sector.objects.filter(code__startswith="A01").values_list("code", flat=True)
    )


def test_an_enterprise_shows_its_certifications_and_sector(anonymous_api, xiaodian):
    enterprise = full_enterprise(xiaodian)
    row = anonymous_api.get(f"/api/v1/enterprises/{enterprise.pk}/").json()
    assert row["sector"] == {
        "id": enterprise.sector_id,
        "code": enterprise.sector.code,
        "name": enterprise.sector.name,
        "name_en": "",
    }
    assert row["incubator"]["id"] == enterprise.incubator_id
    assert row["incubator_project"]["id"] == enterprise.incubator_project_id
    assert row["founded_on"] == {"date": "2016-01-01", "precision": "year"}
    high_tech = enterprise.certifications.get(kind=CertificationKind.HIGH_TECH)
    assert row["certifications"][0] == {
        "id": high_tech.pk,
        "kind": "high_tech",
        "tier": "",
        "level": "",
        "title": "",
        "certificate_number": "GR202314000123",
        "issued_on": {"date": "2023-12-01", "precision": "month"},
        "valid_until": "2026-12-01",
        "year": None,
        "last_year": None,
        "batch": "",
        "stock_code": "",
        "source": {"id": high_tech.source_id, "title": high_tech.source.title, "url": ""},
        "source_passage": "",
    }
    assert [c["tier"] for c in row["certifications"]] == ["", "specialised_sme"]


def test_draft_enterprises_and_draft_incubators_stay_hidden(anonymous_api, xiaodian):
    draft_park = factories.make_institution(district=xiaodian, kind="research_institute")
    public = factories.make_enterprise(district=xiaodian, incubator=draft_park, state=PUBLISHED)
    draft = factories.make_enterprise(district=xiaodian)
    assert ids(anonymous_api.get("/api/v1/enterprises/")) == [public.pk]
    assert anonymous_api.get(f"/api/v1/enterprises/{draft.pk}/").status_code == 404
    assert anonymous_api.get(f"/api/v1/enterprises/{public.pk}/").json()["incubator"] is None


# Queries of an anonymous list of enterprises: 1 the enterprises with district, sector,
# incubator, incubator project and source joined; 2 the certifications with their sources.
LIST_QUERIES = {"sectors": 1, "enterprises": 2}
FULL_RECORD = {"sectors": lambda district: factories.make_sector(), "enterprises": full_enterprise}


@pytest.mark.parametrize("resource", LIST_QUERIES)
def test_list_queries_do_not_grow_with_rows(anonymous_api, queries_of, xiaodian, resource):
    url = f"/api/v1/{resource}/"
    params = {"code": "A01"} if resource == "sectors" else {}
    FULL_RECORD[resource](xiaodian)
    one_response, one = queries_of(anonymous_api, url, **params)
    FULL_RECORD[resource](xiaodian)
    FULL_RECORD[resource](xiaodian)
    three_response, three = queries_of(anonymous_api, url, **params)
    assert len(results(three_response)) == len(results(one_response)) + 2
    assert (len(one), len(three)) == (LIST_QUERIES[resource], LIST_QUERIES[resource])


def test_enterprises_filter_by_sector_certification_founding_and_text(
    anonymous_api, xiaodian, other_district
):
    certified = full_enterprise(xiaodian)
    young = factories.make_enterprise(
        district=other_district,
        name="山西智慧农业科技有限公司",
        founded_on=datetime.date(2020, 1, 1),
        state=PUBLISHED,
    )
    url = "/api/v1/enterprises/"
    assert ids(anonymous_api.get(url, {"sector_id": certified.sector_id})) == [certified.pk]
    assert ids(anonymous_api.get(url, {"certification_kind": "specialised"})) == [certified.pk]
    assert ids(anonymous_api.get(url, {"founded_after": "2019-01-01"})) == [young.pk]
    assert ids(anonymous_api.get(url, {"q": "智慧农业"})) == [young.pk]
    both = {"district_id": [xiaodian.pk, other_district.pk], "ordering": "-founded_on"}
    assert ids(anonymous_api.get(url, both)) == [young.pk, certified.pk]


def test_an_editor_creates_changes_and_deletes_an_enterprise(editor_api, xiaodian):
    sector = factories.make_sector()
    body = {
        "name": "太原市小店区某科技有限公司",
        "uscc": "91370000728611939a",
        "district_id": xiaodian.pk,
        "sector_id": sector.pk,
        "founded_on": {"date": "2016-01-01", "precision": "year"},
    }
    response = editor_api.post("/api/v1/enterprises/", body, format="json")
    assert response.status_code == 201, response.content
    enterprise = Enterprise.objects.get(pk=response.json()["id"])
    # Normalised by the model's clean(), as in the back office.
    assert (enterprise.uscc, enterprise.sector_id) == ("91370000728611939A", sector.pk)
    response = editor_api.patch(
        f"/api/v1/enterprises/{enterprise.pk}/", {"sector_id": None}, format="json"
    )
    assert (response.status_code, response.json()["sector"]) == (200, None)
    assert editor_api.delete(f"/api/v1/enterprises/{enterprise.pk}/").status_code == 204
    assert Enterprise.objects.count() == 0


def test_a_wrong_uscc_or_a_duplicate_name_is_refused(editor_api, xiaodian):
    factories.make_enterprise(district=xiaodian, name="重名公司")
    good = {"name": "某公司", "district_id": xiaodian.pk}
    for body, field in (
        (good | {"uscc": "91370000728611939B"}, "uscc"),
        (good | {"founded_on": {"date": "2016-03-05", "precision": "year"}}, "founded_on"),
        (good | {"sector_id": 10**12}, "sector_id"),
        (good | {"name": "重名公司"}, "non_field_errors"),
    ):
        response = editor_api.post("/api/v1/enterprises/", body, format="json")
        assert (response.status_code, field in response.json()) == (400, True), response.content
    assert Enterprise.objects.count() == 1
