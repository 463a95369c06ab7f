"""Webhook inbox rows written through the models, and polling their status."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from models import EventStatus, WebhookEvent
from tests.support.webhook_load import event_envelope


def customer_event(event_id: str, *, email: str = "ada@example.com", created: int | None = None) -> dict[str, Any]:
    """A `customer.created` event as Stripe sends it (only the fields the mirror reads matter)."""
    created = created or int(time.time()) - 60
    customer = {
        "id": f"cus_{event_id.removeprefix('evt_')}",
        "object": "customer",
        "created": created,
        "email": email,
        "name": "Ada",
        "metadata": {},
        "livemode": False,
        "invoice_settings": {"default_payment_method": None},
    }
    return event_envelope(event_id, "customer.created", created, customer)


async def insert_event(payload: dict[str, Any], **fields: Any) -> WebhookEvent:
    return await WebhookEvent.create(
        stripe_event_id=payload["id"],
        type=payload["type"],
        api_version=payload["api_version"],
        livemode=False,
        stripe_created=datetime.fromtimestamp(payload["created"], UTC),
        payload=payload,
        **fields,
    )


async def wait_for_status(row_id: UUID, status: EventStatus, timeout: float = 15.0) -> WebhookEvent:
    deadline = time.monotonic() + timeout
    while True:
        row = await WebhookEvent.get(id=row_id)
        if row.status == status or time.monotonic() > deadline:
            assert row.status == status, f"row {row.stripe_event_id}: {row.status} ({row.last_error})"
            return row
        await asyncio.sleep(0.05)
