"""Version guards for the modules that copy or lean on a library's internals.

The modules of `runtime/` (and `sandbox.persistence`) replicate private code of
strawberry, graphql-core, Tortoise, Dramatiq and localstripe for speed. A new minor release
may change that code without notice, so each module calls `require` at import with the range
it was written against, and pyproject.toml bounds the same libraries with the same range
(tests/test_versions.py holds the two together). An installed version outside the range
refuses to import with a message naming the module to re-check, instead of failing later in
a request.
"""

from __future__ import annotations

import importlib.metadata
import re
from typing import Final

__all__ = ["REQUIRED", "UnsupportedVersion", "release", "require"]

# distribution -> {requiring module: its range}, filled by `require` (read by the tests).
REQUIRED: Final[dict[str, dict[str, str]]] = {}

_RANGE: Final = re.compile(r"^>=(?P<low>\d+(?:\.\d+)*),<(?P<high>\d+(?:\.\d+)*)$")


class UnsupportedVersion(ImportError):
    """An installed library is outside the range a module leaning on its internals was written for."""


def release(version: str) -> tuple[int, ...]:
    """The numeric release of a version string: `3.3.2` -> (3, 3, 2), `1.2rc1` -> (1, 2)."""
    parts: list[int] = []
    for part in version.split("."):
        digits = re.match(r"\d+", part)
        if digits is None:
            break
        parts.append(int(digits.group()))
        if digits.end() != len(part):
            break
    return tuple(parts)


def require(distribution: str, allowed: str, *, by: str) -> str:
    """Return the installed version of `distribution`, or raise `UnsupportedVersion` if outside `allowed`.

    `allowed` is `>=LOW,<HIGH` (the form pyproject.toml uses for these bounds); `by` names the
    module that leans on the library's internals, for the message.
    """
    bounds = _RANGE.match(allowed)
    if bounds is None:
        raise ValueError(f"{by}: range {allowed!r} is not of the form >=LOW,<HIGH")
    REQUIRED.setdefault(distribution, {})[by] = allowed
    installed = importlib.metadata.version(distribution)
    if not release(bounds["low"]) <= release(installed) < release(bounds["high"]):
        raise UnsupportedVersion(
            f"{by} replicates internals of {distribution} {allowed}, but {distribution} {installed} is installed: "
            f"install a version in that range, or check {by} against {installed} and widen the range "
            "there and in pyproject.toml"
        )
    return installed
