"""`runtime.graphql_response`: the media type a client prefers, and GraphQL over HTTP's statuses for it.

The view is exercised in process on a small strawberry schema: the one case the gateway's schema
cannot easily produce (execution started, then a non-null root field failed: `data` null, 200) is here.
"""

from __future__ import annotations

import httpx
import pytest
import strawberry
from graphql import GraphQLError
from strawberry.asgi import GraphQL
from strawberry.types import ExecutionResult
from strawberry.types.execution import PreExecutionError

from runtime.graphql_response import (
    GRAPHQL_JSON,
    GRAPHQL_RESPONSE_JSON,
    GraphQLResponseMedia,
    execution_started,
    preferred_media_type,
)


@pytest.mark.parametrize(
    ("accept", "chosen"),
    [
        (None, GRAPHQL_JSON),
        ("", GRAPHQL_JSON),
        ("*/*", GRAPHQL_JSON),
        ("application/*", GRAPHQL_JSON),
        ("application/json", GRAPHQL_JSON),
        ("text/html", GRAPHQL_JSON),
        ("application/graphql-response+json", GRAPHQL_RESPONSE_JSON),
        ("Application/GraphQL-Response+JSON; charset=utf-8", GRAPHQL_RESPONSE_JSON),
        ("application/graphql-response+json, application/json;q=0.9", GRAPHQL_RESPONSE_JSON),
        ("application/json, application/graphql-response+json", GRAPHQL_RESPONSE_JSON),
        ("application/json, application/graphql-response+json;q=0.5", GRAPHQL_JSON),
        ("*/*, application/graphql-response+json;q=0.8", GRAPHQL_JSON),
        ("application/graphql-response+json;q=0", GRAPHQL_JSON),
        ("application/graphql-response+json;q=abc, application/json", GRAPHQL_JSON),
        ("application/graphql-response+json;q=2", GRAPHQL_JSON),
    ],
)
def test_the_preferred_media_type(accept: str | None, chosen: str) -> None:
    assert preferred_media_type(accept) == chosen


def test_execution_started() -> None:
    assert not execution_started(PreExecutionError(data=None, errors=[GraphQLError("Syntax Error")]))
    assert not execution_started(ExecutionResult(data=None, errors=[GraphQLError("Variable '$id' of …")]))
    assert execution_started(ExecutionResult(data=None, errors=[GraphQLError("boom", path=["must"])]))
    assert execution_started(ExecutionResult(data={"a": None}, errors=[GraphQLError("boom", path=["a"])]))
    assert execution_started(ExecutionResult(data={"a": 1}, errors=None))


@strawberry.type
class Query:
    @strawberry.field
    def hello(self, name: str) -> str:
        return f"hello {name}"

    @strawberry.field
    def must(self) -> str:
        raise ValueError("a non-null root field that fails")


class View(GraphQLResponseMedia, GraphQL[None, None]):
    pass


async def _post(accept: str, body: dict[str, object]) -> httpx.Response:
    transport = httpx.ASGITransport(app=View(strawberry.Schema(query=Query)))
    async with httpx.AsyncClient(transport=transport, base_url="http://view") as client:
        return await client.post("/", json=body, headers={"Accept": accept})


@pytest.mark.parametrize(
    "body",
    [
        {"query": "{ hello(name: "},  # parse
        {"query": "{ nope }"},  # validation
        {"query": "query Q($n: String!) { hello(name: $n) }", "variables": {"n": 1}},  # coercion
        {"query": "query Q($n: String!) { hello(name: $n) }"},  # a required variable missing
    ],
)
async def test_not_executed_is_400_without_data(body: dict[str, object]) -> None:
    newer = await _post(GRAPHQL_RESPONSE_JSON, body)
    assert newer.status_code == 400, newer.text
    assert newer.headers["content-type"] == f"{GRAPHQL_RESPONSE_JSON}; charset=utf-8"
    assert set(newer.json()) == {"errors"}, newer.text
    older = await _post(GRAPHQL_JSON, body)
    assert older.status_code == 200, older.text
    assert older.headers["content-type"] == GRAPHQL_JSON
    assert older.json() == {"data": None, "errors": newer.json()["errors"]}


async def test_executed_is_200_even_when_data_is_null() -> None:
    failed = await _post(GRAPHQL_RESPONSE_JSON, {"query": "{ must }"})
    assert failed.status_code == 200, failed.text
    assert failed.json()["data"] is None and failed.json()["errors"][0]["path"] == ["must"]
    done = await _post(GRAPHQL_RESPONSE_JSON, {"query": '{ hello(name: "ada") }'})
    assert (done.status_code, done.json()) == (200, {"data": {"hello": "hello ada"}})
    assert done.headers["content-type"] == f"{GRAPHQL_RESPONSE_JSON}; charset=utf-8"
