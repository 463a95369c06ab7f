"""Tortoise models: the Stripe mirror, the webhook inbox, the idempotency ledger, API keys, customer sessions, audit."""

from models.analytics import SubscriptionRevision
from models.api_keys import ApiKey
from models.audit import AuditEntry
from models.console import ConsoleSession
from models.customers import Customer
from models.discounts import Coupon, PromotionCode
from models.disputes import Dispute
from models.event_sink import EventSinkPosition
from models.idempotency import IdempotencyRecord, LedgerStatus
from models.inbox import EventStatus, WebhookEvent
from models.invoices import Invoice
from models.outbox import OutboxEvent, OutboxRetention
from models.outgoing import EventDelivery, WebhookEndpoint
from models.payment_methods import PaymentMethod
from models.payments import Payment, Refund
from models.persisted_documents import PersistedDocument
from models.prices import Price
from models.sessions import CustomerSession
from models.subscriptions import Subscription, SubscriptionItem
from models.usage import Meter, UsageEvent

__all__ = [
    "ApiKey",
    "AuditEntry",
    "ConsoleSession",
    "Coupon",
    "Customer",
    "CustomerSession",
    "Dispute",
    "EventDelivery",
    "EventSinkPosition",
    "EventStatus",
    "IdempotencyRecord",
    "Invoice",
    "LedgerStatus",
    "Meter",
    "OutboxEvent",
    "OutboxRetention",
    "Payment",
    "PaymentMethod",
    "PersistedDocument",
    "Price",
    "PromotionCode",
    "Refund",
    "Subscription",
    "SubscriptionItem",
    "SubscriptionRevision",
    "UsageEvent",
    "WebhookEndpoint",
    "WebhookEvent",
]
