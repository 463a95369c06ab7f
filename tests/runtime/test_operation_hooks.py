"""`runtime.operation_hooks.LeanOperationContextManager`: operation hooks entered and left as strawberry does."""

from __future__ import annotations

import ast
import inspect
import textwrap
from collections.abc import Iterator
from typing import Any

import pytest
from graphql import specified_rules
from strawberry.extensions import AddValidationRules, DisableIntrospection, MaxTokensLimiter, SchemaExtension
from strawberry.extensions.context import OperationContextManager
from strawberry.types import ExecutionContext

from runtime.operation_hooks import SETUP_ONLY_OPERATION_HOOKS, LeanExtensionsRunner, LeanOperationContextManager
from schema import build_schema


class Boom(Exception):
    pass


def _recording(name: str, log: list[str], *, swallow: bool = False, fail_on_exit: bool = False) -> SchemaExtension:
    class Recording(SchemaExtension):
        def on_operation(self) -> Iterator[None]:
            log.append(f"enter {name}")
            try:
                yield
            except Boom as exc:
                log.append(f"exit {name} with {exc}")
                if not swallow:
                    raise
            else:
                log.append(f"exit {name}")
            if fail_on_exit:
                raise Boom(f"from {name}")

    return Recording()


def _execution_context() -> ExecutionContext:
    return ExecutionContext(query="{ ok }", schema=build_schema(), allowed_operations=())


def _extensions(log: list[str], context: ExecutionContext, **flags: dict[str, bool]) -> list[SchemaExtension]:
    class Plain(SchemaExtension):  # no operation hook at all
        pass

    extensions = [
        _recording("a", log, **flags.get("a", {})),
        MaxTokensLimiter(max_token_count=123),
        Plain(),
        AddValidationRules([]),
        _recording("b", log, **flags.get("b", {})),
        DisableIntrospection(),
        _recording("c", log, **flags.get("c", {})),
    ]
    for extension in extensions:
        extension.execution_context = context
    return extensions


async def _run(
    manager_class: type[OperationContextManager], raise_inside: bool, **flags: dict[str, bool]
) -> tuple[list[str], ExecutionContext]:
    log: list[str] = []
    context = _execution_context()
    manager = manager_class(_extensions(log, context, **flags))
    try:
        async with manager:
            log.append("operation")
            if raise_inside:
                raise Boom("inside")
        log.append("went on")
    except Boom as exc:
        log.append(f"raised {exc} (context {exc.__context__})")
    return log, context


@pytest.mark.parametrize("raise_inside", [False, True])
@pytest.mark.parametrize(
    "flags",
    [
        {},
        {"b": {"swallow": True}},
        {"c": {"fail_on_exit": True}},
        {"b": {"fail_on_exit": True}, "a": {"swallow": True}},
    ],
)
async def test_hooks_are_entered_and_left_as_strawberry_does(raise_inside: bool, flags: dict[str, Any]) -> None:
    theirs, their_context = await _run(OperationContextManager, raise_inside, **flags)
    ours, our_context = await _run(LeanOperationContextManager, raise_inside, **flags)
    assert ours == theirs
    assert our_context.parse_options == their_context.parse_options == {"max_tokens": 123}
    assert our_context.validation_rules == their_context.validation_rules


def test_a_sync_operation_context_too() -> None:
    def run(manager_class: type[OperationContextManager]) -> list[str]:
        log: list[str] = []
        with manager_class(_extensions(log, _execution_context())):
            log.append("operation")
        return log

    assert run(LeanOperationContextManager) == run(OperationContextManager)


async def test_setup_only_hooks_keep_nothing_and_the_rules_tuple_is_shared() -> None:
    contexts = [_execution_context() for _ in range(2)]
    managers = [LeanOperationContextManager(_extensions([], context)) for context in contexts]
    for manager in managers:
        await manager.__aenter__()
        assert manager.hooks == []
        # The three recording hooks only: the set-up-only ones ran and are gone.
        assert len(manager.async_exit_stack._exit_callbacks) == 3
    first, second = (context.validation_rules for context in contexts)
    assert first == (*specified_rules, *DisableIntrospection().validation_rules)
    assert first is second
    for manager in managers:
        await manager.__aexit__(None, None, None)


def test_the_runner_uses_the_lean_context() -> None:
    runner = LeanExtensionsRunner(execution_context=_execution_context(), extensions=[])
    assert isinstance(runner.operation(), LeanOperationContextManager)


@pytest.mark.parametrize("hook", sorted(SETUP_ONLY_OPERATION_HOOKS, key=lambda hook: hook.__qualname__))
def test_setup_only_hooks_end_with_their_yield(hook: Any) -> None:
    """Guards the upgrade of strawberry: these hooks must do nothing after `yield` (nor catch anything around it)."""
    function = ast.parse(textwrap.dedent(inspect.getsource(hook))).body[0]
    assert isinstance(function, ast.FunctionDef)
    *setup, last = function.body
    assert isinstance(last, ast.Expr) and isinstance(last.value, ast.Yield) and last.value.value is None
    for statement in setup:
        for node in ast.walk(statement):
            assert not isinstance(node, ast.Yield | ast.YieldFrom | ast.Try | ast.With | ast.Return), ast.dump(node)
    assert inspect.isgeneratorfunction(hook)
