"""Gunicorn settings of the production server: `make serve`, or scripts/serve.sh, runs
`gunicorn -c config/gunicorn.conf.py config.wsgi`.

Each value below can be changed from the environment where the README says so; gunicorn's own
command-line flags (and GUNICORN_CMD_ARGS) override this file too. Measurements behind the
choices are in the README's "Production" section.
"""

import gc
import json
import os
import re
import uuid
from datetime import UTC, datetime

from gunicorn.glogging import Logger


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    try:
        return int(value)
    except ValueError:
        raise SystemExit(f"{name} must be an integer, not {value!r}") from None


def usable_cores() -> int:
    # The cores this process may run on (a container's or taskset's share), not the whole host's.
    return len(os.sched_getaffinity(0))


# Behind the TLS proxy on the same host; BIND=0.0.0.0:8000 (or a unix:/path) to listen elsewhere.
bind = os.environ.get("BIND", "127.0.0.1:8000")

# Sync workers, one request at a time each: the work is Python rendering between short queries,
# so threads would mostly wait for the GIL (3 workers x 2 threads served fewer requests than 3 or
# 5 sync workers here), and a crashed or stuck worker takes one request with it. The TLS proxy in
# front buffers slow clients, which sync workers cannot afford to wait on.
# 2 x cores + 1: a demo page request spends about 55% of its time waiting for the database, so
# about cores / 0.45 workers keep the cores busy when PostgreSQL has its own machine; sharing the
# 2 cores with PostgreSQL, 3 and 5 workers served the same within noise (README, Production).
worker_class = "sync"
workers = env_int("WEB_CONCURRENCY", 2 * usable_cores() + 1)

# A worker silent this long is killed and replaced (one request's budget, not a client timeout).
timeout = env_int("GUNICORN_TIMEOUT", 30)
# On restart or shutdown, requests in progress get this long to finish.
graceful_timeout = 30

# Django is imported once in the master and the workers fork from it: they share its memory until
# they write to it, start in milliseconds, and a broken configuration (e.g. the development
# SECRET_KEY, refused by config/wsgi.py) stops the server at start instead of in every worker.
# Nothing opens a database connection at import, so no connection is shared across the fork.
preload_app = True


def pre_fork(server, worker):
    # Python's garbage collector writes to every object it scans, which copies the master's pages
    # into each worker; frozen objects are never scanned. Measured on the demo data: 45 MB instead
    # of 58 MB private memory per worker after 200 requests (README, Production).
    gc.freeze()


# Each worker is replaced after about a thousand requests, so a slow leak in any library cannot
# grow without bound; the jitter keeps the workers from all restarting at the same moment.
max_requests = 1000
max_requests_jitter = 100

# The workers' heartbeat files in memory, not on a disk that may stall (containers' overlay /tmp).
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None  # noqa: S108

# gunicorn 27 opens a control socket at ~/.gunicorn/gunicorn.ctl by default; we do not use it,
# and two servers on one machine (tests, the benchmark) would fight over the path.
control_socket_disable = True

proc_name = "registry"

# Access log: one JSON object per line on stdout. Error log (start-up, worker restarts, crashes,
# and Django's own warnings and errors, config/settings.py LOGGING) on stderr.
accesslog = "-"
errorlog = "-"
loglevel = "info"

# A client's or the proxy's X-Request-ID is kept when it looks like one; otherwise one is made
# here, before Django sees the request, so the access log and the audit trail name each request
# alike. The same rule as partnerships.audit.REQUEST_ID_PATTERN (not imported: this file is read
# before Django is set up).
REQUEST_ID_PATTERN = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
REQUEST_ID_HEADER = "X-REQUEST-ID"  # gunicorn keeps header names upper-case


def pre_request(worker, req):
    given = [value for name, value in req.headers if name == REQUEST_ID_HEADER]
    if len(given) == 1 and REQUEST_ID_PATTERN.match(given[0]):
        return
    req.headers = [(name, value) for name, value in req.headers if name != REQUEST_ID_HEADER]
    req.headers.append((REQUEST_ID_HEADER, uuid.uuid4().hex))


class JsonAccessLogger(Logger):
    """Writes each request as a JSON object: easy to filter and aggregate in any log tool."""

    def access(self, resp, req, environ, request_time):
        if not self.access_log_enabled:
            return
        status = int(str(resp.status).split(None, 1)[0])
        path = environ.get("PATH_INFO", "")
        if path == "/healthz" and status == 200:
            return  # a probe every few seconds would bury the requests that matter
        entry = {
            "time": datetime.now(UTC).isoformat(timespec="milliseconds"),
            "request_id": environ.get("HTTP_X_REQUEST_ID"),
            "method": environ.get("REQUEST_METHOD"),
            # WSGI gives the path as latin-1 characters of its UTF-8 bytes: read back as UTF-8.
            "path": path.encode("latin-1").decode("utf-8", "replace"),
            "query": environ.get("QUERY_STRING", ""),
            "status": status,
            "duration_ms": round(request_time.total_seconds() * 1000, 2),
            "bytes": resp.sent,
            "remote_addr": environ.get("REMOTE_ADDR"),
            "forwarded_for": environ.get("HTTP_X_FORWARDED_FOR"),
            "user_agent": environ.get("HTTP_USER_AGENT"),
            "referer": environ.get("HTTP_REFERER"),
            "pid": os.getpid(),
        }
        try:
            self.access_log.info(json.dumps(entry, ensure_ascii=False))
        except Exception:  # a log line must never break the response that was already sent
            self.exception("Could not write the access log entry")


logger_class = JsonAccessLogger
