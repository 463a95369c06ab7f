"""`GET /metrics`, and what it reads of the process when scraped: the live hub, the shared results, the inbox depth.

The instruments are `base.metrics`'; `register_collectors` (called by `gateway.app.create_app`)
hooks the readers of upper layers onto them, once per process.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Awaitable, Callable, Iterator
from typing import Final

from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, generate_latest
from prometheus_client.core import CounterMetricFamily
from prometheus_client.registry import Collector
from starlette.requests import Request
from starlette.responses import Response
from tortoise import Tortoise

from base.metrics import INBOX_EVENTS, LIVE_SUBSCRIBERS, LIVE_UPSTREAM_CONNECTED
from live.hub import LiveHub, active_hub
from models.inbox import EventStatus
from runtime.execution import result_sharing_cache

__all__ = ["LiveSharingCollector", "metrics_endpoint", "on_scrape", "register_collectors"]

log = logging.getLogger("gateway.metrics_endpoint")

INBOX_QUERY_TIMEOUT_SECONDS: Final = 2.0

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
        LIVE_SUBSCRIBERS.set_function(_of_live_hub(lambda hub: float(hub.subscriber_count)))
        LIVE_UPSTREAM_CONNECTED.set_function(_of_live_hub(lambda hub: float(hub.connected)))
        REGISTRY.register(LiveSharingCollector())
        _registered = True


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
    """`GET /metrics`: this process's metrics in the Prometheus text format."""
    await asyncio.gather(_refresh_inbox_depth(), *(hook() for hook in list(_scrape_hooks.values())))
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
