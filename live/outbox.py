"""The live event feed: what a subscriber missed from the outbox after its cursor, then each new event as it commits.

`outbox_feed(after, types)` reads the outbox (`billing.outbox.pending_events`) in sequence order,
a batch at a time, and yields every event after the cursor; when it has caught up it waits for
the next live status message (`live.hub`, any kind: a worker committed something) or
`FEED_POLL_SECONDS` (a mutation's events publish no live message), then reads again. The stream
is PULLED from the outbox at the subscriber's own pace: a slow subscriber falls behind in the
table, never loses an event, and never fills a queue; one that reconnects with the `sequence` of
the last event it handled gets every event after it, in commit order, then live ones.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Sequence
from typing import Final

from billing.outbox import pending_events
from live.hub import active_hub
from models import OutboxEvent

__all__ = ["FEED_BATCH", "FEED_POLL_SECONDS", "outbox_feed"]

FEED_BATCH: Final = 100
"""Events read per query while catching up."""
FEED_POLL_SECONDS: Final = 1.0
"""Longest wait between two reads once caught up (a live message wakes the feed earlier)."""


async def latest_sequence() -> int:
    """The newest event's cursor (0 when the outbox is empty): a feed without `after` starts there."""
    newest = await OutboxEvent.all().order_by("-sequence").only("sequence").first()
    return 0 if newest is None else int(newest.sequence)


async def outbox_feed(
    after: int | None, types: Sequence[str] | None = None, *, poll_seconds: float = FEED_POLL_SECONDS
) -> AsyncGenerator[OutboxEvent, None]:
    """Every event with `sequence > after` (from now on when None), oldest first, then the new ones as they commit."""
    async with active_hub().subscribe() as wakeups:
        cursor = await latest_sequence() if after is None else after
        while True:
            rows = await pending_events(cursor, types=types, limit=FEED_BATCH)
            for row in rows:
                cursor = row.sequence
                yield row
            if len(rows) == FEED_BATCH:
                continue  # still catching up
            try:
                await asyncio.wait_for(wakeups.__anext__(), poll_seconds)
            except TimeoutError:
                pass
            except StopAsyncIteration:
                return  # the hub stopped: the process is shutting down
            wakeups.discard_pending()  # the messages queued meanwhile: one read serves them all
