"""Malformed requests are the client's error, typed, over HTTP and WebSocket (issue 12, item 11, acceptance 9).

- argument names are not suggested in production ("Did you mean 'first'?" leaks the schema);
- a lone surrogate (`\\ud800`, which no UTF-8 text can hold) in the document or in variables is
  `VALIDATION_FAILED`, not `INTERNAL`;
- an empty query over a WebSocket is a client error, not `INTERNAL`;
- a document with two operations and no `operationName` runs nothing (GraphQL spec, GetOperation).
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from typing import Any

import httpx
import pytest
from websockets.asyncio.client import ClientConnection
from websockets.exceptions import ConnectionClosed

from tests.support.gateway import GatewayFactory, GatewayProcess
from tests.support.live import errors_of, live_socket

TWO_OPERATIONS = 'query A { viewer { id } } mutation B { createCustomer(idempotencyKey: "k", input: {email: "a@b.io"}) { userErrors { code } } }'  # noqa: E501


async def post_raw(gateway: GatewayProcess, key: str, body: dict[str, Any]) -> httpx.Response:
    """POST a body encoded by `json.dumps` (ASCII, so a lone surrogate travels as the escape `\\ud800`)."""
    async with httpx.AsyncClient(timeout=30) as client:
        return await client.post(
            f"{gateway.url}/graphql",
            content=json.dumps(body).encode(),
            headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"},
        )


async def socket_answer(ws: ClientConnection, payload: dict[str, Any]) -> dict[str, Any]:
    """Send one `subscribe` with this payload (JSON-escaped, ASCII) and return its first message.

    The `complete` that follows an earlier operation's last `next` is skipped.
    """
    operation_id = uuid.uuid4().hex
    await ws.send(json.dumps({"id": operation_id, "type": "subscribe", "payload": payload}))
    deadline = time.monotonic() + 10
    while True:
        message: dict[str, Any] = json.loads(await asyncio.wait_for(ws.recv(), max(0.01, deadline - time.monotonic())))
        if message.get("type") == "ping":
            await ws.send(json.dumps({"type": "pong"}))
        elif not (message.get("type") == "complete" and message.get("id") != operation_id):
            assert message.get("id") == operation_id, message
            return message


async def assert_still_serves(ws: ClientConnection) -> None:
    """The refusal left the socket open and usable."""
    assert (await socket_answer(ws, {"query": "{ __typename }"}))["payload"] == {"data": {"__typename": "Query"}}


def assert_typed(errors: list[dict[str, Any]], code: str) -> None:
    assert errors, errors
    for error in errors:
        assert error.get("extensions", {}).get("code") == code, errors
        assert error["message"] != "Unexpected error", errors


ARGUMENT_TYPOS: list[dict[str, Any]] = [
    {"query": "{ customers(frist: 1) { edges { node { id } } } }"},  # a field argument
    {"query": "{ __typename @include(iff: true) }"},  # a directive argument
    {"query": '{ customers(first: 1, emial: "a@b.io") { edges { node { id } } } }'},
]
OTHER_TYPOS: list[dict[str, Any]] = [
    # graphql-core suggests enum values and input fields too, while validating literals ...
    {"query": "{ subscriptions(status: ACTIV) { edges { node { id } } } }"},
    {"query": 'mutation { createCustomer(idempotencyKey: "t", input: {emial: "a@b.io"}) { userErrors { code } } }'},
    # ... and while coercing variables (the executor's suggestions).
    {
        "query": "query($s: SubscriptionStatus) { subscriptions(status: $s) { edges { node { id } } } }",
        "variables": {"s": "ACTIV"},
    },
    {
        "query": 'mutation($i: CreateCustomerInput!) { createCustomer(idempotencyKey: "t", input: $i) { __typename } }',
        "variables": {"i": {"email": "a@b.io", "nmae": "x"}},
    },
]


def messages_of(response: httpx.Response) -> list[str]:
    assert response.status_code == 200, response.text
    errors = response.json()["errors"]
    assert errors, response.text
    return [error["message"] for error in errors]


@pytest.mark.timeout(120)
async def test_production_suggests_no_names(gateway_factory: GatewayFactory, redis_url: str) -> None:
    gateway = await gateway_factory(gateway_env="production", redis_url=redis_url)
    key = gateway.create_api_key("read,write", name="prod-suggestions")
    for body in ARGUMENT_TYPOS:
        messages = messages_of(await post_raw(gateway, key, body))
        assert all("Did you mean" not in message for message in messages), messages
        assert any("Unknown argument" in message for message in messages), messages
    for body in OTHER_TYPOS:
        messages = messages_of(await post_raw(gateway, key, body))
        assert all("Did you mean" not in message for message in messages), messages
    async with live_socket(gateway, key) as ws:
        message = await socket_answer(ws, {"query": 'subscription { paymentStatusChanged(custmerId: "x") { status } }'})
        errors = errors_of(message)
        assert errors and all("Did you mean" not in error["message"] for error in errors), errors


@pytest.mark.parametrize("body", ARGUMENT_TYPOS + OTHER_TYPOS)
async def test_a_development_gateway_still_suggests(
    gateway: GatewayProcess, api_key: str, body: dict[str, Any]
) -> None:
    """Outside production the hints stay (they help whoever writes the query); the same typos as above."""
    messages = messages_of(await post_raw(gateway, api_key, body))
    assert any("Did you mean" in message for message in messages), messages


LONE_SURROGATE = "\ud800"
FIND_CUSTOMERS = "query($email: String) { customers(email: $email) { edges { node { id } } } }"


@pytest.mark.parametrize(
    "body",
    [
        pytest.param({"query": FIND_CUSTOMERS, "variables": {"email": LONE_SURROGATE}}, id="variable"),
        pytest.param({"query": FIND_CUSTOMERS, "variables": {"email": f"a{LONE_SURROGATE}@b.io"}}, id="in-a-variable"),
        pytest.param(
            {
                "query": 'mutation($m: JSON) { createCustomer(idempotencyKey: "surrogate", '
                'input: {email: "s@b.io", metadata: $m}) { userErrors { code } } }',
                "variables": {"m": {"k": LONE_SURROGATE}},
            },
            id="nested-variable",
        ),
        pytest.param(
            {"query": '{ customers(email: "' + LONE_SURROGATE + '") { edges { node { id } } } }'}, id="raw-literal"
        ),
        pytest.param({"query": "{ __typename } # " + LONE_SURROGATE}, id="comment"),
    ],
)
async def test_a_lone_surrogate_is_validation_failed(
    gateway: GatewayProcess, api_key: str, body: dict[str, Any]
) -> None:
    response = await post_raw(gateway, api_key, body)
    assert response.status_code == 200, response.text
    answer = response.json()
    assert answer.get("data") is None, answer
    assert_typed(answer["errors"], "VALIDATION_FAILED")
    async with live_socket(gateway, api_key) as ws:
        message = await socket_answer(ws, body)
        assert_typed(errors_of(message), "VALIDATION_FAILED")
        await assert_still_serves(ws)


async def test_a_surrogate_escaped_in_graphql_is_a_syntax_error(gateway: GatewayProcess, api_key: str) -> None:
    """`"\\ud800"` written in the document (a GraphQL escape, not a JSON one): the spec's syntax error.

    Answered as every syntax error is: over HTTP a GraphQL error, over a WebSocket strawberry
    closes with 4400 and the reason. A client error either way, never INTERNAL.
    """
    body = {"query": '{ customers(email: "\\ud800") { edges { node { id } } } }'}
    response = await post_raw(gateway, api_key, body)
    [error] = response.json()["errors"]
    assert error["message"] == "Syntax Error: Invalid Unicode escape sequence: '\\ud800'.", error
    async with live_socket(gateway, api_key) as ws:
        await ws.send(json.dumps({"id": "escaped", "type": "subscribe", "payload": body}))
        with pytest.raises(ConnectionClosed):
            await asyncio.wait_for(ws.recv(), 10)  # was a bare `complete` (the task died on the error)
    assert ws.close_code == 4400 and "Invalid Unicode escape sequence" in (ws.close_reason or ""), ws.close_reason


@pytest.mark.parametrize("query", ["", " \n ,"], ids=["empty", "blank"])
async def test_an_empty_query_over_a_websocket_is_a_client_error(
    gateway: GatewayProcess, api_key: str, query: str
) -> None:
    async with live_socket(gateway, api_key) as ws:
        errors = errors_of(await socket_answer(ws, {"query": query}))
        assert_typed(errors, "VALIDATION_FAILED")
        assert "query" in errors[0]["message"].lower(), errors
        await assert_still_serves(ws)
    # Over HTTP: 400 with a reason, as before.
    response = await post_raw(gateway, api_key, {"query": query})
    assert response.status_code == 400 and response.json()["code"] == "bad_request", response.text


async def test_two_operations_without_an_operation_name_run_nothing(gateway: GatewayProcess, api_key: str) -> None:
    response = await post_raw(gateway, api_key, {"query": TWO_OPERATIONS})
    assert response.status_code == 400, response.text
    assert response.json()["code"] == "bad_request"
    assert "operationName" in response.json()["detail"], response.text
    # Named, it runs the one named (and only that one).
    named = await post_raw(gateway, api_key, {"query": TWO_OPERATIONS, "operationName": "A"})
    assert named.status_code == 200 and named.json() == {"data": {"viewer": None}}, named.text

    async with live_socket(gateway, api_key) as ws:
        message = await socket_answer(ws, {"query": TWO_OPERATIONS})
        errors = errors_of(message)
        assert_typed(errors, "VALIDATION_FAILED")
        assert "operationName" in errors[0]["message"], errors
        message = await socket_answer(ws, {"query": TWO_OPERATIONS, "operationName": "A"})
        assert message["payload"] == {"data": {"viewer": None}}, message
        # An unknown name is the same kind of client error.
        message = await socket_answer(ws, {"query": TWO_OPERATIONS, "operationName": "C"})
        assert_typed(errors_of(message), "VALIDATION_FAILED")
