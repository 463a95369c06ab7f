"""Strawberry input types built by a hand-written function (strawberry's `from_input` hook; replicates no internals).

Strawberry turns each GraphQL input object into its dataclass by walking every field's annotation
(`strawberry.types.arguments.convert_argument`): about 30 µs per object, a third of a
`recordUsageBatch` of 1,000 events (bench/b8_usage_ingest.py). `build_with(cls, build)` sets the
type definition's `from_input`, which strawberry calls instead with the input value as graphql-core
coerced it (keyed by GraphQL field names, scalars already parsed, omitted fields absent), so a flat
input type is built in one call. Only for input types whose fields are scalars (nothing to convert
further): `build` must do what strawberry would (`UNSET` for an omitted field).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from base.versions import require

require("strawberry-graphql", ">=0.341,<0.342", by=__name__)

__all__ = ["build_with"]


def build_with(cls: type, build: Callable[[Mapping[str, Any]], Any]) -> None:
    """Make strawberry build `cls` (a `@strawberry.input` of scalar fields) from its input value with `build`."""
    definition = cls.__strawberry_definition__  # type: ignore[attr-defined]
    definition.from_input = lambda _type, value, _context: build(value)
