"""The tests' own house rules (issue 14), read from their source with `ast`.

- A test module imports helpers from `tests/support`, never from another test module (or a
  `conftest.py`): helpers shared through a test module make one test's change break another.
- Tests wait on an acknowledgement or poll with a deadline, never with a fixed sleep. A `sleep`
  passes when it yields to the event loop (`sleep(0)`), when it sits in a loop that checks a
  deadline (the poll's pause), or when `SLEEPS_ALLOWED` names it with the reason it is no wait.
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from pathlib import Path

TESTS = Path(__file__).resolve().parent
ROOT = TESTS.parent

HELPER_MODULES = ("tests.support",)
"""Where tests import shared helpers from."""
OLDER_HELPERS = frozenset({"tests.pg", "tests.fixtures"})
"""Not test modules either: the admin-database helper the bench shares, and the fixture data's paths."""

SLEEPS_ALLOWED: dict[tuple[str, str, str], str] = {
    # (file under tests/, enclosing function, the sleep's argument): why this sleep is no wait for something.
    ("e2e/test_db_outage.py", "client_loop", "0.05"): "the load's pace between requests",
    (
        "e2e/test_db_outage.py",
        "test_postgresql_stopped_for_10_s_under_mixed_load",
        "max(0.0, OUTAGE_SECONDS - (time.monotonic() - down_at))",
    ): "the outage's length is the scenario (the acceptance's 10 s)",
    ("billing/test_money_locks.py", "hold", "WAIT / 4"): (
        "a bounded negative check: holds the lock long enough for a second holder to get in if the lock let it"
    ),
    ("live/test_streams.py", "get_or_none", "0.01"): (
        "a stand-in for a slow read, keeping it in flight while the other subscribers arrive"
    ),
}

LOOP_DEADLINE_NAMES = frozenset({"deadline", "monotonic", "timeout", "started", "left"})
"""A loop that mentions one of these bounds its polling."""


def _sources() -> list[Path]:
    return sorted(path for path in TESTS.rglob("*.py") if "node_modules" not in path.parts)


def _in_every_source(check: Callable[[str, str], list[str]]) -> list[str]:
    """`check(source, path under tests/)`'s findings over every Python file of the tests."""
    return [found for path in _sources() for found in check(path.read_text(), path.relative_to(TESTS).as_posix())]


def _is_test_module(module: str) -> bool:
    last = module.rsplit(".", 1)[-1]
    return last.startswith("test_") or last == "conftest"


def _imported(tree: ast.Module) -> list[tuple[int, str]]:
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module))
        elif isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
    return found


def wrong_imports(source: str, relative: str) -> list[str]:
    """Each import of `source` from the tests package that is not a helper module."""
    wrong = []
    for line, module in _imported(ast.parse(source)):
        if not module.startswith("tests.") and module != "tests":
            continue
        if module.startswith(HELPER_MODULES) and not _is_test_module(module):
            continue
        if module in OLDER_HELPERS:
            continue
        wrong.append(f"tests/{relative}:{line} imports {module}")
    return wrong


def test_tests_import_helpers_from_tests_support_only() -> None:
    wrong = _in_every_source(wrong_imports)
    assert not wrong, "tests import helpers from tests/support only:\n" + "\n".join(wrong)


def test_the_import_check_can_fail() -> None:
    source = (
        "from tests.e2e.test_live import live_socket\nfrom tests.resolvers.conftest import Execute\n"
        "from tests.e2e.operations import new_key\nfrom tests.support.live import subscribe\n"
        "import tests.billing.test_money_locks\nfrom tests.pg import unique_name\n"
    )
    assert wrong_imports(source, "e2e/test_x.py") == [
        "tests/e2e/test_x.py:1 imports tests.e2e.test_live",
        "tests/e2e/test_x.py:2 imports tests.resolvers.conftest",
        "tests/e2e/test_x.py:3 imports tests.e2e.operations",
        "tests/e2e/test_x.py:5 imports tests.billing.test_money_locks",
    ]


def _names(node: ast.AST) -> set[str]:
    names: set[str] = set()
    for child in ast.walk(node):
        if isinstance(child, ast.Name):
            names.add(child.id)
        elif isinstance(child, ast.Attribute):
            names.add(child.attr)
    return names


def _is_sleep(node: ast.Call) -> bool:
    func = node.func
    return (isinstance(func, ast.Attribute) and func.attr == "sleep") or (
        isinstance(func, ast.Name) and func.id == "sleep"
    )


def _argument(node: ast.Call) -> str:
    return ", ".join(ast.unparse(argument) for argument in node.args)


def _yields_only(node: ast.Call) -> bool:
    return len(node.args) == 1 and isinstance(node.args[0], ast.Constant) and node.args[0].value == 0


def fixed_sleeps(source: str, relative: str) -> list[str]:
    """Each `sleep` of `source` that is neither a yield, nor a bounded poll's pause, nor allowed."""
    tree = ast.parse(source)
    parents: dict[ast.AST, ast.AST] = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
    found = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and _is_sleep(node)) or _yields_only(node):
            continue
        function, polled = "<module>", False
        ancestor = parents.get(node)
        while ancestor is not None:
            if isinstance(ancestor, ast.While | ast.For | ast.AsyncFor) and not polled:
                polled = bool(_names(ancestor) & LOOP_DEADLINE_NAMES)
            if isinstance(ancestor, ast.FunctionDef | ast.AsyncFunctionDef):
                function = ancestor.name
                break
            ancestor = parents.get(ancestor)
        if not polled and (relative, function, _argument(node)) not in SLEEPS_ALLOWED:
            found.append(f"tests/{relative}:{node.lineno} in {function}")
    return found


def test_no_test_waits_with_a_fixed_sleep() -> None:
    found = _in_every_source(fixed_sleeps)
    assert not found, "wait on an acknowledgement or poll with a deadline:\n" + "\n".join(found)


def test_every_allowed_sleep_still_exists() -> None:
    """An entry of `SLEEPS_ALLOWED` whose sleep is gone would allow the next one unseen."""
    for relative, function, argument in SLEEPS_ALLOWED:
        tree = ast.parse((TESTS / relative).read_text())
        functions = [
            node
            for node in ast.walk(tree)
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name == function
        ]
        assert any(
            isinstance(call, ast.Call) and _is_sleep(call) and _argument(call) == argument
            for node in functions
            for call in ast.walk(node)
        ), (relative, function, argument)


def test_the_sleep_check_can_fail() -> None:
    fixed = "async def test_x():\n    await subscribe()\n    await asyncio.sleep(0.3)\n"
    polled = (
        "async def test_x():\n    deadline = time.monotonic() + 5\n"
        "    while not ready():\n        assert time.monotonic() < deadline\n        await asyncio.sleep(0.1)\n"
    )
    undeadlined = "def test_x():\n    while not ready():\n        time.sleep(0.1)\n"
    assert fixed_sleeps(fixed, "e2e/test_x.py") == ["tests/e2e/test_x.py:3 in test_x"]
    assert fixed_sleeps(polled, "e2e/test_x.py") == []
    assert fixed_sleeps(undeadlined, "e2e/test_x.py") == ["tests/e2e/test_x.py:3 in test_x"]
    assert fixed_sleeps("async def f():\n    await asyncio.sleep(0)\n", "e2e/test_x.py") == []
