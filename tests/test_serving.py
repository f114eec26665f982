"""Production serving, as Zhao the operator deploys it and a load balancer watches it.

The health check is tested in-process, including against a second database configured at a port
where nothing listens (a real refused connection), and through gunicorn with the database down.
Everything else runs the real thing: the
`deployment` fixture prepares a SQLite database with the demo data in a temporary folder and
starts `scripts/serve.sh` (migrate, collectstatic, gunicorn with config/gunicorn.conf.py) on a
free port with DEBUG off and its own SECRET_KEY, then the tests speak HTTP to it.
"""

from __future__ import annotations

import gzip
import hashlib
import http.client
import json
import os
import re
import secrets
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.db import DEFAULT_DB_ALIAS, connections

from config import health
from tests.test_security_headers import POLICY, policy_of

pytest.importorskip("gunicorn", reason="gunicorn is a production dependency (pyproject.toml)")
brotli = pytest.importorskip("brotli", reason="brotli is a production dependency")

ROOT = Path(__file__).resolve().parents[1]
# The test process's own settings must not leak into the production server it starts.
NOT_INHERITED = (
    "DEBUG",
    "SECRET_KEY",
    "DJANGO_ALLOW_ASYNC_UNSAFE",
    "DATABASE_URL",
    "STATIC_ROOT",
    "CONN_MAX_AGE",
    "BIND",
    "WEB_CONCURRENCY",
    "GUNICORN_CMD_ARGS",
    "LOG_LEVEL",
)
# Start-up runs migrate and collectstatic (gzip and brotli of every file): on two busy cores
# that can take a minute.
START_TIMEOUT = 300
LISTENING = re.compile(r"Listening at: http://127\.0\.0\.1:(\d+)")
TEN_YEARS = "max-age=315360000, public, immutable"
MEGABYTE = 1024 * 1024


def production_env(**env: str) -> dict[str, str]:
    inherited = {name: value for name, value in os.environ.items() if name not in NOT_INHERITED}
    return inherited | {"SECRET_KEY": secrets.token_urlsafe(60), "PYTHON": sys.executable} | env


def run(*args: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(  # noqa: S603 (our own interpreter and scripts)
        args,
        cwd=ROOT,
        env=production_env(**env),
        capture_output=True,
        text=True,
        timeout=START_TIMEOUT,
        check=False,
    )


@dataclass
class Response:
    status: int
    headers: http.client.HTTPMessage
    body: bytes

    def json(self):
        return json.loads(self.body)


@dataclass
class Server:
    process: subprocess.Popen
    port: int
    access_log: Path
    error_log: Path

    def get(self, path: str, **headers: str) -> Response:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        try:
            connection.request("GET", path, headers=headers)
            response = connection.getresponse()
            return Response(response.status, response.headers, response.read())
        finally:
            connection.close()

    def all_access_entries(self) -> list[dict]:
        return [json.loads(line) for line in self.access_log.read_text().splitlines()]

    def access_entries(self, request_id: str) -> list[dict]:
        """The access log's entries for one request; workers write them just after responding."""
        deadline = time.monotonic() + 10
        while True:
            entries = self.all_access_entries()
            found = [entry for entry in entries if entry["request_id"] == request_id]
            if found or time.monotonic() > deadline:
                return found
            time.sleep(0.05)

    def worker_pids(self) -> list[int]:
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return [int(pid) for pid in children.read_text().split()]

    def stop(self) -> None:
        self.process.terminate()  # gunicorn's graceful stop
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def start_server(command: list[str], folder: Path, **env: str) -> Server:
    """Starts a server on a free port (gunicorn binds port 0) and waits until it listens."""
    access_log, error_log = folder / "access.log", folder / "error.log"
    with access_log.open("w") as stdout, error_log.open("w") as stderr:
        process = subprocess.Popen(  # noqa: S603 (our own interpreter and scripts)
            command,
            cwd=ROOT,
            env=production_env(BIND="127.0.0.1:0", **env),
            stdout=stdout,
            stderr=stderr,
        )
    deadline = time.monotonic() + START_TIMEOUT
    while not (listening := LISTENING.search(error_log.read_text())):
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            pytest.fail(f"the server did not start:\n{error_log.read_text()}")
        time.sleep(0.2)
    return Server(process, int(listening.group(1)), access_log, error_log)


@pytest.fixture(scope="module")
def deployment(tmp_path_factory) -> Iterator[Server]:
    """The production server on the demo data, as `make serve` runs it (two workers)."""
    folder = tmp_path_factory.mktemp("deployment")
    env = {
        "DATABASE_URL": f"sqlite:///{folder / 'db.sqlite3'}",
        "STATIC_ROOT": str(folder / "static"),
        "WEB_CONCURRENCY": "2",
    }
    server = start_server(["bash", "scripts/serve.sh"], folder, **env)  # migrates the new database
    loaded = run(sys.executable, "manage.py", "load_article", **env)
    assert loaded.returncode == 0, loaded.stderr
    yield server
    server.stop()


@pytest.fixture
def closed_port() -> Iterator[int]:
    """A port that is reserved but never listens: connecting to it is refused at once."""
    with socket.socket() as reserved:
        reserved.bind(("127.0.0.1", 0))
        yield reserved.getsockname()[1]


UNREACHABLE = "unreachable"


@pytest.fixture
def unreachable_database(closed_port) -> Iterator[str]:
    """A second database alias, configured like a PostgreSQL server that is down.

    Not with the `db` fixture: Django's test case refuses any alias it was not told about.
    """
    configured = connections.configure_settings(
        {
            DEFAULT_DB_ALIAS: dict(connections.settings[DEFAULT_DB_ALIAS]),
            UNREACHABLE: {
                "ENGINE": "django.db.backends.postgresql",
                "HOST": "127.0.0.1",
                "PORT": closed_port,
                "NAME": "registry",
                "USER": "registry",
            },
        }
    )
    connections.settings[UNREACHABLE] = configured[UNREACHABLE]
    yield UNREACHABLE
    connections[UNREACHABLE].close()
    del connections[UNREACHABLE]
    del connections.settings[UNREACHABLE]


# --- The health check ----------------------------------------------------------------------------


def test_the_health_check_answers_ok_with_one_query_and_no_session(
    client, db, django_assert_num_queries
):
    # The only query: SELECT 1.
    with django_assert_num_queries(1):
        response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}
    assert response.cookies == {}
    assert response["Cache-Control"] == "max-age=0, no-cache, no-store, must-revalidate, private"


def test_a_database_that_refuses_connections_is_a_health_problem(
    unreachable_database, closed_port, django_db_blocker, caplog
):
    with django_db_blocker.unblock():
        problem = health.database_problem(unreachable_database)

    # The answer to the balancer: which database, and the kind of failure. Where the database
    # is (host and port) goes to the operator's error log only.
    assert problem == "database 'unreachable' unavailable (OperationalError)"
    [record] = [record for record in caplog.records if record.name == "config.health"]
    assert record.levelname == "ERROR"
    assert f"port {closed_port} failed" in record.getMessage()


def test_the_health_check_takes_no_writes(client, db):
    response = client.post("/healthz")

    assert response.status_code == 405
    assert response["Allow"] == "GET, HEAD"


# --- Settings of the production server ----------------------------------------------------------

READ_CONNECTION_SETTINGS = (
    "from django.conf import settings; "
    "database = settings.DATABASES['default']; "
    "print(database['CONN_MAX_AGE'], database['CONN_HEALTH_CHECKS'])"
)


def test_persistent_connections_last_conn_max_age_seconds_from_the_environment():
    production = run(sys.executable, "-c", READ_CONNECTION_SETTINGS)
    tuned = run(sys.executable, "-c", READ_CONNECTION_SETTINGS, CONN_MAX_AGE="17")
    on_a_laptop = run(sys.executable, "-c", READ_CONNECTION_SETTINGS, DEBUG="true")
    mistyped = run(sys.executable, "-c", READ_CONNECTION_SETTINGS, CONN_MAX_AGE="a minute")

    assert (production.stdout, production.stderr) == ("60 True\n", "")
    assert (tuned.stdout, tuned.stderr) == ("17 True\n", "")
    # runserver starts a thread per request: kept connections would only pile up.
    assert (on_a_laptop.stdout, on_a_laptop.stderr) == ("0 True\n", "")
    assert mistyped.returncode == 1
    assert "CONN_MAX_AGE must be an integer, not 'a minute'" in mistyped.stderr


def test_the_production_server_refuses_to_start_without_a_secret_key():
    env = {name: value for name, value in production_env().items() if name != "SECRET_KEY"}
    refused = subprocess.run(
        ["bash", "scripts/serve.sh"],  # noqa: S607 (bash from the PATH, like `make serve`)
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert refused.returncode == 1
    assert refused.stdout == ""
    assert refused.stderr.splitlines()[0] == (
        "serve: SECRET_KEY is not set. A production server needs its own random key, e.g."
    )


# --- gunicorn, as `make serve` runs it -----------------------------------------------------------


def test_gunicorn_serves_the_home_page_with_the_security_headers(deployment):
    response = deployment.get("/")

    assert response.status == 200
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    assert policy_of(response.headers) == POLICY
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert re.fullmatch(r"[0-9a-f]{32}", response.headers["X-Request-ID"])
    assert "同济大学" in response.body.decode()


def test_the_health_check_answers_through_gunicorn(deployment):
    response = deployment.get("/healthz")

    assert response.status == 200
    assert response.json() == {"status": "ok", "database": "ok"}


def hashed_stylesheet(deployment: Server) -> str:
    home = deployment.get("/").body.decode()
    [url] = re.findall(r'href="(/static/css/site\.[0-9a-f]{12}\.css)"', home)
    return url


def test_static_files_have_hashed_names_and_are_cached_for_ten_years(deployment):
    url = hashed_stylesheet(deployment)

    hashed = deployment.get(url)
    plain = deployment.get("/static/css/site.css")

    assert hashed.status == 200
    assert hashed.headers["Content-Type"] == 'text/css; charset="utf-8"'
    assert hashed.headers["Cache-Control"] == TEN_YEARS
    # The name without a hash may change content at any deployment: browsers check it soon.
    assert plain.headers["Cache-Control"] == "max-age=60, public"
    # Caching forever is safe because the name is the content's digest: new content, new name.
    assert url.split(".")[-2] == hashlib.md5(hashed.body, usedforsecurity=False).hexdigest()[:12]


def test_static_files_are_sent_compressed_when_the_browser_accepts_it(deployment):
    url = hashed_stylesheet(deployment)

    identity = deployment.get(url)
    gzipped = deployment.get(url, **{"Accept-Encoding": "gzip"})
    brotli_compressed = deployment.get(url, **{"Accept-Encoding": "gzip, deflate, br"})

    assert identity.headers["Content-Encoding"] is None
    assert gzipped.headers["Content-Encoding"] == "gzip"
    assert brotli_compressed.headers["Content-Encoding"] == "br"
    assert gzipped.headers["Vary"] == brotli_compressed.headers["Vary"] == "Accept-Encoding"
    assert gzip.decompress(gzipped.body) == identity.body
    assert brotli.decompress(brotli_compressed.body) == identity.body
    assert len(brotli_compressed.body) < len(gzipped.body) < len(identity.body)


def test_each_request_is_one_json_line_in_the_access_log(deployment):
    response = deployment.get(
        "/projects/?q=%E5%90%8C%E6%B5%8E",
        **{"X-Request-ID": "lb-7f3a9c21", "User-Agent": "zhao-probe/1.0"},
    )

    [entry] = deployment.access_entries("lb-7f3a9c21")
    assert response.headers["X-Request-ID"] == "lb-7f3a9c21"  # the id Django used, too
    assert set(entry) == {
        "time",
        "request_id",
        "method",
        "path",
        "query",
        "status",
        "duration_ms",
        "bytes",
        "remote_addr",
        "forwarded_for",
        "user_agent",
        "referer",
        "pid",
    }
    assert {name: entry[name] for name in ("method", "path", "query", "status")} == {
        "method": "GET",
        "path": "/projects/",
        "query": "q=%E5%90%8C%E6%B5%8E",
        "status": 200,
    }
    assert entry["bytes"] == len(response.body)
    assert entry["user_agent"] == "zhao-probe/1.0"
    assert entry["remote_addr"] == "127.0.0.1"
    assert entry["pid"] in deployment.worker_pids()
    assert 0 < entry["duration_ms"] < 60_000


def test_a_request_without_a_usable_id_gets_one_shared_by_the_log_and_the_response(deployment):
    response = deployment.get("/", **{"X-Request-ID": "bad id; drop table"})

    request_id = response.headers["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", request_id)
    [entry] = deployment.access_entries(request_id)
    assert entry["path"] == "/"


def test_successful_health_checks_stay_out_of_the_access_log(deployment):
    deployment.get("/healthz", **{"X-Request-ID": "probe-00000001"})
    deployment.get("/", **{"X-Request-ID": "after-probe-01"})  # logged after the probe's line

    assert len(deployment.access_entries("after-probe-01")) == 1
    logged = {entry["request_id"] for entry in deployment.all_access_entries()}
    assert "probe-00000001" not in logged


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads Linux's /proc")
def test_each_worker_stays_under_150_mb_after_200_requests_on_the_demo_data(deployment):
    pages = ["/", "/projects/", "/institutions/", "/agreements/", "/enterprises/"]
    for listing in pages[1:]:
        kind = listing.strip("/")
        pages += re.findall(rf'href="(/{kind}/\d+/)"', deployment.get(listing).body.decode())[:3]
    for number in range(200):
        assert deployment.get(pages[number % len(pages)]).status == 200

    peaks = {}
    for pid in deployment.worker_pids():
        status = Path(f"/proc/{pid}/status").read_text()
        peaks[pid] = int(re.search(r"VmHWM:\s+(\d+) kB", status).group(1)) * 1024
    assert len(peaks) == 2
    assert max(peaks.values()) < 150 * MEGABYTE, peaks


def test_gunicorn_answers_503_to_the_health_check_while_the_database_is_down(
    deployment, closed_port, tmp_path
):
    """PostgreSQL is down at start-up: the server still starts, and the balancer is told."""
    server = start_server(
        [sys.executable, "-m", "gunicorn", "--config", "config/gunicorn.conf.py", "config.wsgi"],
        tmp_path,
        DATABASE_URL=f"postgres://registry@127.0.0.1:{closed_port}/registry",
        STATIC_ROOT=str(Path(deployment.access_log).parent / "static"),
        WEB_CONCURRENCY="1",
    )
    try:
        response = server.get("/healthz", **{"X-Request-ID": "probe-db-down-1"})
        [entry] = server.access_entries("probe-db-down-1")
    finally:
        server.stop()

    assert response.status == 503
    assert response.json() == {
        "status": "error",
        "database": "error",
        "reason": "database 'default' unavailable (OperationalError)",
    }
    assert entry["status"] == 503  # a failing probe is worth a line
    assert f"port {closed_port} failed" in server.error_log.read_text()


def test_gunicorn_behind_a_trusted_proxy_limits_each_forwarded_client_apart(deployment, tmp_path):
    """nginx on this machine (127.0.0.1) forwards two clients: each has its own API allowance."""
    server = start_server(
        [sys.executable, "-m", "gunicorn", "--config", "config/gunicorn.conf.py", "config.wsgi"],
        tmp_path,
        DATABASE_URL=f"sqlite:///{Path(deployment.access_log).parent / 'db.sqlite3'}",
        STATIC_ROOT=str(Path(deployment.access_log).parent / "static"),
        WEB_CONCURRENCY="1",  # the throttle's counters are in each worker's memory here
        TRUSTED_PROXIES="127.0.0.1,::1",
        API_ANON_RATE="3",
    )
    # What each client sent itself, then the address nginx appended.
    forwarded = [{"X-Forwarded-For": f"10.9.9.9, 203.0.113.{client}"} for client in (7, 8)]
    try:
        first = [server.get("/api/v1/districts/", **forwarded[0]).status for _ in range(4)]
        second = [server.get("/api/v1/districts/", **forwarded[1]).status for _ in range(3)]
    finally:
        server.stop()

    assert (first, second) == ([200, 200, 200, 429], [200, 200, 200])


# --- The demo, as `make run` serves it -----------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def demo(deployment, tmp_path_factory) -> Iterator[Server]:
    """scripts/run-demo.sh (the last step of `make run`) on the deployment's data and files."""
    folder = tmp_path_factory.mktemp("demo")
    deployed = Path(deployment.access_log).parent
    port = free_port()
    access_log, error_log = folder / "stdout.log", folder / "stderr.log"
    env = production_env(
        RUN_ADDR=f"127.0.0.1:{port}",
        DATABASE_URL=f"sqlite:///{deployed / 'db.sqlite3'}",
        STATIC_ROOT=str(deployed / "static"),
        DEMO_SECRET_KEY_FILE=str(folder / "demo-secret-key"),
    )
    del env["SECRET_KEY"]  # the script makes its own
    with access_log.open("w") as stdout, error_log.open("w") as stderr:
        process = subprocess.Popen(
            ["bash", "scripts/run-demo.sh", "--noreload"],  # noqa: S607 (bash, as make runs it)
            cwd=ROOT,
            env=env,
            stdout=stdout,
            stderr=stderr,
        )
    server = Server(process, port, access_log, error_log)
    deadline = time.monotonic() + START_TIMEOUT
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                pytest.fail(f"the demo did not start:\n{error_log.read_text()}")
            time.sleep(0.2)
    yield server
    server.stop()


def test_the_demo_runs_with_debug_off_and_answers_an_unknown_page_with_the_sites_404(demo):
    response = demo.get("/no-such-page/")
    body = response.body.decode()

    assert response.status == 404
    assert re.search(r"<h1>(.*?)</h1>", body).group(1) == "页面不存在"
    assert "URLconf" not in body
    assert "Traceback" not in body


def test_the_demo_keeps_its_generated_secret_key_private(demo):
    key_file = Path(demo.access_log).parent / "demo-secret-key"

    assert len(key_file.read_text().strip()) >= 50
    assert key_file.stat().st_mode & 0o777 == 0o600


def test_the_demo_serves_the_favicon_and_names_it_on_every_page(demo):
    home = demo.get("/")
    asked = demo.get("/favicon.ico")
    icon = demo.get(asked.headers["Location"])

    linked = re.search(r'<link rel="icon" href="([^"]+)"', home.body.decode()).group(1)
    assert (home.status, asked.status, icon.status) == (200, 302, 200)
    assert re.fullmatch(r"/static/favicon\.[0-9a-f]{12}\.ico", asked.headers["Location"])
    assert linked == asked.headers["Location"]
    assert icon.body == (ROOT / "static" / "favicon.ico").read_bytes()
    assert icon.headers["Cache-Control"] == TEN_YEARS


def test_make_run_checks_the_port_before_it_resets_the_demo_accounts():
    planned = subprocess.run(
        ["make", "-n", "run", "RUN_ADDR=127.0.0.1:8123"],  # noqa: S607 (make from the PATH)
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    ).stdout.splitlines()

    steps = [
        next(index for index, line in enumerate(planned) if needle in line)
        for needle in ("check_port.py", "create_demo_staff", "run-demo.sh")
    ]
    assert steps == sorted(steps)
    assert '.venv/bin/python scripts/check_port.py "127.0.0.1:8123"' in planned
    assert ".venv/bin/python manage.py create_demo_staff --origin http://127.0.0.1:8123" in planned


def test_the_port_check_refuses_a_busy_address_and_accepts_a_free_one():
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        refused = run(sys.executable, "scripts/check_port.py", f"127.0.0.1:{port}")
    accepted = run(sys.executable, "scripts/check_port.py", f"127.0.0.1:{free_port()}")

    assert refused.returncode == 1
    assert refused.stderr == (
        f"run: cannot listen on 127.0.0.1:{port}: Address already in use. Is `make run` already "
        "running? Stop it, or choose another address: make run RUN_ADDR=127.0.0.1:8001\n"
    )
    assert (accepted.returncode, accepted.stderr) == (0, "")
