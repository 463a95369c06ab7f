"""The sandbox's `pause_collection` (sandbox/pause_collection.py): Stripe's shape, its event, its refusals.

The parameter's parsing alone, then a real sandbox process (a fresh emulator, `python -m
sandbox.server`) driven over HTTP, its answers compared with Stripe's own example objects
(tests/fixtures/stripe) and its `customer.subscription.updated` received by a webhook endpoint
registered with it, signed as Stripe signs.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import pytest_asyncio

from sandbox.pause_collection import PauseRequestError, requested_pause
from tests.fixtures import stripe_fixtures
from tests.support.aliases import LocalStripeFactory
from tests.support.localstripe import LocalStripe, create_plan
from tests.support.sandbox_events import EventCollector, collecting_events, sandbox_call, sandbox_ok

SECRET = "whsec_pause_test"
NOW = 1_800_000_000


# --- the parameter -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("", None),
        (None, None),
        ({"behavior": "void"}, {"behavior": "void", "resumes_at": None}),
        (
            {"behavior": "keep_as_draft", "resumes_at": str(NOW + 60)},
            {"behavior": "keep_as_draft", "resumes_at": NOW + 60},
        ),
        ({"behavior": "mark_uncollectible", "resumes_at": ""}, {"behavior": "mark_uncollectible", "resumes_at": None}),
    ],
)
def test_a_pause_is_read_in_stripes_shape(value: Any, expected: dict[str, Any] | None) -> None:
    assert requested_pause(value, now=NOW) == expected


@pytest.mark.parametrize(
    ("value", "param"),
    [
        ("void", "pause_collection"),
        ({}, "pause_collection[behavior]"),
        ({"behavior": "stop"}, "pause_collection[behavior]"),
        ({"behavior": "void", "resumes_at": "soon"}, "pause_collection[resumes_at]"),
        ({"behavior": "void", "resumes_at": str(NOW)}, "pause_collection[resumes_at]"),
        ({"behavior": "void", "until": "1"}, "pause_collection[until]"),
    ],
)
def test_what_stripe_refuses_names_the_parameter(value: Any, param: str) -> None:
    with pytest.raises(PauseRequestError) as refused:
        requested_pause(value, now=NOW)
    assert refused.value.param == param


# --- a real sandbox ----------------------------------------------------------------------------------------


@pytest_asyncio.fixture
async def emulator(localstripe_factory: LocalStripeFactory) -> LocalStripe:
    return localstripe_factory()


@pytest_asyncio.fixture
async def receiver(emulator: LocalStripe) -> AsyncIterator[EventCollector]:
    async with collecting_events(SECRET, emulator) as collector:
        yield collector


async def trialing_subscription(emulator: LocalStripe) -> dict[str, Any]:
    """A subscription with a trial (no charge needed; localstripe leaves it `incomplete`) made at the emulator."""
    customer = await sandbox_ok(emulator, "POST", "/v1/customers", email=f"pause-{uuid.uuid4().hex[:8]}@example.com")
    plan = create_plan(emulator.url)
    return await sandbox_ok(
        emulator,
        "POST",
        "/v1/subscriptions",
        customer=customer["id"],
        **{"items[0][plan]": plan, "trial_period_days": "30"},
    )


def assert_stripes_pause_shape(value: Any) -> None:
    """`pause_collection` as Stripe documents it: null, or exactly Stripe's keys with Stripe's types."""
    example = stripe_fixtures()["subscription"]["pause_collection"]
    if value is None:
        return
    assert set(value) == set(example), value
    assert value["behavior"] in ("keep_as_draft", "mark_uncollectible", "void")
    assert value["resumes_at"] is None or isinstance(value["resumes_at"], int)


async def test_every_subscription_answer_carries_pause_collection_null_by_default(emulator: LocalStripe) -> None:
    created = await trialing_subscription(emulator)
    assert "pause_collection" in stripe_fixtures()["subscription"]
    assert created["pause_collection"] is None
    retrieved = await sandbox_ok(emulator, "GET", f"/v1/subscriptions/{created['id']}")
    assert retrieved["pause_collection"] is None
    listed = await sandbox_ok(emulator, "GET", "/v1/subscriptions", customer=created["customer"])
    assert [s["pause_collection"] for s in listed["data"]] == [None]


async def test_pause_then_resume_keeps_the_value_and_emits_updated_events(
    emulator: LocalStripe, receiver: EventCollector
) -> None:
    subscription = await trialing_subscription(emulator)
    path = f"/v1/subscriptions/{subscription['id']}"
    resumes_at = int(time.time()) + 86_400
    paused = await sandbox_ok(
        emulator,
        "POST",
        path,
        **{"pause_collection[behavior]": "void", "pause_collection[resumes_at]": str(resumes_at)},
    )
    assert paused["pause_collection"] == {"behavior": "void", "resumes_at": resumes_at}
    assert paused["status"] == subscription["status"], "a pause keeps the status, as at Stripe"
    assert_stripes_pause_shape(paused["pause_collection"])
    assert (await sandbox_ok(emulator, "GET", path))["pause_collection"] == paused["pause_collection"]
    listed = await sandbox_ok(emulator, "GET", "/v1/subscriptions", customer=subscription["customer"])
    assert [s["pause_collection"] for s in listed["data"]] == [paused["pause_collection"]]

    (first,) = await receiver.wait_count("customer.subscription.updated", 1)
    example_event = stripe_fixtures()["event"]
    assert set(example_event) <= set(first), set(example_event) - set(first)
    assert first["data"]["object"]["id"] == subscription["id"]
    assert first["data"]["object"]["pause_collection"] == paused["pause_collection"]
    assert first["data"]["previous_attributes"] == {"pause_collection": None}

    # The same pause again changes nothing and emits nothing; an empty value (Stripe's unset) resumes.
    await sandbox_ok(
        emulator,
        "POST",
        path,
        **{"pause_collection[behavior]": "void", "pause_collection[resumes_at]": str(resumes_at)},
    )
    resumed = await sandbox_ok(emulator, "POST", path, pause_collection="")
    assert resumed["pause_collection"] is None
    assert (await sandbox_ok(emulator, "GET", path))["pause_collection"] is None
    events = await receiver.wait_count("customer.subscription.updated", 2)
    assert len(events) == 2, "setting the same pause again emitted an event"
    assert events[1]["data"]["object"]["pause_collection"] is None
    assert events[1]["data"]["previous_attributes"] == {"pause_collection": paused["pause_collection"]}


async def test_other_parameters_go_on_to_localstripe(emulator: LocalStripe) -> None:
    subscription = await trialing_subscription(emulator)
    path = f"/v1/subscriptions/{subscription['id']}"
    both = await sandbox_ok(
        emulator, "POST", path, **{"pause_collection[behavior]": "keep_as_draft", "cancel_at_period_end": "true"}
    )
    assert both["pause_collection"] == {"behavior": "keep_as_draft", "resumes_at": None}
    assert both["cancel_at_period_end"] is True
    # Without pause_collection, localstripe answers as before, and the pause stays.
    alone = await sandbox_ok(emulator, "POST", path, cancel_at_period_end="false")
    assert alone["cancel_at_period_end"] is False
    assert alone["pause_collection"] == both["pause_collection"]


async def test_refusals_are_stripes_400_and_change_nothing(emulator: LocalStripe) -> None:
    subscription = await trialing_subscription(emulator)
    path = f"/v1/subscriptions/{subscription['id']}"
    bad = await sandbox_call(emulator, "POST", path, **{"pause_collection[behavior]": "stop"})
    assert bad.status_code == 400
    assert bad.json()["error"]["type"] == "invalid_request_error"
    assert bad.json()["error"]["param"] == "pause_collection[behavior]"
    past = await sandbox_call(
        emulator, "POST", path, **{"pause_collection[behavior]": "void", "pause_collection[resumes_at]": "1600000000"}
    )
    assert past.status_code == 400
    assert (await sandbox_ok(emulator, "GET", path))["pause_collection"] is None
    missing = await sandbox_call(
        emulator, "POST", "/v1/subscriptions/sub_missing", **{"pause_collection[behavior]": "void"}
    )
    assert missing.status_code == 404
    unauthenticated = httpx.post(f"{emulator.url}{path}", data={"pause_collection": ""}, timeout=10)
    assert unauthenticated.status_code == 401

    await sandbox_ok(emulator, "DELETE", path)
    canceled = await sandbox_call(emulator, "POST", path, **{"pause_collection[behavior]": "void"})
    assert canceled.status_code == 400
    assert "canceled" in canceled.json()["error"]["message"]
