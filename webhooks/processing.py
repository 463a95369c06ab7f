"""`process_event`: what every webhook actor runs for one stored Stripe event, from claim to live message.

1. **Claim** the inbox row (`webhooks.claims`), so two workers never both apply it; a
   processed or ignored row is a no-op. The claim is renewed while the event applies.
2. **Apply** it (`webhooks.apply`): the mirror write, ordered against the row's newest applied
   event (`webhooks.ordering`), the row marked `processed` and its audit entry, in one
   transaction. A permanent failure writes an audit entry with outcome `failed`.
3. **Publish**: after the commit, a `StatusMessage` for each payment, invoice or subscription
   whose status changed or was first confirmed by an event, or whose published attribute the
   event changed (a subscription's `pause_collection` or `discounts`; `Target.published_attributes`), and one
   for an invoice's failed payment attempt (`webhooks.dunning`) (best
   effort: a failed publish is logged, the event stays processed).

Exceptions:

    TransientEventError   Stripe unavailable, database connection lost, deadlock: the row
                          is back to `pending` (on a lost database, as soon as it answers
                          again, within `webhooks.claims.RELEASE_WAIT_SECONDS`); retry later
    EventNotFoundError    no inbox row with that id (a programming error upstream)

Permanent errors (a malformed object, Stripe refusing a fetch) are not raised: the row
is marked `failed` with the error, and `process_event` returns `EventStatus.FAILED`.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta
from typing import Final
from uuid import UUID

import asyncpg  # type: ignore[import-untyped]
import structlog
from tortoise.exceptions import DBConnectionError

from base.db import exception_causes, is_database_unavailable
from live.bus import StatusPublisher
from models import EventStatus, WebhookEvent
from stripe_provider.adapter import StripeAdapter
from stripe_provider.provider_errors import ProviderError
from webhooks.apply import apply_event
from webhooks.claims import (
    MAX_ERROR_CHARS,
    ClaimLost,
    audit_failure,
    claim,
    keep_claim,
    processing_stale_after,
    release,
)
from webhooks.families import family_of

__all__ = ["EventNotFoundError", "TransientEventError", "process_event"]

log = logging.getLogger("webhooks.processing")


class TransientEventError(Exception):
    """Applying the event failed for a reason that may go away (Stripe or the database unreachable).

    The row is back to `pending` with `last_error`; the actor retries it with backoff.
    """

    def __init__(self, event_row_id: UUID, error: str) -> None:
        super().__init__(f"event row {event_row_id}: {error}")
        self.event_row_id = event_row_id
        self.error = error


class EventNotFoundError(LookupError):
    """No inbox row has this id."""


_TRANSIENT_DB_ERRORS: Final[tuple[type[BaseException], ...]] = (
    DBConnectionError,
    ConnectionError,
    TimeoutError,
    OSError,
    asyncpg.PostgresConnectionError,
    asyncpg.InterfaceError,
    asyncpg.CannotConnectNowError,
    asyncpg.TooManyConnectionsError,
    asyncpg.SerializationError,
    asyncpg.DeadlockDetectedError,
)


def _is_transient(exc: BaseException) -> bool:
    """True when a later retry may succeed: Stripe unavailable, the database unreachable or a lost race."""
    for cause in exception_causes(exc):
        if isinstance(cause, ProviderError):
            return cause.transient
        if isinstance(cause, _TRANSIENT_DB_ERRORS):
            return True
    return False


def _describe(exc: BaseException) -> str:
    """`Type: message`, bounded; our exceptions and ProviderError carry ids and codes, never secrets."""
    return f"{type(exc).__name__}: {exc}"[:MAX_ERROR_CHARS]


async def process_event(
    event_row_id: UUID,
    stripe: StripeAdapter,
    publisher: StatusPublisher,
    *,
    stale_after: timedelta | None = None,
) -> EventStatus:
    """Apply the stored event `event_row_id` to the mirror; idempotent. Returns the row's status afterwards.

    PROCESSED (applied, or stale/nothing to write), IGNORED (a type the gateway does not
    apply), FAILED (a permanent error, recorded on the row). A row that is processed,
    ignored, or being processed by another live worker is left as it is and its status
    returned. Raises `TransientEventError` (row back to pending: retry later) and
    `EventNotFoundError`. Its log lines carry `event_row_id`, and `event_id` (Stripe's) and
    `event_type` once the row is read.
    """
    with structlog.contextvars.bound_contextvars(event_row_id=str(event_row_id)):
        return await _process_event(event_row_id, stripe, publisher, stale_after or processing_stale_after())


async def _process_event(
    event_row_id: UUID, stripe: StripeAdapter, publisher: StatusPublisher, stale_after: timedelta
) -> EventStatus:
    event = await claim(event_row_id, stale_after)
    if event is None:
        current = await WebhookEvent.filter(id=event_row_id).only("id", "status").first()
        if current is None:
            raise EventNotFoundError(f"no webhook event row {event_row_id}")
        return EventStatus(current.status)
    renewal = asyncio.create_task(keep_claim(event, stale_after.total_seconds() / 3))
    try:
        with structlog.contextvars.bound_contextvars(event_id=event.stripe_event_id, event_type=event.type):
            return await _process_claimed(event, stripe, publisher)
    finally:
        renewal.cancel()


async def _process_claimed(event: WebhookEvent, stripe: StripeAdapter, publisher: StatusPublisher) -> EventStatus:
    event_row_id = event.id
    family = family_of(event.type)
    if family is None:
        await WebhookEvent.filter(id=event_row_id).update(status=EventStatus.IGNORED, processed_at=datetime.now(UTC))
        return EventStatus.IGNORED
    try:
        applied = await apply_event(event, family, stripe)
    except ClaimLost:
        log.warning(
            "event %s (%s): taken over by another worker; this run applied nothing", event.stripe_event_id, event.type
        )
        current = await WebhookEvent.filter(id=event_row_id).only("id", "status").first()
        return EventStatus(current.status) if current is not None else EventStatus.PROCESSING
    except Exception as exc:
        error = _describe(exc)
        if _is_transient(exc) or is_database_unavailable(exc):
            log.warning("event %s (%s): transient failure, will retry: %s", event.stripe_event_id, event.type, error)
            await release(event, EventStatus.PENDING, error)
            raise TransientEventError(event_row_id, error) from exc
        log.error("event %s (%s) failed: %s", event.stripe_event_id, event.type, error)
        await release(event, EventStatus.FAILED, error)
        await audit_failure(event.type, event.stripe_event_id)
        return EventStatus.FAILED
    if applied.note is not None:
        log.info("event %s (%s) processed: %s", event.stripe_event_id, event.type, applied.note)
    for message in (applied.message, applied.failure):
        if message is None:
            continue
        try:
            await publisher.publish(message)
        except Exception:
            # The mirror is committed and true; a lost live message only delays a UI update.
            log.exception("event %s: publishing the status message failed", event.stripe_event_id)
    return EventStatus.PROCESSED
