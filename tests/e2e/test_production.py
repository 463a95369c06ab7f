"""A real gateway in production mode (issue 6, acceptance 3): nothing about its insides reaches a client.

The unexpected failure is real, not injected: the test drops a table under the running
server, so the resolver's query fails inside asyncpg as it would after a bad deploy.
"""

from __future__ import annotations

import json

import asyncpg  # type: ignore[import-untyped]
import httpx
import pytest

from tests.support.gateway import GatewayFactory, GatewayProcess
from tests.support.live import errors_of, first_message, live_socket, subscribe

CUSTOMERS = "query Customers { customers { edges { node { id email } } } }"


async def production_gateway(gateway_factory: GatewayFactory, redis_url: str) -> GatewayProcess:
    return await gateway_factory(gateway_env="production", redis_url=redis_url)


async def post(gateway: GatewayProcess, key: str, query: str, request_id: str | None = None) -> httpx.Response:
    headers = {"Authorization": f"Bearer {key}"}
    if request_id:
        headers["X-Request-Id"] = request_id
    async with httpx.AsyncClient(timeout=30) as client:
        return await client.post(f"{gateway.url}/graphql", json={"query": query}, headers=headers)


@pytest.mark.timeout(120)
async def test_production_hides_the_schema_and_masks_crashes_over_http_and_websocket(
    gateway_factory: GatewayFactory, redis_url: str
) -> None:
    gateway = await production_gateway(gateway_factory, redis_url)
    key = gateway.create_api_key("read,write,admin", name="prod")
    log_start = len(gateway.log_text())

    introspection = await post(gateway, key, "{ __schema { queryType { name } } }")
    assert introspection.status_code == 200
    refused = introspection.json()["errors"]
    assert refused and all("introspection" in error["message"].lower() for error in refused), refused
    assert introspection.json().get("data") is None

    # No suggestion of a field name: it would leak the schema piece by piece.
    typo = await post(gateway, key, "{ customerz { edges { node { id } } } }")
    [unknown] = typo.json()["errors"]
    assert "customerz" in unknown["message"] and "Did you mean" not in unknown["message"]

    async with httpx.AsyncClient(timeout=10) as client:
        page = await client.get(f"{gateway.url}/graphql", headers={"Accept": "text/html"})
        # GraphiQL's own files are served outside production only, as the page is (issue 17).
        script = await client.get(f"{gateway.url}/graphiql/static/react@18.2.0/umd/react.production.min.js")
    assert page.status_code in (400, 401, 404) and "graphiql" not in page.text.lower()
    assert script.status_code == 404, script.text[:200]

    assert (await post(gateway, key, CUSTOMERS)).json() == {"data": {"customers": {"edges": []}}}
    connection = await asyncpg.connect(gateway.database_url)
    try:
        await connection.execute("DROP TABLE customers CASCADE")
    finally:
        await connection.close()

    crashed = await post(gateway, key, CUSTOMERS, request_id="req-prod-http-1")
    assert crashed.status_code == 200
    assert crashed.json() == {
        "data": None,
        "errors": [
            {
                "message": "Unexpected error",
                "locations": [{"line": 1, "column": 19}],
                "path": ["customers"],
                "extensions": {"code": "INTERNAL", "requestId": "req-prod-http-1"},
            }
        ],
    }

    async with live_socket(gateway, key) as ws:
        operation_id = await subscribe(ws, CUSTOMERS, {})
        [error] = errors_of(await first_message(ws, operation_id, 10))
    assert error["message"] == "Unexpected error"
    assert error["extensions"]["code"] == "INTERNAL"
    socket_request_id = error["extensions"]["requestId"]
    assert isinstance(socket_request_id, str) and len(socket_request_id) >= 16
    assert set(error) <= {"message", "locations", "path", "extensions"}
    assert "customers" not in json.dumps(error["extensions"])

    # The logs carry what the client did not get, under the id the client got (JSON lines).
    records = [json.loads(line) for line in gateway.log_text()[log_start:].splitlines() if line.startswith("{")]
    for request_id in ("req-prod-http-1", socket_request_id):
        [record] = [r for r in records if request_id in r.get("event", "")]
        assert record["level"] == "error"
        assert 'relation "customers" does not exist' in record.get("exception", ""), record
