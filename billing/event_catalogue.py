"""The domain event catalogue: every event type the outbox writes, with its JSON Schema (docs/events.md).

`CATALOGUE` maps a type (`payment.succeeded`) to its `EventType` (object kind, when it is written,
the JSON Schema of the whole envelope `billing.outbox.envelope` builds). `catalogue_json()` is the
machine-readable form (`billing-gateway`-independent: plain JSON Schema, draft 2020-12), what a
consumer validates payloads against. A test validates real outbox rows against it
(tests/e2e/test_event_catalogue.py); another keeps docs/events.md in step (tests/billing).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Final

from billing.outbox import SCHEMA_VERSION

__all__ = ["CATALOGUE", "EventType", "catalogue_json", "envelope_schema"]

_STRING: Final = {"type": "string"}
_NULLABLE_STRING: Final = {"type": ["string", "null"]}
_TIME: Final = {"type": "string", "format": "date-time"}
_NULLABLE_TIME: Final = {"type": ["string", "null"], "format": "date-time"}
_MINOR: Final = {"type": "integer", "description": "Minor units (cents)."}
_INT: Final = {"type": "integer"}
_NULLABLE_INT: Final = {"type": ["integer", "null"]}
_BOOL: Final = {"type": "boolean"}
_CURRENCY: Final = {"type": "string", "pattern": "^[a-z]{3}$"}
_STATUS: Final = {"type": "string", "pattern": "^[A-Z_]+$", "description": "The GraphQL enum member's name."}


def _object(properties: dict[str, Any]) -> dict[str, Any]:
    """A closed object schema: every listed property required (nullable ones may be null), no others."""
    return {
        "type": "object",
        "properties": {"id": _STRING, "stripeId": _STRING, **properties},
        "required": ["id", "stripeId", *properties],
        "additionalProperties": False,
    }


_DATA: Final[dict[str, dict[str, Any]]] = {
    "customer": _object(
        {
            "email": _NULLABLE_STRING,
            "name": _NULLABLE_STRING,
            "metadata": {"type": "object", "additionalProperties": {"type": "string"}},
            "createdAt": _TIME,
        }
    ),
    "payment_method": _object(
        {
            "type": _STRING,
            "brand": _NULLABLE_STRING,
            "last4": _NULLABLE_STRING,
            "expMonth": _NULLABLE_INT,
            "expYear": _NULLABLE_INT,
        }
    ),
    "subscription": _object(
        {
            "status": _STATUS,
            "priceId": _NULLABLE_STRING,
            "quantity": _INT,
            "currentPeriodStart": _NULLABLE_TIME,
            "currentPeriodEnd": _NULLABLE_TIME,
            "cancelAtPeriodEnd": _BOOL,
            "canceledAt": _NULLABLE_TIME,
            "pauseCollection": {
                "oneOf": [
                    {"type": "null"},
                    {
                        "type": "object",
                        "properties": {"behavior": _STATUS, "resumesAt": _NULLABLE_TIME},
                        "required": ["behavior", "resumesAt"],
                        "additionalProperties": False,
                    },
                ]
            },
            "createdAt": _TIME,
            "pastDueSince": _NULLABLE_TIME,
        }
    ),
    "invoice": _object(
        {
            "status": _STATUS,
            "amountDue": _MINOR,
            "amountPaid": _MINOR,
            "amountRemaining": _MINOR,
            "total": _MINOR,
            "totalDiscountAmount": _MINOR,
            "currency": _CURRENCY,
            "number": _NULLABLE_STRING,
            "hostedInvoiceUrl": _NULLABLE_STRING,
            "periodStart": _NULLABLE_TIME,
            "periodEnd": _NULLABLE_TIME,
            "createdAt": _TIME,
            "attemptCount": _INT,
            "nextPaymentAttempt": _NULLABLE_TIME,
        }
    ),
    "payment": _object(
        {
            "status": _STATUS,
            "amount": _MINOR,
            "amountReceived": _MINOR,
            "amountRefunded": _MINOR,
            "currency": _CURRENCY,
            "description": _NULLABLE_STRING,
            "failureCode": _NULLABLE_STRING,
            "declineCode": _NULLABLE_STRING,
            "failureMessage": _NULLABLE_STRING,
            "createdAt": _TIME,
        }
    ),
    "refund": _object(
        {
            "amount": _MINOR,
            "currency": _CURRENCY,
            "status": _STATUS,
            "reason": _NULLABLE_STRING,
            "createdAt": _TIME,
            "paymentId": _STRING,
        }
    ),
    "dispute": _object(
        {
            "status": _STATUS,
            "amount": _MINOR,
            "currency": _CURRENCY,
            "reason": _NULLABLE_STRING,
            "evidenceDueBy": _NULLABLE_TIME,
            "createdAt": _TIME,
            "paymentId": _STRING,
        }
    ),
    "webhook_endpoint": {
        "type": "object",
        "properties": {
            "id": _STRING,
            "url": _STRING,
            "description": _STRING,
            "eventTypes": {"type": "array", "items": _STRING},
            "status": _STATUS,
            "disabledReason": _NULLABLE_STRING,
            "failingSince": _NULLABLE_TIME,
            "createdAt": _TIME,
        },
        "required": ["id", "url", "description", "eventTypes", "status", "disabledReason", "failingSince", "createdAt"],
        "additionalProperties": False,
    },
}
"""The `data` schema of each object kind: its GraphQL type's scalar fields.

A refund's and a dispute's payment appear as `paymentId`."""


@dataclass(frozen=True)
class EventType:
    """One catalogued type."""

    name: str
    kind: str
    when: str
    """When the gateway writes it (docs/events.md)."""

    def schema(self) -> dict[str, Any]:
        return envelope_schema(self.name, self.kind, _DATA[self.kind])


_TYPES: Final = (
    EventType("customer.created", "customer", "a customer is first mirrored (createCustomer, or Stripe's event)"),
    EventType("customer.updated", "customer", "its email, name or metadata changed"),
    EventType("customer.deleted", "customer", "Stripe deleted it"),
    EventType("payment_method.attached", "payment_method", "attached to a customer (attachPaymentMethod, or Stripe)"),
    EventType("payment_method.updated", "payment_method", "its card details changed while attached"),
    EventType("payment_method.detached", "payment_method", "detached from its customer"),
    EventType("subscription.created", "subscription", "a subscription is first mirrored"),
    EventType(
        "subscription.updated", "subscription", "price, quantity, period, cancel-at-period-end or status changed"
    ),
    EventType("subscription.paused", "subscription", "its collection was paused"),
    EventType("subscription.resumed", "subscription", "a paused subscription was resumed"),
    EventType("subscription.canceled", "subscription", "it was canceled (status CANCELED)"),
    EventType("invoice.paid", "invoice", "an invoice became PAID"),
    EventType("invoice.payment_failed", "invoice", "a payment attempt of an invoice failed (once per attempt)"),
    EventType("invoice.voided", "invoice", "an invoice became VOID"),
    EventType("payment.succeeded", "payment", "a payment became SUCCEEDED"),
    EventType(
        "payment.failed", "payment", "an attempt failed (a failure code, status REQUIRES_PAYMENT_METHOD/CANCELED)"
    ),
    EventType("payment.requires_action", "payment", "the customer must act (3-D Secure): REQUIRES_ACTION"),
    EventType("refund.created", "refund", "a refund is first mirrored (refundPayment, or Stripe)"),
    EventType("refund.updated", "refund", "a refund's status or fields changed"),
    EventType("dispute.created", "dispute", "a dispute (chargeback) is first mirrored"),
    EventType("dispute.updated", "dispute", "a dispute's status or evidence deadline changed"),
    EventType("dispute.closed", "dispute", "a dispute closed: WON, LOST, WARNING_CLOSED or CHARGE_REFUNDED"),
    EventType(
        "webhook_endpoint.disabled",
        "webhook_endpoint",
        "an outgoing webhook endpoint failed continuously for OUTGOING_DISABLE_AFTER_SECONDS and was disabled",
    ),
)

CATALOGUE: Final[dict[str, EventType]] = {event.name: event for event in _TYPES}
"""Every type the outbox writes (`billing.outbox.event_type`), by name."""


def envelope_schema(type_name: str, kind: str, data: dict[str, Any]) -> dict[str, Any]:
    """The JSON Schema of one type's envelope (`billing.outbox.envelope`)."""
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": type_name,
        "type": "object",
        "properties": {
            "id": {"type": "string", "format": "uuid", "description": "Stable event id (a UUIDv7)."},
            "type": {"const": type_name},
            "occurredAt": _TIME,
            "schemaVersion": {"const": SCHEMA_VERSION},
            "sequence": {"type": "integer", "minimum": 1, "description": "The feed's cursor: commit order."},
            "object": {
                "type": "object",
                "properties": {"kind": {"const": kind}, "id": _STRING, "customerId": _NULLABLE_STRING},
                "required": ["kind", "id", "customerId"],
                "additionalProperties": False,
            },
            "data": data,
        },
        "required": ["id", "type", "occurredAt", "schemaVersion", "sequence", "object", "data"],
        "additionalProperties": False,
    }


def catalogue_json() -> str:
    """The catalogue as one JSON document: `{schemaVersion, types: {name: {kind, when, schema}}}`."""
    types = {event.name: {"kind": event.kind, "when": event.when, "schema": event.schema()} for event in _TYPES}
    return json.dumps({"schemaVersion": SCHEMA_VERSION, "types": types}, indent=2, sort_keys=True)
