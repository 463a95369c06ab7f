"""The sandbox's Billing Meters: Stripe's documented meter, meter event and summary shapes, and its refusals.

`tests/fixtures/stripe/fixtures.json` (Stripe's own fixtures) holds a `billing.meter_event`: a meter
event answered by the sandbox has exactly its fields. It holds no meter and no summary: those are
checked against the fields stripe-python's generated classes declare (`stripe.billing.Meter`,
`stripe.billing.MeterEventSummary`), which come from Stripe's OpenAPI spec.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from pathlib import Path
from typing import Any

import httpx

from sandbox import billing_meters
from stripe_provider.adapter import STRIPE_API_VERSION
from tests.support.aliases import LocalStripeFactory
from tests.support.localstripe import BASIC_AUTH, LocalStripe, stripe_request
from tests.support.sandbox_events import collecting_events

FIXTURES = Path(__file__).parents[1] / "fixtures" / "stripe" / "fixtures.json"

DOCUMENTED_METER = {
    "id",
    "object",
    "created",
    "customer_mapping",
    "default_aggregation",
    "display_name",
    "event_name",
    "event_time_window",
    "livemode",
    "status",
    "status_transitions",
    "updated",
    "value_settings",
}
DOCUMENTED_SUMMARY = {"id", "object", "aggregated_value", "end_time", "livemode", "meter", "start_time"}


def _meter(url: str, formula: str = "sum") -> dict[str, Any]:
    return stripe_request(
        url,
        "POST",
        "/v1/billing/meters",
        data={
            "display_name": "API calls",
            "event_name": f"api_calls_{uuid.uuid4().hex[:10]}",
            "default_aggregation[formula]": formula,
        },
    )


def _event(url: str, data: dict[str, Any]) -> httpx.Response:
    return httpx.post(f"{url}/v1/billing/meter_events", data=data, auth=BASIC_AUTH, timeout=10)


def test_declared_fields_match_stripe_python() -> None:
    import stripe

    assert set(stripe.billing.Meter.__annotations__) >= DOCUMENTED_METER
    assert set(stripe.billing.MeterEventSummary.__annotations__) >= DOCUMENTED_SUMMARY


def test_a_new_meter_has_stripes_documented_shape() -> None:
    meter = billing_meters.new_meter(
        {"display_name": "Calls", "event_name": "calls", "default_aggregation": {"formula": "count"}}, now=1000
    )
    assert set(meter) == DOCUMENTED_METER
    assert meter["id"].startswith("mtr_") and meter["object"] == "billing.meter"
    assert meter["customer_mapping"] == {"event_payload_key": "stripe_customer_id", "type": "by_id"}
    assert meter["value_settings"] == {"event_payload_key": "value"}
    assert meter["status"] == "active" and meter["status_transitions"] == {"deactivated_at": None}


def test_meters_are_created_listed_and_retrieved(localstripe: LocalStripe) -> None:
    meter = _meter(localstripe.url)
    assert set(meter) == DOCUMENTED_METER and meter["default_aggregation"] == {"formula": "sum"}
    assert stripe_request(localstripe.url, "GET", f"/v1/billing/meters/{meter['id']}") == meter
    listed = stripe_request(localstripe.url, "GET", "/v1/billing/meters", params={"limit": 100})
    assert listed["object"] == "list" and meter["id"] in [m["id"] for m in listed["data"]]
    same_name = httpx.post(
        f"{localstripe.url}/v1/billing/meters",
        data={"display_name": "x", "event_name": meter["event_name"], "default_aggregation[formula]": "sum"},
        auth=BASIC_AUTH,
    )
    assert same_name.status_code == 400
    missing = httpx.get(f"{localstripe.url}/v1/billing/meters/mtr_nothere", auth=BASIC_AUTH)
    assert missing.status_code == 404


def test_meter_events_have_the_fixture_shape_and_are_summarised(localstripe: LocalStripe) -> None:
    url = localstripe.url
    fixture = json.loads(FIXTURES.read_text())["resources"]["billing.meter_event"]
    meter = _meter(url)
    customer = stripe_request(url, "POST", "/v1/customers", data={"email": "meters@example.com"})["id"]
    now = int(time.time())
    for value, identifier in ((25, "a"), (17, "b")):
        answer = _event(
            url,
            {
                "event_name": meter["event_name"],
                "payload[stripe_customer_id]": customer,
                "payload[value]": str(value),
                "identifier": f"{meter['id']}-{identifier}",
                "timestamp": str(now - 120),
            },
        )
        assert answer.status_code == 200, answer.text
        event = answer.json()
        assert set(event) == set(fixture)
        assert event["object"] == "billing.meter_event" and event["payload"]["value"] == str(value)
    start = (now - 3600) // 60 * 60
    summaries = stripe_request(
        url,
        "GET",
        f"/v1/billing/meters/{meter['id']}/event_summaries",
        params={"customer": customer, "start_time": start, "end_time": start + 7200},
    )
    (summary,) = summaries["data"]
    assert set(summary) == DOCUMENTED_SUMMARY and summary["object"] == "billing.meter_event_summary"
    assert summary["aggregated_value"] == 42 and summary["meter"] == meter["id"]
    count = stripe_request(url, "GET", f"/_sandbox/billing/meters/{meter['id']}/event_count")
    assert count["count"] == 2 and count["aggregated_value"] == 42
    unaligned = httpx.get(
        f"{url}/v1/billing/meters/{meter['id']}/event_summaries",
        params={"customer": customer, "start_time": start + 1, "end_time": start + 7200},
        auth=BASIC_AUTH,
    )
    assert unaligned.status_code == 400


def test_a_repeated_identifier_is_refused_as_stripe_does(localstripe: LocalStripe) -> None:
    url = localstripe.url
    meter = _meter(url)
    customer = stripe_request(url, "POST", "/v1/customers", data={"email": "dup@example.com"})["id"]
    data = {
        "event_name": meter["event_name"],
        "payload[stripe_customer_id]": customer,
        "payload[value]": "3",
        "identifier": f"dup-{uuid.uuid4().hex}",
    }
    assert _event(url, data).status_code == 200
    again = _event(url, {**data, "payload[value]": "4"})
    assert again.status_code == 400
    error = again.json()["error"]
    assert error["type"] == "invalid_request_error"
    assert error["code"] == billing_meters.DUPLICATE_CODE
    assert error["message"] == f"An event already exists with identifier {data['identifier']}."
    count = stripe_request(url, "GET", f"/_sandbox/billing/meters/{meter['id']}/event_count")
    assert count == {**count, "count": 1, "aggregated_value": 3, "refused_repeats": 1}


def test_bad_meter_events_are_refused_with_stripes_codes(localstripe: LocalStripe) -> None:
    url = localstripe.url
    meter = _meter(url)
    customer = stripe_request(url, "POST", "/v1/customers", data={"email": "bad@example.com"})["id"]
    good = {"event_name": meter["event_name"], "payload[stripe_customer_id]": customer, "payload[value]": "1"}
    now = int(time.time())
    cases = {
        "no_meter": {**good, "event_name": "no_such_meter_event"},
        "meter_event_customer_not_found": {**good, "payload[stripe_customer_id]": "cus_nothere"},
        "meter_event_no_customer_defined": {"event_name": meter["event_name"], "payload[value]": "1"},
        "meter_event_value_not_found": {"event_name": meter["event_name"], "payload[stripe_customer_id]": customer},
        "meter_event_invalid_value": {**good, "payload[value]": "-2"},
        "timestamp_too_far_in_past": {**good, "timestamp": str(now - 36 * 86_400)},
        "timestamp_in_future": {**good, "timestamp": str(now + 600)},
    }
    for code, data in cases.items():
        answer = _event(url, data)
        assert answer.status_code == 400, (code, answer.text)
        assert answer.json()["error"]["code"] == code
    count = stripe_request(url, "GET", f"/_sandbox/billing/meters/{meter['id']}/event_count")
    assert count["count"] == 0


METER_EVENT_TYPES = (
    "billing.meter.created",
    "billing.meter.updated",
    "billing.meter.deactivated",
    "billing.meter.reactivated",
)
SECRET = "whsec_meters_test"


def test_the_meter_event_types_are_stripe_pythons() -> None:
    import stripe

    declared = set(stripe.Event.__annotations__["type"].__args__)
    assert set(METER_EVENT_TYPES) <= declared


async def test_meter_changes_are_emitted_as_stripe_sends_them(localstripe_factory: LocalStripeFactory) -> None:
    """Created, renamed, deactivated, reactivated: one signed snapshot event each, the meter after the change."""
    emulator = localstripe_factory()
    async with collecting_events(SECRET, emulator, "wh_meters") as got:
        events = got.events

        async def next_event(event_type: str) -> dict[str, Any]:
            return (await got.wait_count(event_type, 1))[0]

        def post(path: str, **data: str) -> dict[str, Any]:
            return stripe_request(emulator.url, "POST", path, data=data)

        meter = await asyncio.to_thread(_meter, emulator.url, "count")
        created = await next_event("billing.meter.created")
        assert created["data"]["object"] == meter and created["api_version"] == STRIPE_API_VERSION
        assert set(created) >= {"id", "object", "api_version", "created", "data", "livemode", "type"}

        path = f"/v1/billing/meters/{meter['id']}"
        renamed = await asyncio.to_thread(post, path, display_name="Calls made")
        assert renamed["display_name"] == "Calls made"
        updated = await next_event("billing.meter.updated")
        assert updated["data"]["object"]["display_name"] == "Calls made"
        assert updated["data"]["previous_attributes"]["display_name"] == "API calls"

        inactive = await asyncio.to_thread(post, f"{path}/deactivate")
        assert inactive["status"] == "inactive" and inactive["status_transitions"]["deactivated_at"] is not None
        deactivated = await next_event("billing.meter.deactivated")
        assert deactivated["data"]["object"]["status"] == "inactive"
        assert set(deactivated["data"]["object"]) == DOCUMENTED_METER

        taken = await asyncio.to_thread(
            httpx.post,
            f"{emulator.url}/v1/billing/meters",
            data={"display_name": "x", "event_name": meter["event_name"], "default_aggregation[formula]": "sum"},
            auth=BASIC_AUTH,
        )
        assert taken.status_code == 200  # the event name is free while its meter is inactive
        refused = await asyncio.to_thread(httpx.post, f"{emulator.url}{path}/reactivate", auth=BASIC_AUTH)
        assert refused.status_code == 400, refused.text  # another active meter has the event name now
        await asyncio.to_thread(post, f"/v1/billing/meters/{taken.json()['id']}/deactivate")

        active = await asyncio.to_thread(post, f"{path}/reactivate")
        assert active["status"] == "active" and active["status_transitions"] == {"deactivated_at": None}
        reactivated = await next_event("billing.meter.reactivated")
        assert reactivated["data"]["object"]["id"] == meter["id"]
        assert reactivated["data"]["object"]["status"] == "active"
        assert [event["type"] for event in events if event["data"]["object"]["id"] == meter["id"]] == list(
            METER_EVENT_TYPES
        )
        unknown = await asyncio.to_thread(
            httpx.post, f"{emulator.url}{path}", data={"event_name": "other"}, auth=BASIC_AUTH
        )
        assert unknown.status_code == 400  # the event name never changes
