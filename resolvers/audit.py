"""The admin query over the audit trail (`billing.audit` writes it)."""

from __future__ import annotations

from billing.authorization import filter_text
from billing.pagination import paginate
from models import AuditEntry
from schema.arguments import After, First, OperationFilter, PrincipalFilter
from schema.audit import AuditEvent
from schema.context import Info
from schema.relay import Connection


async def audit_events(
    info: Info,
    first: First = None,
    after: After = None,
    principal: PrincipalFilter = None,
    operation: OperationFilter = None,
) -> Connection[AuditEvent]:
    """Audit entries, newest first; `principal` and `operation` match exactly."""
    qs = AuditEntry.all()
    if principal is not None:
        qs = qs.filter(principal=filter_text(principal, "principal"))
    if operation is not None:
        qs = qs.filter(operation=filter_text(operation, "operation"))
    return await paginate(qs, first, after, AuditEvent.from_model)
