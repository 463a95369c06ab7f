"""Is this event newer than the mirror? The per-object lock, the target row's read, and the decision.

The event's `created` is compared with the target row's `stripe_event_at` (the `created` of
the newest event applied to it): older → not written (`stale`); newer → written (`apply`);
equal (Stripe's `created` has one-second resolution), or doubt (the row was written from an
API answer, `stripe_event_at` null, after the event happened) → the object is fetched fresh
from Stripe and THAT is written (`refetch`). A row never touched by an event counts as older
than any event. Writers of one object are serialized by a transaction-scoped advisory lock
(PostgreSQL), so the comparison and the write cannot interleave with another worker's, even
for a row not created yet.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal
from uuid import UUID

from tortoise.backends.base.client import BaseDBAsyncClient

from billing.mirror.common import Statement, python_value, quoted
from billing.money_locks import lock_object
from models.base import StripeMirrorModel

__all__ = ["Decision", "Existing", "decide", "lock_target", "read_existing"]

Decision = Literal["apply", "stale", "refetch"]


async def lock_target(connection: BaseDBAsyncClient, model: type[StripeMirrorModel], stripe_id: str) -> None:
    """Serialize writers of one Stripe object until the transaction ends (also when its row does not exist yet).

    SQLite (embedded mode) serializes all writers already.
    """
    if connection.capabilities.dialect == "postgres":
        await lock_object(connection, f"{model.__name__}:{stripe_id}")


@dataclass(frozen=True)
class Existing:
    """What the ordering needs of the target's row, read under its lock."""

    id: UUID
    stripe_event_at: datetime | None
    synced_at: datetime | None
    status: str | None


async def read_existing(
    connection: BaseDBAsyncClient, model: type[StripeMirrorModel], stripe_id: str
) -> Existing | None:
    """The target's row (the columns `decide` and the status message need), or None: one prepared SELECT."""
    statement = Statement(connection)
    has_status = "status" in model._meta.fields_map
    columns = ("id", "stripe_event_at", "synced_at", "status") if has_status else ("id", "stripe_event_at", "synced_at")
    sql = (
        f'SELECT {quoted(columns)} FROM "{model._meta.db_table}" '  # noqa: S608 - fixed names
        f'WHERE "stripe_id" = {statement.param(stripe_id)}'
    )
    rows = await connection.execute_query_dict(sql, statement.params)
    if not rows:
        return None
    row = rows[0]
    return Existing(
        id=python_value(model, "id", row["id"]),
        stripe_event_at=python_value(model, "stripe_event_at", row["stripe_event_at"]),
        synced_at=python_value(model, "synced_at", row["synced_at"]),
        status=row["status"] if has_status else None,
    )


def decide(event_at: datetime, existing: Existing | None) -> Decision:
    """`apply`, `stale` or `refetch` for an event's copy of an object, given the object's row."""
    if existing is None:
        return "apply"
    applied_at = existing.stripe_event_at
    if applied_at is None:
        # Written from an API answer (a mutation, a reconcile, a fetched parent) only. If
        # that answer was read after the event happened it may be newer: doubt, so refetch.
        synced = existing.synced_at
        return "refetch" if synced is not None and synced >= event_at else "apply"
    if event_at < applied_at:
        return "stale"
    if event_at > applied_at:
        return "apply"
    return "refetch"  # Same second: the order of the two events is unknowable from `created`.
