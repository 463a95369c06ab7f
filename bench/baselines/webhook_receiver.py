"""Baseline of benchmark 4: a hand-written Stripe webhook receiver (HMAC check, one INSERT, one LPUSH, 200).

What the gateway's `POST /webhooks/stripe` does, written the shortest way: Stripe's
signature scheme checked with `hmac.compare_digest` (300 s tolerance), the raw JSON
text inserted with asyncpg into `bench_webhook_events` (a copy of the inbox table's
shape, `LIKE webhook_events INCLUDING ALL`, so the same unique index decides
duplicates), the new row id pushed onto a Redis list, and a small JSON answer. No ORM,
no broker library, no logging per request. Served by uvicorn with the gateway's settings
(uvloop, httptools, no access log; `bench.harness.uvicorn_argv`):

    BENCH_DATABASE_URL=… BENCH_REDIS_URL=… BENCH_WEBHOOK_SECRET=whsec_… \
        python -m uvicorn bench.baselines.webhook_receiver:app --port P --no-access-log
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import os
import time
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any, Final

import asyncpg  # type: ignore[import-untyped]
import redis.asyncio as aioredis
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

__all__ = ["LIST_KEY", "TABLE", "app", "create_app"]

TABLE: Final = "bench_webhook_events"
LIST_KEY: Final = "bench:baseline:webhooks"
TOLERANCE_SECONDS: Final = 300
POOL_MAX_SIZE: Final = 10
"""The gateway's default `DB_POOL_MAX_SIZE`."""

_INSERT: Final = (
    f'INSERT INTO "{TABLE}" (id, created_at, updated_at, stripe_event_id, type, api_version, livemode, '
    "stripe_created, payload, status, attempts) VALUES ($1, $2, $2, $3, $4, $5, $6, $7, $8, 'pending', 0) "
    "ON CONFLICT (stripe_event_id) DO NOTHING RETURNING id"
)


def _verified(body: bytes, header: str | None, secret: bytes) -> bool:
    """Stripe's scheme: any `v1` equal to HMAC_SHA256(secret, "t.body"), `t` within the tolerance."""
    if not header:
        return False
    timestamp = None
    candidates: list[str] = []
    for item in header.split(","):
        key, _, value = item.strip().partition("=")
        if key == "t":
            timestamp = value
        elif key == "v1":
            candidates.append(value)
    if timestamp is None or not timestamp.isdigit() or abs(time.time() - int(timestamp)) > TOLERANCE_SECONDS:
        return False
    expected = hmac.new(secret, timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return any(hmac.compare_digest(expected, candidate) for candidate in candidates)


def create_app(
    database_url: str | None = None, redis_url: str | None = None, secret: str | None = None, list_key: str = LIST_KEY
) -> Starlette:
    """The receiver app; unset arguments come from `BENCH_DATABASE_URL`, `BENCH_REDIS_URL`, `BENCH_WEBHOOK_SECRET`."""
    state: dict[str, Any] = {}

    @contextlib.asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        state["key"] = (secret or os.environ["BENCH_WEBHOOK_SECRET"]).encode()
        dsn = database_url or os.environ["BENCH_DATABASE_URL"]
        pool = await asyncpg.create_pool(dsn, min_size=2, max_size=POOL_MAX_SIZE)
        # Two baselines may start at once on one database: the lock serialises the DDL.
        async with pool.acquire() as conn, conn.transaction():
            await conn.execute("SELECT pg_advisory_xact_lock(hashtext('bench_webhook_events'))")
            await conn.execute(f'CREATE TABLE IF NOT EXISTS "{TABLE}" (LIKE webhook_events INCLUDING ALL)')
        client = aioredis.Redis.from_url(redis_url or os.environ["BENCH_REDIS_URL"])
        state["pool"], state["redis"] = pool, client
        try:
            yield
        finally:
            await client.aclose()
            await pool.close()

    async def receive(request: Request) -> Response:
        body = await request.body()
        if not _verified(body, request.headers.get("stripe-signature"), state["key"]):
            return JSONResponse({"error": "invalid_signature"}, status_code=400)
        try:
            event = json.loads(body)
            event_id, event_type, created = event["id"], event["type"], event["created"]
        except (ValueError, KeyError, TypeError):
            return JSONResponse({"error": "invalid_event"}, status_code=400)
        if not (isinstance(event_id, str) and isinstance(event_type, str) and isinstance(created, int)):
            return JSONResponse({"error": "invalid_event"}, status_code=400)
        now = datetime.now(UTC)
        api_version = event.get("api_version")
        try:
            row_id = await state["pool"].fetchval(
                _INSERT,
                uuid.uuid4(),
                now,
                event_id,
                event_type,
                api_version if isinstance(api_version, str) else None,
                event.get("livemode") is True,
                datetime.fromtimestamp(created, UTC),
                body.decode(),
            )
        except (asyncpg.PostgresError, OSError):
            return JSONResponse({"error": "storage_unavailable"}, status_code=503)
        if row_id is None:
            return JSONResponse({"received": True, "duplicate": True})
        await state["redis"].lpush(list_key, str(row_id))
        return JSONResponse({"received": True, "duplicate": False})

    async def health(_request: Request) -> Response:
        return JSONResponse({"status": "ok"})

    return Starlette(
        routes=[Route("/webhooks/stripe", receive, methods=["POST"]), Route("/health", health)], lifespan=lifespan
    )


app = create_app()
"""The app as `python -m uvicorn bench.baselines.webhook_receiver:app` serves it (configured from the environment)."""
