"""`webhooks replay`: resetting inbox rows to `pending` so the workers apply them again.

`replay` resets the rows, and sends each through `send` when the caller has a broker to
send to; `outcome_line` is what the command prints per row. The command (`gateway/cli.py`)
only parses its arguments, sets up the broker and prints.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from uuid import UUID

from tortoise.expressions import Q

from models.inbox import EventStatus, WebhookEvent
from webhooks.families import family_of
from webhooks.inbox import UNSTORABLE_PREFIX
from webhooks.sweeper import SendEvent

__all__ = ["Replayed", "outcome_line", "replay"]

log = logging.getLogger("webhooks.replay")


@dataclass
class Replayed:
    """One row reset by `replay`, and whether it was sent to the broker now."""

    stripe_event_id: str
    type: str
    sent: bool


async def replay(event_id: str | None = None, *, failed: bool = False, send: SendEvent | None) -> list[Replayed]:
    """Reset the row of `event_id` (Stripe's `evt_…` or the row's UUID), or every `failed` row, to `pending`.

    Attempts and the last error are kept (history). Rows the receiver stored escaped
    (`last_error` starting `webhooks.inbox.UNSTORABLE_PREFIX`: U+0000 and the like) are
    left alone: their payload is not the event Stripe sent. With `send` (blocking,
    `tasks.broker.enqueue_event`), each row is enqueued now; a row whose send fails (or with
    no `send`, as in embedded mode where this process cannot reach the server's in-process
    broker) keeps `enqueued_at` empty, so the sweeper sends it within WEBHOOK_PENDING_GRACE_SECONDS.
    """
    query = WebhookEvent.all()
    if failed:
        query = query.filter(status=EventStatus.FAILED)
    elif event_id is not None:
        try:
            query = query.filter(Q(stripe_event_id=event_id) | Q(id=UUID(event_id)))
        except ValueError:
            query = query.filter(stripe_event_id=event_id)
    else:
        raise ValueError("give an event id or failed=True")
    storable = Q(last_error__isnull=True) | ~Q(last_error__startswith=UNSTORABLE_PREFIX)
    rows = await query.filter(storable).order_by("stripe_created")
    replayed: list[Replayed] = []
    for row in rows:
        if family_of(row.type) is None:
            continue  # stored as ignored: there is nothing to apply
        await WebhookEvent.filter(id=row.id).update(
            status=EventStatus.PENDING, enqueued_at=None, processing_started_at=None, processed_at=None
        )
        sent = False
        if send is not None:
            try:
                await asyncio.to_thread(send, row.id, row.type)
            except Exception as exc:
                log.warning("enqueue of %s failed (%s); the sweeper will send it", row.stripe_event_id, exc)
            else:
                sent = True
                await WebhookEvent.filter(id=row.id, status=EventStatus.PENDING).update(enqueued_at=datetime.now(UTC))
        replayed.append(Replayed(stripe_event_id=row.stripe_event_id, type=row.type, sent=sent))
    return replayed


def outcome_line(row: Replayed, pending_grace_seconds: float) -> str:
    """The command's line for one replayed row: enqueued now, or left for the sweeper."""
    how = "enqueued" if row.sent else f"pending: the sweeper sends it within {pending_grace_seconds:g} s"
    return f"replayed {row.stripe_event_id} ({row.type}): {how}"
