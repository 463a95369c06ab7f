"""`runtime.execution.ResultSharingCache`: identical subscribers share one execution of an event, others never do."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncGenerator, AsyncIterator
from datetime import timedelta
from typing import Any

import pytest
import strawberry
from graphql import GraphQLError
from strawberry.asgi import ASGIWebSocketAdapter, GraphQL
from strawberry.extensions import ParserCache
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import Operation
from strawberry.types import ExecutionResult

from base.principals import Principal, Scope, effective_scopes
from base.settings import Settings
from billing.loaders import Loaders
from billing.request_context import Context
from gateway.ws import GatewayTransportWSHandler
from runtime.execution import CachingExecutor, ResultSharingCache
from schema.context import Info
from stripe_provider.adapter import StripeAdapter

READER = Principal(kind="api_key", id="reader", scopes=effective_scopes([Scope.READ]))
ADMIN = Principal(kind="api_key", id="admin", scopes=effective_scopes([Scope.ADMIN]))
SESSION = Principal(kind="customer_session", id="session-1", customer_id=uuid.UUID(int=1))
SETTINGS = Settings(_env_file=None)  # type: ignore[call-arg]
STRIPE = StripeAdapter(SETTINGS)

_feeds: list[asyncio.Queue[Event]] = []


@strawberry.type
class Event:
    name: str
    resolved: strawberry.Private[list[str]]
    release: strawberry.Private[asyncio.Event | None] = None
    """`slow` resolves once this is set: its execution stays in flight until the test says."""

    @strawberry.field
    def viewer(self, info: Info) -> str:
        self.resolved.append(info.context.principal.id)
        return info.context.principal.id

    @strawberry.field
    def greeting(self, prefix: str) -> str:
        return f"{prefix} {self.name}"

    @strawberry.field
    def admin_only(self, info: Info) -> str:
        if info.context.principal.id != "admin":
            raise GraphQLError("not for you", extensions={"code": "FORBIDDEN"})
        return "secret"

    @strawberry.field
    async def slow(self, info: Info) -> str:
        assert self.release is not None, "an event for `slow` needs a release"
        await self.release.wait()
        self.resolved.append(info.context.principal.id)
        return f"slow {self.name}"

    @strawberry.field
    def echo(self, values: list[int] | None = None, number: strawberry.scalars.JSON | None = None) -> str:
        return json.dumps([values, number])


@strawberry.type
class Query:
    ok: bool = True


@strawberry.type
class Live:
    @strawberry.subscription
    async def events(self) -> AsyncGenerator[Event, None]:
        queue: asyncio.Queue[Event] = asyncio.Queue()
        _feeds.append(queue)
        try:
            while True:
                yield await queue.get()
        finally:
            if queue in _feeds:
                _feeds.remove(queue)


def _schema() -> tuple[strawberry.Schema, ResultSharingCache]:
    cache = ResultSharingCache()
    executor_class = type("SharingExecutor", (CachingExecutor,), {"results_cache": cache})
    schema = strawberry.Schema(
        query=Query,
        subscription=Live,
        extensions=[lambda: ParserCache(maxsize=100)],
        execution_context_class=executor_class,
    )
    return schema, cache


def _context(principal: Principal) -> Context:
    return Context(
        principal=principal, settings=SETTINGS, stripe=STRIPE, loaders=Loaders(), request_id=uuid.uuid4().hex
    )


async def _subscribe(
    schema: strawberry.Schema, query: str, variables: dict[str, Any] | None, context: object
) -> AsyncGenerator[ExecutionResult, None]:
    stream = await schema.subscribe(query, variable_values=variables, context_value=context)
    assert not isinstance(stream, ExecutionResult), stream
    return stream  # type: ignore[return-value]


async def _publish(event: Event, streams: list[AsyncGenerator[ExecutionResult, None]]) -> list[ExecutionResult]:
    """Each stream's result for `event` (every subscriber gets the same object, as `live/streams.py` does)."""
    pending = [asyncio.ensure_future(anext(stream)) for stream in streams]
    while len(_feeds) < len(streams):  # the generators start on the first `anext`
        await asyncio.sleep(0)
    for queue in list(_feeds):
        queue.put_nowait(event)
    return list(await asyncio.gather(*pending))


@pytest.fixture(autouse=True)
async def _close_feeds() -> AsyncIterator[None]:
    yield
    _feeds.clear()


async def test_identical_subscribers_share_one_execution() -> None:
    schema, cache = _schema()
    query = 'subscription { events { name viewer greeting(prefix: "hi") } }'
    streams = [await _subscribe(schema, query, None, _context(READER)) for _ in range(5)]
    event = Event(name="e1", resolved=[])
    results = await _publish(event, streams)
    assert [r.errors for r in results] == [None] * 5
    assert all(r.data == {"events": {"name": "e1", "viewer": "reader", "greeting": "hi e1"}} for r in results)
    assert all(r.data is results[0].data for r in results)  # one execution's data
    assert event.resolved == ["reader"]  # resolved once for the five
    assert (cache.misses, cache.hits, cache.unshared, cache.bypassed) == (1, 4, 0, 0)

    # The next event is a new object: executed again, once.
    second = Event(name="e2", resolved=[])
    results = await _publish(second, streams)
    assert all(r.data == {"events": {"name": "e2", "viewer": "reader", "greeting": "hi e2"}} for r in results)
    assert (cache.misses, cache.hits) == (2, 8)
    for stream in streams:
        await stream.aclose()


async def test_a_persisted_query_extension_still_shares_and_any_other_extension_does_not() -> None:
    schema, cache = _schema()
    query = "subscription { events { name viewer } }"
    named = {"persistedQuery": {"version": 1, "sha256Hash": "0" * 64}}
    streams = []
    for extensions in (named, dict(named), {**named, "tracing": True}):
        stream = await schema.subscribe(query, context_value=_context(READER), operation_extensions=extensions)
        assert not isinstance(stream, ExecutionResult), stream
        streams.append(stream)
    results = await _publish(Event(name="e1", resolved=[]), streams)  # type: ignore[arg-type]
    assert all(r.data == {"events": {"name": "e1", "viewer": "reader"}} for r in results)
    assert results[0].data is results[1].data  # `persistedQuery` is used up before execution
    assert (cache.misses, cache.hits, cache.bypassed) == (1, 1, 1)  # any other extension sees its own execution
    for stream in streams:
        await stream.aclose()  # type: ignore[attr-defined]


async def test_principals_and_variables_each_get_their_own_result() -> None:
    schema, cache = _schema()
    query = "subscription Q($p: String!) { events { viewer greeting(prefix: $p) } }"
    subscribers = [
        (READER, "hi"),
        (READER, "hi"),
        (READER, "bye"),
        (ADMIN, "hi"),
        (SESSION, "hi"),
        (SESSION, "hi"),
        # Same principal value, another context object: still the same key.
        (Principal(kind="api_key", id="admin", scopes=effective_scopes([Scope.ADMIN])), "hi"),
        # Same id, other scopes: another principal.
        (Principal(kind="api_key", id="reader", scopes=effective_scopes([Scope.WRITE])), "hi"),
    ]
    streams = [await _subscribe(schema, query, {"p": p}, _context(principal)) for principal, p in subscribers]
    event = Event(name="e", resolved=[])
    results = await _publish(event, streams)
    for (principal, prefix), result in zip(subscribers, results, strict=True):
        assert result.errors is None
        assert result.data == {"events": {"viewer": principal.id, "greeting": f"{prefix} e"}}
    # Distinct keys: (reader, hi), (reader, bye), (admin, hi), (session, hi), (reader+write, hi).
    assert (cache.misses, cache.hits) == (5, 3)
    assert sorted(event.resolved) == sorted(["reader", "reader", "admin", "session-1", "reader"])
    assert results[0].data is results[1].data and results[4].data is results[5].data
    assert results[3].data is results[6].data
    assert results[0].data is not results[2].data and results[0].data is not results[7].data
    for stream in streams:
        await stream.aclose()


async def test_results_with_errors_are_never_shared() -> None:
    schema, cache = _schema()
    query = "subscription { events { name adminOnly } }"
    contexts = [_context(READER), _context(READER), _context(ADMIN), _context(ADMIN)]
    streams = [await _subscribe(schema, query, None, context) for context in contexts]
    results = await _publish(Event(name="e", resolved=[]), streams)
    for result in results[:2]:
        assert result.data is None
        assert [e.extensions for e in result.errors or []] == [{"code": "FORBIDDEN"}]
    assert results[0].errors is not results[1].errors
    assert [r.data for r in results[2:]] == [{"events": {"name": "e", "adminOnly": "secret"}}] * 2
    assert (cache.misses, cache.hits, cache.unshared) == (1, 1, 2)
    for stream in streams:
        await stream.aclose()


async def test_no_sharing_without_a_context_key_or_with_unhashable_variables() -> None:
    schema, cache = _schema()
    streams = [
        await _subscribe(schema, "subscription { events { name } }", None, {"principal": READER}),
        await _subscribe(schema, "subscription { events { name } }", None, {"principal": READER}),
        await _subscribe(
            schema, "subscription Q($v: [Int!]) { events { echo(values: $v) } }", {"v": [1]}, _context(READER)
        ),
        await _subscribe(
            schema, "subscription Q($v: [Int!]) { events { echo(values: $v) } }", {"v": [1]}, _context(READER)
        ),
    ]
    results = await _publish(Event(name="e", resolved=[]), streams)
    assert [r.errors for r in results] == [None] * 4
    assert [r.data for r in results] == [{"events": {"name": "e"}}] * 2 + [{"events": {"echo": "[[1], null]"}}] * 2
    assert (cache.misses, cache.hits, cache.bypassed) == (0, 0, 4)
    for stream in streams:
        await stream.aclose()


async def test_variable_values_of_other_types_are_other_keys() -> None:
    schema, cache = _schema()
    query = "subscription Q($n: JSON) { events { echo(number: $n) } }"
    values = [1, 1, True, 1.0]
    streams = [await _subscribe(schema, query, {"n": n}, _context(READER)) for n in values]
    results = await _publish(Event(name="e", resolved=[]), streams)
    assert [r.data for r in results] == [{"events": {"echo": json.dumps([None, n])}} for n in values]
    assert (cache.misses, cache.hits) == (3, 1)
    for stream in streams:
        await stream.aclose()


async def test_an_async_execution_is_shared_while_in_flight_and_survives_its_first_subscriber_leaving() -> None:
    schema, cache = _schema()
    query = "subscription { events { name slow } }"
    streams = [await _subscribe(schema, query, None, _context(READER)) for _ in range(4)]
    event = Event(name="e", resolved=[], release=asyncio.Event())
    pending = [asyncio.ensure_future(anext(stream)) for stream in streams]
    while len(_feeds) < len(streams):
        await asyncio.sleep(0)
    for queue in list(_feeds):
        queue.put_nowait(event)
    for _ in range(10):  # every subscriber is waiting on the shared execution, or running it
        await asyncio.sleep(0)
    pending[0].cancel()  # the first subscriber (the one whose execution the others wait for) leaves
    assert event.release is not None
    event.release.set()
    results = await asyncio.gather(*pending[1:])
    assert [r.data for r in results] == [{"events": {"name": "e", "slow": "slow e"}}] * 3
    assert event.resolved == ["reader"]
    assert (cache.misses, cache.hits) == (1, 3)
    for stream in streams[1:]:
        await stream.aclose()


async def test_the_cache_is_bounded() -> None:
    schema, cache = _schema()
    cache.maxsize = 3
    streams = [await _subscribe(schema, "subscription { events { name } }", None, _context(READER))]
    for i in range(10):
        results = await _publish(Event(name=f"e{i}", resolved=[]), streams)
        assert results[0].data == {"events": {"name": f"e{i}"}}
        assert len(cache) <= 3
    assert len(cache._by_data) <= 3
    await streams[0].aclose()


class _Socket:
    """Stands in for starlette's WebSocket: records the text frames."""

    def __init__(self) -> None:
        self.sent: list[str] = []

    async def send_text(self, text: str) -> None:
        self.sent.append(text)


def _handler(schema: strawberry.Schema, socket: _Socket, cache: ResultSharingCache) -> GatewayTransportWSHandler:
    view = GraphQL(schema)
    adapter = ASGIWebSocketAdapter(view, socket, socket)  # type: ignore[arg-type]
    handler = GatewayTransportWSHandler(view, adapter, _context(READER), None, schema, timedelta(seconds=1))
    handler.results = cache
    return handler


async def test_a_shared_payload_is_encoded_once_and_frames_are_strawberrys_bytes() -> None:
    schema, cache = _schema()
    query = 'subscription { events { name viewer greeting(prefix: "é\\"<") } }'
    streams = [await _subscribe(schema, query, None, _context(READER)) for _ in range(3)]
    results = await _publish(Event(name="ünï", resolved=[]), streams)
    sockets = [_Socket() for _ in results]
    operation_ids = ["a", 'b"\\é', "3"]
    for result, socket, operation_id in zip(results, sockets, operation_ids, strict=True):
        handler = _handler(schema, socket, cache)
        await Operation(handler, operation_id, query, None, None).send_next(result)
        await handler.send_message({"type": "pong"})  # anything else: strawberry's path
    for result, socket, operation_id in zip(results, sockets, operation_ids, strict=True):
        message = {"id": operation_id, "type": "next", "payload": {"data": result.data}}
        assert socket.sent == [json.dumps(message, separators=(",", ":")), '{"type":"pong"}']
    assert (cache.payload_encodes, cache.payload_reuses) == (1, 2)

    # Errors, extensions, or data of no shared result: encoded as strawberry does, nothing cached.
    socket = _Socket()
    handler = _handler(schema, socket, cache)
    own = ExecutionResult(data={"events": {"name": "x"}}, errors=None)
    with_errors = ExecutionResult(data=results[0].data, errors=[GraphQLError("boom")])
    with_extensions = ExecutionResult(data=results[0].data, errors=None, extensions={"cost": 1})
    for result in (own, with_errors, with_extensions):
        await Operation(handler, "z", query, None, None).send_next(result)
    assert [json.loads(frame)["payload"] for frame in socket.sent] == [
        {"data": {"events": {"name": "x"}}},
        {"data": results[0].data, "errors": [{"message": "boom"}]},
        {"data": results[0].data, "extensions": {"cost": 1}},
    ]
    assert (cache.payload_encodes, cache.payload_reuses) == (1, 2)
    for stream in streams:
        await stream.aclose()


def test_the_gateway_view_uses_the_sharing_handler() -> None:
    from gateway.app import GatewayGraphQL

    assert GatewayGraphQL.graphql_transport_ws_handler_class is GatewayTransportWSHandler
    assert (
        Context(
            principal=READER, settings=SETTINGS, stripe=STRIPE, loaders=Loaders(), request_id="a"
        ).result_sharing_key
        == _context(READER).result_sharing_key
    )
    assert _context(READER).result_sharing_key != _context(ADMIN).result_sharing_key
    other_settings = Settings(_env_file=None)  # type: ignore[call-arg]
    other = Context(principal=READER, settings=other_settings, stripe=STRIPE, loaders=Loaders(), request_id="a")
    assert other.result_sharing_key != _context(READER).result_sharing_key
