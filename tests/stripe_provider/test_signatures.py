"""Webhook signatures (`stripe_provider.signatures.verify_webhook`), checked against hand-made headers.

See `tests.support.signing`: the headers are computed by hand, not with the SDK under test.
"""

from __future__ import annotations

import time

import pytest

from stripe_provider.signatures import WebhookSignatureError, verify_webhook
from tests.support.signing import OLD_SECRET, SECRET, encode, event, signed, v1


def test_correct_signature_returns_the_event() -> None:
    payload = event()
    body = encode(payload)
    assert verify_webhook(body, signed(body, SECRET), [SECRET]) == payload


def test_forged_signature_is_rejected() -> None:
    body = encode(event())
    with pytest.raises(WebhookSignatureError, match="no signature matches"):
        verify_webhook(body, signed(body, "whsec_attacker"), [SECRET])


def test_tampered_body_is_rejected() -> None:
    body = encode(event())
    header = signed(body, SECRET)
    with pytest.raises(WebhookSignatureError, match="no signature matches"):
        verify_webhook(body.replace(b"customer.created", b"customer.deleted"), header, [SECRET])


@pytest.mark.parametrize("header", [None, ""], ids=["absent", "empty"])
def test_missing_header_is_rejected(header: str | None) -> None:
    with pytest.raises(WebhookSignatureError, match="missing Stripe-Signature"):
        verify_webhook(encode(event()), header, [SECRET])


@pytest.mark.parametrize("header", ["garbage", "t=notanumber,v1=abc", "t=123", "v1=abc"])
def test_malformed_header_is_rejected(header: str) -> None:
    with pytest.raises(WebhookSignatureError):
        verify_webhook(encode(event()), header, [SECRET])


def test_signature_301_seconds_old_is_rejected() -> None:
    body = encode(event())
    header = signed(body, SECRET, timestamp=int(time.time()) - 301)
    with pytest.raises(WebhookSignatureError, match="more than 300 s old"):
        verify_webhook(body, header, [SECRET])


def test_signature_just_inside_the_tolerance_is_accepted() -> None:
    body = encode(event())
    assert verify_webhook(body, signed(body, SECRET, timestamp=int(time.time()) - 290), [SECRET])["id"]


def test_any_of_two_configured_secrets_is_accepted() -> None:
    body = encode(event())
    assert verify_webhook(body, signed(body, OLD_SECRET), [SECRET, OLD_SECRET])["id"]
    assert verify_webhook(body, signed(body, SECRET), [OLD_SECRET, SECRET])["id"]


def test_header_with_old_and_new_signature_is_accepted() -> None:
    # During a rotation Stripe signs with both secrets; the gateway may know only the new one.
    body = encode(event())
    header = signed(body, OLD_SECRET, SECRET)
    assert header.count("v1=") == 2
    assert verify_webhook(body, header, [SECRET])["id"]
    assert verify_webhook(body, header, [OLD_SECRET])["id"]


def test_no_configured_secret_rejects_everything() -> None:
    body = encode(event())
    with pytest.raises(WebhookSignatureError, match="no webhook secret"):
        verify_webhook(body, signed(body, SECRET), [])


@pytest.mark.parametrize(
    "body",
    [b"not json", b"[1, 2]", b'{"id": "evt_1"}', b'{"id": "evt_1", "type": "x", "created": "soon"}', b"\xff\xfe"],
    ids=["not-json", "array", "no-type", "bad-created", "not-utf8"],
)
def test_signed_body_that_is_not_an_event_is_rejected(body: bytes) -> None:
    with pytest.raises(WebhookSignatureError):
        verify_webhook(body, f"t={int(time.time())},v1={v1(SECRET, int(time.time()), body)}", [SECRET])


def test_error_messages_never_contain_the_secret_or_payload() -> None:
    payload = event(data={"object": {"card": {"last4": "4242"}}})
    body = encode(payload)
    for header in (signed(body, "whsec_other"), signed(body, SECRET, timestamp=1)):
        with pytest.raises(WebhookSignatureError) as caught:
            verify_webhook(body, header, [SECRET])
        assert SECRET not in str(caught.value)
        assert "4242" not in str(caught.value)
