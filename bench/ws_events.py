"""Signed Stripe webhook deliveries for benchmarks 4-6, built from Stripe's own example objects.

Bodies are `tests/fixtures/stripe/fixtures.json` objects (Stripe's OpenAPI fixtures, so
the size and shape are those of real events) with fresh ids; signatures follow Stripe's
scheme, `Stripe-Signature: t=<unix>,v1=HMAC_SHA256(secret, "<t>.<body>")`.
"""

from __future__ import annotations

import copy
import functools
import hashlib
import hmac
import json
import time
import uuid
from pathlib import Path
from typing import Any, Final

__all__ = [
    "FIXTURES",
    "WEBHOOK_PATH",
    "customer_event",
    "payment_intent_event",
    "sign",
    "signed_delivery",
]

FIXTURES: Final = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "stripe" / "fixtures.json"
WEBHOOK_PATH: Final = "/webhooks/stripe"


@functools.cache
def _resources() -> dict[str, Any]:
    resources: dict[str, Any] = json.loads(FIXTURES.read_text())["resources"]
    return resources


def _event(event_type: str, obj: dict[str, Any], created: int | None) -> dict[str, Any]:
    event: dict[str, Any] = copy.deepcopy(_resources()["event"])
    event["id"] = f"evt_{uuid.uuid4().hex}"
    event["type"] = event_type
    event["created"] = int(time.time()) if created is None else created
    event["data"] = {"object": obj}
    return event


def customer_event(stripe_id: str, *, email: str = "bench@example.com", created: int | None = None) -> dict[str, Any]:
    """`customer.created` for a customer new to the mirror (the worker needs no Stripe call for it)."""
    obj: dict[str, Any] = copy.deepcopy(_resources()["customer"])
    obj.update(id=stripe_id, email=email, name="Bench Customer", created=int(time.time()), metadata={})
    obj["invoice_settings"]["default_payment_method"] = None
    return _event("customer.created", obj, created)


def payment_intent_event(
    customer_stripe_id: str | None,
    *,
    intent_id: str | None = None,
    amount: int = 1099,
    status: str = "succeeded",
    created: int | None = None,
) -> dict[str, Any]:
    """`payment_intent.<status>` of a PaymentIntent (new unless `intent_id` is given) of a mirrored customer."""
    obj: dict[str, Any] = copy.deepcopy(_resources()["payment_intent"])
    obj.update(
        id=intent_id or f"pi_{uuid.uuid4().hex[:24]}",
        customer=customer_stripe_id,
        amount=amount,
        amount_received=amount if status == "succeeded" else 0,
        status=status,
        created=int(time.time()),
        last_payment_error=None,
        canceled_at=None,
    )
    return _event(f"payment_intent.{status}", obj, created)


def sign(body: bytes, secret: str, timestamp: int | None = None) -> str:
    """The `Stripe-Signature` header value of `body`."""
    t = int(time.time()) if timestamp is None else timestamp
    digest = hmac.new(secret.encode(), f"{t}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={t},v1={digest}"


def signed_delivery(event: dict[str, Any], secret: str) -> tuple[bytes, dict[str, str]]:
    """(body, headers) of one delivery of `event`, as Stripe would POST it."""
    body = json.dumps(event, separators=(",", ":")).encode()
    headers = {"Content-Type": "application/json; charset=utf-8", "Stripe-Signature": sign(body, secret)}
    return body, headers
