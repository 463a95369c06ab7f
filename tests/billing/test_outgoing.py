"""Outgoing webhooks without a server: Standard Webhooks signing (checked with the `standardwebhooks`
library), the rotation overlap, the backoff schedule and the SSRF guard."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from standardwebhooks import Webhook, WebhookVerificationError

from base.settings import Settings
from billing.outgoing import (
    UrlNotAllowed,
    backoff_seconds,
    check_url,
    headers_for,
    new_salt,
    secret_for,
)
from models import WebhookEndpoint


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
    await check_url("https://93.184.215.14/hook", private)  # a public address: allowed
    await check_url("http://127.0.0.1:9/hook", settings())  # outside production private URLs are allowed
