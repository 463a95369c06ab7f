"""Issue 18, acceptance 5: persisted documents against real `billing-gateway serve` processes (decision 0066).

- Apollo's automatic persisted queries on the session gateway: the hash alone misses
  (`PersistedQueryNotFound`, HTTP 200), the hash with the document registers and runs it, then the
  hash alone runs it, over POST and GET;
- the same over graphql-transport-ws (`subscribe` payload extensions);
- bad persisted-query input is a 400 with a GraphQL error and its code, never a 500;
- allow-list mode (`PERSISTED_QUERIES=allowlist`): an unregistered document is refused with
  `PERSISTED_QUERY_NOT_ALLOWED`; one added with `billing-gateway persisted-queries add` runs by hash alone.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
from websockets.asyncio.client import ClientConnection

from base.error_codes import ErrorCode
from tests.support.gateway import GatewayFactory, GatewayProcess
from tests.support.localstripe import LocalStripe
from tests.support.process import ServiceStartError
from tests.support.ws import connect

WS_TIMEOUT_SECONDS = 10.0
QUERY = "query Customers{tag}($first: Int!) {{ customers(first: $first) {{ edges {{ node {{ id }} }} }} }}"


def a_document() -> str:
    return QUERY.format(tag=uuid.uuid4().hex)


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def persisted(digest: str) -> dict[str, Any]:
    return {"persistedQuery": {"version": 1, "sha256Hash": digest}}


async def post(gateway: GatewayProcess, token: str, body: dict[str, Any], **headers: str) -> httpx.Response:
    async with httpx.AsyncClient(base_url=gateway.url, timeout=30.0) as client:
        return await client.post("/graphql", json=body, headers={"Authorization": f"Bearer {token}", **headers})


def code_of(response: httpx.Response) -> object:
    body = response.json()
    return body["errors"][0]["extensions"]["code"]


async def test_apq_client_misses_then_registers_then_sends_the_hash_alone(
    gateway: GatewayProcess, api_key: str
) -> None:
    text = a_document()
    digest = sha256(text)
    variables = {"first": 1}

    missed = await post(gateway, api_key, {"variables": variables, "extensions": persisted(digest)})
    assert missed.status_code == 200, missed.text
    assert missed.json()["errors"][0]["message"] == "PersistedQueryNotFound"
    assert code_of(missed) == ErrorCode.PERSISTED_QUERY_NOT_FOUND

    registered = await post(gateway, api_key, {"query": text, "variables": variables, "extensions": persisted(digest)})
    assert registered.status_code == 200, registered.text
    assert "errors" not in registered.json() and "customers" in registered.json()["data"]

    by_hash = await post(gateway, api_key, {"variables": variables, "extensions": persisted(digest)})
    assert by_hash.status_code == 200 and by_hash.json() == registered.json()

    async with httpx.AsyncClient(base_url=gateway.url, timeout=30.0) as client:
        over_get = await client.get(
            "/graphql",
            params={"variables": json.dumps(variables), "extensions": json.dumps(persisted(digest))},
            headers={"Authorization": f"Bearer {api_key}"},
        )
    assert over_get.status_code == 200 and over_get.json() == registered.json(), over_get.text


async def test_a_miss_for_a_graphql_response_json_client(gateway: GatewayProcess, api_key: str) -> None:
    missed = await post(
        gateway, api_key, {"extensions": persisted(sha256(a_document()))}, Accept="application/graphql-response+json"
    )
    assert missed.status_code == 400 and "data" not in missed.json()
    assert code_of(missed) == ErrorCode.PERSISTED_QUERY_NOT_FOUND


@pytest.mark.parametrize(
    ("extensions", "code"),
    [
        ({"persistedQuery": "yes"}, ErrorCode.PERSISTED_QUERY_INVALID),
        ({"persistedQuery": {"version": 1, "sha256Hash": "abc123"}}, ErrorCode.PERSISTED_QUERY_INVALID),
        ({"persistedQuery": {"version": 3, "sha256Hash": "a" * 64}}, ErrorCode.PERSISTED_QUERY_INVALID),
        ({"persistedQuery": {"version": 1, "sha256Hash": "a" * 64}}, ErrorCode.PERSISTED_QUERY_HASH_MISMATCH),
    ],
)
async def test_bad_persisted_query_input_is_a_400_with_a_code(
    gateway: GatewayProcess, api_key: str, extensions: dict[str, Any], code: ErrorCode
) -> None:
    text = a_document()
    answered = await post(gateway, api_key, {"query": text, "variables": {"first": 1}, "extensions": extensions})
    assert answered.status_code == 400, answered.text
    assert answered.headers["content-type"].startswith("application/json")
    assert code_of(answered) == code
    # Nothing was stored under the document's own hash either.
    later = await post(gateway, api_key, {"variables": {"first": 1}, "extensions": persisted(sha256(text))})
    assert code_of(later) == ErrorCode.PERSISTED_QUERY_NOT_FOUND


async def test_a_body_with_neither_query_nor_persisted_query_is_still_a_problem(
    gateway: GatewayProcess, api_key: str
) -> None:
    answered = await post(gateway, api_key, {"extensions": {"other": 1}})
    assert answered.status_code == 400
    assert answered.headers["content-type"].startswith("application/problem+json")


async def test_allowlist_mode_refuses_unregistered_documents_and_runs_registered_ones_by_hash(
    gateway_factory: GatewayFactory, localstripe: LocalStripe, tmp_path: Path
) -> None:
    strict = await gateway_factory(localstripe=localstripe, register_webhooks=False, persisted_queries="allowlist")
    token = strict.create_api_key("read", "allowlist-reader")
    registered_text, other_text = a_document(), a_document()
    variables = {"first": 2}

    document = tmp_path / "customers.graphql"
    document.write_text(registered_text)
    added = strict.cli("persisted-queries", "add", str(document))
    assert added.split()[0] == sha256(registered_text) and "added" in added

    for body in (
        {"query": other_text, "variables": variables},
        {"variables": variables, "extensions": persisted(sha256(other_text))},
        {"query": other_text, "variables": variables, "extensions": persisted(sha256(other_text))},
    ):
        refused = await post(strict, token, body)
        assert refused.status_code == 400, refused.text
        assert code_of(refused) == ErrorCode.PERSISTED_QUERY_NOT_ALLOWED

    by_hash = await post(strict, token, {"variables": variables, "extensions": persisted(sha256(registered_text))})
    assert by_hash.status_code == 200, by_hash.text
    assert "errors" not in by_hash.json() and by_hash.json()["data"]["customers"]["edges"] == []

    listing = strict.cli("persisted-queries", "list")
    assert sha256(registered_text) in listing and sha256(other_text) not in listing
    assert "1 document(s)" in listing

    manifest = tmp_path / "persisted-documents.json"
    manifest.write_text(json.dumps({"b" * 64: other_text}))
    with pytest.raises(ServiceStartError, match="SHA-256 is"):
        strict.cli("persisted-queries", "add", str(manifest))
    invalid = tmp_path / "invalid.graphql"
    invalid.write_text("query { noSuchField }")
    with pytest.raises(ServiceStartError, match="noSuchField"):
        strict.cli("persisted-queries", "add", str(invalid))
    manifest.write_text(json.dumps({sha256(other_text): other_text}))
    assert "added" in strict.cli("persisted-queries", "add", str(manifest))
    now_allowed = await post(strict, token, {"query": other_text, "variables": variables})
    assert now_allowed.status_code == 200 and "errors" not in now_allowed.json()


async def test_allowlist_mode_leaves_the_operator_console_working(
    gateway_factory: GatewayFactory, localstripe: LocalStripe
) -> None:
    strict = await gateway_factory(localstripe=localstripe, register_webhooks=False, persisted_queries="allowlist")
    admin = strict.create_api_key("read,write,admin", "allowlist-admin")
    text = a_document()
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    async with httpx.AsyncClient(base_url=strict.url, timeout=30) as http:
        signed_in = await http.post("/console/session", content=f"api_key={admin}", headers=form)
        assert signed_in.status_code == 303, signed_in.text
        page = await http.get("/console")
        csrf = page.text.split('name="csrf-token" content="')[1].split('"')[0]
        console = await http.post(
            "/graphql", json={"query": text, "variables": {"first": 1}}, headers={"X-CSRF-Token": csrf}
        )
        assert console.status_code == 200 and "errors" not in console.json(), console.text
    # The same document with the same admin key as a bearer: not on the allow-list, and the console stored nothing.
    refused = await post(strict, admin, {"query": text, "variables": {"first": 1}})
    assert refused.status_code == 400 and code_of(refused) == ErrorCode.PERSISTED_QUERY_NOT_ALLOWED
    assert "0 document(s)" in strict.cli("persisted-queries", "list")


async def _ws_answer(ws: ClientConnection, payload: dict[str, Any]) -> dict[str, Any]:
    """Send one `subscribe` and return its first answer (`next` or `error`), read with a deadline."""
    operation_id = uuid.uuid4().hex
    await ws.send(json.dumps({"id": operation_id, "type": "subscribe", "payload": payload}))
    deadline = time.monotonic() + WS_TIMEOUT_SECONDS
    while True:
        message = json.loads(await asyncio.wait_for(ws.recv(), max(0.01, deadline - time.monotonic())))
        if message.get("id") == operation_id and message.get("type") in ("next", "error"):
            return dict(message)


async def test_apq_over_the_websocket(gateway: GatewayProcess, api_key: str) -> None:
    text = a_document()
    variables = {"first": 1}
    ws = await connect(gateway.url, api_key)
    try:
        missed = await _ws_answer(ws, {"variables": variables, "extensions": persisted(sha256(text))})
        assert missed["type"] == "error"
        assert missed["payload"][0]["extensions"]["code"] == ErrorCode.PERSISTED_QUERY_NOT_FOUND
        registered = await _ws_answer(
            ws, {"query": text, "variables": variables, "extensions": persisted(sha256(text))}
        )
        assert registered["type"] == "next" and "customers" in registered["payload"]["data"], registered
        by_hash = await _ws_answer(ws, {"variables": variables, "extensions": persisted(sha256(text))})
        assert by_hash["type"] == "next" and by_hash["payload"] == registered["payload"]
        mismatch = await _ws_answer(ws, {"query": text, "variables": variables, "extensions": persisted("c" * 64)})
        assert mismatch["payload"][0]["extensions"]["code"] == ErrorCode.PERSISTED_QUERY_HASH_MISMATCH
    finally:
        await ws.close()
