"""Schema extensions the gateway adds on top of strawberry's: what clients may send, what they see of a failure."""

from __future__ import annotations

import contextlib
import inspect
import logging
from collections.abc import AsyncIterator, Callable, Generator, Iterator, Mapping
from functools import partial
from typing import Any, Final

import strawberry
from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLObjectType,
    InlineFragmentNode,
    IntValueNode,
    SelectionSetNode,
    VariableNode,
    get_named_type,
    get_operation_ast,
)
from strawberry.extensions import (
    AddValidationRules,
    DisableIntrospection,
    MaskErrors,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    ParserCache,
    QueryDepthLimiter,
    SchemaExtension,
    ValidationCache,
)
from strawberry.extensions.context import OperationContextManager, WrappedHook
from strawberry.extensions.runner import SchemaExtensionsRunner
from strawberry.types import ExecutionContext
from strawberry.types.graphql import OperationType
from strawberry.utils.await_maybe import await_maybe

from gateway.db import DATABASE_RETRY_AFTER_SECONDS, is_database_unavailable
from gateway.settings import Settings
from schema.relay import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE

log = logging.getLogger("gateway.errors")

UNEXPECTED_ERROR = "Unexpected error"


def is_unexpected(error: GraphQLError) -> bool:
    """A resolver crashed: no code a client could act on (validation and typed errors pass through)."""
    original = error.original_error
    if error.path is None and isinstance(original, GraphQLError):
        # A variable that does not coerce to its type: the client's mistake, reported by graphql-core.
        return False
    return original is not None and not (error.extensions or {}).get("code")


class MaskUnexpectedErrors(MaskErrors):
    """Replace a crash with "Unexpected error" and the request id, and log the real error with that id.

    A resolver that failed because PostgreSQL is unreachable is not a crash: it becomes
    `SERVICE_UNAVAILABLE` with `retryAfter`, and over HTTP the answer is 503 with `Retry-After`.
    """

    def __init__(self) -> None:
        super().__init__(should_mask_error=is_unexpected, error_message=UNEXPECTED_ERROR)

    def _process_result(self, result: object) -> None:
        # strawberry first checks a runtime Protocol (an isinstance of ~10 µs, paid per frame by every
        # subscriber); a result without errors has nothing to mask.
        if getattr(result, "errors", None):
            super()._process_result(result)

    def anonymise_error(self, error: GraphQLError) -> GraphQLError:
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
            extensions={"code": "INTERNAL", "requestId": request_id},
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
        extensions={"code": "SERVICE_UNAVAILABLE", "retryAfter": seconds, "requestId": request_id},
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
                    extensions={"code": "RATE_LIMITED", "retryAfter": seconds},
                )
        yield


def estimated_nodes(
    selection_set: SelectionSetNode,
    parent: GraphQLObjectType,
    fragments: Mapping[str, FragmentDefinitionNode],
    variables: Mapping[str, Any],
    multiplier: int = 1,
) -> int:
    """How many connection nodes a selection may return: the product of `first` along each path."""
    total = 0
    for selection in selection_set.selections:
        if isinstance(selection, FieldNode):
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
        elif isinstance(selection, InlineFragmentNode):
            total += estimated_nodes(selection.selection_set, parent, fragments, variables, multiplier)
        elif isinstance(selection, FragmentSpreadNode):
            fragment = fragments.get(selection.name.value)
            if fragment is not None:
                total += estimated_nodes(fragment.selection_set, parent, fragments, variables, multiplier)
    return total


def _page_size(field: FieldNode, variables: Mapping[str, Any]) -> int:
    for argument in field.arguments or ():
        if argument.name.value != "first":
            continue
        value: Any = None
        if isinstance(argument.value, IntValueNode):
            value = int(argument.value.value)
        elif isinstance(argument.value, VariableNode):
            value = variables.get(argument.value.name.value)
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
        root = context.schema._schema.get_root_type(operation.operation) if operation is not None else None
        if document is not None and operation is not None and root is not None:
            fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
            nodes = estimated_nodes(operation.selection_set, root, fragments, context.variables or {})
            if nodes > self.max_nodes:
                raise GraphQLError(
                    f"this query could return {nodes} nodes; the limit is {self.max_nodes}"
                    " (ask for smaller `first` pages on nested connections)",
                    extensions={"code": "QUERY_TOO_COMPLEX", "estimatedNodes": nodes},
                )
        yield


def gateway_extensions(settings: Settings) -> list[Callable[[], SchemaExtension]]:
    """Factories for every request's extensions: caches, limits before any resolver runs, masking."""
    limit_rules = [
        *QueryDepthLimiter(max_depth=settings.graphql_max_depth).validation_rules,
        *MaxAliasesLimiter(max_alias_count=settings.graphql_max_aliases).validation_rules,
    ]
    extensions: list[Callable[[], SchemaExtension]] = [
        # Factories: a fresh extension per request; both caches live at module level.
        lambda: ParserCache(maxsize=1024),
        lambda: ValidationCache(maxsize=1024),
        lambda: MaxTokensLimiter(max_token_count=settings.graphql_max_tokens),
        # One rule tuple per process: strawberry's ValidationCache keys on the rule classes, and
        # each limiter builds a new class per instance, so per-request limiters never hit the cache.
        lambda: AddValidationRules(limit_rules),
        MaskUnexpectedErrors,
        RateLimit,
        lambda: MaxNodesLimiter(max_nodes=settings.graphql_max_nodes),
    ]
    if settings.is_production:
        extensions.append(DisableIntrospection)
    return extensions


SETUP_ONLY_OPERATION_HOOKS: Final = frozenset({AddValidationRules.on_operation, MaxTokensLimiter.on_operation})
"""strawberry's `on_operation` hooks that only set the operation up: nothing after their `yield`, no `try`/`with`.

(`DisableIntrospection` and the limiters built on `AddValidationRules` inherit its hook.) A test
checks their source, so a strawberry upgrade that changes them fails loudly.
"""

_MAX_INTERNED_RULES: Final = 64
_interned_rules: dict[tuple[Any, ...], tuple[Any, ...]] = {}


def _interned(rules: tuple[Any, ...]) -> tuple[Any, ...]:
    """An equal tuple of validation rules, one object for every operation (past 64 distinct tuples, new ones as is)."""
    interned = _interned_rules.get(rules)
    if interned is not None:
        return interned
    if len(_interned_rules) < _MAX_INTERNED_RULES:
        _interned_rules[rules] = rules
    return rules


def _run_setup_only(hook: Callable[[SchemaExtension], Generator[None]], extension: SchemaExtension) -> None:
    """Run a set-up-only hook to its `yield`, then let its generator go (closed: it has nothing left to run).

    Leaving it as `contextlib.contextmanager` would (resuming it after its `yield`) runs no code, and
    an exception would pass through it unchanged. The validation rules it left on the execution
    context are replaced by an equal, shared tuple.
    """
    generator = hook(extension)
    try:
        next(generator)
    except StopIteration:
        raise RuntimeError("generator didn't yield") from None  # as contextlib's
    generator.close()
    context = extension.execution_context
    context.validation_rules = _interned(context.validation_rules)


class _SetupOnlyHook(WrappedHook):
    """A set-up-only hook: `hook()` runs it, and nothing goes on the exit stack."""

    __slots__ = ()


_context_managers: dict[Callable[..., Iterator[None]], Callable[..., contextlib.AbstractContextManager[None]]] = {}


def _context_manager_of(hook: Callable[..., Iterator[None]]) -> Callable[..., contextlib.AbstractContextManager[None]]:
    """`contextlib.contextmanager(hook)`, made once per hook function (not once per operation and extension)."""
    factory = _context_managers.get(hook)
    if factory is None:
        factory = _context_managers[hook] = contextlib.contextmanager(hook)
    return factory


class LeanOperationContextManager(OperationContextManager):
    """strawberry's `on_operation` context, lighter for the operations that stay open (every subscription).

    A subscription keeps its operation context until it ends, with every hook's generator, its
    `contextlib` wrapper and a wrapper function made for it. Here a set-up-only hook
    (`SETUP_ONLY_OPERATION_HOOKS`) runs on entry and keeps nothing; any other generator hook is
    wrapped by `contextlib.contextmanager(hook)` made once per function, called with the extension
    (what strawberry's `contextmanager(MethodType(hook, extension))` calls). Other hooks (async
    generators, plain functions) are strawberry's. Hooks are entered in the same order, and left in
    reverse order with the same exceptions. Once entered, it lets go of its list of hooks (what the
    exit stack needs, it holds).
    """

    def get_hook(self, extension: SchemaExtension) -> WrappedHook | None:
        hook = getattr(type(extension), self.HOOK_NAME)
        if hook in SETUP_ONLY_OPERATION_HOOKS:
            run = partial(_run_setup_only, hook, extension)
            return _SetupOnlyHook(extension=extension, hook=run, is_async=False)  # type: ignore[arg-type]  # called, not entered
        if hook is not self.default_hook and inspect.isgeneratorfunction(hook):
            return WrappedHook(extension=extension, hook=partial(_context_manager_of(hook), extension), is_async=False)
        return super().get_hook(extension)

    # strawberry's `__enter__`/`__aenter__`, but for set-up-only hooks (run, not kept), then without the hook list.

    def __enter__(self) -> None:
        self.exit_stack = contextlib.ExitStack()
        self.exit_stack.__enter__()
        for hook in self.hooks:
            if isinstance(hook, _SetupOnlyHook):
                hook.hook()
            elif hook.is_async:
                raise RuntimeError(
                    f"SchemaExtension hook {hook.extension}.{self.HOOK_NAME} failed to complete synchronously."
                )
            else:
                self.exit_stack.enter_context(hook.hook())  # type: ignore[arg-type]
        self.hooks = []  # entered: only the exit stack is used from now on (a subscription holds this for its life)

    async def __aenter__(self) -> None:
        self.async_exit_stack = contextlib.AsyncExitStack()
        await self.async_exit_stack.__aenter__()
        for hook in self.hooks:
            if isinstance(hook, _SetupOnlyHook):
                hook.hook()
            elif hook.is_async:
                await self.async_exit_stack.enter_async_context(hook.hook())  # type: ignore[arg-type]
            else:
                self.async_exit_stack.enter_context(hook.hook())  # type: ignore[arg-type]
        self.hooks = []


class LeanExtensionsRunner(SchemaExtensionsRunner):
    """strawberry's runner, asking only the extensions that report results for them, with a lighter operation context.

    strawberry collects every extension's `get_results()` for every result, and for every
    event of every subscription; none of the gateway's extensions reports any, so this
    skips the calls (and their awaits) for extensions that keep the base class's method.
    The operation context is `LeanOperationContextManager`.
    """

    def operation(self) -> OperationContextManager:
        return LeanOperationContextManager(self.extensions)

    async def get_extensions_results(self, ctx: ExecutionContext) -> dict[str, Any]:
        data: dict[str, Any] = {}
        for extension in self.extensions:
            if type(extension).get_results is not SchemaExtension.get_results:
                data.update(await await_maybe(extension.get_results()))
        data.update(ctx.extensions_results)
        return data


class GatewaySchema(strawberry.Schema):
    """The schema class of the gateway: strawberry's, with `LeanExtensionsRunner`."""

    def create_extensions_runner(
        self, execution_context: ExecutionContext, extensions: list[SchemaExtension]
    ) -> SchemaExtensionsRunner:
        return LeanExtensionsRunner(execution_context=execution_context, extensions=extensions)
