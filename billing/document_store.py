"""The stored persisted documents (decision 0066): GraphQL documents named by their SHA-256 hash.

One table shared by every gateway process (`models.PersistedDocument`); each process keeps the
parsed and validated documents it used in memory (`runtime.strawberry_schema.ValidatedDocuments`),
so the table is read once per document and process. A document is stored by a client (Apollo's
automatic persisted queries, after it parsed and validated) or by an operator
(`billing-gateway persisted-queries add`, the allow-list).

Retention: a client's documents that no request ran for `PERSISTED_QUERIES_RETENTION_DAYS` are
removed (`purge_unused`, from the worker's sweeper); a client whose document went registers it
again on its next `PersistedQueryNotFound`. An operator's documents are never removed. Each use
is recorded at most once a day per document and process (`mark_used`), so the hot path of a
document kept in memory stays free of writes.
"""

from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Final, Literal

from tortoise.expressions import Q

from base.db import is_database_unavailable
from base.settings import Settings
from models import PersistedDocument

__all__ = [
    "SHA256_HEX",
    "USE_RECORDED_EVERY",
    "StoredDocument",
    "document_hash",
    "list_documents",
    "load_document",
    "mark_used",
    "purge_unused",
    "store_document",
]

log = logging.getLogger("billing.document_store")

SHA256_HEX: Final = re.compile(r"[0-9a-fA-F]{64}")
"""What a persisted document's name looks like (compared lower case)."""

Source = Literal["apq", "operator"]

USE_RECORDED_EVERY: Final = timedelta(days=1)
"""How stale a document's `last_used_at` may get: the retention is counted in days."""
_RECORDED_KEPT: Final = 16_384
"""Hashes whose last recorded use this process remembers (forgetting costs one more conditional UPDATE)."""
_recorded: dict[str, datetime] = {}
"""When this process last recorded each document's use."""


def document_hash(text: str) -> str:
    """The lowercase hex SHA-256 of the document's UTF-8 text: its name (Apollo's `sha256Hash`)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class StoredDocument:
    sha256: str
    document: str
    source: str
    created_at: datetime


async def load_document(sha256: str, *, operator_only: bool = False) -> str | None:
    """The document stored under `sha256` (lower case), or None; `operator_only`: None unless an operator stored it."""
    query = PersistedDocument.filter(sha256=sha256)
    if operator_only:
        query = query.filter(source="operator")
    row = await query.only("sha256", "document").first()
    return None if row is None else row.document


async def store_document(text: str, source: Source) -> tuple[str, bool]:
    """Store `text` under its hash; (hash, False when it was stored already). An operator's claims a client's.

    Two processes storing the same document at once is no error (the row is the same).
    """
    sha256 = document_hash(text)
    stored = await PersistedDocument.get_or_none(sha256=sha256).only("sha256", "source")
    if stored is not None:
        if source == "operator" and stored.source != "operator":
            # On the allow-list from now on (a client's registration never is).
            await PersistedDocument.filter(sha256=sha256).update(source="operator")
        return sha256, False
    now = datetime.now(UTC)
    await PersistedDocument.bulk_create(
        [PersistedDocument(sha256=sha256, document=text, source=source, last_used_at=now)], ignore_conflicts=True
    )
    _recorded[sha256] = now
    return sha256, True


async def mark_used(sha256: str, now: datetime | None = None) -> bool:
    """Record that a request ran the document, when this process has not in the last day; True if a row changed.

    The UPDATE only touches a row whose `last_used_at` is a day old (another process may have
    recorded it since). A database that cannot be reached skips the record: the request goes on.
    """
    at = now or datetime.now(UTC)
    last = _recorded.get(sha256)
    if last is not None and at - last < USE_RECORDED_EVERY:
        return False
    if len(_recorded) >= _RECORDED_KEPT:
        _recorded.clear()
    _recorded[sha256] = at  # before the await: concurrent requests for it send one UPDATE
    try:
        changed = await PersistedDocument.filter(
            Q(last_used_at__isnull=True) | Q(last_used_at__lt=at - USE_RECORDED_EVERY), sha256=sha256
        ).update(last_used_at=at)
    except Exception as exc:
        _recorded.pop(sha256, None)
        if is_database_unavailable(exc):
            return False
        raise
    return changed > 0


async def purge_unused(settings: Settings, now: datetime | None = None) -> int:
    """Delete the client-registered documents no request ran within the retention (none when it is 0); how many."""
    if settings.persisted_queries_retention_days <= 0:
        return 0
    cutoff = (now or datetime.now(UTC)) - timedelta(days=settings.persisted_queries_retention_days)
    # A row stored before migration 10 has no `last_used_at`: its age counts from its creation.
    unused = Q(last_used_at__lt=cutoff) | Q(last_used_at__isnull=True, created_at__lt=cutoff)
    deleted = await PersistedDocument.filter(unused, source="apq").delete()
    if deleted:
        log.info(
            "removed %d client-registered persisted documents unused for %d days",
            deleted,
            settings.persisted_queries_retention_days,
        )
    return int(deleted)


async def list_documents() -> list[StoredDocument]:
    """Every stored document, oldest first."""
    rows = await PersistedDocument.all().order_by("created_at", "sha256")
    return [StoredDocument(row.sha256, row.document, row.source, row.created_at) for row in rows]
