"""`billingMetrics`: revenue analytics for admins, computed by `billing.analytics` (no Stripe call)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from billing import analytics
from billing.mutation_errors import user_error
from billing.request_context import Context


@dataclass(frozen=True)
class MetricsAnswer:
    """The periods' figures, or (none and) the userErrors saying why not."""

    periods: list[analytics.PeriodMetrics] = field(default_factory=list)
    user_errors: list[dict[str, Any]] = field(default_factory=list)


async def billing_metrics(
    context: Context, currency: str, start: datetime, end: datetime, interval: analytics.MetricsInterval
) -> MetricsAnswer:
    """The figures per period; a bad currency, range or too many periods answer typed userErrors.

    Admin API keys only: the schema's `IsAdmin` refuses others before this runs.
    """
    try:
        return MetricsAnswer(periods=await analytics.billing_metrics(currency, start, end, interval))
    except analytics.MetricsInputError as refused:
        return MetricsAnswer(user_errors=[user_error(refused.code, str(refused), [refused.field])])
