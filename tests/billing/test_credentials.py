"""API keys: scopes, hashing, revocation, bearer parsing (real PostgreSQL)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
import pytest_asyncio

from base.principals import AuthenticationError, Scope, effective_scopes, parse_scopes
from billing.authentication import authenticate_bearer
from billing.credentials import create_api_key, hash_api_key, revoke_api_key
from models import ApiKey
from tests.support.aliases import PgDatabaseFactory
from tests.support.database import tortoise_on


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def database(pg_database_factory: PgDatabaseFactory) -> AsyncIterator[None]:
    async with tortoise_on(await pg_database_factory("auth")):
        yield


def test_parse_scopes() -> None:
    assert parse_scopes("read, write") == {Scope.READ, Scope.WRITE}
    with pytest.raises(ValueError, match="unknown scope 'owner'"):
        parse_scopes("read,owner")
    with pytest.raises(ValueError, match="at least one scope"):
        parse_scopes(" , ")


def test_broader_scopes_include_narrower_ones() -> None:
    assert effective_scopes([Scope.READ]) == {Scope.READ}
    assert effective_scopes([Scope.WRITE]) == {Scope.READ, Scope.WRITE}
    assert effective_scopes([Scope.ADMIN]) == {Scope.READ, Scope.WRITE, Scope.ADMIN}


async def test_a_key_is_stored_only_as_a_hash(database: None) -> None:
    key, raw = await create_api_key("hash-test", frozenset({Scope.READ}))
    assert raw.startswith(key.prefix + "_") and key.prefix.startswith("bgk_")
    stored = await ApiKey.get(id=key.id)
    assert stored.key_hash == hash_api_key(raw)
    assert raw not in str(await ApiKey.filter(id=key.id).values())


async def test_bearer_authentication_and_revocation(database: None) -> None:
    key, raw = await create_api_key("auth-test", frozenset({Scope.WRITE}))
    principal = await authenticate_bearer(f"Bearer {raw}")
    assert principal.kind == "api_key" and principal.id == str(key.id)
    assert principal.has_scope(Scope.READ) and not principal.has_scope(Scope.ADMIN)
    assert principal.ledger_scope == f"api_key:{key.id}"
    assert await revoke_api_key(key.id) is True
    assert await revoke_api_key(key.id) is False
    with pytest.raises(AuthenticationError, match="revoked"):
        await authenticate_bearer(f"Bearer {raw}")


@pytest.mark.parametrize(
    ("header", "reason"),
    [
        (None, "missing"),
        ("", "missing"),
        ("Basic abc", "Bearer"),
        ("Bearer", "Bearer"),
        ("Bearer not-a-key", "malformed"),
        ("Bearer bgk_00000000_unknown", "unknown"),
    ],
)
async def test_bad_headers_are_refused(database: None, header: str | None, reason: str) -> None:
    with pytest.raises(AuthenticationError, match=reason):
        await authenticate_bearer(header)
