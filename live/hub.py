"""The per-process fan-out of status messages to local GraphQL subscribers (path 4, "Live").

Each gateway process holds ONE `LiveHub`, and the hub holds ONE upstream subscription:
the deployment's Redis pub/sub channel (`RedisNames.status_channel`) when `REDIS_URL` is set, else the
process-wide in-memory bus (embedded mode). Every message it receives is offered to each
local subscriber whose filter accepts it.

Slow subscribers: each subscriber has a bounded queue (`SUBSCRIBER_QUEUE_SIZE` messages,
`live.subscriber_queue`). The hub only ever calls its `offer`, so a subscriber that reads slowly,
or never, cannot delay the hub or any other subscriber. When a subscriber's queue is full, the OLDEST
message in it is dropped to make room for the new one, and counted (`LiveSubscription.dropped`,
`LiveHub.dropped`; the first drop of each subscriber is logged). Live messages are a
notification, not a ledger: the mirror stays the truth, and a client that fell behind
re-reads the objects it cares about.

Redis: if the connection drops, the hub reconnects with exponential backoff (up to
`MAX_BACKOFF_SECONDS`); messages published while it was disconnected are lost, as with
Redis pub/sub itself.

Gaps: a subscriber learns that messages may be missing before the one it is given: that
message is a copy with `resumed_after_gap=True` (GraphQL `resumedAfterGap`). It is set on
the first message after the hub subscribed to Redis again (every subscriber present then is
told: a marker goes into each queue, so messages queued before the loss are not flagged),
and on the first message after a subscriber's own queue overflowed. docs/degraded-mode.md.

Credentials: on Redis the same connection also subscribes to the credentials channel
(`live.credential_events`: revoked API keys), and the hub tells this process's cache of verified
API keys whether it may be trusted: from each subscription until its loss (`billing.verified_credentials`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING, Final

import redis.asyncio as aioredis
from redis.exceptions import RedisError

from base.metrics import LIVE_GAPS, LIVE_RESUBSCRIPTIONS
from base.redis_names import RedisNames
from billing.authorization import watched_customers
from billing.verified_credentials import verified_credentials
from live import credential_events
from live.bus import InMemoryBus, StatusKind, StatusMessage, StatusSubscription, in_memory_bus
from live.subscriber_queue import SubscriberQueue

if TYPE_CHECKING:
    from types import TracebackType
    from uuid import UUID

    from base.principals import Principal

__all__ = [
    "SUBSCRIBER_QUEUE_SIZE",
    "LiveHub",
    "LiveSubscription",
    "MessageFilter",
    "active_hub",
    "status_filter",
]

SUBSCRIBER_QUEUE_SIZE: Final = 100
"""Messages kept per local subscriber; beyond that the oldest is dropped."""

INITIAL_BACKOFF_SECONDS: Final = 0.2
MAX_BACKOFF_SECONDS: Final = 10.0
START_WAIT_SECONDS: Final = 5.0
"""How long `start()` waits for the first upstream subscription before going on without it."""
STOP_CANCEL_INTERVAL_SECONDS: Final = 1.0
"""`stop()` cancels the upstream task again after this (redis-py can swallow a cancellation)."""

MessageFilter = Callable[[StatusMessage], bool]

log = logging.getLogger("live.hub")


class _Closed:
    """Put into a subscriber's queue when the hub stops: ends its iteration."""


_CLOSED: Final = _Closed()


class _Gap:
    """Put into every subscriber's queue when the hub subscribed upstream again: what follows comes after a gap."""


_GAP: Final = _Gap()

_Item = StatusMessage | _Closed | _Gap


class LiveSubscription:
    """One local subscriber: an async iterator of the messages its filter accepts.

    Registered when created (no message offered after `LiveHub.subscribe()` returns is
    missed); `aclose()` or leaving `async with` unregisters it.
    """

    def __init__(self, hub: LiveHub, accept: MessageFilter, maxsize: int) -> None:
        self._hub = hub
        self._accept = accept
        self._queue: SubscriberQueue[_Item] = SubscriberQueue(maxsize)
        self.dropped = 0
        """Messages dropped because this subscriber was `maxsize` messages behind."""
        self._after_gap = False
        """The next message handed out is flagged `resumed_after_gap`."""
        self._resume_after: int | None = None
        """The outbox cursor before the first message its overflow dropped (`StatusMessage.resume_after`)."""

    def accepts(self, message: StatusMessage) -> bool:
        return self._accept(message)

    def offer(self, message: _Item) -> bool:
        """Enqueue without ever waiting; drop the oldest queued message when full. True when one was dropped."""
        queue = self._queue
        oldest = queue.peek() if queue.full() else None
        if not queue.offer(message):
            return False
        self.dropped += 1
        if isinstance(oldest, StatusMessage) and oldest.sequence is not None and self._resume_after is None:
            # The first message lost since the last gap was told: the outbox has it and all after it.
            self._resume_after = oldest.sequence - 1
        if not self._after_gap:
            self._after_gap = True
            LIVE_GAPS.labels(reason="overflow").inc()
        return True

    def __aiter__(self) -> LiveSubscription:
        return self

    async def __anext__(self) -> StatusMessage:
        queue = self._queue
        while True:
            while queue.empty():
                await queue.wait()  # a future, not `get()`'s coroutine: one frame less per idle subscriber
            item = queue.get_nowait()
            if isinstance(item, StatusMessage):
                if self._after_gap:
                    self._after_gap = False
                    resume_after, self._resume_after = self._resume_after, None
                    return replace(item, resumed_after_gap=True, resume_after=resume_after)
                return item
            if isinstance(item, _Closed):
                raise StopAsyncIteration
            self._after_gap = True  # a `_Gap`

    def discard_pending(self) -> None:
        """Drop the messages queued (a subscriber that is only woken by them, `live.outbox`); a close stays queued."""
        queue = self._queue
        closed = False
        while not queue.empty():
            closed = closed or isinstance(queue.get_nowait(), _Closed)
        if closed:
            queue.put_nowait(_CLOSED)

    async def aclose(self) -> None:
        """Stop receiving messages."""
        self._hub._discard(self)

    async def __aenter__(self) -> LiveSubscription:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()


class LiveHub:
    """One upstream subscription per process, fanned out to local subscribers (all on one event loop)."""

    def __init__(
        self,
        redis_url: str | None = None,
        *,
        names: RedisNames | None = None,
        bus: InMemoryBus | None = None,
        queue_size: int = SUBSCRIBER_QUEUE_SIZE,
    ) -> None:
        """Redis at `redis_url` (the status channel of `names`) when given, else `bus` (default: the process's)."""
        if redis_url and names is None:
            raise ValueError("LiveHub on Redis needs the deployment's RedisNames")
        self._redis_url = redis_url
        self._names = names
        self._bus = bus
        self._queue_size = queue_size
        self._subscribers: set[LiveSubscription] = set()
        self._task: asyncio.Task[None] | None = None
        self._connected = asyncio.Event()
        self.dropped = 0
        """Messages dropped across all subscribers (overflowing queues)."""
        self.received = 0
        """Messages received from upstream."""
        self._subscribed_before = False

    @property
    def subscriber_count(self) -> int:
        return len(self._subscribers)

    @property
    def connected(self) -> bool:
        """Whether the upstream subscription is in place."""
        return self._connected.is_set()

    async def start(self) -> None:
        """Subscribe upstream and make this the process's active hub (waits briefly for Redis)."""
        global _active
        if self._task is not None:
            return
        if self._redis_url:
            self._task = asyncio.create_task(self._run_redis(self._redis_url), name="live-hub-redis")
        else:
            bus_subscription = (self._bus or in_memory_bus()).subscribe()
            self._task = asyncio.create_task(self._run_bus(bus_subscription), name="live-hub-bus")
            self._connected.set()
        _active = self
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._connected.wait(), START_WAIT_SECONDS)
        if not self.connected:
            log.warning("live updates: Redis pub/sub not reachable yet; retrying in the background")

    async def stop(self) -> None:
        """Drop the upstream subscription and end every local subscriber's iteration."""
        global _active
        if _active is self:
            _active = None
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            while not (await asyncio.wait({task}, timeout=STOP_CANCEL_INTERVAL_SECONDS))[0]:
                task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._connected.clear()
        if self._redis_url:
            verified_credentials.distrust()
        for subscriber in list(self._subscribers):
            subscriber.offer(_CLOSED)
        self._subscribers.clear()

    def subscribe(self, accept: MessageFilter | None = None) -> LiveSubscription:
        """A new local subscriber receiving the messages `accept` returns True for (all when None)."""
        subscription = LiveSubscription(self, accept or (lambda _message: True), self._queue_size)
        self._subscribers.add(subscription)
        return subscription

    def _discard(self, subscription: LiveSubscription) -> None:
        self._subscribers.discard(subscription)

    def _subscribed(self) -> None:
        """The upstream subscription is (again) in place: whoever was subscribed meanwhile may have missed messages."""
        if self._subscribed_before:
            LIVE_RESUBSCRIPTIONS.inc()
        self._subscribed_before = True
        if self._subscribers:
            LIVE_GAPS.labels(reason="resubscribed").inc(len(self._subscribers))
            for subscriber in list(self._subscribers):
                subscriber.offer(_GAP)
        self._connected.set()

    def dispatch(self, message: StatusMessage) -> None:
        """Offer one message to every local subscriber that accepts it (never waits)."""
        self.received += 1
        for subscriber in list(self._subscribers):
            try:
                if not subscriber.accepts(message):
                    continue
            except Exception:
                log.exception("live updates: a subscriber's filter failed; message skipped for it")
                continue
            if subscriber.offer(message):
                self.dropped += 1
                if subscriber.dropped == 1:
                    log.warning(
                        "live updates: a subscriber fell %d messages behind; dropping its oldest", self._queue_size
                    )

    async def _run_bus(self, subscription: StatusSubscription) -> None:
        try:
            async for message in subscription:
                self.dispatch(message)
        finally:
            await subscription.aclose()

    async def _run_redis(self, redis_url: str) -> None:
        assert self._names is not None
        channel = self._names.status_channel
        credentials_channel = self._names.credentials_channel
        backoff = INITIAL_BACKOFF_SECONDS
        while True:
            client: aioredis.Redis = aioredis.Redis.from_url(
                redis_url, health_check_interval=15, client_name=self._names.client_name("live")
            )
            try:
                async with client.pubsub(ignore_subscribe_messages=True) as pubsub:
                    await pubsub.subscribe(channel, credentials_channel)
                    self._subscribed()
                    verified_credentials.trust()
                    backoff = INITIAL_BACKOFF_SECONDS
                    log.info("live updates: subscribed to Redis channel %s", channel)
                    async for raw in pubsub.listen():
                        if raw.get("type") != "message":
                            continue
                        if raw.get("channel") in (credentials_channel, credentials_channel.encode()):
                            credential_events.apply(raw["data"])
                            continue
                        try:
                            message = StatusMessage.from_json(raw["data"])
                        except ValueError:
                            log.warning("live updates: ignored a foreign message on %s", channel)
                            continue
                        self.dispatch(message)
                    raise ConnectionError("Redis pub/sub stream ended")
            except (RedisError, OSError) as exc:
                self._connected.clear()
                verified_credentials.distrust()
                log.warning("live updates: Redis pub/sub lost (%s); reconnecting in %.1f s", exc, backoff)
            finally:
                with contextlib.suppress(Exception):
                    await client.aclose()
            await asyncio.sleep(backoff)
            backoff = min(backoff * 2, MAX_BACKOFF_SECONDS)


def status_filter(
    principal: Principal, kind: StatusKind, customer_pk: UUID | None, object_pk: UUID | None
) -> MessageFilter:
    """Accept messages of `kind`, of the customer and object asked for, of the customers the principal may watch."""
    customers = watched_customers(principal, customer_pk)
    wanted_customers = None if customers is None else frozenset(str(customer) for customer in customers)
    wanted_object = None if object_pk is None else str(object_pk)

    def accept(message: StatusMessage) -> bool:
        if message.kind != kind:
            return False
        if wanted_customers is not None and message.customer_id not in wanted_customers:
            return False
        return wanted_object is None or message.object_id == wanted_object

    return accept


_active: LiveHub | None = None


def active_hub() -> LiveHub:
    """The started hub of this process; RuntimeError when none is running."""
    if _active is None:
        raise RuntimeError("live updates are not running in this process")
    return _active
