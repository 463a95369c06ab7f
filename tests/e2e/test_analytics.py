"""Acceptance 4 of issue 16: `billingMetrics` and `billing-gateway metrics mrr` on a seeded history.

The history goes through the real path: signed Stripe events, POSTed to the session gateway's
`/webhooks/stripe` with `created` set to chosen times in January-March 2026, applied by its
worker into the mirror (which writes `subscription_revisions`). The customers are real ones
of the session's emulator. The subscriptions, payments, the refund and the coupon exist only
in those events: an emulator cannot date its objects in the past, and MRR history needs
months. Stripe's current API shape is used (prices on items, `discounts` as objects,
`pause_collection`). Currency `eur` keeps other tests' (`usd`, today) data out of the figures.

The expected figures are worked out by hand below, one period per month, and
docs/analytics.md gives the definitions they follow. The last test makes a subscription through
the gateway's own mutations (create, more seats, cancel) and checks today's figures move.
"""

from __future__ import annotations

import json
import subprocess
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.gateway import WEBHOOK_SECRET, GatewayProcess, cli_path, gateway_env, run_cli
from tests.support.graphql import GraphQLClient
from tests.support.localstripe import LocalStripe, create_plan, stripe_request
from tests.support.operations import (
    CANCEL_SUBSCRIPTION,
    CREATE_SUBSCRIPTION,
    UPDATE_SUBSCRIPTION,
    customer_with_card,
    new_key,
    payload_of,
)
from tests.support.webhook_load import signature, wait_all_processed

CURRENCY = "eur"
APPLY_TIMEOUT_SECONDS = 30.0

QUERY = """
query($currency: String!, $from: DateTime!, $to: DateTime!, $interval: MetricsInterval!) {
  billingMetrics(currency: $currency, from: $from, to: $to, interval: $interval) {
    currency
    periods {
      start end mrr arr newMrr expansionMrr contractionMrr churnedMrr
      activeSubscriptions trialingSubscriptions pastDueSubscriptions
      logoChurnRate revenueChurnRate grossRevenue refunds netRevenue arpu
    }
    userErrors { code field message }
  }
}
"""


def at(day: str) -> int:
    """2026-MM-DD (noon UTC) as a unix time: no change falls on a period's boundary."""
    return int(datetime.fromisoformat(f"{day}T12:00:00+00:00").timestamp())


def price(name: str, amount: int, interval: str = "month") -> dict[str, Any]:
    return {
        "id": f"price_metrics_{name}",
        "object": "price",
        "active": True,
        "currency": CURRENCY,
        "unit_amount": amount,
        "recurring": {"interval": interval, "interval_count": 1},
        "product": "prod_metrics",
        "created": at("2025-12-01"),
        "livemode": False,
    }


BASIC = price("basic", 1000)
STANDARD = price("standard", 2000)
PRO = price("pro", 3000)
YEARLY = price("yearly", 100_000, "year")


class History:
    """Signed events for one run's objects, each applied before the next is sent."""

    def __init__(self, gateway: GatewayProcess, emulator: LocalStripe) -> None:
        self.gateway = gateway
        self.emulator = emulator
        self.run = uuid.uuid4().hex[:8]
        self.customers: dict[str, str] = {}
        self.subscriptions: dict[str, dict[str, Any]] = {}

    def customer(self, name: str) -> str:
        if name not in self.customers:
            created = stripe_request(
                self.emulator.url, "POST", "/v1/customers", data={"email": f"metrics-{name}-{self.run}@example.com"}
            )
            self.customers[name] = created["id"]
        return self.customers[name]

    async def send(self, event_type: str, obj: dict[str, Any], created: int) -> None:
        event = {
            "id": f"evt_metrics_{uuid.uuid4().hex}",
            "object": "event",
            "api_version": "2025-03-31.basil",
            "type": event_type,
            "created": created,
            "livemode": False,
            "data": {"object": obj},
        }
        body = json.dumps(event).encode()
        headers = {"Content-Type": "application/json", "Stripe-Signature": signature(body, WEBHOOK_SECRET)}
        async with httpx.AsyncClient(base_url=self.gateway.url, timeout=10.0) as http:
            response = await http.post("/webhooks/stripe", content=body, headers=headers)
        assert response.status_code == 200, response.text
        await wait_all_processed(self.gateway.database_url, [event["id"]], APPLY_TIMEOUT_SECONDS)

    async def subscription(self, name: str, day: str, item_price: dict[str, Any], **changes: Any) -> None:
        """Create (first call for `name`) or update the subscription, as of noon on `day`."""
        created = at(day)
        first = name not in self.subscriptions
        current = self.subscriptions.get(name) or {
            "id": f"sub_metrics_{self.run}_{name}",
            "object": "subscription",
            "customer": self.customer(name),
            "status": "active",
            "created": created,
            "livemode": False,
            "currency": CURRENCY,
            "cancel_at_period_end": False,
            "canceled_at": None,
            "ended_at": None,
            "trial_end": None,
            "pause_collection": None,
            "discounts": [],
            "latest_invoice": None,
            "default_payment_method": None,
            "metadata": {},
        }
        quantity = changes.pop("quantity", None)
        if quantity is None and not first:
            quantity = current["items"]["data"][0]["quantity"]
        item = {
            "id": f"si_metrics_{self.run}_{name}",
            "object": "subscription_item",
            "price": item_price,
            "quantity": quantity or 1,
            "current_period_start": created,
            "current_period_end": created + 30 * 86400,
            "created": current["created"],
        }
        updated = {**current, **changes, "items": {"object": "list", "data": [item], "has_more": False}}
        self.subscriptions[name] = updated
        event_type = "customer.subscription.created" if first else "customer.subscription.updated"
        if updated["status"] == "canceled":
            event_type = "customer.subscription.deleted"
        await self.send(event_type, updated, created)

    def price_of(self, name: str) -> dict[str, Any]:
        return dict(self.subscriptions[name]["items"]["data"][0]["price"])

    async def payment(self, name: str, day: str, amount: int, status: str = "succeeded") -> str:
        intent_id = f"pi_metrics_{self.run}_{name}_{day}"
        intent = {
            "id": intent_id,
            "object": "payment_intent",
            "amount": amount,
            "amount_received": amount if status == "succeeded" else 0,
            "currency": CURRENCY,
            "status": status,
            "customer": self.customer(name),
            "created": at(day),
            "livemode": False,
            "latest_charge": None,
            "payment_method": None,
            "metadata": {},
        }
        await self.send(f"payment_intent.{'succeeded' if status == 'succeeded' else 'payment_failed'}", intent, at(day))
        return intent_id

    async def refund(self, intent_id: str, day: str, amount: int) -> None:
        refund = {
            "id": f"re_metrics_{self.run}_{day}",
            "object": "refund",
            "amount": amount,
            "currency": CURRENCY,
            "status": "succeeded",
            "payment_intent": intent_id,
            "charge": None,
            "reason": "requested_by_customer",
            "created": at(day),
        }
        await self.send("refund.created", refund, at(day))

    async def coupon(self, percent_off: float, day: str) -> str:
        coupon_id = f"co_metrics_{self.run}"
        coupon = {
            "id": coupon_id,
            "object": "coupon",
            "percent_off": percent_off,
            "amount_off": None,
            "currency": None,
            "duration": "forever",
            "valid": True,
            "times_redeemed": 0,
            "created": at(day),
            "livemode": False,
        }
        await self.send("coupon.created", coupon, at(day))
        return coupon_id

    def discount(self, name: str, coupon_id: str, day: str) -> dict[str, Any]:
        return {
            "id": f"di_metrics_{self.run}_{name}",
            "object": "discount",
            "source": {"type": "coupon", "coupon": coupon_id},
            "customer": self.customers[name],
            "subscription": self.subscriptions[name]["id"],
            "start": at(day),
            "end": None,
        }


async def seed(history: History) -> None:
    """January: five subscriptions start (one on trial); February: upgrade, pause, trial conversion, a new one,
    cancel at period end; March: discount, resume, the cancellation takes effect, one falls past due; and payments
    with a refund."""
    h = history
    # January
    await h.subscription("upgrade", "2026-01-05", BASIC)
    await h.payment("upgrade", "2026-01-05", 1000)
    await h.subscription("pause", "2026-01-10", STANDARD)
    await h.subscription("cancel", "2026-01-15", BASIC, quantity=2)
    await h.subscription("yearly", "2026-01-20", YEARLY)
    await h.payment("yearly", "2026-01-20", 100_000)
    await h.subscription("trial", "2026-01-25", STANDARD, status="trialing", trial_end=at("2026-02-08"))
    # February
    await h.subscription("discount", "2026-02-03", PRO)
    discounted = await h.payment("discount", "2026-02-03", 3000)
    await h.subscription("trial", "2026-02-08", STANDARD, status="active")
    await h.subscription("pause", "2026-02-10", STANDARD, pause_collection={"behavior": "void", "resumes_at": None})
    await h.subscription("upgrade", "2026-02-15", PRO)  # mid-month upgrade (Stripe prorates; MRR moves at once)
    await h.subscription("cancel", "2026-02-20", BASIC, cancel_at_period_end=True)
    # March
    await h.payment("pause", "2026-03-02", 5000, status="requires_payment_method")  # not succeeded: not revenue
    coupon = await h.coupon(25, "2026-03-05")
    await h.subscription("discount", "2026-03-05", PRO, discounts=[h.discount("discount", coupon, "2026-03-05")])
    await h.refund(discounted, "2026-03-06", 1500)
    await h.subscription("pause", "2026-03-10", STANDARD, pause_collection=None)
    await h.subscription(
        "cancel", "2026-03-15", BASIC, status="canceled", canceled_at=at("2026-03-15"), ended_at=at("2026-03-15")
    )
    await h.subscription("upgrade", "2026-03-25", PRO, status="past_due")


# Hand-computed (docs/analytics.md): monthly amounts upgrade 1000 -> 3000, pause 2000 (0 while paused),
# cancel 1000 x 2 = 2000, yearly 100000 / 12 = 8333.33 -> 8333, trial 0 -> 2000, discount 3000 -> 3000 x 75% = 2250.
EXPECTED = [
    {
        # January: all new. Paying customers at the end: upgrade, pause, cancel, yearly (trial is trialing).
        "start": "2026-01-01T00:00:00+00:00",
        "end": "2026-02-01T00:00:00+00:00",
        "mrr": 13333,  # 1000 + 2000 + 2000 + 8333
        "arr": 159996,
        "newMrr": 13333,
        "expansionMrr": 0,
        "contractionMrr": 0,
        "churnedMrr": 0,
        "activeSubscriptions": 4,
        "trialingSubscriptions": 1,
        "pastDueSubscriptions": 0,
        "logoChurnRate": None,  # nothing paid at the start
        "revenueChurnRate": None,
        "grossRevenue": 101000,  # 1000 + 100000
        "refunds": 0,
        "netRevenue": 101000,
        "arpu": 3333,  # 13333 / 4 = 3333.25
    },
    {
        # February: new = discount 3000 + converted trial 2000; expansion = upgrade 2000; contraction = pause 2000;
        # cancel_at_period_end changes nothing yet.
        "start": "2026-02-01T00:00:00+00:00",
        "end": "2026-03-01T00:00:00+00:00",
        "mrr": 18333,  # 3000 + 0 + 2000 + 8333 + 2000 + 3000
        "arr": 219996,
        "newMrr": 5000,
        "expansionMrr": 2000,
        "contractionMrr": 2000,
        "churnedMrr": 0,
        "activeSubscriptions": 6,  # the paused one is still `active` at Stripe
        "trialingSubscriptions": 0,
        "pastDueSubscriptions": 0,
        "logoChurnRate": 0.0,  # none of the 4 customers paying at the start has ended
        "revenueChurnRate": 2000 / 13333,  # (churned 0 + contraction 2000) / MRR at the start
        "grossRevenue": 3000,
        "refunds": 0,
        "netRevenue": 3000,
        "arpu": 3667,  # 18333 / 5 paying customers = 3666.6
    },
    {
        # March: discount contraction 750; resume expansion 2000; cancel churned 2000; upgrade falls past due
        # (still counted); the failed payment is no revenue; the refund is.
        "start": "2026-03-01T00:00:00+00:00",
        "end": "2026-04-01T00:00:00+00:00",
        "mrr": 17583,  # 3000 + 2000 + 0 + 8333 + 2000 + 2250
        "arr": 210996,
        "newMrr": 0,
        "expansionMrr": 2000,
        "contractionMrr": 750,
        "churnedMrr": 2000,
        "activeSubscriptions": 4,
        "trialingSubscriptions": 0,
        "pastDueSubscriptions": 1,
        "logoChurnRate": 0.2,  # 1 (cancel) of the 5 customers paying at the start (the paused one was not paying)
        "revenueChurnRate": 2750 / 18333,
        "grossRevenue": 0,
        "refunds": 1500,
        "netRevenue": -1500,
        "arpu": 3517,  # 17583 / 5 = 3516.6
    },
]


async def query(gateway: GatewayProcess, token: str, **variables: Any) -> dict[str, Any]:
    async with GraphQLClient(gateway.url, token=token) as client:
        body = await client.execute(QUERY, variables)
    assert "errors" not in body, body
    result: dict[str, Any] = body["data"]["billingMetrics"]
    return result


async def test_billing_metrics_equal_hand_computed_figures_and_the_cli_prints_them(
    gateway: GatewayProcess, localstripe: LocalStripe, admin_api_key: str, test_logs: Path
) -> None:
    await seed(History(gateway, localstripe))

    answer = await query(
        gateway,
        admin_api_key,
        currency="EUR",
        **{"from": "2026-01-01T00:00:00Z", "to": "2026-04-01T00:00:00Z", "interval": "MONTH"},
    )

    assert answer["userErrors"] == []
    assert answer["currency"] == CURRENCY
    assert answer["periods"] == [
        {**period, "revenueChurnRate": pytest.approx(period["revenueChurnRate"])} for period in EXPECTED
    ]

    # The CLI, as a subprocess on the same database: the same figures, as JSON and as a table.
    env = gateway_env(gateway.database_url)
    args = ("metrics", "mrr", "--currency", CURRENCY, "--from", "2026-01-01", "--to", "2026-04-01")
    printed = json.loads(run_cli(*args, "--json", env=env, log_path=test_logs / "metrics" / "mrr-json.log"))
    mrr_keys = {
        "mrr": "mrr",
        "arr": "arr",
        "new_mrr": "newMrr",
        "expansion_mrr": "expansionMrr",
        "contraction_mrr": "contractionMrr",
        "churned_mrr": "churnedMrr",
        "active_subscriptions": "activeSubscriptions",
        "trialing_subscriptions": "trialingSubscriptions",
        "past_due_subscriptions": "pastDueSubscriptions",
        "arpu": "arpu",
    }
    assert printed == [
        {"start": period["start"], "end": period["end"], **{cli: period[gql] for cli, gql in mrr_keys.items()}}
        for period in EXPECTED
    ]
    table = run_cli(*args, env=env, log_path=test_logs / "metrics" / "mrr-table.log")
    rows = [line for line in table.splitlines() if line.strip().startswith(("│ 2026", "| 2026"))]
    assert len(rows) == 3, table
    for row, period in zip(rows, EXPECTED, strict=True):
        cells = [cell.strip() for cell in row.strip().strip("│|").split("│")]
        assert cells[0] == f"{period['start'][:10]}..{period['end'][:10]}"
        assert cells[1:] == [str(period[gql]) for gql in mrr_keys.values()], row

    churn = json.loads(
        run_cli("metrics", "churn", *args[2:], "--json", env=env, log_path=test_logs / "metrics" / "churn.log")
    )
    assert [period["logo_churn_rate"] for period in churn] == [None, 0.0, 0.2]
    revenue = json.loads(
        run_cli("metrics", "revenue", *args[2:], "--json", env=env, log_path=test_logs / "metrics" / "revenue.log")
    )
    assert [period["net_revenue"] for period in revenue] == [101000, 3000, -1500]

    # By day: the last day of February holds February's end state; nothing moved on it.
    daily = await query(
        gateway,
        admin_api_key,
        currency=CURRENCY,
        **{"from": "2026-02-28T00:00:00Z", "to": "2026-03-02T00:00:00Z", "interval": "DAY"},
    )
    assert [(p["mrr"], p["newMrr"], p["expansionMrr"]) for p in daily["periods"]] == [(18333, 0, 0), (18333, 0, 0)]


@pytest.mark.parametrize(
    ("variables", "code", "field"),
    [
        ({"currency": "eur", "from": "2026-03-01T00:00:00Z", "to": "2026-03-01T00:00:00Z", "interval": "DAY"},
         "INVALID_RANGE", ["to"]),
        ({"currency": "eur", "from": "2024-01-01T00:00:00Z", "to": "2026-01-01T00:00:00Z", "interval": "DAY"},
         "TOO_MANY_PERIODS", ["to"]),
        ({"currency": "euro", "from": "2026-01-01T00:00:00Z", "to": "2026-02-01T00:00:00Z", "interval": "MONTH"},
         "VALIDATION_FAILED", ["currency"]),
    ],
)  # fmt: skip
async def test_bad_ranges_get_typed_user_errors(
    gateway: GatewayProcess, admin_api_key: str, variables: dict[str, Any], code: str, field: list[str]
) -> None:
    answer = await query(gateway, admin_api_key, **variables)
    assert answer["periods"] == []
    assert [(error["code"], error["field"]) for error in answer["userErrors"]] == [(code, field)]


def cli_refusal(gateway: GatewayProcess, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(cli_path()), "metrics", *args],
        env=gateway_env(gateway.database_url),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


async def test_a_bad_interval_is_refused_by_the_schema_and_the_cli(gateway: GatewayProcess, admin_api_key: str) -> None:
    async with GraphQLClient(gateway.url, token=admin_api_key) as client:
        body = await client.execute(
            QUERY,
            {"currency": "eur", "from": "2026-01-01T00:00:00Z", "to": "2026-02-01T00:00:00Z", "interval": "WEEK"},
        )
    assert body.get("data") is None
    assert "WEEK" in body["errors"][0]["message"]
    result = cli_refusal(gateway, "mrr", "--interval", "week")
    assert result.returncode == 2
    assert "--interval 'week' is not day or month" in result.stderr
    # The query's own refusals, one line on stderr each, no traceback.
    reversed_range = cli_refusal(gateway, "churn", "--from", "2026-02-01", "--to", "2026-01-01")
    assert (reversed_range.returncode, reversed_range.stderr) == (
        2,
        "error: `from` must be before `to` (INVALID_RANGE)\n",
    )
    too_many = cli_refusal(gateway, "revenue", "--from", "2020-01-01", "--to", "2026-01-01", "--interval", "day")
    assert too_many.returncode == 2 and "(TOO_MANY_PERIODS)" in too_many.stderr
    bad_date = cli_refusal(gateway, "mrr", "--from", "last year")
    assert bad_date.returncode == 2 and "--from 'last year' is not a date" in bad_date.stderr


async def test_subscriptions_made_through_the_gateway_move_todays_figures(
    graphql: GraphQLClient, gateway: GatewayProcess, localstripe: LocalStripe, admin_api_key: str
) -> None:
    # The mutations' own answers write the history (their events confirm it and add nothing): a yearly plan
    # of 1200.00 CHF is 100.00 a month; three seats triple it; canceled now, all of it churns.
    plan = create_plan(localstripe.url, amount=120_000, currency="chf", interval="year")
    customer, _ = await customer_with_card(graphql, localstripe.url)
    created = payload_of(
        await graphql.execute(
            CREATE_SUBSCRIPTION, {"key": new_key(), "input": {"customerId": customer["id"], "priceId": plan}}
        ),
        "createSubscription",
    )
    assert created["userErrors"] == [], created
    subscription_id = created["subscription"]["id"]
    window = {
        "from": (datetime.now(UTC) - timedelta(hours=1)).isoformat(),
        "to": (datetime.now(UTC) + timedelta(hours=1)).isoformat(),
        "interval": "DAY",
    }
    today = (await query(gateway, admin_api_key, currency="chf", **window))["periods"]
    assert [(p["mrr"], p["newMrr"], p["activeSubscriptions"], p["arpu"]) for p in today] == [
        (10_000, 10_000, 1, 10_000)
    ]
    assert today[0]["grossRevenue"] == 120_000  # the first invoice, charged at once

    updated = payload_of(
        await graphql.execute(
            UPDATE_SUBSCRIPTION,
            {"key": new_key(), "input": {"id": subscription_id, "quantity": 3, "prorationBehavior": "NONE"}},
        ),
        "updateSubscription",
    )
    assert updated["userErrors"] == [], updated
    canceled = payload_of(
        await graphql.execute(CANCEL_SUBSCRIPTION, {"key": new_key(), "input": {"id": subscription_id}}),
        "cancelSubscription",
    )
    assert canceled["userErrors"] == [], canceled

    today = (await query(gateway, admin_api_key, currency="chf", **window))["periods"]
    assert [
        (p["mrr"], p["newMrr"], p["expansionMrr"], p["churnedMrr"], p["activeSubscriptions"], p["arpu"]) for p in today
    ] == [(0, 10_000, 20_000, 30_000, 0, None)]
