"""The data version that keys every cached total (partnerships.models.DataVersion).

It must move exactly when business data changes, and become visible exactly when that change
commits: a total cached under a version is then never older than the data of that version. Two
stories: Liu withdraws a project while somebody else's write commits (PostgreSQL, real threads
and connections), and the events that are not business writes — log-ins, failed log-ins,
imports and exports — leave the version, and the cached totals, alone.
"""

import threading

import pytest
from django.contrib.auth.models import User
from django.db import IntegrityError, connection, connections, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from partnerships.choices import AuditAction, PublicationState, StaffRole
from partnerships.models import AuditEntry, DataVersion, Project, Source
from partnerships.services import record_publish, record_submit, record_withdraw
from tests import factories
from tests.public_helpers import make_public_project
from tests.spreadsheet_helpers import export, exported_rows, import_file, xlsx_file

STATS = "/api/v1/stats/outcomes/"


def counted_outcome_ids(api) -> set[int]:
    response = api.get(STATS)
    assert response.status_code == 200, response.content
    return {pk for group in response.json()["groups"] for pk in group["outcome_ids"]}


def outcome_ids_of(project) -> set[int]:
    return set(project.outcomes.values_list("pk", flat=True))


def version() -> int:
    return DataVersion.objects.current()


# --- A withdrawal held open while another write commits (PostgreSQL) ------------------------------


def _in_own_connection(work, failures):
    """Run `work` in this thread's own database connection, as a second worker would."""
    try:
        work()
    except Exception as error:  # handed to the test, which fails on it
        failures.append(error)
    finally:
        connections.close_all()


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="concurrent transactions need PostgreSQL; SQLite runs one writer at a time",
)
@pytest.mark.django_db(transaction=True)
def test_stats_stop_counting_a_withdrawn_project_once_the_withdrawal_commits():
    district = factories.make_district()
    liu = factories.make_district_staff("liu", district, StaffRole.PUBLISHER)
    kept = make_public_project(district)
    withdrawn = make_public_project(district)
    anonymous = APIClient()
    assert counted_outcome_ids(anonymous) >= outcome_ids_of(kept) | outcome_ids_of(withdrawn)
    withdrawal_written, commit_withdrawal = threading.Event(), threading.Event()
    failures = []

    def withdraw():
        # Liu's withdrawal, held open: its rows are written but not committed.
        with transaction.atomic():
            record_withdraw(Project.objects.get(pk=withdrawn.pk), user=liu)
            withdrawal_written.set()
            assert commit_withdrawal.wait(30)

    def another_write():
        factories.make_source(title="另一位编辑的来源")

    withdrawing = threading.Thread(target=_in_own_connection, args=(withdraw, failures))
    withdrawing.start()
    assert withdrawal_written.wait(30)
    writing = threading.Thread(target=_in_own_connection, args=(another_write, failures))
    writing.start()
    # The other write commits now if nothing holds it back (it did when the version was the
    # newest audit entry's id): give it the time to.
    writing.join(timeout=1)
    # A visitor meanwhile still sees the project, as it is not withdrawn yet; this fills the cache.
    during = counted_outcome_ids(anonymous)
    commit_withdrawal.set()
    withdrawing.join(30)
    writing.join(30)
    after = counted_outcome_ids(anonymous)

    assert failures == []
    assert during >= outcome_ids_of(withdrawn)
    assert after & outcome_ids_of(withdrawn) == set()
    assert after >= outcome_ids_of(kept)
    assert Project.objects.get(pk=withdrawn.pk).state == PublicationState.WITHDRAWN
    assert Source.objects.filter(title="另一位编辑的来源").count() == 1
    assert anonymous.get(f"/api/v1/projects/{withdrawn.pk}/").status_code == 404


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="concurrent transactions need PostgreSQL; SQLite runs one writer at a time",
)
@pytest.mark.django_db(transaction=True)
def test_two_editors_writing_the_same_records_wait_for_each_other_and_never_deadlock():
    # Wu's import changes two sources in one transaction; Zheng saves the second one meanwhile.
    # Had Zheng's save locked its row before the version row, each would wait for the other.
    first, second = factories.make_source(title="甲"), factories.make_source(title="乙")
    wu_wrote_first, wu_goes_on = threading.Event(), threading.Event()
    failures = []

    def wu():
        with transaction.atomic():
            Source.objects.get(pk=first.pk).save()
            Source.objects.filter(pk=first.pk).update(publisher="吴改")
            wu_wrote_first.set()
            assert wu_goes_on.wait(30)
            Source.objects.filter(pk=second.pk).update(publisher="吴改")

    def zheng():
        with transaction.atomic():
            record = Source.objects.get(pk=second.pk)
            record.authors = "郑改"
            record.save()

    importing = threading.Thread(target=_in_own_connection, args=(wu, failures))
    importing.start()
    assert wu_wrote_first.wait(30)
    editing = threading.Thread(target=_in_own_connection, args=(zheng, failures))
    editing.start()
    editing.join(timeout=1)
    wu_goes_on.set()
    importing.join(30)
    editing.join(30)

    assert failures == []
    assert Source.objects.get(pk=first.pk).publisher == "吴改"
    assert Source.objects.get(pk=second.pk).authors == "郑改"


# --- What moves the version and what does not (both databases) -----------------------------------


@pytest.fixture
def warm_stats(db):
    """The public totals, computed once and cached under the current version."""
    make_public_project(factories.make_district())
    anonymous = APIClient()
    counted_outcome_ids(anonymous)
    return anonymous


def stats_queries(api) -> int:
    with CaptureQueriesContext(connection) as queries:
        counted_outcome_ids(api)
    return len(queries)


@pytest.mark.django_db
def test_log_ins_failed_log_ins_imports_and_exports_keep_the_cached_totals(warm_stats):
    User.objects.create_superuser("chen", password="Correct-horse-9")
    before = version()
    office = Client()

    office.post("/admin/login/", {"username": "chen", "password": "wrong"})
    office.post("/admin/login/", {"username": "nobody", "password": "wrong"})
    office.post("/admin/login/", {"username": "chen", "password": "Correct-horse-9"})
    rows = exported_rows(export(office, Source, "xlsx"))
    # Every row as exported: the import changes nothing and records only itself.
    imported = import_file(office, Source, xlsx_file(rows))

    assert imported.status_code == 302
    recorded = set(
        AuditEntry.objects.filter(username__in=["chen", "nobody"]).values_list("action", flat=True)
    )
    assert recorded == {
        AuditAction.LOGIN_FAILED,
        AuditAction.LOGIN,
        AuditAction.EXPORT,
        AuditAction.IMPORT,
    }
    assert version() == before
    # Only the version is read: the totals come from the cache.
    assert stats_queries(warm_stats) == 1


def _workflow_step():
    project = factories.make_project(district=factories.make_district())
    liu = factories.make_district_staff(f"liu-{project.pk}", project.district, StaffRole.PUBLISHER)
    zhang = factories.make_district_editor(f"zhang-{project.pk}", project.district)
    version_before = version()
    record_submit(project, user=zhang)
    record_publish(project, user=liu)
    return version_before


BUSINESS_WRITES = {
    "save a new record": lambda source: factories.make_source(),
    "save a change": lambda source: (
        setattr(source, "publisher", "改过的出版社"),
        source.save(),
    ),
    "delete": lambda source: source.delete(),
    "update()": lambda source: Source.objects.filter(pk=source.pk).update(publisher="批量改"),
    "bulk_update()": lambda source: (
        setattr(source, "publisher", "逐个改"),
        Source.objects.bulk_update([source], ["publisher"]),
    ),
    "bulk_create()": lambda source: Source.objects.bulk_create([Source(title="批量新建")]),
}


@pytest.mark.django_db
@pytest.mark.parametrize("write", sorted(BUSINESS_WRITES))
def test_every_business_write_moves_the_version_and_refreshes_the_totals(write, warm_stats):
    source = factories.make_source()
    counted_outcome_ids(warm_stats)
    before = version()

    BUSINESS_WRITES[write](source)

    assert version() > before
    # The first request after the write computes anew: more than the version is read.
    assert stats_queries(warm_stats) > 1
    assert stats_queries(warm_stats) == 1


@pytest.mark.django_db
def test_a_workflow_step_moves_the_version(warm_stats):
    before = _workflow_step()

    assert version() > before
    assert stats_queries(warm_stats) > 1


@pytest.mark.django_db
def test_an_update_that_matches_nothing_or_a_rolled_back_write_keeps_the_version():
    before = version()

    Source.objects.filter(pk=-1).update(publisher="无")
    with pytest.raises(IntegrityError), transaction.atomic():
        factories.make_source(title="回滚")
        raise IntegrityError("the rest of the import failed")

    assert version() == before
    assert Source.objects.filter(title="回滚").count() == 0
