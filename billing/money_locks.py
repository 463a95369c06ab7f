"""Per-object locks: PostgreSQL advisory locks, one helper for the webhook worker and for money movements.

`lock_object(connection, name)` takes a transaction-scoped advisory lock on `name`
(`hashtext` of it) on `connection`: held until that transaction ends, also when the row
it protects does not exist yet. The webhook worker (`webhooks/ordering.py`) takes it inside
its mirror transaction.

`money_lock(settings, kind, object_id)` serialises money movements on one object
(refunds of one payment, payments of one invoice) across every gateway process, for
the whole Stripe call: the caller re-reads what is left INSIDE it. It runs a
transaction of its own on a separate small asyncpg pool (opened on first use), so a waiter never holds
a connection the holder needs for its mirror write; a crashed holder's connection
closes and PostgreSQL frees the lock. The wait is bounded (`money_lock_wait_seconds`):
past it, `ObjectBusyError`, which the mutation answers as the userError `OBJECT_BUSY`
(nothing was sent to Stripe; the same key may be retried). In embedded SQLite mode
(one process) the lock is an asyncio lock per object.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any, Final, Protocol

import asyncpg  # type: ignore[import-untyped]
from tortoise.backends.base.config_generator import expand_db_url
from tortoise.exceptions import DBConnectionError

from base.db import on_close_db
from base.settings import Settings

_CONNECT_KEYS: Final = ("host", "port", "user", "password", "database", "ssl")


class Executor(Protocol):
    """What `lock_object` needs of a connection: Tortoise's clients (and `_Raw`) have it."""

    async def execute_query(self, query: str, values: list[Any] | None = None) -> Any: ...


class _Raw:
    """An asyncpg connection seen as an `Executor`."""

    def __init__(self, connection: Any) -> None:
        self._connection = connection

    async def execute_query(self, query: str, values: list[Any] | None = None) -> Any:
        return await self._connection.execute(query, *(values or []))


class ObjectBusyError(Exception):
    """Another money movement on the object held its lock for longer than the bounded wait."""

    def __init__(self, kind: str, waited: float) -> None:
        super().__init__(
            f"another refund or payment of this {kind} is still running (waited {waited:g} s); "
            "retry with the same idempotency key"
        )
        self.kind = kind


async def lock_object(connection: Executor, name: str, *, wait_seconds: float | None = None) -> None:
    """Hold a PostgreSQL advisory lock on `name` until `connection`'s transaction ends.

    With `wait_seconds`, waiting longer raises (SQLSTATE 55P03, lock_not_available) and
    the transaction must be abandoned.
    """
    if wait_seconds is not None:
        await connection.execute_query(
            "SELECT set_config('lock_timeout', $1, true)", [f"{max(1, round(wait_seconds * 1000))}ms"]
        )
    await connection.execute_query("SELECT pg_advisory_xact_lock(hashtext($1))", [name])


_local_locks: dict[str, tuple[asyncio.Lock, int]] = {}
"""Embedded mode: name -> (lock, users); an entry lives while someone holds or waits for it."""


@asynccontextmanager
async def _local_lock(name: str, kind: str, wait_seconds: float) -> AsyncIterator[None]:
    lock, users = _local_locks.get(name, (asyncio.Lock(), 0))
    _local_locks[name] = (lock, users + 1)
    try:
        try:
            async with asyncio.timeout(wait_seconds):
                await lock.acquire()
        except TimeoutError:
            raise ObjectBusyError(kind, wait_seconds) from None
        try:
            yield
        finally:
            lock.release()
    finally:
        lock, users = _local_locks[name]
        if users <= 1:
            del _local_locks[name]
        else:
            _local_locks[name] = (lock, users - 1)


_pool: Any = None
"""The money-lock pool of this process (asyncpg), opened on first use, closed by `close_lock_pool`."""
_pool_lock = asyncio.Lock()


async def _lock_pool(settings: Settings) -> Any:
    global _pool
    async with _pool_lock:
        if _pool is None:
            credentials = expand_db_url(settings.effective_database_url)["credentials"]
            _pool = await asyncpg.create_pool(
                min_size=0,
                max_size=settings.db_pool_max_size,
                **{key: credentials[key] for key in _CONNECT_KEYS if credentials.get(key) is not None},
            )
        return _pool


async def close_lock_pool() -> None:
    """Close the money-lock pool if this process opened one."""
    global _pool
    pool, _pool = _pool, None
    if pool is not None:
        await pool.close()


on_close_db("money_locks", close_lock_pool)


@asynccontextmanager
async def money_lock(settings: Settings, kind: str, object_id: str) -> AsyncIterator[None]:
    """Hold the money lock of one object (`kind` "payment" or "invoice", our row id) for the block."""
    name = f"money:{kind}:{object_id}"
    wait = settings.money_lock_wait_seconds
    if settings.is_sqlite:
        async with _local_lock(name, kind, wait):
            yield
        return
    try:
        pool = await _lock_pool(settings)
        # The pool may be exhausted by other holders: waiting for a connection counts too.
        connection = await pool.acquire(timeout=wait)
    except TimeoutError:
        raise ObjectBusyError(kind, wait) from None
    except (OSError, asyncpg.PostgresConnectionError, asyncpg.InterfaceError) as error:
        # The database is down: the same error Tortoise raises for its own pool.
        raise DBConnectionError(f"the money-lock pool cannot reach the database: {error}") from error
    try:
        transaction = connection.transaction()
        await transaction.start()
        try:
            await lock_object(_Raw(connection), name, wait_seconds=wait)
        except asyncpg.LockNotAvailableError:
            await transaction.rollback()
            raise ObjectBusyError(kind, wait) from None
        try:
            yield
        finally:
            # Ends the transaction, and with it the lock (a broken connection frees it anyway).
            await asyncio.shield(transaction.rollback())
    finally:
        await asyncio.shield(pool.release(connection))
