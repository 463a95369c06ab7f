"""The caller's side of benchmarks 5 and 6: mirror rows made through the webhook path, and running `bench.ws_swarm`.

Rows are made the way production makes them: a signed event POSTed to the gateway's
receiver and applied by the worker, so the worker is warm and the objects the live
messages name exist in the mirror (the subscriptions read them after every message).
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import time
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final
from uuid import UUID

import asyncpg  # type: ignore[import-untyped]
import httpx

from base.ids import to_global_id
from bench.harness import ServerProcess, Stack, WindowStats
from bench.ws_events import WEBHOOK_PATH, customer_event, payment_intent_event, signed_delivery
from tests.support.process import REPO_ROOT, clean_env

__all__ = [
    "PAYMENT_STATUS_CHANGED",
    "MirroredCustomer",
    "MirroredPayment",
    "SwarmRun",
    "mirrored_customer",
    "mirrored_payment",
    "run_swarm",
    "ws_url",
]

PAYMENT_STATUS_CHANGED: Final = (
    "subscription Watch($customerId: ID) { paymentStatusChanged(customerId: $customerId) "
    "{ eventId occurredAt status previousStatus payment { id stripeId status amount } } }"
)
"""What a payment page subscribes to (the selection of `tests/e2e/test_live.py`)."""

APPLY_TIMEOUT_SECONDS: Final = 30.0
SWARM_GRACE_SECONDS: Final = 300.0
RESULT_LINE_LIMIT: Final = 64 * 1024 * 1024
"""The `RESULT` line carries every event's timing: far beyond asyncio's default 64 KiB line limit."""


def ws_url(http_url: str, path: str) -> str:
    """The ws:// URL of `path` on the server at `http_url`."""
    return http_url.replace("http://", "ws://", 1) + path


@dataclass(frozen=True)
class MirroredCustomer:
    """A customer the worker mirrored from a `customer.created` event."""

    stripe_id: str
    pk: UUID

    @property
    def global_id(self) -> str:
        """The GraphQL id."""
        return str(to_global_id("Customer", self.pk))


@dataclass(frozen=True)
class MirroredPayment:
    """A payment the worker mirrored from a `payment_intent.succeeded` event."""

    stripe_id: str
    pk: UUID
    amount: int
    customer: MirroredCustomer

    @property
    def global_id(self) -> str:
        """The GraphQL id."""
        return str(to_global_id("Payment", self.pk))


async def _post(stack: Stack, event: dict[str, Any]) -> None:
    body, headers = signed_delivery(event, stack.webhook_secret)
    async with httpx.AsyncClient(base_url=stack.gateway_url, timeout=10) as client:
        response = await client.post(WEBHOOK_PATH, content=body, headers=headers)
    if response.status_code != 200:
        raise RuntimeError(f"{event['type']} webhook answered {response.status_code}: {response.text[:300]}")


async def _wait_row(stack: Stack, sql: str, *args: Any) -> asyncpg.Record:
    """The first row `sql` returns, polled until the worker has written it."""
    conn = await asyncpg.connect(stack.database_url)
    try:
        deadline = time.monotonic() + APPLY_TIMEOUT_SECONDS
        while (row := await conn.fetchrow(sql, *args)) is None:
            if time.monotonic() > deadline:
                raise TimeoutError(f"the worker did not write the row of {args!r} within {APPLY_TIMEOUT_SECONDS:.0f} s")
            await asyncio.sleep(0.05)
        return row
    finally:
        await conn.close()


async def mirrored_customer(stack: Stack, label: str) -> MirroredCustomer:
    """A new customer, through the receiver and the worker (the worker must be running)."""
    stripe_id = f"cus_{label}_{uuid.uuid4().hex[:12]}"
    await _post(stack, customer_event(stripe_id, email=f"{label}@example.com"))
    row = await _wait_row(stack, "SELECT id FROM customers WHERE stripe_id = $1", stripe_id)
    return MirroredCustomer(stripe_id=stripe_id, pk=row["id"])


async def mirrored_payment(stack: Stack, customer: MirroredCustomer, amount: int = 1099) -> MirroredPayment:
    """A new succeeded payment of `customer`, through the receiver and the worker."""
    event = payment_intent_event(customer.stripe_id, amount=amount)
    stripe_id: str = event["data"]["object"]["id"]
    await _post(stack, event)
    row = await _wait_row(stack, "SELECT id, amount FROM payments WHERE stripe_id = $1", stripe_id)
    return MirroredPayment(stripe_id=stripe_id, pk=row["id"], amount=row["amount"], customer=customer)


@dataclass(frozen=True)
class MachineSnapshot:
    """CPU time of the whole machine (/proc/stat) and of every process (/proc/<pid>/stat), in clock ticks."""

    busy: int
    total: int
    processes: dict[tuple[int, int], tuple[str, int]]
    """(pid, start time) -> (command name, utime + stime): the start time tells a reused pid apart."""

    @classmethod
    def take(cls) -> MachineSnapshot:
        """Read it now."""
        with open("/proc/stat") as stat:
            fields = [int(value) for value in stat.readline().split()[1:]]
        idle = fields[3] + fields[4]  # idle + iowait
        processes: dict[tuple[int, int], tuple[str, int]] = {}
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                with open(f"/proc/{entry}/stat") as proc_stat:
                    text = proc_stat.read()
            except OSError:
                continue
            command = text[text.find("(") + 1 : text.rfind(")")]
            if command.startswith("kworker"):
                # Kernel workers rename themselves after their current job: keep the stable part of the name.
                command = command.split("-", 1)[0]
            after = text[text.rfind(")") + 2 :].split()
            processes[(int(entry), int(after[19]))] = (command, int(after[11]) + int(after[12]))
        return cls(busy=sum(fields) - idle, total=sum(fields), processes=processes)

    def used_since(self, start: MachineSnapshot) -> tuple[float, dict[str, float]]:
        """(CPU seconds all cores were busy, CPU seconds by command) since `start` (exited processes are missed)."""
        ticks = os.sysconf("SC_CLK_TCK")
        used: dict[str, float] = {}
        for key, (command, now) in self.processes.items():
            before = start.processes.get(key, (command, 0))[1]
            if now > before:
                used[command] = used.get(command, 0.0) + (now - before) / ticks
        return (self.busy - start.busy) / ticks, used

    def since(self, start: MachineSnapshot, top: int = 6) -> dict[str, float | str]:
        """Busy share of all cores since `start`, and the heaviest commands (exited processes are missed)."""
        ticks = os.sysconf("SC_CLK_TCK")
        busy = 100.0 * (self.busy - start.busy) / max(1, self.total - start.total)
        used: dict[str, int] = {}
        for key, (command, now) in self.processes.items():
            before = start.processes.get(key, (command, 0))[1]
            used[command] = used.get(command, 0) + now - before
        heaviest = sorted(((t, name) for name, t in used.items() if t > 0), reverse=True)[:top]
        return {
            "machine_busy_pct": round(busy, 1),
            "cpu_s_by_command": ", ".join(f"{name} {t / ticks:.2f}" for t, name in heaviest),
        }


@dataclass
class SwarmRun:
    """What one `bench.ws_swarm` process reported, and the servers' windows between its marks."""

    result: dict[str, Any]
    windows: dict[str, WindowStats]
    machine: dict[str, float | str] = field(default_factory=dict)
    """Between the marks: how busy all cores were, and which commands used the CPU (PostgreSQL included)."""
    profiles: dict[str, Path] = field(default_factory=dict)
    """Server name -> its py-spy summary between the marks (`--profile` runs only)."""


async def run_swarm(
    stack: Stack, config: Mapping[str, Any], measure: Sequence[ServerProcess], start: str, end: str, name: str
) -> SwarmRun:
    """Run `python -m bench.ws_swarm` on the load core; meter `measure` between its marks `start` and `end`.

    With `stack.profile` (`--profile`), every server of `measure` is sampled by py-spy between the marks too;
    the summaries' paths are in `SwarmRun.profiles`.
    """
    from bench import profile as profiler

    config_path = stack.log_dir / f"{name}.json"
    config_path.write_text(json.dumps(config))
    argv = stack.load_command([sys.executable, "-m", "bench.ws_swarm", str(config_path)])
    log = await asyncio.to_thread((stack.log_dir / f"{name}.log").open, "ab")
    try:
        proc = await asyncio.create_subprocess_exec(
            *argv, stdout=asyncio.subprocess.PIPE, stderr=log, cwd=REPO_ROOT, env=clean_env({}), limit=RESULT_LINE_LIMIT
        )
    finally:
        log.close()  # the child holds its own descriptor
    assert proc.stdout is not None
    meters = {server.name: server.meter() for server in measure}
    windows: dict[str, WindowStats] = {}
    result: str | None = None
    samples = {server.name: stack.log_dir / f"profile-{name}-{server.name}.txt" for server in measure}
    if not stack.profile:
        samples = {}
    samplers: list[asyncio.subprocess.Process] = []
    machine_start: MachineSnapshot | None = None
    machine: dict[str, float | str] = {}
    try:
        async with asyncio.timeout(SWARM_GRACE_SECONDS):
            while line := (await proc.stdout.readline()).decode():
                if line.strip() == f"MARK {start}":
                    machine_start = MachineSnapshot.take()
                    for meter in meters.values():
                        meter.start()
                    for server in measure:
                        if server.name in samples:
                            samplers.append(
                                await profiler.start(server.pid, samples[server.name], stack.pinned_load_cpus)
                            )
                elif line.strip() == f"MARK {end}":
                    windows = {server: meter.stop() for server, meter in meters.items()}
                    if machine_start is not None:
                        machine = MachineSnapshot.take().since(machine_start)
                    while samplers:
                        await profiler.stop(samplers.pop())
                elif line.startswith("RESULT "):
                    result = line.removeprefix("RESULT ")
            await proc.wait()
    finally:
        while samplers:
            await profiler.stop(samplers.pop())
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
    if result is None or proc.returncode != 0:
        raise RuntimeError(f"bench.ws_swarm failed (exit {proc.returncode}); see {stack.log_dir / f'{name}.log'}")
    parsed: dict[str, Any] = json.loads(result)
    summaries: dict[str, Path] = {}
    for server_name, path in samples.items():
        summaries[server_name] = path.with_name(f"{path.stem}-summary.md")
        summaries[server_name].write_text(profiler.summarize([path]) + "\n")
    return SwarmRun(result=parsed, windows=windows, machine=machine, profiles=summaries)
