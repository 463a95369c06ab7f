"""strawberry's schema, leaner and closer to the spec (replicates strawberry's internals).

- `LeanSchema`: strawberry's `Schema` with `runtime.operation_hooks.LeanExtensionsRunner`, the
  execution context `SpecExecutionContext`, a hook refusing a request before it is parsed
  (`refusal_before_parsing`), a parse error raised by an extension answered as one, and `execute`
  refusing a subscription (it streams; executed as one result its root failed as `INTERNAL`).
  Hooks for persisted documents: `resolve_document` (before parsing) may name the document by a
  key and hand over one already parsed and validated, which then skips the parsing and validation
  hooks; `document_validated` (after validation passed) may keep it (`ValidatedDocuments`).
- `SpecExecutionContext`: never runs the first of several operations when the request names none.
- `CachedValidation`: strawberry's `ValidationCache`, with graphql-core's `hide_suggestions`.
- `LeanMaskErrors`: strawberry's `MaskErrors`, not checking results without errors.
- `graphql_schema`: the graphql-core schema of an execution context.
- `ValidatedDocuments`: a bounded LRU of parsed documents that passed validation, by key (a hash).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Final

import strawberry
from graphql import ASTValidationRule, DocumentNode, GraphQLError, GraphQLSchema, OperationDefinitionNode, validate
from strawberry.extensions import MaskErrors, SchemaExtension
from strawberry.extensions.runner import SchemaExtensionsRunner
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError
from strawberry.schema.schema import DEFAULT_ALLOWED_OPERATION_TYPES
from strawberry.schema.validation_rules.maybe_null import MaybeNullValidationRule
from strawberry.schema.validation_rules.one_of import OneOfInputValidationRule
from strawberry.types import ExecutionContext, ExecutionResult
from strawberry.types.execution import PreExecutionError
from strawberry.types.graphql import OperationType

from base.versions import require
from runtime.operation_hooks import LeanExtensionsRunner

require("graphql-core", ">=3.3,<3.4", by=__name__)
require("strawberry-graphql", ">=0.341,<0.342", by=__name__)

__all__ = [
    "CachedValidation",
    "LeanMaskErrors",
    "LeanSchema",
    "OperationNameRequired",
    "SpecExecutionContext",
    "ValidatedDocuments",
    "graphql_schema",
]

DEFAULT_DOCUMENTS_KEPT: Final = 4096


def graphql_schema(context: ExecutionContext) -> GraphQLSchema:
    """The graphql-core schema strawberry built (its private `_schema`)."""
    return context.schema._schema


class LeanMaskErrors(MaskErrors):
    """strawberry's `MaskErrors`, skipping results without errors."""

    def _process_result(self, result: object) -> None:
        # strawberry first checks a runtime Protocol (an isinstance of ~10 µs, paid per frame by every
        # subscriber); a result without errors has nothing to mask.
        if getattr(result, "errors", None):
            super()._process_result(result)


@lru_cache(maxsize=1024)
def _validate(
    schema: GraphQLSchema, document: DocumentNode, rules: tuple[type[ASTValidationRule], ...], hide_suggestions: bool
) -> list[GraphQLError]:
    # strawberry's `validate_document`, with graphql-core's `hide_suggestions` passed through.
    return validate(
        schema,
        document,
        (*rules, MaybeNullValidationRule, OneOfInputValidationRule),
        hide_suggestions=hide_suggestions,
    )


class CachedValidation(SchemaExtension):
    """strawberry's `ValidationCache`, except that in production no rule suggests a name.

    strawberry's `disable_field_suggestions` only cuts "Did you mean" from unknown-field errors;
    graphql-core's rules also suggest argument, type, enum value and input field names, each
    a piece of the schema. `hide_suggestions` turns them all off at the source.
    """

    def __init__(self, *, hide_suggestions: bool) -> None:
        self.hide_suggestions = hide_suggestions

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        assert context.graphql_document is not None
        context.pre_execution_errors = _validate(
            graphql_schema(context), context.graphql_document, context.validation_rules, self.hide_suggestions
        )
        yield


class OperationNameRequired(CannotGetOperationTypeError):
    """A document holds several operations and the request names none (GraphQL spec, GetOperation)."""

    def __init__(self, count: int) -> None:
        super().__init__(None)
        self.count = count

    def as_http_error_reason(self) -> str:
        return f"the document holds {self.count} operations: name the one to run in `operationName`"


class SpecExecutionContext(ExecutionContext):
    """strawberry's execution context, except that it never picks the first of several operations.

    strawberry falls back to the first operation's name when the request names none, so a
    document holding two operations ran the first; the spec makes that a request error.
    """

    prevalidated: bool = False
    """The document was handed over parsed and validated (`LeanSchema.resolve_document`)."""
    document_key: str | None = None
    """The key (hash) `resolve_document` named the document by, if any."""
    register_document: bool = False
    """`document_validated` should store the document under `document_key`."""

    def use_validated(self, text: str, document: DocumentNode) -> None:
        """Run `document` (the parsed `text`, validated before under this operation's rules) as is."""
        self.query = text
        self.graphql_document = document
        self.pre_execution_errors = []
        self.prevalidated = True

    @property
    def requested_operation_name(self) -> str | None:
        """The request's `operationName` (None when it names none)."""
        return self._provided_operation_name

    def _operations(self) -> list[OperationDefinitionNode]:
        document = self.graphql_document
        if document is None:
            return []
        return [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]

    @property
    def operation_name(self) -> str | None:
        if self._provided_operation_name is not None:
            return self._provided_operation_name
        operations = self._operations()
        if len(operations) != 1 or operations[0].name is None:
            return None
        return operations[0].name.value

    @property
    def operation_type(self) -> OperationType:
        if self._provided_operation_name is None and (count := len(self._operations())) > 1:
            raise OperationNameRequired(count)
        return super().operation_type


@dataclass(frozen=True, slots=True)
class _Validated:
    text: str
    document: DocumentNode
    rules: tuple[type[ASTValidationRule], ...]


class ValidatedDocuments:
    """Parsed documents that passed validation, by key (a persisted document's hash): a bounded LRU.

    An entry holds the rules it validated under; it is used only by an operation with the same
    rules (the interned tuple of `runtime.operation_hooks`, compared by identity first) and the same
    text, so a schema built with other limits never trusts another's verdict.
    """

    def __init__(self, maxsize: int = DEFAULT_DOCUMENTS_KEPT) -> None:
        if maxsize < 1:
            raise ValueError("maxsize must be at least 1")
        self.maxsize = maxsize
        self._entries: OrderedDict[str, _Validated] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        """Operations that ran a kept document without parsing or validating it."""
        self.stored = 0

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self.hits = self.stored = 0

    def get(
        self, key: str, text: str | None, rules: tuple[type[ASTValidationRule], ...]
    ) -> tuple[str, DocumentNode] | None:
        """(text, document) kept under `key` for these rules (and this text, when given), or None."""
        with self._lock:
            entry = self._entries.get(key)
            if entry is None or (entry.rules is not rules and entry.rules != rules):
                return None
            if text is not None and entry.text != text:
                return None
            self._entries.move_to_end(key)
            self.hits += 1
            return entry.text, entry.document

    def put(self, key: str, text: str, document: DocumentNode, rules: tuple[type[ASTValidationRule], ...]) -> None:
        with self._lock:
            self._entries[key] = _Validated(text, document, rules)
            self._entries.move_to_end(key)
            self.stored += 1
            while len(self._entries) > self.maxsize:
                self._entries.popitem(last=False)


class LeanSchema(strawberry.Schema):
    """strawberry's schema with `LeanExtensionsRunner` and `SpecExecutionContext`, and a refusal before parsing."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.validated_documents = ValidatedDocuments()
        """Persisted documents parsed and validated by this schema (`resolve_document` hands them over)."""

    async def resolve_document(self, context: SpecExecutionContext) -> GraphQLError | None:
        """Before anything else: an error answering the request, or None (the default) to go on.

        It may set `context.query` (a request naming its document by a key only), and hand over a
        document parsed and validated before with `context.use_validated(document)`: parsing and
        validation (and their extension hooks) are then skipped. It may raise strawberry's request errors.
        """
        return None

    async def document_validated(self, context: SpecExecutionContext) -> None:
        """Called once the document parsed and validated without errors (not for one handed over)."""

    def refusal_before_parsing(
        self, context: ExecutionContext, requested_operation_name: str | None
    ) -> GraphQLError | None:
        """An error answering the request before it is parsed, or None (the default) to go on.

        It may also raise one of strawberry's request errors (`MissingQueryError`…).
        """
        return None

    async def execute(  # strawberry's signature
        self,
        query: str | None,
        variable_values: dict[str, Any] | None = None,
        context_value: Any | None = None,
        root_value: Any | None = None,
        operation_name: str | None = None,
        allowed_operation_types: Iterable[OperationType] | None = None,
        operation_extensions: dict[str, Any] | None = None,
    ) -> ExecutionResult:
        """strawberry's, never with a subscription: one comes over a WebSocket or a streaming HTTP transport (`stream`).

        strawberry allows one in a plain POST or GET, and graphql-core then resolved its root field
        as a query's: an async generator where an object belongs, a masked `INTERNAL` error logged as a
        crash. Refused instead, strawberry's `InvalidOperationTypeError` is a 400 over HTTP.
        """
        allowed = set(DEFAULT_ALLOWED_OPERATION_TYPES if allowed_operation_types is None else allowed_operation_types)
        allowed.discard(OperationType.SUBSCRIPTION)
        return await super().execute(
            query, variable_values, context_value, root_value, operation_name, allowed, operation_extensions
        )

    def create_extensions_runner(
        self, execution_context: ExecutionContext, extensions: list[SchemaExtension]
    ) -> SchemaExtensionsRunner:
        return LeanExtensionsRunner(execution_context=execution_context, extensions=extensions)

    def _create_execution_context(  # strawberry's signature
        self,
        query: str | None,
        allowed_operation_types: Iterable[OperationType],
        variable_values: dict[str, Any] | None = None,
        context_value: Any | None = None,
        root_value: Any | None = None,
        operation_name: str | None = None,
        operation_extensions: dict[str, Any] | None = None,
    ) -> ExecutionContext:
        return SpecExecutionContext(
            query=query,
            schema=self,
            allowed_operations=allowed_operation_types,
            context=context_value,
            root_value=root_value,
            variables=variable_values,
            provided_operation_name=operation_name,
            operation_extensions=operation_extensions,
        )

    async def _prepare_operation_async(
        self, context: ExecutionContext, extensions_runner: SchemaExtensionsRunner
    ) -> PreExecutionError | None:
        """strawberry's, after `resolve_document` and `refusal_before_parsing`, parse errors of extensions caught.

        A document handed over by `resolve_document` skips parsing and validation: only the
        operation is picked and its type checked, as strawberry does.
        """
        spec = context if isinstance(context, SpecExecutionContext) else None
        refusal = await self.resolve_document(spec) if spec is not None else None
        if refusal is None:
            refusal = self.refusal_before_parsing(context, spec.requested_operation_name if spec else None)
        if refusal is not None:
            context.pre_execution_errors = [refusal]
            return PreExecutionError(data=None, errors=[refusal])
        if spec is not None and spec.prevalidated:
            try:
                operation_type = context.operation_type
            except RuntimeError as error:  # no operation of that name (strawberry's wording)
                raise CannotGetOperationTypeError(context.operation_name) from error
            if operation_type not in context.allowed_operations:
                raise InvalidOperationTypeError(operation_type)
            return None
        try:
            prepared = await super()._prepare_operation_async(context, extensions_runner)
        except GraphQLError as error:
            # Raised by a parsing extension (ParserCache's syntax error, MaxTokensLimiter), outside
            # strawberry's own `try`: `execute` caught it, but `stream` let it kill the socket's task,
            # so the client got a bare `complete`. Now it is the parse error strawberry answers.
            context.pre_execution_errors = [error]
            return PreExecutionError(data=None, errors=[error])
        if prepared is None and spec is not None and spec.document_key is not None:
            await self.document_validated(spec)
        return prepared
