"""An emulator filled with one of everything reconcile pulls, and what it lists, for reconciliation tests."""

from __future__ import annotations

from dataclasses import dataclass

from billing.reconcile import Kind
from tests.support.localstripe import (
    LocalStripe,
    create_plan,
    create_test_card,
    list_all,
    stripe_request,
)


@dataclass
class Seeded:
    """The emulator and the ids the tests change later."""

    emulator: LocalStripe
    customers: list[str]
    """Every customer seeded, the plain one last."""
    plain_customer: str


def seed(emulator: LocalStripe) -> Seeded:
    """Fill `emulator` with one of everything reconcile pulls."""
    url = emulator.url
    plans = [create_plan(url, amount=1500), create_plan(url, amount=4000, interval="year")]
    stripe_request(
        url,
        "POST",
        "/v1/billing/meters",
        data={"display_name": "API calls", "event_name": "api_calls", "default_aggregation[formula]": "sum"},
    )
    customers: list[str] = []
    for index in range(3):
        customer = stripe_request(
            url, "POST", "/v1/customers", data={"email": f"c{index}@example.com", "name": f"Customer {index}"}
        )["id"]
        card = create_test_card(url)
        stripe_request(url, "POST", f"/v1/payment_methods/{card}/attach", data={"customer": customer})
        stripe_request(
            url, "POST", f"/v1/customers/{customer}", data={"invoice_settings[default_payment_method]": card}
        )
        customers.append(customer)
    # An active subscription, and one canceled (only listed with status=all).
    stripe_request(url, "POST", "/v1/subscriptions", data={"customer": customers[0], "items[0][plan]": plans[0]})
    canceled = stripe_request(
        url, "POST", "/v1/subscriptions", data={"customer": customers[1], "items[0][plan]": plans[1]}
    )["id"]
    stripe_request(url, "DELETE", f"/v1/subscriptions/{canceled}")
    # A one-off payment, partly refunded.
    card = stripe_request(url, "GET", f"/v1/customers/{customers[2]}")["invoice_settings"]["default_payment_method"]
    intent = stripe_request(
        url,
        "POST",
        "/v1/payment_intents",
        data={"amount": 700, "currency": "usd", "customer": customers[2], "payment_method": card, "confirm": "true"},
    )["id"]
    stripe_request(url, "POST", "/v1/refunds", data={"payment_intent": intent, "amount": 200})
    # A dispute on that payment; a coupon and a promotion code of it.
    stripe_request(url, "POST", "/_sandbox/disputes", data={"payment_intent": intent, "reason": "fraudulent"})
    coupon = stripe_request(url, "POST", "/v1/coupons", data={"percent_off": "10", "duration": "forever"})["id"]
    stripe_request(
        url,
        "POST",
        "/v1/promotion_codes",
        data={"promotion[type]": "coupon", "promotion[coupon]": coupon, "code": "RECONCILE10"},
    )
    plain = stripe_request(url, "POST", "/v1/customers", data={"email": "plain@example.com"})["id"]
    return Seeded(emulator=emulator, customers=[*customers, plain], plain_customer=plain)


def emulator_counts(url: str, customers: list[str]) -> dict[Kind, int]:
    """How many objects of each type the emulator lists (what reconcile must pull)."""
    payment_methods = sum(
        len(list_all(url, "/v1/payment_methods", customer=customer, type="card")) for customer in customers
    )
    return {
        "meters": len(list_all(url, "/v1/billing/meters")),
        "prices": len(list_all(url, "/v1/plans")),
        "coupons": len(list_all(url, "/v1/coupons")),
        "promotion_codes": len(list_all(url, "/v1/promotion_codes")),
        "customers": len(list_all(url, "/v1/customers")),
        "payment_methods": payment_methods,
        "subscriptions": len(list_all(url, "/v1/subscriptions", status="all")),
        "invoices": len(list_all(url, "/v1/invoices")),
        "payments": len(list_all(url, "/v1/payment_intents")),
        "refunds": len(list_all(url, "/v1/refunds")),
        "disputes": len(list_all(url, "/v1/disputes")),
    }
