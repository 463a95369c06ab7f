"""Liveness and readiness: is the process up, and can it reach what it needs."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any

import redis.asyncio as redis
from starlette.requests import Request
from starlette.responses import JSONResponse
from tortoise import Tortoise

from gateway.settings import Settings
from gateway.stripe_client import StripeAdapter

CHECK_TIMEOUT_SECONDS = 2.0


async def live(request: Request) -> JSONResponse:
    """The process answers."""
    return JSONResponse({"status": "ok"})


async def _timed(check: Callable[[], Awaitable[Any]]) -> dict[str, Any]:
    started = time.perf_counter()
    try:
        async with asyncio.timeout(CHECK_TIMEOUT_SECONDS):
            await check()
    except Exception as exc:
        return {"ok": False, "error": type(exc).__name__ if isinstance(exc, TimeoutError) else str(exc)[:200]}
    return {"ok": True, "latencyMs": round((time.perf_counter() - started) * 1000, 2)}


async def _database() -> None:
    await Tortoise.get_connection("default").execute_query("SELECT 1")


def make_ready(settings: Settings, stripe: StripeAdapter) -> Callable[[Request], Awaitable[JSONResponse]]:
    """The readiness endpoint: database, Redis (when configured) and Stripe, each reported."""

    async def _redis() -> None:
        assert settings.redis_url is not None
        client = redis.from_url(settings.redis_url, socket_connect_timeout=CHECK_TIMEOUT_SECONDS)
        try:
            await client.ping()
        finally:
            await client.aclose()

    async def ready(request: Request) -> JSONResponse:
        checks: dict[str, Callable[[], Awaitable[Any]]] = {"database": _database, "stripe": stripe.ping}
        if settings.redis_url:
            checks["redis"] = _redis
        results = dict(zip(checks, await asyncio.gather(*(_timed(c) for c in checks.values())), strict=True))
        healthy = all(r["ok"] for r in results.values())
        return JSONResponse(
            {"status": "ok" if healthy else "unavailable", "checks": results}, status_code=200 if healthy else 503
        )

    return ready
