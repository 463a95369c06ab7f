"""Whole-row SELECTs built once per shape, then run with new values (leans on Tortoise's internals).

Building a small statement with Tortoise and pypika costs more than running it (pypika copies its
context per term, Tortoise resolves filters per queryset: ~15% of a small query's CPU, see
bench/changes.md). `select_rows(shape, build, *args)` builds `build(*sentinels)` the first time a
shape is asked for on a dialect, finds where each sentinel landed among the statement's values, and
keeps the text; later calls put their own arguments in those places and run the text as it is. Rows
become models through `runtime.hydrate.hydrate`, as with `fetch_whole_rows`.

A shape whose statement does not carry every sentinel exactly once as a value (a sentinel inlined in
the text, an argument used twice), or whose queryset is not whole rows of its model, is never kept:
it is awaited the ordinary way every time. `shape` must name everything `build` depends on besides
its model and its arguments.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any, Final, TypeVar
from uuid import UUID

from tortoise.models import Model
from tortoise.queryset import QuerySet
from tortoise.router import router

from base.versions import require
from runtime.hydrate import fetch_whole_rows, hydrate, is_whole_rows

require("tortoise-orm", ">=1.1,<1.2", by=__name__)

__all__ = ["select_rows"]

M = TypeVar("M", bound=Model)

MAX_TEMPLATES: Final = 1024
"""Shapes kept per process; past that, new shapes are built every time (a bound, not an expected size)."""

Arg = UUID | str


@dataclass(frozen=True)
class _Template:
    sql: str
    values: tuple[Any, ...]
    slots: tuple[tuple[int, int, bool], ...]
    """(position among the values, argument index, whether the argument goes in as text)."""


_TEMPLATES: dict[tuple[type[Model], Hashable, str], _Template | None] = {}
"""(model, shape, dialect) -> its template, or None for a shape that cannot be kept."""


def _sentinel(arg: Arg) -> Arg:
    return uuid.uuid4() if isinstance(arg, UUID) else f"\x00sentinel-{uuid.uuid4().hex}"


def _template(qs: QuerySet[Any], sentinels: list[Arg]) -> _Template | None:
    qs._choose_db_if_not_chosen()
    qs._make_query()
    sql, values = qs.query.get_parameterized_sql()
    slots: list[tuple[int, int, bool]] = []
    for position, value in enumerate(values):
        for index, sentinel in enumerate(sentinels):
            if value == sentinel:
                slots.append((position, index, False))
            elif isinstance(sentinel, UUID) and value == str(sentinel):
                slots.append((position, index, True))
    found = sorted(index for _, index, _ in slots)
    if found != list(range(len(sentinels))) or any(str(sentinel) in sql for sentinel in sentinels):
        return None
    return _Template(sql, tuple(values), tuple(slots))


async def select_rows(model: type[M], shape: Hashable, build: Callable[..., QuerySet[M]], *args: Arg) -> list[M]:
    """`await build(*args)` for a queryset of whole rows of `model`, its statement built once per `shape`."""
    db = router.db_for_read(model) or model._meta.db  # what the queryset would choose (a transaction's, inside one)
    key = (model, shape, db.capabilities.dialect)
    template = _TEMPLATES.get(key)
    if template is None:
        if key in _TEMPLATES or len(_TEMPLATES) >= MAX_TEMPLATES:  # cannot be kept, or no room to keep it
            return await fetch_whole_rows(build(*args))
        probe = build(*args)
        sentinels = [_sentinel(arg) for arg in args]
        template = _template(build(*sentinels), sentinels) if is_whole_rows(probe) else None
        _TEMPLATES[key] = template
        if template is None:
            return await fetch_whole_rows(probe)
    values = list(template.values)
    for position, index, as_text in template.slots:
        values[position] = str(args[index]) if as_text else args[index]
    _, records = await db.execute_query(template.sql, values)
    return hydrate(model, records)
