"""The persisted documents' store (decision 0066): one row per hash, an operator's claim, the allow-list's reads,
the retention of the documents clients registered."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Literal

import pytest
import pytest_asyncio

from base.settings import Settings
from billing import document_store
from billing.document_store import (
    USE_RECORDED_EVERY,
    document_hash,
    list_documents,
    load_document,
    mark_used,
    purge_unused,
    store_document,
)
from models import PersistedDocument
from tests.support.aliases import PgDatabaseFactory
from tests.support.database import tortoise_on

NOW = datetime(2026, 12, 5, 12, 0, tzinfo=UTC)
OLD = NOW - timedelta(days=40)


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


@pytest_asyncio.fixture(loop_scope="session")
async def retention_db(pg_database_factory: PgDatabaseFactory) -> AsyncIterator[Settings]:
    """A database of its own per test: the retention deletes across the whole table."""
    async with tortoise_on(await pg_database_factory("document_retention")) as settings:
        yield settings


async def _stored(source: Literal["apq", "operator"], last_used_at: datetime | None, created_at: datetime) -> str:
    sha256, _ = await store_document(f"query R{uuid.uuid4().hex} {{ __typename }}", source)
    await PersistedDocument.filter(sha256=sha256).update(last_used_at=last_used_at, created_at=created_at)
    return sha256


@pytest.mark.asyncio(loop_scope="session")
async def test_client_documents_unused_for_the_retention_go_an_operators_stay(retention_db: Settings) -> None:
    settings = retention_db.model_copy(update={"persisted_queries_retention_days": 30})
    unused = await _stored("apq", OLD, OLD)
    used_lately = await _stored("apq", NOW - timedelta(days=29), OLD)
    operators = await _stored("operator", OLD, OLD)
    before_migration_10 = await _stored("apq", None, OLD)  # no `last_used_at`: its age is its creation's
    new_before_migration_10 = await _stored("apq", None, NOW - timedelta(days=1))

    assert await purge_unused(retention_db.model_copy(update={"persisted_queries_retention_days": 0}), NOW) == 0
    assert await purge_unused(settings, NOW) == 2

    left = set(await PersistedDocument.all().values_list("sha256", flat=True))
    assert left == {used_lately, operators, new_before_migration_10}
    assert unused not in left and before_migration_10 not in left


@pytest.mark.asyncio(loop_scope="session")
async def test_a_use_is_written_at_most_once_a_day(retention_db: Settings) -> None:
    sha256, _ = await store_document(f"query U{uuid.uuid4().hex} {{ __typename }}", "apq")
    stored_at = (await PersistedDocument.get(sha256=sha256)).last_used_at
    assert stored_at is not None  # storing is a use
    assert not await mark_used(sha256, stored_at + timedelta(hours=23))  # this process recorded it a day ago at most

    a_day_later = stored_at + USE_RECORDED_EVERY + timedelta(minutes=1)
    assert await mark_used(sha256, a_day_later)
    assert (await PersistedDocument.get(sha256=sha256)).last_used_at == a_day_later

    # Another process (nothing recorded in its memory) finds the row recorded within the day: no write.
    document_store._recorded.clear()
    assert not await mark_used(sha256, a_day_later + timedelta(hours=1))
    assert (await PersistedDocument.get(sha256=sha256)).last_used_at == a_day_later
    assert not await mark_used("0" * 64, a_day_later)  # no such document: nothing to record
