"""The libraries whose internals the code replicates: bounded in pyproject.toml, checked at import.

Each module that copies or patches a library's private code calls `base.versions.require` with
the range it was written against; pyproject.toml must bound that library with the same range
(so `uv lock --upgrade` cannot move past it), and the installed version must be inside it.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import re
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet

from base import versions
from base.versions import UnsupportedVersion, release, require
from sandbox.persistence import LOCALSTRIPE_VERSIONS

ROOT = Path(__file__).resolve().parent.parent

# Module -> the distributions whose internals it leans on (issue 14's list).
LEANING: dict[str, set[str]] = {
    "runtime.execution": {"graphql-core", "strawberry-graphql"},
    "runtime.strawberry_schema": {"graphql-core", "strawberry-graphql"},
    "runtime.operation_hooks": {"strawberry-graphql"},
    "runtime.ws_results": {"strawberry-graphql"},
    "runtime.graphql_response": {"graphql-core", "strawberry-graphql"},
    "runtime.selection": {"graphql-core"},
    "runtime.hydrate": {"tortoise-orm"},
    "runtime.statement_templates": {"tortoise-orm"},
    "runtime.dramatiq_redis": {"dramatiq", "redis"},
    "runtime.dramatiq_rabbitmq": {"dramatiq", "pika"},
}


def _requirements() -> dict[str, Requirement]:
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    found = [Requirement(r) for r in pyproject["project"]["dependencies"] + pyproject["dependency-groups"]["dev"]]
    return {re.sub(r"[-_.]+", "-", r.name).lower(): r for r in found}


def test_every_declared_dependency_is_installed_within_its_bounds() -> None:
    outside = {
        name: (str(req.specifier), importlib.metadata.version(name))
        for name, req in _requirements().items()
        if (req.marker is None or req.marker.evaluate())
        and not req.specifier.contains(importlib.metadata.version(name), prereleases=True)
    }
    assert outside == {}


def test_each_module_leaning_on_internals_checks_the_bounds_pyproject_declares() -> None:
    for module in LEANING:
        importlib.import_module(module)
    requirements = _requirements()
    checked = {module: {dist for dist, by in versions.REQUIRED.items() if module in by} for module in LEANING}
    assert checked == LEANING
    for dist, by in versions.REQUIRED.items():
        declared = requirements[dist].specifier
        assert any(spec.operator == "<" for spec in declared), f"{dist} has no upper bound in pyproject.toml"
        for module, allowed in by.items():
            assert SpecifierSet(allowed) == declared, (module, dist, allowed, str(declared))


def test_the_sandbox_checks_the_localstripe_range_pyproject_declares() -> None:
    assert SpecifierSet(LOCALSTRIPE_VERSIONS) == _requirements()["localstripe"].specifier


def test_a_version_outside_the_range_is_refused_with_the_module_to_check() -> None:
    installed = importlib.metadata.version("graphql-core")
    with pytest.raises(
        UnsupportedVersion, match=rf"schema\.nowhere .* graphql-core {re.escape(installed)} is installed"
    ):
        require("graphql-core", ">=99.0,<99.1", by="schema.nowhere")
    with pytest.raises(UnsupportedVersion):
        require("graphql-core", ">=0.1,<1.0", by="schema.nowhere")
    assert require("graphql-core", ">=3.3,<3.4", by="schema.nowhere") == installed
    versions.REQUIRED["graphql-core"].pop("schema.nowhere")


def test_a_range_not_of_the_bounded_form_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="not of the form"):
        require("graphql-core", ">=3.3", by="schema.nowhere")


@pytest.mark.parametrize(
    ("version", "parsed"),
    [("3.3.2", (3, 3, 2)), ("0.341.2", (0, 341, 2)), ("1.2rc1", (1, 2)), ("2.0.0.post1", (2, 0, 0)), ("8", (8,))],
)
def test_release_reads_the_numeric_part(version: str, parsed: tuple[int, ...]) -> None:
    assert release(version) == parsed


def test_the_bounds_compare_as_releases_not_strings() -> None:
    assert release("0.341") <= release("0.341.10") < release("0.342")
    assert not release("1.1") <= release("1.10.0") < release("1.2")
