"""The bench harness: run settings, results, the services stack, server processes, and paired load runs.

A benchmark module exposes `BENCHMARK = Benchmark(number, name, target, run)`; `run(stack,
config)` returns `Result` rows (one for the gateway, one for its baseline, and any extras).

Pinning: on a machine with more than one core, servers (the gateway, baselines) run
under `taskset -c 0` and load generators under `taskset -c 1` (`SERVER_CPUS`,
`LOAD_CPUS`). The services the stack starts (localstripe, Redis, the worker) are
started on every core, like the machine's PostgreSQL, which nothing here can pin.

CPU and memory are read from /proc for a server's whole process tree: CPU is utime+stime
(children included) between the start and the end of the measured window; memory is the
peak of VmRSS sampled every `RSS_SAMPLE_SECONDS` inside the window. VmHWM (the lifetime
peak) cannot be reset and the gateway serves every benchmark from one process, so it is
only reported in `extra`.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import math
import os
import shutil
import sys
import tempfile
import threading
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import TracebackType
from typing import Any, Literal

from bench.data import Seeded, seed
from bench.load import LoadOutcome, LoadSpec
from tests.pg import create_database, drop_database, unique_name
from tests.support.gateway import GATEWAY_SECRET, WEBHOOK_SECRET, cli_path, create_api_key, gateway_env, migrate
from tests.support.localstripe import EMULATOR_SECRET_KEY, LocalStripe
from tests.support.net import free_port, wait_for_http
from tests.support.process import REPO_ROOT, ManagedProcess, clean_env
from tests.support.redis_server import RedisServer

CPU_COUNT = len(os.sched_getaffinity(0))
PINNED = CPU_COUNT > 1
SERVER_CPUS = "0" if PINNED else None
"""The core servers (the gateway, baselines) are pinned to; None on a one-core machine."""
LOAD_CPUS = "1" if PINNED else None
"""The core load generators are pinned to; None on a one-core machine."""
ALL_CPUS = ",".join(str(cpu) for cpu in sorted(os.sched_getaffinity(0)))
RSS_SAMPLE_SECONDS = 0.02
CLK_TCK = os.sysconf("SC_CLK_TCK")
START_TIMEOUT_SECONDS = 60.0
LOAD_GRACE_SECONDS = 60.0
STDOUT_LIMIT_BYTES = 256 * 1024 * 1024


# --- run settings and results ------------------------------------------------------------------------------


@dataclass(frozen=True)
class RunConfig:
    """How long and how hard to run each benchmark."""

    smoke: bool
    duration: float
    """Measured seconds per variant (split over `rounds` alternating rounds)."""
    warmup: float
    """Unmeasured seconds at the start of every round."""
    concurrency: int
    """Connections of closed-loop load."""
    rounds: int = 2
    """Alternations gateway/baseline (ABBA order for 2)."""
    persisted: bool = False
    """Benchmark 1 names its query by SHA-256 only (a persisted document, decision 0066), registered once before."""

    @property
    def round_duration(self) -> float:
        """Measured seconds of one round."""
        return self.duration / self.rounds


@dataclass
class Result:
    """One row of the results table."""

    benchmark: int
    name: str
    variant: Literal["gateway", "baseline"] | str
    throughput_rps: float | None
    p50_ms: float | None
    p95_ms: float | None
    p99_ms: float | None
    cpu_seconds: float | None
    peak_rss_mib: float | None
    notes: str = ""
    extra: dict[str, float | str] = field(default_factory=dict)
    ratio: float | None = None
    """Set on the gateway row: the benchmark's ratio against its baseline (as its target states it)."""
    ratio_label: str = ""
    """What `ratio` is, e.g. `throughput gw/base`."""
    met: bool | None = None
    """Set on the gateway row: whether the target is met (None: not judged)."""


@dataclass(frozen=True)
class Benchmark:
    """One benchmark of the issue's list."""

    number: int
    name: str
    target: str
    run: Callable[[Stack, RunConfig], Awaitable[list[Result]]]


# --- /proc accounting ---------------------------------------------------------------------------------------


def _tree(pid: int) -> list[int]:
    """`pid` and its descendants (via /proc/<pid>/task/<tid>/children)."""
    found: list[int] = []
    todo = [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        with contextlib.suppress(OSError):
            for task in os.listdir(f"/proc/{current}/task"):
                with contextlib.suppress(OSError), open(f"/proc/{current}/task/{task}/children") as children:
                    todo.extend(int(child) for child in children.read().split())
    return found


def _cpu_seconds(pid: int) -> float:
    """utime+stime+cutime+cstime of one process, in seconds (0 when it is gone)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rpartition(")")[2].split()
    except OSError:
        return 0.0
    # After the command name: state is field 3, utime 14, stime 15, cutime 16, cstime 17.
    return sum(int(value) for value in fields[11:15]) / CLK_TCK


def _status_kib(pid: int, key: str) -> int:
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith(key):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


@dataclass(frozen=True)
class ProcStats:
    """A snapshot of a process tree."""

    cpu_seconds: float
    rss_mib: float
    hwm_mib: float
    """VmHWM: the peak RSS since each process started (never reset)."""


def proc_stats(pid: int) -> ProcStats:
    """CPU and memory of `pid` and its descendants, now."""
    pids = _tree(pid)
    return ProcStats(
        cpu_seconds=sum(_cpu_seconds(p) for p in pids),
        rss_mib=sum(_status_kib(p, "VmRSS:") for p in pids) / 1024,
        hwm_mib=sum(_status_kib(p, "VmHWM:") for p in pids) / 1024,
    )


@dataclass(frozen=True)
class WindowStats:
    """What a server used during one measured window."""

    cpu_seconds: float
    peak_rss_mib: float
    start_rss_mib: float
    hwm_mib: float


class Meter:
    """Measures one process tree between `start()` and `stop()`: CPU used and peak sampled VmRSS."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self._start: ProcStats | None = None
        self._peak = 0.0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Open the window."""
        self._start = proc_stats(self.pid)
        self._peak = self._start.rss_mib
        self._stop.clear()
        self._thread = threading.Thread(target=self._sample, name=f"rss-{self.pid}", daemon=True)
        self._thread.start()

    def _sample(self) -> None:
        while not self._stop.wait(RSS_SAMPLE_SECONDS):
            self._peak = max(self._peak, proc_stats(self.pid).rss_mib)

    def stop(self) -> WindowStats:
        """Close the window and return what it measured."""
        if self._start is None:
            raise RuntimeError("Meter.stop() before start()")
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        end = proc_stats(self.pid)
        return WindowStats(
            cpu_seconds=end.cpu_seconds - self._start.cpu_seconds,
            peak_rss_mib=max(self._peak, end.rss_mib),
            start_rss_mib=self._start.rss_mib,
            hwm_mib=end.hwm_mib,
        )


# --- processes ------------------------------------------------------------------------------------------------


def pinned(argv: Sequence[str], cpus: str | None) -> list[str]:
    """`argv` under `taskset -c cpus` (as is when `cpus` is None or taskset is missing)."""
    if cpus is None or shutil.which("taskset") is None:
        return list(argv)
    # taskset execs the command: the pid stays the command's own.
    return ["taskset", "-c", cpus, *argv]


def uvicorn_argv(app: str, port: int) -> list[str]:
    """A baseline ASGI app under uvicorn with the gateway's server settings (uvloop, httptools, no access log)."""
    return [
        sys.executable, "-m", "uvicorn", app,
        "--host", "127.0.0.1", "--port", str(port),
        "--no-access-log", "--log-level", "warning", "--ws-per-message-deflate", "false",
    ]  # fmt: skip


class ServerProcess:
    """A long-running process of the stack (the gateway, a baseline, the worker) with its /proc accounting."""

    def __init__(self, name: str, process: ManagedProcess, url: str | None) -> None:
        self.name = name
        self.process = process
        self.url = url

    @property
    def pid(self) -> int:
        """The process id (the command's own: taskset execs it)."""
        assert self.process.proc is not None, f"{self.name} is not running"
        return self.process.proc.pid

    @property
    def running(self) -> bool:
        """True while it is alive."""
        return self.process.running

    def stats(self) -> ProcStats:
        """CPU seconds so far and RSS (now and VmHWM) of its process tree."""
        return proc_stats(self.pid)

    def meter(self) -> Meter:
        """A meter for one measured window (`start()` / `stop()`)."""
        return Meter(self.pid)

    def log_text(self) -> str:
        """What it printed so far."""
        return self.process.log_text()

    def stop(self) -> None:
        """SIGTERM, then SIGKILL."""
        self.process.stop()

    def __repr__(self) -> str:
        return f"ServerProcess({self.name}, {self.url}, running={self.running})"


# --- the stack -----------------------------------------------------------------------------------------------


@dataclass
class LoadRun:
    """One load run against one server: the client's outcome and each measured server's window."""

    outcome: LoadOutcome
    servers: dict[str, WindowStats]


class Stack:
    """Everything a benchmark needs, started once per bench run (`async with Stack(config) as stack`).

    A fresh PostgreSQL database migrated with `billing-gateway migrate`, a Redis of its own
    (`redis-server` on a spare port), localstripe, API keys (write and admin), the gateway
    (`billing-gateway serve` under uvicorn, production settings, rate limits off) pinned to
    the server core, and on demand the worker (`start_worker()`) and baseline servers
    (`start_server()`). Mirror rows are loaded by `bench.data` (see `seed`).
    """

    def __init__(self, config: RunConfig, log_dir: Path | None = None, *, seed_customers: int = 1000) -> None:
        self.config = config
        self.log_dir = log_dir or Path(tempfile.mkdtemp(prefix="billing-gateway-bench-"))
        self.log_dir.mkdir(parents=True, exist_ok=True)
        self.seed_customers = seed_customers
        self.server_cpus = SERVER_CPUS
        self.pinned_load_cpus = LOAD_CPUS
        self.webhook_secret = WEBHOOK_SECRET
        self.stripe_api_key = EMULATOR_SECRET_KEY
        self.database_name = unique_name("bench")
        self.database_url = ""
        self.redis_url = ""
        self.stripe_url = ""
        self.api_key = ""
        self.admin_key = ""
        self.seeded = Seeded(customer_ids=[])
        """The mirror rows loaded for the read benchmarks."""
        self._redis: RedisServer | None = None
        self._localstripe: LocalStripe | None = None
        self._servers: list[ServerProcess] = []
        self._by_name: dict[str, ServerProcess] = {}
        self._worker: ServerProcess | None = None
        self.gateway: ServerProcess | None = None
        self.profile = False
        """Set by `--profile`: `run_pair` samples each variant's server with py-spy during its windows."""

    # -- lifecycle

    async def __aenter__(self) -> Stack:
        try:
            await self._start()
        except BaseException:
            await self._stop()
            raise
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self._stop()

    async def _start(self) -> None:
        self.database_url = await create_database(self.database_name)
        self.redis_url = await asyncio.to_thread(self._start_redis)
        self._localstripe = LocalStripe(self.log_dir)
        self._localstripe.process.args = pinned(self._localstripe.process.args, ALL_CPUS)
        await asyncio.to_thread(self._localstripe.start)
        self.stripe_url = self._localstripe.url
        env = self.gateway_env()
        cli_log = self.log_dir / "cli.log"
        await asyncio.to_thread(migrate, self.database_url, env=env, log_path=cli_log)
        self.api_key = await asyncio.to_thread(
            create_api_key, self.database_url, "read,write", "bench-write", env=env, log_path=cli_log
        )
        self.admin_key = await asyncio.to_thread(
            create_api_key, self.database_url, "read,write,admin", "bench-admin", env=env, log_path=cli_log
        )
        self.seeded = await seed(self.database_url, self.seed_customers)
        self.gateway = await self.start_gateway("gateway")

    async def start_gateway(self, name: str) -> ServerProcess:
        """A `billing-gateway serve` process on the stack's database, Redis and localstripe (production settings)."""
        port = free_port()
        return await self.start_server(
            name,
            # One process, as every run before `serve --workers` existed (production's default is one per core).
            [str(cli_path()), "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", "1"],
            env=self.gateway_env(),
            port=port,
            health_path="/health/live",
        )

    def _start_redis(self) -> str:
        # Always a server of its own: the bench never writes to (let alone flushes) a Redis it did not start.
        if shutil.which("redis-server") is None:
            raise RuntimeError("the bench starts a redis-server of its own: install redis-server (it is not on PATH)")
        self._redis = RedisServer(self.log_dir)
        self._redis.process.args = pinned(self._redis.process.args, ALL_CPUS)
        self._redis.start()
        return self._redis.url

    async def _stop(self) -> None:
        for server in reversed(self._servers):
            server.stop()
        self._servers.clear()
        self._by_name.clear()
        if self._localstripe is not None:
            self._localstripe.stop()
        if self._redis is not None:
            self._redis.stop()
        if self.database_url:
            with contextlib.suppress(Exception):
                await drop_database(self.database_name)

    # -- what benchmarks use

    @property
    def gateway_url(self) -> str:
        """`http://127.0.0.1:<port>` of the gateway."""
        assert self.gateway is not None and self.gateway.url is not None
        return self.gateway.url

    def gateway_env(self, **overrides: str) -> dict[str, str]:
        """The gateway's and worker's environment: production settings, rate limits off, the stack's services."""
        return gateway_env(
            self.database_url,
            self.stripe_url,
            redis_url=self.redis_url,
            gateway_env="production",
            gateway_secret=GATEWAY_SECRET,
            stripe_api_key=self.stripe_api_key,
            stripe_webhook_secret=self.webhook_secret,
            stripe_timeout_seconds="10",
            rate_limit_reads_per_minute="0",
            rate_limit_mutations_per_minute="0",
            **overrides,
        )

    def service_env(self, **extra: str) -> dict[str, str]:
        """The environment of a baseline: `BENCH_*` variables naming the stack's services and keys."""
        return clean_env(
            {
                "BENCH_DATABASE_URL": self.database_url,
                "BENCH_REDIS_URL": self.redis_url,
                "BENCH_STRIPE_URL": self.stripe_url,
                "BENCH_STRIPE_API_KEY": self.stripe_api_key,
                "BENCH_WEBHOOK_SECRET": self.webhook_secret,
                **extra,
            }
        )

    def load_command(self, argv: Sequence[str]) -> list[str]:
        """`argv` pinned to the load core (for load generators other than `bench.load`)."""
        return pinned(argv, self.pinned_load_cpus)

    async def start_server(
        self,
        name: str,
        argv: Sequence[str],
        env: Mapping[str, str] | None = None,
        port: int | None = None,
        *,
        health_path: str | None = "/health",
        pin: bool = True,
        ready_line: str | None = None,
        start_timeout: float = START_TIMEOUT_SECONDS,
    ) -> ServerProcess:
        """Start `argv` (pinned to the server core unless `pin=False`) and wait until it is ready.

        Ready means `GET http://127.0.0.1:<port><health_path>` answers 200, or, without a
        port, `ready_line` appearing in its output. The stack stops it at the end.
        """
        process = ManagedProcess(
            pinned(argv, self.server_cpus if pin else ALL_CPUS),
            env=dict(env) if env is not None else self.service_env(),
            log_path=self.log_dir / f"{name}.log",
            cwd=REPO_ROOT,
        )
        url = f"http://127.0.0.1:{port}" if port is not None else None
        server = ServerProcess(name, process, url)
        process.spawn()
        self._servers.append(server)
        self._by_name[name] = server
        try:
            if url is not None and health_path is not None:
                await asyncio.to_thread(
                    wait_for_http, f"{url}{health_path}", timeout=start_timeout, alive=lambda: process.running
                )
            elif ready_line is not None:
                deadline = time.monotonic() + start_timeout
                while ready_line not in process.log_text():
                    if not process.running or time.monotonic() > deadline:
                        raise TimeoutError(f"{ready_line!r} not printed")
                    await asyncio.sleep(0.1)
        except (TimeoutError, RuntimeError) as exc:
            process.stop()
            raise process.failure(f"{name} did not start", str(exc)) from exc
        return server

    def localstripe_server(self) -> ServerProcess | None:
        """The stack's localstripe as a `ServerProcess` (for its CPU accounting), while it runs."""
        if self._localstripe is None or not self._localstripe.running:
            return None
        return ServerProcess("localstripe", self._localstripe.process, self.stripe_url)

    def server(self, name: str) -> ServerProcess | None:
        """The running server started under `name`, if any."""
        server = self._by_name.get(name)
        return server if server is not None and server.running else None

    async def start_uvicorn(self, name: str, app: str, env: Mapping[str, str] | None = None) -> ServerProcess:
        """A baseline ASGI app (`module:attribute`) under uvicorn on the server core, started once per name.

        It must answer `GET /health` with 200 once ready; its environment is `service_env()` unless given.
        """
        running = self.server(name)
        if running is not None:
            return running
        port = free_port()
        return await self.start_server(name, uvicorn_argv(app, port), env=env, port=port)

    async def start_worker(self, threads: int = 8) -> ServerProcess:
        """`billing-gateway worker` on the stack's Redis and database (started once; later calls return it)."""
        if self._worker is None or not self._worker.running:
            self._worker = await self.start_server(
                "worker",
                [str(cli_path()), "worker", "--threads", str(threads)],
                env=self.gateway_env(),
                pin=False,
                health_path=None,
                ready_line="worker ready",
            )
        return self._worker

    async def run_load(
        self,
        spec: LoadSpec,
        measure: Sequence[ServerProcess],
        profile: Path | None = None,
        *,
        on_window: Callable[[str], None] | None = None,
        pin_load: bool = True,
    ) -> LoadRun:
        """Run `python -m bench.load` on the load core with `spec`; measure `measure` during its window.

        With `profile`, the first of `measure` is sampled by py-spy during the window into that file.
        `on_window("WINDOW_START" / "WINDOW_END")` is called at the window's marks; `pin_load=False` lets
        the load process run on every core (a whole-machine benchmark has no core to spare).
        """
        from bench import profile as profiler

        command = [sys.executable, "-m", "bench.load"]
        argv = self.load_command(command) if pin_load else pinned(command, ALL_CPUS)
        with open(self.log_dir / "load.log", "ab") as log:  # noqa: ASYNC230 - a local file, once per run
            proc = await asyncio.create_subprocess_exec(
                *argv,
                stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.PIPE,
                stderr=log,
                cwd=REPO_ROOT,
                env=clean_env({}),
                # The RESULT line carries every latency sample: far longer than the default 64 KiB.
                limit=STDOUT_LIMIT_BYTES,
            )
        assert proc.stdin is not None and proc.stdout is not None
        proc.stdin.write(spec.to_json().encode())
        await proc.stdin.drain()
        proc.stdin.close()
        meters = {server.name: server.meter() for server in measure}
        windows: dict[str, WindowStats] = {}
        result: str | None = None
        sampler: asyncio.subprocess.Process | None = None
        deadline = spec.warmup + spec.duration + spec.timeout + LOAD_GRACE_SECONDS
        try:
            async with asyncio.timeout(deadline):
                while line := (await proc.stdout.readline()).decode():
                    if line.startswith("WINDOW_START"):
                        if on_window is not None:
                            on_window("WINDOW_START")
                        for meter in meters.values():
                            meter.start()
                        if profile is not None and measure:
                            sampler = await profiler.start(measure[0].pid, profile, self.pinned_load_cpus)
                    elif line.startswith("WINDOW_END"):
                        windows = {name: meter.stop() for name, meter in meters.items()}
                        if on_window is not None:
                            on_window("WINDOW_END")
                        if sampler is not None:
                            await profiler.stop(sampler)
                            sampler = None
                    elif line.startswith("RESULT "):
                        result = line.removeprefix("RESULT ")
                await proc.wait()
        finally:
            if sampler is not None:
                await profiler.stop(sampler)
            if proc.returncode is None:
                proc.kill()
                await proc.wait()
        if result is None or proc.returncode != 0:
            raise RuntimeError(f"bench.load failed (exit {proc.returncode}); see {self.log_dir / 'load.log'}")
        return LoadRun(outcome=LoadOutcome(**_json_loads(result)), servers=windows)


def _json_loads(text: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(text)
    return data


# --- statistics and paired runs -------------------------------------------------------------------------------


def percentile(sorted_values: Sequence[float], p: float) -> float | None:
    """The nearest-rank `p`th percentile of already sorted values (None when empty)."""
    if not sorted_values:
        return None
    rank = max(1, math.ceil(p / 100.0 * len(sorted_values)))
    return sorted_values[rank - 1]


@dataclass
class Variant:
    """One side of a pair: the server answering and the load it gets."""

    label: str
    server: ServerProcess
    spec: LoadSpec
    measure: Sequence[ServerProcess] = ()
    """Servers whose CPU/RSS count for this variant (default: `server`)."""


def summarize(
    number: int, name: str, variant: str, runs: Sequence[LoadRun], server_names: Sequence[str], notes: str = ""
) -> Result:
    """One `Result` from the rounds of one variant: latencies merged, counts and CPU summed, RSS peak."""
    latencies = sorted(value for run in runs for value in run.outcome.latencies_ms)
    completed = sum(run.outcome.completed for run in runs)
    errors = sum(run.outcome.errors for run in runs)
    seconds = sum(run.outcome.window_seconds for run in runs)
    windows = [run.servers[server] for run in runs for server in server_names if server in run.servers]
    cpu = sum(window.cpu_seconds for window in windows) if windows else None
    rss = max((window.peak_rss_mib for window in windows), default=None)
    client_cpu = sum(run.outcome.client_cpu_seconds for run in runs)
    extra: dict[str, float | str] = {
        "requests": completed,
        "errors": errors,
        "window_s": round(seconds, 2),
        "client_cpu_pct": round(100.0 * client_cpu / seconds, 1) if seconds else 0.0,
    }
    if cpu is not None and completed:
        extra["server_cpu_ms_per_request"] = round(1000.0 * cpu / completed, 3)
    if cpu is not None and seconds:
        # At saturation a pinned server should use ~100% of its core: much less means it was shared.
        extra["server_cpu_pct"] = round(100.0 * cpu / seconds, 1)
    if windows:
        extra["vmhwm_mib"] = round(max(window.hwm_mib for window in windows), 1)
    samples = [sample for run in runs for sample in run.outcome.error_samples]
    if samples:
        extra["error_sample"] = samples[0][:300]
    return Result(
        benchmark=number,
        name=name,
        variant=variant,
        throughput_rps=completed / seconds if seconds else None,
        p50_ms=percentile(latencies, 50),
        p95_ms=percentile(latencies, 95),
        p99_ms=percentile(latencies, 99),
        cpu_seconds=cpu,
        peak_rss_mib=rss,
        notes=notes,
        extra=extra,
    )


async def run_pair(
    stack: Stack,
    config: RunConfig,
    number: int,
    name: str,
    gateway: Variant,
    baseline: Variant,
    before_each: Callable[[], Awaitable[None]] | None = None,
) -> tuple[Result, Result]:
    """Run the gateway and its baseline alternately (ABBA…), `config.rounds` rounds each; one Result per side.

    `before_each` runs before every side's run (warm-up included), e.g. to reset a shared emulator.
    """
    runs: dict[str, list[LoadRun]] = {gateway.label: [], baseline.label: []}
    profiles: dict[str, list[Path]] = {gateway.label: [], baseline.label: []}
    for round_index in range(config.rounds):
        order = (gateway, baseline) if round_index % 2 == 0 else (baseline, gateway)
        for variant in order:
            spec = replace(variant.spec, duration=config.round_duration, warmup=config.warmup)
            measured = list(variant.measure) or [variant.server]
            profile = None
            if stack.profile:
                profile = stack.log_dir / f"profile-b{number}-{variant.label}-r{round_index}.txt"
                profiles[variant.label].append(profile)
            if before_each is not None:
                await before_each()
            runs[variant.label].append(await stack.run_load(spec, measured, profile))
    results = []
    for variant in (gateway, baseline):
        names = [server.name for server in (list(variant.measure) or [variant.server])]
        result = summarize(number, name, variant.label, runs[variant.label], names)
        if profiles[variant.label]:
            result.extra["profile"] = str(write_profile_summary(stack, number, variant.label, profiles[variant.label]))
        results.append(result)
    return results[0], results[1]


def write_profile_summary(stack: Stack, number: int, label: str, paths: Sequence[Path]) -> Path:
    """Summarise py-spy's samples of one variant into `<log dir>/profile-b<number>-<label>.md`."""
    from bench import profile as profiler

    out = stack.log_dir / f"profile-b{number}-{label}.md"
    out.write_text(f"# Benchmark {number}, {label}\n\n" + profiler.summarize(paths) + "\n")
    return out


def judge_min(gateway: Result, value: float | None, minimum: float, label: str) -> None:
    """Set the gateway row's ratio and verdict for an at-least target."""
    gateway.ratio, gateway.ratio_label = value, label
    gateway.met = value is not None and value >= minimum


def judge_max(gateway: Result, value: float | None, maximum: float, label: str) -> None:
    """Set the gateway row's ratio and verdict for an at-most target."""
    gateway.ratio, gateway.ratio_label = value, label
    gateway.met = value is not None and value <= maximum


def throughput_ratio(gateway: Result, baseline: Result) -> float | None:
    """gateway / baseline throughput."""
    if gateway.throughput_rps is None or not baseline.throughput_rps:
        return None
    return gateway.throughput_rps / baseline.throughput_rps
