"""The persisted documents' store (decision 0066): one row per hash, an operator's claim, the allow-list's reads."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import AsyncIterator

import pytest_asyncio

from billing.document_store import document_hash, list_documents, load_document, store_document
from models import PersistedDocument
from tests.support.aliases import PgDatabaseFactory
from tests.support.database import tortoise_on


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def database(pg_database_factory: PgDatabaseFactory) -> AsyncIterator[None]:
    async with tortoise_on(await pg_database_factory("document_store")):
        yield


def test_the_hash_is_the_lowercase_sha256_of_the_utf8_text() -> None:
    text = "query Café { __typename }"
    assert document_hash(text) == hashlib.sha256(text.encode("utf-8")).hexdigest()
    assert document_hash(text) == document_hash(text).lower()


async def test_a_document_is_stored_once_and_an_operator_claims_a_clients(database: None) -> None:
    text = f"query Q{uuid.uuid4().hex} {{ __typename }}"
    sha256, created = await store_document(text, "apq")
    assert created and await store_document(text, "apq") == (sha256, False)
    assert await PersistedDocument.filter(sha256=sha256).count() == 1
    assert await load_document(sha256) == text
    assert await load_document(sha256, operator_only=True) is None
    assert await store_document(text, "operator") == (sha256, False)
    assert await load_document(sha256, operator_only=True) == text
    assert await store_document(text, "apq") == (sha256, False)
    assert (await PersistedDocument.get(sha256=sha256)).source == "operator", "a client never takes it back"
    assert await load_document("0" * 64) is None


async def test_list_is_oldest_first(database: None) -> None:
    first, _ = await store_document(f"query A{uuid.uuid4().hex} {{ __typename }}", "operator")
    second, _ = await store_document(f"query B{uuid.uuid4().hex} {{ __typename }}", "apq")
    rows = await list_documents()
    assert {first, second} <= {row.sha256 for row in rows}
    assert [(r.created_at, r.sha256) for r in rows] == sorted((r.created_at, r.sha256) for r in rows)
