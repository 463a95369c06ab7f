"""Stripe webhook signatures: `verify_webhook` checks a `Stripe-Signature` header and returns the event.

Beside `stripe_provider.adapter` the one other module that imports `stripe`: it uses the SDK's
own header check (`stripe.WebhookSignature`), so the rules are Stripe's.

Exceptions:

    WebhookSignatureError    a webhook body that must not be trusted
"""

from __future__ import annotations

import json
from typing import Any, cast

import stripe

__all__ = ["WebhookSignatureError", "verify_webhook"]


class WebhookSignatureError(Exception):
    """A webhook request that must not be trusted: no, a forged or an expired signature, or a body
    that is not a Stripe event. The message says which, and never contains the secret or payload."""


def verify_webhook(
    payload: bytes, signature_header: str | None, secrets: list[str], tolerance: int = 300
) -> dict[str, Any]:
    """Check a `Stripe-Signature` header on the raw body against every configured secret; return the event.

    Stripe signs `f"{t}.{body}"` with HMAC-SHA256 per endpoint secret. During a secret
    rotation the header carries one `v1=` value per live secret, and the gateway may be
    configured with both the old and the new secret: the request is genuine when ANY
    configured secret matches ANY `v1` value. The timestamp must be at most `tolerance`
    seconds old (replay protection). Raises `WebhookSignatureError` otherwise.
    """
    if not signature_header:
        raise WebhookSignatureError("missing Stripe-Signature header")
    usable = [secret for secret in secrets if secret.strip()]
    if not usable:
        # A misconfiguration, but refusing is the only safe answer: we cannot tell forged from genuine.
        raise WebhookSignatureError("no webhook secret is configured")
    expired = False
    for secret in usable:
        try:
            stripe.WebhookSignature.verify_header(payload, signature_header, secret, tolerance=tolerance)
        except stripe.SignatureVerificationError as exc:
            # The SDK checks the signature before the age, so a tolerance failure means this
            # secret DID sign the body: remember it to give the sender the accurate reason.
            expired = expired or "tolerance" in str(exc)
            continue
        except UnicodeDecodeError:
            raise WebhookSignatureError("the body is not UTF-8") from None
        break
    else:
        if expired:
            raise WebhookSignatureError(f"the signature timestamp is more than {tolerance} s old")
        raise WebhookSignatureError("no signature matches a configured webhook secret")
    try:
        event: Any = json.loads(payload)
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise WebhookSignatureError("the body is not valid JSON") from None
    if not (
        isinstance(event, dict)
        and isinstance(event.get("id"), str)
        and event["id"]
        and isinstance(event.get("type"), str)
        and event["type"]
        and isinstance(event.get("created"), int)
        and not isinstance(event.get("created"), bool)
    ):
        raise WebhookSignatureError("the body is not a Stripe event (needs string `id`, `type`, integer `created`)")
    return cast("dict[str, Any]", event)
