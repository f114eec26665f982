"""A database that cannot answer during validation is "busy, try again", never a false
duplicate (partnerships.models.AuditedModel.full_clean, DatabaseBusy).

Django's Q.check(), which validates the conditional unique constraints (patent number, software
copyright number), answers a database error with "violated". On PostgreSQL the test holds
`LOCK TABLE outcomes_outcome` from another connection while Zhang's system posts a reported
outcome; the other tests make the database fail the outcome table's queries at the driver
(a connection execute_wrapper), which runs on SQLite too.
"""

import threading
from contextlib import contextmanager

import pytest
from django.db import OperationalError, connection, connections, transaction

from outcomes.models import Outcome
from partnerships.choices import PublicationState
from tests import factories
from tests.admin_helpers import admin_url, form_data
from tests.outcomes.test_api import outcome_body
from tests.spreadsheet_helpers import csv_file, upload

BUSY_ZH = "数据库繁忙，本次未保存任何内容。请几秒钟后重试。"
postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="LOCK TABLE and lock_timeout are PostgreSQL's"
)


@contextmanager
def outcome_table_locked():
    """Another session holds ACCESS EXCLUSIVE on the outcomes table until the block ends."""
    locked, release = threading.Event(), threading.Event()

    def hold():
        try:
            with transaction.atomic():
                with connection.cursor() as cursor:
                    cursor.execute("LOCK TABLE outcomes_outcome IN ACCESS EXCLUSIVE MODE")
                locked.set()
                release.wait(timeout=10)
        finally:
            connections.close_all()

    holder = threading.Thread(target=hold)
    holder.start()
    assert locked.wait(timeout=10)
    try:
        yield
    finally:
        release.set()
        holder.join()


@contextmanager
def lock_timeout(milliseconds: int):
    with connection.cursor() as cursor:
        cursor.execute(f"SET lock_timeout = {int(milliseconds)}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET lock_timeout")


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_reported_outcome_posted_while_the_table_is_locked_is_503_not_a_duplicate(
    editor_api, xiaodian
):
    project = factories.make_project(district=xiaodian, state=PublicationState.PUBLISHED)
    body = outcome_body(project, factories.make_source())

    with lock_timeout(300), outcome_table_locked():
        response = editor_api.post("/api/v1/outcomes/", body, format="json")

    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert response.json() == {"detail": BUSY_ZH}
    assert Outcome.objects.count() == 0
    # The lock gone, the same request succeeds: it was never invalid.
    assert editor_api.post("/api/v1/outcomes/", body, format="json").status_code == 201


@contextmanager
def outcome_queries_fail():
    """The database fails every statement on the outcomes table, as under a lock timeout."""

    def fail(execute, sql, params, many, context):
        if '"outcomes_outcome"' in sql:
            raise OperationalError("canceling statement due to lock timeout")
        return execute(sql, params, many, context)

    with connection.execute_wrapper(fail):
        yield


def test_reported_outcome_without_the_database_is_503_in_the_api(editor_api, xiaodian):
    project = factories.make_project(district=xiaodian, state=PublicationState.PUBLISHED)
    body = outcome_body(project, factories.make_source())

    with outcome_queries_fail():
        response = editor_api.post("/api/v1/outcomes/", body, format="json")

    assert (response.status_code, response["Retry-After"]) == (503, "5")
    assert response.json() == {"detail": BUSY_ZH}
    assert Outcome.objects.count() == 0


def patent_body(project, source) -> dict:
    return outcome_body(project, source) | {
        "kind": "patent",
        "form": "item",
        "quantity": "1",
        "unit": "item",
        "qualifier": "exact",
        "basis": "cumulative",
        "period_start": None,
        "title": "一种数据采集装置",
        "patent_number": PATENT,
    }


PATENT = "202020411840.8"


def test_patent_uniqueness_unanswered_is_503_not_a_duplicate(editor_api, xiaodian):
    """The duplicate check itself fails: not "This patent is already recorded."."""
    project = factories.make_project(district=xiaodian, state=PublicationState.PUBLISHED)

    with outcome_queries_fail():
        response = editor_api.post(
            "/api/v1/outcomes/", patent_body(project, factories.make_source()), format="json"
        )

    assert (response.status_code, response["Retry-After"]) == (503, "5")
    assert response.json() == {"detail": BUSY_ZH}
    assert Outcome.objects.count() == 0


def test_outcome_validation_without_the_database_says_busy_in_the_admin(client, zhao, xiaodian):
    project = factories.make_project(district=xiaodian, state=PublicationState.PUBLISHED)
    source = factories.make_source()
    client.force_login(zhao)
    page = form_data(client.get(admin_url(Outcome, "add")))
    values = {
        "district": str(xiaodian.pk),
        "project": str(project.pk),
        "kind": "patent",
        "form": "item",
        "quantity": "1",
        "unit": "item",
        "qualifier": "exact",
        "basis": "cumulative",
        "title": "一种数据采集装置",
        "patent_number": PATENT,
        "source": str(source.pk),
        "source_passage": "获得发明专利授权",
    }

    with outcome_queries_fail():
        response = client.post(
            admin_url(Outcome, "add"), page | values, HTTP_ACCEPT_LANGUAGE="zh-hans"
        )

    assert response.status_code == 200
    assert response.context["adminform"].form.non_field_errors() == [BUSY_ZH]
    assert response.context["adminform"].form.errors.get("patent_number") is None
    assert Outcome.objects.count() == 0


def test_outcome_import_without_the_database_says_busy(client, zhao, xiaodian, settings, tmp_path):
    settings.IMPORT_UPLOAD_DIR = tmp_path
    project = factories.make_project(district=xiaodian, state=PublicationState.PUBLISHED)
    source = factories.make_source()
    client.force_login(zhao)
    headings = ["所属区县代码", "成果类型", "统计内容", "数量", "单位", "限定词", "原文数字"]
    cells = ["140105", "trainees", "培训", "2000", "person_time", "more_than", "2000余人次"]
    rows = [
        [*headings, "统计口径", "期间开始", "项目编号", "来源编号", "来源原文"],
        [*cells, "increment", "2022", str(project.pk), str(source.pk), "培训2000余人次。"],
    ]

    with outcome_queries_fail():
        response = upload(client, Outcome, csv_file(rows))

    assert response.status_code == 302
    followed = client.get(response["Location"], HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert [str(message) for message in followed.context["messages"]] == [BUSY_ZH]
    assert Outcome.objects.count() == 0


def test_reported_outcome_saved_without_the_database_says_busy_in_the_admin(client, zhao, xiaodian):
    """A reported figure has no number to check: its save is what waits for the lock."""
    project = factories.make_project(district=xiaodian, state=PublicationState.PUBLISHED)
    source = factories.make_source()
    client.force_login(zhao)
    page = form_data(client.get(admin_url(Outcome, "add")))
    values = {
        "district": str(xiaodian.pk),
        "project": str(project.pk),
        "kind": "trainees",
        "quantity": "2000",
        "unit": "person_time",
        "qualifier": "more_than",
        "reported_text": "2000余人次",
        "basis": "increment",
        "period_start": "2022-01-01",
        "period_start_precision": "year",
        "source": str(source.pk),
        "source_passage": "培训2000余人次。",
    }

    with outcome_queries_fail():
        response = client.post(
            admin_url(Outcome, "add"), page | values, HTTP_ACCEPT_LANGUAGE="zh-hans"
        )

    assert (response.status_code, response["Location"]) == (302, admin_url(Outcome, "add"))
    followed = client.get(response["Location"], HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert [str(message) for message in followed.context["messages"]] == [BUSY_ZH]
    assert Outcome.objects.count() == 0
