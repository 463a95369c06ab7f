"""The outbox's retention: old domain events and finished outgoing deliveries pruned, and how far (`pruned_through`).

`prune_events(settings)` deletes, in batches, outbox events older than `EVENT_RETENTION_DAYS` that
nothing needs any more. Kept whatever their age:
- each object's NEWEST event: the outbox writer judges the next change against it (`billing.outbox`),
  so pruning it would turn the next update into a second `*.created`;
- events an enabled webhook endpoint has not fanned out yet, or a pending delivery still has to send;
- events an active stream sink (one whose position moved within the window) has not published.

Finished deliveries (succeeded or failed) older than the window go too. The highest pruned
`sequence` is kept in `outbox_retention`: a feed cursor below it may have missed events, and the
feed says so (`CURSOR_EXPIRED`, a status subscription's `resumedAfterGap`) instead of staying silent.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Final

from tortoise import connections

from base.settings import Settings
from models import EventDelivery, OutboxRetention

__all__ = ["PRUNE_BATCH", "Pruned", "prune_events", "pruned_through"]

log = logging.getLogger("billing.event_retention")

PRUNE_BATCH: Final = 5000
"""Events deleted per statement (each one a short transaction)."""

_PRUNE_SQL: Final = """
WITH doomed AS (
    SELECT e.sequence FROM outbox_events e
    WHERE e.occurred_at < $1 AND e.sequence < $2
      AND EXISTS (SELECT 1 FROM outbox_events n WHERE n.object_id = e.object_id AND n.sequence > e.sequence)
    ORDER BY e.sequence
    LIMIT $3
)
DELETE FROM outbox_events WHERE sequence IN (SELECT sequence FROM doomed) RETURNING sequence
"""


_NEEDED_SQL: Final = """
SELECT LEAST(
    (SELECT MIN(fanned_out_sequence) + 1 FROM webhook_endpoints WHERE status = 'enabled' AND deleted_at IS NULL),
    (SELECT MIN(event_sequence) FROM event_deliveries WHERE status = 'pending'),
    (SELECT MIN(sequence) + 1 FROM event_sink_positions WHERE updated_at >= $1)
) AS low
"""
_NOTHING_NEEDED: Final = 2**63 - 1


@dataclass(frozen=True, slots=True)
class Pruned:
    """What one pruning did."""

    events: int
    deliveries: int
    pruned_through: int


async def pruned_through() -> int:
    """The highest pruned `sequence` (0: nothing pruned): a cursor below it may have missed events."""
    row = await OutboxRetention.get_or_none(id=1)
    return 0 if row is None else int(row.pruned_through)


async def _still_needed(cutoff: datetime) -> int:
    """The lowest `sequence` something still has to read (an endpoint, a pending delivery, a sink); the rest is free."""
    client = connections.get("default")
    _, rows = await client.execute_query(_NEEDED_SQL, [cutoff])
    low = rows[0]["low"] if rows else None
    return _NOTHING_NEEDED if low is None else int(low)


async def prune_events(settings: Settings, now: datetime | None = None) -> Pruned:
    """Delete what the retention window lets go (nothing when `EVENT_RETENTION_DAYS` is 0); returns the counts."""
    client = connections.get("default")
    if settings.event_retention_days <= 0 or client.capabilities.dialect != "postgres":
        return Pruned(0, 0, await pruned_through())  # the embedded SQLite store of a development run keeps all
    cutoff = (now or datetime.now(UTC)) - timedelta(days=settings.event_retention_days)
    deliveries = await EventDelivery.filter(status__in=("succeeded", "failed"), created_at__lt=cutoff).delete()
    below = await _still_needed(cutoff)
    events = 0
    highest = 0
    while True:
        _, rows = await client.execute_query(_PRUNE_SQL, [cutoff, below, PRUNE_BATCH])
        if not rows:
            break
        events += len(rows)
        highest = max(highest, *(int(row["sequence"]) for row in rows))
        if len(rows) < PRUNE_BATCH:
            break
    if highest:
        await client.execute_query(
            "INSERT INTO outbox_retention (id, pruned_through, pruned_at) VALUES (1, $1, $2) "
            "ON CONFLICT (id) DO UPDATE SET pruned_through = GREATEST(outbox_retention.pruned_through, $1), "
            "pruned_at = $2",
            [highest, now or datetime.now(UTC)],
        )
        log.info("pruned %d outbox events (through sequence %d) and %d deliveries", events, highest, deliveries)
    return Pruned(events, deliveries, max(highest, await pruned_through()))
