"""Conditional requests: a strong ETag on every read, 304 when unchanged, and 412 for a write
based on a stale read, so that the newer value survives (lost-update protection)."""

import pytest
from rest_framework.test import APIClient

from partnerships.choices import PublicationState, TokenScope
from partnerships.models import Institution
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def institution(xiaodian):
    return factories.make_institution(
        district=xiaodian, name="山西大学", state=PublicationState.PUBLISHED
    )


@pytest.fixture
def draft(xiaodian):
    """A draft of 小店区: what its editor Zhang may change and delete (a published record is a
    publisher's, see tests/test_permission_matrix.py)."""
    return factories.make_institution(district=xiaodian, name="山西大学")


@pytest.mark.parametrize("url", ["/api/v1/institutions/", "/api/v1/districts/"])
def test_a_list_answers_304_while_it_is_unchanged(anonymous_api, institution, url):
    first = anonymous_api.get(url)
    etag = first["ETag"]
    assert etag.startswith('"') and etag.endswith('"')
    again = anonymous_api.get(url, HTTP_IF_NONE_MATCH=etag)
    assert (again.status_code, again.content, again["ETag"]) == (304, b"", etag)
    assert again["X-RateLimit-Limit"] == "60"


def test_a_detail_changes_its_etag_when_the_record_changes(anonymous_api, institution):
    url = f"/api/v1/institutions/{institution.pk}/"
    etag = anonymous_api.get(url)["ETag"]
    institution.name_en = "Shanxi University"
    institution.save()
    changed = anonymous_api.get(url, HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200
    assert changed["ETag"] != etag
    assert changed.json()["name_en"] == "Shanxi University"


def test_csv_and_json_of_one_list_have_different_etags(anonymous_api, institution):
    json_etag = anonymous_api.get("/api/v1/institutions/")["ETag"]
    csv_etag = anonymous_api.get("/api/v1/institutions/", {"format": "csv"})["ETag"]
    assert json_etag != csv_etag


def test_a_stale_write_answers_412_and_the_newer_value_survives(editor_api, api_editor, draft):
    url = f"/api/v1/institutions/{draft.pk}/"
    read = editor_api.get(url)
    stale_etag = read["ETag"]
    # A second client, with its own token, changes the record in between.
    second = APIClient(
        HTTP_AUTHORIZATION=f"Bearer {factories.make_token(api_editor, TokenScope.WRITE)}"
    )
    assert second.patch(url, {"name_en": "Shanxi University"}, format="json").status_code == 200

    body = read.json() | {"district_id": draft.district_id, "name_en": "Shanxi Univ."}
    response = editor_api.put(url, body, format="json", HTTP_IF_MATCH=stale_etag)
    assert response.status_code == 412
    assert editor_api.delete(url, HTTP_IF_MATCH=stale_etag).status_code == 412
    assert Institution.objects.get().name_en == "Shanxi University"


def test_a_write_with_the_current_etag_succeeds_and_returns_the_new_one(editor_api, draft):
    url = f"/api/v1/institutions/{draft.pk}/"
    current = editor_api.get(url)["ETag"]
    response = editor_api.patch(
        url, {"short_name": "山大"}, format="json", HTTP_IF_MATCH=f'W/"x", {current}'
    )
    assert response.status_code == 200
    assert response["ETag"] != current
    # The new ETag is the one the next read carries.
    assert editor_api.get(url)["ETag"] == response["ETag"]
    assert editor_api.delete(url, HTTP_IF_MATCH=response["ETag"]).status_code == 204
