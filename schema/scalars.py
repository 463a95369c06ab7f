"""The schema's custom scalars, in one map (`SCALAR_MAP`, the schema's `StrawberryConfig.scalar_map`).

`DateTime` is strawberry's scalar, described and pointing at RFC 3339; `MinorUnits` (amounts of money)
is `schema.money`'s.
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from typing import Any

from strawberry.schema.types.base_scalars import DateTimeDefinition
from strawberry.types.scalar import ScalarDefinition

from schema.money import MINOR_UNITS, MinorUnits


def serialize_datetime(value: Any) -> str:
    """RFC 3339 always carries an offset: the mirror's times are UTC-aware, and a naive one is UTC too."""
    if isinstance(value, datetime) and value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return str(value.isoformat())


SCALAR_MAP: dict[object, ScalarDefinition] = {
    MinorUnits: MINOR_UNITS,
    datetime: dataclasses.replace(
        DateTimeDefinition,
        description="A point in time as an RFC 3339 date-time with its UTC offset, e.g. `2026-01-31T09:30:00+00:00`. "
        "The gateway answers UTC; inputs take any offset.",
        specified_by_url="https://www.rfc-editor.org/rfc/rfc3339#section-5.6",
        serialize=serialize_datetime,
    ),
}
