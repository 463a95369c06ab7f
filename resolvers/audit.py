"""The admin query over the audit trail (`billing.audit` writes it)."""

from __future__ import annotations

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
) -> Page[AuditEntry]:
    """Audit entries, newest first; `principal` and `operation` match exactly."""
    qs = AuditEntry.all()
    if principal is not None:
        qs = qs.filter(principal=filter_text(principal, "principal"))
    if operation is not None:
        qs = qs.filter(operation=filter_text(operation, "operation"))
    return await paginate(qs, first, after)
