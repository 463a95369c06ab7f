"""Hand-made Stripe webhook deliveries: minimal events and `Stripe-Signature` headers.

Signatures are computed here (`t=…,v1=HMAC_SHA256(secret, f"{t}.{body}")`, as Stripe
documents it), not with the SDK that the gateway's check uses.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import uuid
from typing import Any

SECRET = "whsec_unit_current"
OLD_SECRET = "whsec_unit_previous"


def event(event_type: str = "customer.created", **extra: Any) -> dict[str, Any]:
    """A minimal Stripe event with a unique id."""
    return {
        "id": f"evt_{uuid.uuid4().hex}",
        "object": "event",
        "type": event_type,
        "created": int(time.time()),
        "livemode": False,
        "api_version": "2026-10-28.endive",
        "data": {"object": {"id": f"cus_{uuid.uuid4().hex[:14]}", "object": "customer"}},
        **extra,
    }


def v1(secret: str, timestamp: int, body: bytes) -> str:
    """Stripe's `v1` scheme: hex HMAC-SHA256 of `"{t}.{body}"` keyed by the secret."""
    return hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()


def signed(body: bytes, *secrets: str, timestamp: int | None = None) -> str:
    """A `Stripe-Signature` header with one `v1` value per secret (two during a rotation)."""
    t = int(time.time()) if timestamp is None else timestamp
    return ",".join([f"t={t}", *(f"v1={v1(secret, t, body)}" for secret in secrets)])


def encode(payload: dict[str, Any]) -> bytes:
    """The delivery's body."""
    return json.dumps(payload).encode()
