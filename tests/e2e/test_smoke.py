"""Smoke tests of the real server: it starts, reports health, and guards `/graphql` with API keys."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest

from tests.support.gateway import GatewayProcess
from tests.support.graphql import GraphQLClient

TYPENAME_QUERY = "{ __typename }"


def _checks(body: Any) -> dict[str, Any]:
    """The per-check part of a `/health/ready` body: `{"status": …, "checks": {name: {"ok": bool, …}}}`."""
    assert isinstance(body, dict), f"/health/ready body is not a JSON object: {body!r}"
    checks = body.get("checks")
    assert isinstance(checks, dict), f"/health/ready has no `checks` object: {body!r}"
    return checks


def _assert_json_401(response: httpx.Response) -> None:
    assert response.status_code == 401, f"expected 401, got {response.status_code}: {response.text[:500]}"
    assert response.headers.get("content-type", "") == "application/problem+json", response.headers
    assert response.json()["code"] == "unauthorized", response.text


async def test_health_live(gateway: GatewayProcess) -> None:
    async with httpx.AsyncClient(base_url=gateway.url) as http:
        response = await http.get("/health/live")
    assert response.status_code == 200, response.text


async def test_health_ready_reports_each_check(gateway: GatewayProcess) -> None:
    async with httpx.AsyncClient(base_url=gateway.url) as http:
        response = await http.get("/health/ready")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "ok", body
    checks = _checks(body)
    assert checks["database"]["ok"] is True, body
    assert checks["stripe"]["ok"] is True, body
    assert "redis" not in checks, f"no REDIS_URL is configured, so there is no Redis check: {body}"


async def test_valid_key_runs_a_query(graphql: GraphQLClient) -> None:
    body = await graphql.execute(TYPENAME_QUERY)
    assert body == {"data": {"__typename": "Query"}}


async def test_no_authorization_is_401_json(graphql: GraphQLClient) -> None:
    _assert_json_401(await graphql.raw_post('{"query": "{ __typename }"}', token=None))


@pytest.mark.parametrize("token", ["not-a-key", "bgk_00000000_" + "A" * 43], ids=["garbage", "unknown-key"])
async def test_bad_key_is_401_json(graphql: GraphQLClient, token: str) -> None:
    _assert_json_401(await graphql.raw_post('{"query": "{ __typename }"}', token=token))


@pytest.mark.parametrize("scheme", ["", "Basic ", "Token "], ids=["no-scheme", "basic", "token"])
async def test_valid_key_without_bearer_scheme_is_401(graphql: GraphQLClient, api_key: str, scheme: str) -> None:
    headers = {"Authorization": f"{scheme}{api_key}"}
    _assert_json_401(await graphql.raw_post('{"query": "{ __typename }"}', token=None, headers=headers))


async def test_bearer_without_token_is_401(graphql: GraphQLClient) -> None:
    headers = {"Authorization": "Bearer"}
    _assert_json_401(await graphql.raw_post('{"query": "{ __typename }"}', token=None, headers=headers))


async def test_revoked_key_is_401(gateway: GatewayProcess, graphql: GraphQLClient) -> None:
    name = f"smoke-revoke-{uuid.uuid4().hex[:8]}"
    key = gateway.create_api_key("read", name)
    assert await graphql.execute(TYPENAME_QUERY, token=key) == {"data": {"__typename": "Query"}}

    listing = gateway.cli("api-keys", "list")
    assert key not in listing, "`api-keys list` must never print a raw key"
    gateway.revoke_api_key(gateway.api_key_id(name))

    _assert_json_401(await graphql.raw_post('{"query": "{ __typename }"}', token=key))


@pytest.mark.parametrize(
    ("content", "content_type", "status"),
    [
        ("this is not json", "application/json", 400),
        ('{"query": "{ __typename }"}', "text/plain", 415),
        ("query=%7B__typename%7D", "application/x-www-form-urlencoded", 415),
        ('[{"query": "{ __typename }"}, {"query": "{ __typename }"}]', "application/json", 400),
    ],
    ids=["garbage-as-json", "text-plain", "form", "json-array-batch"],
)
async def test_non_json_body_is_refused(graphql: GraphQLClient, content: str, content_type: str, status: int) -> None:
    """A body that is not JSON is a 400; one sent with another media type a 415 (GraphQL-over-HTTP)."""
    response = await graphql.raw_post(content, content_type=content_type)
    assert response.status_code == status, response.text


async def test_malformed_json_is_400(graphql: GraphQLClient) -> None:
    response = await graphql.raw_post('{"query": "{ __typename }"')
    assert response.status_code == 400, response.text


async def test_queries_over_get_and_no_mutations(gateway: GatewayProcess, api_key: str) -> None:
    headers = {"Authorization": f"Bearer {api_key}"}
    async with httpx.AsyncClient(base_url=gateway.url) as http:
        ok = await http.get("/graphql", params={"query": "{ __typename }"}, headers=headers)
        assert ok.status_code == 200 and ok.json() == {"data": {"__typename": "Query"}}
        mutation = (
            'mutation { createCustomer(idempotencyKey: "g", input: {email: "g@example.com"}) { userErrors { code } } }'
        )
        refused = await http.get("/graphql", params={"query": mutation}, headers=headers)
        # GraphQL-over-HTTP: a mutation over GET is 405 Method Not Allowed, `Allow: POST`.
        assert refused.status_code == 405 and refused.headers["allow"] == "POST", refused.text
        assert refused.json()["code"] == "method_not_allowed", refused.text


async def test_graphiql_page_for_a_browser_outside_production(gateway: GatewayProcess) -> None:
    async with httpx.AsyncClient(base_url=gateway.url) as http:
        page = await http.get("/graphql", headers={"Accept": "text/html"})
        assert page.status_code == 200 and "graphiql" in page.text.lower()
        # The Authorization header is prefilled with a placeholder, and the page says how to fill it.
        assert '"Bearer <your API key>"' in page.text and "api-keys create" in page.text
        without_key = await http.get("/graphql", params={"query": "{ __typename }"})
        assert without_key.status_code == 401


async def test_a_two_megabyte_body_is_413(graphql: GraphQLClient) -> None:
    body = '{"query": "{ __typename }", "variables": {"padding": "' + "x" * 2_000_000 + '"}}'
    response = await graphql.raw_post(body)
    assert response.status_code == 413, response.text[:300]
    assert response.json()["code"] == "payload_too_large"
