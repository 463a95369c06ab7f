"""The admin read of the Stripe webhook inbox (`webhookInbox`): rows as received, with why they failed."""

from __future__ import annotations

from billing.pages import Page
from billing.pagination import paginate
from models import EventStatus, WebhookEvent


async def webhook_inbox(first: int | None, after: str | None, status: EventStatus | None) -> Page[WebhookEvent]:
    """Inbox rows, newest first, of one status when given."""
    qs = WebhookEvent.all()
    if status is not None:
        qs = qs.filter(status=status)
    return await paginate(qs, first, after)
