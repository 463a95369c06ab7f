"""Faults an emulator cannot produce, mocked only at the HTTP layer.

A tiny HTTP/1.1 server (asyncio streams, on 127.0.0.1 and a free port, in the test's
own event loop) plays Stripe: it answers 5xx, 429, 409, 4xx error bodies, hangs, or
drops the connection, and records every request it saw. The adapter under test is the
real one with its real SDK and httpx stack, pointed at that server.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable
from typing import Any

import pytest

from base.settings import Settings
from stripe_provider.adapter import STRIPE_API_VERSION, StripeAdapter, last_stripe_request_id
from stripe_provider.provider_errors import ProviderError
from tests.support.http_server import Seen
from tests.support.stripe_double import API_KEY, Action, Behaviour, Drop, FaultServer, Hang, Reply, run, stripe_double

MARGIN_SECONDS = 1.0


def error_body(type_: str, message: str, **extra: str) -> dict[str, Any]:
    return {"error": {"type": type_, "message": message, **extra}}


def always(action: Action) -> Behaviour:
    return lambda number, seen: action


def numbered(status: int, body: object) -> Behaviour:
    """`status` every time, with a distinct Request-Id per request."""
    return lambda number, seen: Reply(status, body, {"Request-Id": f"req_{number}"})


async def failure(call: Awaitable[Any]) -> tuple[ProviderError, float]:
    started = time.monotonic()
    with pytest.raises(ProviderError) as caught:
        await call
    return caught.value, time.monotonic() - started


CUSTOMER = {"id": "cus_ok", "object": "customer", "email": "a@example.com", "metadata": {}}


def posts_fail(status: int, body: object, listed: list[dict[str, Any]] | None = None) -> Behaviour:
    """POSTs answer `status` (numbered Request-Ids); the look-ups between tries list `listed`."""

    def behaviour(number: int, seen: Seen) -> Action:
        if seen.method == "GET":
            return Reply(200, {"object": "list", "data": listed or [], "has_more": False})
        return Reply(status, body, {"Request-Id": f"req_{number}"})

    return behaviour


def posts(server: FaultServer) -> list[Seen]:
    return [seen for seen in server.requests if seen.method == "POST"]


def test_5xx_is_retried_with_the_same_idempotency_key_then_unavailable() -> None:
    async def main() -> None:
        async with stripe_double(posts_fail(500, error_body("api_error", "Something went wrong"))) as (
            server,
            adapter,
        ):
            error, elapsed = await failure(
                adapter.create_customer(email="a@example.com", name=None, metadata={}, idempotency_key="idem-500")
            )
            assert last_stripe_request_id.get() == "req_4"
        # The first try + stripe_max_retries, each retry after looking for the tagged customer.
        assert [seen.method for seen in server.requests] == ["POST", "GET", "POST", "GET", "POST"]
        assert {seen.headers["idempotency-key"] for seen in posts(server)} == {"idem-500"}
        assert {seen.headers["stripe-version"] for seen in server.requests} == {STRIPE_API_VERSION}
        assert all(seen.path == "/v1/customers" for seen in posts(server))
        assert all(seen.path.startswith("/v1/customers?") for seen in server.requests if seen.method == "GET")
        assert error.code == "PROVIDER_UNAVAILABLE"
        assert error.transient
        assert error.http_status == 500
        assert error.request_id == "req_4"
        assert elapsed < 5.0 + MARGIN_SECONDS

    run(main)


def test_a_create_that_timed_out_but_happened_is_adopted_not_repeated() -> None:
    made = {**CUSTOMER, "id": "cus_made", "metadata": {"bgw_attempt": "idem-held", "plan": "gold"}}
    other = {**CUSTOMER, "id": "cus_other", "metadata": {"bgw_attempt": "another-key"}}

    def behaviour(number: int, seen: Seen) -> Action:
        if seen.method == "POST":
            return Hang()  # Stripe made the customer; its answer never arrives
        return Reply(200, {"object": "list", "data": [other, made], "has_more": False})

    async def main() -> None:
        async with stripe_double(behaviour, stripe_timeout_seconds=3.0) as (server, adapter):
            customer = await adapter.create_customer(
                email="a@example.com", name=None, metadata={"plan": "gold"}, idempotency_key="idem-held"
            )
        assert customer["id"] == "cus_made"
        assert [seen.method for seen in server.requests] == ["POST", "GET"]
        assert b"metadata[bgw_attempt]=idem-held" in posts(server)[0].body.replace(b"%5B", b"[").replace(b"%5D", b"]")

    run(main)


def test_a_resumed_attempt_looks_before_it_creates() -> None:
    made = {"id": "re_made", "object": "refund", "amount": 300, "metadata": {"bgw_attempt": "idem-resumed"}}

    async def main() -> None:
        async with stripe_double(posts_fail(500, error_body("api_error", "never sent"), [made])) as (server, adapter):
            refund = await adapter.create_refund(
                payment_intent="pi_1", amount=300, idempotency_key="idem-resumed", resumed=True
            )
            assert refund["id"] == "re_made"
            # The same key for another amount is another request: refused like Stripe's idempotency_error.
            error, _ = await failure(
                adapter.create_refund(payment_intent="pi_1", amount=500, idempotency_key="idem-resumed", resumed=True)
            )
            assert error.code == "PROVIDER_ERROR"
        assert posts(server) == []
        assert all("payment_intent=pi_1" in seen.path for seen in server.requests)

    run(main)


def test_a_failed_look_up_does_not_create_again() -> None:
    async def main() -> None:
        async with stripe_double(numbered(503, error_body("api_error", "Down"))) as (server, adapter):
            error, _ = await failure(
                adapter.create_customer(email="a@example.com", name=None, metadata={}, idempotency_key="idem-blind")
            )
        assert error.code == "PROVIDER_UNAVAILABLE"
        # One POST, then look-ups only (the SDK retries a read): never a second POST without knowing.
        assert len(posts(server)) == 1
        assert {seen.method for seen in server.requests[1:]} == {"GET"}

    run(main)


def test_sdk_generated_idempotency_key_is_reused_on_retries() -> None:
    async def main() -> None:
        async with stripe_double(always(Reply(503, error_body("api_error", "Down")))) as (server, adapter):
            await failure(adapter.call("customers", "create", params={"email": "a@example.com"}))
        keys = {seen.headers.get("idempotency-key") for seen in server.requests}
        assert len(server.requests) == 3
        assert len(keys) == 1
        assert None not in keys

    run(main)


def test_5xx_then_success_returns_the_object() -> None:
    def behaviour(number: int, seen: Seen) -> Action:
        if number == 0:
            return Reply(503, error_body("api_error", "Try again"), {"Request-Id": "req_fail"})
        if seen.method == "GET":
            return Reply(200, {"object": "list", "data": [], "has_more": False})
        return Reply(200, CUSTOMER, {"Request-Id": "req_ok", "Idempotency-Key": seen.headers["idempotency-key"]})

    async def main() -> None:
        async with stripe_double(behaviour) as (server, adapter):
            customer = await adapter.create_customer(
                email="a@example.com", name=None, metadata={}, idempotency_key="idem-flaky"
            )
            assert last_stripe_request_id.get() == "req_ok"
        assert customer == CUSTOMER
        assert type(customer) is dict
        assert [seen.headers["idempotency-key"] for seen in posts(server)] == ["idem-flaky", "idem-flaky"]

    run(main)


def test_dropped_connections_are_retried_then_unavailable() -> None:
    async def main() -> None:
        async with stripe_double(always(Drop())) as (server, adapter):
            error, elapsed = await failure(
                adapter.attach_payment_method("pm_1", customer="cus_1", idempotency_key="idem-drop")
            )
        assert len(server.requests) == 3
        assert {seen.headers["idempotency-key"] for seen in server.requests} == {"idem-drop"}
        assert server.requests[0].path == "/v1/payment_methods/pm_1/attach"
        assert server.requests[0].body == b"customer=cus_1"
        assert error.code == "PROVIDER_UNAVAILABLE"
        assert error.transient
        assert error.http_status is None
        assert elapsed < 5.0 + MARGIN_SECONDS

    run(main)


def test_hanging_stripe_gives_up_within_the_deadline() -> None:
    deadline = 1.5

    async def main() -> None:
        async with stripe_double(always(Hang()), stripe_timeout_seconds=deadline) as (server, adapter):
            error, elapsed = await failure(
                adapter.create_customer(email="a@example.com", name=None, metadata={}, idempotency_key="idem-hang")
            )
        assert error.code == "PROVIDER_UNAVAILABLE"
        assert error.transient
        assert elapsed < deadline + MARGIN_SECONDS
        # Each attempt gets a share of the deadline, so a hung first attempt still leaves room to look
        # for what it may have created (the look-up hangs too: no second POST without knowing).
        assert [seen.method for seen in server.requests[:2]] == ["POST", "GET"]
        assert {seen.headers["idempotency-key"] for seen in posts(server)} == {"idem-hang"}

    run(main)


def test_hanging_stripe_without_retries_gives_up_within_the_deadline() -> None:
    async def main() -> None:
        async with stripe_double(always(Hang()), stripe_timeout_seconds=1.0, stripe_max_retries=0) as (
            server,
            adapter,
        ):
            error, elapsed = await failure(adapter.call("customers", "retrieve", "cus_1"))
        assert len(server.requests) == 1
        assert error.code == "PROVIDER_UNAVAILABLE"
        assert error.transient
        assert elapsed < 1.0 + MARGIN_SECONDS

    run(main)


def test_429_is_unavailable_and_not_retried_unless_stripe_says_so() -> None:
    body = error_body("invalid_request_error", "Too many requests", code="rate_limit")

    async def main() -> None:
        async with stripe_double(numbered(429, body)) as (server, adapter):
            error, _ = await failure(adapter.call("customers", "create", params={}, idempotency_key="idem-429"))
        assert len(server.requests) == 1
        assert error.code == "PROVIDER_UNAVAILABLE"
        assert error.transient
        assert error.http_status == 429

        retry = always(Reply(429, body, {"Stripe-Should-Retry": "true"}))
        async with stripe_double(retry) as (server, adapter):
            error, elapsed = await failure(
                adapter.call("customers", "create", params={}, idempotency_key="idem-429-retry")
            )
        assert len(server.requests) == 3
        assert {seen.headers["idempotency-key"] for seen in server.requests} == {"idem-429-retry"}
        assert error.code == "PROVIDER_UNAVAILABLE"
        assert elapsed < 5.0 + MARGIN_SECONDS

    run(main)


def test_409_concurrent_idempotent_request_is_retried_then_unavailable() -> None:
    body = error_body("idempotency_error", "There is currently another in-progress request using this key")

    async def main() -> None:
        async with stripe_double(always(Reply(409, body))) as (server, adapter):
            error, _ = await failure(adapter.call("customers", "create", params={}, idempotency_key="idem-409"))
        assert len(server.requests) == 3
        assert error.code == "PROVIDER_UNAVAILABLE"
        assert error.transient

    run(main)


@pytest.mark.parametrize(
    ("error", "code", "decline_code", "param"),
    [
        (
            {
                "code": "card_declined",
                "decline_code": "insufficient_funds",
                "message": "Your card has insufficient funds.",
            },
            "CARD_DECLINED",
            "insufficient_funds",
            None,
        ),
        (
            {"code": "expired_card", "message": "Your card has expired.", "param": "exp_month"},
            "CARD_DECLINED",
            "expired_card",
            "exp_month",
        ),
        (
            {"code": "incorrect_cvc", "message": "Your card's security code is incorrect.", "param": "cvc"},
            "CARD_DECLINED",
            "incorrect_cvc",
            "cvc",
        ),
        (
            {"code": "processing_error", "message": "An error occurred while processing your card."},
            "PAYMENT_FAILED",
            "processing_error",
            None,
        ),
    ],
)
def test_402_card_errors(error: dict[str, str], code: str, decline_code: str, param: str | None) -> None:
    body = {"error": {"type": "card_error", **error}}

    async def main() -> None:
        async with stripe_double(always(Reply(402, body, {"Request-Id": "req_card"}))) as (server, adapter):
            failed, _ = await failure(
                adapter.call("payment_intents", "confirm", "pi_1", params={}, idempotency_key="k")
            )
            assert last_stripe_request_id.get() == "req_card"
        assert len(server.requests) == 1  # a decline is an answer, not a fault: never retried
        assert failed.code == code
        assert failed.decline_code == decline_code
        assert failed.stripe_code == error["code"]
        assert failed.param == param
        assert failed.message == error["message"]
        assert failed.request_id == "req_card"
        assert failed.http_status == 402
        assert not failed.transient

    run(main)


def test_401_is_provider_error_and_never_leaks_the_key(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    body = error_body("invalid_request_error", f"Invalid API Key provided: {API_KEY}")

    async def main() -> None:
        async with stripe_double(always(Reply(401, body, {"Request-Id": "req_401"}))) as (server, adapter):
            error, _ = await failure(adapter.call("customers", "retrieve", "cus_1"))
        assert server.requests[0].headers["authorization"] == f"Bearer {API_KEY}"
        assert len(server.requests) == 1
        assert error.code == "PROVIDER_ERROR"
        assert not error.transient
        assert error.http_status == 401
        assert error.request_id == "req_401"
        assert API_KEY not in error.message
        assert API_KEY not in repr(error)

    run(main)
    assert API_KEY not in caplog.text


@pytest.mark.parametrize(
    ("status", "body", "code"),
    [
        (403, error_body("invalid_request_error", "The provided key does not have access"), "PROVIDER_ERROR"),
        (
            400,
            error_body("idempotency_error", "Keys for idempotent requests can only be used with the same parameters"),
            "PROVIDER_ERROR",
        ),
        (
            404,
            error_body("invalid_request_error", "No such customer: 'cus_1'", code="resource_missing", param="id"),
            "NOT_FOUND",
        ),
        (
            400,
            error_body(
                "invalid_request_error", "Missing required param: email.", code="parameter_missing", param="email"
            ),
            "VALIDATION_FAILED",
        ),
        (200, b"<html>not json</html>", "PROVIDER_ERROR"),
    ],
)
def test_other_answers_are_mapped_without_retry(status: int, body: object, code: str) -> None:
    async def main() -> None:
        async with stripe_double(always(Reply(status, body))) as (server, adapter):
            error, _ = await failure(adapter.call("customers", "retrieve", "cus_1"))
        assert len(server.requests) == 1
        assert error.code == code
        assert not error.transient
        assert error.http_status == status
        if isinstance(body, dict) and "param" in body["error"]:
            assert error.param == body["error"]["param"]
        if code in ("NOT_FOUND", "VALIDATION_FAILED"):
            assert isinstance(body, dict)
            assert error.message == body["error"]["message"]

    run(main)


def test_502_html_from_a_proxy_is_retried_then_unavailable() -> None:
    async def main() -> None:
        async with stripe_double(always(Reply(502, b"<html>Bad Gateway</html>"))) as (server, adapter):
            error, _ = await failure(adapter.call("customers", "retrieve", "cus_1"))
        assert len(server.requests) == 3
        assert error.code == "PROVIDER_UNAVAILABLE"
        assert error.http_status == 502

    run(main)


def test_messages_and_logs_never_carry_card_numbers_or_secrets(caplog: pytest.LogCaptureFixture) -> None:
    # Even with every logger at DEBUG, neither our logs nor the SDK's show request bodies.
    caplog.set_level(logging.DEBUG)
    body = error_body(
        "invalid_request_error",
        "Invalid card 4000 0000 0000 0002 for key sk_live_abcdef and whsec_xyz",
        code="parameter_invalid_integer",
        param="card[number]",
    )
    card = {"number": "4000000000000002", "exp_month": 12, "exp_year": 2030, "cvc": "123"}

    async def main() -> None:
        async with stripe_double(always(Reply(400, body, {"Request-Id": "req_redact"}))) as (server, adapter):
            error, _ = await failure(
                adapter.call("payment_methods", "create", params={"type": "card", "card": card}, idempotency_key="k-r")
            )
        assert b"4000000000000002" in server.requests[0].body  # it was sent ...
        assert error.code == "VALIDATION_FAILED"
        assert error.param == "card[number]"
        for secret in ("4000 0000 0000 0002", "sk_live_abcdef", "whsec_xyz"):
            assert secret not in error.message  # ... but never repeated back
        assert "[redacted]" in error.message

    run(main)
    for secret in ("4000000000000002", "4000 0000 0000 0002", "sk_live_abcdef", API_KEY):
        assert secret not in caplog.text
    ours = [r for r in caplog.records if r.name == "gateway.stripe"]
    assert ours
    assert ours[-1].stripe_request_id == "req_redact"  # type: ignore[attr-defined]
    assert ours[-1].stripe_idempotency_key == "k-r"  # type: ignore[attr-defined]
    assert "req_redact" in ours[-1].getMessage()
    assert "k-r" in ours[-1].getMessage()


def test_ping_gives_up_after_two_seconds_without_retrying() -> None:
    async def main() -> None:
        async with stripe_double(always(Hang()), stripe_timeout_seconds=30.0) as (server, adapter):
            error, elapsed = await failure(adapter.ping())
        assert len(server.requests) == 1
        assert server.requests[0].path == "/v1/customers?limit=1"
        assert error.code == "PROVIDER_UNAVAILABLE"
        assert elapsed < 2.0 + MARGIN_SECONDS

    run(main)


def test_ping_against_nothing_listening_is_unavailable() -> None:
    async def main() -> None:
        async with FaultServer(always(Drop())) as server:
            base = server.base_url  # a port that was free a moment ago and is closed now
        adapter = StripeAdapter(Settings(_env_file=None, stripe_api_key=API_KEY, stripe_api_base=base))  # type: ignore[call-arg]
        try:
            error, elapsed = await failure(adapter.ping())
        finally:
            await adapter.aclose()
        assert error.code == "PROVIDER_UNAVAILABLE"
        assert error.transient
        assert elapsed < 2.0 + MARGIN_SECONDS

    run(main)


def test_ping_succeeds_quietly() -> None:
    page = {"object": "list", "data": [], "has_more": False, "url": "/v1/customers"}

    async def main() -> None:
        async with stripe_double(always(Reply(200, page, {"Request-Id": "req_ping"}))) as (server, adapter):
            await adapter.ping()
            assert last_stripe_request_id.get() == "req_ping"
        assert len(server.requests) == 1

    run(main)
