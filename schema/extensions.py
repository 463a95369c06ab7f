"""Schema extensions the gateway adds on top of strawberry's: what clients may send, what they see of a failure."""

from __future__ import annotations

import logging
from collections.abc import Callable

from graphql import GraphQLError
from strawberry.extensions import (
    DisableIntrospection,
    MaskErrors,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    ParserCache,
    QueryDepthLimiter,
    SchemaExtension,
    ValidationCache,
)

from gateway.settings import Settings

log = logging.getLogger("gateway.errors")

UNEXPECTED_ERROR = "Unexpected error"


def is_unexpected(error: GraphQLError) -> bool:
    """A resolver crashed: no code a client could act on (validation and typed errors pass through)."""
    return error.original_error is not None and not (error.extensions or {}).get("code")


class MaskUnexpectedErrors(MaskErrors):
    """Replace a crash with "Unexpected error" and the request id, and log the real error with that id."""

    def __init__(self) -> None:
        super().__init__(should_mask_error=is_unexpected, error_message=UNEXPECTED_ERROR)

    def anonymise_error(self, error: GraphQLError) -> GraphQLError:
        context = self.execution_context.context
        request_id = getattr(context, "request_id", None)
        log.error(
            "unexpected error in %s (request id %s)",
            ".".join(str(p) for p in error.path or []),
            request_id,
            exc_info=error.original_error,
        )
        return GraphQLError(
            UNEXPECTED_ERROR,
            nodes=error.nodes,
            path=error.path,
            extensions={"code": "INTERNAL", "requestId": request_id},
        )


def gateway_extensions(settings: Settings) -> list[Callable[[], SchemaExtension]]:
    """Factories for every request's extensions: caches, limits before any resolver runs, masking."""
    extensions: list[Callable[[], SchemaExtension]] = [
        # Factories: a fresh extension per request; both caches live at module level.
        lambda: ParserCache(maxsize=1024),
        lambda: ValidationCache(maxsize=1024),
        lambda: MaxTokensLimiter(max_token_count=settings.graphql_max_tokens),
        lambda: QueryDepthLimiter(max_depth=settings.graphql_max_depth),
        lambda: MaxAliasesLimiter(max_alias_count=settings.graphql_max_aliases),
        MaskUnexpectedErrors,
    ]
    if settings.is_production:
        extensions.append(DisableIntrospection)
    return extensions
