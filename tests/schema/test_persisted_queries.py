"""Persisted documents in the schema (decision 0066): APQ, the allow-list, bad input, and no parse/validate on a hit."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import pytest_asyncio
from strawberry.extensions import SchemaExtension
from strawberry.types import ExecutionResult

from base.error_codes import ErrorCode
from base.principals import Principal, Scope, effective_scopes
from base.settings import Settings
from billing import document_store
from billing.document_store import document_hash, store_document
from billing.loaders import Loaders
from billing.request_context import Context
from models import PersistedDocument
from schema import build_schema
from stripe_provider.adapter import StripeAdapter
from tests.support.aliases import PgDatabaseFactory
from tests.support.database import tortoise_on

READER = Principal(kind="api_key", id="persisted", scopes=effective_scopes([Scope.READ]))
STEPS: list[str] = []


class CountSteps(SchemaExtension):
    """Records every parsing and validation step an operation enters (ParserCache and CachedValidation run there)."""

    def on_parse(self) -> Iterator[None]:
        STEPS.append("parse")
        yield

    def on_validate(self) -> Iterator[None]:
        STEPS.append("validate")
        yield


def settings(**values: Any) -> Settings:
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def database(pg_database_factory: PgDatabaseFactory) -> AsyncIterator[None]:
    async with tortoise_on(await pg_database_factory("persisted")):
        yield


class Gateway:
    """One schema (one process's memory) with its settings."""

    def __init__(self, config: Settings) -> None:
        self.config = config
        self.schema = build_schema(config, extra_extensions=[CountSteps])

    async def run(
        self, query: str | None, persisted: object = None, *, with_hash: str | None = None, console: bool = False
    ) -> Any:
        extensions: dict[str, Any] | None = None
        if persisted is not None:
            extensions = {"persistedQuery": persisted}
        elif with_hash is not None:
            extensions = {"persistedQuery": {"version": 1, "sha256Hash": with_hash}}
        STEPS.clear()
        stripe = StripeAdapter(self.config)
        try:
            context = Context(
                principal=READER,
                settings=self.config,
                stripe=stripe,
                loaders=Loaders(),
                request_id="r1",
                console=console,
            )
            return await self.schema.execute(query, context_value=context, operation_extensions=extensions)
        finally:
            await stripe.aclose()


def a_document() -> str:
    return f"query Probe{uuid.uuid4().hex} {{ __typename }}"


def codes(result: ExecutionResult) -> list[object]:
    return [(error.extensions or {}).get("code") for error in result.errors or []]


async def test_apq_a_miss_then_registration_then_the_hash_alone(database: None) -> None:
    gateway = Gateway(settings())
    text = a_document()
    sha256 = document_hash(text)

    missed = await gateway.run(None, with_hash=sha256)
    assert missed.data is None and codes(missed) == [ErrorCode.PERSISTED_QUERY_NOT_FOUND]
    assert missed.errors is not None and missed.errors[0].message == "PersistedQueryNotFound"

    registered = await gateway.run(text, with_hash=sha256)
    assert registered.errors is None and registered.data == {"__typename": "Query"}
    assert STEPS == ["parse", "validate"]
    row = await PersistedDocument.get(sha256=sha256)
    assert row.document == text and row.source == "apq"

    hits = gateway.schema.validated_documents.hits
    by_hash = await gateway.run(None, with_hash=sha256)
    assert by_hash.errors is None and by_hash.data == {"__typename": "Query"}
    assert STEPS == [], "a registered document is neither parsed nor validated again"
    assert gateway.schema.validated_documents.hits == hits + 1


async def test_another_process_parses_a_stored_document_once(database: None) -> None:
    text = a_document()
    sha256, _ = await store_document(text, "apq")
    other = Gateway(settings())
    first = await other.run(None, with_hash=sha256)
    assert first.data == {"__typename": "Query"} and STEPS == ["parse", "validate"]
    second = await other.run(None, with_hash=sha256.upper())
    assert second.data == {"__typename": "Query"} and STEPS == []


async def test_a_document_that_does_not_validate_is_not_stored(database: None) -> None:
    gateway = Gateway(settings())
    text = f"query Bad{uuid.uuid4().hex} {{ noSuchField }}"
    result = await gateway.run(text, with_hash=document_hash(text))
    assert result.data is None and result.errors
    assert not await PersistedDocument.exists(sha256=document_hash(text))


@pytest.mark.parametrize(
    ("persisted", "code"),
    [
        ("not an object", ErrorCode.PERSISTED_QUERY_INVALID),
        ([1], ErrorCode.PERSISTED_QUERY_INVALID),
        ({"version": 1, "sha256Hash": "abc"}, ErrorCode.PERSISTED_QUERY_INVALID),
        ({"version": 1, "sha256Hash": "g" * 64}, ErrorCode.PERSISTED_QUERY_INVALID),
        ({"version": 1, "sha256Hash": 12}, ErrorCode.PERSISTED_QUERY_INVALID),
        ({"version": 2, "sha256Hash": "0" * 64}, ErrorCode.PERSISTED_QUERY_INVALID),
        ({"version": True, "sha256Hash": "0" * 64}, ErrorCode.PERSISTED_QUERY_INVALID),
        ({"sha256Hash": "0" * 64}, ErrorCode.PERSISTED_QUERY_INVALID),
        ({"version": 1, "sha256Hash": "0" * 64}, ErrorCode.PERSISTED_QUERY_HASH_MISMATCH),
    ],
)
async def test_bad_persisted_query_input_is_a_typed_error(database: None, persisted: object, code: ErrorCode) -> None:
    gateway = Gateway(settings())
    text = a_document()
    result = await gateway.run(text, persisted)
    assert result.data is None and codes(result) == [code]
    assert STEPS == []
    assert not await PersistedDocument.exists(sha256=document_hash(text))


async def test_allowlist_runs_only_what_an_operator_stored(database: None) -> None:
    gateway = Gateway(settings(persisted_queries="allowlist"))
    text = a_document()
    sha256 = document_hash(text)

    for query, with_hash in ((text, None), (None, sha256), (text, sha256)):
        refused = await gateway.run(query, with_hash=with_hash)
        assert refused.data is None and codes(refused) == [ErrorCode.PERSISTED_QUERY_NOT_ALLOWED]
    assert not await PersistedDocument.exists(sha256=sha256), "clients register nothing in allow-list mode"

    await store_document(text, "operator")
    by_hash = await gateway.run(None, with_hash=sha256)
    assert by_hash.errors is None and by_hash.data == {"__typename": "Query"}
    as_text = await gateway.run(text)
    assert as_text.errors is None and as_text.data == {"__typename": "Query"}
    assert STEPS == [], "the full text of a registered document runs the kept one"


async def test_allowlist_ignores_what_clients_registered_until_an_operator_adds_it(database: None) -> None:
    text = a_document()
    sha256, created = await store_document(text, "apq")  # registered by a client while the gateway ran `apq`
    assert created
    strict = Gateway(settings(persisted_queries="allowlist"))
    refused = await strict.run(None, with_hash=sha256)
    assert codes(refused) == [ErrorCode.PERSISTED_QUERY_NOT_ALLOWED]
    assert await store_document(text, "operator") == (sha256, False)
    assert (await PersistedDocument.get(sha256=sha256)).source == "operator"
    allowed = await strict.run(None, with_hash=sha256)
    assert allowed.errors is None and allowed.data == {"__typename": "Query"}


async def test_the_console_is_exempt_from_the_allowlist_and_opens_no_door(database: None) -> None:
    strict = Gateway(settings(persisted_queries="allowlist"))
    text = a_document()
    sha256 = document_hash(text)
    for with_hash in (None, sha256):
        ran = await strict.run(text, with_hash=with_hash, console=True)
        assert ran.errors is None and ran.data == {"__typename": "Query"}
    assert not await PersistedDocument.exists(sha256=sha256)
    assert len(strict.schema.validated_documents) == 0
    for query, with_hash in ((text, None), (None, sha256)):
        refused = await strict.run(query, with_hash=with_hash)
        assert codes(refused) == [ErrorCode.PERSISTED_QUERY_NOT_ALLOWED]


async def test_running_a_kept_document_records_its_use_a_day_after_the_last(database: None) -> None:
    gateway = Gateway(settings())
    text = a_document()
    sha256 = document_hash(text)
    assert (await gateway.run(text, with_hash=sha256)).errors is None  # registered: its first use
    two_days_ago = datetime.now(UTC) - timedelta(days=2)
    await PersistedDocument.filter(sha256=sha256).update(last_used_at=two_days_ago)
    document_store._recorded.clear()  # as in a process that has not recorded it yet

    assert (await gateway.run(None, with_hash=sha256)).errors is None and STEPS == []  # kept in memory
    recorded = (await PersistedDocument.get(sha256=sha256)).last_used_at
    assert recorded is not None and recorded > two_days_ago + timedelta(days=1)
