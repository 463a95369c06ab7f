"""The live status message, and the buses that carry it from workers to gateway processes.

This is the ONE module that defines what a status message looks like. Workers publish
a `StatusMessage` after an event changed the status of a payment, invoice,
subscription or dispute (path 4 in docs/architecture.md); each gateway process holds one subscription and
fans the messages out to its WebSocket subscribers.

- `RedisPublisher`: production; JSON on the deployment's Redis pub/sub channel
  (`RedisNames.status_channel`: `<REDIS_PREFIX>:<db>:status`, base.redis_names).
- `InMemoryBus`: embedded mode (no `REDIS_URL`) and tests; one process, any thread.

`make_publisher(settings)` picks one. Publishing is best effort: a message nobody
listens to is dropped, as with Redis pub/sub itself; the mirror stays the truth. A
publish that fails on a connection Redis closed (Redis restarted) is sent once more on
a fresh connection. A subscriber learns that its stream may have a hole from
`StatusMessage.resumed_after_gap` (set by `live.hub`; docs/degraded-mode.md).
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
from dataclasses import dataclass, field, fields
from datetime import datetime
from typing import TYPE_CHECKING, Any, Final, Literal, Protocol, cast, get_args

import redis.asyncio as aioredis

from base.redis_calls import once_more_on_fresh_connection
from base.redis_names import RedisNames
from live.subscriber_queue import SubscriberQueue

if TYPE_CHECKING:
    from types import TracebackType

    from base.settings import Settings

__all__ = [
    "BUS_QUEUE_SIZE",
    "InMemoryBus",
    "RedisPublisher",
    "StatusKind",
    "StatusMessage",
    "StatusPublisher",
    "StatusSubscription",
    "in_memory_bus",
    "make_publisher",
]

PUBLISH_TIMEOUT_SECONDS: Final = 5.0
"""Connect and answer deadline of one PUBLISH: a hung Redis must not hold the worker's event for long."""

BUS_QUEUE_SIZE: Final = 1000
"""Messages kept per subscriber of an `InMemoryBus` before the oldest are dropped (a slow one must not block workers).

Its one subscriber in a gateway process is the hub, which reads at once; the hub's own subscribers
keep fewer (`live.hub.SUBSCRIBER_QUEUE_SIZE`)."""

StatusKind = Literal["payment", "invoice", "subscription", "dispute", "payment_failure"]
"""`payment_failure`: an invoice's payment attempt failed (`paymentFailed`); the object is the invoice, the status
`failed` or `action_required`, one message per failed attempt (`webhooks.dunning`)."""
_KINDS: Final = frozenset(get_args(StatusKind))

log = logging.getLogger("live.bus")


@dataclass(frozen=True)
class StatusMessage:
    """One status change of a mirrored object, as applied from one Stripe event.

    `object_id` and `customer_id` are our row UUIDs as strings (what the GraphQL ids
    encode); `stripe_id` is Stripe's id of the object. `status` and `previous_status`
    are Stripe's lower-case values; `previous_status` is None when the row is new.
    `event_id` is the Stripe event id, `occurred_at` the event's `created` (aware UTC).

    `resumed_after_gap` is never published: a gateway process sets it on the copy it hands
    to one local subscriber when messages may have been lost before this one (its Redis
    subscription was re-established, or that subscriber fell behind).
    """

    kind: StatusKind
    object_id: str
    stripe_id: str
    customer_id: str | None
    status: str
    previous_status: str | None
    event_id: str
    occurred_at: datetime
    resumed_after_gap: bool = field(default=False, kw_only=True)
    sequence: int | None = field(default=None, kw_only=True)
    """The outbox cursor of the change (`billing.outbox`): the `sequence` of the object's event written with it."""
    resume_after: int | None = field(default=None, kw_only=True)
    """Never published: set by `live.hub` with `resumed_after_gap` when this subscriber's own queue overflowed, the
    cursor to read the outbox (`events(after:)`) from for what was dropped."""

    def to_json(self) -> str:
        """The message as one compact JSON object (`occurred_at` in ISO 8601; the local gap flag left out)."""
        data: dict[str, Any] = {f.name: getattr(self, f.name) for f in fields(self) if f.name in _WIRE_FIELDS}
        data["occurred_at"] = self.occurred_at.isoformat()
        if self.sequence is None:
            del data["sequence"]
        return json.dumps(data, separators=(",", ":"), sort_keys=True)

    @classmethod
    def from_json(cls, raw: str | bytes) -> StatusMessage:
        """Parse `to_json` output; raises ValueError on anything else (a foreign publisher on the channel)."""
        try:
            data = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise ValueError(f"not a status message: {exc}") from exc
        if not isinstance(data, dict):
            raise ValueError("not a status message: not a JSON object")
        kind = data.get("kind")
        if kind not in _KINDS:
            raise ValueError(f"not a status message: unknown kind {kind!r}")
        try:
            occurred_at = datetime.fromisoformat(str(data["occurred_at"]))
            return cls(
                kind=cast("StatusKind", kind),
                object_id=str(data["object_id"]),
                stripe_id=str(data["stripe_id"]),
                customer_id=None if data.get("customer_id") is None else str(data["customer_id"]),
                status=str(data["status"]),
                previous_status=None if data.get("previous_status") is None else str(data["previous_status"]),
                event_id=str(data["event_id"]),
                occurred_at=occurred_at,
                sequence=None if data.get("sequence") is None else int(data["sequence"]),
            )
        except (KeyError, ValueError, TypeError) as exc:
            raise ValueError(f"not a status message: {exc!r}") from exc


_WIRE_FIELDS: Final = frozenset(f.name for f in fields(StatusMessage)) - {"resumed_after_gap", "resume_after"}


class StatusPublisher(Protocol):
    """Where workers send status messages."""

    async def publish(self, message: StatusMessage) -> None:
        """Deliver `message` to every current subscriber (best effort)."""
        ...


class StatusSubscription:
    """One subscriber of an `InMemoryBus`: an async iterator of messages, registered at creation.

    Registration happens when `subscribe()` returns (not on first iteration), so no
    message published after that call is missed. Close it (`aclose()` or `async with`)
    to unregister.
    """

    def __init__(self, bus: InMemoryBus, maxsize: int) -> None:
        self._bus = bus
        self._queue: SubscriberQueue[StatusMessage] = SubscriberQueue(maxsize)
        # Publishers may run on another thread's loop (embedded mode: Dramatiq's worker thread).
        self._loop = asyncio.get_running_loop()
        self.dropped = 0
        """Messages dropped because this subscriber fell `maxsize` messages behind."""

    def _deliver(self, message: StatusMessage) -> None:
        """Enqueue on the subscriber's own loop; drop the oldest message rather than block or grow."""
        if self._queue.offer(message):
            self.dropped += 1

    def deliver_threadsafe(self, message: StatusMessage) -> None:
        """Hand `message` to this subscriber from any thread."""
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is self._loop:
            self._deliver(message)
        elif not self._loop.is_closed():
            self._loop.call_soon_threadsafe(self._deliver, message)

    def __aiter__(self) -> StatusSubscription:
        return self

    async def __anext__(self) -> StatusMessage:
        queue = self._queue
        while queue.empty():
            await queue.wait()
        return queue.get_nowait()

    async def aclose(self) -> None:
        """Stop receiving messages."""
        self._bus._unsubscribe(self)

    async def __aenter__(self) -> StatusSubscription:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()


class InMemoryBus:
    """An in-process fan-out: every subscriber gets every message published after it subscribed.

    Thread-safe: a worker thread may publish while subscribers iterate on another loop.
    """

    def __init__(self, queue_size: int = BUS_QUEUE_SIZE) -> None:
        self._queue_size = queue_size
        self._subscribers: set[StatusSubscription] = set()
        self._lock = threading.Lock()

    async def publish(self, message: StatusMessage) -> None:
        """Deliver `message` to every current subscriber (never blocks on a slow one)."""
        with self._lock:
            subscribers = list(self._subscribers)
        for subscriber in subscribers:
            subscriber.deliver_threadsafe(message)

    def subscribe(self) -> StatusSubscription:
        """A new subscription (call from the event loop that will iterate it)."""
        subscription = StatusSubscription(self, self._queue_size)
        with self._lock:
            self._subscribers.add(subscription)
        return subscription

    def _unsubscribe(self, subscription: StatusSubscription) -> None:
        with self._lock:
            self._subscribers.discard(subscription)

    @property
    def subscriber_count(self) -> int:
        """How many subscriptions are open."""
        with self._lock:
            return len(self._subscribers)


class RedisPublisher:
    """Publishes status messages as JSON on the status channel of `names` on the Redis at `redis_url`."""

    def __init__(self, redis_url: str, names: RedisNames) -> None:
        """Prepare the client; it connects on first publish (from the loop that publishes)."""
        self.channel = names.status_channel
        self._client: aioredis.Redis = aioredis.Redis.from_url(
            redis_url,
            socket_connect_timeout=PUBLISH_TIMEOUT_SECONDS,
            socket_timeout=PUBLISH_TIMEOUT_SECONDS,
            client_name=names.client_name("publisher"),
        )

    async def publish(self, message: StatusMessage) -> None:
        """PUBLISH the message, once more on a fresh connection if the first one was dead.

        Raises redis errors when the second try fails too (callers log them: live messages are best effort).
        """
        payload = message.to_json()
        what = f"status message {message.event_id}: publish"
        await once_more_on_fresh_connection(self._client, lambda: self._client.publish(self.channel, payload), what)

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self._client.aclose()


_bus: InMemoryBus | None = None
_bus_lock = threading.Lock()


def in_memory_bus() -> InMemoryBus:
    """The process-wide in-memory bus (embedded mode: the worker thread and the app share it)."""
    global _bus
    with _bus_lock:
        if _bus is None:
            _bus = InMemoryBus()
        return _bus


def make_publisher(settings: Settings) -> StatusPublisher:
    """Redis when `REDIS_URL` is set, else the process-wide in-memory bus."""
    if settings.redis_url:
        return RedisPublisher(settings.redis_url, RedisNames.of(settings))
    return in_memory_bus()
