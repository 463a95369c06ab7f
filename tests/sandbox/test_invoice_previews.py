"""The sandbox's prorations: Stripe's documented arithmetic, Stripe's shapes, and a preview equal to the charge."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from sandbox.invoice_previews import Priced, add_interval, change_lines, preview_invoice, prorated
from tests.support.localstripe import BASIC_AUTH, LocalStripe, create_plan, create_test_card, stripe_request

FIXTURES = json.loads((Path(__file__).parents[1] / "fixtures" / "stripe" / "fixtures.json").read_text())["resources"]
START = 1_767_225_600  # 2026-01-01T00:00:00Z
END = START + 30 * 86_400
HALFWAY = START + 15 * 86_400


def priced(price: str, unit_amount: int, quantity: int = 1, name: str = "Basic") -> Priced:
    return Priced(price, "prod_1", name, unit_amount, quantity, "usd", "month", 1)


def test_stripes_documented_example_an_upgrade_from_10_to_20_usd_halfway_bills_5_usd() -> None:
    # docs.stripe.com/billing/subscriptions/prorations: "If a customer upgrades from a 10 USD monthly plan to a
    # 20 USD option halfway through the billing period, the customer is billed an additional 5 USD":
    # -5 USD unused time on the original plan, +10 USD remaining time on the new one.
    lines = change_lines(
        "sub_1",
        "si_1",
        priced("basic", 1000),
        priced("pro", 2000, name="Pro"),
        START,
        END,
        HALFWAY,
        "always_invoice",
        preview=True,
    )
    assert [line["amount"] for line in lines] == [-500, 1000]
    assert sum(line["amount"] for line in lines) == 500
    assert [line["description"] for line in lines] == [
        "Unused time on 1 \N{MULTIPLICATION SIGN} Basic after 16 Jan 2026",
        "Remaining time on 1 \N{MULTIPLICATION SIGN} Pro after 16 Jan 2026",
    ]
    assert all(line["period"] == {"start": HALFWAY, "end": END} for line in lines)
    assert all(line["parent"]["subscription_item_details"]["proration"] is True for line in lines)


def test_each_line_is_prorated_to_the_second_and_rounded_half_up_on_its_own() -> None:
    third = END - 10 * 86_400  # a third of the period left
    assert prorated(1000, START, END, third) == 333
    assert prorated(2000, START, END, third) == 667  # 666.67
    assert prorated(3, START, START + 2, START + 1) == 2  # 1.5 rounds up
    assert prorated(1000, START, END, START) == 1000 and prorated(1000, START, END, END) == 0
    lines = change_lines(
        "sub_1", "si_1", priced("a", 1000), priced("a", 1000, 3), START, END, third, "always_invoice", preview=True
    )
    assert [line["amount"] for line in lines] == [-333, 1000]  # quantity 1 -> 3: 3000 x 1/3


def test_what_each_behavior_bills() -> None:
    old, new = priced("basic", 1000), priced("pro", 2000, name="Pro")

    def amounts(behavior: str, preview: bool) -> list[tuple[int, bool]]:
        lines = change_lines("sub_1", "si_1", old, new, START, END, HALFWAY, behavior, preview=preview)
        return [(line["amount"], line["parent"]["subscription_item_details"]["proration"]) for line in lines]

    assert amounts("always_invoice", True) == amounts("always_invoice", False) == [(-500, True), (1000, True)]
    assert amounts("create_prorations", True) == [(-500, True), (1000, True), (2000, False)]
    assert amounts("create_prorations", False) == [(-500, True), (1000, True)]  # left pending for the next invoice
    assert amounts("none", True) == [(2000, False)]
    assert amounts("none", False) == []
    following = change_lines("sub_1", "si_1", old, new, START, END, HALFWAY, "none", preview=True)[0]
    assert following["period"] == {"start": END, "end": add_interval(END, "month", 1)}
    assert following["description"] == "1 \N{MULTIPLICATION SIGN} Pro (at 20.00 USD / month)"
    unchanged = change_lines("sub_1", "si_1", old, old, START, END, HALFWAY, "always_invoice", preview=True)
    assert unchanged == []


def test_intervals_keep_the_day_of_the_month() -> None:
    jan_31 = 1_769_817_600  # 2026-01-31T00:00:00Z
    assert add_interval(jan_31, "month", 1) == 1_772_236_800  # 2026-02-28
    assert add_interval(START, "year", 1) == START + 365 * 86_400
    assert add_interval(START, "week", 2) == START + 14 * 86_400


def test_lines_and_preview_have_stripes_shape() -> None:
    fixture_invoice = FIXTURES["invoice"]
    fixture_line = fixture_invoice["lines"]["data"][0]
    lines = change_lines(
        "sub_1",
        "si_1",
        priced("basic", 1000),
        priced("pro", 2000),
        START,
        END,
        HALFWAY,
        "create_prorations",
        preview=True,
    )
    for line in lines:
        assert set(line) <= set(fixture_line), set(line) - set(fixture_line)
        assert set(line["parent"]) <= set(fixture_line["parent"])
        details = line["parent"]["subscription_item_details"]
        assert set(details) == set(fixture_line["parent"]["subscription_item_details"])
        assert set(line["pricing"]) >= set(fixture_line["pricing"])
        assert type(line["amount"]) is int and line["object"] == fixture_line["object"]
    invoice = preview_invoice("cus_1", "sub_1", lines, "usd", START, END, "create_prorations")
    assert set(invoice) <= set(fixture_invoice), set(invoice) - set(fixture_invoice)
    assert invoice["object"] == "invoice" and invoice["id"].startswith("upcoming_in_")
    assert invoice["subtotal"] == invoice["total"] == -500 + 1000 + 2000
    assert invoice["parent"]["subscription_details"]["subscription"] == "sub_1"


def _subscribed(url: str, plan: str) -> dict[str, Any]:
    customer = stripe_request(url, "POST", "/v1/customers", data={"email": "preview@example.com"})
    card = create_test_card(url)
    stripe_request(url, "POST", f"/v1/payment_methods/{card}/attach", data={"customer": customer["id"]})
    stripe_request(
        url,
        "POST",
        f"/v1/customers/{customer['id']}",
        data={"invoice_settings[default_payment_method]": card},
    )
    return stripe_request(url, "POST", "/v1/subscriptions", data={"customer": customer["id"], "items[0][plan]": plan})


def _comparable(lines: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    return [(line["description"], line["amount"], line["period"]["start"], line["period"]["end"]) for line in lines]


def test_a_preview_equals_the_invoice_the_same_change_makes(localstripe: LocalStripe) -> None:
    url = localstripe.url
    basic, pro = create_plan(url, amount=1000), create_plan(url, amount=2500)
    subscription = _subscribed(url, basic)
    item = subscription["items"]["data"][0]["id"]
    at = int(time.time())
    change = {
        "subscription": subscription["id"],
        "subscription_details[items][0][id]": item,
        "subscription_details[items][0][plan]": pro,
        "subscription_details[items][0][quantity]": "2",
        "subscription_details[proration_behavior]": "always_invoice",
        "subscription_details[proration_date]": str(at),
    }
    preview = stripe_request(url, "POST", "/v1/invoices/create_preview", data=change)
    lines = preview["lines"]["data"]
    assert [line["parent"]["subscription_item_details"]["proration"] for line in lines] == [True, True]
    start, end = subscription["current_period_start"], subscription["current_period_end"]
    assert [line["amount"] for line in lines] == [
        -prorated(1000, start, end, at),
        prorated(5000, start, end, at),
    ]
    assert preview["total"] == sum(line["amount"] for line in lines)
    # Nothing changed at the sandbox.
    again = stripe_request(url, "GET", f"/v1/subscriptions/{subscription['id']}")
    assert again["items"]["data"][0]["plan"]["id"] == basic

    updated = stripe_request(
        url,
        "POST",
        f"/v1/subscriptions/{subscription['id']}",
        data={
            "items[0][id]": item,
            "items[0][plan]": pro,
            "items[0][quantity]": "2",
            "proration_behavior": "always_invoice",
            "proration_date": str(at),
        },
    )
    assert updated["items"]["data"][0]["id"] == item, "the item keeps its id, as at Stripe"
    assert (updated["items"]["data"][0]["plan"]["id"], updated["quantity"]) == (pro, 2)
    invoice = stripe_request(url, "GET", f"/v1/invoices/{updated['latest_invoice']}")
    assert invoice["id"] != subscription["latest_invoice"]
    assert _comparable(invoice["lines"]["data"]) == _comparable(lines)
    assert all(line["proration"] for line in invoice["lines"]["data"])
    assert invoice["status"] == "paid" and invoice["amount_paid"] == preview["total"]


def test_requests_without_change_parameters_are_localstripes(localstripe: LocalStripe) -> None:
    url = localstripe.url
    subscription = _subscribed(url, create_plan(url, amount=1500))
    upcoming = stripe_request(
        url,
        "POST",
        "/v1/invoices/create_preview",
        data={"subscription": subscription["id"], "customer": subscription["customer"]},
    )
    assert upcoming["amount_due"] == 1500
    flagged = stripe_request(
        url, "POST", f"/v1/subscriptions/{subscription['id']}", data={"cancel_at_period_end": "true"}
    )
    assert flagged["cancel_at_period_end"] is True


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"proration_behavior": "sometimes"}, "proration_behavior"),
        ({"proration_date": "1500000001"}, "current period"),
        ({"proration_behavior": "always_invoice", "items[0][id]": "si_unknown"}, "subscription item"),
    ],
)
def test_bad_change_parameters_are_refused_as_stripe_does(
    localstripe: LocalStripe, data: dict[str, str], message: str
) -> None:
    url = localstripe.url
    subscription = _subscribed(url, create_plan(url))
    answer = httpx.post(f"{url}/v1/subscriptions/{subscription['id']}", data=data, auth=BASIC_AUTH, timeout=10)
    assert answer.status_code in (400, 404), answer.text
    assert message in answer.json()["error"]["message"]
