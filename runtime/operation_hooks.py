"""strawberry's operation context and extensions runner, lighter (replicates strawberry's internals).

A subscription keeps its operation context until it ends; strawberry keeps every hook's
generator, `contextlib` wrapper and a bound method per extension for that long, and asks
every extension for results on every event. `LeanExtensionsRunner` (the runner of
`runtime.strawberry_schema.LeanSchema`) keeps less and asks only those that report some.
"""

from __future__ import annotations

import contextlib
import inspect
from collections.abc import Callable, Generator, Iterator
from functools import partial
from typing import Any, Final

from strawberry.extensions import AddValidationRules, MaxTokensLimiter, SchemaExtension
from strawberry.extensions.context import OperationContextManager, WrappedHook
from strawberry.extensions.runner import SchemaExtensionsRunner
from strawberry.types import ExecutionContext
from strawberry.utils.await_maybe import await_maybe

from base.versions import require

require("strawberry-graphql", ">=0.341,<0.342", by=__name__)

__all__ = ["SETUP_ONLY_OPERATION_HOOKS", "LeanExtensionsRunner", "LeanOperationContextManager"]


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
