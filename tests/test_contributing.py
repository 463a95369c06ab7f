"""CONTRIBUTING.md's worked mutation type-checks: its blocks, added to copies of their modules, pass mypy --strict.

Each fenced python block of "How to add a mutation" starts with `# <module path>: <where>`:
`imports` (put after the module's `from __future__` line), `at the end` (appended), or
`in class Mutation` (appended to the root class, the last statement of schema/mutation_root.py).
The product packages are copied to a temporary directory, the blocks put into their modules
there, and mypy (the project's configuration, strict) checks the three modules: the example
stops passing as soon as it stops matching the code it shows (acceptance 2 of issue 14: a
mutation touches its resolver module, its schema types and the root, nothing else).
"""

from __future__ import annotations

import ast
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.product import PACKAGES

ROOT = Path(__file__).resolve().parent.parent
CONTRIBUTING = ROOT / "CONTRIBUTING.md"
PLACES = ("imports", "at the end", "in class Mutation")
BLOCK = re.compile(r"^```python\n(.*?)^```$", re.DOTALL | re.MULTILINE)
TARGET = re.compile(r"^# (?P<path>[\w/]+\.py): (?P<place>.+)$")
ALLOWED_MODULES = {"resolvers/customers.py", "schema/customers.py", "schema/mutation_root.py"}


def example_blocks() -> list[tuple[str, str, str]]:
    """(module path, place, code) of every python block of "How to add a mutation"."""
    text = CONTRIBUTING.read_text()
    section = text.split("## How to add a mutation", 1)[1].split("\n## ", 1)[0]
    blocks = []
    for match in BLOCK.finditer(section):
        first, _, code = match.group(1).partition("\n")
        target = TARGET.match(first)
        assert target, f"a python block of CONTRIBUTING.md does not say where it goes: {first!r}"
        assert target["place"] in PLACES, f"unknown place {target['place']!r} (one of {PLACES})"
        blocks.append((target["path"], target["place"], code))
    return blocks


def overlay(blocks: list[tuple[str, str, str]], tree: Path) -> list[Path]:
    """Put the blocks into their modules under `tree` (a copy of the packages); the modules changed."""
    changed: dict[str, Path] = {}
    for path, place, code in blocks:
        module = tree / path
        source = module.read_text()
        if place == "imports":
            head, future, rest = source.partition("from __future__ import annotations\n")
            assert future, f"{path} has no `from __future__ import annotations` line"
            source = head + future + code + rest
        elif place == "in class Mutation":
            last = ast.parse(source).body[-1]
            assert isinstance(last, ast.ClassDef) and last.name == "Mutation", f"{path} does not end with Mutation"
            source = source.rstrip("\n") + "\n\n" + code
        else:
            source = source.rstrip("\n") + "\n\n\n" + code
        module.write_text(source)
        changed[path] = module
    return list(changed.values())


def test_the_example_touches_only_its_resolver_its_schema_types_and_the_root() -> None:
    blocks = example_blocks()
    assert {path for path, _, _ in blocks} == ALLOWED_MODULES
    assert any(place == "in class Mutation" for _, place, _ in blocks)


@pytest.mark.timeout(600)
def test_the_example_type_checks(tmp_path: Path) -> None:
    tree = tmp_path / "tree"
    for package in PACKAGES:
        shutil.copytree(ROOT / package, tree / package, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tree / "pyproject.toml")
    modules = overlay(example_blocks(), tree)
    cache = tmp_path / "cache"
    if (ROOT / ".mypy_cache").is_dir():
        # A warm start: the copies of unchanged modules hash the same as the checkout's.
        shutil.copytree(ROOT / ".mypy_cache", cache)
    result = subprocess.run(
        # The project's configuration (pyproject.toml: strict) on the three modules.
        [sys.executable, "-m", "mypy", "--cache-dir", str(cache), *map(str, modules)],
        cwd=tree,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, f"CONTRIBUTING.md's example does not type-check:\n{result.stdout}{result.stderr}"
