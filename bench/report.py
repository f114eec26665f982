"""The verdicts on the targets, the table, and bench/RESULTS.md."""

import os
import platform
import re
import sqlite3
import subprocess
from pathlib import Path

from bench.services import VENV_BIN, pg_bindir

RESULTS_MD = Path(__file__).resolve().parent / "RESULTS.md"

# The targets, each met or not.
TARGET_LIST_FLOOR_RATIO = 3.0
TARGET_DEEP_RATIO = 1.2
TARGET_STATS_FLOOR_RATIO = 1.5
TARGET_PAGE_P50_MS = 50.0
TARGET_WORKER_MB = 150.0

BEGIN, END = "<!-- bench:begin -->", "<!-- bench:end -->"
VERDICT = {True: "met", False: "**not met**", None: "–"}

# --- Targets and report --------------------------------------------------------------------------


def ratio(numerator, denominator):
    return round(numerator / denominator, 2) if numerator and denominator else None


def ms(value) -> str:
    return "no request finished" if value is None else f"{value:,.1f} ms"


def within(value, limit) -> bool:
    """A latency that was never measured (nothing finished in the run) meets no target."""
    return value is not None and limit is not None and value <= limit


def evaluate(results: dict) -> list[dict]:
    """Each target, met or not, with the numbers behind the verdict."""
    ep = results["endpoints"]

    def one(key, conn="1"):
        return ep[key]["ours"][conn]

    def trouble(key) -> str:
        runs = ep[key]["ours"].values()
        timeouts = sum(run.get("worker_timeouts", 0) for run in runs)
        failed = sum(run["non_2xx"] + run["socket_errors"] for run in runs)
        notes = [f"{timeouts} worker timeouts"] if timeouts else []
        notes += [f"{failed} failed requests"] if failed else []
        return f" ({', '.join(notes)})" if notes else ""

    targets = []

    def add(name: str, met: bool | None, detail: str) -> None:
        targets.append({"target": name, "met": met, "detail": detail})

    for key in ("a", "c"):
        if "datasette" in ep[key]:
            ours, theirs = one(key, "16")["rps"], ep[key]["datasette"]["16"]["rps"]
            ours1, theirs1 = one(key)["rps"], ep[key]["datasette"]["1"]["rps"]
            add(
                f"({key}) throughput at least Datasette's",
                ours >= theirs and ours > 0,
                f"{ours:.1f} vs {theirs:.1f} req/s at 16 connections (×{ratio(ours, theirs)});"
                f" {ours1:.1f} vs {theirs1:.1f} at 1 (×{ratio(ours1, theirs1)}){trouble(key)}",
            )
        else:
            add(f"({key}) throughput at least Datasette's", None, "Datasette not run")
    a_p50, a_floor = one("a")["p50_ms"], ep["a"]["floor"]["p50_ms"]
    add(
        f"(a) p50 within {TARGET_LIST_FLOOR_RATIO:g}x of its floor",
        within(a_p50, TARGET_LIST_FLOOR_RATIO * a_floor),
        f"p50 {ms(a_p50)}, floor {a_floor:.2f} ms: ×{ratio(a_p50, a_floor)}{trouble('a')}",
    )
    b_p50 = one("b")["p50_ms"]
    add(
        f"(b) within {TARGET_DEEP_RATIO:g}x of (a)",
        within(b_p50, a_p50 and TARGET_DEEP_RATIO * a_p50),
        f"p50 {ms(b_p50)} vs {ms(a_p50)}: ×{ratio(b_p50, a_p50)}; "
        f"{one('b')['rps']:.1f} vs {one('a')['rps']:.1f} req/s"
        f" (page {results['deep']['page_reached']}){trouble('b')}",
    )
    d_p50, d_floor = one("d")["p50_ms"], ep["d"]["floor"]["p50_ms"]
    add(
        f"(d) within {TARGET_STATS_FLOOR_RATIO:g}x of its floor",
        within(d_p50, TARGET_STATS_FLOOR_RATIO * d_floor),
        f"p50 {ms(d_p50)}, floor {d_floor:,.1f} ms: ×{ratio(d_p50, d_floor)}{trouble('d')}",
    )
    for key in ("e", "f", "g"):
        p50 = one(key)["p50_ms"]
        add(
            f"({key}) p50 under {TARGET_PAGE_P50_MS:g} ms",
            within(p50, TARGET_PAGE_P50_MS - 0.001),
            f"p50 {ms(p50)} at 1 connection, {ms(one(key, '16')['p50_ms'])} at 16{trouble(key)}",
        )
    growing = [
        f"({key}) {c['small']} vs {c['large']} queries"
        for key, row in ep.items()
        if (c := row.get("constancy")) and c["small"] != c["large"]
    ]
    add(
        "queries constant in page size",
        not growing,
        ("grows: " + "; ".join(growing) if growing else "no growth")
        + " (10 vs 100 rows a page for (a)–(c); the typical vs the 90th-percentile record for"
        " (f) and (g); tests/test_bench_smoke.py checks all endpoints on the demo data)",
    )
    peak = results["memory"]["worker_peak_mb"]
    add(
        f"worker memory under {TARGET_WORKER_MB:g} MB",
        peak is not None and peak < TARGET_WORKER_MB,
        f"peak VmHWM {peak} MB over {results['memory']['workers_seen']} workers",
    )
    return targets


def cell(value, digits=1) -> str:
    if value is None:
        return "–"
    return f"{value:,.{digits}f}"


def table(results: dict) -> str:
    header = (
        "| | endpoint | req/s 1 | req/s 16 | p50 ms 1 | p99 ms 1 | p50 ms 16 | p99 ms 16 "
        "| queries | floor ms | p50/floor | Datasette req/s 1 | 16 | ours/theirs 16 |"
    )
    lines = [header, "|" + "---|" * (header.count("|") - 1)]
    for key, row in results["endpoints"].items():
        ours1, ours16 = row["ours"]["1"], row["ours"]["16"]
        theirs = row.get("datasette")
        queries = row["in_process"]["warm"]["queries"]
        cold = row["in_process"]["cold"]["queries"]
        lines.append(
            f"| ({key}) | {row['title']} | {cell(ours1['rps'])} | {cell(ours16['rps'])} "
            f"| {cell(ours1['p50_ms'])} | {cell(ours1['p99_ms'])} | {cell(ours16['p50_ms'])} "
            f"| {cell(ours16['p99_ms'])} | {queries}{f' ({cold} cold)' if cold != queries else ''} "
            f"| {cell(row['floor']['p50_ms'], 2)} "
            f"| {cell(ratio(ours1['p50_ms'], row['floor']['p50_ms']), 2)} "
            f"| {cell(theirs['1']['rps']) if theirs else '–'} "
            f"| {cell(theirs['16']['rps']) if theirs else '–'} "
            f"| {cell(ratio(ours16['rps'], theirs['16']['rps']), 2) if theirs else '–'} |"
        )
    return "\n".join(lines)


def describe_machine() -> dict:
    cpuinfo = Path("/proc/cpuinfo").read_text()
    model = re.search(r"^model name\s*:\s*(.+)$", cpuinfo, re.MULTILINE)
    meminfo = Path("/proc/meminfo").read_text()
    total_kb = int(re.search(r"^MemTotal:\s+(\d+)", meminfo, re.MULTILINE).group(1))
    wrk_version = subprocess.run(["wrk", "-v"], capture_output=True, text=True, check=False)
    postgres = subprocess.run(
        [str(pg_bindir() / "postgres"), "--version"], capture_output=True, text=True, check=False
    ).stdout.strip()
    datasette = subprocess.run(
        [str(VENV_BIN / "datasette"), "--version"], capture_output=True, text=True, check=False
    ).stdout.strip()
    return {
        "cpu": model.group(1).strip() if model else platform.processor(),
        "cores": os.cpu_count(),
        "usable_cores": len(os.sched_getaffinity(0)),
        "memory_gb": round(total_kb / 1024 / 1024, 1),
        "kernel": platform.release(),
        "os": platform.freedesktop_os_release().get("PRETTY_NAME", "")
        if hasattr(platform, "freedesktop_os_release")
        else "",
        "python": platform.python_version(),
        "postgresql": postgres,
        "sqlite": sqlite3.sqlite_version,
        "wrk": (wrk_version.stdout + wrk_version.stderr).split(" Copyright")[0].strip(),
        "datasette": datasette,
        "load_start": os.getloadavg(),
    }


def markdown(results: dict, json_name: str) -> str:
    m, d, s = results["machine"], results["data"], results["subjects"]
    memory, deep = results["memory"], results["deep"]
    loads = [", ".join(f"{x:.2f}" for x in m[k]) for k in ("load_start", "load_end")]
    districts = ", ".join(map(str, s["list_district_ids"]))
    verdicts = "\n".join(
        f"| {t['target']} | {VERDICT[t['met']]} | {t['detail']} |" for t in results["targets"]
    )
    profiles = "\n".join(
        f"- ({key}) `{p['file']}`, {p['requests']} requests: "
        + "; ".join(f"{layer['layer']} {layer['ms_per_request']} ms" for layer in p["layers"])
        for key, p in results.get("profiles", {}).items()
    )
    kind = "quick" if results["quick"] else "full"
    wrk = m["wrk"].split(" Copyright")[0]
    over = sum(1 for peak in memory["worker_peaks_mb"] if peak >= TARGET_WORKER_MB)
    return f"""{BEGIN}
<!-- Written by bench/run.py; edit outside these markers. -->
## Latest run: {results["started_at"]} ({kind}; {json_name})

**Machine**: {m["cpu"]}, {m["usable_cores"]} cores, {m["memory_gb"]} GB RAM; {m["os"]},
kernel {m["kernel"]}. {m["postgresql"]}; Python {m["python"]}; SQLite {m["sqlite"]};
{wrk}; {m["datasette"]}. The server, PostgreSQL, Datasette and wrk share these cores, and so
may other work: load average {loads[0]} at the start, {loads[1]} at the end (1, 5, 15 min).

**Data**: `generate_synthetic --scale {d["scale"]} --seed {d["seed"]}` (generated in
{d.get("generation_seconds", "?")} s). Subjects (bench/endpoints.py): (a)/(b) district_id
{districts}, {s["list_rows"]:,} published projects; (b) is page {deep["page_reached"]}
(cursor walked in {deep["walk_seconds"]} s); (c)/(f) project {s["project_id"]}
({s["project_outcomes"]} public outcomes); (d) district {s["stats_district_id"]}
({s["stats_outcomes"]:,} public outcomes); (g) institution {s["institution_id"]}
({s["institution_projects"]} projects). Server: gunicorn (scripts/serve.sh),
{memory["workers_configured"]} sync workers. wrk: {results["seconds"]} s per run after a
{results["warmup"]} s warm-up.

{table(results)}

req/s and latency from wrk at 1 and 16 connections. (c) is two requests in sequence: its req/s
is 1/Σ(1/req/s) of the parts, its percentiles their sum. queries: per request, in-process, warm
(cold: caches emptied first). floor: EXPLAIN ANALYZE execution time, p50 (bench/queries.py).
Peak memory per worker (VmHWM): {memory["worker_peak_mb"]} MB; {over} of the
{memory["workers_seen"]} workers seen (gunicorn replaces them) went over {TARGET_WORKER_MB:g} MB;
master {memory["master_peak_mb"]} MB; Datasette {results.get("datasette_memory_mb", "–")} MB.

### Targets

| target | verdict | numbers |
|---|---|---|
{verdicts}

### Profiles (cProfile in-process, warm requests; ms per request; layers nest, so they overlap)

{profiles or "No target missed: nothing profiled."}
{END}"""


def write_results_md(text: str) -> None:
    current = RESULTS_MD.read_text() if RESULTS_MD.exists() else ""
    if BEGIN in current and END in current:
        before, rest = current.split(BEGIN, 1)
        after = rest.split(END, 1)[1]
        RESULTS_MD.write_text(before + text + after)
    else:
        RESULTS_MD.write_text("# Benchmark results\n\n" + text + "\n" + current)
