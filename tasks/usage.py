"""The usage forwarding actor (`usage.forward`, queue `usage`), its on-loop dispatcher and its sweeper's sender.

`usage.forward(event_ids)` sends the still-pending usage events among `event_ids` to Stripe as
meter events (`billing.usage.forward_events`), on the worker's `Runtime` like the webhook actors.
Events Stripe could not take for now (`UsageForwardingIncomplete`, connection-level errors) make
the message retry with Dramatiq's backoff (the same schedule as the webhook actors); events already
forwarded are skipped on a retry. A message that gives up leaves its events pending: the usage
sweeper hands them over again after `billing.usage.REQUEUE_AFTER`.
"""

from __future__ import annotations

import asyncio
import threading
from typing import Any
from uuid import UUID

import dramatiq

from base.db import is_database_unavailable
from base.redis_names import RedisNames
from base.settings import Settings
from billing.usage import UsageForwardingIncomplete, forward_events
from runtime.dramatiq_redis import LoopSender
from tasks.actors import MAX_BACKOFF_MS, MAX_DATABASE_RETRIES, MAX_RETRIES, MIN_BACKOFF_MS, TIME_LIMIT_MS, get_runtime

USAGE_ACTOR = "usage.forward"
USAGE_QUEUE = "usage"

_lock = threading.Lock()
_actor: dramatiq.Actor[Any, Any] | None = None


def should_retry_usage(retries: int, exception: BaseException) -> bool:
    """Dramatiq's `retry_when` for `usage.forward`: transient failures only."""
    if is_database_unavailable(exception):
        return retries < MAX_DATABASE_RETRIES
    transient = (UsageForwardingIncomplete, ConnectionError, TimeoutError, OSError)
    return isinstance(exception, transient) and retries < MAX_RETRIES


async def forward_usage(event_ids: list[str]) -> None:
    runtime = get_runtime()
    await runtime.run(forward_events([UUID(pk) for pk in event_ids], runtime.stripe))


def declare_usage_actor(broker: dramatiq.Broker) -> dramatiq.Actor[Any, Any]:
    """Declare `usage.forward` on `broker` (`tasks.broker.configure_broker` calls it) and remember it."""
    global _actor
    actor = dramatiq.actor(
        actor_name=USAGE_ACTOR,
        queue_name=USAGE_QUEUE,
        broker=broker,
        max_retries=MAX_RETRIES,
        min_backoff=MIN_BACKOFF_MS,
        max_backoff=MAX_BACKOFF_MS,
        retry_when=should_retry_usage,
        time_limit=TIME_LIMIT_MS,
    )(forward_usage)
    with _lock:
        _actor = actor
    return actor


def usage_actor() -> dramatiq.Actor[Any, Any]:
    with _lock:
        actor = _actor
    if actor is None:
        raise RuntimeError("the broker is not configured: no usage.forward actor")
    return actor


async def send_from_thread(event_ids: list[UUID]) -> None:
    """The sweeper's sender: `actor.send` (a blocking Redis call) in a thread."""
    actor = usage_actor()
    await asyncio.to_thread(actor.send, [str(pk) for pk in event_ids])


class UsageDispatcher(LoopSender):
    """Hands usage event ids to `usage.forward` from the server's loop (no thread, no blocking call)."""

    def __init__(self, settings: Settings) -> None:
        super().__init__(settings.redis_url, RedisNames.of(settings).client_name("usage"))

    async def __call__(self, event_ids: list[UUID]) -> None:
        await self.send(usage_actor(), [str(pk) for pk in event_ids], what=f"{len(event_ids)} usage events")
