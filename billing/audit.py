"""The audit trail's one writer: one entry per finished mutation and per applied webhook event.

What an entry holds: the principal (a ledger scope such as `api_key:<key row id>`, or
`stripe` for webhooks), the operation (a mutation name or an event type), the global
ids of the objects the response names, the client's idempotency key, Stripe's request
id, our request id, and the outcome. Never tokens, keys, client secrets or card data:
object ids are taken only from the mirror rows in a response (`OBJECT_TYPES`), never
from its other fields.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Final
from uuid import UUID

from base.ids import to_global_id
from models import AuditEntry
from models.base import uuid7

OBJECT_TYPES: Final[Mapping[str, str]] = {
    "customer": "Customer",
    "paymentMethod": "PaymentMethod",
    "subscription": "Subscription",
    "invoice": "Invoice",
    "payment": "Payment",
    "refund": "Refund",
    "dispute": "Dispute",
    "webhookEndpoint": "WebhookEndpoint",
    "delivery": "EventDelivery",
}
"""Response keys holding a mirror row (stored form), and the GraphQL type each is."""

OK: Final = "ok"
WEBHOOK_PRINCIPAL: Final = "stripe"


def object_ids_of(response: Mapping[str, Any]) -> list[str]:
    """The global ids of the mirror rows in a stored-form mutation response."""
    ids: list[str] = []
    for key, type_name in OBJECT_TYPES.items():
        row = response.get(key)
        if isinstance(row, Mapping) and row.get("id"):
            try:
                ids.append(str(to_global_id(type_name, UUID(str(row["id"])))))
            except ValueError:
                continue
    return ids


def outcome_of(response: Mapping[str, Any]) -> str:
    """`ok`, or the code of the response's first user error."""
    errors = response.get("userErrors") or []
    if errors and isinstance(errors[0], Mapping):
        return str(errors[0].get("code") or "ERROR")[:32]
    return OK


@dataclass(frozen=True, slots=True)
class Entry:
    """One entry as its writer describes it; `columns` cuts each text to its column's length."""

    principal: str
    operation: str
    outcome: str
    object_ids: list[str] = field(default_factory=list)
    idempotency_key: str | None = None
    stripe_request_id: str | None = None
    stripe_event_id: str | None = None
    request_id: str | None = None

    def columns(self) -> dict[str, Any]:
        return {
            "principal": self.principal[:128],
            "operation": self.operation[:64],
            "object_ids": list(self.object_ids),
            "idempotency_key": self.idempotency_key,
            "stripe_request_id": self.stripe_request_id,
            "stripe_event_id": self.stripe_event_id,
            "request_id": self.request_id,
            "outcome": self.outcome[:32],
        }


async def record(entry: Entry) -> AuditEntry:
    """Write one entry, in the caller's transaction when there is one."""
    return await AuditEntry.create(**entry.columns())


def entry_values(entry: Entry, occurred_at: datetime | None = None) -> dict[str, Any]:
    """Column → value of one entry, for a caller that writes it in its own SQL statement.

    The webhook worker folds the entry into the statement that completes the inbox row (one
    round trip per event, bench/changes.md); the values are those `record` would write,
    with the id and time Tortoise would have given them.
    """
    return {"id": uuid7(), "occurred_at": occurred_at or datetime.now(UTC), **entry.columns()}
