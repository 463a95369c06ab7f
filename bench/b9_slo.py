"""The product plan's SLO (issue 18's "benchmark 8"): p95 < 200 ms with 0 errors at 1,000 requests/s, mixed.

The production shape on this one machine: `billing-gateway serve --workers 2` (uvicorn's process
manager, two processes on one port) and one `billing-gateway worker`, with PostgreSQL, Redis and
localstripe on the same two cores, nothing pinned. Open loop (`bench.load`, a constant arrival
rate whatever the server does; latency from the scheduled send, so queueing shows), 60 s at
1,000 requests/s after a warm-up. The mix repeats every 20 requests:

- 80% reads: 12 small queries (benchmark 1's `customer(id)`, over 50 customers) and 4 list
  queries (a page of 10 customers with their payment methods and subscriptions);
- 5% mutations: `createCustomer` with its own idempotency key (one Stripe call to localstripe);
- 15% signed Stripe webhooks: `payment_intent.succeeded` of a new payment of a seeded customer,
  which the worker applies (payment row, outbox event, live status publish).

An answer counts as an error when it is not HTTP 200, carries GraphQL `errors`, or a mutation's
`userErrors` is not empty; a request still unanswered 10 s after the window is an error too.

Then the highest rate that holds p95 < 200 ms with 0 errors: the database is vacuumed and
checkpointed first (benchmark 8's rows), rates rise in steps of `SWEEP_STEP` (20 s windows) until
one fails twice in a row (a background stall gets one more chance), the gap is bisected down to
`SWEEP_RESOLUTION`, and the best rate is held again for the full 60 s (stepping down until it holds). Between
runs the worker's backlog is drained (inbox rows pending/processing), so a run never inherits
the previous one's webhooks. CPU is counted per role over each window: the gateway's process
tree, the worker's, localstripe's, PostgreSQL and Redis (by command name), and the load
process; `bench/capacity.md` turns those into the per-request budget and the hosts 1,000
requests/s would need.
"""

from __future__ import annotations

import asyncio
import json
import math
import os
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Final

import asyncpg  # type: ignore[import-untyped]

from bench import profile as profiler
from bench.documents import LIST_QUERY, SMALL_QUERY
from bench.harness import (
    Benchmark,
    Result,
    RunConfig,
    ServerProcess,
    Stack,
    WindowStats,
    percentile,
)
from bench.load import HttpRequest, LoadOutcome, LoadSpec
from bench.ws_events import WEBHOOK_PATH, payment_intent_event, sign
from bench.ws_setup import MachineSnapshot
from tests.support.gateway import cli_path
from tests.support.net import free_port

__all__ = ["BENCHMARK", "mixed_requests", "run"]

NAME: Final = "SLO: mixed load, serve --workers 2 + worker"
TARGET_RATE: Final = 1000.0
TARGET_P95_MS: Final = 200.0
MACHINE_CORES: Final = os.cpu_count() or 1
"""What /proc/stat's busy time is shared over: every core of the machine, not only those we may run on."""
TARGET: Final = f"p95 < {TARGET_P95_MS:g} ms, 0 errors at {TARGET_RATE:,.0f} req/s for 60 s ({MACHINE_CORES} cores)"
HOLD_SECONDS: Final = 60.0
STEP_SECONDS: Final = 20.0
WARMUP_SECONDS: Final = 5.0
SWEEP_START: Final = 100.0
SWEEP_STEP: Final = 100.0
SWEEP_RESOLUTION: Final = 25.0
CONNECTIONS: Final = 256
"""Keep-alive connections of the load: more than the in-flight requests a passing run ever has."""
DRAIN_TIMEOUT_SECONDS: Final = 600.0
PATTERN: Final = "SLSWSSLSMSWSLSSSWSLS"
"""One cycle of 20 requests: S small query, L list query, M mutation, W webhook (12/4/1/3)."""
LIST_PAGE: Final = 10
ROTATE: Final = 50
KINDS: Final = {"S": "small query", "L": "list query", "M": "mutation", "W": "webhook"}
MUTATION: Final = (
    "mutation Create($key: String!, $input: CreateCustomerInput!) { createCustomer(idempotencyKey: $key, "
    "input: $input) { customer { id stripeId email } userErrors { code message } } }"
)
SMOKE_RATES: Final = (20.0,)
SMOKE_SECONDS: Final = 2.0

assert len(PATTERN) == 20 and [PATTERN.count(k) for k in "SLMW"] == [12, 4, 1, 3]


def mixed_requests(token: str, secret: str, customer_ids: list[str], stripe_ids: list[str]) -> Callable[[int], Any]:
    """`bench.load` factory (runs in the load process): request `i` of the mix, each mutation and webhook new."""
    tag = uuid.uuid4().hex[:12]
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    small = [
        json.dumps({"query": SMALL_QUERY, "variables": {"id": customer_id}}).encode() for customer_id in customer_ids
    ]
    listing = json.dumps({"query": LIST_QUERY, "variables": {"first": LIST_PAGE}}).encode()

    def make(i: int) -> HttpRequest:
        letter = PATTERN[i % len(PATTERN)]
        kind = KINDS[letter]
        if letter == "S":
            return HttpRequest("POST", "/graphql", headers, small[i % len(small)], kind)
        if letter == "L":
            return HttpRequest("POST", "/graphql", headers, listing, kind)
        if letter == "M":
            variables = {"key": f"slo-{tag}-{i}", "input": {"email": f"slo-{i}@example.com", "name": f"SLO {i}"}}
            body = json.dumps({"query": MUTATION, "variables": variables}).encode()
            return HttpRequest("POST", "/graphql", headers, body, kind)
        event = payment_intent_event(stripe_ids[i % len(stripe_ids)])
        body = json.dumps(event, separators=(",", ":")).encode()
        webhook_headers = {"Content-Type": "application/json; charset=utf-8", "Stripe-Signature": sign(body, secret)}
        return HttpRequest("POST", WEBHOOK_PATH, webhook_headers, body, kind)

    return make


@dataclass
class Window:
    """One open-loop run at one rate: the client's outcome and what each role used in the window."""

    rate: float
    seconds: float
    outcome: LoadOutcome
    cpu_by_role: dict[str, float] = field(default_factory=dict)
    machine_busy_seconds: float = 0.0
    drain_seconds: float = 0.0

    @property
    def p95(self) -> float | None:
        return percentile(sorted(self.outcome.latencies_ms), 95)

    @property
    def held(self) -> bool:
        """p95 under the target with no error at all (a request unanswered in time is one)."""
        p95 = self.p95
        return self.outcome.errors == 0 and p95 is not None and p95 < TARGET_P95_MS


class Runner:
    """Runs windows against the stack's `serve --workers 2` + worker and remembers every one."""

    def __init__(self, stack: Stack, gateway: ServerProcess, worker: ServerProcess, factory_args: dict[str, Any]):
        self.stack = stack
        self.gateway = gateway
        self.worker = worker
        self.factory_args = factory_args
        self.windows: list[Window] = []

    async def window(self, rate: float, seconds: float, warmup: float, profile_name: str | None = None) -> Window:
        """One run at `rate` for `seconds` (after `warmup`), the worker's backlog drained afterwards."""
        assert self.gateway.url is not None
        spec = LoadSpec(
            url=self.gateway.url,
            factory=f"{__name__}:mixed_requests",
            factory_args=self.factory_args,
            mode="open",
            rate=rate,
            connections=CONNECTIONS,
            duration=seconds,
            warmup=warmup,
            timeout=10.0,
            reject_substring='"errors"',
            # A mutation's userErrors entry, a webhook stored as failed or seen twice.
            reject_also=['"code"', '"status":"failed"', '"duplicate":true'],
        )
        marks: dict[str, MachineSnapshot] = {}

        def mark(name: str) -> None:
            marks[name] = MachineSnapshot.take()

        localstripe = self.stack.localstripe_server()
        measured = [self.gateway, self.worker, *([localstripe] if localstripe is not None else [])]
        sampler = None
        if profile_name is not None:
            output = self.stack.log_dir / f"profile-b9-{profile_name}.txt"
            sampler = await profiler.start(self.gateway.pid, output, None, subprocesses=True)
        try:
            run = await self.stack.run_load(spec, measured, on_window=mark, pin_load=False)
        finally:
            if sampler is not None:
                await profiler.stop(sampler)
                summary = output.with_suffix(".md")
                summary.write_text(
                    f"# Benchmark 9 at {rate:g} req/s, every gateway process\n\n" + profiler.summarize([output])
                )
                print(f"bench: 9. profile of the gateway's processes: {summary}", flush=True)
        busy, by_command = marks["WINDOW_END"].used_since(marks["WINDOW_START"])
        window = Window(rate, seconds, run.outcome, cpu_by_role=_roles(run.servers, by_command, run.outcome))
        window.machine_busy_seconds = busy
        began = time.monotonic()
        await drain(self.stack.database_url)
        window.drain_seconds = time.monotonic() - began
        self.windows.append(window)
        verdict = "held" if window.held else "NOT held"
        print(
            f"bench: 9. {rate:g} req/s for {seconds:g} s: p95 {_ms(window.p95)} ms, errors {run.outcome.errors}, "
            f"{verdict}; drained in {window.drain_seconds:.1f} s",
            flush=True,
        )
        return window


def _roles(servers: dict[str, WindowStats], by_command: dict[str, float], outcome: LoadOutcome) -> dict[str, float]:
    roles = {
        "gateway": servers["slo-gateway"].cpu_seconds,
        "worker": servers["worker"].cpu_seconds,
        "postgres": by_command.get("postgres", 0.0),
        "redis": by_command.get("redis-server", 0.0),
        "load": outcome.client_cpu_seconds,
    }
    localstripe = next((stats for name, stats in servers.items() if name.startswith("localstripe")), None)
    if localstripe is not None:
        roles["localstripe"] = localstripe.cpu_seconds
    return roles


async def drain(database_url: str) -> None:
    """Wait until the worker has applied every webhook the gateway stored (a deadline, polled)."""
    conn = await asyncpg.connect(database_url)
    try:
        deadline = time.monotonic() + DRAIN_TIMEOUT_SECONDS
        while True:
            left = await conn.fetchval("SELECT count(*) FROM webhook_events WHERE status IN ('pending', 'processing')")
            if left == 0:
                return
            if time.monotonic() > deadline:
                raise TimeoutError(f"the worker left {left} webhooks unapplied after {DRAIN_TIMEOUT_SECONDS:g} s")
            await asyncio.sleep(0.5)
    finally:
        await conn.close()


async def _holds(runner: Runner, rate: float, seconds: float) -> Window:
    """A window at `rate`; a failed one is run once more (a background stall, e.g. an autovacuum, passes)."""
    window = await runner.window(rate, seconds, WARMUP_SECONDS)
    if window.held:
        return window
    return await runner.window(rate, seconds, WARMUP_SECONDS)


async def find_highest(runner: Runner, rates: tuple[float, ...] | None) -> Window | None:
    """Rising steps until one fails twice, bisection of the gap, then the best rate held for the full minute."""
    if rates is not None:  # the smoke run: one tiny step
        for rate in rates:
            await runner.window(rate, SMOKE_SECONDS, 0.5)
        return next((w for w in reversed(runner.windows) if w.held), None)
    passed, failed = 0.0, None
    rate = SWEEP_START
    while rate < TARGET_RATE:
        if not (await _holds(runner, rate, STEP_SECONDS)).held:
            failed = rate
            break
        passed = rate
        rate += SWEEP_STEP
    if failed is None:
        failed = TARGET_RATE
    while failed - passed > SWEEP_RESOLUTION:
        middle = round((passed + failed) / 2 / SWEEP_RESOLUTION) * SWEEP_RESOLUTION
        if middle in (passed, failed):
            break
        if (await _holds(runner, middle, STEP_SECONDS)).held:
            passed = middle
        else:
            failed = middle
    while passed > 0:
        held = await _holds(runner, passed, HOLD_SECONDS)
        if held.held:
            return held
        passed -= SWEEP_RESOLUTION
    return None


AUTOVACUUMS: Final = (
    "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'autovacuum worker' AND datname = current_database()"
)


async def settle(database_url: str) -> None:
    """Start from a quiet database: the earlier benchmarks' rows vacuumed and checkpointed now, not mid-sweep.

    Benchmark 8 leaves ~700,000 usage rows; an autovacuum of them during a window stalled every request
    for seconds (a full run printed p95 820 ms at 100 req/s, with PostgreSQL's CPU per request doubled).
    The database is the bench's own; CHECKPOINT is the server's, and harmless.
    """
    conn = await asyncpg.connect(database_url)
    try:
        await conn.execute("VACUUM ANALYZE")
        await conn.execute("CHECKPOINT")
        deadline = time.monotonic() + DRAIN_TIMEOUT_SECONDS
        while await conn.fetchval(AUTOVACUUMS):
            if time.monotonic() > deadline:
                raise TimeoutError("an autovacuum of the bench database is still running")
            await asyncio.sleep(0.5)
    finally:
        await conn.close()


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def _result(window: Window, variant: str, notes: str) -> Result:
    latencies = sorted(window.outcome.latencies_ms)
    outcome = window.outcome
    completed = outcome.completed
    extra: dict[str, float | str] = {
        "offered_rps": window.rate,
        "requests": completed,
        "errors": outcome.errors,
        "unfinished": outcome.unfinished,
        "window_s": round(outcome.window_seconds, 1),
        "max_ms": round(latencies[-1], 1) if latencies else 0.0,
    }
    for kind, values in sorted(outcome.latencies_by_kind.items()):
        ordered = sorted(values)
        extra[f"{kind.replace(' ', '_')}_p50_p95_p99_ms"] = (
            "/".join(_ms(percentile(ordered, p)) for p in (50, 95, 99))
            + f" (n={len(ordered)}, errors={outcome.errors_by_kind.get(kind, 0)})"
        )
    if completed and window.cpu_by_role.get("gateway") is not None:
        extra["server_cpu_ms_per_request"] = round(1000.0 * window.cpu_by_role["gateway"] / completed, 3)
    if completed:
        per_request = {role: 1000.0 * cpu / completed for role, cpu in window.cpu_by_role.items()}
        extra["cpu_ms_per_request"] = ", ".join(f"{role} {ms:.2f}" for role, ms in per_request.items())
    if outcome.window_seconds:
        machine_seconds = MACHINE_CORES * outcome.window_seconds
        extra["machine_busy_pct"] = round(100.0 * window.machine_busy_seconds / machine_seconds, 1)
    extra["drain_s"] = round(window.drain_seconds, 1)
    if outcome.error_samples:
        extra["error_sample"] = outcome.error_samples[0][:300]
    gateway_cpu = window.cpu_by_role.get("gateway")
    return Result(
        benchmark=9,
        name=NAME,
        variant=variant,
        throughput_rps=completed / outcome.window_seconds if outcome.window_seconds else None,
        p50_ms=percentile(latencies, 50),
        p95_ms=percentile(latencies, 95),
        p99_ms=percentile(latencies, 99),
        cpu_seconds=gateway_cpu,
        peak_rss_mib=None,
        notes=notes,
        extra=extra,
    )


TIERS: Final = {"gateway": ("gateway",), "worker": ("worker",), "database": ("postgres", "redis")}
"""How the roles would be spread over hosts: gateways, workers, and one host for PostgreSQL with Redis."""


def capacity(best: Window, rate: float) -> dict[str, float | str]:
    """Hosts of this kind (`MACHINE_CORES` cores) per tier for `rate`, from the best held window's CPU per request.

    A host is filled only as far as the best window filled this one (its `machine_busy_pct`): the
    busiest state measured to keep p95 under the target. The same arithmetic applied to one host
    running everything gives the rate this host should hold, a check against the rate it did hold.
    """
    completed = best.outcome.completed
    seconds = best.outcome.window_seconds
    if not completed or not seconds or not best.machine_busy_seconds:
        return {}
    ceiling = best.machine_busy_seconds / (MACHINE_CORES * seconds)
    ms = {role: 1000.0 * cpu / completed for role, cpu in best.cpu_by_role.items()}
    ours = sum(ms.get(role, 0.0) for roles in TIERS.values() for role in roles)
    hosts: dict[str, int] = {}
    parts = []
    for tier, roles in TIERS.items():
        cores = rate * sum(ms.get(role, 0.0) for role in roles) / 1000.0
        hosts[tier] = max(1, math.ceil(cores / (MACHINE_CORES * ceiling)))
        parts.append(f"{tier} {cores:.2f} cores -> {hosts[tier]}")
    everything = ours + ms.get("localstripe", 0.0) + ms.get("load", 0.0)
    return {
        "host_busy_ceiling_pct": round(100.0 * ceiling, 1),
        "cpu_ms_per_request_ours": round(ours, 2),
        f"hosts_for_{rate:g}_rps": f"{sum(hosts.values())} ({'; '.join(parts)})",
        "one_host_predicted_rps": round(MACHINE_CORES * ceiling * 1000.0 / everything, 1),
    }


async def _start_gateway(stack: Stack) -> ServerProcess:
    port = free_port()
    return await stack.start_server(
        "slo-gateway",
        [str(cli_path()), "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", "2"],
        env=stack.gateway_env(),
        port=port,
        health_path="/health/live",
        pin=False,
    )


async def _seeded_stripe_ids(database_url: str) -> list[str]:
    conn = await asyncpg.connect(database_url)
    try:
        rows = await conn.fetch("SELECT stripe_id FROM customers ORDER BY id LIMIT $1", ROTATE)
    finally:
        await conn.close()
    return [row["stripe_id"] for row in rows]


async def run(stack: Stack, config: RunConfig) -> list[Result]:
    """The sweep for the highest rate held, then the target rate for a minute."""
    if stack.gateway is not None:
        # The pinned one-process gateway of benchmarks 1-8 would only take memory here.
        stack.gateway.stop()
    gateway = await _start_gateway(stack)
    worker = await stack.start_worker()
    factory_args = {
        "token": stack.api_key,
        "secret": stack.webhook_secret,
        "customer_ids": stack.seeded.customer_ids[:ROTATE],
        "stripe_ids": await _seeded_stripe_ids(stack.database_url),
    }
    runner = Runner(stack, gateway, worker, factory_args)
    await settle(stack.database_url)
    best = await find_highest(runner, SMOKE_RATES if config.smoke else None)
    target_rate = SMOKE_RATES[0] * 2 if config.smoke else TARGET_RATE
    target = await runner.window(
        target_rate,
        SMOKE_SECONDS if config.smoke else HOLD_SECONDS,
        0.5 if config.smoke else WARMUP_SECONDS,
        profile_name="target" if stack.profile else None,
    )
    head = _result(target, "gateway", f"open loop at {target_rate:g} req/s, {CONNECTIONS} connections, the mix of 20")
    head.met = target.held
    head.ratio = best.rate if best is not None else 0.0
    head.ratio_label = "highest req/s held (p95 < 200 ms, 0 errors, 60 s)"
    if best is not None:
        head.extra.update(capacity(best, TARGET_RATE))
    rows = [head]
    if best is not None:
        rows.append(
            _result(
                best, f"gateway @{best.rate:g}rps (highest held)", f"the sweep's best rate, held {best.seconds:g} s"
            )
        )
    steps = [w for w in runner.windows if w is not target and w is not best]
    for step in steps:
        verdict = "held" if step.held else "not held"
        rows.append(_result(step, f"sweep @{step.rate:g}rps", f"{step.seconds:g} s window; {verdict}"))
    return rows


BENCHMARK = Benchmark(9, "SLO: 1,000 req/s mixed", TARGET, run)
