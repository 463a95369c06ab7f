"""Small helpers for the gateway's redis.asyncio clients.

`honour_cancellation`: redis-py's asyncio client can swallow a cancellation. A task cancelled
while a command is in flight may get the command's reply instead of `CancelledError` (measured
with redis-py 8.1: 40 of 300 GETs cancelled mid-flight returned normally). A WebSocket
subscription whose socket died during its rate-limit check then went on to register with the
live hub, and strawberry, having cancelled it once, waited for it forever: the subscriber and
its socket's handler leaked. Every Redis call made on behalf of a request goes through this.

`once_more_on_fresh_connection`: after a Redis restart every pooled connection is dead, and
redis-py drops only the one that failed; the first command after the restart fails. Calls that
must not be lost that way (a status message, a webhook's enqueue) drop the idle connections and
try once more.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import TypeVar

from redis import asyncio as aioredis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

__all__ = ["honour_cancellation", "once_more_on_fresh_connection"]

log = logging.getLogger("gateway.redis")

T = TypeVar("T")


async def honour_cancellation(call: Awaitable[T]) -> T:
    """Await `call`; raise `CancelledError` if the task was cancelled meanwhile, even when redis-py returned."""
    task = asyncio.current_task()
    before = task.cancelling() if task is not None else 0
    result = await call
    if task is not None and task.cancelling() > before:
        raise asyncio.CancelledError
    return result


async def once_more_on_fresh_connection(client: aioredis.Redis, call: Callable[[], Awaitable[T]], what: str) -> T:
    """`call()`, and once more after dropping `client`'s idle connections if the first try met a dead one.

    Raises the second try's error. `call` may have reached Redis before its connection broke:
    only idempotent calls, or calls whose repeat is harmless, belong here.
    """
    try:
        return await call()
    except (RedisConnectionError, RedisTimeoutError, OSError) as exc:
        log.warning("%s failed (%s); retrying on a fresh connection", what, exc)
        await client.connection_pool.disconnect(inuse_connections=False)
        return await call()
