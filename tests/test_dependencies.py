"""Every third-party module the product (and bench) imports is a declared dependency of pyproject.toml.

A package that is only there because another dependency pulls it in (graphql-core via strawberry,
pypika-tortoise via Tortoise, rich via typer) breaks the day that dependency drops it. The product
packages may import only `[project] dependencies`; `sandbox.server` (run as its own process
by `serve`'s sandbox, in development only) and `bench` may also import the `dev` group.
"""

from __future__ import annotations

import ast
import importlib.metadata
import re
import sys
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.product import PACKAGES

ROOT = Path(__file__).resolve().parent.parent
PRODUCT = PACKAGES
FIRST_PARTY = {*PRODUCT, "bench", "tests"}
# Modules that may import development-only distributions: they never run in a production install.
DEV_ONLY_MODULES = {
    str(path.relative_to(ROOT))
    for path in (ROOT / "sandbox").glob("*.py")
    if path.name not in {"__init__.py", "launcher.py"}
}
"""The sandbox's server side (`python -m sandbox.server` and what it imports); `sandbox/launcher.py` runs in `serve`."""


def _name(requirement: str) -> str:
    """The normalised distribution name of a PEP 508 requirement string."""
    match = re.match(r"[A-Za-z0-9][A-Za-z0-9._-]*", requirement)
    assert match, requirement
    return re.sub(r"[-_.]+", "-", match.group()).lower()


def _declared() -> tuple[set[str], set[str]]:
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    runtime = {_name(r) for r in pyproject["project"]["dependencies"]}
    dev = {_name(r) for r in pyproject["dependency-groups"]["dev"]}
    return runtime, dev


def _imports(path: Path) -> Iterator[str]:
    """Top-level names of the absolute imports of one file, lazy (in-function) imports included."""
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            yield from (alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.module.split(".")[0]


def _third_party(paths: list[Path]) -> dict[str, set[str]]:
    """{top-level module: files importing it} for modules neither stdlib nor first-party."""
    found: dict[str, set[str]] = {}
    for path in paths:
        for module in _imports(path):
            if module not in sys.stdlib_module_names and module not in FIRST_PARTY:
                found.setdefault(module, set()).add(str(path.relative_to(ROOT)))
    return found


def _undeclared(found: dict[str, set[str]], allowed: set[str]) -> list[str]:
    distributions = importlib.metadata.packages_distributions()
    problems = []
    for module, files in sorted(found.items()):
        names = {_name(d) for d in distributions.get(module, [])}
        if not names:
            problems.append(f"{module} (imported by {sorted(files)}) is not installed by any distribution")
        elif not names & allowed:
            problems.append(f"{module} (distribution {sorted(names)}, imported by {sorted(files)}) is not declared")
    return problems


def _files(*packages: str) -> list[Path]:
    return sorted(path for package in packages for path in (ROOT / package).rglob("*.py"))


def test_the_product_imports_only_declared_runtime_dependencies() -> None:
    runtime, _ = _declared()
    files = [p for p in _files(*PRODUCT) if str(p.relative_to(ROOT)) not in DEV_ONLY_MODULES]
    assert _undeclared(_third_party(files), runtime) == []


def test_development_only_modules_and_bench_import_only_declared_dependencies() -> None:
    runtime, dev = _declared()
    files = [ROOT / module for module in DEV_ONLY_MODULES] + _files("bench")
    assert _undeclared(_third_party(files), runtime | dev) == []


def test_no_product_module_imports_a_development_only_module() -> None:
    """`serve` starts the sandbox as a subprocess (`python -m sandbox.server`), never imports its server side."""
    dev_modules = {m.removesuffix(".py").replace("/", ".") for m in DEV_ONLY_MODULES}
    importers = [
        str(path.relative_to(ROOT))
        for path in _files(*PRODUCT)
        if str(path.relative_to(ROOT)) not in DEV_ONLY_MODULES
        for node in ast.walk(ast.parse(path.read_text()))
        if (isinstance(node, ast.ImportFrom) and node.module in dev_modules)
        or (isinstance(node, ast.Import) and any(a.name in dev_modules for a in node.names))
    ]
    assert importers == []


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("import graphql\n", ["graphql"]),
        ("from pypika_tortoise.queries import Table\n", ["pypika_tortoise"]),
        ("def f():\n    from rich.console import Console\n", ["rich"]),
        ("from . import x\nimport os\n", ["os"]),
    ],
)
def test_the_import_walk_sees_lazy_imports_and_skips_relative_ones(
    tmp_path: Path, source: str, expected: list[str]
) -> None:
    module = tmp_path / "m.py"
    module.write_text(source)
    assert list(_imports(module)) == expected


def test_an_undeclared_transitive_package_is_reported() -> None:
    """The check can fail: graphql-core is installed (strawberry needs it) but not declared here."""
    problems = _undeclared({"graphql": {"schema/x.py"}}, {"strawberry-graphql"})
    assert len(problems) == 1
    assert "graphql-core" in problems[0]
