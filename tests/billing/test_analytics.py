"""Revenue analytics in-process: the revision rules (billing.mirror.revisions) and the periods (billing.analytics).

The seeded month-by-month figures are tests/e2e/test_analytics.py's (acceptance 4); these
pin the rules it does not reach: rounding, weekly prices, amount-off and `once` coupons,
ended discounts, answers before events, and the first revision of a subscription mirrored late.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from base.error_codes import ErrorCode
from base.settings import Settings
from billing.analytics import MAX_PERIODS, MetricsInputError, MetricsInterval, billing_metrics, periods_of
from billing.mirror import upsert_coupon, upsert_customer, upsert_price, upsert_subscription
from billing.mirror.revisions import backfill_revisions, monthly
from models import Subscription, SubscriptionRevision
from tests.support.aliases import PgDatabaseFactory
from tests.support.database import tortoise_on

JAN = datetime(2026, 1, 1, tzinfo=UTC)


@pytest_asyncio.fixture(params=["postgres", "sqlite"])
async def db(
    request: pytest.FixtureRequest, pg_database_factory: PgDatabaseFactory, tmp_path: Path
) -> AsyncIterator[Settings]:
    """PostgreSQL, and SQLite (embedded mode): the revisions and the figures work on both."""
    url = await pg_database_factory() if request.param == "postgres" else f"sqlite://{tmp_path / 'analytics.sqlite3'}"
    async with tortoise_on(url) as settings:
        yield settings


def ts(moment: datetime) -> int:
    return int(moment.timestamp())


def sub(
    sid: str, amount: int, interval: str = "month", *, created: datetime = JAN, currency: str = "gbp", **extra: Any
) -> dict[str, Any]:
    price = {
        "id": f"price_{amount}_{interval}",
        "object": "price",
        "currency": currency,
        "unit_amount": amount,
        "recurring": {"interval": interval, "interval_count": 1},
    }
    quantity = extra.pop("quantity", 1)
    return {
        "id": sid,
        "object": "subscription",
        "customer": "cus_analytics",
        "status": "active",
        "created": ts(created),
        "items": {"object": "list", "data": [{"id": f"si_{sid}", "price": price, "quantity": quantity}]},
        "discounts": [],
        **extra,
    }


async def revisions(sid: str) -> list[tuple[datetime, int, str]]:
    rows = await SubscriptionRevision.filter(subscription__stripe_id=sid).order_by("effective_at", "id")
    return [(row.effective_at, row.mrr, row.status) for row in rows]


def test_monthly_normalisation() -> None:
    assert monthly(Fraction(120_000), "year", 1) == 10_000
    assert monthly(Fraction(1200), "week", 1) == 5200  # exact: 1200 x 52 / 12
    assert monthly(Fraction(1000), "day", 1) == Fraction(365_000, 12)
    assert monthly(Fraction(3000), "month", 3) == 1000
    assert monthly(Fraction(500), None, None) == 0  # a one-off price is no recurring revenue


def test_periods_are_cut_by_calendar_month_from_the_start_and_capped() -> None:
    start = datetime(2026, 1, 31, tzinfo=UTC)
    cut = periods_of(start, datetime(2026, 4, 15, tzinfo=UTC), MetricsInterval.MONTH)
    assert [(a.date().isoformat(), b.date().isoformat()) for a, b in cut] == [
        ("2026-01-31", "2026-02-28"),
        ("2026-02-28", "2026-03-31"),
        ("2026-03-31", "2026-04-15"),
    ]
    assert len(periods_of(JAN, JAN + timedelta(days=MAX_PERIODS), MetricsInterval.DAY)) == MAX_PERIODS
    with pytest.raises(MetricsInputError) as too_many:
        periods_of(JAN, JAN + timedelta(days=MAX_PERIODS + 1), MetricsInterval.DAY)
    assert too_many.value.code is ErrorCode.TOO_MANY_PERIODS
    with pytest.raises(MetricsInputError) as reversed_range:
        periods_of(JAN, JAN - timedelta(days=1), MetricsInterval.DAY)
    assert reversed_range.value.code is ErrorCode.INVALID_RANGE


async def test_revision_rules(db: Settings) -> None:
    await upsert_customer({"id": "cus_analytics", "object": "customer", "created": ts(JAN)})
    await upsert_coupon(
        {"id": "co_off", "object": "coupon", "amount_off": 1200, "currency": "gbp", "duration": "forever"}
    )
    await upsert_coupon({"id": "co_once", "object": "coupon", "percent_off": 50, "duration": "once"})
    await upsert_coupon(
        {"id": "co_months", "object": "coupon", "percent_off": 50, "duration": "repeating", "duration_in_months": 3}
    )

    # Rounded once, half up: 1000 x 52 / 12 = 4333.33 -> 4333; 10 x 5 yearly = 4.1666 -> 4.
    await upsert_subscription(sub("sub_week", 1000, "week"), stripe_event_at=JAN)
    await upsert_subscription(sub("sub_tiny", 10, "year", quantity=5), stripe_event_at=JAN)
    assert [mrr for _, mrr, _ in await revisions("sub_week")] == [4333]
    assert [mrr for _, mrr, _ in await revisions("sub_tiny")] == [4]

    # An amount off a yearly price is normalised as the price is (1200 / 12 = 100 a month); `once` and
    # `repeating` coupons are ignored (Stripe's MRR counts `forever` ones only);
    # a discount that has ended (`end` passed) takes nothing off.
    day = JAN + timedelta(days=3)
    discounts = [
        {"id": "di_1", "object": "discount", "source": {"coupon": "co_off"}, "start": ts(JAN), "end": None},
        {"id": "di_2", "object": "discount", "source": {"coupon": "co_once"}, "start": ts(JAN), "end": None},
        {"id": "di_3", "object": "discount", "source": {"coupon": "co_months"}, "start": ts(JAN), "end": None},
    ]
    await upsert_subscription(sub("sub_year", 120_000, "year", discounts=discounts), stripe_event_at=day)
    ended = [{**discounts[0], "end": ts(day)}]
    await upsert_subscription(sub("sub_year", 120_000, "year", discounts=ended), stripe_event_at=day + timedelta(1))
    assert [mrr for _, mrr, _ in await revisions("sub_year")] == [9900, 10_000]

    # The answer of a call (no event time: now), then its event (earlier): one revision, not dated back.
    await upsert_subscription(sub("sub_answer", 2000, created=JAN + timedelta(days=5)))
    first = await revisions("sub_answer")
    await upsert_subscription(sub("sub_answer", 2000, created=JAN + timedelta(days=5)), stripe_event_at=JAN)
    assert await revisions("sub_answer") == first
    assert first[0][0] == JAN + timedelta(days=5)  # a first revision is dated at the subscription's creation
    # A change whose event is older than the latest revision is dated at that revision, never before it.
    await upsert_subscription(
        sub("sub_answer", 2000, created=JAN + timedelta(days=5), status="unpaid"), stripe_event_at=JAN
    )
    assert (await revisions("sub_answer"))[-1] == (first[0][0], 0, "unpaid")

    # Statuses: trialing, paused, incomplete count 0; past_due counts.
    for sid, status in (("sub_trial", "trialing"), ("sub_paused", "paused"), ("sub_due", "past_due")):
        await upsert_subscription(sub(sid, 1000, status=status), stripe_event_at=JAN)
    assert [(await revisions(sid))[0][1] for sid in ("sub_trial", "sub_paused", "sub_due")] == [0, 0, 1000]


async def test_backfill_gives_late_mirrored_subscriptions_a_first_revision(db: Settings) -> None:
    await upsert_customer({"id": "cus_analytics", "object": "customer", "created": ts(JAN)})
    old = sub("sub_old", 2500, created=JAN)
    await upsert_price(old["items"]["data"][0]["price"])  # backfill reads prices from the mirror
    await upsert_subscription(old, stripe_event_at=JAN)
    row = await Subscription.get(stripe_id="sub_old")
    await SubscriptionRevision.filter(subscription_id=row.id).delete()  # as if mirrored before revisions were kept
    assert await backfill_revisions() == 1
    assert await revisions("sub_old") == [(JAN, 2500, "active")]
    assert await backfill_revisions() == 0

    figures = await billing_metrics("GBP", JAN, JAN + timedelta(days=2), MetricsInterval.DAY)
    assert [(p.mrr, p.new_mrr, p.active_subscriptions, p.arpu) for p in figures] == [
        (2500, 2500, 1, 2500),
        (2500, 0, 1, 2500),
    ]
    assert figures[1].logo_churn_rate == 0.0
    assert await billing_metrics("usd", JAN, JAN + timedelta(days=1), MetricsInterval.DAY) == [
        figures[0].__class__(
            start=JAN,
            end=JAN + timedelta(days=1),
            mrr=0,
            arr=0,
            new_mrr=0,
            expansion_mrr=0,
            contraction_mrr=0,
            churned_mrr=0,
            active_subscriptions=0,
            trialing_subscriptions=0,
            past_due_subscriptions=0,
            logo_churn_rate=None,
            revenue_churn_rate=None,
            gross_revenue=0,
            refunds=0,
            net_revenue=0,
            arpu=None,
        )
    ]
