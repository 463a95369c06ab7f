"""The webhook actors: one per event family, named `stripe.<family>`, on the `webhooks` queue.

Each takes the inbox row id (a string: messages are JSON) and awaits
`tasks.apply.process_event`, which is idempotent (a message may be delivered twice).
Actors are declared on a given broker by `declare_actors`, called from
`tasks.broker.configure_broker` right after `dramatiq.set_broker`, so no actor is
ever bound to Dramatiq's implicit default broker by an import.

Failures: `TransientEventError` and connection-level errors are retried with
exponential backoff (500 ms doubling up to 5 min, at most 8 retries: about 10 minutes
in all); anything else is a permanent error and is not retried. Either way, when the
message gives up, Dramatiq sends it to `stripe.retry_exhausted`, which marks the row
`failed` with the error (visible in `webhooks list --failed`, replayable).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any
from uuid import UUID

import dramatiq

from gateway.metrics import observe_worker_event
from tasks.broker import QUEUE, get_runtime
from tasks.events import FAMILIES, actor_name

log = logging.getLogger("tasks.actors")

MAX_RETRIES = 8
MIN_BACKOFF_MS = 500
MAX_BACKOFF_MS = 5 * 60 * 1000
TIME_LIMIT_MS = 2 * 60 * 1000
"""One attempt's ceiling; Stripe calls give up after STRIPE_TIMEOUT_SECONDS (10 s) each."""

RETRY_EXHAUSTED_ACTOR = "stripe.retry_exhausted"


def should_retry(retries: int, exception: BaseException) -> bool:
    """Dramatiq's `retry_when`: transient failures only, and at most MAX_RETRIES times."""
    from tortoise.exceptions import DBConnectionError

    from tasks.apply import TransientEventError

    transient = (TransientEventError, DBConnectionError, ConnectionError, TimeoutError, OSError)
    return isinstance(exception, transient) and retries < MAX_RETRIES


def _make_handler(family: str) -> Callable[[str], Awaitable[None]]:
    async def handle(event_row_id: str) -> None:
        from tasks.apply import process_event

        runtime = get_runtime()
        with observe_worker_event(family):
            status = await runtime.run(process_event(UUID(event_row_id), runtime.stripe, runtime.publisher))
        # DEBUG: `process_event` already logs the outcome at INFO with the event's id and type.
        log.debug("event row %s (%s): %s", event_row_id, family, status)

    handle.__name__ = handle.__qualname__ = f"handle_{family}"
    return handle


async def retry_exhausted(message: dict[str, Any], retry_info: dict[str, Any]) -> None:
    """Mark the row of a message that gave up as `failed`, with the last error's line."""
    from tasks.apply import mark_failed

    args = message.get("args") or []
    if not args:
        log.error("retry-exhausted message without a row id: %r", message.get("message_id"))
        return
    trace = str((message.get("options") or {}).get("traceback") or "")
    lines = [line for line in trace.strip().splitlines() if line.strip()]
    error = lines[-1] if lines else "failed"
    retries = retry_info.get("retries", 0)
    runtime = get_runtime()
    await runtime.run(mark_failed(UUID(str(args[0])), f"{error} (after {retries} retries)"))
    log.warning("event row %s failed after %s retries: %s", args[0], retries, error)


def declare_actors(broker: dramatiq.Broker) -> dict[str, dramatiq.Actor[Any, Any]]:
    """Declare every family's actor and the retry-exhausted hook on `broker`; return family → actor."""
    dramatiq.actor(
        actor_name=RETRY_EXHAUSTED_ACTOR,
        queue_name=QUEUE,
        broker=broker,
        max_retries=MAX_RETRIES,
        min_backoff=MIN_BACKOFF_MS,
        max_backoff=MAX_BACKOFF_MS,
        time_limit=TIME_LIMIT_MS,
    )(retry_exhausted)
    actors: dict[str, dramatiq.Actor[Any, Any]] = {}
    for family in sorted(FAMILIES):
        actors[family] = dramatiq.actor(
            actor_name=actor_name(family),
            queue_name=QUEUE,
            broker=broker,
            max_retries=MAX_RETRIES,
            min_backoff=MIN_BACKOFF_MS,
            max_backoff=MAX_BACKOFF_MS,
            retry_when=should_retry,
            on_retry_exhausted=RETRY_EXHAUSTED_ACTOR,
            time_limit=TIME_LIMIT_MS,
        )(_make_handler(family))
    return actors
