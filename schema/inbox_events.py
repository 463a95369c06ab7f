"""The Stripe webhook inbox for admin keys: `webhookInbox` and `replayWebhookEvent`."""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import Any
from uuid import UUID

import strawberry

from base.ids import to_global_id
from models import WebhookEvent as WebhookEventRow
from schema.errors import USER_ERRORS_DESCRIPTION, UserError, user_errors
from webhooks.inbox_replay import inbox_snapshot


@strawberry.enum(description="Where one received Stripe event stands in the inbox.")
class WebhookInboxStatus(Enum):
    PENDING = strawberry.enum_value("pending", description="Stored, waiting for a worker.")
    PROCESSING = strawberry.enum_value("processing", description="A worker is applying it.")
    PROCESSED = strawberry.enum_value("processed", description="Applied to the mirror (or found stale).")
    FAILED = strawberry.enum_value(
        "failed", description="Not applied: a permanent error, in `lastError` (`replayWebhookEvent` retries it)."
    )
    IGNORED = strawberry.enum_value("ignored", description="A type the gateway does not apply.")


@strawberry.type(description="One Stripe event as the gateway received it, and what became of it (admin keys only).")
class WebhookInboxEvent:
    id: strawberry.ID = strawberry.field(description="The inbox row's id (what `replayWebhookEvent` takes).")
    stripe_event_id: str = strawberry.field(description="Stripe's event id (`evt_…`).")
    type: str = strawberry.field(description="The Stripe event type, e.g. `invoice.paid`.")
    status: WebhookInboxStatus = strawberry.field(description="Pending, processing, processed, failed or ignored.")
    attempts: int = strawberry.field(description="How often a worker tried to apply it.")
    last_error: str | None = strawberry.field(
        description="Why the last attempt failed (the failure reason; kept after a successful replay as history)."
    )
    received_at: datetime = strawberry.field(description="When the gateway stored it.")
    stripe_created: datetime = strawberry.field(description="When Stripe created the event.")
    processed_at: datetime | None = strawberry.field(description="When it was applied; null until then.")

    @classmethod
    def from_row(cls, row: WebhookEventRow) -> WebhookInboxEvent:
        return cls.from_snapshot(inbox_snapshot(row))

    @classmethod
    def from_snapshot(cls, data: dict[str, Any]) -> WebhookInboxEvent:
        processed = data.get("processedAt")
        return cls(
            id=to_global_id("WebhookInboxEvent", UUID(str(data["id"]))),
            stripe_event_id=str(data["stripeEventId"]),
            type=str(data["type"]),
            status=WebhookInboxStatus(data["status"]),
            attempts=int(data["attempts"]),
            last_error=data.get("lastError"),
            received_at=datetime.fromisoformat(str(data["receivedAt"])),
            stripe_created=datetime.fromisoformat(str(data["stripeCreated"])),
            processed_at=datetime.fromisoformat(str(processed)) if processed else None,
        )


@strawberry.input(description="What `replayWebhookEvent` needs.")
class ReplayWebhookEventInput:
    id: strawberry.ID = strawberry.field(description="The inbox row (a WebhookInboxEvent id), failed or processed.")


@strawberry.type(description="The answer of `replayWebhookEvent`.")
class ReplayWebhookEventPayload:
    event: WebhookInboxEvent | None = strawberry.field(
        description="The row, back to `pending` (its worker applies it again); null when `userErrors` is not empty."
    )
    user_errors: list[UserError] = strawberry.field(description=USER_ERRORS_DESCRIPTION)

    @classmethod
    def from_snapshot(cls, data: dict[str, Any]) -> ReplayWebhookEventPayload:
        event = data.get("event")
        return cls(event=WebhookInboxEvent.from_snapshot(event) if event else None, user_errors=user_errors(data))
