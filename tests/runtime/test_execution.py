"""`runtime.execution`: collected subfields cached across executions, keyed safely and bounded."""

from __future__ import annotations

import gc
from collections.abc import AsyncGenerator
from typing import Any

import strawberry
from graphql import parse
from graphql.execution import ExecutionResult, execute, subscribe
from strawberry.extensions import ParserCache

from runtime.execution import CachingExecutor, CollectedFieldsCache
from schema import build_schema


@strawberry.type
class Child:
    c: int = 3
    d: int = 4


@strawberry.type
class Thing:
    a: int = 1
    b: int = 2
    child: Child = strawberry.field(default_factory=Child)


@strawberry.type
class Query:
    @strawberry.field
    def thing(self) -> Thing:
        return Thing()


@strawberry.type
class Live:
    @strawberry.subscription
    async def things(self, count: int = 2) -> AsyncGenerator[Thing, None]:
        for _ in range(count):
            yield Thing()


def _schema(cache: CollectedFieldsCache) -> tuple[strawberry.Schema, type[CachingExecutor]]:
    executor_class = type("TestExecutor", (CachingExecutor,), {"fields_cache": cache})
    schema = strawberry.Schema(
        query=Query,
        subscription=Live,
        extensions=[lambda: ParserCache(maxsize=100)],
        execution_context_class=executor_class,
    )
    return schema, executor_class


def test_the_gateway_schema_uses_the_caching_executor() -> None:
    assert build_schema().execution_context_class is CachingExecutor


async def test_a_second_execution_of_a_document_hits_the_cache() -> None:
    cache = CollectedFieldsCache()
    schema, _ = _schema(cache)
    query = "{ thing { a b child { c } } }"
    first = await schema.execute(query)
    assert first.errors is None
    assert first.data == {"thing": {"a": 1, "b": 2, "child": {"c": 3}}}
    assert (cache.misses, cache.hits) == (2, 0)  # Thing's and Child's selections

    second = await schema.execute(query)
    assert second.data == first.data
    assert (cache.misses, cache.hits) == (2, 2)
    assert len(cache) == 2


async def test_include_and_skip_follow_the_variables() -> None:
    cache = CollectedFieldsCache()
    schema, _ = _schema(cache)
    query = """
        query Q($x: Boolean!, $s: Boolean!) {
          thing { a b @include(if: $x) ...F }
        }
        fragment F on Thing { child @skip(if: $s) { c ... on Child @include(if: $x) { d } } }
    """
    expected = {
        (True, False): {"a": 1, "b": 2, "child": {"c": 3, "d": 4}},
        (False, False): {"a": 1, "child": {"c": 3}},
        (True, True): {"a": 1, "b": 2},
        (False, True): {"a": 1},
    }
    for _ in range(2):
        for (x, s), data in expected.items():
            result = await schema.execute(query, variable_values={"x": x, "s": s})
            assert result.errors is None
            assert result.data == {"thing": data}
    assert cache.hits > 0
    # Thing: 4 variable combinations; Child: reached only when not skipped, 2 values of $x.
    assert cache.misses == 6


async def test_literal_directives_are_cached_and_defer_is_not() -> None:
    cache = CollectedFieldsCache()
    schema, _ = _schema(cache)
    for _ in range(2):
        result = await schema.execute("{ thing { a b @skip(if: true) } }")
        assert result.data == {"thing": {"a": 1}}
    assert (cache.misses, cache.hits) == (1, 1)

    document = parse("{ thing { a ... @defer(if: false) { b } } }")
    for _ in range(2):
        plain = execute(schema._schema, document, executor_class=schema.execution_context_class)
        assert isinstance(plain, ExecutionResult)
        assert plain.data == {"thing": {"a": 1, "b": 2}}
    # A selection with @defer is never cached, whatever its `if`.
    assert (cache.misses, cache.hits) == (1, 1)
    assert cache.bypassed == 2


async def test_the_cache_is_bounded_and_evicts_the_oldest() -> None:
    cache = CollectedFieldsCache(maxsize=3)
    schema, _ = _schema(cache)
    fields = ["a", "b", "a b", "b a", "child { c }", "a child { d }"]
    for selection in fields:
        result = await schema.execute(f"{{ thing {{ {selection} }} }}")
        assert result.errors is None
        assert len(cache) <= 3
    assert len(cache) == 3
    assert len(cache._plans) <= 3
    # The first document was evicted: executing it again collects again, and right.
    misses = cache.misses
    result = await schema.execute("{ thing { a } }")
    assert result.data == {"thing": {"a": 1}}
    assert cache.misses == misses + 1


async def test_documents_that_die_cannot_be_mistaken_for_new_ones() -> None:
    # Without the ParserCache every execution parses a new document; the old ones die.
    cache = CollectedFieldsCache(maxsize=8)
    executor_class = type("TestExecutor", (CachingExecutor,), {"fields_cache": cache})
    schema = strawberry.Schema(query=Query, execution_context_class=executor_class)
    for i in range(50):
        selection = "a" if i % 2 else "b child { c }"
        result = await schema.execute(f"{{ thing {{ {selection} }} }}")
        gc.collect()
        expected: dict[str, Any] = {"a": 1} if i % 2 else {"b": 2, "child": {"c": 3}}
        assert result.data == {"thing": expected}
    assert cache.hits == 0  # every document was new
    assert len(cache) <= 8


async def test_subscription_events_hit_the_cache_and_keep_no_per_event_memo() -> None:
    cache = CollectedFieldsCache()
    schema, executor_class = _schema(cache)
    document = parse("subscription { things(count: 3) { a child { c } } }")
    executor = executor_class.build(schema._schema, document)
    assert isinstance(executor, CachingExecutor)
    stream = subscribe(schema._schema, document, executor_class=executor_class)
    if not isinstance(stream, ExecutionResult) and not hasattr(stream, "__aiter__"):
        stream = await stream
    assert not isinstance(stream, ExecutionResult)
    results = [result async for result in stream]
    assert [r.data for r in results] == [{"things": {"a": 1, "child": {"c": 3}}}] * 3
    assert (cache.misses, cache.hits) == (2, 4)

    # graphql-core's per-event executors share the subscription executor's memo (a shallow copy):
    # ours give each event its own, so the subscription's does not grow with every event.
    for _ in range(3):
        event = executor.build_per_event_executor(Thing())
        assert event._relevant_sub_fields is not executor._relevant_sub_fields
    assert executor._relevant_sub_fields == {}
