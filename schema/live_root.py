"""The subscription root (`LiveUpdates`): the live status fields and who may watch them."""

from __future__ import annotations

import strawberry

import schema.outbox
import schema.permissions
from schema import dunning, status_events
from schema.permissions import CanWatchDisputes, CanWatchInvoices, CanWatchPayments, CanWatchSubscriptions


@strawberry.type(
    description="Live status changes over WebSocket (graphql-transport-ws). The root is not named "
    "`Subscription`: that is the billing object type."
)
class LiveUpdates:
    payment_status_changed = strawberry.subscription(
        resolver=status_events.payment_status_changed,
        description="Every status change of the payments you may see, or of one customer's or one payment's.",
        permission_classes=[CanWatchPayments],
    )
    invoice_status_changed = strawberry.subscription(
        resolver=status_events.invoice_status_changed,
        description="Every status change of the invoices you may see, or of one customer's or one invoice's.",
        permission_classes=[CanWatchInvoices],
    )
    subscription_status_changed = strawberry.subscription(
        resolver=status_events.subscription_status_changed,
        description="Every status change of the subscriptions you may see, or of one customer's or one subscription's; "
        "a pause or resume of payment collection too (`pauseCollection`), although the status stays.",
        permission_classes=[CanWatchSubscriptions],
    )
    dispute_status_changed = strawberry.subscription(
        resolver=status_events.dispute_status_changed,
        description="Every status change of the disputes you may see, or of one customer's or one dispute's.",
        permission_classes=[CanWatchDisputes],
    )
    payment_failed = strawberry.subscription(
        resolver=dunning.payment_failed,
        description="Every failed payment attempt of the invoices you may see, or of one customer's: a renewal "
        "declined or needing authentication, and each failed retry (one event per attempt).",
        permission_classes=[CanWatchInvoices],
    )
    events = strawberry.subscription(
        resolver=schema.outbox.live_events,
        description="The replayable event feed, live (admin keys only): every outbox event after `after` (an event's "
        "`sequence`; none: from now on), oldest first, then each new one as it commits. Reconnect with the "
        "`sequence` of the last event handled and nothing is lost; read at your own pace, nothing is dropped.",
        permission_classes=[schema.permissions.IsAdmin],
    )
