"""Dramatiq's Redis broker, leaner (leans on Dramatiq's internals): idle back-off, timed maintenance, on-loop sends.

- `IdleBackoffConsumer`: Dramatiq's Redis consumer (its private `_RedisConsumer`), polling every
  `busy_timeout` ms at most while messages come, `timeout` once idle.
- `GatewayRedisBroker`: Dramatiq's `RedisBroker` with that consumer, and the re-queue maintenance
  at least every `MAINTENANCE_INTERVAL_SECONDS` (its private `_should_do_maintenance`).
- `LoopSender`: `actor.send(*args)` for code on an event loop, replicating `RedisBroker.enqueue`
  (its `dispatch` Lua script) on a redis.asyncio client: no thread, no blocking call.

`tasks.broker` configures them (the knobs are described there).
"""

from __future__ import annotations

import asyncio
import time
from typing import Any
from uuid import uuid4

import dramatiq
import redis.asyncio as aioredis
from dramatiq.brokers.redis import MAINTENANCE_COMMAND_BLACKLIST, RedisBroker, _RedisConsumer
from dramatiq.common import current_millis

from base.redis_calls import once_more_on_fresh_connection
from base.settings import Settings
from base.versions import require
from runtime.dramatiq_rabbitmq import send_off_loop

require("dramatiq", ">=2.2,<2.3", by=__name__)
require("redis", ">=8.1,<8.2", by=__name__)

__all__ = [
    "MAINTENANCE_INTERVAL_SECONDS",
    "REDIS_CONNECT_TIMEOUT_SECONDS",
    "REDIS_SOCKET_TIMEOUT_SECONDS",
    "GatewayRedisBroker",
    "IdleBackoffConsumer",
    "LoopSender",
]

MAINTENANCE_INTERVAL_SECONDS = 1.0
"""A process runs the re-queue maintenance at least this often while it sends commands."""
REDIS_CONNECT_TIMEOUT_SECONDS = 2.0
"""A webhook request waits at most about this long for a Redis that is down."""
REDIS_SOCKET_TIMEOUT_SECONDS = 5.0


class IdleBackoffConsumer(_RedisConsumer):  # type: ignore[misc]
    """Dramatiq's Redis consumer, polling every `busy_timeout` ms at most while messages come, `timeout` once idle.

    Dramatiq's consumer sleeps `compute_backoff(misses, max_backoff=self.timeout)` after an empty
    fetch; this one sets that cap before each poll from how long ago its last message came.
    """

    def __init__(self, broker: GatewayRedisBroker, queue_name: str, prefetch: int, timeout: int) -> None:
        super().__init__(broker, queue_name, prefetch, timeout)  # type: ignore[no-untyped-call]
        self.idle_timeout = timeout
        self.busy_timeout = min(broker.busy_timeout_ms, timeout)
        self.idle_after = broker.idle_after_seconds
        # A new consumer (worker start, a reconnection) starts busy: a backlog may be waiting.
        self.last_message_at = time.monotonic()

    def __next__(self) -> Any:
        idle = time.monotonic() - self.last_message_at >= self.idle_after
        self.timeout = self.idle_timeout if idle else self.busy_timeout
        message = super().__next__()  # type: ignore[no-untyped-call]
        if message is not None:
            self.last_message_at = time.monotonic()
        return message


class GatewayRedisBroker(RedisBroker):  # type: ignore[misc]
    """Dramatiq's Redis broker with `IdleBackoffConsumer`, and maintenance at least every second."""

    _last_maintenance = 0.0

    def __init__(self, settings: Settings, **kwargs: Any) -> None:
        super().__init__(  # type: ignore[no-untyped-call]
            heartbeat_timeout=int(settings.worker_heartbeat_timeout_seconds * 1000),
            maintenance_chance=settings.worker_maintenance_chance,
            **kwargs,
        )
        self.busy_timeout_ms = settings.worker_timeout_ms
        self.idle_after_seconds = settings.worker_idle_after_seconds

    @property
    def consumer_class(self) -> type[IdleBackoffConsumer]:
        return IdleBackoffConsumer

    def _should_do_maintenance(self, command: str) -> int:
        if command in MAINTENANCE_COMMAND_BLACKLIST:
            return 0
        now = time.monotonic()
        if now - self._last_maintenance >= MAINTENANCE_INTERVAL_SECONDS or super()._should_do_maintenance(command):
            self._last_maintenance = now
            return 1
        return 0


class LoopSender:
    """`actor.send(*args)` for code on an event loop: no blocking call (on Redis, no thread either).

    With Redis it makes the very call `RedisBroker.enqueue` makes (Dramatiq's `dispatch`
    Lua script, command `enqueue`, the same arguments), on a redis.asyncio client of the
    calling loop; a handoff to a thread and a blocking round trip per webhook were a
    third of the receiver's CPU (bench/changes.md). RabbitMQ's send runs on a send thread
    (`runtime.dramatiq_rabbitmq.send_off_loop`); the in-process `StubBroker` (no I/O) is called
    directly. Dramatiq's enqueue middleware hooks run as with `send()`. Raises when the broker is
    unreachable. `aclose()` at shutdown.
    """

    def __init__(self, redis_url: str | None, client_name: str) -> None:
        self._redis_url = redis_url
        self._client_name = client_name
        self._client: aioredis.Redis | None = None
        self._script: Any = None
        self._script_of: dramatiq.Broker | None = None

    async def send(self, actor: dramatiq.Actor[Any, Any], *args: Any, what: str = "message") -> None:
        """Send `actor(*args)` on its broker; `what` names it in the log of a repeated call."""
        broker = actor.broker
        if not isinstance(broker, RedisBroker):
            # RabbitMQ: on a send thread (pika blocks); the in-process StubBroker: directly.
            await send_off_loop(actor, *args)
            return
        script = await self._dispatch_script(broker)
        # As RedisBroker.enqueue: a fresh Redis-side id per enqueue (a message may be sent twice).
        message = actor.message(*args).copy(options={"redis_message_id": str(uuid4())})
        broker.emit_before("enqueue", message, None)
        arguments = [
            "enqueue",
            current_millis(),
            message.queue_name,
            broker.broker_id,
            broker.heartbeat_timeout,
            broker.dead_message_ttl,
            broker._should_do_maintenance("enqueue"),
            broker._max_unpack_size(),  # type: ignore[no-untyped-call]
            message.options["redis_message_id"],
            message.encode(),
        ]
        assert self._client is not None
        # A repeat after a broken reply may queue the message twice: the consumer must be idempotent.
        await once_more_on_fresh_connection(
            self._client, lambda: script(keys=[broker.namespace], args=arguments), f"enqueue of {what}"
        )
        broker.emit_after("enqueue", message, None)

    async def _dispatch_script(self, broker: RedisBroker) -> Any:
        """Dramatiq's dispatch script on this loop's client (made on first use, remade for a new broker)."""
        if self._script is None or self._script_of is not broker:
            if self._client is None:
                self._client = aioredis.Redis.from_url(
                    self._redis_url or "",
                    socket_connect_timeout=REDIS_CONNECT_TIMEOUT_SECONDS,
                    socket_timeout=REDIS_SOCKET_TIMEOUT_SECONDS,
                    client_name=self._client_name,
                )
            # Learnt once per process with a blocking call (a Redis round trip): keep it off the loop.
            await asyncio.to_thread(broker._max_unpack_size)  # type: ignore[no-untyped-call]
            self._script = self._client.register_script(broker.scripts["dispatch"].script)
            self._script_of = broker
        return self._script

    async def aclose(self) -> None:
        """Close the Redis client, if one was made."""
        if self._client is not None:
            await self._client.aclose()
            self._client = None
            self._script = None
