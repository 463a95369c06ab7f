"""StripeAdapter against a real localstripe process (started here, on a free port).

Tests are plain functions running their coroutine with `asyncio.run`: the adapter's
pooled HTTP client belongs to one event loop, so each test builds and closes its own.
"""

from __future__ import annotations

import asyncio
import json
import logging
import socket
import subprocess
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest

from base.settings import Settings
from stripe_provider.adapter import STRIPE_API_VERSION, StripeAdapter, last_stripe_request_id
from stripe_provider.provider_errors import ProviderError
from tests.support.localstripe import emulator_command

API_KEY = "sk_test_localstripe"
STARTUP_TIMEOUT_SECONDS = 30.0
T = TypeVar("T")


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture(scope="module")
def localstripe_base(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Base URL of a fresh localstripe; the test fails (never skips) if it cannot start."""
    port = _free_port()
    log_path: Path = tmp_path_factory.mktemp("localstripe") / "localstripe.log"
    with log_path.open("wb") as log:
        # Output goes to a file: a full pipe would block the emulator.
        proc = subprocess.Popen(
            emulator_command(port),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + STARTUP_TIMEOUT_SECONDS
        while True:
            if proc.poll() is not None:
                pytest.fail(f"localstripe exited with {proc.returncode}:\n{log_path.read_text()}")
            try:
                if httpx.get(f"{base}/v1/customers?limit=1", auth=(API_KEY, ""), timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"localstripe did not answer on {base} within {STARTUP_TIMEOUT_SECONDS} s")
            time.sleep(0.1)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)


def _settings(base: str, **overrides: Any) -> Settings:
    values: dict[str, Any] = {"stripe_api_key": API_KEY, "stripe_api_base": base, "stripe_timeout_seconds": 10.0}
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


def _run(base: str, body: Callable[[StripeAdapter], Awaitable[T]], **overrides: Any) -> T:
    async def main() -> T:
        adapter = StripeAdapter(_settings(base, **overrides))
        try:
            return await body(adapter)
        finally:
            await adapter.aclose()

    return asyncio.run(main())


def _create_card(base: str, number: str) -> str:
    """A card PaymentMethod made at the emulator, as Stripe.js would make it in a browser."""
    response = httpx.post(
        f"{base}/v1/payment_methods",
        auth=(API_KEY, ""),
        data={
            "type": "card",
            "card[number]": number,
            "card[exp_month]": "12",
            "card[exp_year]": "2030",
            "card[cvc]": "123",
        },
    )
    response.raise_for_status()
    pm_id: str = response.json()["id"]
    return pm_id


def _key() -> str:
    return f"test-{uuid.uuid4()}"


def _assert_plain_json(value: object) -> None:
    """Only dict/list/str/int/float/bool/None all the way down (no StripeObject)."""
    if isinstance(value, dict):
        assert type(value) is dict
        for key, item in value.items():
            assert isinstance(key, str)
            _assert_plain_json(item)
    elif isinstance(value, list):
        for item in value:
            _assert_plain_json(item)
    else:
        assert value is None or type(value) in (str, int, float, bool), type(value)


def test_adapter_is_pinned_to_the_sdk_api_version(localstripe_base: str, caplog: pytest.LogCaptureFixture) -> None:
    # The adapter warns when the SDK's pinned version and ours diverge.
    caplog.set_level(logging.WARNING, logger="gateway.stripe")

    async def body(adapter: StripeAdapter) -> None:
        await adapter.ping()

    _run(localstripe_base, body)
    assert STRIPE_API_VERSION == "2026-10-28.endive"
    assert not [r for r in caplog.records if "STRIPE_API_VERSION" in r.getMessage()]


def test_create_update_and_retrieve_customer(localstripe_base: str) -> None:
    async def body(adapter: StripeAdapter) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
        created = await adapter.create_customer(
            email="ada@example.com", name="Ada", metadata={"tenant": "t1"}, idempotency_key=_key()
        )
        updated = await adapter.update_customer(
            created["id"], params={"email": "ada@lovelace.dev", "metadata": {"plan": "pro"}}, idempotency_key=_key()
        )
        fetched = await adapter.call("customers", "retrieve", created["id"])
        return created, updated, fetched

    created, updated, fetched = _run(localstripe_base, body)
    assert created["object"] == "customer"
    assert created["id"].startswith("cus_")
    # The created object carries its creating call's idempotency key as a tag (adopted on a retry).
    tag = {"bgw_attempt": created["metadata"]["bgw_attempt"]}
    assert tag["bgw_attempt"].startswith("test-")
    assert (created["email"], created["name"], created["metadata"]) == (
        "ada@example.com",
        "Ada",
        {"tenant": "t1", **tag},
    )
    assert updated["id"] == created["id"]
    assert updated["email"] == "ada@lovelace.dev"
    assert updated["metadata"] == {"tenant": "t1", "plan": "pro", **tag}
    assert fetched == updated
    for value in (created, updated, fetched):
        _assert_plain_json(value)
        assert json.loads(json.dumps(value)) == value


def test_create_customer_without_name_sends_no_name(localstripe_base: str) -> None:
    async def body(adapter: StripeAdapter) -> dict[str, Any]:
        return await adapter.create_customer(email="n@example.com", name=None, metadata={}, idempotency_key=_key())

    customer = _run(localstripe_base, body)
    assert customer["name"] is None
    assert list(customer["metadata"]) == ["bgw_attempt"]


def test_payment_method_attach_set_default_detach(localstripe_base: str) -> None:
    pm_id = _create_card(localstripe_base, "4242424242424242")

    async def body(adapter: StripeAdapter) -> list[dict[str, Any]]:
        customer = await adapter.create_customer(email="pm@example.com", name=None, metadata={}, idempotency_key=_key())
        attached = await adapter.attach_payment_method(pm_id, customer=customer["id"], idempotency_key=_key())
        with_default = await adapter.set_default_payment_method(customer["id"], pm_id, idempotency_key=_key())
        detached = await adapter.detach_payment_method(pm_id, idempotency_key=_key())
        return [customer, attached, with_default, detached]

    customer, attached, with_default, detached = _run(localstripe_base, body)
    assert attached["id"] == pm_id
    assert attached["customer"] == customer["id"]
    assert attached["card"]["last4"] == "4242"
    assert attached["card"]["brand"] == "visa"
    assert with_default["object"] == "customer"
    assert with_default["invoice_settings"]["default_payment_method"] == pm_id
    assert detached["id"] == pm_id
    assert detached["customer"] is None
    _assert_plain_json(with_default)


def test_create_setup_intent(localstripe_base: str) -> None:
    async def body(adapter: StripeAdapter) -> tuple[str, dict[str, Any]]:
        customer = await adapter.create_customer(email="si@example.com", name=None, metadata={}, idempotency_key=_key())
        return customer["id"], await adapter.create_setup_intent(customer=customer["id"], idempotency_key=_key())

    customer_id, intent = _run(localstripe_base, body)
    assert intent["object"] == "setup_intent"
    assert intent["customer"] == customer_id
    assert intent["usage"] == "off_session"
    assert intent["payment_method_types"] == ["card"]
    assert intent["status"] == "requires_payment_method"
    assert intent["client_secret"].startswith(intent["id"] + "_secret_")


def test_missing_objects_are_not_found(localstripe_base: str) -> None:
    async def body(adapter: StripeAdapter) -> list[ProviderError]:
        errors = []
        for call in (
            adapter.call("customers", "retrieve", "cus_doesnotexist"),
            adapter.attach_payment_method("pm_doesnotexist", customer="cus_doesnotexist", idempotency_key=_key()),
        ):
            with pytest.raises(ProviderError) as caught:
                await call
            errors.append(caught.value)
        return errors

    for error in _run(localstripe_base, body):
        assert error.code == "NOT_FOUND"
        assert error.http_status == 404
        assert not error.transient


def test_invalid_parameter_is_validation_failed(localstripe_base: str) -> None:
    async def body(adapter: StripeAdapter) -> ProviderError:
        with pytest.raises(ProviderError) as caught:
            await adapter.call("customers", "create", params={"bogus": "1"}, idempotency_key=_key())
        return caught.value

    error = _run(localstripe_base, body)
    assert error.code == "VALIDATION_FAILED"
    assert error.http_status == 400
    assert "bogus" in error.message
    assert not error.transient


def test_attaching_a_declined_card_is_card_declined(localstripe_base: str) -> None:
    pm_id = _create_card(localstripe_base, "4000000000000002")

    async def body(adapter: StripeAdapter) -> ProviderError:
        customer = await adapter.create_customer(
            email="decline@example.com", name=None, metadata={}, idempotency_key=_key()
        )
        with pytest.raises(ProviderError) as caught:
            await adapter.attach_payment_method(pm_id, customer=customer["id"], idempotency_key=_key())
        return caught.value

    error = _run(localstripe_base, body)
    # localstripe answers 402 {"error": {"type": "invalid_request_error", "code": "card_declined",
    # "message": "Your card was declined."}}: no decline_code, so the adapter falls back to the code.
    assert error.code == "CARD_DECLINED"
    assert error.http_status == 402
    assert error.stripe_code == "card_declined"
    assert error.decline_code == "card_declined"
    assert error.message == "Your card was declined."
    assert "4000000000000002" not in str(error)
    assert not error.transient


def test_list_all_follows_pages(localstripe_base: str, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="gateway.stripe")

    async def body(adapter: StripeAdapter) -> tuple[set[str], list[str]]:
        created = set()
        for i in range(5):
            customer = await adapter.create_customer(
                email=f"page{i}@example.com", name=None, metadata={}, idempotency_key=_key()
            )
            created.add(customer["id"])
        caplog.clear()
        seen = [customer["id"] async for customer in adapter.list_all("customers", {"limit": 2})]
        return created, seen

    created, seen = _run(localstripe_base, body)
    assert created <= set(seen)
    assert len(seen) == len(set(seen)), "a page was fetched twice"
    pages = [r for r in caplog.records if "customers.list ok" in r.getMessage()]
    assert len(pages) >= 3, "5+ customers in pages of 2 need at least 3 requests"


def test_list_returns_the_list_object(localstripe_base: str) -> None:
    async def body(adapter: StripeAdapter) -> dict[str, Any]:
        await adapter.create_customer(email="list@example.com", name=None, metadata={}, idempotency_key=_key())
        return await adapter.call("customers", "list", params={"limit": 1})

    page = _run(localstripe_base, body)
    assert page["object"] == "list"
    assert len(page["data"]) == 1
    assert isinstance(page["has_more"], bool)
    _assert_plain_json(page)


def test_ping_and_request_id_context(localstripe_base: str) -> None:
    async def body(adapter: StripeAdapter) -> str | None:
        last_stripe_request_id.set("stale")
        await adapter.ping()
        return last_stripe_request_id.get()

    # localstripe sends no Request-Id header; a stale id must not survive the call.
    assert _run(localstripe_base, body) is None


def test_rejected_api_key_is_provider_error_without_the_key(localstripe_base: str) -> None:
    bad_key = "pk_test_notasecretkey"

    async def body(adapter: StripeAdapter) -> ProviderError:
        with pytest.raises(ProviderError) as caught:
            await adapter.call("customers", "retrieve", "cus_x")
        return caught.value

    error = _run(localstripe_base, body, stripe_api_key=bad_key)
    assert error.code == "PROVIDER_ERROR"
    assert error.http_status == 401
    assert not error.transient
    assert bad_key not in error.message
    assert bad_key not in repr(error)


def test_unknown_resource_or_action_is_a_programming_error(localstripe_base: str) -> None:
    async def body(adapter: StripeAdapter) -> None:
        for resource, action in (("nope", "list"), ("customers", "explode"), ("customers", "_request"), ("", "list")):
            with pytest.raises(ValueError, match="Stripe resource or action"):
                await adapter.call(resource, action)

    _run(localstripe_base, body)
