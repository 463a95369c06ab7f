"""bench/RESULTS.md: machine, versions, date, the results table, method, how to reproduce, profiles, changes.

The table comes from one run. `bench/profiles.md` (profile summaries) and
`bench/changes.md` (before/after rows of each optimisation) are edited by hand and
included as they are.
"""

from __future__ import annotations

import datetime as dt
import inspect
import os
import platform
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

from bench.harness import CPU_COUNT, LOAD_CPUS, SERVER_CPUS, Benchmark, Result, RunConfig

BENCH_DIR = Path(__file__).resolve().parent
PACKAGES = [
    "strawberry-graphql", "graphql-core", "starlette", "uvicorn", "uvloop", "httptools", "asyncpg",
    "tortoise-orm", "redis", "dramatiq", "stripe", "httpx", "localstripe",
]  # fmt: skip


def _read(path: str) -> str:
    try:
        return Path(path).read_text()
    except OSError:
        return ""


def _cpu_model() -> str:
    for line in _read("/proc/cpuinfo").splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def _mem_total_gib() -> float:
    for line in _read("/proc/meminfo").splitlines():
        if line.startswith("MemTotal:"):
            return int(line.split()[1]) / 1024 / 1024
    return 0.0


def _git(*args: str) -> str:
    try:
        done = subprocess.run(["git", *args], capture_output=True, text=True, check=False, cwd=BENCH_DIR.parent)
    except OSError:
        return ""
    return done.stdout.strip()


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "-"


def _postgres_version() -> str:
    try:
        done = subprocess.run(
            ["psql", "-h", "127.0.0.1", "-U", "postgres", "-tAc", "show server_version"],
            capture_output=True,
            text=True,
            check=False,
            timeout=10,
        )
    except (OSError, subprocess.TimeoutExpired):
        return "-"
    return done.stdout.strip() or "-"


def _redis_version() -> str:
    try:
        done = subprocess.run(["redis-server", "--version"], capture_output=True, text=True, check=False, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return "-"
    return next((word.split("=")[1] for word in done.stdout.split() if word.startswith("v=")), "-")


@dataclass
class RunInfo:
    """Where, when and how the run happened."""

    command: str
    config: RunConfig
    started: str
    cpu_model: str
    cores: int
    mem_gib: float
    python: str
    kernel: str
    commit: str
    load_before: tuple[float, float, float]
    versions: dict[str, str] = field(default_factory=dict)
    load_after: tuple[float, float, float] = (0.0, 0.0, 0.0)
    finished: str = ""
    log_dir: str = ""
    customers: int = 0

    @classmethod
    def collect(cls, config: RunConfig, command: str) -> RunInfo:
        """Describe this machine now."""
        dirty = " (with uncommitted changes)" if _git("status", "--porcelain", "--untracked-files=no") else ""
        versions = {package: _version(package) for package in PACKAGES}
        versions["PostgreSQL"] = _postgres_version()
        versions["Redis"] = _redis_version()
        return cls(
            command=command,
            config=config,
            started=dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
            cpu_model=_cpu_model(),
            cores=os.cpu_count() or 1,
            mem_gib=_mem_total_gib(),
            python=sys.version.split()[0],
            kernel=platform.release(),
            commit=(_git("rev-parse", "--short", "HEAD") or "unknown") + dirty,
            load_before=os.getloadavg(),
            versions=versions,
        )

    def finish(self) -> None:
        """Record the end of the run."""
        self.load_after = os.getloadavg()
        self.finished = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")


def _num(value: float | None, digits: int = 1) -> str:
    if value is None:
        return "-"
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    return f"{value:.{digits}f}"


def _met(value: bool | None) -> str:
    return {True: "**yes**", False: "**NO**", None: "-"}[value]


def _cpu_per_request(row: Result) -> str:
    value = row.extra.get("server_cpu_ms_per_request")
    return _num(value, 2) if isinstance(value, int | float) else "-"


def render_table(
    benchmarks: Sequence[Benchmark],
    results: Sequence[Result],
    failures: dict[int, str] | None = None,
    skipped: dict[int, str] | None = None,
) -> str:
    """The results as one Markdown table: a row per variant, the ratio and verdict on the gateway row."""
    failures, skipped = failures or {}, skipped or {}
    lines = [
        "| # | benchmark | variant | req/s | p50 ms | p95 ms | p99 ms | CPU s | CPU ms/req | peak RSS MiB | ratio "
        "| target | met |",
        "|---|---|---|---:|---:|---:|---:|---:|---:|---:|---|---|---|",
    ]
    targets = {b.number: b.target for b in benchmarks}
    names = {b.number: b.name for b in benchmarks}
    for number in sorted({*targets, *skipped}):
        rows = [r for r in results if r.benchmark == number]
        if number in skipped:
            lines.append(f"| {number} | - | - | | | | | | | | | | skipped: {skipped[number]} |")
            continue
        if number in failures:
            lines.append(f"| {number} | {names[number]} | - | | | | | | | | | {targets[number]} | FAILED (see log) |")
            continue
        for row in rows:
            ratio = f"{row.ratio:.2f} ({row.ratio_label})" if row.ratio is not None else ""
            target = targets.get(number, "") if row.variant == "gateway" else ""
            lines.append(
                f"| {number} | {row.name} | {row.variant} | {_num(row.throughput_rps)} | {_num(row.p50_ms, 2)} | "
                f"{_num(row.p95_ms, 2)} | {_num(row.p99_ms, 2)} | {_num(row.cpu_seconds, 2)} | "
                f"{_cpu_per_request(row)} | "
                f"{_num(row.peak_rss_mib)} | {ratio} | {target} | {_met(row.met) if row.variant == 'gateway' else ''} |"
            )
    return "\n".join(lines)


def _details(results: Sequence[Result]) -> str:
    lines = []
    for row in results:
        extra = ", ".join(f"{key}={value}" for key, value in row.extra.items())
        text = "; ".join(part for part in (row.notes, extra) if part)
        if text:
            lines.append(f"- **{row.benchmark} {row.variant}**: {text}")
    return "\n".join(lines)


def _methods(benchmarks: Sequence[Benchmark]) -> str:
    parts = []
    for benchmark in sorted(benchmarks, key=lambda b: b.number):
        module = sys.modules.get(benchmark.run.__module__)
        doc = inspect.cleandoc(module.__doc__ or "") if module is not None else ""
        parts.append(f"### {benchmark.number}. {benchmark.name}\n\nTarget: {benchmark.target}.\n\n{doc}\n")
    return "\n".join(parts)


METHOD = """\
- **One command** starts everything: a fresh PostgreSQL database on the local server (migrated with
  `billing-gateway migrate`), a `redis-server` of its own on a spare port, localstripe, API keys, the
  gateway (`billing-gateway serve`: uvicorn with uvloop and httptools, `GATEWAY_ENV=production`, rate
  limits off, one process), the worker when a benchmark needs it, and each baseline (uvicorn with the
  same server settings). It loads {customers} mirror customers (2 payment methods, 2 subscriptions,
  2 invoices, 2 payments, 2 refunds each) straight into PostgreSQL, runs the benchmarks, and stops it all.
- **Pairs, alternating**: each benchmark runs its gateway variant and its baseline in {rounds} rounds
  (order A B B A …), {round_duration:g} s measured per round after {warmup:g} s of warm-up, so both sides
  see the same machine state; a side's numbers merge its rounds (latencies pooled, counts and CPU summed).
- **Pinning** ({cores} cores): servers under `taskset -c {server_cpus}`, the load generator under
  `taskset -c {load_cpus}`. PostgreSQL, Redis, localstripe and the worker are not pinned (PostgreSQL is the
  machine's; pinning it would need its service restarted), so on a two-core machine they share both cores
  with the servers and the client: the ratios, not the absolute numbers, are the point.
- **Load** comes from `bench/load.py` in its own process: an asyncio (uvloop) client whose connections are
  `asyncio.Protocol`s writing pre-encoded HTTP/1.1 requests and parsing only the status line and length,
  so it costs far less CPU per request than the servers (its own CPU share is in the details:
  `client_cpu_pct`; near 100 would mean the client was the limit). wrk is not installed, locust and
  aiohttp/httpx clients cost more CPU per request than the servers they would measure. Closed loop:
  {concurrency} keep-alive connections, each sending when its previous answer arrived (latency = send →
  last byte). Open loop (fixed rate): latency runs from the scheduled send time, so queueing behind a slow
  server counts (no coordinated omission). Every answer is checked: the expected status and, for GraphQL,
  no `"errors"` in the body; a wrong answer is an error, not a sample.
- **CPU** is utime+stime of the server's process tree from /proc between the window's start and end;
  **CPU ms/req** divides it by the answers of the window: it holds steady when other work on the machine
  takes CPU from the server (throughput and latency do not), so compare it first on a busy machine.
  `server_cpu_pct` in the details is the server's share of its core during the window: under closed-loop
  load it should be near 100; far less means something else ran on the server core;
  **peak RSS** is the highest VmRSS sampled every 20 ms inside the window (VmHWM cannot be reset and the
  gateway serves every benchmark from one process; it is listed in the details as `vmhwm_mib`).
- **Percentiles** are nearest-rank over every sample of the side's rounds.
"""


def write_report(
    path: Path,
    info: RunInfo,
    benchmarks: Sequence[Benchmark],
    results: Sequence[Result],
    failures: dict[int, str],
    skipped: dict[int, str],
) -> None:
    """Write the report to `path`."""
    config = info.config
    versions = ", ".join(f"{name} {version}" for name, version in info.versions.items())
    method = METHOD.format(
        customers=info.customers,
        rounds=config.rounds,
        round_duration=config.round_duration,
        warmup=config.warmup,
        cores=CPU_COUNT,
        server_cpus=SERVER_CPUS or "(none: one core)",
        load_cpus=LOAD_CPUS or "(none: one core)",
        concurrency=config.concurrency,
    )
    sections = [
        "# Benchmarks: the gateway against hand-written baselines\n",
        f"Generated by `{info.command}` on {info.started} (finished {info.finished})"
        + (" — **smoke run: tiny loads, numbers mean nothing**" if config.smoke else "")
        + ". Do not edit by hand: rerun the command. `bench/profiles.md` and `bench/changes.md` are "
        "the hand-written parts included below; `bench/capacity.md` works benchmark 9's numbers out into hosts.\n",
        "## Machine\n",
        f"- CPU: {info.cpu_model}, {info.cores} cores; RAM {info.mem_gib:.1f} GiB; Linux {info.kernel}",
        f"- Python {info.python}; {versions}",
        f"- Commit {info.commit}",
        f"- Load average (1/5/15 min) before: {' '.join(f'{v:.2f}' for v in info.load_before)}, after: "
        f"{' '.join(f'{v:.2f}' for v in info.load_after)} (other work on the machine shows here)\n",
        "## Results\n",
        f"Each side measured {config.duration:g} s in {config.rounds} alternating rounds; closed-loop "
        f"load with {config.concurrency} connections unless the benchmark says otherwise. Ratio and verdict "
        "are on the gateway row.\n",
        render_table(benchmarks, results, failures, skipped),
        "",
        "### Details\n",
        _details(results) or "(none)",
        "",
    ]
    if failures:
        sections += ["### Failures\n"] + [f"**{n}**:\n\n```\n{tb}\n```\n" for n, tb in sorted(failures.items())]
    sections += [
        "## How to reproduce\n",
        "On a machine of this kind (2 cores, PostgreSQL on 127.0.0.1:5432 with trust auth for `postgres`, "
        "`redis-server` on the PATH), from the repository root:\n",
        "```bash\nuv run python -m bench            # everything, writes bench/RESULTS.md (about 20 minutes)\n"
        "uv run python -m bench --only 1,2  # some benchmarks\n"
        "uv run python -m bench --smoke --out /tmp/smoke.md  # the CI smoke run: seconds, numbers meaningless\n```\n",
        "The test PostgreSQL server can be changed with `TEST_PG_ADMIN_URL` (as for the tests). "
        f"Process logs of this run were in `{info.log_dir}`.\n",
        "## Method\n",
        method,
        "## What each benchmark does\n",
        _methods(benchmarks),
    ]
    for title, name in (("Profiles", "profiles.md"), ("Changes", "changes.md")):
        text = _read(str(BENCH_DIR / name)).strip()
        if text:
            sections += [f"## {title}\n", f"(from `bench/{name}`)\n", text, ""]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(sections).rstrip() + "\n")
