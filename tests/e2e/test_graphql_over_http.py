"""Issue 17, acceptance 3: GraphQL over HTTP, audited by graphql-http, every MUST and every SHOULD.

`tests/graphql_http/audit.mjs` runs graphql-http's `auditServer` against the session gateway with
a fetch that adds the API key, and prints one JSON line per audit. The `application/graphql-response+json`
statuses are checked directly too, with `application/json` answering the same requests as before.
Needs Node.js >= 20 and npm (`npm ci` in tests/graphql_http when its packages are missing or stale).
"""

from __future__ import annotations

import asyncio
import json
import os
from collections import Counter
from typing import Any

import httpx
import pytest

from tests.support.gateway import GatewayProcess
from tests.support.node import NodeUnavailableError, ensure_node_packages
from tests.support.process import REPO_ROOT

AUDIT_DIR = REPO_ROOT / "tests" / "graphql_http"
AUDIT_TIMEOUT_SECONDS = 120.0
RESPONSE_JSON = "application/graphql-response+json"


@pytest.fixture(scope="session")
def audit_node() -> str:
    """`node`, with tests/graphql_http's packages installed (`npm ci` when missing or stale); fails, never skips."""
    try:
        return ensure_node_packages(AUDIT_DIR)
    except NodeUnavailableError as exc:
        pytest.fail(str(exc), pytrace=False)


def _level(name: str) -> str:
    return name.split(" ", 1)[0]  # MUST, SHOULD or MAY, as graphql-http names its audits


@pytest.mark.asyncio(loop_scope="session")
async def test_graphql_http_audits_every_must_and_should_pass(
    audit_node: str, gateway: GatewayProcess, api_key: str
) -> None:
    process = await asyncio.create_subprocess_exec(
        audit_node,
        str(AUDIT_DIR / "audit.mjs"),
        f"{gateway.url}/graphql",
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env={**os.environ, "GATEWAY_API_KEY": api_key},
    )
    stdout, stderr = await asyncio.wait_for(process.communicate(), AUDIT_TIMEOUT_SECONDS)
    assert process.returncode == 0, f"audit.mjs exited {process.returncode}:\n{stderr.decode()}"
    results: list[dict[str, Any]] = [json.loads(line) for line in stdout.decode().splitlines() if line.strip()]
    counts = Counter((_level(result["name"]), result["status"] == "ok") for result in results)
    for level in ("MUST", "SHOULD", "MAY"):
        print(f"graphql-http audits, {level}: {counts[level, True]}/{counts[level, True] + counts[level, False]} pass")
    for result in results:
        if result["status"] != "ok":
            print(f"  {result['status']}: {result['id']} {result['name']}: {result['reason']}")
    failed = [
        f"{result['id']} {result['name']}: {result['reason']}"
        for result in results
        if _level(result["name"]) in ("MUST", "SHOULD") and result["status"] != "ok"
    ]
    assert counts["MUST", True] >= 13 and counts["SHOULD", True] >= 23, counts
    assert not failed, "\n".join(failed)
    # The MAYs pass too (a non-string `operationName` is a 400, as a non-string `query`): keep it so.
    assert all(result["status"] == "ok" for result in results), [r["id"] for r in results if r["status"] != "ok"]


async def _post(gateway: GatewayProcess, key: str, accept: str | None, body: dict[str, Any]) -> httpx.Response:
    headers = {"Authorization": f"Bearer {key}"} | ({"Accept": accept} if accept else {})
    async with httpx.AsyncClient(base_url=gateway.url) as http:
        return await http.post("/graphql", json=body, headers=headers)


REQUEST_ERRORS = {
    "parse": {"query": "{ viewer { id "},
    "validation": {"query": "{ noSuchField }"},
    "coercion": {"query": "query Q($id: ID!) { customer(id: $id) { id } }", "variables": {"id": None}},
}


@pytest.mark.parametrize("kind", sorted(REQUEST_ERRORS))
async def test_a_request_error_is_400_without_data_and_200_for_json(
    gateway: GatewayProcess, api_key: str, kind: str
) -> None:
    body = REQUEST_ERRORS[kind]
    newer = await _post(gateway, api_key, f"{RESPONSE_JSON}, application/json;q=0.9", body)
    assert newer.status_code == 400, newer.text
    assert newer.headers["content-type"] == f"{RESPONSE_JSON}; charset=utf-8"
    assert "data" not in newer.json() and newer.json()["errors"], newer.text

    for accept in ("application/json", None, "*/*", f"application/json, {RESPONSE_JSON};q=0.5"):
        older = await _post(gateway, api_key, accept, body)
        assert older.status_code == 200, (accept, older.text)
        assert older.headers["content-type"] == "application/json", accept
        assert older.json()["data"] is None, older.text
        assert older.json()["errors"] == newer.json()["errors"]


async def test_an_executed_request_is_200_with_data(gateway: GatewayProcess, api_key: str) -> None:
    answer = await _post(gateway, api_key, RESPONSE_JSON, {"query": "{ viewer { id } }"})
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == f"{RESPONSE_JSON}; charset=utf-8"
    assert answer.json() == {"data": {"viewer": None}}


@pytest.mark.parametrize("method", ["POST", "GET"])
async def test_a_subscription_over_plain_http_is_refused(gateway: GatewayProcess, api_key: str, method: str) -> None:
    """A subscription streams (WebSocket); in one HTTP answer it is a request error, not an INTERNAL crash."""
    query = "subscription { paymentStatusChanged { status } }"
    headers = {"Authorization": f"Bearer {api_key}", "Accept": RESPONSE_JSON}
    async with httpx.AsyncClient(base_url=gateway.url) as http:
        if method == "POST":
            answer = await http.post("/graphql", json={"query": query}, headers=headers)
        else:
            answer = await http.get("/graphql", params={"query": query}, headers=headers)
    assert answer.status_code == 400, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.json()["detail"] == f"subscriptions are not allowed when using {method}", answer.text
