"""Baseline of benchmark 8: a hand-written usage ingest (JSON batch in, one asyncpg statement, counts out).

What `recordUsageBatch` does to the database, written the shortest way: the body's events (the same
JSON the gateway's variables carry: global customer ids, the meter's event name, value, identifier,
RFC 3339 timestamp) are decoded, the customers and the meter checked with one SELECT each, and the
batch inserted with ONE `INSERT … SELECT FROM unnest(…) ON CONFLICT (identifier) DO NOTHING RETURNING`
into the gateway's own `usage_events` table (the same unique index decides duplicates). One round trip
per batch: faster than `executemany` (pipelined, but a statement per row) and, unlike `COPY`, it
dedupes without a staging table. No ORM, no GraphQL, no ledger, no audit, no logging per request.

    BENCH_DATABASE_URL=… python -m uvicorn bench.baselines.usage_ingest:app --port P --no-access-log
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any, Final

import asyncpg  # type: ignore[import-untyped]
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

__all__ = ["app", "create_app"]

POOL_MAX_SIZE: Final = 10
"""The gateway's default `DB_POOL_MAX_SIZE`."""

_INSERT: Final = """
INSERT INTO "usage_events"
    ("id", "identifier", "customer_id", "meter_id", "value", "occurred_at", "created_at", "attempts")
SELECT u.id, u.identifier, u.customer_id, u.meter_id, u.value, u.occurred_at, $7, 0
FROM unnest($1::uuid[], $2::text[], $3::uuid[], $4::uuid[], $5::bigint[], $6::timestamptz[])
    AS u(id, identifier, customer_id, meter_id, value, occurred_at)
ON CONFLICT ("identifier") DO NOTHING
RETURNING "identifier"
"""


def _customer_pk(global_id: str) -> uuid.UUID:
    text = base64.urlsafe_b64decode(global_id + "=" * (-len(global_id) % 4)).decode()
    type_name, _, pk = text.partition(":")
    if type_name != "Customer":
        raise ValueError("not a Customer id")
    return uuid.UUID(pk)


def create_app(database_url: str | None = None) -> Starlette:
    """The ingest app; `database_url` defaults to `BENCH_DATABASE_URL`."""
    state: dict[str, Any] = {}

    @contextlib.asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        pool = await asyncpg.create_pool(database_url or os.environ["BENCH_DATABASE_URL"], min_size=2, max_size=10)
        state["pool"] = pool
        try:
            yield
        finally:
            await pool.close()

    async def ingest(request: Request) -> Response:
        try:
            events = json.loads(await request.body())["events"]
            customers = [_customer_pk(event["customerId"]) for event in events]
            meters = {str(event["meter"]) for event in events}
            values = [int(event["value"]) for event in events]
            identifiers = [str(event["identifier"]) for event in events]
            times = [datetime.fromisoformat(event["timestamp"]) for event in events]
        except (ValueError, KeyError, TypeError):
            return JSONResponse({"error": "invalid batch"}, status_code=400)
        if not 0 < len(events) <= 1000 or any(value < 0 for value in values):
            return JSONResponse({"error": "invalid batch"}, status_code=400)
        pool = state["pool"]
        async with pool.acquire() as conn:
            known = await conn.fetchval(
                "SELECT count(*) FROM customers WHERE id = ANY($1::uuid[])", list(set(customers))
            )
            rows = await conn.fetch(
                "SELECT id, event_name FROM meters WHERE event_name = ANY($1::text[])", list(meters)
            )
            if known != len(set(customers)) or len(rows) != len(meters):
                return JSONResponse({"error": "unknown customer or meter"}, status_code=400)
            meter_ids = {row["event_name"]: row["id"] for row in rows}
            made = await conn.fetch(
                _INSERT,
                [uuid.uuid4() for _ in events],
                identifiers,
                customers,
                [meter_ids[str(event["meter"])] for event in events],
                values,
                times,
                datetime.now(UTC),
            )
        return JSONResponse({"accepted": len(made), "duplicates": len(events) - len(made)})

    async def health(_request: Request) -> Response:
        return JSONResponse({"status": "ok"})

    return Starlette(routes=[Route("/usage", ingest, methods=["POST"]), Route("/health", health)], lifespan=lifespan)


app = create_app()
"""The app as `python -m uvicorn bench.baselines.usage_ingest:app` serves it (configured from the environment)."""
