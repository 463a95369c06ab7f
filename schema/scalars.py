"""The schema's custom scalars, in one map (`SCALAR_MAP`, the schema's `StrawberryConfig.scalar_map`).

`DateTime` is strawberry's scalar, described and pointing at RFC 3339; `MinorUnits` (amounts of money)
is `schema.money`'s.
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from typing import Any, NewType

from graphql import GraphQLError, IntValueNode, ValueNode
from strawberry import scalar
from strawberry.schema.types.base_scalars import DateTimeDefinition
from strawberry.types.scalar import ScalarDefinition

from base.error_codes import ErrorCode
from schema.money import MAX_SAFE_INTEGER, MINOR_UNITS, MinorUnits


def serialize_datetime(value: Any) -> str:
    """RFC 3339 always carries an offset: the mirror's times are UTC-aware, and a naive one is UTC too."""
    if isinstance(value, datetime) and value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return str(value.isoformat())


def parse_datetime(value: Any) -> datetime:
    """An input date-time: Python's own ISO 8601 parser first (fast), strawberry's (dateutil) for what it refuses.

    A batch of 1,000 usage events spent an eighth of its time in dateutil (bench/b8_usage_ingest.py).
    """
    if isinstance(value, str):
        try:
            return datetime.fromisoformat(value)
        except ValueError:
            pass
    parsed: datetime = DateTimeDefinition.parse_value(value)  # type: ignore[misc]
    return parsed


UsageQuantity = NewType("UsageQuantity", int)
"""The Python type of usage values and aggregates (Billing Meters); the scalar `USAGE_QUANTITY`."""


def _quantity(value: object) -> int:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or abs(value) > MAX_SAFE_INTEGER:
        raise GraphQLError(
            f"UsageQuantity cannot represent {str(value)[:24]!r}: a whole number up to 2^53 - 1 (a JSON number)",
            extensions={"code": ErrorCode.VALIDATION_FAILED},
        )
    return value


def _quantity_literal(node: ValueNode, _variables: dict[str, Any] | None = None) -> int:
    if not isinstance(node, IntValueNode) or len(node.value.lstrip("-")) > 16:
        return _quantity(str(node.to_dict().get("value")))
    return _quantity(int(node.value))


USAGE_QUANTITY: ScalarDefinition = scalar(
    name="UsageQuantity",
    description="A usage value or aggregate of a Billing Meter, as a JSON number: a whole number from "
    f"-{MAX_SAFE_INTEGER} to {MAX_SAFE_INTEGER} (2^53 - 1), so a JavaScript number holds it exactly "
    "(`Int` stops at 2,147,483,647). Inputs refuse fractions and strings.",
    specified_by_url="https://www.rfc-editor.org/rfc/rfc8259#section-6",
    serialize=_quantity,
    parse_value=_quantity,
    parse_literal=_quantity_literal,
)


SCALAR_MAP: dict[object, ScalarDefinition] = {
    MinorUnits: MINOR_UNITS,
    UsageQuantity: USAGE_QUANTITY,
    datetime: dataclasses.replace(
        DateTimeDefinition,
        description="A point in time as an RFC 3339 date-time with its UTC offset, e.g. `2026-01-31T09:30:00+00:00`. "
        "The gateway answers UTC; inputs take any offset.",
        specified_by_url="https://www.rfc-editor.org/rfc/rfc3339#section-5.6",
        serialize=serialize_datetime,
        parse_value=parse_datetime,
    ),
}
