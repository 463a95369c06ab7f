"""The inbox row's claim: taking it, keeping it, giving it back, and marking it failed.

A worker **claims** a row with one conditional UPDATE (pending/failed, or processing with a
claim older than `processing_stale_after()`: its worker died), so two workers never both
apply it. While it applies, the worker renews its claim (`processing_started_at`) every third
of that time (`keep_claim`), so the window can be seconds (`WEBHOOK_PROCESSING_STALE_SECONDS`)
without taking a slow, live run over. The claim is the row's `attempts` value: completing
(`webhooks.apply`) or releasing the row checks it is still ours, so a run whose claim was
taken over commits nothing (`ClaimLost`; effects stay once).
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta
from typing import Final
from uuid import UUID

from tortoise import Tortoise

from base.db import is_database_unavailable, wait_for_database
from base.settings import Settings, get_settings
from billing.audit import WEBHOOK_PRINCIPAL, Entry, record
from billing.mirror.common import Statement, db_value, quoted
from models import EventStatus, WebhookEvent

__all__ = [
    "MAX_ERROR_CHARS",
    "RELEASE_WAIT_SECONDS",
    "ClaimLost",
    "audit_failure",
    "busy_for",
    "claim",
    "keep_claim",
    "mark_failed",
    "processing_stale_after",
    "release",
]

RELEASE_WAIT_SECONDS: Final = 30.0
"""How long a run that lost the database waits for it to give its row back (else the stale rule does)."""

MAX_ERROR_CHARS: Final = 2000

log = logging.getLogger("webhooks.claims")


def processing_stale_after(settings: Settings | None = None) -> timedelta:
    """A row whose claim was not renewed for this long belongs to a dead worker and may be claimed again.

    `WEBHOOK_PROCESSING_STALE_SECONDS`, read when called (default: this process's settings). A live
    run renews its claim every third of it (`keep_claim`), however long its Stripe calls take."""
    return timedelta(seconds=(settings or get_settings()).webhook_processing_stale_seconds)


class ClaimLost(Exception):
    """The row is no longer ours (another worker took it over as stale): roll back, apply nothing."""


_CLAIM_RETURNS: Final = tuple(WebhookEvent._meta.fields_db_projection.values())
"""Every column of `webhook_events`: the claim returns the whole row."""


async def claim(event_row_id: UUID, stale_after: timedelta) -> WebhookEvent | None:
    """Move the row to `processing` if nobody else may be applying it; the row when this call got it, else None.

    One UPDATE with the condition in its WHERE: under concurrency PostgreSQL re-checks
    the condition on the row version the other worker committed, so only one wins. Its
    RETURNING reads the claimed row in the same statement.
    """
    now = datetime.now(UTC)
    connection = Tortoise.get_connection("default")
    statement = Statement(connection)
    param = statement.param
    at = db_value(WebhookEvent, "processing_started_at", now)
    sql = (
        f'UPDATE "webhook_events" SET "status" = {param(EventStatus.PROCESSING.value)}, '  # noqa: S608 - fixed names
        f'"attempts" = "attempts" + 1, "processing_started_at" = {param(at)} '
        f'WHERE "id" = {param(db_value(WebhookEvent, "id", event_row_id))} AND ('
        f'"status" IN ({param(EventStatus.PENDING.value)}, {param(EventStatus.FAILED.value)}) '
        f'OR ("status" = {param(EventStatus.PROCESSING.value)} AND ('
        f'"processing_started_at" < {param(db_value(WebhookEvent, "processing_started_at", now - stale_after))} '
        f'OR "processing_started_at" IS NULL))) '
        f"RETURNING {quoted(_CLAIM_RETURNS)}"
    )
    rows = await connection.execute_query_dict(sql, statement.params)
    return WebhookEvent._init_from_db(**rows[0]) if rows else None


async def keep_claim(event: WebhookEvent, every: float) -> None:
    """Renew our claim on the row every `every` s while the run lasts (cancelled when it ends)."""
    while True:
        await asyncio.sleep(every)
        try:
            await WebhookEvent.filter(id=event.id, status=EventStatus.PROCESSING, attempts=event.attempts).update(
                processing_started_at=datetime.now(UTC)
            )
        except Exception as exc:
            log.warning("could not renew the claim on event row %s: %r", event.id, exc)


async def release(event: WebhookEvent, status: EventStatus, error: str) -> None:
    """Record the outcome of a failed attempt, waiting up to RELEASE_WAIT_SECONDS for a database that is down.

    Only our own claim is released: a row another worker took over meanwhile is left alone.
    Giving the row back at once (rather than leaving it `processing` until it looks stale)
    is what lets the retry, or another worker, apply it within seconds of the database's return.
    """
    loop = asyncio.get_running_loop()
    deadline = loop.time() + RELEASE_WAIT_SECONDS
    while True:
        try:
            await WebhookEvent.filter(id=event.id, status=EventStatus.PROCESSING, attempts=event.attempts).update(
                status=status, last_error=error[:MAX_ERROR_CHARS]
            )
            return
        except Exception as exc:
            remaining = deadline - loop.time()
            if is_database_unavailable(exc) and remaining > 0 and await wait_for_database(remaining):
                continue
            # The row stays `processing`; it is taken back once its claim is `processing_stale_after()` old.
            log.exception("could not record the failure of event row %s", event.id)
            return


async def busy_for(event_row_id: UUID, stale_after: timedelta) -> float:
    """Seconds until the claim on a `processing` row would be stale (at least 0.2 s)."""
    row = await WebhookEvent.filter(id=event_row_id).only("id", "processing_started_at").first()
    started = row.processing_started_at if row is not None else None
    if started is None:
        return 0.2
    return max((started + stale_after - datetime.now(UTC)).total_seconds(), 0.0) + 0.2


async def audit_failure(event_type: str, stripe_event_id: str) -> None:
    """The audit entry of an event that failed for good (outcome `failed`).

    Best effort: a database that is down too only gets a log line."""
    try:
        await record(
            Entry(principal=WEBHOOK_PRINCIPAL, operation=event_type, outcome="failed", stripe_event_id=stripe_event_id)
        )
    except Exception:
        log.exception("could not write the audit entry of failed event %s", stripe_event_id)


async def mark_failed(event_row_id: UUID, error: str) -> None:
    """Mark the row failed with `error` (the actor's retries are exhausted); a processed or ignored row stays so."""
    # A row already failed has its audit entry: only a row that fails now gets one.
    newly_failed = await WebhookEvent.filter(
        id=event_row_id, status__in=[EventStatus.PENDING, EventStatus.PROCESSING]
    ).update(status=EventStatus.FAILED, last_error=error[:MAX_ERROR_CHARS])
    if not newly_failed:
        await WebhookEvent.filter(id=event_row_id, status=EventStatus.FAILED).update(last_error=error[:MAX_ERROR_CHARS])
        return
    event = await WebhookEvent.filter(id=event_row_id).only("id", "type", "stripe_event_id").first()
    if event is not None:
        await audit_failure(event.type, event.stripe_event_id)
