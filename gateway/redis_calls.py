"""Small helpers for the gateway's redis.asyncio clients.

`honour_cancellation`: redis-py's asyncio client can swallow a cancellation. A task cancelled
while a command is in flight may get the command's reply instead of `CancelledError` (measured
with redis-py 8.1: 40 of 300 GETs cancelled mid-flight returned normally). A WebSocket
subscription whose socket died during its rate-limit check then went on to register with the
live hub, and strawberry, having cancelled it once, waited for it forever: the subscriber and
its socket's handler leaked. Every Redis call made on behalf of a request goes through this.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Final, TypeVar

__all__ = ["CLIENT_NAME_PREFIX", "honour_cancellation"]

T = TypeVar("T")

CLIENT_NAME_PREFIX: Final = "billing-gateway"
"""Connections name themselves `billing-gateway:<role>` (visible in Redis' CLIENT LIST)."""


async def honour_cancellation(call: Awaitable[T]) -> T:
    """Await `call`; raise `CancelledError` if the task was cancelled meanwhile, even when redis-py returned."""
    task = asyncio.current_task()
    before = task.cancelling() if task is not None else 0
    result = await call
    if task is not None and task.cancelling() > before:
        raise asyncio.CancelledError
    return result
