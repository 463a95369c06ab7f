"""Every error code lives in `base.error_codes.ErrorCode`: no bare string code in product code."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from base.error_codes import USER_ERROR_CODES, ErrorCode
from schema.errors import UserErrorCode
from tests.support.product import PACKAGES

ROOT = Path(__file__).resolve().parent.parent
PRODUCT_PACKAGES = PACKAGES
ENUM_MODULE = Path("base/error_codes.py")

# (file, literal): a string equal to a code that means something else there.
ALLOWED: frozenset[tuple[str, str]] = frozenset()


def _code_literals(path: Path, root: Path = ROOT) -> list[str]:
    """`file:line: 'literal'` for each string constant in `path` equal to an ErrorCode value."""
    codes = {code.value for code in ErrorCode}
    relative = path.relative_to(root).as_posix()
    found = []
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and node.value in codes
            and (relative, node.value) not in ALLOWED
        ):
            found.append(f"{relative}:{node.lineno}: {node.value!r}")
    return found


def test_no_string_error_code_outside_the_enum() -> None:
    found = [
        hit
        for package in PRODUCT_PACKAGES
        for path in sorted((ROOT / package).rglob("*.py"))
        if path.relative_to(ROOT) != ENUM_MODULE
        for hit in _code_literals(path)
    ]
    assert not found, f"{len(found)} string error codes outside base/error_codes.py (use ErrorCode):\n" + "\n".join(
        found
    )


def test_the_rule_sees_a_string_code(tmp_path: Path) -> None:
    # The scan must be able to fail: a bare code is reported with its place.
    probe = tmp_path / "probe.py"
    probe.write_text('x = 1\nraise ValueError("VALIDATION_FAILED")\n')
    assert _code_literals(probe, tmp_path) == ["probe.py:2: 'VALIDATION_FAILED'"]


def test_every_code_the_api_contract_lists_is_in_the_enum() -> None:
    text = (ROOT / "docs" / "API.md").read_text()
    listed = re.search(r"`UserErrorCode` includes at least:(.*?)\.\n", text, re.S)
    assert listed is not None, "docs/API.md lost its UserErrorCode list"
    user_codes = re.findall(r"`([A-Z_]+)`", listed.group(1))
    assert len(user_codes) >= 8
    assert set(user_codes) <= {code.value for code in USER_ERROR_CODES}
    extension_codes = re.findall(r"`extensions\.code` is `([A-Z_]+)`", text)
    assert extension_codes
    assert set(extension_codes) <= {code.value for code in ErrorCode}


def test_the_graphql_enum_is_the_user_error_subset() -> None:
    assert [member.name for member in UserErrorCode] == [code.name for code in USER_ERROR_CODES]
    assert all(UserErrorCode(code.value).value is code for code in USER_ERROR_CODES)
