"""Server time of public pages on the demo data: median of 20 requests each.

Run against the configured database after `manage.py load_article`:

    DATABASE_URL=... .venv/bin/python bench/page_times.py

It times the whole Django request (middleware, views, templates) in-process with the test client,
so the numbers exclude the network and the WSGI server.
"""

import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django

django.setup()

from django.core.signals import request_started  # noqa: E402
from django.db import connection, reset_queries  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from partnerships.models import Institution, Project  # noqa: E402

REQUESTS = 20


def measure(client: Client, url: str) -> tuple[float, int]:
    client.get(url)  # warm caches and connections
    times = []
    for _ in range(REQUESTS):
        start = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - start) * 1000)
        if response.status_code != 200:
            raise SystemExit(f"{url} answered {response.status_code}")
    # Django clears the query log when a request starts; keep it for this one request.
    request_started.disconnect(reset_queries)
    try:
        with CaptureQueriesContext(connection) as queries:
            client.get(url)
    finally:
        request_started.connect(reset_queries)
    return statistics.median(times), len(queries)


def main() -> None:
    tongji = Project.objects.published().get(title="同济大学同创谷太原基地")
    shanxi = Institution.objects.published().get(name="山西大学", parent=None)
    pages = {
        "dashboard /": "/",
        "project page (Tongji base)": f"/projects/{tongji.pk}/",
        "institution page (Shanxi University)": f"/institutions/{shanxi.pk}/",
        "project list": "/projects/",
        "API project list": "/api/v1/projects/",
        "API stats by kind, year": "/api/v1/stats/outcomes/?group_by=kind,year",
    }
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    print(f"database: {connection.vendor}; median of {REQUESTS} requests")
    print(f"{'page':40} {'median ms':>10} {'queries':>8}")
    for name, url in pages.items():
        median, count = measure(client, url)
        print(f"{name:40} {median:10.1f} {count:8d}")


if __name__ == "__main__":
    main()
