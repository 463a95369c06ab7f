"""The load-side process of benchmarks 5 and 6: WebSocket subscribers, triggers, and one clock for both.

Run as `python -m bench.ws_swarm CONFIG.json`, pinned to the load core by the caller.
On stdout it prints `MARK <name>` when a measured phase starts or ends (the caller
meters the servers between marks, as with `bench.load`'s window lines) and finally one
line `RESULT <json>`; progress goes to stderr.

Scenarios (`config["scenario"]`):

- `broadcast` (benchmark 6): per target, the server's RSS with no subscriber (after a
  small warm-up swarm has come and gone), then `subscribers` sockets opened and
  subscribed (graphql-transport-ws to the gateway, plain sockets to the raw baseline) and
  the RSS again once idle; then rounds alternating between targets, each one trigger (a
  Redis PUBLISH; for `webhook` rounds a signed webhook POST) and the wait until every
  socket has its frame. Per round: time from just before the trigger to the first, the
  median and the last frame, and the server's CPU time. Marks: `rounds_start`, `rounds_end`.
- `e2e` (benchmark 5): one subscriber, and signed `payment_intent.succeeded` webhooks
  POSTed open-loop at `rate` per second; per event, the time from writing the POST to the
  frame carrying its event id, both stamped with this process's `perf_counter` (no
  cross-process clock). Wall-clock send times are returned too, so the caller can split
  the latency at the inbox row's timestamps. Marks: `window_start`, `window_end`.

RLIMIT_NOFILE is raised to its hard limit first: 1,000 sockets plus the HTTP pool and
Redis need more than the usual 1,024 descriptors.
"""

from __future__ import annotations

import asyncio
import json
import resource
import sys
import time
import uuid
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

import redis.asyncio as aioredis

from bench.harness import percentile as sorted_percentile
from bench.harness import proc_stats
from bench.ws_client import GRAPHQL_TRANSPORT_WS, HttpPool, WsClient, connect_ws, split_url
from bench.ws_events import WEBHOOK_PATH, payment_intent_event, signed_delivery

__all__ = ["main", "percentile", "raise_nofile_limit", "rss_kib"]

WARMUP_SOCKETS: Final = 10
ROUND_TIMEOUT_SECONDS: Final = 30.0
HANDSHAKE_TIMEOUT_SECONDS: Final = 20.0
REGISTER_TIMEOUT_SECONDS: Final = 60.0
MAX_SAMPLES: Final = 5
PING_MAX_BYTES: Final = 80
"""graphql-transport-ws pings are tiny; anything longer is a data frame (no JSON parse needed to tell)."""


def log(message: str) -> None:
    """A progress line on stderr (stdout carries marks and the result)."""
    print(f"[ws_swarm {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def mark(name: str) -> None:
    """Tell the caller a measured phase starts or ends."""
    sys.stdout.write(f"MARK {name}\n")
    sys.stdout.flush()


def raise_nofile_limit() -> int:
    """Raise the soft RLIMIT_NOFILE to the hard limit; return the new soft limit."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def rss_kib(pid: int) -> int:
    """VmRSS of one process (not its children), in KiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for pid {pid}")


def percentile(values: list[float], p: float) -> float | None:
    """The nearest-rank `p`th percentile of unsorted values (None for no values), as the harness computes it."""
    return sorted_percentile(sorted(values), p)


async def http_get(url: str) -> tuple[int, bytes]:
    """One GET on a fresh connection (readiness probes)."""
    pool = HttpPool(url)
    _, _, path = split_url(url)
    try:
        status, body, _ = await pool.send(pool.build("GET", path, b"", {"Connection": "close"}))
    finally:
        pool.close()
    return status, body


def _is_ping(payload: bytes) -> bool:
    return len(payload) < PING_MAX_BYTES and b'"ping"' in payload


# --- subscribers -------------------------------------------------------------------------------------------


@dataclass
class Round:
    """One trigger and the frames it waits for."""

    marker: bytes
    expected: int
    arrivals: list[float] = field(default_factory=list)
    errors: int = 0
    done: asyncio.Event = field(default_factory=asyncio.Event)


class Swarm:
    """Sockets to one target; a frame carrying the current round's marker is stamped once per socket."""

    def __init__(self, target: dict[str, Any]) -> None:
        self.target = target
        self.name: str = target["name"]
        self.pid: int = target["pid"]
        self.graphql = target["kind"] == "graphql"
        self.clients: list[WsClient] = []
        self.round: Round | None = None
        self.samples: list[str] = []
        """A few unexpected frames (GraphQL errors, `complete`), for the report."""
        self.base = 0
        """Subscribers the server held before this swarm opened any (`wait_registered` counts on top)."""

    def _sample(self, payload: bytes) -> None:
        if len(self.samples) < MAX_SAMPLES:
            self.samples.append(payload[:300].decode(errors="replace"))

    def on_message(self, client: WsClient, payload: bytes, received_at: float) -> None:
        """Stamp the round's frame (once per socket); answer graphql-transport-ws pings."""
        if self.graphql and _is_ping(payload):
            client.send_json({"type": "pong"})
            return
        current = self.round
        if current is not None and current.marker in payload:
            if client.state is current:
                return
            client.state = current
            if self.graphql and b'"errors"' in payload:
                current.errors += 1
                self._sample(payload)
            current.arrivals.append(received_at)
            if len(current.arrivals) == current.expected:
                current.done.set()
        elif self.graphql and (b'"type":"error"' in payload or b'"type":"complete"' in payload):
            self._sample(payload)

    async def open_one(self) -> WsClient:
        """One socket, acknowledged and subscribed (graphql) or just upgraded (raw)."""
        subprotocol = GRAPHQL_TRANSPORT_WS if self.graphql else None
        async with asyncio.timeout(HANDSHAKE_TIMEOUT_SECONDS):
            client = await connect_ws(self.target["ws_url"], subprotocol=subprotocol, on_message=self.on_message)
            if self.graphql:
                client.inbox = asyncio.Queue()
                init = {"authorization": f"Bearer {self.target['token']}"}
                client.send_json({"type": "connection_init", "payload": init})
                ack = json.loads(await client.next_message())
                if ack.get("type") != "connection_ack":
                    raise RuntimeError(f"{self.name}: no connection_ack: {ack}")
                client.inbox = None
                payload = {"query": self.target["query"], "variables": self.target.get("variables") or {}}
                client.send_json({"id": uuid.uuid4().hex, "type": "subscribe", "payload": payload})
        return client

    async def open(self, count: int, batch: int) -> list[WsClient]:
        """Open `count` sockets, `batch` at a time."""
        opened: list[WsClient] = []
        for start in range(0, count, batch):
            opened += await asyncio.gather(*(self.open_one() for _ in range(min(batch, count - start))))
        self.clients += opened
        return opened

    def close(self, clients: list[WsClient] | None = None) -> None:
        """Close `clients` (default: all of them)."""
        chosen = list(self.clients) if clients is None else clients
        for client in chosen:
            client.close()
        gone = set(map(id, chosen))
        self.clients = [client for client in self.clients if id(client) not in gone]

    async def server_count(self) -> int:
        """Subscribers the server holds: the gateway's `gateway_live_subscribers` gauge, the baseline's /count."""
        status, body = await http_get(self.target["count_url"])
        if status != 200:
            raise RuntimeError(f"{self.target['count_url']} answered {status}")
        if not self.graphql:
            count: int = json.loads(body)["sockets"]
            return count
        for line in body.decode().splitlines():
            if line.startswith("gateway_live_subscribers "):
                return int(float(line.split()[1]))
        raise RuntimeError("no gateway_live_subscribers in /metrics")

    async def wait_registered(self, count: int) -> None:
        """Wait until the server holds `count` subscribers of this swarm (a subscription has no ack to wait for)."""
        seen = -1
        try:
            async with asyncio.timeout(REGISTER_TIMEOUT_SECONDS):
                # Polling the server's own count is the only readiness signal there is.
                while (seen := await self.server_count() - self.base) != count:  # noqa: ASYNC110
                    await asyncio.sleep(0.1)
        except TimeoutError:
            raise TimeoutError(f"{self.name}: the server holds {seen} subscribers of ours, expected {count}") from None

    async def run_round(self, trigger: Callable[[str], Awaitable[None]], expected: int) -> dict[str, Any]:
        """Trigger once and wait for `expected` frames; times in ms from just before the trigger."""
        marker = f"evt_bench_{uuid.uuid4().hex}"
        current = Round(marker=marker.encode(), expected=expected)
        self.round = current
        cpu_before = proc_stats(self.pid).cpu_seconds
        client_before = time.process_time()
        started = time.perf_counter()
        await trigger(marker)
        try:
            async with asyncio.timeout(ROUND_TIMEOUT_SECONDS):
                await current.done.wait()
        except TimeoutError:
            log(f"{self.name}: round timed out with {len(current.arrivals)}/{expected} frames")
        # Frames of the last sockets may still be leaving the server: let it finish before reading its CPU.
        await asyncio.sleep(0.05)
        cpu = proc_stats(self.pid).cpu_seconds - cpu_before
        client_cpu = time.process_time() - client_before
        self.round = None
        offsets = [(at - started) * 1000 for at in current.arrivals]
        return {
            "received": len(offsets),
            "expected": expected,
            "errors": current.errors,
            "first_ms": min(offsets, default=None),
            "p50_ms": percentile(offsets, 50),
            "last_ms": max(offsets) if len(offsets) == expected else None,
            "cpu_seconds": cpu,
            "client_cpu_seconds": client_cpu,
        }


# --- triggers ----------------------------------------------------------------------------------------------

Trigger = Callable[[str], Awaitable[None]]


def publish_trigger(client: aioredis.Redis, target: dict[str, Any]) -> Trigger:
    """PUBLISH `target["template"]`, the marker in place of `{marker}`, on `target["channel"]`."""
    template: str = target["template"]
    channel: str = target["channel"]

    async def trigger(marker: str) -> None:
        await client.publish(channel, template.replace("{marker}", marker))

    return trigger


def webhook_trigger(pool: HttpPool, webhook: dict[str, Any]) -> Trigger:
    """POST a signed `payment_intent.succeeded` (a new payment) whose event id is the marker."""

    async def trigger(marker: str) -> None:
        event = payment_intent_event(webhook["customer_stripe_id"])
        event["id"] = marker
        body, headers = signed_delivery(event, webhook["secret"])
        status, answer, _ = await pool.send(pool.build("POST", WEBHOOK_PATH, body, headers))
        if status != 200:
            raise RuntimeError(f"webhook answered {status}: {answer[:200]!r}")

    return trigger


# --- scenarios ---------------------------------------------------------------------------------------------


async def _prepare(swarm: Swarm, trigger: Trigger, count: int, batch: int, settle: float) -> dict[str, Any]:
    """Warm the server up, then hold `count` idle subscribers; RSS before and after."""
    swarm.base = await swarm.server_count()
    # A few sockets first, so lazily imported code and first-use caches are not counted per subscriber.
    warm = await swarm.open(min(WARMUP_SOCKETS, count), batch)
    await swarm.wait_registered(len(warm))
    await swarm.run_round(trigger, len(warm))
    swarm.close(warm)
    await swarm.wait_registered(0)
    await asyncio.sleep(settle)
    rss_empty = rss_kib(swarm.pid)
    started = time.perf_counter()
    await swarm.open(count, batch)
    await swarm.wait_registered(count)
    connect_seconds = time.perf_counter() - started
    await asyncio.sleep(settle)
    rss_idle = rss_kib(swarm.pid)
    per_subscriber = (rss_idle - rss_empty) / count
    log(f"{swarm.name}: {count} subscribers in {connect_seconds:.1f} s, {per_subscriber:.1f} KiB each")
    return {
        "rss_empty_kib": rss_empty,
        "rss_idle_kib": rss_idle,
        "idle_kib_per_subscriber": per_subscriber,
        "connect_seconds": connect_seconds,
        "rounds": [],
        "webhook_rounds": [],
    }


async def broadcast(config: dict[str, Any]) -> dict[str, Any]:
    """Benchmark 6 (see the module docstring)."""
    count: int = config["subscribers"]
    batch: int = config.get("connect_batch", 50)
    settle: float = config.get("settle_seconds", 2.0)
    redis_client = aioredis.Redis.from_url(config["redis_url"])
    swarms = [Swarm(target) for target in config["targets"]]
    triggers = {swarm.name: publish_trigger(redis_client, swarm.target) for swarm in swarms}
    webhook: dict[str, Any] | None = config.get("webhook")
    pool = HttpPool(webhook["url"]) if webhook else None
    results: dict[str, dict[str, Any]] = {}
    try:
        for swarm in swarms:
            results[swarm.name] = await _prepare(swarm, triggers[swarm.name], count, batch, settle)
        for _ in range(config.get("warmup_rounds", 2)):
            for swarm in swarms:
                await swarm.run_round(triggers[swarm.name], count)
        mark("rounds_start")
        for index in range(config["rounds"]):
            # Alternate the order too (ABBA…), so neither side always follows the other.
            order = swarms if index % 2 == 0 else swarms[::-1]
            for swarm in order:
                results[swarm.name]["rounds"].append(await swarm.run_round(triggers[swarm.name], count))
            lasts = ", ".join(f"{s.name} {results[s.name]['rounds'][-1]['last_ms']} ms" for s in swarms)
            log(f"round {index + 1}: {lasts}")
        mark("rounds_end")
        if webhook is not None and pool is not None:
            swarm = next(s for s in swarms if s.name == webhook["target"])
            trigger = webhook_trigger(pool, webhook)
            await swarm.run_round(trigger, count)  # warms the worker's path
            for _ in range(webhook.get("rounds", 0)):
                results[swarm.name]["webhook_rounds"].append(await swarm.run_round(trigger, count))
        for swarm in swarms:
            results[swarm.name]["rss_end_kib"] = rss_kib(swarm.pid)
            results[swarm.name]["samples"] = swarm.samples
    finally:
        for swarm in swarms:
            swarm.close()
        if pool is not None:
            pool.close()
        await redis_client.aclose()
    return {"scenario": "broadcast", "subscribers": count, "targets": results}


async def e2e(config: dict[str, Any]) -> dict[str, Any]:
    """Benchmark 5 (see the module docstring)."""
    rate: float = config["rate"]
    duration: float = config["duration"]
    warmup: float = config.get("warmup", 0.0)
    drain_seconds: float = config.get("drain_seconds", 10.0)
    webhook: dict[str, Any] = config["webhook"]
    total = round(rate * (duration + warmup))
    sent_at: dict[str, float] = {}
    latencies: dict[str, float] = {}
    post_ms: list[float] = []
    statuses: dict[int, int] = {}
    unmatched: list[str] = []
    all_received = asyncio.Event()

    def on_frame(client: WsClient, payload: bytes, received_at: float) -> None:
        if _is_ping(payload):
            client.send_json({"type": "pong"})
            return
        if b'"connection_ack"' in payload:
            return
        try:
            event_id = json.loads(payload)["payload"]["data"]["paymentStatusChanged"]["eventId"]
        except (KeyError, TypeError, ValueError):
            if len(unmatched) < MAX_SAMPLES:
                unmatched.append(payload[:300].decode(errors="replace"))
            return
        started = sent_at.get(event_id)
        if started is not None and event_id not in latencies:
            latencies[event_id] = (received_at - started) * 1000
            if len(latencies) == total:
                all_received.set()

    swarm = Swarm(config["target"])
    swarm.on_message = on_frame  # type: ignore[method-assign]
    # Bodies are built and signed before the clock starts: on time, the sender only writes bytes.
    pool = HttpPool(webhook["url"])
    requests: list[tuple[str, bytes]] = []
    for _ in range(total):
        event = payment_intent_event(webhook["customer_stripe_id"])
        body, headers = signed_delivery(event, webhook["secret"])
        requests.append((event["id"], pool.build("POST", WEBHOOK_PATH, body, headers)))
    swarm.base = await swarm.server_count()
    clients = await swarm.open(1, 1)
    await swarm.wait_registered(1)
    wall_at: dict[str, float] = {}
    lags: list[float] = []

    async def post(event_id: str, raw: bytes) -> None:
        wall_at[event_id] = time.time()
        sent_at[event_id] = started = time.perf_counter()
        status, _, answered = await pool.send(raw)
        statuses[status] = statuses.get(status, 0) + 1
        post_ms.append((answered - started) * 1000)

    tasks: list[asyncio.Task[None]] = []
    begin = time.perf_counter() + 0.2
    measure_from = begin + warmup
    in_window = False
    for index, (event_id, raw) in enumerate(requests):
        due = begin + index / rate
        if not in_window and due >= measure_from:
            in_window = True
            mark("window_start")
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        lags.append((time.perf_counter() - due) * 1000)
        tasks.append(asyncio.create_task(post(event_id, raw)))
    send_end = time.perf_counter()
    await asyncio.gather(*tasks, return_exceptions=True)
    try:
        async with asyncio.timeout(drain_seconds):
            await all_received.wait()
    except TimeoutError:
        log(f"e2e: {total - len(latencies)} of {total} frames missing after {drain_seconds:.0f} s")
    mark("window_end")
    swarm.close(clients)
    pool.close()
    measured_ids = [event_id for index, (event_id, _) in enumerate(requests) if begin + index / rate >= measure_from]
    window = send_end - measure_from
    return {
        "scenario": "e2e",
        "sent": total,
        "window_seconds": window,
        "events": [[event_id, wall_at.get(event_id), latencies.get(event_id)] for event_id in measured_ids],
        "post_ms": {"p50": percentile(post_ms, 50), "p99": percentile(post_ms, 99)},
        "http_statuses": {str(status): n for status, n in statuses.items()},
        "send_lag_ms": {"p99": percentile(lags, 99), "max": max(lags, default=None)},
        "connections_opened": pool.opened,
        "samples": unmatched + swarm.samples,
    }


SCENARIOS: Final[dict[str, Callable[[dict[str, Any]], Coroutine[Any, Any, dict[str, Any]]]]] = {
    "broadcast": broadcast,
    "e2e": e2e,
}


def main(argv: list[str] | None = None) -> None:
    """Run the scenario of the JSON config file named on the command line; print `RESULT <json>`."""
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        raise SystemExit("usage: python -m bench.ws_swarm CONFIG.json")
    config: dict[str, Any] = json.loads(Path(args[0]).read_text())
    log(f"{config['scenario']}: RLIMIT_NOFILE {raise_nofile_limit()}")
    scenario = SCENARIOS[config["scenario"]](config)
    try:
        import uvloop
    except ImportError:  # uvicorn[standard] brings uvloop; plain asyncio only costs client time
        result: dict[str, Any] = asyncio.run(scenario)
    else:
        result = uvloop.run(scenario)
    sys.stdout.write("RESULT " + json.dumps(result) + "\n")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
