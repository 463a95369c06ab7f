"""`GET /metrics`, and what it reads of the process when scraped: the live hub, the shared results, the inbox depth.

The instruments are `base.metrics`'; `register_collectors` (called by `gateway.app.create_app`)
hooks the readers of upper layers onto them, once per process.

Under `serve --workers N` (`PROMETHEUS_MULTIPROC_DIR` set, `gateway.worker_processes`) the answer is
prometheus_client's `MultiProcessCollector` over every worker's files: counters and histograms sum,
gauges combine by their `multiprocess_mode`. What a process only knows in memory (its hub's
subscribers and upstream, its shared-results counters) is copied into those files by
`sync_process_metrics`, every `SYNC_SECONDS` and before each scrape: another worker's part of an
answer may be that old.
"""

from __future__ import annotations

import asyncio
import contextlib
import glob
import logging
import os
import re
import threading
from collections.abc import Awaitable, Callable, Iterator
from typing import Final

from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest, multiprocess
from prometheus_client.core import CounterMetricFamily
from prometheus_client.registry import Collector
from starlette.requests import Request
from starlette.responses import Response
from tortoise import Tortoise

from base.metrics import (
    INBOX_EVENTS,
    LIVE_FRAME_ENCODINGS_SHARED,
    LIVE_RESULTS_SHARED,
    LIVE_SUBSCRIBERS,
    LIVE_UPSTREAM_CONNECTED,
)
from live.hub import LiveHub, active_hub
from models.inbox import EventStatus
from runtime.execution import result_sharing_cache

__all__ = [
    "LiveSharingCollector",
    "metrics_endpoint",
    "multiprocess_directory",
    "on_scrape",
    "register_collectors",
    "sync_forever",
    "sync_process_metrics",
]

log = logging.getLogger("gateway.metrics_endpoint")

INBOX_QUERY_TIMEOUT_SECONDS: Final = 2.0
SYNC_SECONDS: Final = 1.0
"""How often a worker of `serve --workers N` copies its in-memory metrics into the shared files."""

_scrape_hooks: dict[str, Callable[[], Awaitable[None]]] = {}


def on_scrape(name: str, hook: Callable[[], Awaitable[None]]) -> None:
    """Run `hook` before each `/metrics` answer (the last one given a `name`; it bounds its own time, never raises)."""
    _scrape_hooks[name] = hook


def _of_live_hub(read: Callable[[LiveHub], float]) -> Callable[[], float]:
    """A gauge function reading this process's live hub; 0 when none runs."""

    def value() -> float:
        try:
            return read(active_hub())
        except RuntimeError:  # no hub running in this process
            return 0.0

    return value


class LiveSharingCollector(Collector):
    """The counters of `runtime.execution.ResultSharingCache`, read when scraped."""

    def describe(self) -> Iterator[CounterMetricFamily]:
        # Without it the registry would call `collect` at registration.
        yield from self._families({})

    def collect(self) -> Iterator[CounterMetricFamily]:
        cache = result_sharing_cache()
        yield from self._families(
            {
                ("results", "shared"): cache.hits,
                ("results", "executed"): cache.misses,
                ("results", "unshared"): cache.unshared,
                ("results", "bypassed"): cache.bypassed,
                ("encodings", "encoded"): cache.payload_encodes,
                ("encodings", "reused"): cache.payload_reuses,
            }
        )

    @staticmethod
    def _families(values: dict[tuple[str, str], int]) -> Iterator[CounterMetricFamily]:
        results = CounterMetricFamily(
            "gateway_live_results",
            "Per-event executions of live subscriptions, by whether their result was shared.",
            labels=["outcome"],
        )
        encodings = CounterMetricFamily(
            "gateway_live_frame_encodings",
            "JSON encodings of shared live results: encoded once, then reused per socket.",
            labels=["outcome"],
        )
        for (family, outcome), value in values.items():
            (results if family == "results" else encodings).add_metric([outcome], value)
        yield results
        yield encodings


_registered = False
_register_lock = threading.Lock()


def register_collectors() -> None:
    """Hook the live hub's gauges and the shared-results counters onto the registry (once per process)."""
    global _registered
    with _register_lock:
        if _registered:
            return
        if multiprocess_directory() is None:  # else `sync_process_metrics` writes them
            LIVE_SUBSCRIBERS.set_function(_of_live_hub(lambda hub: float(hub.subscriber_count)))
            LIVE_UPSTREAM_CONNECTED.set_function(_of_live_hub(lambda hub: float(hub.connected)))
            REGISTRY.register(LiveSharingCollector())
        _registered = True


def multiprocess_directory() -> str | None:
    """Where the workers of `serve --workers N` write their metrics; None in a single process."""
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR") or None


_synced: dict[tuple[str, str], int] = {}
"""The shared-results counters as last copied into the multiprocess counters (deltas go in)."""


def sync_process_metrics() -> None:
    """Copy this process's in-memory values (hub, shared results) into its multiprocess files."""
    LIVE_SUBSCRIBERS.set(_of_live_hub(lambda hub: float(hub.subscriber_count))())
    LIVE_UPSTREAM_CONNECTED.set(_of_live_hub(lambda hub: float(hub.connected))())
    cache = result_sharing_cache()
    current = {
        ("results", "shared"): cache.hits,
        ("results", "executed"): cache.misses,
        ("results", "unshared"): cache.unshared,
        ("results", "bypassed"): cache.bypassed,
        ("encodings", "encoded"): cache.payload_encodes,
        ("encodings", "reused"): cache.payload_reuses,
    }
    for (family, outcome), value in current.items():
        delta = value - _synced.get((family, outcome), 0)
        if delta > 0:
            (LIVE_RESULTS_SHARED if family == "results" else LIVE_FRAME_ENCODINGS_SHARED).labels(outcome).inc(delta)
        _synced[(family, outcome)] = value


async def sync_forever() -> None:
    """Run by each worker's lifespan under `serve --workers N`; its live gauges go when it stops."""
    try:
        while True:
            sync_process_metrics()
            await asyncio.sleep(SYNC_SECONDS)
    finally:
        directory = multiprocess_directory()
        if directory is not None:
            with contextlib.suppress(OSError):
                multiprocess.mark_process_dead(os.getpid(), directory)  # type: ignore[no-untyped-call]


_LIVE_FILE = re.compile(r"gauge_live\w+_(\d+)\.db$")


def _forget_dead_workers(directory: str) -> None:
    """Drop the live gauges of workers that died without stopping (uvicorn restarted them)."""
    pids = {
        int(match.group(1))
        for path in glob.glob(os.path.join(directory, "gauge_live*.db"))
        if (match := _LIVE_FILE.search(path))
    }
    for pid in pids:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            multiprocess.mark_process_dead(pid, directory)  # type: ignore[no-untyped-call]
        except PermissionError:
            pass  # alive, someone else's


def _render() -> bytes:
    directory = multiprocess_directory()
    if directory is None:
        return generate_latest()
    sync_process_metrics()
    _forget_dead_workers(directory)
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry, path=directory)  # type: ignore[no-untyped-call]
    return generate_latest(registry)


async def _refresh_inbox_depth() -> None:
    """Set the inbox gauge from one GROUP BY query; on failure keep the last values."""
    try:
        async with asyncio.timeout(INBOX_QUERY_TIMEOUT_SECONDS):
            rows = await Tortoise.get_connection("default").execute_query_dict(
                "SELECT status, COUNT(*) AS n FROM webhook_events GROUP BY status"
            )
    except Exception as exc:
        log.warning("metrics: webhook inbox depth unavailable (%s)", type(exc).__name__)
        return
    counts = {str(row["status"]): int(row["n"]) for row in rows}
    for status in EventStatus:
        INBOX_EVENTS.labels(status.value).set(counts.pop(status.value, 0))
    for unknown_status, count in counts.items():  # a status this code does not know yet
        INBOX_EVENTS.labels(unknown_status).set(count)


async def metrics_endpoint(request: Request) -> Response:
    """`GET /metrics`: this process's metrics (every worker's under `serve --workers N`), Prometheus text format."""
    await asyncio.gather(_refresh_inbox_depth(), *(hook() for hook in list(_scrape_hooks.values())))
    return Response(_render(), media_type=CONTENT_TYPE_LATEST)
