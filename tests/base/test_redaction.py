"""Redaction: the pure patterns of `base.redaction`, and real log lines through `configure_logging`."""

from __future__ import annotations

import io
import json
import logging
import re
from collections.abc import Callable, Iterator

import pytest
import structlog
from hypothesis import given, settings
from hypothesis import strategies as st

from base.logs import configure_logging
from base.redaction import (
    REDACTED,
    REDACTED_JWT,
    REDACTED_PAN,
    card_number_spans,
    is_secret_key,
    luhn_valid,
    may_hold_secret,
    redact,
    redact_value,
)
from base.settings import Settings

# Built at run time: no literal secret sits in the source for a scanner to trip on.
SECRET_PART = "Q" * 20 + "-x_" + "9" * 20
API_KEY = "bgk_0a1b2c3d_" + SECRET_PART
JWT = (
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9"
    + ".eyJzdWIiOiIxMjMiLCJqdGkiOiJhYmMifQ"
    + ".c2lnbmF0dXJlLW9mLXRoZS10b2tlbi1oZXJl"
)
WEBHOOK_SECRET = "whsec_" + "a1B2c3D4e5F6g7H8"
CARD = "4242" * 4


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (f"Authorization: Bearer {API_KEY}", "Authorization: Bearer bgk_0a1b2c3d_[REDACTED]"),
        (f"key={API_KEY}.", "key=bgk_0a1b2c3d_[REDACTED]."),
        ("a forged key bgk_not-a-key", "a forged key bgk_[REDACTED]"),
        (f"token {JWT} end", f"token {REDACTED_JWT} end"),
        (f"Authorization: Bearer {JWT}", f"Authorization: Bearer {REDACTED_JWT}"),
        (f"STRIPE_WEBHOOK_SECRET={WEBHOOK_SECRET}", "STRIPE_WEBHOOK_SECRET=whsec_[REDACTED]"),
        (
            "keys sk_test_gateway, sk_live_51Habc and rk_test_9x",
            "keys sk_test_[REDACTED], sk_live_[REDACTED] and rk_test_[REDACTED]",
        ),
        (
            "secret pi_3Nabc_secret_XYZ123 and seti_1Q_secret_zz",
            "secret pi_3Nabc_secret_[REDACTED] and seti_1Q_secret_[REDACTED]",
        ),
        ("authorization: Basic c2tfdGVzdF9zYW5kYm94Og==", "authorization: Basic [REDACTED]"),
        ('{"Authorization": "Bearer opaque.token-value"}', '{"Authorization": "Bearer [REDACTED]"}'),
        ("bearer abcdefgh12345678", "bearer [REDACTED]"),
        ("gateway_secret='a-signing-secret', port=1", "gateway_secret='[REDACTED]', port=1"),
        ("password: hunter22", "password: [REDACTED]"),
        ("postgres://user:pw@127.0.0.1:5432/db", "postgres://user:[REDACTED]@127.0.0.1:5432/db"),
        ("redis://:pw@127.0.0.1:6379/0", "redis://:[REDACTED]@127.0.0.1:6379/0"),
        (f"card {CARD}.", f"card {REDACTED_PAN}."),
        ("card 4242 4242 4242 4242 exp 12/30", f"card {REDACTED_PAN} exp 12/30"),
        ("card 4000-0566-5566-5556", f"card {REDACTED_PAN}"),
        ("amex 3782 822463 10005", f"amex {REDACTED_PAN}"),
        ("visa13 4222222222222", f"visa13 {REDACTED_PAN}"),
        ('"number": "5555555555554444"', f'"number": "{REDACTED_PAN}"'),
    ],
)
def test_secrets_are_redacted(text: str, expected: str) -> None:
    assert redact(text) == expected
    # Idempotent: redacting twice changes nothing more.
    assert redact(expected) == expected


@pytest.mark.parametrize(
    "text",
    [
        "api key bgk_0a1b2c3d (public prefix only)",
        "uuid 0196a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b and 01960123-4567-7123-8123-123456789012",
        "at 2026-01-31T12:00:00.123456+00:00 amount=123456 currency=usd",
        "ids cus_4242424242424242 pi_3NabcDEF price_1234567890123",
        "not Luhn-valid 4242424242424241, too long 42424242424242424242, zeros 0000000000000",
        "idempotency_key=bgw-5f2c9a0e1b7d4c3a8e6f0a1b2c3d4e5f6a7b8c9d0e1f2a3b",
        "expected 'Authorization: Bearer <token>'",
        "a Bearer token is required",
        "created 1767225600 duration_ms=12",
        "GET http://127.0.0.1:8420/v1/customers?limit=2 and postgres://postgres@127.0.0.1:5432/bgw",
        "request_id=9f1c2e3d4b5a69788796a5b4c3d2e1f0 principal=api_key:0196a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b",
    ],
)
def test_ordinary_text_is_left_alone(text: str) -> None:
    assert redact(text) == text


def test_luhn() -> None:
    assert luhn_valid("4242424242424242")
    assert luhn_valid("378282246310005")
    assert not luhn_valid("4242424242424241")
    assert not luhn_valid("4242-4242")


def test_card_spans_cover_the_whole_printed_number() -> None:
    text = "pay 4242 4242 4242 4242 now"
    [(start, end)] = card_number_spans(text)
    assert text[start:end] == "4242 4242 4242 4242"
    # UUID groups (8-4-4-4-12) never pass for a card, even all digits.
    assert card_number_spans("12345678-1234-1234-1234-123456789012") == []


def test_redact_value_walks_structures_and_drops_credential_keys() -> None:
    value = {
        "event": f"calling with {API_KEY}",
        "nested": [{"card": CARD}, ("x", JWT)],
        "client_secret": "anything at all",
        "Authorization": "Bearer whatever",
        "session_token": "opaque",
        "amount": 4242,
    }
    assert redact_value(value) == {
        "event": "calling with bgk_0a1b2c3d_[REDACTED]",
        "nested": [{"card": REDACTED_PAN}, ("x", REDACTED_JWT)],
        "client_secret": REDACTED,
        "Authorization": REDACTED,
        "session_token": REDACTED,
        "amount": 4242,
    }
    assert is_secret_key("webhook_secret") and not is_secret_key("idempotency_key")


# --- real log lines ---------------------------------------------------------------------------------------


@pytest.fixture
def captured_logging() -> Iterator[Callable[[bool], io.StringIO]]:
    """`configure(production) -> stream`: `configure_logging` for real, its handler writing to a buffer.

    The root logger and structlog are restored afterwards (pytest's own handlers included).
    """
    root = logging.getLogger()
    saved_handlers, saved_level = root.handlers[:], root.level

    def configure(production: bool) -> io.StringIO:
        settings = Settings(_env_file=None, gateway_env="production" if production else "test")  # type: ignore[call-arg]
        configure_logging(settings)
        stream = io.StringIO()
        [handler] = root.handlers
        assert isinstance(handler, logging.StreamHandler)
        handler.setStream(stream)
        return stream

    try:
        yield configure
    finally:
        root.handlers[:] = saved_handlers
        root.setLevel(saved_level)
        structlog.reset_defaults()
        structlog.contextvars.clear_contextvars()


def _log_everything() -> None:
    log = logging.getLogger("gateway.test_redaction")
    with structlog.contextvars.bound_contextvars(request_id="req-1", principal="api_key:k1", idempotency_key="idem-1"):
        log.info(
            "auth header Authorization: Bearer %s card %s hook %s",
            API_KEY,
            CARD,
            WEBHOOK_SECRET,
            extra={"stripe_request_id": "req_stripe_1"},
        )
        try:
            raise ValueError(f"bad token {JWT} for card {CARD}")
        except ValueError:
            log.exception("request failed")
        structlog.get_logger("gateway.native").info("native", token=JWT, note=f"key {API_KEY}", card=CARD)


def _assert_no_secret(output: str) -> None:
    for secret in (SECRET_PART, JWT, WEBHOOK_SECRET, CARD):
        assert secret not in output


def test_production_lines_are_json_with_context_and_nothing_secret(
    captured_logging: Callable[[bool], io.StringIO],
) -> None:
    stream = captured_logging(True)
    _log_everything()
    output = stream.getvalue()
    _assert_no_secret(output)
    lines = [json.loads(line) for line in output.splitlines()]
    first, failure, native = lines
    assert first["event"] == (
        "auth header Authorization: Bearer bgk_0a1b2c3d_[REDACTED] card [REDACTED_PAN] hook whsec_[REDACTED]"
    )
    assert first["request_id"] == "req-1" and first["principal"] == "api_key:k1"
    assert first["idempotency_key"] == "idem-1" and first["stripe_request_id"] == "req_stripe_1"
    assert first["level"] == "info" and first["logger"] == "gateway.test_redaction" and first["timestamp"]
    # The traceback is kept, as text, and redacted like the rest.
    assert "Traceback" in failure["exception"] and "ValueError: bad token [REDACTED_JWT]" in failure["exception"]
    assert native["token"] == REDACTED and native["note"] == "key bgk_0a1b2c3d_[REDACTED]"
    assert native["card"] == REDACTED_PAN


def test_console_lines_are_redacted_too(captured_logging: Callable[[bool], io.StringIO]) -> None:
    stream = captured_logging(False)
    _log_everything()
    output = stream.getvalue()
    _assert_no_secret(output)
    assert "Bearer bgk_0a1b2c3d_[REDACTED]" in output and "request_id=req-1" in output
    assert "stripe_request_id=req_stripe_1" in output
    assert "Traceback" in output and "ValueError: bad token [REDACTED_JWT] for card [REDACTED_PAN]" in output
    with pytest.raises(json.JSONDecodeError):
        json.loads(output.splitlines()[0])


def test_decimal_measurements_are_not_card_numbers() -> None:
    # The 15 digits after the point pass the Luhn check: a float's fraction is still no card.
    assert card_number_spans("took 23.709466999662254 ms, 4242424242424242.0 s") == []
    assert card_number_spans("card 4242424242424242.") == [(5, 21)]


_EARLIER_PREFILTER = re.compile(
    r"(?i)bgk_|eyJ|whsec_|[sr]k_|secret|passw|api_?key|authorization|bearer|://|\d(?:[ -]?\d){12}"
)
"""The one-regex prefilter `may_hold_secret` replaced (decision 0067): it must never let through what this caught."""


@settings(max_examples=2000, deadline=None)
@given(
    st.text(
        alphabet=st.sampled_from(list("bgkeyJwhsc_rtpaiondBEARK\u017f:/ -0123456789xX\u212a\u0131\u0130")),
        max_size=40,
    )
)
def test_the_prefilter_scans_everything_the_earlier_one_scanned(text: str) -> None:
    if _EARLIER_PREFILTER.search(text) is not None:
        assert may_hold_secret(text), text


def test_the_prefilter_folds_case_like_the_patterns() -> None:
    # `(?i)` matches the long s as `s`: lower() would not fold it, casefold() does.
    assert may_hold_secret("\u017fecret=abc")
    assert may_hold_secret("4242 4242 4242 4242")
    assert not may_hold_secret("POST /graphql 200 1.23 ms")
