"""Prometheus metrics of one gateway process, served at `GET /metrics` (text format, no auth).

`/metrics` carries no secrets, only counts and timings; it is open like `/health/*`.
Keep it off the public internet (scrape it on the private network, or block the path
at the load balancer). Each process exposes its own metrics (no multi-process mode):
the gateway's embedded worker is included; a separate `billing-gateway worker` process
does not serve `/metrics`.

Label values are bounded: unknown paths are "other", GraphQL operation names beyond
`MAX_OPERATION_NAMES` distinct ones are "other", Stripe errors carry our
`ProviderErrorCode`, never Stripe's free-form text.

Metrics (all prefixed `gateway_`):

    graphql_requests_total{operation_name, operation_type, outcome}   outcome: ok | error
    graphql_request_duration_seconds{operation_name, operation_type}
    http_requests_total{method, path, status}
    http_request_duration_seconds{method, path}
    stripe_request_duration_seconds{resource, action, outcome}        outcome: ok | error
    stripe_errors_total{resource, action, code}
    webhook_inbox_events{status}       computed on scrape (one GROUP BY on webhook_events)
    worker_event_duration_seconds{family, outcome}                    outcome: ok | error
    live_subscribers                   local GraphQL subscriptions of this process
    live_upstream_connected            1 while the live hub holds its Redis (or in-memory) subscription
    live_resubscriptions_total         the hub's Redis subscription re-established after a loss (each
                                       marks a gap for every subscriber: `resumedAfterGap`)
    live_gaps_total{reason}            subscribers told of a gap: resubscribed | overflow
    dependency_up{dependency}          1/0 per readiness check: database, redis, stripe (refreshed by
                                       /health/ready and by each scrape, at most once a second)
    rate_limit_fallback                1 while the rate limiter uses this process's own buckets (Redis down)
    rate_limit_redis_errors_total      rate-limit checks Redis did not answer in time
    live_results_total{outcome}        per-event executions of subscriptions: shared (another
                                       subscriber's result), executed (run and offered to the
                                       identical subscribers), unshared, bypassed (not eligible)
    live_frame_encodings_total{outcome}   JSON of shared results: encoded | reused
"""

from __future__ import annotations

import asyncio
import logging
import re
import threading
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Final

from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, Counter, Gauge, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily
from prometheus_client.registry import Collector
from starlette.requests import Request
from starlette.responses import Response
from strawberry import Schema
from strawberry.extensions import SchemaExtension
from tortoise import Tortoise

from models.inbox import EventStatus

if TYPE_CHECKING:
    from live.hub import LiveHub

__all__ = [
    "GRAPHQL_DURATION",
    "GRAPHQL_REQUESTS",
    "HTTP_DURATION",
    "HTTP_REQUESTS",
    "INBOX_EVENTS",
    "LIVE_SUBSCRIBERS",
    "STRIPE_DURATION",
    "STRIPE_ERRORS",
    "WORKER_DURATION",
    "GraphQLMetrics",
    "metrics_endpoint",
    "observe_http_request",
    "observe_stripe_call",
    "observe_worker_event",
    "on_scrape",
    "with_graphql_metrics",
]

log = logging.getLogger("base.metrics")

MAX_OPERATION_NAMES: Final = 200
"""Distinct GraphQL operation names kept as label values; later new names count as "other"."""
INBOX_QUERY_TIMEOUT_SECONDS: Final = 2.0
OTHER: Final = "other"

_LATENCY_BUCKETS: Final = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)

GRAPHQL_REQUESTS = Counter(
    "gateway_graphql_requests",
    "GraphQL operations executed, by operation name and type.",
    ["operation_name", "operation_type", "outcome"],
)
GRAPHQL_DURATION = Histogram(
    "gateway_graphql_request_duration_seconds",
    "GraphQL operation latency (parsing, validation and execution).",
    ["operation_name", "operation_type"],
    buckets=_LATENCY_BUCKETS,
)
HTTP_REQUESTS = Counter(
    "gateway_http_requests",
    "HTTP requests answered, by route path and status code.",
    ["method", "path", "status"],
)
HTTP_DURATION = Histogram(
    "gateway_http_request_duration_seconds",
    "HTTP request latency until the response ended.",
    ["method", "path"],
    buckets=_LATENCY_BUCKETS,
)
STRIPE_DURATION = Histogram(
    "gateway_stripe_request_duration_seconds",
    "Stripe API call latency, retries included.",
    ["resource", "action", "outcome"],
    buckets=_LATENCY_BUCKETS,
)
STRIPE_ERRORS = Counter(
    "gateway_stripe_errors",
    "Failed Stripe API calls, by our error code.",
    ["resource", "action", "code"],
)
INBOX_EVENTS = Gauge(
    "gateway_webhook_inbox_events",
    "Rows of the webhook inbox by status (computed when scraped).",
    ["status"],
)
WORKER_DURATION = Histogram(
    "gateway_worker_event_duration_seconds",
    "Time the worker took to process one inbox event (one attempt).",
    ["family", "outcome"],
    buckets=_LATENCY_BUCKETS,
)
RATE_LIMITED = Counter(
    "gateway_rate_limited",
    "Operations refused because their principal's budget was spent, by budget.",
    ["budget"],
)
LIVE_SUBSCRIBERS = Gauge(
    "gateway_live_subscribers",
    "Live GraphQL subscribers of this process.",
)


def _of_live_hub(read: Callable[[LiveHub], float]) -> Callable[[], float]:
    """A gauge function reading this process's live hub; 0 when none runs."""

    def value() -> float:
        from live.hub import active_hub

        try:
            return read(active_hub())
        except RuntimeError:  # no hub running in this process
            return 0.0

    return value


LIVE_SUBSCRIBERS.set_function(_of_live_hub(lambda hub: float(hub.subscriber_count)))
LIVE_UPSTREAM_CONNECTED = Gauge(
    "gateway_live_upstream_connected",
    "1 while this process's live hub holds its upstream (Redis pub/sub) subscription.",
)
LIVE_UPSTREAM_CONNECTED.set_function(_of_live_hub(lambda hub: float(hub.connected)))
LIVE_RESUBSCRIPTIONS = Counter(
    "gateway_live_resubscriptions",
    "Times the live hub subscribed to Redis again after losing its subscription (messages may be lost).",
)
LIVE_GAPS = Counter(
    "gateway_live_gaps",
    "Subscribers whose next event is flagged resumedAfterGap, by reason (resubscribed, overflow).",
    ["reason"],
)
DEPENDENCY_UP = Gauge(
    "gateway_dependency_up",
    "1 when the last readiness check of the dependency passed, else 0.",
    ["dependency"],
)
RATE_LIMIT_FALLBACK = Gauge(
    "gateway_rate_limit_fallback",
    "1 while the rate limiter counts in this process's memory because Redis does not answer.",
)
RATE_LIMIT_REDIS_ERRORS = Counter(
    "gateway_rate_limit_redis_errors",
    "Rate-limit checks that Redis failed to answer in time (each fell back to memory).",
)

_scrape_hooks: dict[str, Callable[[], Awaitable[None]]] = {}


def on_scrape(name: str, hook: Callable[[], Awaitable[None]]) -> None:
    """Run `hook` before each `/metrics` answer (the last one given a `name`; it bounds its own time, never raises)."""
    _scrape_hooks[name] = hook


class LiveSharingCollector(Collector):
    """The counters of `runtime.execution.ResultSharingCache`, read when scraped."""

    def describe(self) -> Iterator[CounterMetricFamily]:
        # Without it the registry would call `collect` at registration, while this module imports.
        yield from self._families({})

    def collect(self) -> Iterator[CounterMetricFamily]:
        # Imported here: the schema package imports this module.
        from runtime.execution import result_sharing_cache

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


REGISTRY.register(LiveSharingCollector())


# -- GraphQL ---------------------------------------------------------------------------

_NAME_RE: Final = re.compile(r"[_A-Za-z][_0-9A-Za-z]{0,63}")
_names_lock = threading.Lock()
_operation_names: set[str] = set()


def _operation_label(name: str | None) -> str:
    """A bounded label for a client-chosen operation name."""
    if not name:
        return "anonymous"
    if not _NAME_RE.fullmatch(name):
        return OTHER
    with _names_lock:
        if name in _operation_names:
            return name
        if len(_operation_names) >= MAX_OPERATION_NAMES:
            return OTHER
        _operation_names.add(name)
        return name


class GraphQLMetrics(SchemaExtension):
    """Counts and times every GraphQL operation (HTTP and WebSocket), by name and type."""

    def on_operation(self) -> Iterator[None]:
        started = time.perf_counter()
        try:
            yield
        finally:
            self._record(time.perf_counter() - started)

    def _record(self, elapsed: float) -> None:
        context = self.execution_context
        try:
            operation_type = context.operation_type.value
        except Exception:  # unparsable document, or no operation matching the name
            operation_type = "unknown"
        name = _operation_label(context.operation_name) if operation_type != "unknown" else OTHER
        result = context.result
        failed = bool(context.pre_execution_errors) or bool(getattr(result, "errors", None))
        GRAPHQL_REQUESTS.labels(name, operation_type, "error" if failed else "ok").inc()
        GRAPHQL_DURATION.labels(name, operation_type).observe(elapsed)


# -- HTTP ------------------------------------------------------------------------------

_METHODS: Final = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


def observe_http_request(paths: frozenset[str], method: str, path: str, status: int, seconds: float) -> None:
    """Count and time one HTTP request (by `gateway.access_log.HttpRequestMiddleware`).

    Paths not in `paths` are labelled "other" (no label per scanned URL).
    """
    path_label = path if path in paths else OTHER
    method_label = method if method in _METHODS else OTHER
    HTTP_REQUESTS.labels(method_label, path_label, str(status)).inc()
    HTTP_DURATION.labels(method_label, path_label).observe(seconds)


# -- Stripe and worker -----------------------------------------------------------------


def observe_stripe_call(operation: str, elapsed: float, error_code: str | None) -> None:
    """Record one Stripe call; `operation` is "<resource>.<action>" (resource may contain dots)."""
    resource, _, action = operation.rpartition(".")
    if not resource:
        resource = action
    STRIPE_DURATION.labels(resource, action, "ok" if error_code is None else "error").observe(elapsed)
    if error_code is not None:
        STRIPE_ERRORS.labels(resource, action, error_code).inc()


@contextmanager
def observe_worker_event(family: str) -> Iterator[None]:
    """Time one processing attempt of an inbox event of `family`."""
    started = time.perf_counter()
    outcome = "error"
    try:
        yield
        outcome = "ok"
    finally:
        WORKER_DURATION.labels(family, outcome).observe(time.perf_counter() - started)


# -- The endpoint ----------------------------------------------------------------------


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


def with_graphql_metrics(schema: Schema) -> Schema:
    """`schema` with `GraphQLMetrics` appended to its extensions (a fresh instance per operation)."""
    schema.extensions = (*schema.extensions, GraphQLMetrics)
    return schema
