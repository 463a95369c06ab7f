"""Schema extensions the gateway adds on top of strawberry's: what clients may send, what they see of a failure.

The gateway's policy only (error codes and masking, limits, what a refusal logs); what leans on
strawberry's and graphql-core's internals is in `runtime/` (`runtime.strawberry_schema`,
`runtime.operation_hooks`, `runtime.selection`).
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator, Callable, Mapping
from typing import Any, Final

import structlog
from graphql import (
    ASTValidationRule,
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    GraphQLError,
    GraphQLObjectType,
    GraphQLSchema,
    NoSchemaIntrospectionCustomRule,
    OperationDefinitionNode,
    SelectionSetNode,
    get_named_type,
    get_operation_ast,
    parse,
    validate,
)
from strawberry.exceptions import MissingQueryError
from strawberry.extensions import (
    AddValidationRules,
    DisableIntrospection,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    ParserCache,
    QueryDepthLimiter,
    SchemaExtension,
)
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError
from strawberry.types import ExecutionContext
from strawberry.types.graphql import OperationType

from base.db import DATABASE_RETRY_AFTER_SECONDS, is_database_unavailable
from base.error_codes import ErrorCode
from base.ids import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE
from base.settings import Settings
from runtime.selection import argument_value, flat_selections
from runtime.strawberry_schema import (
    CachedValidation,
    LeanMaskErrors,
    LeanSchema,
    SpecExecutionContext,
    graphql_schema,
)
from schema import persisted_queries

log = logging.getLogger("gateway.errors")
client_log = structlog.get_logger("gateway.graphql")

UNEXPECTED_ERROR = "Unexpected error"


REQUEST_ERRORS: Final = (MissingQueryError, CannotGetOperationTypeError, InvalidOperationTypeError)
"""strawberry's errors about the request itself (no query, no operation to run): the client's to fix.

Over HTTP strawberry answers them 400; over a WebSocket they arrive wrapped in a GraphQL error.
"""


def request_error_message(error: Exception) -> str:
    """What a client is told about one of `REQUEST_ERRORS` (strawberry's own wording, as over HTTP)."""
    if isinstance(error, CannotGetOperationTypeError):
        return error.as_http_error_reason()
    if isinstance(error, InvalidOperationTypeError):
        return error.as_http_error_reason("WebSocket")
    return "No GraphQL query found in the request"


def is_unexpected(error: GraphQLError) -> bool:
    """A resolver crashed: no code a client could act on (validation and typed errors pass through)."""
    original = error.original_error
    if isinstance(original, REQUEST_ERRORS):
        return True  # typed by `MaskUnexpectedErrors.anonymise_error`, not hidden
    if error.path is None and isinstance(original, GraphQLError):
        # A variable that does not coerce to its type: the client's mistake, reported by graphql-core.
        return False
    return original is not None and not (error.extensions or {}).get("code")


class MaskUnexpectedErrors(LeanMaskErrors):
    """Replace a crash with "Unexpected error" and the request id, and log the real error with that id.

    A resolver that failed because PostgreSQL is unreachable is not a crash: it becomes
    `SERVICE_UNAVAILABLE` with `retryAfter`, and over HTTP the answer is 503 with `Retry-After`.
    """

    def __init__(self) -> None:
        super().__init__(should_mask_error=is_unexpected, error_message=UNEXPECTED_ERROR)

    def anonymise_error(self, error: GraphQLError) -> GraphQLError:
        if isinstance(error.original_error, REQUEST_ERRORS):
            return GraphQLError(
                request_error_message(error.original_error), extensions={"code": ErrorCode.VALIDATION_FAILED}
            )
        context = self.execution_context.context
        request_id = getattr(context, "request_id", None)
        if is_database_unavailable(error.original_error):
            return _service_unavailable(error, context, request_id)
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
            extensions={"code": ErrorCode.INTERNAL, "requestId": request_id},
        )


def _refuse_http(context: object, status: int, retry_after: int) -> None:
    """Over HTTP, answer `status` with `Retry-After` (a WebSocket context has no response: only the error tells)."""
    response = getattr(context, "response", None)
    if response is not None:
        response.status_code = status
        response.headers["Retry-After"] = str(retry_after)


def _service_unavailable(error: GraphQLError, context: object, request_id: str | None) -> GraphQLError:
    seconds = DATABASE_RETRY_AFTER_SECONDS
    log.warning(
        "database unavailable in %s (request id %s): %r",
        ".".join(str(p) for p in error.path or []),
        request_id,
        error.original_error,
    )
    _refuse_http(context, 503, seconds)
    return GraphQLError(
        f"the service is unavailable (its database cannot be reached); retry in {seconds} s",
        nodes=error.nodes,
        path=error.path,
        extensions={"code": ErrorCode.SERVICE_UNAVAILABLE, "retryAfter": seconds, "requestId": request_id},
    )


class RateLimit(SchemaExtension):
    """Charge each operation to its principal's read or mutation budget before anything resolves.

    Over HTTP a refusal is a 429 with `Retry-After`; over a WebSocket the operation gets
    the same `RATE_LIMITED` error and the socket stays open.
    """

    async def on_execute(self) -> AsyncIterator[None]:
        context = self.execution_context.context
        limiter = getattr(context, "rate_limiter", None)
        if limiter is not None:
            mutation = self.execution_context.operation_type is OperationType.MUTATION
            decision = await limiter.take(context.principal, "mutation" if mutation else "read")
            if not decision.allowed:
                seconds = decision.retry_after_seconds
                _refuse_http(context, 429, seconds)
                raise GraphQLError(
                    f"rate limit exceeded for {'mutations' if mutation else 'reads'}; retry in {seconds} s",
                    extensions={"code": ErrorCode.RATE_LIMITED, "retryAfter": seconds},
                )
        yield


def estimated_nodes(
    selection_set: SelectionSetNode,
    parent: GraphQLObjectType,
    fragments: Mapping[str, FragmentDefinitionNode],
    variables: Mapping[str, Any],
    multiplier: int = 1,
) -> int:
    """How many connection nodes a selection may return: the product of `first` along each path.

    Every selection counts (conditional ones too), and a fragment as often as it is spread.
    """
    total = 0
    walk = flat_selections((selection_set,), fragments, fragments_once=False, enter_fragment_variables=True)
    for selection in walk:
        if not isinstance(selection, FieldNode):
            continue
        field = parent.fields.get(selection.name.value)
        if field is None or selection.selection_set is None:
            continue
        count = multiplier
        if "first" in field.args:
            count = multiplier * _page_size(selection, variables)
            total += count
        child = get_named_type(field.type)
        if isinstance(child, GraphQLObjectType):
            total += estimated_nodes(selection.selection_set, child, fragments, variables, count)
    return total


def _page_size(field: FieldNode, variables: Mapping[str, Any]) -> int:
    value = argument_value(field, "first", variables)
    if isinstance(value, int):
        # Out-of-range sizes are refused by the resolver; here they count as the largest page.
        return value if 0 <= value <= MAX_PAGE_SIZE else MAX_PAGE_SIZE
    return DEFAULT_PAGE_SIZE


class MaxNodesLimiter(SchemaExtension):
    """Refuse an operation whose nested connections could return more than `max_nodes` nodes."""

    def __init__(self, *, max_nodes: int) -> None:
        self.max_nodes = max_nodes

    async def on_execute(self) -> AsyncIterator[None]:
        context = self.execution_context
        document = context.graphql_document
        operation = get_operation_ast(document, context.operation_name) if document is not None else None
        if document is not None and operation is not None:
            error = too_many_nodes(
                graphql_schema(context), document, operation, context.variables or {}, self.max_nodes
            )
            if error is not None:
                raise error
        yield


def too_many_nodes(
    schema: GraphQLSchema,
    document: DocumentNode,
    operation: OperationDefinitionNode,
    variables: Mapping[str, Any],
    max_nodes: int,
) -> GraphQLError | None:
    """`QUERY_TOO_COMPLEX` when the operation's nested connections could return more than `max_nodes` nodes."""
    root = schema.get_root_type(operation.operation)
    if root is None:
        return None
    fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
    nodes = estimated_nodes(operation.selection_set, root, fragments, variables)
    if nodes <= max_nodes:
        return None
    return GraphQLError(
        f"this query could return {nodes} nodes; the limit is {max_nodes}"
        " (ask for smaller `first` pages on nested connections)",
        extensions={"code": ErrorCode.QUERY_TOO_COMPLEX, "estimatedNodes": nodes},
    )


def limit_rules(settings: Settings) -> list[tuple[str, list[type[ASTValidationRule]]]]:
    """The validation rules of the gateway's limits beyond the spec's, each with the setting it comes from."""
    rules: list[tuple[str, list[type[ASTValidationRule]]]] = [
        ("GRAPHQL_MAX_DEPTH", list(QueryDepthLimiter(max_depth=settings.graphql_max_depth).validation_rules)),
        ("GRAPHQL_MAX_ALIASES", list(MaxAliasesLimiter(max_alias_count=settings.graphql_max_aliases).validation_rules)),
    ]
    return rules


def refusals_before_execution(schema: GraphQLSchema, settings: Settings, text: str) -> list[str]:
    """Why the gateway would refuse `text` before running it, one line each (the limits name their setting); [] if none.

    What `persisted-queries add` checks. Variables are unknown here: a `first` given by one counts as
    the default page size, so a request may still pass larger pages and be refused when it runs.
    """
    try:
        document = parse(text)
    except GraphQLError as exc:
        return [exc.message]
    try:
        parse(text, max_tokens=settings.graphql_max_tokens)
    except GraphQLError:
        return [f"GRAPHQL_MAX_TOKENS: the document has more than {settings.graphql_max_tokens} tokens"]
    problems = [error.message for error in validate(schema, document)]
    if problems:
        return problems
    limits = limit_rules(settings)
    if settings.is_production:  # `DisableIntrospection`'s rule
        limits.append(("GATEWAY_ENV=production (no introspection)", [NoSchemaIntrospectionCustomRule]))
    for setting, rules in limits:
        problems.extend(f"{setting}: {error.message}" for error in validate(schema, document, rules))
    for definition in document.definitions:
        if isinstance(definition, OperationDefinitionNode):
            error = too_many_nodes(schema, document, definition, {}, settings.graphql_max_nodes)
            if error is not None:
                problems.append(f"GRAPHQL_MAX_NODES: {error.message}")
    return problems


def gateway_extensions(settings: Settings) -> list[Callable[[], SchemaExtension]]:
    """Factories for every request's extensions: caches, limits before any resolver runs, masking."""
    rules = [rule for _, found in limit_rules(settings) for rule in found]
    extensions: list[Callable[[], SchemaExtension]] = [
        # Factories: a fresh extension per request; both caches live at module level.
        lambda: ParserCache(maxsize=1024),
        lambda: CachedValidation(hide_suggestions=settings.is_production),
        lambda: MaxTokensLimiter(max_token_count=settings.graphql_max_tokens),
        # One rule tuple per process: the validation cache keys on the rule classes, and
        # each limiter builds a new class per instance, so per-request limiters never hit the cache.
        lambda: AddValidationRules(rules),
        MaskUnexpectedErrors,
        RateLimit,
        lambda: MaxNodesLimiter(max_nodes=settings.graphql_max_nodes),
    ]
    if settings.is_production:
        extensions.append(DisableIntrospection)
    return extensions


def client_error_code(error: GraphQLError) -> str:
    """The code a log line names for an error the client caused (a label only, for grepping the log)."""
    code = (error.extensions or {}).get("code")
    if isinstance(code, str):
        return code
    if isinstance(error.original_error, REQUEST_ERRORS):
        return ErrorCode.VALIDATION_FAILED
    # graphql-core's own errors carry no code: a document that does not parse, or does not validate
    # (a variable that does not coerce included).
    return (
        ErrorCode.GRAPHQL_PARSE_FAILED
        if error.message.startswith("Syntax Error")
        else ErrorCode.GRAPHQL_VALIDATION_FAILED
    )


def _one_line(text: str) -> str:
    return " ".join(text.split())


class GatewaySchema(LeanSchema):
    """The gateway's schema class: `runtime.strawberry_schema.LeanSchema`, early refusals, one log line per refusal."""

    def process_errors(self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None) -> None:
        """Log a request's errors: the client's as ONE `info` line, crashes not here.

        strawberry logs every error at `error` with a traceback, so a typo in a query looked
        like an outage. A crash (`is_unexpected`) or an unreachable database is logged by
        `MaskUnexpectedErrors`, once, with the request id (and the traceback for a crash).
        """
        client = [
            error
            for error in errors
            if isinstance(error.original_error, REQUEST_ERRORS)
            or not (is_unexpected(error) or is_database_unavailable(error.original_error))
        ]
        if not client:
            return
        context = execution_context.context if execution_context is not None else None
        operation = None
        if execution_context is not None:
            with contextlib.suppress(Exception):  # an unparsable document has no operation to name
                operation = execution_context.operation_name
        client_log.info(
            "graphql request refused",
            request_id=getattr(context, "request_id", None),
            operation_name=operation,
            codes=sorted({client_error_code(error) for error in client}),
            errors=[_one_line(error.message) for error in client],
        )

    async def resolve_document(self, context: SpecExecutionContext) -> GraphQLError | None:
        """Persisted documents: Apollo's automatic persisted queries, or the allow-list (`schema.persisted_queries`)."""
        return await persisted_queries.resolve_document(self, context)

    async def document_validated(self, context: SpecExecutionContext) -> None:
        await persisted_queries.document_validated(self, context)

    def refusal_before_parsing(
        self, context: ExecutionContext, requested_operation_name: str | None
    ) -> GraphQLError | None:
        """Checks no transport makes: a blank document (`MissingQueryError`), lone surrogates (a refusal).

        Both transports (HTTP and graphql-transport-ws) come through here inside the operation's
        extensions, so a refusal is counted, logged and answered like any validation error.
        """
        if context.graphql_document is None and not (context.query or "").strip(_IGNORED_CHARACTERS):
            raise MissingQueryError  # HTTP: 400; WebSocket: a typed error (`MaskUnexpectedErrors`)
        return lone_surrogate_error(context.query, context.variables, requested_operation_name)


_IGNORED_CHARACTERS: Final = " \t\n\r,\ufeff"
"""What GraphQL's lexer skips between tokens: a document of only these holds no operation."""


def _first_lone_surrogate(text: str) -> int | None:
    """Where the first lone surrogate of `text` is (UTF-8 cannot encode one, so nor can PostgreSQL), or None."""
    if text.isascii():
        return None
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        return exc.start
    return None


def _surrogate_path(value: object) -> list[str | int] | None:
    """The path to the first string (value or key) holding a lone surrogate in decoded JSON, or None."""
    stack: list[tuple[object, list[str | int]]] = [(value, [])]
    while stack:
        item, path = stack.pop()
        if isinstance(item, str):
            if _first_lone_surrogate(item) is not None:
                return path
        elif isinstance(item, dict):
            for key, child in item.items():
                if isinstance(key, str) and _first_lone_surrogate(key) is not None:
                    return path
                stack.append((child, [*path, key]))
        elif isinstance(item, list):
            stack.extend((child, [*path, index]) for index, child in enumerate(item))
    return None


def lone_surrogate_error(
    query: str | None, variables: Mapping[str, Any] | None, operation_name: str | None
) -> GraphQLError | None:
    """A `VALIDATION_FAILED` error when the document, a variable or the operation name holds a lone surrogate.

    JSON may escape one (`"\\ud800"`), and Python decodes it into a string that no UTF-8 text
    (PostgreSQL, a log line, the answer) can hold. GraphQL's lexer refuses it in a document
    only as a syntax error (which closes a WebSocket), and in variables nothing did.
    """
    reason = "text must be valid Unicode (a lone UTF-16 surrogate is not)"
    code = {"code": ErrorCode.VALIDATION_FAILED}
    index = _first_lone_surrogate(query) if query else None
    if query and index is not None:
        line = query.count("\n", 0, index) + 1
        column = index - (query.rfind("\n", 0, index) + 1) + 1
        return GraphQLError(
            f"the document holds a lone surrogate U+{ord(query[index]):04X} at line {line}, column {column}: {reason}",
            extensions=code,
        )
    if operation_name and _first_lone_surrogate(operation_name) is not None:
        return GraphQLError(
            f"`operationName` holds a lone surrogate: {reason}", extensions={"code": ErrorCode.VALIDATION_FAILED}
        )
    path = _surrogate_path(variables) if variables else None
    if path is not None:
        where = "$" + ".".join(str(part) for part in path) if path else "the variables"
        return GraphQLError(
            f"variable `{where}` holds a lone surrogate: {reason}", extensions={"code": ErrorCode.VALIDATION_FAILED}
        )
    return None
