"""The inbox sweeper: re-enqueues what a Redis outage or a dead worker left behind.

The webhook receiver commits the inbox row before it enqueues, so an enqueue that
fails leaves the row `pending` and nothing is lost; this loop, run in every worker
process and inside `serve` in embedded mode, sends such rows again. It also resets
rows stuck in `processing` (their worker died mid-event) to `pending` and sends them,
and, in worker processes, purges expired idempotency records, prunes the outbox (`billing.event_retention`)
and removes client-registered persisted documents nobody ran lately (`billing.document_store`).

Every re-enqueue first claims the row with a conditional UPDATE (`enqueued_at` moved
to now), so several sweepers never send the same row twice in one window; the actors
are idempotent anyway.

Knobs (environment variables, defaults in brackets):
`WEBHOOK_SWEEP_INTERVAL_SECONDS` [5], `WEBHOOK_PENDING_GRACE_SECONDS` [10] (a pending
row never enqueued is sent after this), `WEBHOOK_REQUEUE_AFTER_SECONDS` [900] (a pending
row enqueued this long ago is sent again: longer than the whole retry schedule, so
Dramatiq's own backoff is not doubled), `WEBHOOK_PROCESSING_STALE_SECONDS` [6] (a
`processing` row whose claim was not renewed for this long is taken back; a live run renews
it every third of that, `webhooks.claims`).

The sweeper sends through the `send` it is given (`tasks.broker.enqueue_event`): the
broker is the task layer's, above this package.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from uuid import UUID

from tortoise.expressions import Q

from base.db import is_database_unavailable
from base.settings import Settings
from billing.document_store import purge_unused
from billing.event_retention import prune_events
from billing.ledger import LEDGER_PURGE_INTERVAL_SECONDS, purge_expired
from models.inbox import EventStatus, WebhookEvent

__all__ = ["BATCH_SIZE", "SendEvent", "SweepResult", "sweep_forever", "sweep_once"]

log = logging.getLogger("webhooks.sweeper")

SendEvent = Callable[[UUID, str], None]
"""`send(row_id, event_type)`: hands an inbox row to the workers, blocking (`tasks.broker.enqueue_event`)."""


BATCH_SIZE = 500


@dataclass
class SweepResult:
    """What one sweep did."""

    requeued_pending: int = 0
    requeued_stale: int = 0
    enqueue_failures: int = 0


async def _send(send: SendEvent, row_id: UUID, event_type: str) -> bool:
    try:
        # `.send()` is a blocking Redis call: keep it off the event loop.
        await asyncio.to_thread(send, row_id, event_type)
    except Exception as exc:
        log.warning("re-enqueue of event row %s failed (%s); will retry next sweep", row_id, exc)
        await WebhookEvent.filter(id=row_id, status=EventStatus.PENDING).update(enqueued_at=None)
        return False
    return True


async def sweep_once(settings: Settings, send: SendEvent, now: datetime | None = None) -> SweepResult:
    """Re-enqueue forgotten `pending` rows and take back stale `processing` rows, once."""
    now = now or datetime.now(UTC)
    result = SweepResult()
    never_sent = Q(
        enqueued_at__isnull=True, created_at__lt=now - timedelta(seconds=settings.webhook_pending_grace_seconds)
    )
    sent_long_ago = Q(enqueued_at__lt=now - timedelta(seconds=settings.webhook_requeue_after_seconds))
    forgotten = Q(never_sent | sent_long_ago, status=EventStatus.PENDING)
    rows = await WebhookEvent.filter(forgotten).order_by("stripe_created").limit(BATCH_SIZE).values_list("id", "type")
    for row_id, event_type in rows:
        claimed = await WebhookEvent.filter(Q(forgotten, id=row_id)).update(enqueued_at=now)
        if not claimed:
            continue  # another sweeper or the worker got there first
        if await _send(send, row_id, event_type):
            result.requeued_pending += 1
        else:
            result.enqueue_failures += 1

    stale = Q(
        status=EventStatus.PROCESSING,
        processing_started_at__lt=now - timedelta(seconds=settings.webhook_processing_stale_seconds),
    )
    rows = await WebhookEvent.filter(stale).order_by("stripe_created").limit(BATCH_SIZE).values_list("id", "type")
    for row_id, event_type in rows:
        claimed = await WebhookEvent.filter(Q(stale, id=row_id)).update(status=EventStatus.PENDING, enqueued_at=now)
        if not claimed:
            continue
        if await _send(send, row_id, event_type):
            result.requeued_stale += 1
        else:
            result.enqueue_failures += 1
    return result


async def sweep_forever(settings: Settings, send: SendEvent, *, purge_ledger: bool = True) -> None:
    """Sweep every `webhook_sweep_interval_seconds` (each 10 min: purge the ledger, prune the outbox and documents)."""
    last_purge = 0.0
    loop = asyncio.get_running_loop()
    while True:
        try:
            result = await sweep_once(settings, send)
            if result.requeued_pending or result.requeued_stale:
                log.info(
                    "sweeper re-enqueued %d pending and %d stale processing event rows",
                    result.requeued_pending,
                    result.requeued_stale,
                )
            if purge_ledger and loop.time() - last_purge >= LEDGER_PURGE_INTERVAL_SECONDS:
                last_purge = loop.time()
                purged = await purge_expired(settings)
                if purged:
                    log.info("purged %d expired idempotency records", purged)
                await prune_events(settings)
                await purge_unused(settings)  # client-registered persisted documents nobody ran lately
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            if is_database_unavailable(exc):
                # Expected during a database outage: one line per interval, not a traceback.
                log.warning("sweep skipped: database unavailable (%r)", exc)
            else:
                log.exception("sweep failed; retrying next interval")
        await asyncio.sleep(settings.webhook_sweep_interval_seconds)
