"""The admin query over the audit trail (`billing.audit` writes it)."""

from __future__ import annotations

import re
from datetime import datetime

from graphql import GraphQLError
from tortoise.expressions import RawSQL
from tortoise.queryset import QuerySet

from base.error_codes import ErrorCode
from billing.authorization import filter_text
from billing.pages import Page
from billing.pagination import paginate
from billing.request_context import Context
from models import AuditEntry


async def audit_events(
    context: Context,
    first: int | None = None,
    after: str | None = None,
    principal: str | None = None,
    operation: str | None = None,
    *,
    object_id: str | None = None,
    occurred_after: datetime | None = None,
    occurred_before: datetime | None = None,
) -> Page[AuditEntry]:
    """Audit entries, newest first; `principal`, `operation` and `object_id` match exactly, times bound."""
    qs = AuditEntry.all()
    if principal is not None:
        qs = qs.filter(principal=filter_text(principal, "principal"))
    if operation is not None:
        qs = qs.filter(operation=filter_text(operation, "operation"))
    if object_id is not None:
        qs = _concerning(qs, object_id, sqlite=context.settings.is_sqlite)
    if occurred_after is not None:
        qs = qs.filter(occurred_at__gte=occurred_after)
    if occurred_before is not None:
        qs = qs.filter(occurred_at__lt=occurred_before)
    return await paginate(qs, first, after)


OBJECT_ID = re.compile(r"[A-Za-z0-9_=:.-]{1,255}")
"""What an audit entry's object id looks like (global ids are base64url); anything else is refused."""


def _concerning(qs: QuerySet[AuditEntry], object_id: str, *, sqlite: bool) -> QuerySet[AuditEntry]:
    """Entries whose `object_ids` holds `object_id`: jsonb containment, or SQLite's `json_each`."""
    if not OBJECT_ID.fullmatch(object_id):
        raise GraphQLError(
            "`objectId` must be an object's id (letters, digits and `_=:.-`)",
            extensions={"code": ErrorCode.VALIDATION_FAILED},
        )
    if not sqlite:
        return qs.filter(object_ids__contains=[object_id])
    # Tortoise has no JSON containment on SQLite; the id is checked above, so it can sit in the SQL.
    hits = RawSQL(f"(SELECT count(*) FROM json_each(\"object_ids\") WHERE value = '{object_id}')")  # noqa: S608
    return qs.annotate(object_hits=hits).filter(object_hits__gt=0)
