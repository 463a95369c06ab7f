"""The inbox's one writer: `insert_event` stores a verified Stripe event as a `webhook_events` row, once.

The receiver stores every delivery with it (and the events it must store escaped, marked
`failed`: their `last_error` begins `UNSTORABLE_PREFIX`).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Final
from uuid import UUID

from tortoise import Tortoise

from billing.mirror.common import Statement, quoted
from models.base import uuid7
from models.inbox import EventStatus, WebhookEvent

__all__ = ["UNSTORABLE_PREFIX", "insert_event"]

# Inserted columns, in placeholder order. `attempts` is listed because the migration's
# column has no database default (Tortoise applies model defaults in Python).
_INSERT_COLUMNS: Final = (
    "id",
    "created_at",
    "updated_at",
    "stripe_event_id",
    "type",
    "api_version",
    "livemode",
    "stripe_created",
    "payload",
    "status",
    "attempts",
    "enqueued_at",
    "last_error",
)

UNSTORABLE_PREFIX: Final = "unstorable event: "
"""How `last_error` of an event stored escaped begins; `webhooks replay` leaves such rows alone."""


async def insert_event(
    event: dict[str, Any],
    status: EventStatus,
    *,
    raw: bytes | None = None,
    enqueued: bool = False,
    last_error: str | None = None,
) -> UUID | None:
    """Store a verified event in the inbox; return the new row's id, or None when it was already there.

    `raw` is the event's verified JSON text, stored as it came (no second encoding);
    `enqueued` marks the row as handed to the broker (`enqueued_at` = now).

    One statement, `INSERT … ON CONFLICT (stripe_event_id) DO NOTHING RETURNING id`: it
    never raises on a duplicate and, unlike "select then insert", cannot store an
    event twice when Stripe delivers it concurrently (the unique index decides, and
    PostgreSQL makes the loser wait for the winner's commit and then do nothing).
    The statement runs outside any transaction, so the row is committed when this returns.
    """
    conn = Tortoise.get_connection("default")
    now = datetime.now(UTC)
    values: dict[str, Any] = {
        "id": uuid7(),
        "created_at": now,
        "updated_at": now,
        "stripe_event_id": event["id"],
        "type": event["type"],
        "api_version": event.get("api_version") if isinstance(event.get("api_version"), str) else None,
        "livemode": event.get("livemode") is True,
        "stripe_created": datetime.fromtimestamp(event["created"], UTC),
        "payload": event,
        "status": status,
        "attempts": 0,
        "enqueued_at": now if enqueued else None,
        "last_error": last_error,
    }
    fields_map = WebhookEvent._meta.fields_map
    # Each field converts its value exactly as Tortoise's own INSERT would (JSON text for
    # the payload, the enum's value, …).
    params: list[Any] = []
    for name in _INSERT_COLUMNS:
        if name == "payload" and raw is not None:
            # Valid UTF-8 JSON already (verify_webhook parsed it): stored as it came, not encoded again.
            params.append(raw.decode())
        else:
            params.append(fields_map[name].to_db_value(values[name], WebhookEvent))
    sql = _insert_sql(conn)
    # `execute_query_dict` always fetches; Tortoise's asyncpg `execute_query` drops the
    # RETURNING rows of an INSERT.
    rows = await conn.execute_query_dict(sql, params)
    if not rows:
        return None
    # asyncpg returns a UUID, SQLite the text form.
    return UUID(str(rows[0]["id"]))


_insert_sql_by_driver: dict[type, str] = {}


def _insert_sql(conn: Any) -> str:
    """The inbox INSERT in this connection's placeholder style (`$1` asyncpg, `?` SQLite), made once per driver."""
    sql = _insert_sql_by_driver.get(type(conn))
    if sql is None:
        statement = Statement(conn)
        placeholders = ", ".join(statement.param(None) for _ in _INSERT_COLUMNS)
        columns = quoted(WebhookEvent._meta.fields_db_projection[name] for name in _INSERT_COLUMNS)
        sql = (
            f'INSERT INTO "{WebhookEvent._meta.db_table}" ({columns}) VALUES ({placeholders}) '  # noqa: S608 - fixed names
            'ON CONFLICT ("stripe_event_id") DO NOTHING RETURNING "id"'
        )
        _insert_sql_by_driver[type(conn)] = sql
    return sql
