"""Outgoing webhooks without a server: Standard Webhooks signing (checked with the `standardwebhooks`
library), the rotation overlap, the backoff schedule and the SSRF guard."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import jsonschema
import pytest
from standardwebhooks import Webhook, WebhookVerificationError
from tortoise.transactions import in_transaction

from base.ids import to_global_id
from base.settings import Settings
from billing.event_catalogue import CATALOGUE
from billing.outbox import envelope, record_changes
from billing.outgoing import (
    UrlNotAllowed,
    backoff_seconds,
    check_url,
    deliver_endpoint,
    fan_out,
    headers_for,
    new_salt,
    pinned,
    secret_for,
)
from models import Customer, EventDelivery, OutboxEvent, WebhookEndpoint
from tests.support.database import tortoise_on


def settings(**values: object) -> Settings:
    return Settings(gateway_secret="x" * 40, _env_file=None, **values)  # type: ignore[call-arg]


def test_a_signature_verifies_with_the_standardwebhooks_library() -> None:
    config = settings()
    endpoint = WebhookEndpoint(url="https://example.com/hook", secret_salt=new_salt())
    body = json.dumps({"id": "evt", "type": "payment.succeeded"}).encode()
    now = datetime.now(UTC)
    headers = headers_for(endpoint, "0193-evt", body, now, config)
    assert headers["webhook-id"] == "0193-evt" and headers["webhook-timestamp"] == str(int(now.timestamp()))
    secret = secret_for(endpoint.secret_salt, config)
    assert secret.startswith("whsec_")
    assert Webhook(secret).verify(body, headers) == {"id": "evt", "type": "payment.succeeded"}
    with pytest.raises(WebhookVerificationError):
        Webhook(secret_for(new_salt(), config)).verify(body, headers)
    with pytest.raises(WebhookVerificationError):  # another body
        Webhook(secret).verify(body + b" ", headers)


def test_during_the_overlap_both_secrets_verify_then_only_the_new_one() -> None:
    config = settings()
    old, new = new_salt(), new_salt()
    now = datetime.now(UTC)
    endpoint = WebhookEndpoint(
        url="https://example.com/hook",
        secret_salt=new,
        previous_secret_salt=old,
        previous_secret_expires_at=now + timedelta(hours=24),
    )
    body = b'{"a":1}'
    headers = headers_for(endpoint, "msg", body, now, config)
    assert len(headers["webhook-signature"].split(" ")) == 2
    for salt in (old, new):
        Webhook(secret_for(salt, config)).verify(body, headers)
    later = now + timedelta(hours=25)
    headers = headers_for(endpoint, "msg", body, later, config)
    assert len(headers["webhook-signature"].split(" ")) == 1


def test_the_backoff_doubles_up_to_its_cap() -> None:
    config = settings(outgoing_backoff_first_seconds=5, outgoing_backoff_max_seconds=60)
    assert [backoff_seconds(n, config) for n in range(1, 7)] == [5, 10, 20, 40, 60, 60]


async def test_the_ssrf_guard() -> None:
    production = settings(gateway_env="production", database_url="postgres://x/y", stripe_api_key="sk_test_x")
    for url in ("http://example.com/hook", "ftp://example.com", "https://user:pw@example.com/", "not a url"):
        with pytest.raises(UrlNotAllowed):
            await check_url(url, production)
    private = settings(webhook_allow_private_urls=False)
    for url in (
        "https://127.0.0.1/hook",
        "https://10.1.2.3/",
        "https://169.254.169.254/latest/meta-data",
        "https://[::1]:8443/",
        "https://[::ffff:127.0.0.1]/",
        "https://localhost/",
        "https://0.0.0.0/",
    ):
        with pytest.raises(UrlNotAllowed):
            await check_url(url, private)
    assert await check_url("https://93.184.215.14/hook", private) == "93.184.215.14"  # public: allowed, pinned
    assert await check_url("http://127.0.0.1:9/hook", settings()) is None  # outside production: allowed


def test_a_request_connects_to_the_checked_address_and_verifies_the_host_name() -> None:
    assert pinned("https://hooks.example.com/a?b=1", "93.184.215.14") == (
        "https://93.184.215.14/a?b=1",
        {"host": "hooks.example.com"},
        "hooks.example.com",
    )
    assert pinned("http://hooks.example.com:8080/a", "2606:2800::1") == (
        "http://[2606:2800::1]:8080/a",
        {"host": "hooks.example.com:8080"},
        None,
    )
    assert pinned("http://127.0.0.1:9/hook", None) == ("http://127.0.0.1:9/hook", {}, None)


class FakeReceiver:
    """A `Post` recording (webhook-id, object id) per attempt, answering `status`."""

    def __init__(self, status: int) -> None:
        self.status = status
        self.calls: list[tuple[str, str, str]] = []

    async def __call__(
        self, url: str, body: bytes, headers: dict[str, str], sni: str | None = None
    ) -> tuple[int | None, str | None, str | None]:
        envelope = json.loads(body)
        self.calls.append((headers["webhook-id"], envelope["object"]["id"], envelope["type"]))
        return self.status, "x" * 5000, None


@pytest.mark.asyncio(loop_scope="session")
async def test_fan_out_order_per_object_retry_window_and_disabling_on_sqlite(tmp_path: Path) -> None:
    async with tortoise_on(f"sqlite://{tmp_path / 'outgoing.sqlite3'}"):
        config = settings(outgoing_backoff_first_seconds=0, outgoing_backoff_max_seconds=0)
        endpoint = await WebhookEndpoint.create(url="http://127.0.0.1:9/hook", secret_salt=new_salt())
        first = await Customer.create(stripe_id="cus_first", email="a@example.com")
        second = await Customer.create(stripe_id="cus_second", email="b@example.com")
        async with in_transaction():
            await record_changes([first, second])
        first.email = "a2@example.com"
        await first.save()
        async with in_transaction():
            await record_changes([first])
        assert await fan_out() == 3
        assert await fan_out() == 0  # the cursor moved with the deliveries

        down = FakeReceiver(503)
        assert await deliver_endpoint(endpoint.id, config, down) == 2  # each object's first only
        assert [call[2] for call in down.calls] == ["customer.created", "customer.created"]
        pending = await EventDelivery.filter(endpoint_id=endpoint.id, status="pending").order_by("event_sequence")
        assert [row.attempts for row in pending] == [1, 1, 0]
        assert all(len(row.response_excerpt or "") == 1024 for row in pending[:2])
        assert (await WebhookEndpoint.get(id=endpoint.id)).failing_since is not None

        up = FakeReceiver(200)
        await deliver_endpoint(endpoint.id, config, up)
        by_object: dict[str, list[str]] = {}
        for _, object_id, kind in up.calls:
            by_object.setdefault(object_id, []).append(kind)
        assert by_object[to_global_id("Customer", first.id)] == ["customer.created", "customer.updated"]
        assert await EventDelivery.filter(status="succeeded").count() == 3
        assert (await WebhookEndpoint.get(id=endpoint.id)).failing_since is None

        # Past the retry window a failure is final; past the disable threshold the endpoint is disabled.
        strict = settings(outgoing_retry_window_seconds=0, outgoing_disable_after_seconds=0)
        third = await Customer.create(stripe_id="cus_third", email="c@example.com")
        async with in_transaction():
            await record_changes([third])
        await fan_out()
        await deliver_endpoint(endpoint.id, strict, down)
        assert await EventDelivery.filter(status="failed").count() == 1
        fourth = await Customer.create(stripe_id="cus_fourth", email="d@example.com")
        async with in_transaction():
            await record_changes([fourth])
        await fan_out()
        await deliver_endpoint(endpoint.id, strict, down)
        refreshed = await WebhookEndpoint.get(id=endpoint.id)
        assert (refreshed.status, refreshed.disabled_reason) == ("disabled", "failing")
        [event] = await OutboxEvent.filter(type="webhook_endpoint.disabled")
        jsonschema.validate(envelope(event), CATALOGUE[event.type].schema())
        assert await fan_out() == 0  # a disabled endpoint gets nothing new
