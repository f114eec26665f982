"""The benchmark's smoke test: on the demo data, in seconds, no endpoint that
bench/run.py times at province scale runs more queries for more rows.

The requests are the benchmark's own (bench/endpoints.py), asked by an anonymous visitor, who
is who the public pages and the read API serve. An API list must run as many queries for 100
rows a page as for 10; a page as many for a record with few rows as for one with several times
more. A count that grows is a query per row: harmless on the demo data, a thousand queries a
request at province scale.
"""

from dataclasses import replace
from io import StringIO

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.core.signals import request_started
from django.db import connection, reset_queries
from django.db.models import Count, Q
from django.test.utils import CaptureQueriesContext

from bench import endpoints
from outcomes.models import Outcome, Target
from partnerships.choices import PublicationState
from partnerships.models import District, Institution, Project

PUBLISHED = PublicationState.PUBLISHED


@pytest.fixture
def demo(db, unthrottled):
    call_command("generate_synthetic", scale="demo", seed=1, stdout=StringIO(), stderr=StringIO())
    return endpoints.pick_subjects(deep_rows=20)


def queries_of(client, path: str) -> tuple[list[str], object]:
    """The SQL one request runs, with empty caches (the cold path is the one that computes)."""
    cache.clear()
    # Django empties the query log when a request starts; keep it for this request.
    request_started.disconnect(reset_queries)
    try:
        with CaptureQueriesContext(connection) as captured:
            response = client.get(path)
    finally:
        request_started.connect(reset_queries)
    assert response.status_code == 200, (path, response.content[:300])
    return [query["sql"] for query in captured.captured_queries], response


def rows_of(response) -> int:
    return len(response.json()["results"])


# --- The read API: (a)–(d) -----------------------------------------------------------------------


def test_project_list_queries_do_not_grow_with_page_size(client, demo):
    """(a) The visitor's filtered list of projects with their partners nested.

    Three queries at any page size: the projects with district, agreement, parent project and
    source joined; their participants with district and institution; their enterprises.
    """
    few, few_response = queries_of(client, endpoints.list_url(demo, page_size=10))
    many, many_response = queries_of(client, endpoints.list_url(demo, page_size=100))

    assert (rows_of(few_response), rows_of(many_response) > 10) == (10, True)
    assert len(many) == len(few)


def test_deep_cursor_page_queries_do_not_grow_with_page_size(client, demo):
    """(b) A page reached by following the cursor costs what the first page costs."""

    def get_json(path):
        return client.get(path).json()

    deep, reached = endpoints.walk_to_page(get_json, endpoints.list_url(demo, page_size=5), 3)
    few, few_response = queries_of(client, endpoints.with_page_size(deep, 10))
    many, many_response = queries_of(client, endpoints.with_page_size(deep, 100))
    _first, first_page = queries_of(client, endpoints.list_url(demo, page_size=10))

    assert reached == 3
    assert few_response.json()["results"][0]["id"] > first_page.json()["results"][-1]["id"]
    assert rows_of(many_response) > rows_of(few_response)
    assert len(many) == len(few)


def test_project_outcomes_queries_do_not_grow_with_page_size(client, demo):
    """(c), second request: a project's outcomes, one query at any page size (the attributed
    records and the source joined)."""
    busiest = (
        Outcome.objects.public()
        .filter(project__isnull=False)
        .values("project_id")
        .annotate(n=Count("id"))
        .order_by("-n", "project_id")
        .first()
    )
    subjects = replace(demo, project_id=busiest["project_id"])
    few, few_response = queries_of(client, endpoints.project_outcomes_url(subjects, 1))
    many, many_response = queries_of(client, endpoints.project_outcomes_url(subjects, 100))

    assert (rows_of(few_response), rows_of(many_response)) == (1, busiest["n"])
    assert busiest["n"] >= 3
    assert len(many) == len(few)


def test_project_detail_queries_do_not_grow_with_its_partners(client, demo):
    """(c), first request: the detail of a project with the most partners costs what the
    detail of one with the fewest does (the project, its participants, its enterprises)."""
    projects = Project.objects.filter(state=PUBLISHED).annotate(
        n=Count("participants", distinct=True) + Count("enterprise_participants", distinct=True)
    )
    small, large = projects.order_by("n", "id").first(), projects.order_by("-n", "id").first()
    few, _ = queries_of(client, endpoints.project_detail_url(replace(demo, project_id=small.pk)))
    many, _ = queries_of(client, endpoints.project_detail_url(replace(demo, project_id=large.pk)))

    assert large.n >= small.n + 2
    assert len(many) == len(few)


def test_district_statistics_queries_do_not_grow_with_outcomes(client, demo):
    """(d) The totals of the district with the most outcomes cost the queries of the one with
    the fewest."""
    counts = {
        district.pk: Outcome.objects.public().filter(district=district).count()
        for district in District.objects.all()
    }
    fewest, most = min(counts, key=counts.get), max(counts, key=counts.get)
    few, _ = queries_of(client, endpoints.stats_url(replace(demo, stats_district_id=fewest)))
    many, _ = queries_of(client, endpoints.stats_url(replace(demo, stats_district_id=most)))

    assert counts[most] >= counts[fewest] + 3
    assert len(many) == len(few)


# --- Pages: (e)–(g) ------------------------------------------------------------------------------


def keep_published(model, keep: int) -> None:
    """Leave `keep` published records of `model` public; the rest become drafts."""
    ids = list(model.objects.filter(state=PUBLISHED).order_by("id").values_list("id", flat=True))
    model.objects.filter(id__in=ids[keep:]).update(state=PublicationState.DRAFT)


def test_dashboard_queries_do_not_grow_with_targets(client, demo):
    """(e) The dashboard, computed afresh, with one public target and with three."""
    keep_published(Target, 3)
    three, _ = queries_of(client, endpoints.dashboard_url())
    keep_published(Target, 1)
    one, _ = queries_of(client, endpoints.dashboard_url())

    assert len(three) == len(one)


def test_project_page_queries_do_not_grow_with_its_rows(client, demo):
    """(f) The page of a project with the most rows (outcomes, participants, targets) costs
    what the page of one with the fewest does."""
    projects = Project.objects.filter(state=PUBLISHED).annotate(
        n=Count("outcomes", distinct=True) + Count("participants", distinct=True)
    )
    small, large = projects.order_by("n", "id").first(), projects.order_by("-n", "id").first()
    few, _ = queries_of(client, endpoints.project_page_url(small.pk))
    many, _ = queries_of(client, endpoints.project_page_url(large.pk))

    assert large.n >= small.n + 3
    assert len(many) == len(few)


def test_institution_page_queries_do_not_grow_with_its_rows(client, demo):
    """(g) The page of the institution in the most projects costs what the page of one in the
    fewest does."""
    in_published = Q(project_participations__project__state=PUBLISHED)
    institutions = Institution.objects.filter(state=PUBLISHED, parent__isnull=True).annotate(
        n=Count("project_participations", filter=in_published)
    )
    small = institutions.order_by("n", "id").first()
    large = institutions.order_by("-n", "id").first()
    few, _ = queries_of(client, endpoints.institution_page_url(small.pk))
    many, _ = queries_of(client, endpoints.institution_page_url(large.pk))

    assert large.n >= small.n + 3
    assert len(many) == len(few)
