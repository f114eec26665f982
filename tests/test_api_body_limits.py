"""Hostile request bodies: Zhang, an editor of 小店区 with a write token, sends JSON nested
100,000 levels deep and a body far over the limit. Each answers a JSON error in the client's
language before anything is written, with DEBUG off as in production.
"""

import pytest
from django.test import override_settings

from partnerships.models import AuditEntry, Institution

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("xiaodian")]

DEEP = 100_000


def counts() -> tuple[int, int]:
    return Institution.objects.count(), AuditEntry.objects.count()


@override_settings(DEBUG=False)
def test_json_nested_100000_levels_deep_answers_400_and_writes_nothing(editor_api):
    before = counts()
    body = "[" * DEEP + "]" * DEEP

    response = editor_api.post(
        "/api/v1/institutions/",
        body,
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )

    assert (response.status_code, response["Content-Type"]) == (400, "application/json")
    assert response.json() == {"detail": "JSON 嵌套层数过多：一条记录只需要几层。"}
    assert counts() == before


@override_settings(DEBUG=False)
def test_json_object_nested_deeply_inside_a_field_answers_400(editor_api, xiaodian):
    before = counts()
    body = f'{{"name": "x", "district_id": {xiaodian.pk}, "note": '
    body += '{"a": ' * DEEP + "1" + "}" * DEEP + "}"

    response = editor_api.post(
        "/api/v1/institutions/", body, content_type="application/json", HTTP_ACCEPT_LANGUAGE="en"
    )

    assert (response.status_code, response.json()) == (
        400,
        {"detail": "The JSON is nested too deeply: a record needs only a few levels."},
    )
    assert counts() == before


@override_settings(DEBUG=False, DATA_UPLOAD_MAX_MEMORY_SIZE=2_621_440)
def test_a_20_mb_body_answers_413_before_it_is_parsed(editor_api, xiaodian):
    before = counts()
    padding = "x" * (20 * 1024 * 1024)
    body = f'{{"name": "{padding}", "kind": "university", "district_id": {xiaodian.pk}}}'

    response = editor_api.post(
        "/api/v1/institutions/", body, content_type="application/json", HTTP_ACCEPT_LANGUAGE="en"
    )

    assert (response.status_code, response.json()) == (
        413,
        {"detail": "The request body is larger than 2621440 bytes, the most the API accepts."},
    )
    assert counts() == before


def test_malformed_json_says_so_in_the_clients_language(editor_api):
    before = counts()

    response = editor_api.post(
        "/api/v1/institutions/",
        '{"name": ',
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )

    assert (response.status_code, response.json()) == (
        400,
        {"detail": "请求内容不是有效的 JSON：Expecting value: line 1 column 10 (char 9)"},
    )
    assert counts() == before
