"""The stored persisted documents (decision 0066): GraphQL documents named by their SHA-256 hash.

One table shared by every gateway process (`models.PersistedDocument`); each process keeps the
parsed and validated documents it used in memory (`runtime.strawberry_schema.ValidatedDocuments`),
so the table is read once per document and process. A document is stored by a client (Apollo's
automatic persisted queries, after it parsed and validated) or by an operator
(`billing-gateway persisted-queries add`, the allow-list).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Final, Literal

from models import PersistedDocument

__all__ = [
    "SHA256_HEX",
    "StoredDocument",
    "document_hash",
    "list_documents",
    "load_document",
    "store_document",
]

SHA256_HEX: Final = re.compile(r"[0-9a-fA-F]{64}")
"""What a persisted document's name looks like (compared lower case)."""

Source = Literal["apq", "operator"]


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
    await PersistedDocument.bulk_create(
        [PersistedDocument(sha256=sha256, document=text, source=source)], ignore_conflicts=True
    )
    return sha256, True


async def list_documents() -> list[StoredDocument]:
    """Every stored document, oldest first."""
    rows = await PersistedDocument.all().order_by("created_at", "sha256")
    return [StoredDocument(row.sha256, row.document, row.source, row.created_at) for row in rows]
