"""Persisted documents over any transport: Apollo's automatic persisted queries and the allow-list (decision 0066).

A request names its document by hash in `extensions.persistedQuery` (`{"version": 1,
"sha256Hash": "<64 hex>"}`), with or without `query`:

- hash only: the stored document runs (`PERSISTED_QUERY_NOT_FOUND` when none is stored: the client
  sends it again with `query`);
- hash and `query`: the hash must be the SHA-256 of `query` (`PERSISTED_QUERY_HASH_MISMATCH`); in
  `apq` mode the document is stored once it parsed and validated, then runs.

With `PERSISTED_QUERIES=allowlist` only documents an operator stored run: by hash, or as full
text whose hash is stored; anything else is `PERSISTED_QUERY_NOT_ALLOWED`, and clients store nothing.
The operator console's requests (its session cookie, `Context.console`) are exempt: it builds its
documents at run time; they are neither refused nor stored.

A document this process parsed and validated is kept by hash (`runtime.strawberry_schema.ValidatedDocuments`):
the next request naming it skips parsing and validation. Malformed persisted-query input is a
GraphQL error answered 400 over HTTP (`PERSISTED_QUERY_INVALID`), never a crash.
"""

from __future__ import annotations

from typing import Any, Final

from graphql import GraphQLError

from base.error_codes import ErrorCode
from billing.document_store import SHA256_HEX, document_hash, load_document, mark_used, store_document
from runtime.strawberry_schema import LeanSchema, SpecExecutionContext

__all__ = ["ALLOWLIST", "PERSISTED_QUERY", "document_validated", "resolve_document"]

PERSISTED_QUERY: Final = "persistedQuery"
ALLOWLIST: Final = "allowlist"

_NOT_FOUND_MESSAGE: Final = "PersistedQueryNotFound"
"""Apollo's message: its clients match the message or the code, then send the document."""


def _error(message: str, code: ErrorCode, context: SpecExecutionContext, *, status: int | None = 400) -> GraphQLError:
    response = getattr(context.context, "response", None)
    if status is not None and response is not None:
        response.status_code = status  # over HTTP; a WebSocket has only the error
    return GraphQLError(message, extensions={"code": code})


def _mode(context: SpecExecutionContext) -> str:
    settings = getattr(context.context, "settings", None)
    return str(getattr(settings, "persisted_queries", "apq"))


def _requested_hash(context: SpecExecutionContext, extensions: Any) -> str | GraphQLError | None:
    """The lower-case hash the request names, None when it names none, or the error for a malformed one."""
    if extensions is None or not isinstance(extensions, dict) or PERSISTED_QUERY not in extensions:
        return None
    persisted = extensions[PERSISTED_QUERY]
    if not isinstance(persisted, dict):
        return _error("`extensions.persistedQuery` must be an object", ErrorCode.PERSISTED_QUERY_INVALID, context)
    if persisted.get("version") != 1 or isinstance(persisted.get("version"), bool):
        return _error(
            "`extensions.persistedQuery.version` must be 1 (the only version)",
            ErrorCode.PERSISTED_QUERY_INVALID,
            context,
        )
    sha256 = persisted.get("sha256Hash")
    if not isinstance(sha256, str) or not SHA256_HEX.fullmatch(sha256):
        return _error(
            "`extensions.persistedQuery.sha256Hash` must be 64 hexadecimal digits (the SHA-256 of the document)",
            ErrorCode.PERSISTED_QUERY_INVALID,
            context,
        )
    return sha256.lower()


async def resolve_document(schema: LeanSchema, context: SpecExecutionContext) -> GraphQLError | None:
    """Name the request's document by hash, hand over a kept one, or refuse (see the module docstring)."""
    # The operator console builds its documents at run time: its requests are not held to the allow-list,
    # and register nothing (decision 0066).
    exempt = getattr(context.context, "console", False) is True
    mode = _mode(context)
    allowlist = mode == ALLOWLIST and not exempt
    requested = _requested_hash(context, context.operation_extensions)
    if isinstance(requested, GraphQLError):
        return requested
    query = context.query
    if requested is None:
        if not allowlist or not isinstance(query, str) or not query:
            return None  # an ordinary request (a blank one is refused further on)
        sha256 = document_hash(query)
    elif isinstance(query, str) and query:
        sha256 = requested
        if document_hash(query) != sha256:
            return _error(
                "`extensions.persistedQuery.sha256Hash` is not the SHA-256 of `query`",
                ErrorCode.PERSISTED_QUERY_HASH_MISMATCH,
                context,
            )
    else:
        sha256 = requested
    context.document_key = sha256
    kept = schema.validated_documents.get(sha256, query or None, context.validation_rules)
    if kept is not None:
        await mark_used(sha256)  # at most one write a day per document and process: keeps a client's alive
        context.use_validated(*kept)
        return None
    # The allow-list is what operators stored: documents clients registered while in `apq` mode are not on it.
    stored = await load_document(sha256, operator_only=mode == ALLOWLIST)
    if stored is None:
        if allowlist:
            return _error(
                "the document is not on this gateway's allow-list (an operator registers it)",
                ErrorCode.PERSISTED_QUERY_NOT_ALLOWED,
                context,
            )
        if not query:
            return _error(_NOT_FOUND_MESSAGE, ErrorCode.PERSISTED_QUERY_NOT_FOUND, context, status=None)
        if mode == ALLOWLIST:  # the console's own document: runs, neither stored nor kept by hash
            context.document_key = None
            return None
        context.register_document = True  # stored once it parsed and validated (`document_validated`)
        return None
    # Stored (by this or another process) but not parsed here yet: parsed and validated once, then kept.
    await mark_used(sha256)
    context.query = stored
    return None


async def document_validated(schema: LeanSchema, context: SpecExecutionContext) -> None:
    """Keep the validated document by hash; store it first when a client registered it (`apq` mode)."""
    sha256, text, document = context.document_key, context.query, context.graphql_document
    if sha256 is None or text is None or document is None:
        return
    if context.register_document:
        await store_document(text, "apq")
    schema.validated_documents.put(sha256, text, document, context.validation_rules)
