"""The requests of the benchmark (bench/run.py) and of its smoke test (tests/test_bench_smoke.py).

The benchmark measures seven endpoints, (a) to (g). Each is built here from `Subjects`: records
picked from the data by a rule, never by a hard-coded id, so the same code serves the province,
district and demo scales, PostgreSQL and SQLite. Needs Django set up (it reads the data).
"""

from collections.abc import Callable
from dataclasses import asdict, dataclass
from urllib.parse import parse_qsl, urlencode, urlsplit

from django.db.models import Count

from outcomes.models import Outcome
from partnerships.choices import PublicationState
from partnerships.models import Project, ProjectParticipant

LIST_PAGE_SIZE = 100
# (b) reads the page this deep: with 100 rows a page, the filter must match 100,000 rows.
DEEP_PAGE = 1000
STATS_GROUP_BY = "year"


@dataclass(frozen=True)
class Subjects:
    """What the endpoints are asked about, and how much data each one touches."""

    # (a), (b): the fewest largest districts whose published projects fill DEEP_PAGE pages
    # (all districts when the data is smaller), so one filter serves the first and a deep page.
    list_district_ids: tuple[int, ...]
    list_rows: int
    # (c), (f): the published project with the median number of public outcomes (of those
    # that have any): a typical detail page, neither empty nor the largest.
    project_id: int
    project_outcomes: int
    # (g): the published top-level institution with the median number of project
    # participations: its page lists every project and outcome in its scope.
    institution_id: int
    institution_projects: int
    # (d): the district with the most public outcomes, the heaviest statistics of one district.
    stats_district_id: int
    stats_outcomes: int
    # Larger pages of the same kinds (the 90th percentile): a page's query count must not grow
    # with its rows, so these must run as many queries as (f) and (g).
    larger_project_id: int
    larger_project_outcomes: int
    larger_institution_id: int
    larger_institution_projects: int

    def as_dict(self) -> dict:
        return asdict(self)


def percentile(rows: list[tuple[int, int]], fraction: float) -> tuple[int, int]:
    """The (id, count) at `fraction` of the rows ordered by count, then id: deterministic
    however the database orders them."""
    ordered = sorted(rows, key=lambda row: (row[1], row[0]))
    return ordered[round((len(ordered) - 1) * fraction)]


def pick_subjects(deep_rows: int = DEEP_PAGE * LIST_PAGE_SIZE) -> Subjects:
    published = PublicationState.PUBLISHED
    per_district = sorted(
        Project.objects.filter(state=published)
        .values_list("district_id")
        .annotate(n=Count("id"))
        .values_list("district_id", "n"),
        key=lambda row: (-row[1], row[0]),
    )
    district_ids, rows = [], 0
    for district_id, count in per_district:
        if rows > deep_rows:
            break
        district_ids.append(district_id)
        rows += count

    outcomes_per_project = list(
        Outcome.objects.public()
        .filter(project__isnull=False)
        .values_list("project_id")
        .annotate(n=Count("id"))
        .values_list("project_id", "n")
    )
    projects_per_institution = list(
        ProjectParticipant.objects.filter(
            institution__state=published,
            institution__parent__isnull=True,
            project__state=published,
        )
        .values_list("institution_id")
        .annotate(n=Count("id"))
        .values_list("institution_id", "n")
    )
    project_id, project_outcomes = percentile(outcomes_per_project, 0.5)
    larger_project_id, larger_project_outcomes = percentile(outcomes_per_project, 0.9)
    institution_id, institution_projects = percentile(projects_per_institution, 0.5)
    larger_institution_id, larger_institution_projects = percentile(projects_per_institution, 0.9)
    stats_district_id, stats_outcomes = max(
        Outcome.objects.public()
        .values_list("district_id")
        .annotate(n=Count("id"))
        .values_list("district_id", "n"),
        key=lambda row: (row[1], -row[0]),
    )
    return Subjects(
        list_district_ids=tuple(district_ids),
        list_rows=rows,
        project_id=project_id,
        project_outcomes=project_outcomes,
        institution_id=institution_id,
        institution_projects=institution_projects,
        stats_district_id=stats_district_id,
        stats_outcomes=stats_outcomes,
        larger_project_id=larger_project_id,
        larger_project_outcomes=larger_project_outcomes,
        larger_institution_id=larger_institution_id,
        larger_institution_projects=larger_institution_projects,
    )


# --- URLs ----------------------------------------------------------------------------------------


def list_url(subjects: Subjects, page_size: int = LIST_PAGE_SIZE) -> str:
    """(a) A filtered list page of projects with their partners nested."""
    params = [("district_id", i) for i in subjects.list_district_ids] + [("page_size", page_size)]
    return f"/api/v1/projects/?{urlencode(params)}"


def with_page_size(url: str, page_size: int) -> str:
    """The same request (same cursor) with another page size."""
    parts = urlsplit(url)
    params = [(k, v) for k, v in parse_qsl(parts.query) if k != "page_size"]
    return f"{parts.path}?{urlencode([*params, ('page_size', page_size)])}"


def local_path(url: str) -> str:
    """A `next` link (absolute, with the server's host) as a path to request again."""
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}" if parts.query else parts.path


def walk_to_page(get_json: Callable[[str], dict], url: str, page: int) -> tuple[str, int]:
    """Follow the `next` links from `url` to page number `page` (1 is `url` itself).

    Returns the path of the deepest page reached and its number: fewer pages than asked when
    the filter runs out first.
    """
    reached = 1
    while reached < page:
        following = get_json(url)["next"]
        if following is None:
            break
        url = local_path(following)
        reached += 1
    return url, reached


def project_detail_url(subjects: Subjects) -> str:
    return f"/api/v1/projects/{subjects.project_id}/"


def project_outcomes_url(subjects: Subjects, page_size: int = LIST_PAGE_SIZE) -> str:
    """(c), second half: the project's own outcomes (the detail does not embed them)."""
    return f"/api/v1/outcomes/?project_id={subjects.project_id}&page_size={page_size}"


def stats_url(subjects: Subjects) -> str:
    """(d) Honest totals of one district's outcomes by kind, unit and year."""
    return (
        f"/api/v1/stats/outcomes/?district_id={subjects.stats_district_id}"
        f"&group_by={STATS_GROUP_BY}"
    )


def dashboard_url() -> str:
    return "/"


def project_page_url(project_id: int) -> str:
    return f"/projects/{project_id}/"


def institution_page_url(institution_id: int) -> str:
    return f"/institutions/{institution_id}/"
