"""AuditEvent: one entry of the audit trail, for admin keys (`auditEvents`)."""

from __future__ import annotations

from datetime import datetime

import strawberry

from base.ids import to_global_id
from models import AuditEntry


@strawberry.type(
    description="Who did what with money: one finished mutation or one applied Stripe webhook event. "
    "Not a `Node`: only admin keys read the trail."
)
class AuditEvent:
    id: strawberry.ID = strawberry.field(description="The entry's id.")
    occurred_at: datetime = strawberry.field(description="When the mutation finished or the event was applied.")
    principal: str = strawberry.field(
        description="`api_key:<key id>` or `customer_session:<session id>` for a mutation; `stripe` for a webhook."
    )
    operation: str = strawberry.field(description="The mutation's name, or the Stripe event type.")
    object_ids: list[strawberry.ID] = strawberry.field(description="Global ids of the objects concerned.")
    idempotency_key: str | None = strawberry.field(
        description="The client's idempotency key of the mutation; null for webhooks."
    )
    stripe_request_id: str | None = strawberry.field(description="Stripe's `Request-Id` of the last call made.")
    stripe_event_id: str | None = strawberry.field(description="The Stripe event id, for webhooks.")
    request_id: str | None = strawberry.field(description="The gateway's request id (in its logs too).")
    outcome: str = strawberry.field(
        description="Mutations: `ok` or the first user error's code. Webhooks: `processed`, `stale` or `failed`."
    )

    @classmethod
    def from_model(cls, row: AuditEntry) -> AuditEvent:
        return cls(
            id=to_global_id("AuditEvent", row.id),
            occurred_at=row.occurred_at,
            principal=row.principal,
            operation=row.operation,
            object_ids=[strawberry.ID(value) for value in row.object_ids or []],
            idempotency_key=row.idempotency_key,
            stripe_request_id=row.stripe_request_id,
            stripe_event_id=row.stripe_event_id,
            request_id=row.request_id,
            outcome=row.outcome,
        )
