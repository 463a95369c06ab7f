"""The per-process cache of verified API keys and session tokens (real PostgreSQL for the key path)."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Iterator

import pytest
import pytest_asyncio

from base.principals import AuthenticationError, Principal, Scope
from billing.authentication import authenticate_bearer
from billing.credentials import create_api_key
from billing.verified_credentials import VerifiedCredentials, verified_credentials
from models import ApiKey
from tests.support.aliases import PgDatabaseFactory
from tests.support.database import tortoise_on

KEY = Principal(kind="api_key", id="k1")
OTHER = Principal(kind="api_key", id="k2")


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def database(pg_database_factory: PgDatabaseFactory) -> AsyncIterator[None]:
    async with tortoise_on(await pg_database_factory("verified_credentials")):
        yield


@pytest.fixture
def trusted() -> Iterator[None]:
    """The process's cache as while its hub holds the credentials subscription."""
    verified_credentials.trust()
    try:
        yield
    finally:
        verified_credentials.distrust()


def test_keys_are_kept_only_while_trusted() -> None:
    cache = VerifiedCredentials()
    cache.remember_api_key("bgk_a", KEY, cache.generation, time.monotonic())
    assert cache.api_key("bgk_a") is None  # embedded, or Redis away: every request asks the database
    cache.trust()
    cache.remember_api_key("bgk_a", KEY, cache.generation, time.monotonic())
    assert cache.api_key("bgk_a") is KEY
    cache.distrust()
    assert cache.api_key("bgk_a") is None
    cache.trust()
    assert cache.api_key("bgk_a") is None  # trusting again starts afresh


def test_an_entry_older_than_the_ttl_is_verified_again() -> None:
    cache = VerifiedCredentials(api_key_ttl_seconds=5.0)
    cache.trust()
    cache.remember_api_key("bgk_a", KEY, cache.generation, time.monotonic() - 6.0)
    assert cache.api_key("bgk_a") is None


def test_a_revocation_drops_that_key_only_and_a_verification_begun_before_it_is_not_kept() -> None:
    cache = VerifiedCredentials()
    cache.trust()
    cache.remember_api_key("bgk_a", KEY, cache.generation, time.monotonic())
    cache.remember_api_key("bgk_b", OTHER, cache.generation, time.monotonic())
    begun = cache.generation
    cache.forget_api_key("k1")
    assert cache.api_key("bgk_a") is None and cache.api_key("bgk_b") is OTHER
    cache.remember_api_key("bgk_a", KEY, begun, time.monotonic())  # its SELECT may predate the revocation
    assert cache.api_key("bgk_a") is None


def test_a_session_is_kept_until_it_expires_and_per_secret() -> None:
    cache = VerifiedCredentials()
    live = Principal(kind="customer_session", id="j1", expires_at=time.time() + 60)
    ended = Principal(kind="customer_session", id="j2", expires_at=time.time() - 1)
    cache.remember_session("secret", "t1", live)
    cache.remember_session("secret", "t2", ended)
    assert cache.session("secret", "t1") is live
    assert cache.session("another secret", "t1") is None
    assert cache.session("secret", "t2") is None


async def test_a_cached_key_skips_the_database_until_its_revocation_is_announced(database: None, trusted: None) -> None:
    key, raw = await create_api_key("cached", frozenset({Scope.READ}))
    first = await authenticate_bearer(f"Bearer {raw}")
    await ApiKey.filter(id=key.id).delete()  # the row is gone: only the cache knows the key now
    assert await authenticate_bearer(f"Bearer {raw}") == first
    verified_credentials.forget_api_key(str(key.id))  # what the hub does on the announcement
    with pytest.raises(AuthenticationError, match="unknown API key"):
        await authenticate_bearer(f"Bearer {raw}")


async def test_without_trust_every_request_reads_the_key(database: None) -> None:
    verified_credentials.distrust()
    key, raw = await create_api_key("uncached", frozenset({Scope.READ}))
    await authenticate_bearer(f"Bearer {raw}")
    await ApiKey.filter(id=key.id).delete()
    with pytest.raises(AuthenticationError, match="unknown API key"):
        await authenticate_bearer(f"Bearer {raw}")
