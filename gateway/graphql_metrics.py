"""`GraphQLMetrics`: the schema extension counting and timing every GraphQL operation (`base.metrics`' instruments)."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator
from typing import Final

from strawberry import Schema
from strawberry.extensions import SchemaExtension

from base.metrics import GRAPHQL_DURATION, GRAPHQL_REQUESTS, OTHER

__all__ = ["MAX_OPERATION_NAMES", "GraphQLMetrics", "with_graphql_metrics"]

MAX_OPERATION_NAMES: Final = 200
"""Distinct GraphQL operation names kept as label values; later new names count as "other"."""

_NAME_RE: Final = re.compile(r"[_A-Za-z][_0-9A-Za-z]{0,63}")
_names_lock = threading.Lock()
_operation_names: set[str] = set()


def _operation_label(name: str | None) -> str:
    """A bounded label for a client-chosen operation name."""
    if not name:
        return "anonymous"
    if not _NAME_RE.fullmatch(name):
        return OTHER
    with _names_lock:
        if name in _operation_names:
            return name
        if len(_operation_names) >= MAX_OPERATION_NAMES:
            return OTHER
        _operation_names.add(name)
        return name


class GraphQLMetrics(SchemaExtension):
    """Counts and times every GraphQL operation (HTTP and WebSocket), by name and type."""

    def on_operation(self) -> Iterator[None]:
        started = time.perf_counter()
        try:
            yield
        finally:
            self._record(time.perf_counter() - started)

    def _record(self, elapsed: float) -> None:
        context = self.execution_context
        try:
            operation_type = context.operation_type.value
        except Exception:  # unparsable document, or no operation matching the name
            operation_type = "unknown"
        name = _operation_label(context.operation_name) if operation_type != "unknown" else OTHER
        result = context.result
        failed = bool(context.pre_execution_errors) or bool(getattr(result, "errors", None))
        GRAPHQL_REQUESTS.labels(name, operation_type, "error" if failed else "ok").inc()
        GRAPHQL_DURATION.labels(name, operation_type).observe(elapsed)


def with_graphql_metrics(schema: Schema) -> Schema:
    """`schema` with `GraphQLMetrics` appended to its extensions (a fresh instance per operation)."""
    schema.extensions = (*schema.extensions, GraphQLMetrics)
    return schema
