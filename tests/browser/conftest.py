"""Browser tests: Playwright (sync API) driving Debian's Chromium against pytest-django's live
server, on the demo data (the article, `manage.py load_article`).

One Chromium for the whole session; each test gets a fresh context (locale zh-CN) and a page that
records console errors, uncaught script errors, failed requests and error responses, and that
sends no request anywhere but the live server: every other request is aborted and recorded. The
page's teardown fails the test if anything was recorded that the test did not expect.

`playwright install` is never needed: the browser is Debian's /usr/bin/chromium (installed by
scripts/system-deps.sh). Without it the whole folder is skipped.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from io import StringIO
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
from django.core.management import call_command
from django.db import connections
from playwright.sync_api import sync_playwright

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",  # CI runs as root, where Chromium's sandbox refuses to start
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
# Where the screenshots go (a CI artifact); .ci/run gives each database run its own folder.
SCREENSHOTS = Path(os.environ.get("SCREENSHOT_DIR") or ROOT / "test-output" / "screenshots")
TIMEOUT_MS = 10_000

# Chromium reports an error response of the page itself on the console in these words.
LOAD_FAILURE = "Failed to load resource"


def pytest_collection_modifyitems(config, items):
    if CHROMIUM.exists():
        return
    skip = pytest.mark.skip(
        reason=f"browser tests need Debian's Chromium at {CHROMIUM} "
        "(apt-get install chromium fonts-noto-cjk; `make test` installs them)"
    )
    for item in items:
        if HERE in item.path.parents:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def browser():
    """One headless Chromium for the session.

    Playwright's sync API leaves its asyncio loop marked as running in this thread, between
    calls too. Django then sees "async" code: it refuses database access from the test itself
    (SynchronousOnlyOperation) and it would keep a second set of connections for it (asgiref's
    Local), apart from the ones pytest-django set up — whose restore of the migrations' data
    after each transactional test would then be lost. The tests are synchronous and the live
    server has its own thread, so the guard is switched off and the same connections are kept.
    """
    before = {alias: connections[alias] for alias in connections}
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        with sync_playwright() as playwright:
            for alias, connection in before.items():
                connections[alias] = connection
            chromium = playwright.chromium.launch(
                executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
            )
            yield chromium
            chromium.close()


@pytest.fixture
def site(browser, live_server, transactional_db, django_db_serialized_rollback) -> str:
    """The live server with the demo data committed (its thread reads the same database).

    `transactional_db` empties every table after the test; `django_db_serialized_rollback`
    puts back what the migrations loaded (the GB/T 4754 sectors) for the tests that follow.
    """
    call_command("load_article", stdout=StringIO())
    return live_server.url


@dataclass
class Watch:
    """What went wrong while a page was open, apart from what the test said to expect."""

    origin: str
    console_errors: list[str] = field(default_factory=list)
    failed_requests: list[str] = field(default_factory=list)
    error_responses: list[str] = field(default_factory=list)
    foreign_requests: list[str] = field(default_factory=list)
    expected: set[tuple[str, int]] = field(default_factory=set)

    def expect_status(self, url: str, status: int) -> None:
        """The test means to open `url` and get `status` (a 404 page): not a problem."""
        self.expected.add((urljoin(self.origin, url), status))

    def is_ours(self, url: str) -> bool:
        parts = urlsplit(url)
        return f"{parts.scheme}://{parts.netloc}" == self.origin

    def on_console(self, message) -> None:
        if message.type != "error":
            return
        where = message.location.get("url", "")
        if message.text.startswith(LOAD_FAILURE) and any(url == where for url, _ in self.expected):
            return
        self.console_errors.append(f"{message.text} ({where})")

    def on_request_failed(self, request) -> None:
        if self.is_ours(request.url):
            self.failed_requests.append(f"{request.method} {request.url}: {request.failure}")

    def on_response(self, response) -> None:
        if response.status >= 400 and (response.url, response.status) not in self.expected:
            self.error_responses.append(f"{response.status} {response.url}")

    def route(self, route) -> None:
        if self.is_ours(route.request.url):
            route.continue_()
        else:
            self.foreign_requests.append(route.request.url)
            route.abort("blockedbyclient")

    @property
    def problems(self) -> dict[str, list[str]]:
        found = {
            "console errors": self.console_errors,
            "failed requests": self.failed_requests,
            "error responses": self.error_responses,
            "requests to other hosts": self.foreign_requests,
        }
        return {name: items for name, items in found.items() if items}


@pytest.fixture
def watch(site) -> Watch:
    parts = urlsplit(site)
    return Watch(origin=f"{parts.scheme}://{parts.netloc}")


def new_page(browser, site: str, watch: Watch, viewport: dict | None = None):
    """A page in a fresh context (no cookies), in Chinese, watched by `watch`."""
    context = browser.new_context(
        base_url=site, locale="zh-CN", viewport=viewport or {"width": 1366, "height": 900}
    )
    context.set_default_timeout(TIMEOUT_MS)
    context.route("**/*", watch.route)
    page = context.new_page()
    page.on("console", watch.on_console)
    page.on("pageerror", lambda error: watch.console_errors.append(f"uncaught: {error}"))
    page.on("requestfailed", watch.on_request_failed)
    page.on("response", watch.on_response)
    return page


@pytest.fixture
def page(browser, site, watch) -> Iterator:
    """A fresh page on the live server; fails the test on any problem `watch` recorded."""
    page = new_page(browser, site, watch)
    yield page
    page.context.close()
    assert not watch.problems, watch.problems
