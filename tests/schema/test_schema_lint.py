"""graphql-schema-linter finds nothing in `schema.graphql` (issue 13, acceptance 6).

The linter and its rules are pinned in `tools/schema-lint` (package.json + lock); the rules and the
one commented exception are in `.graphql-schema-linterrc.yml`. The packages are installed with
`npm ci` when missing or older than the lock; without Node.js the test fails (it never skips).
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TOOL_DIR = ROOT / "tools" / "schema-lint"
LINTER = TOOL_DIR / "node_modules" / ".bin" / "graphql-schema-linter"


def _installed_linter() -> Path:
    for tool in ("node", "npm"):
        if shutil.which(tool) is None:
            pytest.fail(
                f"`{tool}` is not on PATH: install Node.js >= 20 (with npm) to lint schema.graphql", pytrace=False
            )
    installed = TOOL_DIR / "node_modules" / ".package-lock.json"
    lock = TOOL_DIR / "package-lock.json"
    if not LINTER.exists() or not installed.exists() or installed.stat().st_mtime < lock.stat().st_mtime:
        npm = subprocess.run(
            ["npm", "ci", "--prefix", str(TOOL_DIR), "--no-audit", "--no-fund", "--loglevel=error"],
            capture_output=True,
            text=True,
            timeout=300,
        )
        if npm.returncode != 0:
            pytest.fail(f"`npm ci --prefix tools/schema-lint` failed:\n{npm.stdout}{npm.stderr}", pytrace=False)
    return LINTER


def test_graphql_schema_linter_finds_nothing() -> None:
    linter = _installed_linter()
    # Run from the repo root: the linter finds `.graphql-schema-linterrc.yml` (rules, schemaPaths) there.
    result = subprocess.run([str(linter), "--format", "compact"], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, (
        f"graphql-schema-linter found problems in schema.graphql:\n{result.stdout}{result.stderr}"
    )


def test_the_linter_reads_its_configuration_and_catches_a_missing_description(tmp_path: Path) -> None:
    """The test above could pass on a linter that checks nothing: an undescribed field must be found."""
    linter = _installed_linter()
    sdl = (ROOT / "schema.graphql").read_text()
    broken = sdl.replace('"""The customer\'s email address."""\n  email: String', "email: String", 1)
    assert broken != sdl
    (tmp_path / "schema.graphql").write_text(broken)
    shutil.copy(ROOT / ".graphql-schema-linterrc.yml", tmp_path)
    result = subprocess.run(
        [str(linter), "--format", "compact"], cwd=tmp_path, capture_output=True, text=True, timeout=120
    )
    assert result.returncode != 0
    assert "Customer.email" in result.stdout and "fields-have-descriptions" in result.stdout, result.stdout
