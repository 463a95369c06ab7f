"""The admin query over the audit trail (`billing.audit` writes it)."""

from __future__ import annotations

from datetime import datetime

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
        qs = qs.filter(object_ids__contains=[filter_text(object_id, "objectId")])
    if occurred_after is not None:
        qs = qs.filter(occurred_at__gte=occurred_after)
    if occurred_before is not None:
        qs = qs.filter(occurred_at__lt=occurred_before)
    return await paginate(qs, first, after)
