"""The GraphQL types of revenue analytics (`billingMetrics`); definitions in docs/analytics.md."""

from __future__ import annotations

from datetime import datetime
from enum import Enum

import strawberry

from billing.analytics import MetricsInterval as Interval
from billing.analytics import PeriodMetrics
from resolvers.analytics import MetricsAnswer
from schema.errors import UserError, user_errors
from schema.money import MinorUnits


@strawberry.enum(description="How `billingMetrics` cuts its range into periods (counted from `from`, in UTC).")
class MetricsInterval(Enum):
    DAY = strawberry.enum_value("day", description="One period per day (24 hours from `from`).")
    MONTH = strawberry.enum_value(
        "month", description="One period per calendar month from `from` (same day of the month, or its last day)."
    )

    def as_interval(self) -> Interval:
        """The interval as `billing.analytics` takes it."""
        return Interval(str(self.value))


@strawberry.type(description="The revenue figures of one period, in minor units of the asked currency (no FX).")
class MetricsPeriod:
    start: datetime = strawberry.field(description="The period's start (inclusive).")
    end: datetime = strawberry.field(description="The period's end (exclusive); the last period ends at `to`.")
    mrr: MinorUnits = strawberry.field(
        description="Monthly recurring revenue at the period's end: active and past-due subscriptions, normalised to "
        "a month, discounts applied (docs/analytics.md)."
    )
    arr: MinorUnits = strawberry.field(description="Annual run rate: `mrr` x 12.")
    new_mrr: MinorUnits = strawberry.field(description="MRR of subscriptions that first counted in this period.")
    expansion_mrr: MinorUnits = strawberry.field(
        description="MRR gained by subscriptions that counted before (upgrades, more seats, resumed after a pause)."
    )
    contraction_mrr: MinorUnits = strawberry.field(
        description="MRR lost by subscriptions that live on (downgrades, discounts, pauses)."
    )
    churned_mrr: MinorUnits = strawberry.field(
        description="MRR of subscriptions that ended (canceled, unpaid, expired) in this period."
    )
    active_subscriptions: int = strawberry.field(description="Subscriptions `active` at the period's end.")
    trialing_subscriptions: int = strawberry.field(description="Subscriptions `trialing` at the period's end.")
    past_due_subscriptions: int = strawberry.field(description="Subscriptions `past_due` at the period's end.")
    logo_churn_rate: float | None = strawberry.field(
        description="Of the customers paying at the period's start, the share with every subscription ended "
        "(canceled, unpaid, expired) at its end; null when none paid at its start."
    )
    revenue_churn_rate: float | None = strawberry.field(
        description="(churned + contraction MRR of the period) / MRR at its start; null when that MRR is 0."
    )
    gross_revenue: MinorUnits = strawberry.field(
        description="Payments that succeeded, created at Stripe in this period (amount received)."
    )
    refunds: MinorUnits = strawberry.field(description="Refunds (not failed or canceled) created in this period.")
    net_revenue: MinorUnits = strawberry.field(description="`grossRevenue` - `refunds`.")
    arpu: MinorUnits | None = strawberry.field(
        description="Average revenue per paying customer: `mrr` / customers with MRR at the period's end, rounded "
        "half up; null when there are none."
    )

    @classmethod
    def of(cls, period: PeriodMetrics) -> MetricsPeriod:
        return cls(
            start=period.start,
            end=period.end,
            mrr=MinorUnits(period.mrr),
            arr=MinorUnits(period.arr),
            new_mrr=MinorUnits(period.new_mrr),
            expansion_mrr=MinorUnits(period.expansion_mrr),
            contraction_mrr=MinorUnits(period.contraction_mrr),
            churned_mrr=MinorUnits(period.churned_mrr),
            active_subscriptions=period.active_subscriptions,
            trialing_subscriptions=period.trialing_subscriptions,
            past_due_subscriptions=period.past_due_subscriptions,
            logo_churn_rate=period.logo_churn_rate,
            revenue_churn_rate=period.revenue_churn_rate,
            gross_revenue=MinorUnits(period.gross_revenue),
            refunds=MinorUnits(period.refunds),
            net_revenue=MinorUnits(period.net_revenue),
            arpu=None if period.arpu is None else MinorUnits(period.arpu),
        )


@strawberry.type(description="The answer of `billingMetrics`.")
class BillingMetrics:
    currency: str = strawberry.field(description="The currency of every amount (ISO 4217, lower case).")
    periods: list[MetricsPeriod] = strawberry.field(
        description="One entry per period, oldest first; empty when `userErrors` is not."
    )
    user_errors: list[UserError] = strawberry.field(
        description="Why there are no figures: INVALID_RANGE, TOO_MANY_PERIODS or VALIDATION_FAILED (the currency)."
    )

    @classmethod
    def of(cls, currency: str, answer: MetricsAnswer) -> BillingMetrics:
        return cls(
            currency=currency.strip().lower(),
            periods=[MetricsPeriod.of(period) for period in answer.periods],
            user_errors=user_errors({"userErrors": answer.user_errors}),
        )
