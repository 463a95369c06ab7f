"""The outgoing webhook actor (`outgoing.deliver`, queue `outgoing`) and the sweeper's sender.

`outgoing.deliver(endpoint_id)` sends the due deliveries of one endpoint (`billing.outgoing.deliver_endpoint`)
on the worker's `Runtime`. Retries are not Dramatiq's: a failed attempt stays `pending` with its
`next_attempt_at` (exponential backoff up to 3 days), and the outgoing sweeper sends the endpoint
again when something is due, so a lost message costs one sweep interval, never an event.
"""

from __future__ import annotations

import asyncio
import threading
from typing import Any
from uuid import UUID

import dramatiq

from base.settings import Settings, get_settings
from billing.outgoing import deliver_endpoint
from tasks.actors import TIME_LIMIT_MS, get_runtime

OUTGOING_ACTOR = "outgoing.deliver"
OUTGOING_QUEUE = "outgoing"

_lock = threading.Lock()
_actor: dramatiq.Actor[Any, Any] | None = None
_settings: Settings | None = None


async def deliver(endpoint_id: str) -> None:
    runtime = get_runtime()
    await runtime.run(deliver_endpoint(UUID(endpoint_id), _settings or get_settings()))


def declare_outgoing_actor(broker: dramatiq.Broker, settings: Settings) -> dramatiq.Actor[Any, Any]:
    """Declare `outgoing.deliver` on `broker` (`tasks.broker.configure_broker` calls it) and remember it."""
    global _actor, _settings
    actor = dramatiq.actor(
        actor_name=OUTGOING_ACTOR, queue_name=OUTGOING_QUEUE, broker=broker, max_retries=0, time_limit=TIME_LIMIT_MS
    )(deliver)
    with _lock:
        _actor, _settings = actor, settings
    return actor


def outgoing_actor() -> dramatiq.Actor[Any, Any]:
    with _lock:
        actor = _actor
    if actor is None:
        raise RuntimeError("the broker is not configured: no outgoing.deliver actor")
    return actor


async def send_deliveries(endpoint_ids: list[UUID]) -> None:
    """The sweeper's sender: one message per endpoint (`actor.send`, a blocking Redis call, in a thread)."""
    actor = outgoing_actor()
    for endpoint_id in endpoint_ids:
        await asyncio.to_thread(actor.send, str(endpoint_id))
