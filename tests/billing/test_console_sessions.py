"""Console sessions: admin keys only, the token stored as a hash, sign-out, key revocation, the CSRF token."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
import pytest_asyncio

from base.principals import AuthenticationError, Scope
from base.settings import Settings
from billing.authentication import authenticate_console_cookie
from billing.console_sessions import csrf_matches, csrf_token_for, open_session, revoke_session
from billing.credentials import create_api_key, revoke_api_key
from models import ConsoleSession
from tests.support.aliases import PgDatabaseFactory
from tests.support.database import tortoise_on


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def database(pg_database_factory: PgDatabaseFactory) -> AsyncIterator[None]:
    async with tortoise_on(await pg_database_factory("console")):
        yield


async def test_only_an_admin_key_opens_a_session(database: None) -> None:
    _, writer = await create_api_key("console-writer", frozenset({Scope.WRITE}))
    with pytest.raises(AuthenticationError, match="admin scope"):
        await open_session(writer)
    with pytest.raises(AuthenticationError):
        await open_session("bgk_nothing_here")
    assert await ConsoleSession.all().count() == 0


async def test_a_session_acts_as_its_key_until_signed_out(database: None) -> None:
    key, raw = await create_api_key("console-admin", frozenset({Scope.ADMIN}))
    token = await open_session(raw)
    stored = await ConsoleSession.get(api_key_id=key.id)
    assert token not in stored.token_hash and raw not in stored.token_hash
    principal = await authenticate_console_cookie(token)
    assert principal.kind == "api_key" and principal.id == str(key.id) and principal.has_scope(Scope.ADMIN)
    await revoke_session(token)
    with pytest.raises(AuthenticationError, match="signed out"):
        await authenticate_console_cookie(token)
    with pytest.raises(AuthenticationError, match="missing"):
        await authenticate_console_cookie(None)


async def test_revoking_the_key_or_expiry_ends_the_session(database: None) -> None:
    key, raw = await create_api_key("console-revoked", frozenset({Scope.ADMIN}))
    token = await open_session(raw)
    await revoke_api_key(key.id)
    with pytest.raises(AuthenticationError, match="revoked"):
        await authenticate_console_cookie(token)
    _, other = await create_api_key("console-expired", frozenset({Scope.ADMIN}))
    late = await open_session(other)
    await ConsoleSession.filter(revoked_at__isnull=True).update(expires_at=datetime.now(UTC) - timedelta(seconds=1))
    with pytest.raises(AuthenticationError, match="expired"):
        await authenticate_console_cookie(late)


def test_the_csrf_token_is_bound_to_the_session_and_the_secret() -> None:
    settings = Settings(gateway_secret="s" * 48)
    token = csrf_token_for(settings, "cookie-a")
    assert csrf_matches(settings, "cookie-a", token)
    assert not csrf_matches(settings, "cookie-b", token)
    assert not csrf_matches(settings, "cookie-a", None)
    assert not csrf_matches(Settings(gateway_secret="t" * 48), "cookie-a", token)
