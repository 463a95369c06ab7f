"""One status message to 1,000 WebSocket subscribers of one process, against a raw Starlette broadcast.

Gateway, production shape: Redis, one worker, one `billing-gateway serve` process. A
customer and a succeeded payment are mirrored through the webhook path first. The
swarm (`bench/ws_swarm.py`, one process on the load core) opens 1,000 graphql-transport-ws
connections (`connection_init` with an API key, then `paymentStatusChanged(customerId)`
of that customer) and waits until the gateway's `gateway_live_subscribers` gauge counts
them. Baseline (`bench/baselines/ws_broadcast.py`, same core, same uvicorn settings):
1,000 plain WebSockets held in a set.

A round is one PUBLISH on Redis from the swarm: for the gateway a status message of the
payment on the channel its hub listens to (what the worker publishes after applying an
event), for the baseline the pre-serialised frame on its own channel (a frame of the
gateway's shape and size). Time to the last frame runs from just before the PUBLISH to
the moment the swarm has read the round's frame on all 1,000 sockets (one clock, the
swarm's). Rounds alternate gateway/baseline (ABBA…) after warm-up rounds; the
percentiles are over rounds, "req/s" is frames delivered per second (1,000 / median time
to the last frame), CPU is the server's over the measured rounds. Extra rows: the gateway
triggered by a signed webhook POST instead (receiver → worker → PUBLISH → fan-out).

Both servers are fresh processes started for this benchmark (a gateway that served the
other benchmarks first reuses the memory they freed, which made its growth look ~30%
smaller). Idle subscriber memory: each server's VmRSS with no subscriber (after 10 sockets have
subscribed, received a frame and closed, so lazy imports and caches are paid already),
then with the 1,000 connected and idle after a settle, divided by 1,000. The verdict
needs both: median time to the last frame ≤ 3x the baseline's, and ≤ 50 KiB per idle
subscriber.
"""

from __future__ import annotations

import json
import statistics
from datetime import UTC, datetime
from typing import Any, Final

from base.redis_names import RedisNames
from bench.harness import Benchmark, Result, RunConfig, Stack, percentile, uvicorn_argv
from bench.ws_setup import (
    PAYMENT_STATUS_CHANGED,
    MirroredPayment,
    mirrored_customer,
    mirrored_payment,
    run_swarm,
    ws_url,
)
from live.bus import StatusMessage
from tests.support.net import free_port

__all__ = ["BENCHMARK", "run"]

NAME: Final = "broadcast to 1,000"
TARGET: Final = "time to the last frame ≤ 3x raw broadcast; idle subscriber ≤ 50 KiB"
SUBSCRIBERS: Final = 1000
SMOKE_SUBSCRIBERS: Final = 20
ROUNDS: Final = 10
WEBHOOK_ROUNDS: Final = 5
BASELINE_CHANNEL: Final = "bench:broadcast"
MARKER: Final = "{marker}"
"""Replaced by each round's event id in the published template."""


def _status_template(payment: MirroredPayment) -> str:
    """The gateway's status message for the payment, as a worker publishes it, with the event id to fill in."""
    message = StatusMessage(
        kind="payment",
        object_id=str(payment.pk),
        stripe_id=payment.stripe_id,
        customer_id=str(payment.customer.pk),
        status="succeeded",
        previous_status="processing",
        event_id=MARKER,
        occurred_at=datetime.now(UTC).replace(microsecond=0),
    )
    return message.to_json()


def _frame_template(payment: MirroredPayment) -> str:
    """The frame the gateway sends for that message (same fields and size), pre-serialised once for the baseline."""
    event = {
        "eventId": MARKER,
        "occurredAt": datetime.now(UTC).replace(microsecond=0).isoformat(),
        "status": "SUCCEEDED",
        "previousStatus": "PROCESSING",
        "payment": {
            "id": payment.global_id,
            "stripeId": payment.stripe_id,
            "status": "SUCCEEDED",
            "amount": payment.amount,
        },
    }
    frame = {"id": "0" * 32, "type": "next", "payload": {"data": {"paymentStatusChanged": event}}}
    return json.dumps(frame, separators=(",", ":"))


def _row(variant: str, rounds: list[dict[str, Any]], count: int, cpu: float | None, rss: float | None) -> Result:
    lasts = sorted(r["last_ms"] for r in rounds if r["last_ms"] is not None)
    median = statistics.median(lasts) if lasts else None
    incomplete = sum(1 for r in rounds if r["last_ms"] is None)
    extra: dict[str, float | str] = {
        "rounds": len(rounds),
        "incomplete_rounds": incomplete,
        "frames_with_errors": sum(r["errors"] for r in rounds),
    }
    firsts = sorted(r["first_ms"] for r in rounds if r["first_ms"] is not None)
    if firsts:
        extra["first_frame_median_ms"] = round(statistics.median(firsts), 2)
    mids = sorted(r["p50_ms"] for r in rounds if r["p50_ms"] is not None)
    if mids:
        extra["median_frame_median_ms"] = round(statistics.median(mids), 2)
    if rounds:
        # The swarm's own CPU per round: near the time to the last frame would mean the client was the limit.
        extra["client_cpu_ms_per_round"] = round(1000 * sum(r["client_cpu_seconds"] for r in rounds) / len(rounds), 1)
    if cpu is not None and rounds:
        extra["cpu_ms_per_round"] = round(1000 * cpu / len(rounds), 1)
        extra["cpu_us_per_frame"] = round(1e6 * cpu / (len(rounds) * count), 1)
    return Result(
        benchmark=6,
        name=NAME,
        variant=variant,
        throughput_rps=count / (median / 1000) if median else None,
        p50_ms=percentile(lasts, 50),
        p95_ms=percentile(lasts, 95),
        p99_ms=percentile(lasts, 99),
        cpu_seconds=cpu,
        peak_rss_mib=rss,
        extra=extra,
    )


def _memory(row: Result, target: dict[str, Any]) -> None:
    row.extra.update(
        idle_kib_per_subscriber=round(float(target["idle_kib_per_subscriber"]), 1),
        rss_no_subscriber_mib=round(target["rss_empty_kib"] / 1024, 1),
        rss_idle_subscribers_mib=round(target["rss_idle_kib"] / 1024, 1),
        connect_s=round(float(target["connect_seconds"]), 2),
    )
    if target.get("samples"):
        row.extra["unexpected_frame"] = str(target["samples"][0])[:200]


async def run(stack: Stack, config: RunConfig) -> list[Result]:
    """Subscribers on both servers, then alternating PUBLISH rounds, then webhook rounds (see the module docstring)."""
    await stack.start_worker()
    payment = await mirrored_payment(stack, await mirrored_customer(stack, "bench6"))
    gateway = await stack.start_gateway("b6-gateway")
    assert gateway.url is not None
    port = free_port()
    baseline = await stack.start_server(
        "b6-baseline",
        uvicorn_argv("bench.baselines.ws_broadcast:app", port),
        env=stack.service_env(BENCH_BROADCAST_CHANNEL=BASELINE_CHANNEL),
        port=port,
    )
    count = SMOKE_SUBSCRIBERS if config.smoke else SUBSCRIBERS
    swarm_config = {
        "scenario": "broadcast",
        "subscribers": count,
        "rounds": 2 if config.smoke else ROUNDS,
        "warmup_rounds": 1 if config.smoke else 2,
        "settle_seconds": 0.5 if config.smoke else 2.0,
        "redis_url": stack.redis_url,
        "targets": [
            {
                "name": "gateway",
                "kind": "graphql",
                "ws_url": ws_url(gateway.url, "/graphql"),
                "pid": gateway.pid,
                "token": stack.api_key,
                "query": PAYMENT_STATUS_CHANGED,
                "variables": {"customerId": payment.customer.global_id},
                "channel": RedisNames.for_url(stack.redis_url).status_channel,
                "template": _status_template(payment),
                "count_url": f"{gateway.url}/metrics",
            },
            {
                "name": "baseline",
                "kind": "raw",
                "ws_url": ws_url(baseline.url or "", "/ws"),
                "pid": baseline.pid,
                "channel": BASELINE_CHANNEL,
                "template": _frame_template(payment),
                "count_url": f"{baseline.url}/count",
            },
        ],
        "webhook": {
            "target": "gateway",
            "url": gateway.url,
            "secret": stack.webhook_secret,
            "customer_stripe_id": payment.customer.stripe_id,
            "rounds": 1 if config.smoke else WEBHOOK_ROUNDS,
        },
    }
    try:
        servers = [gateway, baseline]
        swarm = await run_swarm(stack, swarm_config, servers, "rounds_start", "rounds_end", "b6-swarm")
    finally:
        gateway.stop()
        baseline.stop()
    targets = swarm.result["targets"]
    gw, base = targets["gateway"], targets["baseline"]
    rows = []
    for label, target, server in (("gateway", gw, gateway), ("baseline", base, baseline)):
        window = swarm.windows.get(server.name)
        cpu = sum(r["cpu_seconds"] for r in target["rounds"])
        row = _row(label, target["rounds"], count, cpu, window.peak_rss_mib if window else None)
        if server.name in swarm.profiles:
            row.extra["profile"] = str(swarm.profiles[server.name])
        rows.append(row)
    gw_row, base_row = rows
    gw_row.extra.update(swarm.machine)
    _memory(gw_row, gw)
    _memory(base_row, base)
    webhook_row = _row("gateway via webhook", gw["webhook_rounds"], count, None, None)
    webhook_row.notes = "signed webhook POST → receiver → worker → PUBLISH → fan-out; time from the POST"
    ratio = None
    if gw_row.p50_ms is not None and base_row.p50_ms:
        ratio = gw_row.p50_ms / base_row.p50_ms
    idle_kib = float(gw["idle_kib_per_subscriber"])
    gw_row.ratio, gw_row.ratio_label = ratio, "last frame gw/base"
    gw_row.met = ratio is not None and ratio <= 3.0 and idle_kib <= 50.0 and gw_row.extra["incomplete_rounds"] == 0
    gw_row.notes = (
        f"{count} subscribers; PUBLISH → last frame; idle {idle_kib:.1f} KiB/subscriber (target ≤ 50), "
        f"time ratio {'-' if ratio is None else f'{ratio:.1f}'}x (target ≤ 3)"
    )
    base_row.notes = f"{count} raw sockets; PUBLISH → last frame of a pre-serialised frame"
    return [gw_row, base_row, webhook_row]


BENCHMARK = Benchmark(6, NAME, TARGET, run)
