"""Mirror rows frozen into JSON for the idempotency ledger, and thawed for replays."""

from __future__ import annotations

import json
from typing import Any, TypeVar

from tortoise.models import Model

M = TypeVar("M", bound=Model)


def dump(instance: Model) -> dict[str, Any]:
    """Every column of a row as JSON-safe values."""
    values = {name: getattr(instance, name) for name in instance._meta.fields_db_projection}
    loaded: dict[str, Any] = json.loads(json.dumps(values, default=str))
    return loaded


def load(model: type[M], data: dict[str, Any]) -> M:
    """A read-only model instance carrying the stored column values."""
    return model(**data)
