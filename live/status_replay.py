"""What a status subscriber missed: the status changes of one kind in the outbox after its cursor, as messages.

A status subscription given `after` (an event's `sequence`, the `cursor` of its last frame) first
gets these, then live frames (`live.streams`). Each domain event of the kind whose status differs
from the object's event before it (or that pauses or resumes a subscription) becomes one
`StatusMessage`, presented like a live one: `event_id` is the domain event's id (Stripe's event id
is not kept in the outbox), the object is read as the mirror holds it now, and `sequence` is the
event's cursor. A change that wrote no domain event (docs/events.md: an invoice's draft → open) is
live-only: the replay has nothing to tell of it.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Collection
from typing import TYPE_CHECKING, Final

from base.ids import InvalidIdError, parse_global_id
from live.bus import StatusKind, StatusMessage
from models import OutboxEvent

if TYPE_CHECKING:
    from live.hub import MessageFilter

__all__ = ["REPLAY_BATCH", "missed_status_messages"]

REPLAY_BATCH: Final = 200
"""Events read per query while replaying."""

_ALWAYS_TOLD: Final = frozenset({"subscription.paused", "subscription.resumed"})
"""Types that make a frame although the status stays (Stripe keeps a paused subscription ACTIVE)."""


def _pk(global_id: str | None) -> str | None:
    """The row UUID (as a string, like `StatusMessage`'s ids) behind a global id; None when there is none."""
    if global_id is None:
        return None
    try:
        return str(parse_global_id(global_id)[1])
    except InvalidIdError:
        return None


def _status(event: OutboxEvent) -> str | None:
    """Stripe's lower-case status from the event's data (which holds the GraphQL enum's member name)."""
    value = event.data.get("status")
    return None if value is None else str(value).lower()


async def _status_before(event: OutboxEvent) -> str | None:
    """The object's status in its event before `event` (None: the object's first event, or none kept)."""
    before = (
        await OutboxEvent.filter(object_id=event.object_id, sequence__lt=event.sequence).order_by("-sequence").first()
    )
    return None if before is None else _status(before)


async def missed_status_messages(
    kind: StatusKind, after: int, accept: MessageFilter, customers: Collection[str] | None = None
) -> AsyncGenerator[StatusMessage, None]:
    """The `kind` status changes after cursor `after` that `accept` lets through, oldest first.

    `customers`: the global ids of the customers the subscriber may see (None: any); narrows the read.
    """
    cursor = after
    last_status: dict[str, str | None] = {}
    while True:
        query = OutboxEvent.filter(object_kind=kind, sequence__gt=cursor)
        if customers is not None:
            query = query.filter(customer_id__in=list(customers))
        rows = await query.order_by("sequence").limit(REPLAY_BATCH)
        for event in rows:
            cursor = event.sequence
            status = _status(event)
            object_pk = _pk(event.object_id)
            if status is None or object_pk is None:
                continue
            previous = last_status[event.object_id] if event.object_id in last_status else await _status_before(event)
            last_status[event.object_id] = status
            if status == previous and event.type not in _ALWAYS_TOLD:
                continue  # the status stayed (an `*.updated` of other fields, a failed payment attempt)
            message = StatusMessage(
                kind=kind,
                object_id=object_pk,
                stripe_id=str(event.data.get("stripeId") or ""),
                customer_id=_pk(event.customer_id),
                status=status,
                previous_status=previous,
                event_id=str(event.id),
                occurred_at=event.occurred_at,
                sequence=event.sequence,
            )
            if accept(message):
                yield message
        if len(rows) < REPLAY_BATCH:
            return
