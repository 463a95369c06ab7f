"""The webhook actors: one per event family, named `stripe.<family>`, on the `webhooks` queue.

Each takes the inbox row id (a string: messages are JSON) and awaits
`webhooks.processing.process_event`, which is idempotent (a message may be delivered twice),
on the worker's `Runtime` (set by `tasks.broker.WorkerBoot` when a worker boots).
Actors are declared on a given broker by `declare_actors`, called from
`tasks.broker.configure_broker` right after `dramatiq.set_broker`, so no actor is
ever bound to Dramatiq's implicit default broker by an import.

Failures: `TransientEventError` and connection-level errors are retried with
exponential backoff (500 ms doubling up to 5 min, at most 8 retries: about 10 minutes
in all); anything else is a permanent error and is not retried. Either way, when the
message gives up, Dramatiq sends it to `stripe.retry_exhausted`, which marks the row
`failed` with the error (visible in `webhooks list --status failed`, replayable).

A lost database is not worth a backoff step: the attempt waits for it (probing every
250 ms, at most `DATABASE_WAIT_SECONDS`) and runs again as soon as it answers, so events
held during an outage are applied within a second of its end. Past that wait it is
retried like any transient failure, for up to `MAX_DATABASE_RETRIES` (hours).

A row another worker holds (`process_event` answers `processing`) is tried again when
that claim would be stale (`RowBusyError`): if its worker was SIGKILLed the row is
applied then, in seconds, instead of never (the message was the only one).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar
from uuid import UUID

import dramatiq
from dramatiq.middleware import MiddlewareError
from tortoise.exceptions import DBConnectionError

from base.db import is_database_unavailable, wait_for_database
from base.metrics import observe_worker_event
from models import EventStatus
from webhooks.claims import busy_for, mark_failed, processing_stale_after
from webhooks.families import FAMILIES, actor_name
from webhooks.processing import TransientEventError, process_event

if TYPE_CHECKING:
    from live.bus import StatusPublisher
    from stripe_provider.adapter import StripeAdapter

log = logging.getLogger("tasks.actors")

T = TypeVar("T")

MAX_RETRIES = 8
MIN_BACKOFF_MS = 500
MAX_BACKOFF_MS = 5 * 60 * 1000
TIME_LIMIT_MS = 2 * 60 * 1000
"""One attempt's ceiling; Stripe calls give up after STRIPE_TIMEOUT_SECONDS (10 s) each."""

RETRY_EXHAUSTED_ACTOR = "stripe.retry_exhausted"
DATABASE_WAIT_SECONDS = 60.0
"""How long one attempt waits for a lost database before giving the message back to Dramatiq's backoff."""
MAX_DATABASE_RETRIES = 48
"""Backoff retries while the database stays down: 48 at the 5-minute cap is about four hours."""


class WorkerBootError(MiddlewareError):  # type: ignore[misc]
    """The worker could not open its database or Stripe/publisher clients at boot.

    A `MiddlewareError`, so Dramatiq re-raises it from `Worker.start()` (it only logs
    other middleware exceptions) before any worker thread consumes a message.
    """


@dataclass
class Runtime:
    """What actors need, built once per worker: the loop owning the DB connections, and clients."""

    loop: asyncio.AbstractEventLoop
    stripe: StripeAdapter
    publisher: StatusPublisher

    async def run(self, coro: Coroutine[Any, Any, T]) -> T:
        """Await `coro` on `self.loop`: directly when already on it, else across threads.

        Cancelling the caller (Dramatiq's time limit or shutdown) cancels the coroutine
        on the other loop too (`wrap_future` chains the cancellation).
        """
        if asyncio.get_running_loop() is self.loop:
            return await coro
        return await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(coro, self.loop))


_runtime: Runtime | None = None


def set_runtime(runtime: Runtime | None) -> None:
    """Install the booted worker's runtime (`tasks.broker.WorkerBoot`), or forget it at shutdown."""
    global _runtime
    _runtime = runtime


def get_runtime() -> Runtime:
    """The runtime set by `WorkerBoot` (raises when no worker has booted in this process)."""
    if _runtime is None:
        raise WorkerBootError("no Dramatiq worker has booted in this process (WorkerBoot did not run)")
    return _runtime


class RowBusyError(dramatiq.Retry):  # type: ignore[misc]
    """Another worker holds the row: look again when its claim would be stale (`delay` ms)."""

    def __init__(self, event_row_id: UUID, delay_ms: int) -> None:
        super().__init__(f"event row {event_row_id} is held by another worker", delay=delay_ms)


def should_retry(retries: int, exception: BaseException) -> bool:
    """Dramatiq's `retry_when`: transient failures only, and at most MAX_RETRIES times."""
    if isinstance(exception, RowBusyError) or is_database_unavailable(exception):
        return retries < MAX_DATABASE_RETRIES
    transient = (TransientEventError, DBConnectionError, ConnectionError, TimeoutError, OSError)
    return isinstance(exception, transient) and retries < MAX_RETRIES


async def _process_waiting(event_row_id: UUID, family: str) -> None:
    """`process_event`, run again as soon as a lost database answers; a busy row raises `RowBusyError`."""
    runtime = get_runtime()
    loop = asyncio.get_running_loop()
    deadline = loop.time() + DATABASE_WAIT_SECONDS
    while True:
        try:
            status = await process_event(event_row_id, runtime.stripe, runtime.publisher)
            break
        except Exception as exc:
            remaining = deadline - loop.time()
            if not (is_database_unavailable(exc) and remaining > 0 and await wait_for_database(remaining)):
                raise
            log.info("event row %s (%s): the database answers again; applying now", event_row_id, family)
    # DEBUG: `process_event` already logs the outcome at INFO with the event's id and type.
    log.debug("event row %s (%s): %s", event_row_id, family, status)
    if status is EventStatus.PROCESSING:
        seconds = await busy_for(event_row_id, processing_stale_after())
        raise RowBusyError(event_row_id, int(seconds * 1000))


def _make_handler(family: str) -> Callable[[str], Awaitable[None]]:
    async def handle(event_row_id: str) -> None:
        runtime = get_runtime()
        with observe_worker_event(family):
            await runtime.run(_process_waiting(UUID(event_row_id), family))

    handle.__name__ = handle.__qualname__ = f"handle_{family}"
    return handle


async def retry_exhausted(message: dict[str, Any], retry_info: dict[str, Any]) -> None:
    """Mark the row of a message that gave up as `failed`, with the last error's line."""
    args = message.get("args") or []
    if not args:
        log.error("retry-exhausted message without a row id: %r", message.get("message_id"))
        return
    trace = str((message.get("options") or {}).get("traceback") or "")
    lines = [line for line in trace.strip().splitlines() if line.strip()]
    error = lines[-1] if lines else "failed"
    retries = retry_info.get("retries", 0)
    if RowBusyError.__name__ in error:
        # Still held by a worker renewing its claim: that worker (or the stale rule) finishes it.
        log.warning("event row %s still held by another worker after %s retries; left to it", args[0], retries)
        return
    runtime = get_runtime()
    await runtime.run(mark_failed(UUID(str(args[0])), f"{error} (after {retries} retries)"))
    log.warning("event row %s failed after %s retries: %s", args[0], retries, error)


def declare_actors(broker: dramatiq.Broker, queue: str) -> dict[str, dramatiq.Actor[Any, Any]]:
    """Declare every family's actor and the retry-exhausted hook on `broker`'s `queue`; return family → actor."""
    dramatiq.actor(
        actor_name=RETRY_EXHAUSTED_ACTOR,
        queue_name=queue,
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
            queue_name=queue,
            broker=broker,
            max_retries=MAX_RETRIES,
            min_backoff=MIN_BACKOFF_MS,
            max_backoff=MAX_BACKOFF_MS,
            retry_when=should_retry,
            on_retry_exhausted=RETRY_EXHAUSTED_ACTOR,
            time_limit=TIME_LIMIT_MS,
        )(_make_handler(family))
    return actors
