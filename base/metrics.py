"""The Prometheus instruments of one gateway process (counters, histograms, gauges) and the `observe_*` helpers.

What reads upper layers when scraped (the live hub, the shared results, the inbox depth), the
`GraphQLMetrics` extension and `GET /metrics` itself are the shell's: `gateway/metrics_endpoint.py`
and `gateway/graphql_metrics.py`, registered by `gateway/app.py`.

`/metrics` (text format, no auth) carries no secrets, only counts and timings; it is open like `/health/*`.
Keep it off the public internet (scrape it on the private network, or block the path
at the load balancer). A single `serve` process exposes its own metrics (the embedded worker
included); under `serve --workers N` every worker writes its instruments to the shared
`PROMETHEUS_MULTIPROC_DIR` and `/metrics` on any of them sums all (prometheus_client's multiprocess
mode, `gateway.metrics_endpoint`): each gauge says how its values combine (`multiprocess_mode`).
A separate `billing-gateway worker` process does not serve `/metrics`.

Label values are bounded: unknown paths are "other", GraphQL operation names beyond
`gateway.graphql_metrics.MAX_OPERATION_NAMES` distinct ones are "other", Stripe errors carry our
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

How gauges combine across `serve --workers N`: live_subscribers sums the live processes;
live_upstream_connected is the minimum (0 when any process lost its subscription);
rate_limit_fallback the maximum (1 when any process falls back); webhook_inbox_events and
dependency_up take the value written last (by whichever process was scraped or checked last).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Final

from prometheus_client import Counter, Gauge, Histogram

__all__ = [
    "DEPENDENCY_UP",
    "GRAPHQL_DURATION",
    "GRAPHQL_REQUESTS",
    "HTTP_DURATION",
    "HTTP_REQUESTS",
    "INBOX_EVENTS",
    "LIVE_FRAME_ENCODINGS_SHARED",
    "LIVE_GAPS",
    "LIVE_RESUBSCRIPTIONS",
    "LIVE_RESULTS_SHARED",
    "LIVE_SUBSCRIBERS",
    "LIVE_UPSTREAM_CONNECTED",
    "OTHER",
    "RATE_LIMIT_FALLBACK",
    "RATE_LIMIT_REDIS_ERRORS",
    "STRIPE_DURATION",
    "STRIPE_ERRORS",
    "WEBHOOK_DELIVERIES",
    "WEBHOOK_ENDPOINTS_DISABLED",
    "WORKER_DURATION",
    "observe_http_request",
    "observe_stripe_call",
    "observe_worker_event",
]

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
    multiprocess_mode="mostrecent",
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
# The two live gauges read the hub when scraped (`gateway.metrics_endpoint.register_collectors`).
LIVE_SUBSCRIBERS = Gauge(
    "gateway_live_subscribers",
    "Live GraphQL subscribers of this process.",
    multiprocess_mode="livesum",
)
LIVE_UPSTREAM_CONNECTED = Gauge(
    "gateway_live_upstream_connected",
    "1 while this process's live hub holds its upstream (Redis pub/sub) subscription.",
    multiprocess_mode="livemin",
)
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
    multiprocess_mode="mostrecent",
)
RATE_LIMIT_FALLBACK = Gauge(
    "gateway_rate_limit_fallback",
    "1 while the rate limiter counts in this process's memory because Redis does not answer.",
    multiprocess_mode="livemax",
)
RATE_LIMIT_REDIS_ERRORS = Counter(
    "gateway_rate_limit_redis_errors",
    "Rate-limit checks that Redis failed to answer in time (each fell back to memory).",
)

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


WEBHOOK_DELIVERIES = Counter(
    "gateway_webhook_deliveries",
    "Outgoing webhook delivery attempts, by outcome (succeeded, failed).",
    ["outcome"],
)
WEBHOOK_ENDPOINTS_DISABLED = Counter(
    "gateway_webhook_endpoints_disabled",
    "Outgoing webhook endpoints disabled after failing continuously for OUTGOING_DISABLE_AFTER_SECONDS.",
)

# Under `serve --workers N` the shared-results counters (read from `runtime.execution` when scraped in
# one process) are copied into these by each process (`gateway.metrics_endpoint.sync_process_metrics`);
# unregistered, so a single process keeps its collector of the same names.
LIVE_RESULTS_SHARED = Counter(
    "gateway_live_results",
    "Per-event executions of live subscriptions, by whether their result was shared.",
    ["outcome"],
    registry=None,
)
LIVE_FRAME_ENCODINGS_SHARED = Counter(
    "gateway_live_frame_encodings",
    "JSON encodings of shared live results: encoded once, then reused per socket.",
    ["outcome"],
    registry=None,
)
