"""The benchmark: the production server at province scale, against the database floor
and against Datasette. `make bench`, or:

    .venv/bin/python bench/run.py [--scale province] [--seed 1] [--quick]

1. PostgreSQL: a throwaway cluster (scripts/pg-throwaway.sh) in bench/.cache/, migrated and filled
   by `manage.py generate_synthetic`, then VACUUM ANALYZE. The cluster is kept between runs and
   reused while its marker (scale, seed, the generator's source, the migrations) matches; new
   migrations are applied to it, changed or removed ones make it start afresh.
2. The same data in SQLite (same seed), kept in bench/.cache/ too, for Datasette.
3. The production server: scripts/serve.sh (migrate, collectstatic, gunicorn with
   config/gunicorn.conf.py), with the API's rate limit raised out of the way.
4. For each endpoint (a)–(g) of bench/endpoints.py: queries per request and cold/warm time
   in-process (Django's test client against the same database); the floor (bench/queries.py,
   EXPLAIN ANALYZE p50); wrk at 1 and 16 connections: req/s, p50, p99. Peak memory of each
   gunicorn worker (VmHWM, sampled throughout, since workers are recycled).
5. Datasette serving the SQLite copy: (a)–(d) as canned queries, (b) also by its own `_next`.
6. cProfile, in-process, of every endpoint that misses its target.

Prints a table, writes bench/results/<timestamp>.json (and the profiles beside it) and the
generated part of bench/RESULTS.md. Everything it starts, it stops; only the caches stay.
"""

import argparse
import cProfile
import datetime
import http.client
import io
import json
import os
import pstats
import re
import shutil
import statistics
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import report  # noqa: E402
from bench.services import (  # noqa: E402
    CACHE,
    DATABASE,
    UNTHROTTLED,
    Cluster,
    MemorySampler,
    Server,
    children_of,
    ensure_sqlite,
    load,
    log,
    memory_kb,
    start_datasette,
    start_gunicorn,
    stop_process,
)

RESULTS = ROOT / "bench" / "results"


# --- In-process measurements (Django) ------------------------------------------------------------


def setup_django(database_url: str) -> None:
    os.environ.update(
        DATABASE_URL=database_url,
        DJANGO_SETTINGS_MODULE="config.settings",
        STATIC_ROOT=str(CACHE / "static"),
        API_ANON_RATE=UNTHROTTLED,
        API_TOKEN_RATE=UNTHROTTLED,
        DEBUG="false",
    )
    for name in ("SECRET_KEY", "CONN_MAX_AGE"):
        os.environ.pop(name, None)
    import django

    django.setup()


class InProcess:
    """Requests through Django's test client against the benchmark database."""

    def __init__(self):
        from django.test import Client

        self.client = Client()

    def get(self, path: str):
        response = self.client.get(path)
        if response.status_code != 200:
            raise SystemExit(f"{path} answered {response.status_code} in-process")
        return response

    def measure(self, path: str) -> dict:
        """Queries and time of one request (the first may fill caches: it is 'cold')."""
        from django.core.signals import request_started
        from django.db import connection, reset_queries
        from django.test.utils import CaptureQueriesContext

        # Django empties the query log when a request starts; keep it for this request.
        request_started.disconnect(reset_queries)
        try:
            with CaptureQueriesContext(connection) as captured:
                started = time.perf_counter()
                response = self.get(path)
                elapsed = (time.perf_counter() - started) * 1000
        finally:
            request_started.connect(reset_queries)
        return {"queries": len(captured), "ms": round(elapsed, 1), "bytes": len(response.content)}

    def cold_and_warm(self, path: str) -> dict:
        from django.core.cache import cache

        cache.clear()
        cold = self.measure(path)
        warm = self.measure(path)
        return {"cold": cold, "warm": warm}

    def profile(self, path: str, seconds: float, out: Path) -> dict:
        """cProfile of repeated warm requests; the time per layer of the request, and the text."""
        self.get(path)
        profiler = cProfile.Profile()
        count, started = 0, time.perf_counter()
        profiler.enable()
        while count < 3 or time.perf_counter() - started < seconds:
            self.get(path)
            count += 1
        profiler.disable()
        stats = pstats.Stats(profiler)
        text = io.StringIO()
        pstats.Stats(profiler, stream=text).sort_stats("tottime").print_stats(30)
        pstats.Stats(profiler, stream=text).sort_stats("cumulative").print_stats(45)
        out.write_text(text.getvalue())
        return {"requests": count, "layers": layers(stats, count), "file": out.name}


# Where a request's time goes: (label, function name, file ending). Cumulative times nest (the
# serializer's includes the ORM's), so each is a share of the request, not a part of a sum.
LAYERS = (
    ("whole request (Django handler)", "get_response", "django/core/handlers/base.py"),
    ("view", "_get_response", "django/core/handlers/base.py"),
    ("SQL: execute (database + driver)", "_execute", "django/db/backends/utils.py"),
    ("SQL: fetch rows (driver)", "fetchmany", "psycopg/cursor.py"),
    ("ORM: rows to model objects", "from_db", "django/db/models/base.py"),
    ("ORM: iterate querysets", "_fetch_all", "django/db/models/query.py"),
    ("DRF: serializers (to_representation)", "to_representation", "rest_framework/serializers.py"),
    ("DRF: JSON rendering", "render", "rest_framework/renderers.py"),
    ("filters (django-filter)", "filter_queryset", "rest_framework/generics.py"),
    ("paging (keyset cursor)", "paginate_queryset", "partnerships/api/pagination.py"),
    ("ETag (hash of the body)", "finalize_response", "partnerships/api/resources.py"),
    ("honest totals (outcome_totals)", "outcome_totals", "outcomes/selectors.py"),
    ("cached aggregate lookup", "cached_aggregate", "outcomes/selectors.py"),
    ("templates: render", "render", "django/template/base.py"),
    ("middleware: sessions", "process_response", "django/contrib/sessions/middleware.py"),
    ("middleware: CSP", "process_response", "csp/middleware.py"),
)


def layers(stats: pstats.Stats, requests: int) -> list[dict]:
    found = []
    for label, name, ending in LAYERS:
        best = None
        for (filename, _line, function), row in stats.stats.items():
            if function == name and filename.endswith(ending):
                cumulative = row[3]
                # The outermost frame of a recursive function carries the whole time.
                best = cumulative if best is None else max(best, cumulative)
        if best is not None:
            found.append({"layer": label, "ms_per_request": round(best * 1000 / requests, 2)})
    return found


def explain_p50(sql: str, params: dict, repeats: int) -> dict:
    """Execution and planning time of `sql` by EXPLAIN (ANALYZE, TIMING), p50 of `repeats`."""
    from django.db import connection

    execution, planning = [], []
    for _ in range(repeats):
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN (ANALYZE, TIMING, FORMAT JSON) " + sql, params)
            plan = cursor.fetchone()[0]
        plan = (json.loads(plan) if isinstance(plan, str) else plan)[0]
        execution.append(plan["Execution Time"])
        planning.append(plan["Planning Time"])
    return {
        "execution_p50_ms": round(statistics.median(execution), 3),
        "planning_p50_ms": round(statistics.median(planning), 3),
        "rows": plan["Plan"].get("Actual Rows"),
    }


def floor(key: str, subjects, params: dict, repeats: int) -> dict:
    from bench import queries

    statements = []
    for sql in queries.floor_statements(key):
        sql = queries.for_postgresql(queries.with_districts(sql, subjects.list_district_ids))
        used = {name: params[name] for name in re.findall(r"%\((\w+)\)s", sql)}
        # The first run warms the buffer cache and is not counted. A statement over the whole
        # province takes seconds: fewer repeats are enough there.
        first = explain_p50(sql, used, 1)
        statements.append(explain_p50(sql, used, repeats if first["execution_p50_ms"] < 500 else 3))
    return {
        "p50_ms": round(sum(s["execution_p50_ms"] for s in statements), 3),
        "planning_ms": round(sum(s["planning_p50_ms"] for s in statements), 3),
        "statements": statements,
    }


# --- The endpoints -------------------------------------------------------------------------------


@dataclass
class Endpoint:
    key: str
    title: str
    paths: list[str]  # one request, or the sequential requests that make it, as (c)
    datasette: list[str] = field(default_factory=list)
    # The same request with 10 and with 100 rows a page (API lists), or another subject with
    # more rows (pages): the query counts must be equal.
    constancy: tuple[list[str], list[str]] | None = None


def endpoint_table(subjects, deep_path: str, deep_after: int) -> list[Endpoint]:
    from bench import endpoints as e
    from bench.queries import NESTED

    page = e.list_url(subjects)
    detail, outcomes = e.project_detail_url(subjects), e.project_outcomes_url(subjects)
    objects = "_shape=objects"
    return [
        Endpoint(
            "a",
            "list: 100 projects with partners, filtered",
            [page],
            [f"/{DATABASE}/project_page.json?after=0&{objects}&{NESTED}"],
            ([e.with_page_size(page, 10)], [e.with_page_size(page, 100)]),
        ),
        Endpoint(
            "b",
            f"the same list, page {e.DEEP_PAGE} by cursor",
            [deep_path],
            [f"/{DATABASE}/project_page.json?after={deep_after}&{objects}&{NESTED}"],
            ([e.with_page_size(deep_path, 10)], [e.with_page_size(deep_path, 100)]),
        ),
        Endpoint(
            "c",
            "project detail + its outcomes (2 requests)",
            [detail, outcomes],
            [
                f"/{DATABASE}/project_detail.json?project={subjects.project_id}&{objects}&{NESTED}",
                f"/{DATABASE}/project_outcomes.json?project={subjects.project_id}&{objects}",
            ],
            (
                [detail, e.project_outcomes_url(subjects, 10)],
                [detail, e.project_outcomes_url(subjects, 100)],
            ),
        ),
        Endpoint(
            "d",
            f"stats of one district by {e.STATS_GROUP_BY}",
            [e.stats_url(subjects)],
            [f"/{DATABASE}/district_stats.json?district={subjects.stats_district_id}&{objects}"],
        ),
        Endpoint("e", "home dashboard page", [e.dashboard_url()]),
        Endpoint(
            "f",
            "project page",
            [e.project_page_url(subjects.project_id)],
            constancy=(
                [e.project_page_url(subjects.project_id)],
                [e.project_page_url(subjects.larger_project_id)],
            ),
        ),
        Endpoint(
            "g",
            "institution page",
            [e.institution_page_url(subjects.institution_id)],
            constancy=(
                [e.institution_page_url(subjects.institution_id)],
                [e.institution_page_url(subjects.larger_institution_id)],
            ),
        ),
    ]


def datasette_table_next(subjects, deep_after: int) -> list[str]:
    """(b) through Datasette's own keyset paging: the projects table (no joins, foreign keys
    expanded to labels), `_next` being the last id of the page before."""
    ids = ",".join(str(i) for i in subjects.list_district_ids)
    base = (
        f"/{DATABASE}/partnerships_project.json?district_id__in={ids}&state=published"
        "&_size=100&_labels=on&_nocount=1&_shape=objects"
    )
    return [base, f"{base}&_next={deep_after}"]


def deep_position(subjects, page: int, page_size: int) -> int:
    """The id after which page `page` starts (the last id of page `page` - 1)."""
    from partnerships.choices import PublicationState
    from partnerships.models import Project

    ids = (
        Project.objects.filter(
            district_id__in=subjects.list_district_ids, state=PublicationState.PUBLISHED
        )
        .order_by("id")
        .values_list("id", flat=True)
    )
    offset = (page - 1) * page_size
    return ids[offset - 1] if offset else 0


def walk_deep(port: int, subjects) -> tuple[str, int, float]:
    """Follow the list's `next` links over HTTP to page DEEP_PAGE, as a client would."""
    from bench import endpoints as e

    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)

    def get_json(path: str) -> dict:
        connection.request("GET", path)
        response = connection.getresponse()
        body = response.read()
        if response.status != 200:
            raise SystemExit(f"{path} answered {response.status} while walking the cursor")
        return json.loads(body)

    started = time.monotonic()
    path, reached = e.walk_to_page(get_json, e.list_url(subjects), e.DEEP_PAGE)
    connection.close()
    return path, reached, time.monotonic() - started


# --- Main ----------------------------------------------------------------------------------------


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", choices=("demo", "district", "province"), default="province")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--quick", action="store_true", help="3 s per run, fewer repeats")
    parser.add_argument("--seconds", type=float, help="wrk duration per run (default 10)")
    parser.add_argument("--pg-port", type=int, default=54380)
    parser.add_argument("--port", type=int, default=8380, help="gunicorn's port")
    parser.add_argument("--datasette-port", type=int, default=8381)
    parser.add_argument("--workers", type=int, help="gunicorn workers (default: its config)")
    parser.add_argument("--no-datasette", action="store_true")
    parser.add_argument("--no-profile", action="store_true")
    parser.add_argument("--regenerate", action="store_true", help="ignore the cached data")
    parser.add_argument(
        "--prepare", action="store_true", help="only make (or check) the cached data, then stop"
    )
    parser.add_argument(
        "--report",
        metavar="JSON",
        type=Path,
        help="measure nothing: rewrite bench/RESULTS.md from a results file of an earlier run",
    )
    return parser.parse_args()


def rewrite_report(json_path: Path) -> None:
    results = json.loads(json_path.read_text())
    results["targets"] = report.evaluate(results)
    report.write_results_md(report.markdown(results, f"results/{json_path.name}"))
    print(report.table(results))


def main() -> None:
    args = parse_args()
    if args.report:
        rewrite_report(args.report)
        return
    if not shutil.which("wrk"):
        raise SystemExit("wrk is not installed: run scripts/bench-deps.sh (or `make bench`)")
    seconds = args.seconds or (3 if args.quick else 10)
    warmup = 1 if args.quick else 3
    repeats = 5 if args.quick else 15
    started_at = datetime.datetime.now(datetime.UTC)
    stamp = started_at.strftime("%Y%m%dT%H%M%SZ")
    # Profiles go with the results; the servers' logs (the access log alone is megabytes) and
    # Datasette's canned queries stay in the cache.
    run_dir = RESULTS / stamp
    run_dir.mkdir(parents=True, exist_ok=True)
    log_dir = CACHE / "logs" / stamp
    log_dir.mkdir(parents=True, exist_ok=True)
    CACHE.mkdir(parents=True, exist_ok=True)
    machine = report.describe_machine()

    cluster = Cluster(CACHE / f"pg-{args.scale}-seed{args.seed}", args.pg_port)
    gunicorn = datasette = None
    try:
        marker = cluster.ensure(args.scale, args.seed, args.regenerate)
        sqlite_path = CACHE / f"sqlite-{args.scale}-seed{args.seed}" / f"{DATABASE}.sqlite3"
        if not args.no_datasette:
            ensure_sqlite(sqlite_path, args.scale, args.seed, args.regenerate)
        if args.prepare:
            return

        setup_django(cluster.url)
        from bench import endpoints as e
        from bench import queries

        log("Picking the subjects of the endpoints")
        subjects = e.pick_subjects()
        gunicorn = start_gunicorn(cluster.url, args.port, log_dir, args.workers)
        sampler = MemorySampler(gunicorn.pid)
        sampler.start()
        server = Server(
            f"http://127.0.0.1:{args.port}", gunicorn.pid, cluster.url, log_dir / "gunicorn.log"
        )

        log(f"Walking the cursor to page {e.DEEP_PAGE}")
        deep_path, reached, walk_seconds = walk_deep(args.port, subjects)
        deep_after = deep_position(subjects, reached, e.LIST_PAGE_SIZE)
        table_rows = endpoint_table(subjects, deep_path, deep_after)

        client = InProcess()
        first_deep = client.get(deep_path).json()["results"][0]["id"]
        if deep_after and first_deep <= deep_after:
            raise SystemExit(f"The walk ended at id {first_deep}, not after {deep_after}")
        params = {
            "after": 0,
            "project": subjects.project_id,
            "district": subjects.stats_district_id,
            "institution": subjects.institution_id,
        }
        results = {
            "started_at": started_at.isoformat(timespec="seconds"),
            "quick": args.quick,
            "seconds": seconds,
            "warmup": warmup,
            "machine": machine,
            "data": marker,
            "subjects": subjects.as_dict(),
            "deep": {
                "path": deep_path,
                "page_reached": reached,
                "after_id": deep_after,
                "walk_seconds": round(walk_seconds, 1),
            },
            "endpoints": {},
        }
        for endpoint in table_rows:
            log(f"({endpoint.key}) {endpoint.title}: in-process, floor")
            row = {"title": endpoint.title, "paths": endpoint.paths}
            cold_warm = [client.cold_and_warm(path) for path in endpoint.paths]
            row["in_process"] = {
                state: {
                    "queries": sum(cw[state]["queries"] for cw in cold_warm),
                    "ms": round(sum(cw[state]["ms"] for cw in cold_warm), 1),
                    "bytes": sum(cw[state]["bytes"] for cw in cold_warm),
                }
                for state in ("cold", "warm")
            }
            if endpoint.constancy:
                small, large = (
                    sum(client.measure(path)["queries"] for path in paths)
                    for paths in endpoint.constancy
                )
                row["constancy"] = {"small": small, "large": large, "paths": endpoint.constancy}
            params["after"] = deep_after if endpoint.key == "b" else 0
            row["floor"] = floor(endpoint.key, subjects, params, repeats)
            results["endpoints"][endpoint.key] = row

        for endpoint in table_rows:
            row = results["endpoints"][endpoint.key]
            log(f"({endpoint.key}) {endpoint.title}: wrk")
            row["ours"] = load(server, endpoint.paths, seconds, warmup)
        results["memory"] = sampler.result() | {
            "workers_configured": len(children_of(gunicorn.pid)),
        }
        stop_process(gunicorn, "gunicorn")
        gunicorn = None

        if not args.no_datasette:
            datasette = start_datasette(
                sqlite_path,
                args.datasette_port,
                log_dir,
                queries.datasette_metadata(DATABASE, subjects.list_district_ids),
            )
            theirs = Server(f"http://127.0.0.1:{args.datasette_port}", datasette.pid)
            for endpoint in table_rows:
                if endpoint.datasette:
                    log(f"({endpoint.key}) Datasette: wrk")
                    results["endpoints"][endpoint.key]["datasette"] = load(
                        theirs, endpoint.datasette, seconds, warmup
                    )
            table_first, table_deep = datasette_table_next(subjects, deep_after)
            log("(b) Datasette's own _next on the projects table (no joins): wrk")
            results["datasette_table"] = {
                "paths": [table_first, table_deep],
                "first": load(theirs, [table_first], seconds, warmup),
                "deep": load(theirs, [table_deep], seconds, warmup),
            }
            results["datasette_memory_mb"] = round(
                memory_kb(datasette.pid).get("VmHWM", 0) / 1024, 1
            )
            stop_process(datasette, "Datasette")
            datasette = None

        machine["load_end"] = os.getloadavg()
        results["targets"] = report.evaluate(results)
        missed = {
            key
            for target in results["targets"]
            if target["met"] is False
            for key in re.findall(r"\(([a-g])\)", target["target"])
        }
        if not args.no_profile and missed:
            results["profiles"] = {}
            for endpoint in table_rows:
                if endpoint.key in missed:
                    log(f"({endpoint.key}) cProfile")
                    results["profiles"][endpoint.key] = client.profile(
                        endpoint.paths[-1],
                        2 if args.quick else 5,
                        run_dir / f"profile-{endpoint.key}.txt",
                    )
    finally:
        stop_process(gunicorn, "gunicorn")
        stop_process(datasette, "Datasette")
        cluster.stop()

    json_path = RESULTS / f"{stamp}.json"
    json_path.write_text(json.dumps(results, indent=2, ensure_ascii=False, default=str))
    report.write_results_md(report.markdown(results, f"results/{json_path.name}"))
    print(report.table(results))
    print()
    for target in results["targets"]:
        verdict = {True: "met", False: "NOT MET", None: "–"}[target["met"]]
        print(f"{verdict:8} {target['target']}: {target['detail']}")
    print(f"\nJSON: {json_path}\nbench/RESULTS.md updated")


if __name__ == "__main__":
    main()
