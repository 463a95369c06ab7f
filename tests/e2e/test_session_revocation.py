"""Issue 12, item 8 / acceptance 8: the signing secret, the TTL cap and session revocation, against real processes.

Two `billing-gateway serve` processes share one PostgreSQL database (and one localstripe of this
module's own). A revocation made through one must refuse the session's next HTTP request on BOTH
within a second of the revoking answer, and close its open WebSocket (4403 `session revoked`).
A session expiring while its socket is open gets it closed at expiry (4403 `session expired`):
the gateways run with SESSION_MIN_TTL_SECONDS=2, so a session can be made to last 3 seconds.
"""

from __future__ import annotations

import asyncio
import subprocess
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest
import pytest_asyncio

from billing.session_tokens import ALGORITHM
from tests.support.aliases import PgDatabaseFactory
from tests.support.gateway import GATEWAY_SECRET, GatewayProcess, cli_path, gateway_env
from tests.support.graphql import GraphQLClient
from tests.support.localstripe import LocalStripe
from tests.support.operations import create_customer, new_key, payload_of
from tests.support.ws import connect, subscribe, wait_closed

REVOCATION_DEADLINE_SECONDS = 1.0
"""Acceptance 8: a revocation refuses the session everywhere within a second."""

CREATE_SESSION = """
mutation($key: String!, $input: CreateCustomerSessionInput!) {
  createCustomerSession(idempotencyKey: $key, input: $input) { token sessionId expiresAt userErrors { code field } }
}"""
REVOKE_SESSION = """
mutation($key: String!, $input: RevokeCustomerSessionInput) {
  revokeCustomerSession(idempotencyKey: $key, input: $input) {
    session { id issuedAt expiresAt revokedAt } customer { id } userErrors { code field }
  }
}"""
REVOKE_SESSIONS = """
mutation($key: String!, $input: RevokeCustomerSessionsInput!) {
  revokeCustomerSessions(idempotencyKey: $key, input: $input) { customer { id } revokedCount userErrors { code field } }
}"""
VIEWER = "{ viewer { id } }"
WATCH = "subscription($customerId: ID) { paymentStatusChanged(customerId: $customerId) { status } }"


@dataclass
class Pair:
    one: GatewayProcess
    two: GatewayProcess
    key: str
    """A `read,write` key (made with the CLI)."""

    @property
    def both(self) -> tuple[GatewayProcess, GatewayProcess]:
        return (self.one, self.two)


@pytest_asyncio.fixture(scope="module")
async def pair(pg_database_factory: PgDatabaseFactory, test_logs: Path) -> AsyncIterator[Pair]:
    emulator = LocalStripe(test_logs, name="localstripe-sessions")
    emulator.start()
    database_url = await pg_database_factory()
    env = gateway_env(database_url, emulator.url, session_min_ttl_seconds="2")
    one = GatewayProcess(env, test_logs, name="gateway-sessions-1")
    two = GatewayProcess(env, test_logs, name="gateway-sessions-2")
    two.migrated = True  # one database: `one` migrates it
    try:
        await one.astart()
        await two.astart()
        yield Pair(one, two, one.create_api_key("read,write", name=f"sessions-{uuid.uuid4().hex[:8]}"))
    finally:
        one.stop()
        two.stop()
        emulator.stop()


async def new_session(client: GraphQLClient, customer_id: str, ttl: int = 600) -> dict[str, Any]:
    body = await client.execute(
        CREATE_SESSION, {"key": new_key(), "input": {"customerId": customer_id, "ttlSeconds": ttl}}
    )
    payload = payload_of(body, "createCustomerSession")
    assert payload["userErrors"] == [] and payload["sessionId"], payload
    return payload


async def status_of(gateway: GatewayProcess, token: str) -> int:
    async with httpx.AsyncClient(timeout=10) as http:
        response = await http.post(
            f"{gateway.url}/graphql", json={"query": VIEWER}, headers={"Authorization": f"Bearer {token}"}
        )
    if response.status_code == 401:
        assert response.headers["content-type"] == "application/problem+json", response.text
        assert response.json()["code"] == "unauthorized", response.text
    else:
        assert response.status_code == 200 and response.json()["data"]["viewer"]["id"], response.text
    return response.status_code


async def refused_everywhere(pair: Pair, token: str, since: float) -> float:
    """Poll both gateways until each answers `token` with 401; seconds from `since` until both did."""
    deadline = since + REVOCATION_DEADLINE_SECONDS
    for gateway in pair.both:
        while await status_of(gateway, token) != 401:
            assert time.monotonic() < deadline, f"{gateway} still accepts the session after the deadline"
    return time.monotonic() - since


async def accepted_everywhere(pair: Pair, *tokens: str) -> None:
    for gateway in pair.both:
        for token in tokens:
            assert await status_of(gateway, token) == 200


def claims_of(token: str) -> dict[str, Any]:
    claims: dict[str, Any] = jwt.decode(token, options={"verify_signature": False})
    return claims


async def test_a_token_living_longer_than_the_cap_is_refused_over_http_and_websocket(pair: Pair) -> None:
    async with GraphQLClient(pair.one.url, token=pair.key) as api:
        customer = await create_customer(api)
        real = (await new_session(api, customer["id"]))["token"]
    # Signed with the real secret, minted by a real key, for a real customer: only its lifetime is wrong.
    now = int(time.time())
    claims = {**claims_of(real), "jti": uuid.uuid4().hex, "iat": now, "exp": now + 365 * 86400}
    year = jwt.encode(claims, GATEWAY_SECRET, algorithm=ALGORITHM)
    within = jwt.encode({**claims, "exp": now + 600}, GATEWAY_SECRET, algorithm=ALGORITHM)
    for gateway in pair.both:
        assert await status_of(gateway, year) == 401
        assert await status_of(gateway, within) == 200  # the same token within the cap passes
        refused = await connect(gateway.url, year)
        assert refused.close_code == 4403
        accepted = await connect(gateway.url, within)
        assert accepted.close_code is None
        await accepted.close()


@pytest.mark.timeout(120)
async def test_revoking_one_session_refuses_it_on_both_gateways_and_closes_its_socket(pair: Pair) -> None:
    async with GraphQLClient(pair.one.url, token=pair.key) as api:
        customer = await create_customer(api)
        other_customer = await create_customer(api)
        doomed, kept = await new_session(api, customer["id"]), await new_session(api, customer["id"])
        await accepted_everywhere(pair, doomed["token"], kept["token"])
        socket = await connect(pair.two.url, doomed["token"])
        await subscribe(socket, WATCH, {"customerId": customer["id"]})
        kept_socket = await connect(pair.two.url, kept["token"])

        # A session may not revoke another customer's session: FORBIDDEN, nothing revoked.
        stranger = await new_session(api, other_customer["id"])
        body = await api.execute(
            REVOKE_SESSION, {"key": new_key(), "input": {"sessionId": doomed["sessionId"]}}, token=stranger["token"]
        )
        assert [e["extensions"]["code"] for e in body["errors"]] == ["FORBIDDEN"], body
        assert await status_of(pair.two, doomed["token"]) == 200

        unknown = await api.execute(REVOKE_SESSION, {"key": new_key(), "input": {"sessionId": "no-such-session"}})
        assert payload_of(unknown, "revokeCustomerSession")["userErrors"] == [
            {"code": "NOT_FOUND", "field": ["input", "sessionId"]}
        ]

        key = new_key()
        revoked = payload_of(
            await api.execute(REVOKE_SESSION, {"key": key, "input": {"sessionId": doomed["sessionId"]}}),
            "revokeCustomerSession",
        )
        since = time.monotonic()
        assert revoked["userErrors"] == [] and revoked["customer"] == {"id": customer["id"]}
        assert revoked["session"]["id"] == doomed["sessionId"] and revoked["session"]["revokedAt"]
        took = await refused_everywhere(pair, doomed["token"], since)
        assert await wait_closed(socket, 5) == (4403, "session revoked")
        print(f"revoked session refused by both gateways {took:.3f} s after the answer")

        # The same key replays the same answer; the other session of the customer works, its socket too.
        replay = await api.execute(REVOKE_SESSION, {"key": key, "input": {"sessionId": doomed["sessionId"]}})
        assert payload_of(replay, "revokeCustomerSession") == revoked
        await accepted_everywhere(pair, kept["token"])
        assert (await subscribe(kept_socket, WATCH, {})) and kept_socket.close_code is None
        await kept_socket.close()

        # A session revokes itself (log out) by naming nothing.
        own = payload_of(
            await api.execute(REVOKE_SESSION, {"key": new_key()}, token=kept["token"]), "revokeCustomerSession"
        )
        assert own["userErrors"] == [] and own["session"]["id"] == kept["sessionId"], own
        await refused_everywhere(pair, kept["token"], time.monotonic())
        # An API key must name the session.
        nameless = payload_of(await api.execute(REVOKE_SESSION, {"key": new_key()}), "revokeCustomerSession")
        assert nameless["userErrors"] == [{"code": "VALIDATION_FAILED", "field": ["input", "sessionId"]}]


@pytest.mark.timeout(120)
async def test_revoking_all_sessions_of_a_customer_spares_other_customers_and_later_sessions(pair: Pair) -> None:
    async with GraphQLClient(pair.one.url, token=pair.key) as api:
        customer = await create_customer(api)
        other = await create_customer(api)
        sessions = [await new_session(api, customer["id"]) for _ in range(3)]
        spared = await new_session(api, other["id"])
        tokens = [session["token"] for session in sessions]
        await accepted_everywhere(pair, *tokens, spared["token"])
        sockets = [await connect(gateway.url, tokens[0]) for gateway in pair.both]
        for socket in sockets:
            await subscribe(socket, WATCH, {"customerId": customer["id"]})

        # Through the second gateway this time.
        async with GraphQLClient(pair.two.url, token=pair.key) as api_two:
            body = await api_two.execute(REVOKE_SESSIONS, {"key": new_key(), "input": {"customerId": customer["id"]}})
        since = time.monotonic()
        payload = payload_of(body, "revokeCustomerSessions")
        assert payload == {"customer": {"id": customer["id"]}, "revokedCount": 3, "userErrors": []}
        for token in tokens:
            await refused_everywhere(pair, token, since)
        for socket in sockets:
            assert await wait_closed(socket, 5) == (4403, "session revoked")
        await accepted_everywhere(pair, spared["token"])
        later = await new_session(api, customer["id"])
        await accepted_everywhere(pair, later["token"])

        # A session may log its own customer out everywhere, itself included; not another customer.
        foreign = await api.execute(
            REVOKE_SESSIONS, {"key": new_key(), "input": {"customerId": customer["id"]}}, token=spared["token"]
        )
        assert [e["extensions"]["code"] for e in foreign["errors"]] == ["FORBIDDEN"], foreign
        await accepted_everywhere(pair, later["token"])
        mine = await api.execute(
            REVOKE_SESSIONS, {"key": new_key(), "input": {"customerId": customer["id"]}}, token=later["token"]
        )
        assert payload_of(mine, "revokeCustomerSessions")["revokedCount"] == 1
        await refused_everywhere(pair, later["token"], time.monotonic())


@pytest.mark.timeout(120)
async def test_revoking_an_api_key_revokes_the_sessions_it_minted(pair: Pair) -> None:
    name = f"minting-{uuid.uuid4().hex[:8]}"
    minting = pair.one.create_api_key("read,write", name=name)
    async with (
        GraphQLClient(pair.one.url, token=minting) as minter,
        GraphQLClient(pair.one.url, token=pair.key) as api,
    ):
        customer = await create_customer(api)
        minted = [await new_session(minter, customer["id"]) for _ in range(2)]
        other = await new_session(api, customer["id"])
        tokens = [session["token"] for session in minted]
        await accepted_everywhere(pair, *tokens, other["token"])
        socket = await connect(pair.two.url, tokens[0])
        await subscribe(socket, WATCH, {"customerId": customer["id"]})

        await asyncio.to_thread(pair.one.revoke_api_key, pair.one.api_key_id(name))
        since = time.monotonic()
        for token in tokens:
            await refused_everywhere(pair, token, since)
        assert await wait_closed(socket, 5) == (4403, "session revoked")
        await accepted_everywhere(pair, other["token"])


@pytest.mark.timeout(60)
async def test_a_socket_is_closed_when_its_session_expires(pair: Pair) -> None:
    async with GraphQLClient(pair.one.url, token=pair.key) as api:
        customer = await create_customer(api)
        session = await new_session(api, customer["id"], ttl=3)
    expires_at = datetime.fromisoformat(session["expiresAt"])
    sockets = [await connect(gateway.url, session["token"]) for gateway in pair.both]
    for socket in sockets:
        await subscribe(socket, WATCH, {})
    for socket in sockets:
        assert await wait_closed(socket, 10) == (4403, "session expired")
        # Not before its time (the token's `exp` is in whole seconds).
        assert datetime.now(UTC) >= expires_at
    for gateway in pair.both:
        assert await status_of(gateway, session["token"]) == 401


def test_production_refuses_to_start_with_a_weak_gateway_secret(tmp_path: Path) -> None:
    env = gateway_env(
        "postgres://postgres@127.0.0.1:5432/unused", gateway_env="production", redis_url="redis://127.0.0.1:1/0"
    )
    for weak in ("x", "s" * 64, "0123456789abcdef" * 4):
        result = subprocess.run(
            [str(cli_path()), "serve", "--port", "1"],
            capture_output=True,
            text=True,
            env={**env, "GATEWAY_SECRET": weak},
            cwd=tmp_path,
            timeout=60,
            check=False,
        )
        assert result.returncode == 2, result
        lines = [line for line in result.stderr.splitlines() if line.strip()]
        assert len(lines) == 1 and lines[0].startswith("error: GATEWAY_SECRET "), result.stderr
        assert 'python -c "import secrets; print(secrets.token_urlsafe(32))"' in lines[0]
        assert "Traceback" not in result.stderr and (len(weak) < 8 or weak not in result.stderr + result.stdout)
