"""Revenue analytics: MRR and its movements, subscription counts, churn rates, net revenue and ARPU per period.

Computed from `SubscriptionRevision` (each subscription's MRR-relevant history, written by
`billing.mirror.revisions`) and the mirrored payments and refunds, per currency with no FX.
The definitions are docs/analytics.md's; this module is their one implementation (the
`billingMetrics` query and `billing-gateway metrics` both call `billing_metrics`).
"""

from __future__ import annotations

import calendar
from collections import defaultdict
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from typing import Any

from tortoise.functions import Sum

from base.error_codes import ErrorCode
from billing.mirror.payments import REFUND_STATUSES_COUNTED
from models import Payment, Refund, SubscriptionRevision

MAX_PERIODS = 366
"""The most periods one request may ask for (a year by day, 30 years by month)."""

ENDED_STATUSES = frozenset({"canceled", "incomplete_expired", "unpaid"})
"""Statuses in which a subscription's lost MRR is churn (not contraction)."""


class MetricsInterval(StrEnum):
    DAY = "day"
    MONTH = "month"


class MetricsInputError(Exception):
    """A request `billing_metrics` refuses: `code` (INVALID_RANGE, TOO_MANY_PERIODS, VALIDATION_FAILED), `field`."""

    def __init__(self, code: ErrorCode, message: str, field: str) -> None:
        super().__init__(message)
        self.code = code
        self.field = field


@dataclass(frozen=True)
class PeriodMetrics:
    """The figures of one period [start, end); money in minor units of the request's currency."""

    start: datetime
    end: datetime
    mrr: int
    arr: int
    new_mrr: int
    expansion_mrr: int
    contraction_mrr: int
    churned_mrr: int
    active_subscriptions: int
    trialing_subscriptions: int
    past_due_subscriptions: int
    logo_churn_rate: float | None
    revenue_churn_rate: float | None
    gross_revenue: int
    refunds: int
    net_revenue: int
    arpu: int | None

    def as_json(self) -> dict[str, Any]:
        """Plain JSON values (times as ISO 8601), the field names of the `--json` output."""
        data = asdict(self)
        data["start"] = self.start.isoformat()
        data["end"] = self.end.isoformat()
        return data


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _add_months(moment: datetime, months: int) -> datetime:
    month_index = moment.month - 1 + months
    year, month = moment.year + month_index // 12, month_index % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def periods_of(start: datetime, end: datetime, interval: MetricsInterval) -> list[tuple[datetime, datetime]]:
    """[start, end) cut into periods of `interval` counted from `start`; the last one is cut at `end`.

    Raises `MetricsInputError` for an empty range or more than `MAX_PERIODS` periods.
    """
    start, end = _utc(start), _utc(end)
    if start >= end:
        raise MetricsInputError(ErrorCode.INVALID_RANGE, "`from` must be before `to`", "to")
    periods: list[tuple[datetime, datetime]] = []
    n = 0
    while True:
        if interval is MetricsInterval.DAY:
            period_start, period_end = start + timedelta(days=n), start + timedelta(days=n + 1)
        else:
            period_start, period_end = _add_months(start, n), _add_months(start, n + 1)
        if period_start >= end:
            return periods
        if len(periods) == MAX_PERIODS:
            raise MetricsInputError(
                ErrorCode.TOO_MANY_PERIODS,
                f"the range holds more than {MAX_PERIODS} periods of a {interval.value}: ask for a shorter range "
                "or a longer interval",
                "to",
            )
        periods.append((period_start, min(period_end, end)))
        n += 1


def currency_code(value: str) -> str:
    """A currency as the mirror stores it (ISO 4217, lower case); `MetricsInputError` when it is not one."""
    code = value.strip().lower()
    if len(code) != 3 or not code.isascii() or not code.isalpha():
        raise MetricsInputError(ErrorCode.VALIDATION_FAILED, f"{value!r} is not a currency code (ISO 4217)", "currency")
    return code


@dataclass
class _Timeline:
    """One subscription's revisions, oldest first: (effective_at, mrr, status, customer id)."""

    points: list[tuple[datetime, int, str, str]]

    def at(self, moment: datetime) -> tuple[int, str | None, str | None]:
        """(mrr, status, customer) of the last revision dated before `moment`; (0, None, None) before any."""
        found: tuple[int, str | None, str | None] = (0, None, None)
        for effective_at, mrr, status, customer in self.points:
            if effective_at >= moment:
                break
            found = (mrr, status, customer)
        return found


def _rate(part: int, whole: int) -> float | None:
    return None if whole == 0 else part / whole


async def _timelines(currency: str, end: datetime) -> list[_Timeline]:
    rows = (
        await SubscriptionRevision.filter(currency=currency, effective_at__lt=end)
        .order_by("subscription_id", "effective_at", "id")
        .values_list("subscription_id", "effective_at", "mrr", "status", "customer_id")
    )
    by_subscription: dict[str, list[tuple[datetime, int, str, str]]] = defaultdict(list)
    for subscription_id, effective_at, mrr, status, customer_id in rows:
        by_subscription[str(subscription_id)].append((effective_at, int(mrr), str(status), str(customer_id)))
    return [_Timeline(points) for points in by_subscription.values()]


def _total(values: Any) -> int:
    """A `Sum` read back: one value, None for no rows."""
    return int(values[0] or 0) if values else 0


async def _money(currency: str, start: datetime, end: datetime) -> tuple[int, int]:
    """(payments succeeded, refunds) of the period, each counted at its creation time at Stripe."""
    paid = (
        await Payment.filter(currency=currency, status="succeeded", stripe_created__gte=start, stripe_created__lt=end)
        .annotate(total=Sum("amount_received"))
        .values_list("total", flat=True)
    )
    refunded = (
        await Refund.filter(
            currency=currency, status__in=REFUND_STATUSES_COUNTED, stripe_created__gte=start, stripe_created__lt=end
        )
        .annotate(total=Sum("amount"))
        .values_list("total", flat=True)
    )
    return _total(paid), _total(refunded)


def _period(timelines: list[_Timeline], start: datetime, end: datetime) -> dict[str, Any]:
    mrr_start = mrr_end = new = expansion = contraction = churned = 0
    counts = {"active": 0, "trialing": 0, "past_due": 0}
    paying_at_start: set[str] = set()
    customers_at_end: set[str] = set()
    # A customer stays a logo while any subscription of theirs has not ended (a paused one has not).
    alive_at_end: set[str] = set()
    for timeline in timelines:
        before, _, first_customer = timeline.at(start)
        after, status, customer = timeline.at(end)
        mrr_start += before
        mrr_end += after
        if status in counts:
            counts[status] += 1
        if before > 0 and first_customer is not None:
            paying_at_start.add(first_customer)
        if customer is not None and status not in ENDED_STATUSES:
            alive_at_end.add(customer)
        if after > 0 and customer is not None:
            customers_at_end.add(customer)
        previous, ever_positive = 0, False
        for effective_at, mrr, point_status, _customer in timeline.points:
            if start <= effective_at < end and mrr != previous:
                if previous == 0:
                    if ever_positive:
                        expansion += mrr
                    else:
                        new += mrr
                elif mrr == 0 and point_status in ENDED_STATUSES:
                    churned += previous
                elif mrr > previous:
                    expansion += mrr - previous
                else:
                    contraction += previous - mrr
            ever_positive = ever_positive or mrr > 0
            previous = mrr
    arpu = None
    if customers_at_end:
        arpu = int((Decimal(mrr_end) / Decimal(len(customers_at_end))).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    return {
        "mrr": mrr_end,
        "arr": mrr_end * 12,
        "new_mrr": new,
        "expansion_mrr": expansion,
        "contraction_mrr": contraction,
        "churned_mrr": churned,
        "active_subscriptions": counts["active"],
        "trialing_subscriptions": counts["trialing"],
        "past_due_subscriptions": counts["past_due"],
        "logo_churn_rate": _rate(len(paying_at_start - alive_at_end), len(paying_at_start)),
        "revenue_churn_rate": _rate(churned + contraction, mrr_start),
        "arpu": arpu,
    }


async def billing_metrics(
    currency: str, start: datetime, end: datetime, interval: MetricsInterval
) -> list[PeriodMetrics]:
    """The figures of each period of [start, end) by `interval` in `currency`; raises `MetricsInputError`."""
    code = currency_code(currency)
    periods = periods_of(start, end, interval)
    timelines = await _timelines(code, periods[-1][1])
    answer = []
    for period_start, period_end in periods:
        gross, refunds = await _money(code, period_start, period_end)
        answer.append(
            PeriodMetrics(
                start=period_start,
                end=period_end,
                gross_revenue=gross,
                refunds=refunds,
                net_revenue=gross - refunds,
                **_period(timelines, period_start, period_end),
            )
        )
    return answer
