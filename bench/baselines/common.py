"""What every hand-written read baseline needs: an asyncpg pool, the gateway's ids and cursors, API-key auth.

Written from scratch on purpose (no gateway imports): a baseline is what someone would
write without the gateway. The SQL is the gateway's own, as its Tortoise query log shows
it, so a baseline does the same database work and differs only in the stack around it.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any
from uuid import UUID

import asyncpg  # type: ignore[import-untyped]
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response

POOL_MAX_SIZE = 10
"""The gateway's default `DB_POOL_MAX_SIZE` (Tortoise opens with min 1, max 10)."""

API_KEY_SQL = (
    'SELECT "id","name","prefix","key_hash","scopes","revoked_at","last_used_at","created_at","updated_at" '
    'FROM "api_keys" WHERE "key_hash"=$1 LIMIT $2'
)


async def _init_connection(conn: asyncpg.Connection) -> None:
    # JSON columns arrive decoded, as Tortoise hands them to the gateway.
    for name in ("json", "jsonb"):
        await conn.set_type_codec(name, encoder=json.dumps, decoder=json.loads, schema="pg_catalog")


async def create_pool() -> asyncpg.Pool:
    """A pool on `BENCH_DATABASE_URL`, sized like the gateway's."""
    return await asyncpg.create_pool(
        os.environ["BENCH_DATABASE_URL"], min_size=1, max_size=POOL_MAX_SIZE, init=_init_connection
    )


def global_id(type_name: str, pk: UUID) -> str:
    """The gateway's opaque id: URL-safe base64 of `Type:uuid`, unpadded."""
    return base64.urlsafe_b64encode(f"{type_name}:{pk}".encode()).decode().rstrip("=")


def cursor(pk: UUID) -> str:
    """The gateway's cursor for a row."""
    return base64.urlsafe_b64encode(f"cursor:{pk}".encode()).decode().rstrip("=")


def parse_global_id(value: str, type_name: str) -> UUID | None:
    """The primary key behind a global id of `type_name`, or None."""
    try:
        found, _, raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)).decode().partition(":")
        return UUID(raw) if found == type_name else None
    except ValueError:
        return None


async def authenticate(conn: asyncpg.Connection | asyncpg.Pool, header: str | None) -> dict[str, Any] | None:
    """The API key row behind `Authorization: Bearer bgk_…` (None when missing, unknown or revoked)."""
    if not header or not header.startswith("Bearer bgk_"):
        return None
    key_hash = hashlib.sha256(header[7:].strip().encode()).hexdigest()
    row = await conn.fetchrow(API_KEY_SQL, key_hash, 2)
    if row is None or row["revoked_at"] is not None:
        return None
    return dict(row)


def iso(value: Any) -> str | None:
    """A timestamp as the gateway's DateTime scalar writes it."""
    return value.isoformat() if value is not None else None


async def health(request: Request) -> Response:
    """Ready once the pool is open."""
    return Response("ok")


@asynccontextmanager
async def lifespan(app: Starlette) -> AsyncIterator[None]:
    """Open the pool for the process."""
    app.state.pool = await create_pool()
    try:
        yield
    finally:
        await app.state.pool.close()
