"""What the adapter sends to real Stripe versus an emulator (localstripe speaks an older dialect).

localstripe covers the emulator side end to end; real Stripe's current dialect cannot be
reached from here, so these tests record the requests at the HTTP layer and answer with
Stripe's own example objects.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs

from tests.fixtures import stripe_fixtures
from tests.support.http_server import Seen
from tests.support.stripe_double import Reply, run, stripe_double

FIXTURES = stripe_fixtures()


def form(seen: Seen) -> dict[str, list[str]]:
    return parse_qs(seen.body.decode())


def answer(resource: str) -> Any:
    return lambda number, seen: Reply(200, FIXTURES[resource])


def test_real_stripe_gets_prices_and_proration_behavior() -> None:
    async def main() -> None:
        async with stripe_double(answer("subscription"), stripe_emulator=False) as (server, adapter):
            await adapter.retrieve_price("price_1")
            await adapter.create_subscription(
                customer="cus_1",
                price="price_1",
                quantity=2,
                payment_method="pm_1",
                trial_days=None,
                idempotency_key="k1",
            )
            await adapter.update_subscription_item(
                "sub_1", item="si_1", price="price_2", quantity=3, proration_behavior="none", idempotency_key="k2"
            )
        retrieve, create, update = server.requests
        assert (retrieve.method, retrieve.path) == ("GET", "/v1/prices/price_1")
        assert form(create) == {
            "customer": ["cus_1"],
            "items[0][price]": ["price_1"],
            "items[0][quantity]": ["2"],
            "payment_behavior": ["allow_incomplete"],
            "default_payment_method": ["pm_1"],
            "metadata[bgw_attempt]": ["k1"],
        }
        assert create.headers["idempotency-key"] == "k1"
        assert form(update) == {
            "items[0][id]": ["si_1"],
            "items[0][price]": ["price_2"],
            "items[0][quantity]": ["3"],
            "proration_behavior": ["none"],
        }

    run(main)


def test_emulators_get_plans_and_prorate() -> None:
    async def main() -> None:
        async with stripe_double(answer("subscription"), stripe_emulator=True) as (server, adapter):
            await adapter.retrieve_price("gold")
            await adapter.create_subscription(
                customer="cus_1", price="gold", quantity=1, payment_method="pm_1", trial_days=7, idempotency_key="k1"
            )
            await adapter.update_subscription_item(
                "sub_1",
                item="si_1",
                price=None,
                quantity=4,
                proration_behavior="create_prorations",
                idempotency_key="k",
            )
        retrieve, create, update = server.requests
        assert retrieve.path == "/v1/plans/gold"
        assert form(create)["items[0][plan]"] == ["gold"] and "default_payment_method" not in form(create)
        assert form(create)["trial_period_days"] == ["7"]
        assert form(update) == {"items[0][id]": ["si_1"], "items[0][quantity]": ["4"], "prorate": ["true"]}

    run(main)


def test_real_stripe_payment_intents_are_card_only_and_expand_what_links_them() -> None:
    async def main() -> None:
        async with stripe_double(answer("payment_intent"), stripe_emulator=False) as (server, adapter):
            await adapter.create_payment_intent(
                customer="cus_1",
                amount=500,
                currency="usd",
                payment_method="pm_1",
                description="Order",
                idempotency_key="k",
            )
            await adapter.retrieve_payment_intent("pi_1")
            await adapter.retrieve_invoice("in_1")
            await adapter.preview_invoice(customer="cus_1", subscription="sub_1")
        create, pi, invoice, preview = server.requests
        assert form(create)["payment_method_types[0]"] == ["card"] and form(create)["confirm"] == ["true"]
        assert form(create)["description"] == ["Order"]
        assert pi.path == "/v1/payment_intents/pi_1?expand[0]=latest_charge"
        assert invoice.path == "/v1/invoices/in_1?expand[0]=payments"
        assert (preview.method, preview.path) == ("POST", "/v1/invoices/create_preview")
        assert form(preview) == {"customer": ["cus_1"], "subscription": ["sub_1"]}

    run(main)


def test_a_change_preview_and_its_update_send_the_same_proration_date() -> None:
    async def main() -> None:
        for emulator in (False, True):
            async with stripe_double(answer("invoice"), stripe_emulator=emulator) as (server, adapter):
                await adapter.preview_subscription_change(
                    customer="cus_1",
                    subscription="sub_1",
                    item="si_1",
                    price="gold",
                    quantity=2,
                    proration_behavior="always_invoice",
                    proration_date=1_767_225_600,
                )
                await adapter.update_subscription_item(
                    "sub_1",
                    item="si_1",
                    price="gold",
                    quantity=2,
                    proration_behavior="always_invoice",
                    proration_date=1_767_225_600,
                    idempotency_key="k",
                )
            preview, update = server.requests
            key = "plan" if emulator else "price"
            assert (preview.method, preview.path) == ("POST", "/v1/invoices/create_preview")
            assert form(preview) == {
                "customer": ["cus_1"],
                "subscription": ["sub_1"],
                "subscription_details[items][0][id]": ["si_1"],
                f"subscription_details[items][0][{key}]": ["gold"],
                "subscription_details[items][0][quantity]": ["2"],
                "subscription_details[proration_behavior]": ["always_invoice"],
                "subscription_details[proration_date]": ["1767225600"],
            }
            # The emulator (the sandbox) is sent Stripe's own parameters when only they can say it.
            assert form(update) == {
                "items[0][id]": ["si_1"],
                f"items[0][{key}]": ["gold"],
                "items[0][quantity]": ["2"],
                "proration_behavior": ["always_invoice"],
                "proration_date": ["1767225600"],
            }

    run(main)
