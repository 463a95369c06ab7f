"""Persisted GraphQL documents: trusted documents named by their SHA-256 hash (decision 0066)."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model


class PersistedDocument(Model):
    """One GraphQL document, stored once under the lowercase hex SHA-256 of its UTF-8 text.

    Shared by every gateway process: a document one process stored is found by the others (each
    keeps its own parsed and validated copy in memory, `runtime.strawberry_schema.ValidatedDocuments`).
    """

    sha256 = fields.CharField(max_length=64, primary_key=True)
    document = fields.TextField()
    source = fields.CharField(max_length=16)
    """`operator` (`billing-gateway persisted-queries add`: the allow-list) or `apq` (registered by a client)."""
    created_at = fields.DatetimeField(auto_now_add=True)
    last_used_at = fields.DatetimeField(null=True)
    """When a request last ran it, to a day (`billing.document_store.mark_used`); None: not since migration 10.

    Client-registered (`apq`) documents unused for `PERSISTED_QUERIES_RETENTION_DAYS` are removed."""

    class Meta:
        table = "persisted_documents"
