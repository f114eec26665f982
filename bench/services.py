"""What bench/run.py starts and drives: PostgreSQL with the data, the SQLite copy, gunicorn,
Datasette, wrk; and the peak memory of gunicorn's workers."""

import datetime
import hashlib
import json
import os
import re
import secrets
import signal
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CACHE = Path(os.environ.get("BENCH_CACHE", ROOT / "bench" / ".cache"))
VENV_BIN = Path(sys.executable).parent
CONNECTIONS = (1, 16)
DATABASE = "registry"
# Never refuse a benchmark request, but still count it: the throttle's cost is part of a request.
UNTHROTTLED = "1000000000"
# Environment of ours that must not leak from the caller into the servers and commands started.
OWN_VARIABLES = (
    "DATABASE_URL",
    "DEBUG",
    "SECRET_KEY",
    "STATIC_ROOT",
    "BIND",
    "CONN_MAX_AGE",
    "GUNICORN_CMD_ARGS",
    "DJANGO_SETTINGS_MODULE",
)


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in OWN_VARIABLES}
    return env | {"PYTHONUNBUFFERED": "1"} | extra


def manage(*args: str, database_url: str, quiet: bool = False) -> None:
    subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=clean_env(DATABASE_URL=database_url),
        check=True,
        stdout=subprocess.DEVNULL if quiet else None,
    )


def sha256_of(paths) -> str:
    digest = hashlib.sha256()
    for path in sorted(paths):
        digest.update(str(path.relative_to(ROOT)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def generator_hash() -> str:
    # The generator's module (or package) and its command: any change may change the data.
    return sha256_of(
        [
            *ROOT.glob("outcomes/synthetic.py"),
            *ROOT.glob("outcomes/synthetic/*.py"),
            *ROOT.glob("*/management/commands/generate_*.py"),
        ]
    )


def migration_hashes() -> dict[str, str]:
    return {
        str(path.relative_to(ROOT)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(ROOT.glob("*/migrations/0*.py"))
    }


def wait_for_http(url: str, process: subprocess.Popen, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"{what} exited with {process.returncode} before answering")
        try:
            with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 (loopback)
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.5)
    raise SystemExit(f"{what} did not answer {url} within {seconds:.0f} s")


def stop_process(process: subprocess.Popen | None, what: str) -> None:
    if process is None or process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=60)
    except subprocess.TimeoutExpired:
        log(f"{what} ignored TERM for 60 s; killing it")
        process.kill()
        process.wait()


# --- PostgreSQL ----------------------------------------------------------------------------------


def pg_bindir() -> Path:
    """Where initdb and pg_ctl are: as scripts/pg-throwaway.sh chooses."""
    if os.environ.get("PG_BINDIR"):
        return Path(os.environ["PG_BINDIR"])
    preferred = Path("/usr/lib/postgresql/15/bin")
    if (preferred / "initdb").exists():
        return preferred
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: int(p.parts[-3]))
    if not found:
        raise SystemExit("No PostgreSQL server found: run scripts/bench-deps.sh")
    return found[-1].parent


def as_postgres(*command: str) -> list[str]:
    # PostgreSQL refuses to run as root; scripts/pg-throwaway.sh hands the cluster to `postgres`.
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else list(command)


@dataclass
class Cluster:
    """A throwaway cluster kept in `directory` between runs, with a marker of what it holds."""

    directory: Path
    port: int

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{DATABASE}"

    @property
    def marker_path(self) -> Path:
        return self.directory / "bench-marker.json"

    def marker(self) -> dict | None:
        try:
            return json.loads(self.marker_path.read_text())
        except (OSError, ValueError):
            return None

    def write_marker(self, marker: dict) -> None:
        self.marker_path.write_text(json.dumps(marker, indent=2))

    def is_ready(self) -> bool:
        command = [str(pg_bindir() / "pg_isready"), "--quiet", "--host=127.0.0.1"]
        return subprocess.run([*command, f"--port={self.port}"], check=False).returncode == 0

    def create(self) -> None:
        self.remove()
        subprocess.run(
            [
                "bash",
                "scripts/pg-throwaway.sh",
                "start",
                str(self.directory),
                str(self.port),
                DATABASE,
            ],
            cwd=ROOT,
            check=True,
        )

    def start(self) -> None:
        """Start the kept cluster with the options scripts/pg-throwaway.sh gives a new one."""
        if self.is_ready():
            raise SystemExit(f"Something already listens on port {self.port}; use --pg-port")
        options = (
            f"-c listen_addresses=127.0.0.1 -p {self.port} "
            f"-c unix_socket_directories={self.directory} "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        )
        subprocess.run(
            as_postgres(
                str(pg_bindir() / "pg_ctl"),
                f"--pgdata={self.directory / 'data'}",
                f"--log={self.directory / 'postgres.log'}",
                "--wait",
                "--timeout=120",
                "start",
                "-o",
                options,
            ),
            cwd="/",
            check=True,
            stdout=subprocess.DEVNULL,
        )

    def stop(self) -> None:
        """Stop the server and keep the data for the next run."""
        if (self.directory / "data" / "postmaster.pid").exists():
            subprocess.run(
                as_postgres(
                    str(pg_bindir() / "pg_ctl"),
                    f"--pgdata={self.directory / 'data'}",
                    "--mode=fast",
                    "--wait",
                    "--timeout=60",
                    "stop",
                ),
                cwd="/",
                check=False,
                stdout=subprocess.DEVNULL,
            )

    def remove(self) -> None:
        if self.directory.exists():
            subprocess.run(
                ["bash", "scripts/pg-throwaway.sh", "stop", str(self.directory)],
                cwd=ROOT,
                check=True,
            )

    def ensure(self, scale: str, seed: int, regenerate: bool) -> dict:
        """A running cluster holding the data of `scale` and `seed`; returns its marker."""
        wanted = {"scale": scale, "seed": seed, "generator": generator_hash()}
        marker = self.marker()
        migrations = migration_hashes()
        reusable = (
            not regenerate
            and marker is not None
            and all(marker.get(k) == v for k, v in wanted.items())
            # Migrations added since are applied below; a changed or removed one is not
            # what the data went through, so the data is made again.
            and all(migrations.get(name) == h for name, h in marker["migrations"].items())
            and (self.directory / "data").exists()
        )
        if reusable:
            log(f"PostgreSQL: reusing the {scale} data in {self.directory}")
            self.start()
            if marker["migrations"] != migrations:
                log("PostgreSQL: applying new migrations to the kept data")
                manage("migrate", "--noinput", database_url=self.url)
                self.vacuum()
                marker["migrations"] = migrations
                self.write_marker(marker)
            return marker
        log(f"PostgreSQL: new cluster in {self.directory}, {scale} data, seed {seed}")
        self.create()
        manage("migrate", "--noinput", database_url=self.url, quiet=True)
        started = time.monotonic()
        manage("generate_synthetic", "--scale", scale, "--seed", str(seed), database_url=self.url)
        generated = time.monotonic() - started
        self.vacuum()
        marker = wanted | {
            "migrations": migrations,
            "generation_seconds": round(generated, 1),
            "generated_at": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        }
        self.write_marker(marker)
        return marker

    def vacuum(self) -> None:
        # Fresh statistics for the planner, and the visibility map for index-only scans.
        import psycopg

        with psycopg.connect(self.url, autocommit=True) as connection:
            connection.execute("VACUUM ANALYZE")


def ensure_sqlite(path: Path, scale: str, seed: int, regenerate: bool) -> dict:
    """The same data in a SQLite file, for Datasette; kept while scale, seed and generator match."""
    marker_path = path.with_suffix(".marker.json")
    wanted = {"scale": scale, "seed": seed, "generator": generator_hash()}
    try:
        marker = json.loads(marker_path.read_text())
    except (OSError, ValueError):
        marker = None
    if not regenerate and marker == wanted and path.exists():
        log(f"SQLite: reusing {path}")
        return marker
    log(f"SQLite: {scale} data, seed {seed}, in {path}")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.unlink(missing_ok=True)
    url = f"sqlite:///{path}"
    manage("migrate", "--noinput", database_url=url, quiet=True)
    manage("generate_synthetic", "--scale", scale, "--seed", str(seed), database_url=url)
    with sqlite3.connect(path) as connection:
        connection.execute("ANALYZE")  # the planner statistics PostgreSQL gets from VACUUM ANALYZE
    marker_path.write_text(json.dumps(wanted))
    return wanted


# --- Servers -------------------------------------------------------------------------------------


def start_gunicorn(database_url: str, port: int, run_dir: Path, workers: int | None):
    env = clean_env(
        DATABASE_URL=database_url,
        SECRET_KEY=secrets.token_urlsafe(60),
        BIND=f"127.0.0.1:{port}",
        STATIC_ROOT=str(CACHE / "static"),
        API_ANON_RATE=UNTHROTTLED,
        API_TOKEN_RATE=UNTHROTTLED,
        PYTHON=sys.executable,
    )
    if workers:
        env["WEB_CONCURRENCY"] = str(workers)
    log(f"gunicorn: scripts/serve.sh on 127.0.0.1:{port} (access log in {run_dir})")
    process = subprocess.Popen(
        ["bash", "scripts/serve.sh"],
        cwd=ROOT,
        env=env,
        stdout=(run_dir / "gunicorn-access.log").open("w"),
        stderr=(run_dir / "gunicorn.log").open("w"),
        start_new_session=True,
    )
    wait_for_http(f"http://127.0.0.1:{port}/healthz", process, 600, "gunicorn")
    return process


def start_datasette(sqlite_path: Path, port: int, run_dir: Path, metadata: dict):
    metadata_path = run_dir / "datasette-metadata.json"
    metadata_path.write_text(json.dumps(metadata, indent=2, ensure_ascii=False))
    command = [
        str(VENV_BIN / "datasette"),
        "serve",
        "--immutable",  # read-only publishing mode, as Datasette recommends for a fixed file
        str(sqlite_path),
        "--metadata",
        str(metadata_path),
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--setting",
        "default_page_size",
        "100",
        "--setting",
        "max_returned_rows",
        "1000",
        "--setting",
        "sql_time_limit_ms",
        "60000",
        "--setting",
        "suggest_facets",
        "off",
    ]
    if not Path(command[0]).exists():
        raise SystemExit("Datasette is not installed: .venv/bin/pip install -e '.[bench]'")
    log(f"Datasette: {sqlite_path.name} on 127.0.0.1:{port}")
    process = subprocess.Popen(
        command,
        cwd=run_dir,
        env=clean_env(),
        stdout=(run_dir / "datasette.log").open("w"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    wait_for_http(f"http://127.0.0.1:{port}/-/versions.json", process, 120, "Datasette")
    return process


def children_of(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # The command name may hold spaces and parentheses: the parent id follows the last ")".
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            found.append(int(entry.name))
    return found


def memory_kb(pid: int) -> dict[str, int]:
    values = {}
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            name, _colon, rest = line.partition(":")
            if name in ("VmHWM", "VmRSS"):
                values[name] = int(rest.split()[0])
    except OSError:
        pass
    return values


class MemorySampler(threading.Thread):
    """Peak memory of every worker of a gunicorn master, read every 0.2 s.

    gunicorn replaces a worker after about a thousand requests (max_requests), so reading the
    workers once at the end would miss the ones that were replaced.
    """

    def __init__(self, master: int):
        super().__init__(daemon=True)
        self.master = master
        self.peaks: dict[int, int] = {}
        self.halt = threading.Event()

    def run(self) -> None:
        while not self.halt.wait(0.2):
            self.sample()

    def sample(self) -> None:
        for pid in children_of(self.master):
            hwm = memory_kb(pid).get("VmHWM")
            if hwm:
                self.peaks[pid] = max(self.peaks.get(pid, 0), hwm)

    def result(self) -> dict:
        self.halt.set()
        self.join()
        self.sample()
        peaks_mb = sorted(round(kb / 1024, 1) for kb in self.peaks.values())
        master = memory_kb(self.master).get("VmHWM", 0)
        return {
            "workers_seen": len(peaks_mb),
            "worker_peak_mb": peaks_mb[-1] if peaks_mb else None,
            "worker_peaks_mb": peaks_mb,
            "master_peak_mb": round(master / 1024, 1),
        }


# --- Load: wrk -----------------------------------------------------------------------------------

UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}


def duration_ms(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()
    return float(number) * UNITS_MS[unit]


def wrk(url: str, connections: int, seconds: float) -> dict:
    command = [
        "wrk",
        f"--threads={min(connections, 2)}",
        f"--connections={connections}",
        f"--duration={max(1, round(seconds))}s",
        "--timeout=60s",
        "--latency",
        url,
    ]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    percentiles = dict(re.findall(r"^\s+(50|75|90|99)%\s+(\S+)\s*$", output, re.MULTILINE))
    requests = re.search(r"(\d+) requests in", output)
    finished = int(requests.group(1)) if requests else 0
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    errors = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    # With no request finished, wrk prints zeros: no latency at all, not a fast one.
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),
        "p50_ms": duration_ms(percentiles["50"]) if finished and "50" in percentiles else None,
        "p99_ms": duration_ms(percentiles["99"]) if finished and "99" in percentiles else None,
        "requests": finished,
        "non_2xx": int(non_2xx.group(1)) if non_2xx else 0,
        "socket_errors": sum(int(n) for n in errors.groups()) if errors else 0,
    }


def combine(parts: list[dict]) -> dict:
    """One composite request made of several sequential ones, e.g. (c): detail, then outcomes.

    A client doing both spends the sum of their times, so its rate is 1 / Σ(1/rate); the
    percentiles are added, which overstates p99 (the slow tails rarely coincide)."""
    if len(parts) == 1:
        return dict(parts[0])
    return {
        "rps": 1 / sum(1 / p["rps"] for p in parts) if all(p["rps"] for p in parts) else 0.0,
        "p50_ms": None if None in [p["p50_ms"] for p in parts] else sum(p["p50_ms"] for p in parts),
        "p99_ms": None if None in [p["p99_ms"] for p in parts] else sum(p["p99_ms"] for p in parts),
        "requests": sum(p["requests"] for p in parts),
        "non_2xx": sum(p["non_2xx"] for p in parts),
        "socket_errors": sum(p["socket_errors"] for p in parts),
    }


def cpu_ticks(pids: list[int]) -> int:
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime + stime
    return total


def database_busy(database_url: str | None) -> bool:
    """Whether PostgreSQL is running a query for someone else (a worker waiting on it uses no
    CPU, so the CPU alone does not tell)."""
    if not database_url:
        return False
    import psycopg

    with psycopg.connect(database_url, autocommit=True) as connection:
        active = connection.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE state = 'active'"
            " AND pid <> pg_backend_pid() AND datname = current_database()"
        ).fetchone()[0]
    return active > 0


def wait_idle(server_pid: int, database_url: str | None = None, limit: float = 300) -> None:
    """Wait until the server's processes stop using CPU and the database has nothing to do.

    wrk stops at its deadline with requests still queued at the server; the next run would
    otherwise wait behind them (at 16 connections on slow pages, that is seconds).
    """
    deadline = time.monotonic() + limit
    before = -1
    while time.monotonic() < deadline:
        now = cpu_ticks([server_pid, *children_of(server_pid)])
        if now == before and not database_busy(database_url):
            return
        before = now
        time.sleep(0.3)
    log(f"the server was still busy after {limit:.0f} s")


def worker_timeouts(log_path: Path | None) -> int:
    """How many times gunicorn has killed a worker for running over its timeout so far."""
    if log_path is None or not log_path.exists():
        return 0
    return log_path.read_text(errors="replace").count("WORKER TIMEOUT")


@dataclass
class Server:
    """What `load` needs to know of the server under load."""

    base: str
    pid: int
    database_url: str | None = None
    error_log: Path | None = None


def load(server: Server, paths: list[str], seconds: float, warmup: float) -> dict:
    """wrk at each connection count, each part timed after a warm-up and with the server idle.

    The warm-up runs at the most connections, so that every worker, not one, has filled its
    caches (each gunicorn worker has its own); caches that take longer to fill than a worker
    may run stay empty, as they would in production.
    """
    runs = {}
    for connections in CONNECTIONS:
        parts = []
        for path in paths:
            wrk(server.base + path, max(CONNECTIONS), warmup)
            wait_idle(server.pid, server.database_url)
            timeouts = worker_timeouts(server.error_log)
            parts.append(wrk(server.base + path, connections, seconds))
            wait_idle(server.pid, server.database_url)
            parts[-1]["worker_timeouts"] = worker_timeouts(server.error_log) - timeouts
        run = combine(parts) | ({"parts": parts} if len(parts) > 1 else {})
        run["worker_timeouts"] = sum(part["worker_timeouts"] for part in parts)
        runs[str(connections)] = run
        errors = run["non_2xx"] + run["socket_errors"]
        log(
            f"  {connections:>2} conn: {run['rps']:8.1f} req/s  p50 {run['p50_ms'] or 0:8.1f} ms"
            f"  p99 {run['p99_ms'] or 0:8.1f} ms"
            + (f"  errors {errors}" if errors else "")
            + (f"  worker timeouts {run['worker_timeouts']}" if run["worker_timeouts"] else "")
            + ("" if run["requests"] else "  (no request finished in time)")
        )
    return runs
