"""Applying stored Stripe events to the mirror (`webhooks.processing.process_event`), on PostgreSQL and localstripe.

Events are built the way Stripe sends them (`{"id", "type", "created", "data": {"object"}}`)
around real objects made at the session's emulator, stored as inbox rows directly, and
applied. What is checked: every family lands in the mirror; an event is applied once
however often or concurrently it is processed; older events never overwrite newer state
(every order of a lifecycle ends in the latest state); equal `created` seconds refetch
the object; objects made outside the gateway are fetched with their parents; transient
and permanent errors leave the row pending or failed; status messages go out on change only.
"""

from __future__ import annotations

import asyncio
import itertools
import random
import time
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import pytest_asyncio

from base.ids import to_global_id
from base.settings import Settings
from billing.mirror import from_timestamp, upsert_customer
from live.bus import InMemoryBus, StatusMessage, StatusSubscription
from models import (
    Customer,
    Dispute,
    EventStatus,
    Invoice,
    OutboxEvent,
    Payment,
    PaymentMethod,
    Price,
    Refund,
    Subscription,
    WebhookEvent,
)
from stripe_provider.adapter import StripeAdapter
from tests.support.aliases import PgDatabaseFactory
from tests.support.database import tortoise_on
from tests.support.localstripe import LocalStripe, create_plan, create_test_card, stripe_request
from tests.support.net import free_port
from webhooks.claims import mark_failed
from webhooks.processing import TransientEventError, process_event


class RecordingAdapter(StripeAdapter):
    """A StripeAdapter that remembers every call it makes (resource, action, ids)."""

    def __init__(self, settings: Settings) -> None:
        super().__init__(settings)
        self.calls: list[tuple[str, ...]] = []

    async def call(
        self,
        resource: str,
        action: str,
        *args: str,
        params: dict[str, Any] | None = None,
        idempotency_key: str | None = None,
    ) -> dict[str, Any]:
        self.calls.append((resource, action, *args))
        return await super().call(resource, action, *args, params=params, idempotency_key=idempotency_key)


def adapter_for(base: str) -> RecordingAdapter:
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None,
        stripe_api_key="sk_test_x",
        stripe_api_base=base,
        stripe_emulator=True,
        stripe_max_retries=0,
        stripe_timeout_seconds=3,
    )
    return RecordingAdapter(settings)


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def db(pg_database_factory: PgDatabaseFactory) -> AsyncIterator[Settings]:
    url = await pg_database_factory("apply")
    async with tortoise_on(url) as settings:
        yield settings


@pytest_asyncio.fixture(loop_scope="session")
async def stripe(db: Settings, localstripe: LocalStripe) -> AsyncIterator[RecordingAdapter]:
    adapter = adapter_for(localstripe.url)
    yield adapter
    await adapter.aclose()


@pytest.fixture
def bus() -> InMemoryBus:
    return InMemoryBus()


@pytest_asyncio.fixture(loop_scope="session")
async def messages(bus: InMemoryBus) -> AsyncIterator[StatusSubscription]:
    async with bus.subscribe() as subscription:
        yield subscription


def drain(subscription: StatusSubscription) -> list[StatusMessage]:
    """Every message delivered so far (InMemoryBus delivers synchronously on the same loop)."""
    found: list[StatusMessage] = []
    while not subscription._queue.empty():
        found.append(subscription._queue.get_nowait())
    return found


_clock = itertools.count(int(time.time()) - 100_000, 10)


def seconds() -> int:
    """A `created` second no other event of this module uses (10 s apart, in the past)."""
    return next(_clock)


def event(event_type: str, obj: dict[str, Any], created: int | None = None) -> dict[str, Any]:
    return {
        "id": f"evt_{uuid.uuid4().hex[:16]}",
        "object": "event",
        "type": event_type,
        "created": seconds() if created is None else created,
        "livemode": False,
        "data": {"object": obj},
    }


async def store(evt: dict[str, Any]) -> uuid.UUID:
    """The event as the webhook receiver stores it; the inbox row id."""
    row = await WebhookEvent.create(
        stripe_event_id=evt["id"],
        type=evt["type"],
        stripe_created=from_timestamp(evt["created"]),
        payload=evt,
        livemode=False,
    )
    return row.id


async def apply(evt: dict[str, Any], stripe: StripeAdapter, bus: InMemoryBus) -> EventStatus:
    return await process_event(await store(evt), stripe, bus)


# --- objects at the emulator (made "outside the gateway") ---------------------------------------------------


def new_customer(url: str, **data: Any) -> dict[str, Any]:
    return stripe_request(url, "POST", "/v1/customers", data={"email": f"{uuid.uuid4().hex[:8]}@example.com", **data})


def customer_with_card(url: str) -> tuple[dict[str, Any], str]:
    customer = new_customer(url, name="Ada")
    card = create_test_card(url)
    stripe_request(url, "POST", f"/v1/payment_methods/{card}/attach", data={"customer": customer["id"]})
    customer = stripe_request(
        url, "POST", f"/v1/customers/{customer['id']}", data={"invoice_settings[default_payment_method]": card}
    )
    return customer, card


def new_subscription(url: str) -> dict[str, Any]:
    customer, _ = customer_with_card(url)
    plan = create_plan(url)
    return stripe_request(url, "POST", "/v1/subscriptions", data={"customer": customer["id"], "items[0][plan]": plan})


def new_payment(url: str, amount: int = 900) -> dict[str, Any]:
    customer, card = customer_with_card(url)
    return stripe_request(
        url,
        "POST",
        "/v1/payment_intents",
        data={"amount": amount, "currency": "usd", "customer": customer["id"], "payment_method": card,
              "confirm": "true"},
    )  # fmt: skip


# --- each family --------------------------------------------------------------------------------------------


async def test_customer_events_create_update_and_delete(
    stripe: RecordingAdapter, bus: InMemoryBus, localstripe: LocalStripe
) -> None:
    customer = new_customer(localstripe.url, name="Grace")
    assert await apply(event("customer.created", customer), stripe, bus) == EventStatus.PROCESSED
    row = await Customer.get(stripe_id=customer["id"])
    assert (row.name, row.deleted, row.stripe_event_at is not None) == ("Grace", False, True)

    assert await apply(event("customer.updated", {**customer, "name": "Grace H."}), stripe, bus) == "processed"
    assert (await Customer.get(stripe_id=customer["id"])).name == "Grace H."

    assert await apply(event("customer.deleted", {**customer, "name": "Grace H."}), stripe, bus) == "processed"
    row = await Customer.get(stripe_id=customer["id"])
    assert (row.deleted, row.email) == (True, customer["email"])
    assert stripe.calls == []  # newer events with distinct seconds need no fetch


async def test_payment_method_attached_then_detached_fetches_the_unmirrored_customer(
    stripe: RecordingAdapter, bus: InMemoryBus, localstripe: LocalStripe
) -> None:
    customer, card = customer_with_card(localstripe.url)
    pm = stripe_request(localstripe.url, "GET", f"/v1/payment_methods/{card}")
    assert await apply(event("payment_method.attached", pm), stripe, bus) == EventStatus.PROCESSED
    row = await PaymentMethod.get(stripe_id=card).prefetch_related("customer")
    assert row.customer is not None and row.customer.stripe_id == customer["id"]
    assert ("customers", "retrieve", customer["id"]) in stripe.calls
    assert (row.last4, row.detached_at) == ("4242", None)

    detached = stripe_request(localstripe.url, "POST", f"/v1/payment_methods/{card}/detach")
    assert await apply(event("payment_method.detached", detached), stripe, bus) == EventStatus.PROCESSED
    row = await PaymentMethod.get(stripe_id=card)
    assert (row.customer_id, row.detached_at is not None) == (None, True)


async def test_subscription_of_a_customer_made_outside_the_gateway_mirrors_both(
    stripe: RecordingAdapter, bus: InMemoryBus, messages: StatusSubscription, localstripe: LocalStripe
) -> None:
    sub = new_subscription(localstripe.url)
    assert not await Customer.exists(stripe_id=sub["customer"])
    evt = event("customer.subscription.created", sub)
    assert await apply(evt, stripe, bus) == EventStatus.PROCESSED
    row = await Subscription.get(stripe_id=sub["id"]).prefetch_related("customer", "items")
    assert row.customer.stripe_id == sub["customer"]
    assert (row.status, len(row.items), row.stripe_event_at) == (sub["status"], 1, from_timestamp(evt["created"]))
    assert stripe.calls == [("customers", "retrieve", sub["customer"])]
    [published] = drain(messages)
    # The frame carries the cursor of the domain event the change wrote.
    global_id = to_global_id("Subscription", row.id)
    [domain_event] = await OutboxEvent.filter(object_id=global_id, type="subscription.created")
    assert published == StatusMessage(
        kind="subscription",
        object_id=str(row.id),
        stripe_id=sub["id"],
        customer_id=str(row.customer.id),
        status=sub["status"],
        previous_status=None,
        event_id=evt["id"],
        occurred_at=from_timestamp(evt["created"]),  # type: ignore[arg-type]
        sequence=domain_event.sequence,
    )


async def test_invoice_and_payment_intent_events(
    stripe: RecordingAdapter, bus: InMemoryBus, messages: StatusSubscription, localstripe: LocalStripe
) -> None:
    sub = new_subscription(localstripe.url)
    invoice = stripe_request(localstripe.url, "GET", f"/v1/invoices/{sub['latest_invoice']}")
    assert await apply(event("invoice.paid", invoice), stripe, bus) == EventStatus.PROCESSED
    inv_row = await Invoice.get(stripe_id=invoice["id"])
    assert (inv_row.status, inv_row.amount_paid) == (invoice["status"], invoice["amount_paid"])

    intent = new_payment(localstripe.url)
    assert await apply(event("payment_intent.succeeded", intent), stripe, bus) == EventStatus.PROCESSED
    pay_row = await Payment.get(stripe_id=intent["id"])
    assert (pay_row.status, pay_row.amount, pay_row.customer_id is not None) == ("succeeded", 900, True)
    kinds = [(m.kind, m.stripe_id, m.previous_status) for m in drain(messages)]
    assert kinds == [("invoice", invoice["id"], None), ("payment", intent["id"], None)]


async def test_refund_events_fetch_the_payment_and_charge_refunded_refreshes_it(
    stripe: RecordingAdapter, bus: InMemoryBus, localstripe: LocalStripe
) -> None:
    intent = new_payment(localstripe.url, amount=1000)
    refund = stripe_request(
        localstripe.url, "POST", "/v1/refunds", data={"payment_intent": intent["id"], "amount": 300}
    )
    # The payment is not mirrored: the refund's parent is fetched first.
    assert await apply(event("refund.created", refund), stripe, bus) == EventStatus.PROCESSED
    row = await Refund.get(stripe_id=refund["id"]).prefetch_related("payment")
    assert (row.amount, row.payment.stripe_id, row.payment.amount_refunded) == (300, intent["id"], 300)
    assert ("payment_intents", "retrieve", intent["id"]) in stripe.calls

    stripe_request(localstripe.url, "POST", "/v1/refunds", data={"payment_intent": intent["id"], "amount": 200})
    charge_id = stripe_request(localstripe.url, "GET", f"/v1/payment_intents/{intent['id']}")["charges"]["data"][0][
        "id"
    ]
    charge = stripe_request(localstripe.url, "GET", f"/v1/charges/{charge_id}")
    assert await apply(event("charge.refunded", charge), stripe, bus) == EventStatus.PROCESSED
    assert (await Payment.get(stripe_id=intent["id"])).amount_refunded == 500


async def test_dispute_events_fetch_the_payment_publish_the_status_and_keep_the_newest(
    stripe: RecordingAdapter, bus: InMemoryBus, messages: StatusSubscription, localstripe: LocalStripe
) -> None:
    intent = new_payment(localstripe.url, 1200)
    dispute = stripe_request(localstripe.url, "POST", "/_sandbox/disputes", data={"payment_intent": intent["id"]})
    # The payment is not mirrored: the dispute's parent (and its customer) is fetched first.
    created = event("charge.dispute.created", dispute)
    assert await apply(created, stripe, bus) == EventStatus.PROCESSED
    row = await Dispute.get(stripe_id=dispute["id"]).prefetch_related("payment")
    assert (row.status, row.amount, row.reason, row.payment.stripe_id) == (
        "needs_response",
        1200,
        "fraudulent",
        intent["id"],
    )
    assert row.customer_id is not None and row.customer_id == row.payment.customer_id
    assert row.evidence_due_by == from_timestamp(dispute["evidence_details"]["due_by"])
    closed = event("charge.dispute.closed", {**dispute, "status": "lost"}, created=created["created"] + 5)
    stale = event("charge.dispute.updated", {**dispute, "status": "under_review"}, created=created["created"] + 2)
    assert await apply(closed, stripe, bus) == EventStatus.PROCESSED
    assert await apply(stale, stripe, bus) == EventStatus.PROCESSED
    assert (await Dispute.get(stripe_id=dispute["id"])).status == "lost", "an older event is not written"
    published = [m for m in drain(messages) if m.kind == "dispute"]
    assert [(m.status, m.previous_status) for m in published] == [("needs_response", None), ("lost", "needs_response")]
    assert {m.customer_id for m in published} == {str(row.customer_id)}, "the owning customer, for sessions"


async def test_plan_events_mirror_the_price(
    stripe: RecordingAdapter, bus: InMemoryBus, localstripe: LocalStripe
) -> None:
    plan = stripe_request(localstripe.url, "GET", f"/v1/plans/{create_plan(localstripe.url, amount=4200)}")
    assert await apply(event("plan.created", plan), stripe, bus) == EventStatus.PROCESSED
    row = await Price.get(stripe_id=plan["id"])
    assert (row.kind, row.unit_amount, row.recurring_interval) == ("plan", 4200, "month")


async def test_an_unknown_event_type_is_ignored(stripe: RecordingAdapter, bus: InMemoryBus) -> None:
    row_id = await store(event("balance.available", {"object": "balance"}))
    assert await process_event(row_id, stripe, bus) == EventStatus.IGNORED
    assert await process_event(row_id, stripe, bus) == EventStatus.IGNORED


# --- once, and only once ------------------------------------------------------------------------------------


async def test_the_same_row_processed_twice_is_applied_once(
    stripe: RecordingAdapter, bus: InMemoryBus, messages: StatusSubscription, localstripe: LocalStripe
) -> None:
    intent = new_payment(localstripe.url)
    row_id = await store(event("payment_intent.succeeded", intent))
    assert await process_event(row_id, stripe, bus) == EventStatus.PROCESSED
    assert await process_event(row_id, stripe, bus) == EventStatus.PROCESSED
    row = await WebhookEvent.get(id=row_id)
    assert (row.status, row.attempts, row.processed_at is not None) == (EventStatus.PROCESSED, 1, True)
    assert not row.last_error
    assert len(drain(messages)) == 1


async def test_two_workers_racing_on_one_row_apply_it_once(
    db: Settings, bus: InMemoryBus, messages: StatusSubscription, localstripe: LocalStripe
) -> None:
    intent = new_payment(localstripe.url)
    for _ in range(5):
        row_id = await store(event("payment_intent.succeeded", intent))
        first, second = adapter_for(localstripe.url), adapter_for(localstripe.url)
        try:
            results = await asyncio.gather(process_event(row_id, first, bus), process_event(row_id, second, bus))
        finally:
            await first.aclose()
            await second.aclose()
        assert EventStatus.PROCESSED in results
        assert set(results) <= {EventStatus.PROCESSED, EventStatus.PROCESSING}
        assert (await WebhookEvent.get(id=row_id)).attempts == 1
    assert len(drain(messages)) == 1  # created once; the later events changed no status


async def test_a_row_processing_is_left_alone_until_its_worker_is_presumed_dead(
    stripe: RecordingAdapter, bus: InMemoryBus, localstripe: LocalStripe
) -> None:
    intent = new_payment(localstripe.url)
    row_id = await store(event("payment_intent.succeeded", intent))
    await WebhookEvent.filter(id=row_id).update(
        status=EventStatus.PROCESSING, attempts=1, processing_started_at=datetime.now(UTC)
    )
    assert await process_event(row_id, stripe, bus) == EventStatus.PROCESSING
    assert not await Payment.exists(stripe_id=intent["id"])
    await WebhookEvent.filter(id=row_id).update(processing_started_at=datetime.now(UTC) - timedelta(minutes=6))
    assert await process_event(row_id, stripe, bus) == EventStatus.PROCESSED
    assert (await WebhookEvent.get(id=row_id)).attempts == 2
    assert await Payment.exists(stripe_id=intent["id"])


# --- order --------------------------------------------------------------------------------------------------


def lifecycle(sub: dict[str, Any]) -> list[dict[str, Any]]:
    """created → updated(past_due) → updated(active) → deleted, one second apart, quantities 1-4."""
    base = seconds()
    steps = [
        ("customer.subscription.created", "incomplete"),
        ("customer.subscription.updated", "past_due"),
        ("customer.subscription.updated", "active"),
        ("customer.subscription.deleted", "canceled"),
    ]
    events = []
    for n, (event_type, status) in enumerate(steps):
        obj = {**sub, "status": status, "quantity": n + 1}
        obj["items"] = {**sub["items"], "data": [{**sub["items"]["data"][0], "quantity": n + 1}]}
        events.append(event(event_type, obj, created=base + n))
    return events


async def test_every_order_of_a_lifecycle_ends_in_the_latest_state(
    stripe: RecordingAdapter, bus: InMemoryBus, localstripe: LocalStripe
) -> None:
    sub = new_subscription(localstripe.url)
    await upsert_customer(stripe_request(localstripe.url, "GET", f"/v1/customers/{sub['customer']}"))
    orders = list(itertools.permutations(range(4)))
    for n, order in enumerate(orders):
        await Subscription.filter(stripe_id=sub["id"]).delete()
        events = lifecycle(sub)
        row_ids = [await store(evt) for evt in events]
        if n % 2:
            # Concurrent workers, started in this order: the per-object lock serializes them.
            results = await asyncio.gather(*(process_event(row_ids[i], stripe, bus) for i in order))
        else:
            results = [await process_event(row_ids[i], stripe, bus) for i in order]
        assert results == [EventStatus.PROCESSED] * 4, order
        row = await Subscription.get(stripe_id=sub["id"]).prefetch_related("items")
        assert (row.status, row.quantity, row.items[0].quantity) == ("canceled", 4, 4), order
        assert row.stripe_event_at == from_timestamp(events[-1]["created"]), order
    assert stripe.calls == []  # distinct seconds: nothing needed a fetch


async def test_random_orders_with_duplicates_end_in_the_latest_state(
    stripe: RecordingAdapter, bus: InMemoryBus, localstripe: LocalStripe
) -> None:
    sub = new_subscription(localstripe.url)
    await upsert_customer(stripe_request(localstripe.url, "GET", f"/v1/customers/{sub['customer']}"))
    rng = random.Random(4)
    for _ in range(10):
        await Subscription.filter(stripe_id=sub["id"]).delete()
        events = lifecycle(sub)
        row_ids = [await store(evt) for evt in events]
        deliveries = row_ids * 2  # every event delivered twice
        rng.shuffle(deliveries)
        await asyncio.gather(*(process_event(row_id, stripe, bus) for row_id in deliveries))
        assert (await Subscription.get(stripe_id=sub["id"])).status == "canceled"
        assert [row.attempts for row in await WebhookEvent.filter(id__in=row_ids)] == [1, 1, 1, 1]


async def test_an_older_event_is_not_written_and_changes_no_status(
    stripe: RecordingAdapter, bus: InMemoryBus, messages: StatusSubscription, localstripe: LocalStripe
) -> None:
    sub = new_subscription(localstripe.url)
    newer = event("customer.subscription.updated", {**sub, "status": "past_due"})
    older = event("customer.subscription.updated", {**sub, "status": "unpaid"}, created=newer["created"] - 5)
    assert await apply(newer, stripe, bus) == EventStatus.PROCESSED
    assert await apply(older, stripe, bus) == EventStatus.PROCESSED
    row = await Subscription.get(stripe_id=sub["id"])
    assert (row.status, row.stripe_event_at) == ("past_due", from_timestamp(newer["created"]))
    assert [m.status for m in drain(messages)] == ["past_due"]


async def test_an_event_of_the_same_second_refetches_the_object(
    stripe: RecordingAdapter, bus: InMemoryBus, localstripe: LocalStripe
) -> None:
    sub = new_subscription(localstripe.url)
    first = event("customer.subscription.updated", {**sub, "status": "past_due"})
    assert await apply(first, stripe, bus) == EventStatus.PROCESSED
    stripe.calls.clear()
    # Same `created` second: which one is newer is unknowable; Stripe's current state decides.
    tie = event("customer.subscription.updated", {**sub, "status": "unpaid"}, created=first["created"])
    assert await apply(tie, stripe, bus) == EventStatus.PROCESSED
    assert stripe.calls == [("subscriptions", "retrieve", sub["id"])]
    row = await Subscription.get(stripe_id=sub["id"])
    assert (row.status, row.stripe_event_at) == (sub["status"], from_timestamp(first["created"]))


async def test_a_row_written_by_an_api_answer_after_the_event_counts_as_doubt(
    stripe: RecordingAdapter, bus: InMemoryBus, localstripe: LocalStripe
) -> None:
    customer = new_customer(localstripe.url, name="Now")
    await upsert_customer(customer)  # what a mutation does: synced now, stripe_event_at null
    late = event("customer.updated", {**customer, "name": "Long ago"})
    assert await apply(late, stripe, bus) == EventStatus.PROCESSED
    assert stripe.calls == [("customers", "retrieve", customer["id"])]
    assert (await Customer.get(stripe_id=customer["id"])).name == "Now"


# --- failures -----------------------------------------------------------------------------------------------


async def test_stripe_unreachable_puts_the_row_back_to_pending(
    db: Settings, bus: InMemoryBus, localstripe: LocalStripe
) -> None:
    sub = new_subscription(localstripe.url)  # its customer is not mirrored: applying needs Stripe
    row_id = await store(event("customer.subscription.created", sub))
    closed = adapter_for(f"http://127.0.0.1:{free_port()}")
    try:
        with pytest.raises(TransientEventError) as raised:
            await process_event(row_id, closed, bus)
    finally:
        await closed.aclose()
    assert raised.value.event_row_id == row_id
    row = await WebhookEvent.get(id=row_id)
    assert (row.status, row.attempts) == ("pending", 1)
    assert row.last_error is not None and "PROVIDER_UNAVAILABLE" in row.last_error
    assert not await Subscription.exists(stripe_id=sub["id"])
    # Stripe is back: the retry applies it.
    working = adapter_for(localstripe.url)
    try:
        assert await process_event(row_id, working, bus) == EventStatus.PROCESSED
    finally:
        await working.aclose()
    assert (await WebhookEvent.get(id=row_id)).attempts == 2
    assert await Subscription.exists(stripe_id=sub["id"])


@pytest.mark.parametrize(
    ("event_type", "payload", "expected"),
    [
        (
            "customer.subscription.updated",
            {"object": "subscription", "id": "sub_broken", "customer": "cus_x"},
            "status",
        ),
        ("payment_intent.succeeded", None, "data.object"),
        ("invoice.paid", {"object": "invoice", "status": "paid"}, "id"),
    ],
)
async def test_a_malformed_object_marks_the_row_failed(
    stripe: RecordingAdapter,
    bus: InMemoryBus,
    messages: StatusSubscription,
    event_type: str,
    payload: Any,
    expected: str,
) -> None:
    evt = event(event_type, payload)
    row_id = await store(evt)
    assert await process_event(row_id, stripe, bus) == EventStatus.FAILED
    row = await WebhookEvent.get(id=row_id)
    assert row.status == "failed"
    assert (
        row.last_error is not None
        and row.last_error.startswith("InvalidStripeObjectError")
        and expected in row.last_error
    )
    assert drain(messages) == []


async def test_a_stripe_refusal_is_permanent(stripe: RecordingAdapter, bus: InMemoryBus) -> None:
    # A refund of a charge Stripe does not know: fetching its parent is refused, which no retry fixes.
    refund = {"object": "refund", "id": f"re_{uuid.uuid4().hex[:10]}", "amount": 1, "status": "succeeded",
              "currency": "usd", "charge": "ch_unknown"}  # fmt: skip
    row_id = await store(event("refund.created", refund))
    assert await process_event(row_id, stripe, bus) == EventStatus.FAILED
    row = await WebhookEvent.get(id=row_id)
    assert row.last_error is not None and row.last_error.startswith("ProviderError: NOT_FOUND")


async def test_mark_failed_records_exhausted_retries_but_never_unprocesses(
    stripe: RecordingAdapter, bus: InMemoryBus
) -> None:
    pending = await store(event("customer.updated", {"object": "customer", "id": "cus_never"}))
    await mark_failed(pending, "TransientEventError: retries exhausted")
    row = await WebhookEvent.get(id=pending)
    assert (row.status, row.last_error) == ("failed", "TransientEventError: retries exhausted")
    ignored = await store(event("balance.available", {"object": "balance"}))
    await process_event(ignored, stripe, bus)
    await mark_failed(ignored, "late")
    assert (await WebhookEvent.get(id=ignored)).status == "ignored"


# --- status messages ----------------------------------------------------------------------------------------


async def test_status_messages_only_on_change_with_the_previous_status(
    stripe: RecordingAdapter, bus: InMemoryBus, messages: StatusSubscription, localstripe: LocalStripe
) -> None:
    intent = new_payment(localstripe.url)
    t = seconds()
    steps = [
        ("payment_intent.created", "requires_payment_method", t),
        ("payment_intent.requires_action", "requires_payment_method", t + 1),  # no change
        ("payment_intent.processing", "processing", t + 2),
        ("payment_intent.succeeded", "succeeded", t + 3),
    ]
    evts = [event(kind, {**intent, "status": status}, created=created) for kind, status, created in steps]
    for evt in evts:
        assert await apply(evt, stripe, bus) == EventStatus.PROCESSED
    published = drain(messages)
    assert [(m.previous_status, m.status, m.event_id) for m in published] == [
        (None, "requires_payment_method", evts[0]["id"]),
        ("requires_payment_method", "processing", evts[2]["id"]),
        ("processing", "succeeded", evts[3]["id"]),
    ]
    row = await Payment.get(stripe_id=intent["id"])
    assert {(m.kind, m.object_id, m.customer_id) for m in published} == {("payment", str(row.id), str(row.customer_id))}
    assert published[-1].occurred_at == from_timestamp(t + 3)


async def test_a_pause_or_resume_is_published_although_the_status_stays(
    stripe: RecordingAdapter, bus: InMemoryBus, messages: StatusSubscription, localstripe: LocalStripe
) -> None:
    sub = new_subscription(localstripe.url)
    t = seconds()
    pause = {"behavior": "void", "resumes_at": None}
    evts = [
        event("customer.subscription.created", sub, created=t),
        event("customer.subscription.updated", {**sub, "pause_collection": pause}, created=t + 1),
        event(
            "customer.subscription.updated", {**sub, "metadata": {"a": "b"}, "pause_collection": pause}, created=t + 2
        ),
        event("customer.subscription.updated", {**sub, "pause_collection": None}, created=t + 3),
    ]
    # Stripe names what changed: the pause, nothing of it (metadata only), the resume.
    evts[1]["data"]["previous_attributes"] = {"pause_collection": None}
    evts[2]["data"]["previous_attributes"] = {"metadata": {}}
    evts[3]["data"]["previous_attributes"] = {"pause_collection": pause}
    for evt in evts:
        assert await apply(evt, stripe, bus) == EventStatus.PROCESSED
    published = drain(messages)
    assert [(m.previous_status, m.status, m.event_id) for m in published] == [
        (None, sub["status"], evts[0]["id"]),
        (sub["status"], sub["status"], evts[1]["id"]),
        (sub["status"], sub["status"], evts[3]["id"]),
    ]
    row = await Subscription.get(stripe_id=sub["id"])
    assert (row.pause_behavior, row.pause_resumes_at) == (None, None)
