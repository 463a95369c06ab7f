"""Model instances from whole rows, built the way Tortoise builds them but cheaper (leans on Tortoise's internals).

`hydrate` makes what `Model._init_from_db` makes of a row of the model's table;
`fetch_whole_rows` runs a queryset's own statement and hydrates its rows. Both read
Tortoise's private model meta and queryset state: `require` below bounds the version.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any, TypeVar
from uuid import UUID

from tortoise.fields.data import DatetimeField, UUIDField
from tortoise.models import Model
from tortoise.queryset import QuerySet
from tortoise.timezone import get_default_timezone, get_use_tz

from base.versions import require

require("tortoise-orm", ">=1.1,<1.2", by=__name__)

__all__ = ["fetch_whole_rows", "hydrate", "is_whole_rows"]

M = TypeVar("M", bound=Model)

_DATETIME_TO_PYTHON = DatetimeField.to_python_value
_UUID_TO_PYTHON = UUIDField.to_python_value


def hydrate(model: type[M], rows: Iterable[Any]) -> list[M]:
    """Instances of `model` from whole rows of its table (every column of `_meta.db_fields`, by name).

    Each is what `Model._init_from_db` makes of the row (same instance attributes, same values),
    built with plain dict stores: `_init_from_db` assigns its flags through `Model.__setattr__` and
    calls `to_python_value` per column. Here a timestamp that the driver already gives as an aware
    UTC datetime goes straight to `astimezone` (what `DatetimeField.to_python_value` does with
    it), and a UUID column's value is kept when it already is a UUID (asyncpg's are).
    Anything else (SQLite's text, a naive datetime, another field class) goes through the
    field's own `to_python_value`. The column lists are read from the model's meta on every call:
    Tortoise rebuilds them per backend when it is initialised.
    """
    meta = model._meta
    native = [(key, attr) for key, attr, _ in meta.db_native_fields]
    default = [(key, attr, field.field_type) for key, attr, field in meta.db_default_fields]
    datetimes: list[tuple[str, str, Callable[[Any], Any]]] = []
    uuids: list[tuple[str, str]] = []
    other: list[tuple[str, str, Callable[[Any], Any]]] = []
    for key, attr, field in meta.db_complex_fields:
        convert = type(field).to_python_value
        if convert is _DATETIME_TO_PYTHON:
            datetimes.append((key, attr, field.to_python_value))
        elif convert is _UUID_TO_PYTHON:
            uuids.append((key, attr))
        else:
            other.append((key, attr, field.to_python_value))
    # `DatetimeField.to_python_value` makes an aware value aware in this zone when use_tz is on.
    zone = get_default_timezone() if get_use_tz() else None
    custom_pk = meta.db_pk_column not in meta.generated_db_fields
    new = model.__new__
    instances: list[M] = []
    for row in rows:
        instance = new(model)
        values = instance.__dict__
        values["_partial"] = False
        values["_saved_in_db"] = True
        values["_custom_generated_pk"] = custom_pk
        values["_await_when_save"] = {}
        for key, attr in native:
            values[attr] = row[key]
        for key, attr, field_type in default:
            value = row[key]
            values[attr] = None if value is None else field_type(value)
        for key, attr, to_python in datetimes:
            value = row[key]
            if value is not None:
                if zone is not None and value.__class__ is datetime and value.tzinfo is UTC:
                    value = value.astimezone(zone)
                else:
                    value = to_python(value)
            values[attr] = value
        for key, attr in uuids:
            value = row[key]
            values[attr] = value if value is None or isinstance(value, UUID) else UUID(value)
        for key, attr, to_python in other:
            values[attr] = to_python(row[key])
        instances.append(instance)
    return instances


def is_whole_rows(qs: QuerySet[Any]) -> bool:
    """Whether `qs` selects whole rows of its model and nothing else (what `hydrate` can build)."""
    return not (
        type(qs) is not QuerySet
        or qs._select_related
        or qs._prefetch_map
        or qs._prefetch_queries
        or qs._annotations
        or qs._fields_for_select
        or qs._single
        or qs._select_for_update
    )


async def fetch_whole_rows(qs: QuerySet[M]) -> list[M]:
    """`await qs` for a queryset of whole rows, cheaper.

    The statement is the one `await qs` runs, built the way Tortoise builds it for a subquery
    (`tortoise.expressions.Subquery`); its rows become models through `hydrate`. A queryset
    that selects anything else than whole rows of its model (select_related, prefetch_related,
    annotate, only, get/first, select_for_update) is simply awaited.
    """
    if not is_whole_rows(qs):
        return await qs
    qs._choose_db_if_not_chosen()
    qs._make_query()
    sql, values = qs.query.get_parameterized_sql()
    _, records = await qs._db.execute_query(sql, values)
    return hydrate(qs.model, records)
