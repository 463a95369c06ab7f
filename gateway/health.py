"""Liveness and readiness: is the process up, and can it serve (docs/degraded-mode.md).

Readiness means "this process can serve": the database is its one hard dependency (reads,
the webhook receiver's inbox, the idempotency ledger and every mutation need it). Redis and
Stripe are soft: without Redis, webhooks are still stored (the sweeper enqueues them later),
reads and mutations are served and rate limits count per process; without Stripe, reads and
webhooks work and mutations answer `PROVIDER_UNAVAILABLE`. RabbitMQ (`BROKER_URL`, check
`broker`) is soft as Redis is: webhooks are stored, the sweeper sends them once it answers. So:

- database down: 503 (take this process out of rotation), as problem details
  (`application/problem+json`, code `not_ready`) whose `readiness` is `unavailable`, with the
  same `degraded` and `checks` members (`status` is the HTTP status there, RFC 9457);
- Redis, RabbitMQ or Stripe down: 200, `status: degraded`, the failing check marked (keep it in rotation,
  alert on it);
- all up: 200, `status: ok`.

Each check's result is also the gauge `gateway_dependency_up{dependency}`. Checks run at most
once per `CACHE_SECONDS` (a probe and a scrape arriving together share one run), each within
`CHECK_TIMEOUT_SECONDS`.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any, Final

import redis.asyncio as redis
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from tortoise import Tortoise

from base.error_codes import ErrorCode
from base.metrics import DEPENDENCY_UP
from base.problems import problem
from base.redis_calls import honour_cancellation
from base.redis_names import RedisNames
from base.settings import Settings
from gateway.metrics_endpoint import on_scrape
from live.hub import active_hub
from runtime.dramatiq_rabbitmq import amqp_ping
from sandbox.launcher import check_identity
from stripe_provider.adapter import StripeAdapter

CHECK_TIMEOUT_SECONDS: Final = 2.0
CACHE_SECONDS: Final = 1.0
"""Results this recent are answered again instead of checking anew."""
HARD_DEPENDENCIES: Final = frozenset({"database"})

Check = Callable[[], Awaitable[Any]]


async def live(request: Request) -> JSONResponse:
    """The process answers."""
    return JSONResponse({"status": "ok"})


async def _timed(check: Check) -> dict[str, Any]:
    started = time.perf_counter()
    try:
        async with asyncio.timeout(CHECK_TIMEOUT_SECONDS):
            await check()
    except Exception as exc:
        return {"ok": False, "error": type(exc).__name__ if isinstance(exc, TimeoutError) else str(exc)[:200]}
    return {"ok": True, "latencyMs": round((time.perf_counter() - started) * 1000, 2)}


async def _database() -> None:
    await Tortoise.get_connection("default").execute_query("SELECT 1")


class DependencyChecks:
    """The readiness checks of one process, run together, their results kept `CACHE_SECONDS`."""

    def __init__(self, settings: Settings, stripe: StripeAdapter, sandbox_token: str | None = None) -> None:
        self._checks: dict[str, Check] = {"database": _database, "stripe": stripe.ping}
        if sandbox_token is not None and settings.stripe_api_base is not None:
            sandbox_url = settings.stripe_api_base

            async def sandbox_then_stripe() -> None:
                # A stray emulator that took the sandbox's port would answer the ping too.
                await check_identity(sandbox_url, sandbox_token)
                await stripe.ping()

            self._checks["stripe"] = sandbox_then_stripe
        self._redis_url = settings.redis_url
        self._client_name = RedisNames.of(settings).client_name("health")
        if self._redis_url:
            self._checks["redis"] = self._redis
        if settings.broker_url:
            broker_url = settings.broker_url

            async def broker() -> None:
                await amqp_ping(broker_url)

            self._checks["broker"] = broker
        self._results: dict[str, dict[str, Any]] = {}
        self._checked_at = -CACHE_SECONDS
        self._running: asyncio.Future[dict[str, dict[str, Any]]] | None = None

    async def _redis(self) -> None:
        assert self._redis_url is not None
        client = redis.from_url(
            self._redis_url,
            socket_connect_timeout=CHECK_TIMEOUT_SECONDS,
            socket_timeout=CHECK_TIMEOUT_SECONDS,
            client_name=self._client_name,
        )
        try:
            await honour_cancellation(client.ping())  # so the check's timeout is not lost
        finally:
            await client.aclose()

    async def results(self) -> dict[str, dict[str, Any]]:
        """Every check's latest result (run now unless a run ended less than `CACHE_SECONDS` ago)."""
        if time.monotonic() - self._checked_at < CACHE_SECONDS:
            return self._results
        if self._running is None:
            self._running = asyncio.ensure_future(self._run())
        running = self._running
        # Shielded: a probe that gives up must not cancel the run others wait for.
        return await asyncio.shield(running)

    async def _run(self) -> dict[str, dict[str, Any]]:
        try:
            outcomes = await asyncio.gather(*(_timed(check) for check in self._checks.values()))
            results = dict(zip(self._checks, outcomes, strict=True))
            for name, result in results.items():
                DEPENDENCY_UP.labels(dependency=name).set(1 if result["ok"] else 0)
            self._results, self._checked_at = results, time.monotonic()
            return results
        finally:
            self._running = None

    async def refresh_metrics(self) -> None:
        """For `/metrics`: run the checks when stale (never raises)."""
        await self.results()


def _live_updates() -> dict[str, Any]:
    """Whether this process's live hub holds its upstream subscription (not a check: it reconnects by itself)."""
    try:
        return {"ok": active_hub().connected}
    except RuntimeError:
        return {"ok": False, "error": "not running"}


def make_ready(
    settings: Settings, stripe: StripeAdapter, *, sandbox_token: str | None = None
) -> Callable[[Request], Awaitable[Response]]:
    """The readiness endpoint: 503 only when a hard dependency (the database) fails; else 200, `ok` or `degraded`.

    With `sandbox_token` (the sandbox `serve` started) the Stripe check also verifies that the
    emulator answering is that sandbox.
    """
    checks = DependencyChecks(settings, stripe, sandbox_token)
    on_scrape("dependencies", checks.refresh_metrics)

    async def ready(request: Request) -> Response:
        results = dict(await checks.results())
        serving = all(results[name]["ok"] for name in HARD_DEPENDENCIES if name in results)
        healthy = all(result["ok"] for result in results.values())
        if settings.redis_url:
            results["liveUpdates"] = _live_updates()
            healthy = healthy and results["liveUpdates"]["ok"]
        status = "ok" if healthy else "degraded" if serving else "unavailable"
        degraded = sorted(name for name, result in results.items() if not result["ok"])
        if not serving:
            failed = ", ".join(name for name in sorted(HARD_DEPENDENCIES) if not results.get(name, {}).get("ok", True))
            return problem(
                request.scope,
                503,
                f"not ready: {failed} unreachable",
                ErrorCode.NOT_READY,
                readiness=status,
                degraded=degraded,
                checks=results,
            )
        return JSONResponse({"status": status, "degraded": degraded, "checks": results})

    return ready
