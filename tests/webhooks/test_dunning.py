"""An invoice's failed payment attempt, applied from its events (`webhooks.dunning`): mirrored, and published once.

A renewal is made to fail at the session's sandbox with a test clock; its invoice events are then
stored and applied directly, in the shapes Stripe sends (with and without the legacy
`payment_intent` link), twice for one attempt, and again for the next attempt.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest_asyncio

from base.settings import Settings
from billing.mirror import from_timestamp
from live.bus import InMemoryBus, StatusMessage, StatusSubscription
from models import EventStatus, Invoice, Payment, WebhookEvent
from stripe_provider.adapter import StripeAdapter
from tests.support.aliases import PgDatabaseFactory
from tests.support.database import tortoise_on
from tests.support.localstripe import LocalStripe, create_plan, create_test_card, stripe_request
from webhooks.processing import process_event

DAY = 86_400


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def db(pg_database_factory: PgDatabaseFactory) -> AsyncIterator[Settings]:
    url = await pg_database_factory("dunning")
    async with tortoise_on(url) as settings:
        yield settings


@pytest_asyncio.fixture(loop_scope="session")
async def stripe(db: Settings, localstripe: LocalStripe) -> AsyncIterator[StripeAdapter]:
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None,
        stripe_api_key="sk_test_x",
        stripe_api_base=localstripe.url,
        stripe_emulator=True,
        stripe_max_retries=0,
        stripe_timeout_seconds=3,
    )
    adapter = StripeAdapter(settings)
    yield adapter
    await adapter.aclose()


def drain(subscription: StatusSubscription) -> list[StatusMessage]:
    found: list[StatusMessage] = []
    while not subscription._queue.empty():
        found.append(subscription._queue.get_nowait())
    return found


async def apply(event_type: str, obj: dict[str, Any], stripe: StripeAdapter, bus: InMemoryBus) -> EventStatus:
    row = await WebhookEvent.create(
        stripe_event_id=f"evt_{uuid.uuid4().hex[:16]}",
        type=event_type,
        stripe_created=from_timestamp(int(time.time())),
        payload={"id": "evt_x", "object": "event", "type": event_type, "data": {"object": obj}},
        livemode=False,
    )
    return await process_event(row.id, stripe, bus)


def advance(url: str, clock: str, frozen_time: int) -> None:
    stripe_request(url, "POST", f"/v1/test_helpers/test_clocks/{clock}/advance", data={"frozen_time": frozen_time})
    deadline = time.monotonic() + 10
    while stripe_request(url, "GET", f"/v1/test_helpers/test_clocks/{clock}")["status"] != "ready":
        assert time.monotonic() < deadline, "the test clock never got ready"
        time.sleep(0.05)


def failed_renewal(url: str) -> tuple[str, dict[str, Any], int]:
    """A subscription on a test clock whose renewal declined: (clock id, the open invoice, the old period's end)."""
    now = int(time.time())
    clock = stripe_request(url, "POST", "/v1/test_helpers/test_clocks", data={"frozen_time": now})
    customer = stripe_request(
        url, "POST", "/v1/customers", data={"email": "dunning@example.com", "test_clock": clock["id"]}
    )
    for number in ("4242424242424242", "4000000000000341"):
        card = create_test_card(url, number)
        stripe_request(url, "POST", f"/v1/payment_methods/{card}/attach", data={"customer": customer["id"]})
        stripe_request(
            url, "POST", f"/v1/customers/{customer['id']}", data={"invoice_settings[default_payment_method]": card}
        )
        if number.startswith("4242"):
            plan = create_plan(url, 1500)
            sub = stripe_request(
                url, "POST", "/v1/subscriptions", data={"customer": customer["id"], "items[0][plan]": plan}
            )
    advance(url, clock["id"], now + 32 * DAY)
    renewed = stripe_request(url, "GET", f"/v1/subscriptions/{sub['id']}")
    invoice = stripe_request(url, "GET", f"/v1/invoices/{renewed['latest_invoice']}")
    assert (invoice["status"], invoice["attempt_count"]) == ("open", 1), invoice
    return clock["id"], invoice, sub["current_period_end"]


async def test_a_failed_attempt_is_mirrored_and_published_once_per_attempt(
    db: Settings, stripe: StripeAdapter, localstripe: LocalStripe
) -> None:
    bus = InMemoryBus()
    async with bus.subscribe() as messages:
        clock, invoice, period_end = failed_renewal(localstripe.url)
        # The current shape: the invoice names no PaymentIntent; the worker asks Stripe which one failed.
        current = {key: value for key, value in invoice.items() if key not in ("payment_intent", "charge")}
        assert await apply("invoice.payment_failed", current, stripe, bus) == EventStatus.PROCESSED
        row = await Invoice.get(stripe_id=invoice["id"])
        assert (row.status, row.attempt_count) == ("open", 1)
        assert row.next_payment_attempt == from_timestamp(period_end + 3 * DAY)
        assert row.payment_intent_stripe_id == invoice["payment_intent"]
        payment = await Payment.get(stripe_id=invoice["payment_intent"])
        assert (payment.decline_code, payment.failure_code, payment.invoice_id) == (
            "generic_decline",
            "card_declined",
            row.id,
        )
        # The same attempt told again (another event of it): no second failure message.
        assert await apply("invoice.payment_failed", invoice, stripe, bus) == EventStatus.PROCESSED
        failures = [m for m in drain(messages) if m.kind == "payment_failure"]
        assert [(m.object_id, m.stripe_id, m.status, m.customer_id) for m in failures] == [
            (str(row.id), invoice["id"], "failed", str(row.customer_id))
        ]

        # The next attempt (the retry 3 days on) fails too: one more message.
        advance(localstripe.url, clock, period_end + 3 * DAY + 60)
        retried = stripe_request(localstripe.url, "GET", f"/v1/invoices/{invoice['id']}")
        assert retried["attempt_count"] == 2
        assert await apply("invoice.payment_failed", retried, stripe, bus) == EventStatus.PROCESSED
        assert [m.kind for m in drain(messages) if m.kind == "payment_failure"] == ["payment_failure"]
        row = await Invoice.get(stripe_id=invoice["id"])
        assert (row.attempt_count, row.failure_notified_attempt) == (2, 2)
        assert row.next_payment_attempt == from_timestamp(period_end + 8 * DAY)
