"""Revoked API keys announced on Redis: every live hub subscribed drops them from its process's cache."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from base.principals import Principal
from base.redis_names import RedisNames
from base.settings import Settings
from billing.verified_credentials import verified_credentials
from live.credential_events import apply, publish_api_key_revoked
from live.hub import LiveHub
from tests.support.poll import wait_until

KEY = Principal(kind="api_key", id="k1")
OTHER = Principal(kind="api_key", id="k2")


def _cache_both() -> None:
    now = time.monotonic()
    verified_credentials.remember_api_key("bgk_a", KEY, verified_credentials.generation, now)
    verified_credentials.remember_api_key("bgk_b", OTHER, verified_credentials.generation, now)


@pytest.fixture
def trusted() -> Iterator[None]:
    verified_credentials.trust()
    try:
        yield
    finally:
        verified_credentials.distrust()


def test_a_message_drops_the_key_it_names_and_a_foreign_one_drops_all(trusted: None) -> None:
    _cache_both()
    apply(b'{"revoked_api_key": "k1"}')
    assert verified_credentials.api_key("bgk_a") is None and verified_credentials.api_key("bgk_b") is OTHER
    apply(b"not ours")
    assert verified_credentials.api_key("bgk_b") is None


async def test_the_hub_trusts_the_cache_while_subscribed_and_applies_announcements(redis_url: str) -> None:
    settings = Settings(redis_url=redis_url, redis_prefix="credentials-test")
    hub = LiveHub(redis_url, names=RedisNames.of(settings))
    verified_credentials.distrust()
    await hub.start()
    try:
        assert hub.connected and verified_credentials.trusted
        _cache_both()
        assert await publish_api_key_revoked(settings, "k1") == 1  # this process's hub heard it
        await wait_until(lambda: verified_credentials.api_key("bgk_a") is None, "the revoked key dropped", 5)
        assert verified_credentials.api_key("bgk_b") is OTHER
    finally:
        await hub.stop()
    assert not verified_credentials.trusted and verified_credentials.api_key("bgk_b") is None


async def test_without_redis_nothing_is_announced() -> None:
    assert await publish_api_key_revoked(Settings(redis_url=None), "k1") == 0
