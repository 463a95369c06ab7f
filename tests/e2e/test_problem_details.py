"""Issue 16, acceptance 6: every non-GraphQL error answer is RFC 9457 problem details.

A table of requests against a running gateway, one per kind of error answer: each must be
`application/problem+json` with `type`, `title`, `status` (= the HTTP status), `detail`,
`instance` (= the response's `X-Request-Id`) and the machine `code`. The 429 and the 503s of a
database outage get a gateway of their own (a small read budget, its own PostgreSQL, stopped).
GraphQL results stay GraphQL results (a syntax error is not a problem). Beyond this table, the
e2e conftest checks every error answer any e2e test meets (tests/support/problem_check.py).
"""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.audit_check import gateway_urls
from tests.support.gateway import WEBHOOK_SECRET, GatewayFactory, GatewayProcess
from tests.support.localstripe import LocalStripe
from tests.support.pg_server import PgServer
from tests.support.problem_check import SEEN, VIOLATIONS
from tests.support.webhook_load import customer_created, signature

MIB = 1_048_576
VIEWER = {"query": "{ viewer { id } }"}
GET_MUTATION = 'mutation { createCustomer(idempotencyKey: "k", input: {email: "a@b.io"}) { customer { id } } }'


@dataclass
class Case:
    name: str
    method: str
    path: str
    status: int
    code: str
    auth: bool = True
    headers: dict[str, str] = field(default_factory=dict)
    content: bytes | None = None
    params: dict[str, str] | None = None


def signed_event() -> tuple[bytes, str]:
    body = json.dumps(customer_created("pd", 1)).encode()
    return body, signature(body, WEBHOOK_SECRET)


JSON = {"Content-Type": "application/json"}
CASES = [
    Case("401 no token", "POST", "/graphql", 401, "unauthorized", auth=False, headers=JSON, content=b"{}"),
    Case(
        "401 bad token",
        "GET",
        "/graphql",
        401,
        "unauthorized",
        auth=False,
        headers={"Authorization": "Bearer x"},
        params={"query": "{ viewer { id } }"},
    ),
    Case("404 unknown path", "GET", "/nowhere", 404, "not_found"),
    Case("404 unknown path, POST", "POST", "/v1/graphql", 404, "not_found", headers=JSON, content=b"{}"),
    Case("405 PUT /graphql", "PUT", "/graphql", 405, "method_not_allowed", headers=JSON, content=b"{}"),
    Case("405 GET /webhooks/stripe", "GET", "/webhooks/stripe", 405, "method_not_allowed"),
    Case("405 mutation over GET", "GET", "/graphql", 405, "method_not_allowed", params={"query": GET_MUTATION}),
    Case("413 big body", "POST", "/graphql", 413, "payload_too_large", headers=JSON, content=b" " * (MIB + 1)),
    Case("415 text/plain", "POST", "/graphql", 415, "unsupported_media_type", content=b"{ viewer { id } }"),
    Case("400 not JSON", "POST", "/graphql", 400, "bad_request", headers=JSON, content=b"{not json"),
    Case("400 no query", "POST", "/graphql", 400, "bad_request", headers=JSON, content=b'{"variables": {}}'),
    Case("400 empty query", "POST", "/graphql", 400, "bad_request", headers=JSON, content=b'{"query": ""}'),
    Case(
        "400 bad variables over GET",
        "GET",
        "/graphql",
        400,
        "bad_request",
        params={"query": "{ viewer { id } }", "variables": "["},
    ),
    Case(
        "400 webhook bad signature",
        "POST",
        "/webhooks/stripe",
        400,
        "invalid_signature",
        auth=False,
        headers={**JSON, "Stripe-Signature": "t=1,v1=00"},
        content=b'{"id": "evt_1"}',
    ),
    Case(
        "413 webhook body",
        "POST",
        "/webhooks/stripe",
        413,
        "payload_too_large",
        auth=False,
        headers=JSON,
        content=b" " * (MIB + 1),
    ),
]


def assert_problem(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    """The answer is a problem with every member, `status` the HTTP status, `instance` the request id."""
    assert response.status_code == status, (response.status_code, response.text[:300])
    assert response.headers["content-type"] == "application/problem+json", response.headers
    body: dict[str, Any] = response.json()
    assert body["type"] == "about:blank", body
    assert isinstance(body["title"], str) and body["title"], body
    assert body["status"] == status, body
    assert isinstance(body["detail"], str) and body["detail"], body
    assert body["code"] == code, body
    request_id = response.headers["x-request-id"]
    assert body["instance"] == request_id and request_id, (body, response.headers)
    return body


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
async def test_each_error_answer_is_a_problem(gateway: GatewayProcess, api_key: str, case: Case) -> None:
    headers = {**({"Authorization": f"Bearer {api_key}"} if case.auth else {}), **case.headers}
    async with httpx.AsyncClient(base_url=gateway.url, timeout=30) as http:
        response = await http.request(case.method, case.path, headers=headers, content=case.content, params=case.params)
        assert_problem(response, case.status, case.code)
        # The client's own request id is the instance.
        again = await http.request(
            case.method,
            case.path,
            headers={**headers, "X-Request-Id": f"pd-{case.status}-1"},
            content=case.content,
            params=case.params,
        )
        assert assert_problem(again, case.status, case.code)["instance"] == f"pd-{case.status}-1"


async def test_graphql_results_stay_graphql(gateway: GatewayProcess, api_key: str) -> None:
    """The boundary: a document that reached GraphQL is answered as GraphQL, whatever went wrong in it."""
    async with httpx.AsyncClient(base_url=gateway.url, timeout=30) as http:
        auth = {"Authorization": f"Bearer {api_key}"}
        syntax = await http.post("/graphql", json={"query": "{ viewer { id "}, headers=auth)
        assert syntax.headers["content-type"].startswith("application/json"), syntax.headers
        assert syntax.json()["errors"] and "type" not in syntax.json(), syntax.text
        served = await http.post("/graphql", json=VIEWER, headers=auth)
        assert served.status_code == 200 and served.headers["x-request-id"], served.headers


@pytest.mark.timeout(120)
async def test_rate_limited_and_database_down_are_problems(
    gateway_factory: GatewayFactory, localstripe: LocalStripe, test_logs: Path
) -> None:
    pg = PgServer(test_logs)
    try:
        pg.start()
        database_url = await pg.create_database("problems")
        gateway = await gateway_factory(
            localstripe=localstripe, database_url=database_url, register_webhooks=False, rate_limit_reads_per_minute="1"
        )
        key = gateway.create_api_key("read,write", "problems")
        unused = gateway.create_api_key("read", "problems-unused")  # its first lookup meets the outage
        async with httpx.AsyncClient(base_url=gateway.url, timeout=30) as http:
            auth = {"Authorization": f"Bearer {key}"}
            assert (await http.post("/graphql", json=VIEWER, headers=auth)).status_code == 200
            limited = await http.post("/graphql", json=VIEWER, headers=auth)
            body = assert_problem(limited, 429, "rate_limited")
            retry_after = int(limited.headers["retry-after"])
            assert body["retryAfter"] == retry_after, body
            # A GraphQL client still reads the GraphQL error.
            assert [error["extensions"]["code"] for error in body["errors"]] == ["RATE_LIMITED"], body

            await asyncio.to_thread(pg.stop)
            down = await http.post("/graphql", json=VIEWER, headers={"Authorization": f"Bearer {unused}"})
            body = assert_problem(down, 503, "service_unavailable")
            assert down.headers["retry-after"].isdigit() and body["retryAfter"] == int(down.headers["retry-after"])
            assert [error["extensions"]["code"] for error in body["errors"]] == ["SERVICE_UNAVAILABLE"], body

            raw, signed = signed_event()
            webhook = await http.post(
                "/webhooks/stripe",
                content=raw,
                headers={"Content-Type": "application/json", "Stripe-Signature": signed},
            )
            assert_problem(webhook, 503, "storage_unavailable")
            assert webhook.headers["retry-after"].isdigit()

            deadline = time.monotonic() + 10
            while (ready := await http.get("/health/ready")).status_code != 503:
                assert time.monotonic() < deadline, f"readiness did not notice the outage: {ready.text}"
                await asyncio.sleep(0.1)
            body = assert_problem(ready, 503, "not_ready")
            assert body["readiness"] == "unavailable" and body["checks"]["database"]["ok"] is False, body
    finally:
        pg.remove()


async def test_a_stopped_gateways_port_is_no_longer_checked(gateway_factory: GatewayFactory) -> None:
    """Another server of the run may get a stopped gateway's port: its answers are not the gateway's."""
    gateway = await gateway_factory(register_webhooks=False)
    assert gateway.url in gateway_urls()
    gateway.stop()
    assert gateway.url not in gateway_urls()

    async def plain_404(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(b"HTTP/1.1 404 Not Found\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\nno")
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(plain_404, "127.0.0.1", gateway.port)
    try:
        seen, violations = sum(SEEN.values()), len(VIOLATIONS)
        async with httpx.AsyncClient(base_url=gateway.url, timeout=10) as http:
            assert (await http.get("/anything")).status_code == 404
        assert (sum(SEEN.values()), len(VIOLATIONS)) == (seen, violations)
    finally:
        server.close()
        await server.wait_closed()
    await gateway.astart()  # started again: checked again
    assert gateway.url in gateway_urls()
