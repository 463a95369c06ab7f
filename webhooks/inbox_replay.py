"""`replayWebhookEvent`: the CLI's `webhooks replay <id>` (webhooks.replay) as an audited admin mutation.

It takes the one mutation path (`billing.mutations.run_local_mutation`: ledger, audit, one
transaction): the write resets the row to `pending` with `webhooks.replay.replay`; once that has
committed the row is sent to its worker (`Context.event_dispatch`), and when it cannot be, the
sweeper sends it within WEBHOOK_PENDING_GRACE_SECONDS.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Protocol
from uuid import UUID

from base.error_codes import ErrorCode
from base.ids import InvalidIdError, parse_typed_id
from billing.mutation_errors import MutationError
from billing.mutations import MutationCall, Outcome, Snapshot, run_local_mutation
from billing.request_context import Context
from models.inbox import EventStatus, WebhookEvent
from webhooks.families import family_of
from webhooks.inbox import UNSTORABLE_PREFIX
from webhooks.replay import replay

log = logging.getLogger("webhooks.inbox_replay")

REPLAYABLE = frozenset({EventStatus.FAILED, EventStatus.PROCESSED})
"""A pending or processing row is already on its way; an ignored one has nothing to apply."""


class ReplayWebhookEventFields(Protocol):
    @property
    def id(self) -> str: ...


def inbox_snapshot(row: WebhookEvent) -> dict[str, object]:
    """The stored (JSON) form of an inbox row, as `WebhookInboxEvent.from_snapshot` reads it."""
    return {
        "id": str(row.id),
        "stripeEventId": row.stripe_event_id,
        "type": row.type,
        "status": str(row.status),
        "attempts": row.attempts,
        "lastError": row.last_error,
        "receivedAt": row.created_at.isoformat(),
        "stripeCreated": row.stripe_created.isoformat(),
        "processedAt": row.processed_at.isoformat() if row.processed_at else None,
    }


async def replay_webhook_event(ctx: Context, call: MutationCall, input: ReplayWebhookEventFields) -> Snapshot:
    """Reset one inbox row to `pending` and send it to its worker again."""

    async def validate() -> WebhookEvent:
        try:
            row_id = parse_typed_id(str(input.id), "WebhookInboxEvent")
        except InvalidIdError:
            raise MutationError(ErrorCode.NOT_FOUND, "no inbox event with this id", ["input", "id"]) from None
        row = await WebhookEvent.get_or_none(id=row_id)
        if row is None:
            raise MutationError(ErrorCode.NOT_FOUND, "no inbox event with this id", ["input", "id"])
        if (row.last_error or "").startswith(UNSTORABLE_PREFIX):
            raise MutationError(
                ErrorCode.VALIDATION_FAILED,
                "stored escaped, not as Stripe sent it: replaying cannot apply it",
                ["input", "id"],
            )
        if row.status not in REPLAYABLE or family_of(row.type) is None:
            raise MutationError(
                ErrorCode.VALIDATION_FAILED, f"a {row.status} event cannot be replayed", ["input", "id"]
            )
        return row

    async def write(row: WebhookEvent) -> Outcome:
        await replay(str(row.id), send=None)
        fresh = await WebhookEvent.get(id=row.id)
        return Outcome(fields={"event": inbox_snapshot(fresh)})

    data = await run_local_mutation(ctx, call, input, validate=validate, write=write)
    event = data.get("event")
    if isinstance(event, dict) and not data.get("userErrors") and ctx.event_dispatch is not None:
        await _send(ctx, UUID(str(event["id"])), str(event["type"]))
    return data


async def _send(ctx: Context, row_id: UUID, event_type: str) -> None:
    assert ctx.event_dispatch is not None
    try:
        await ctx.event_dispatch(row_id, event_type)
    except Exception as exc:
        log.warning("enqueue of replayed inbox row %s failed (%s); the sweeper will send it", row_id, exc)
        return
    await WebhookEvent.filter(id=row_id, status=EventStatus.PENDING, enqueued_at__isnull=True).update(
        enqueued_at=datetime.now(UTC)
    )
