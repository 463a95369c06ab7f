"""The layers contract holds, and no product module imports another inside a function.

`.importlinter` says which package may import which (bottom to top, docs/architecture.md) and
that the modules of a package import each other without a cycle; `lint-imports` checks it
(`.ci/run` runs it too). A function-level import of a product module would hide a dependency
from both the reader and the contract's intent (a cycle dodged by importing late), so there is none.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

from tests.support.product import PACKAGES, ROOT


def late_imports(source: str, path: str) -> list[str]:
    """`path:line module` of every import of a product module made inside a function."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        for sub in ast.walk(node):
            names = []
            if isinstance(sub, ast.ImportFrom) and sub.level == 0 and sub.module:
                names = [sub.module]
            elif isinstance(sub, ast.Import):
                names = [alias.name for alias in sub.names]
            found += [f"{path}:{sub.lineno} {name}" for name in names if name.split(".")[0] in PACKAGES]
    return found


def test_the_layers_contract_is_kept() -> None:
    lint = Path(sys.executable).with_name("lint-imports")
    done = subprocess.run([str(lint)], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    assert "0 broken" in done.stdout


LATE_IMPORTS_ALLOWED = frozenset({"gateway/cli.py"})


def test_no_product_module_imports_another_inside_a_function() -> None:
    found = []
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            relative = str(path.relative_to(ROOT))
            if relative not in LATE_IMPORTS_ALLOWED:
                found += late_imports(path.read_text(), relative)
    assert found == []


def test_a_late_import_is_found() -> None:
    source = "import json\n\ndef f():\n    from billing.ledger import Attempt\n    import json\n    return Attempt\n"
    assert late_imports(source, "x.py") == ["x.py:4 billing.ledger"]
