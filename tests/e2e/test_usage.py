"""Usage-based billing end to end (issue 15, acceptance 3): usage events through the gateway to the sandbox's meters.

10,000 events are sent twice in shuffled batches of at most 1,000; the gateway is SIGKILLed while one
batch is in flight and that batch is retried (same idempotency key) on the restarted gateway. Then
`Customer.usage` is exact, and the sandbox (`GET /_sandbox/billing/meters/{id}/event_count`, Stripe's
`event_summaries`) holds exactly 10,000 meter events, forwarded by the gateway's worker.

Meters reach the mirror through `billing.meter.*` webhooks; `meters` and `Customer.usage` read the
mirror only (the requests the gateway sends to Stripe are counted by a proxy in front of the sandbox).
"""

from __future__ import annotations

import asyncio
import os
import random
import signal
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import asyncpg  # type: ignore[import-untyped]
import httpx
import pytest

from tests.support.aliases import LocalStripeFactory
from tests.support.gateway import GatewayFactory, GatewayProcess, connect_webhooks
from tests.support.graphql import GraphQLClient
from tests.support.holding_proxy import HoldingProxy
from tests.support.localstripe import LocalStripe, stripe_request
from tests.support.operations import create_customer, create_session, new_key, payload_of
from tests.support.webhook_load import wait_ready, worker_process

EVENTS = 10_000
BATCH = 1_000

RECORD_BATCH = """
mutation($key: String!, $input: RecordUsageBatchInput!) {
  recordUsageBatch(idempotencyKey: $key, input: $input) {
    accepted duplicates duplicateIdentifiers userErrors { code message field }
  }
}"""

RECORD_ONE = """
mutation($key: String!, $input: RecordUsageInput!) {
  recordUsage(idempotencyKey: $key, input: $input) {
    accepted duplicates duplicateIdentifiers userErrors { code message field }
  }
}"""

USAGE = """
query($id: ID!, $meter: String!, $from: DateTime!, $to: DateTime!) {
  customer(id: $id) {
    usage(meter: $meter, from: $from, to: $to) { value eventCount from to meter { stripeId eventName formula } }
  }
}"""

METERS = "{ meters { stripeId displayName eventName formula status } }"


def create_meter(url: str, formula: str = "sum") -> dict[str, Any]:
    return stripe_request(
        url,
        "POST",
        "/v1/billing/meters",
        data={
            "display_name": "API calls",
            "event_name": f"api_calls_{uuid.uuid4().hex[:12]}",
            "default_aggregation[formula]": formula,
        },
    )


async def wait_mirrored(client: GraphQLClient, meter_id: str, timeout: float = 20.0, **expected: str) -> dict[str, Any]:
    """The meter as `meters` lists it once its webhook has reached the mirror (with `expected` fields)."""
    deadline = time.monotonic() + timeout
    while True:
        body = await client.execute(METERS)
        assert "errors" not in body, body
        listed = [item for item in body["data"]["meters"] if item["stripeId"] == meter_id]
        if listed and all(listed[0][name] == value for name, value in expected.items()):
            return listed[0]
        assert time.monotonic() < deadline, f"meter {meter_id} not in the mirror as {expected}: {listed}"
        await asyncio.sleep(0.1)


def sandbox_count(url: str, meter_id: str, customer: str | None = None) -> dict[str, Any]:
    params = {"customer": customer} if customer else None
    return stripe_request(url, "GET", f"/_sandbox/billing/meters/{meter_id}/event_count", params=params)


def batches(events: list[dict[str, Any]], rng: random.Random) -> list[list[dict[str, Any]]]:
    """The events shuffled, cut into batches of 1 to 1,000."""
    shuffled = events[:]
    rng.shuffle(shuffled)
    cut: list[list[dict[str, Any]]] = []
    while shuffled:
        size = rng.randint(600, BATCH)
        cut.append(shuffled[:size])
        shuffled = shuffled[size:]
    return cut


async def send_batch(client: GraphQLClient, key: str, events: list[dict[str, Any]]) -> dict[str, Any]:
    """One batch; an idempotency key still held by a killed process is retried until its lock is stale."""
    deadline = time.monotonic() + 30
    while True:
        body = await client.execute(RECORD_BATCH, {"key": key, "input": {"events": events}})
        payload = payload_of(body, "recordUsageBatch")
        codes = [error["code"] for error in payload["userErrors"]]
        if codes != ["IDEMPOTENCY_KEY_IN_PROGRESS"] or time.monotonic() > deadline:
            assert payload["userErrors"] == [], payload["userErrors"]
            return payload
        await asyncio.sleep(0.2)


def sigkill(gateway: GatewayProcess) -> None:
    """SIGKILL the gateway's process group (no shutdown hook runs) and reap it."""
    proc = gateway.process.proc
    assert proc is not None
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(10)


async def wait_claimed(database_url: str, key: str, timeout: float = 20.0) -> None:
    """Until the gateway has claimed `key` in its ledger: the batch is being recorded (or already is)."""
    connection = await asyncpg.connect(database_url)
    try:
        deadline = time.monotonic() + timeout
        while not await connection.fetchval("SELECT count(*) FROM idempotency_records WHERE key = $1", key):
            assert time.monotonic() < deadline, "the gateway never claimed the batch's key"
            await asyncio.sleep(0.005)
    finally:
        await connection.close()


async def pending_events(database_url: str) -> int:
    connection = await asyncpg.connect(database_url)
    try:
        return int(await connection.fetchval("SELECT count(*) FROM usage_events WHERE forwarded_at IS NULL"))
    finally:
        await connection.close()


@pytest.mark.timeout(240)
async def test_ten_thousand_events_sent_twice_with_a_crash_give_exact_usage_and_meter_events(
    gateway_factory: GatewayFactory, localstripe: LocalStripe
) -> None:
    started = time.monotonic()
    gateway = await gateway_factory(localstripe=localstripe, idempotency_lock_timeout_seconds="2")
    key = gateway.create_api_key("read,write", "usage-e2e")
    meter = create_meter(localstripe.url)
    rng = random.Random(15)
    now = datetime.now(UTC).replace(microsecond=0)
    async with GraphQLClient(gateway.url, token=key, timeout=60) as client:
        customers = [await create_customer(client) for _ in range(3)]
        run = uuid.uuid4().hex[:8]
        events = [
            {
                "customerId": customers[index % 3]["id"],
                "meter": meter["event_name"],
                "value": rng.randint(1, 100),
                "identifier": f"usage-{run}-{index}",
                "timestamp": (now - timedelta(seconds=rng.randint(0, 3600))).isoformat(),
            }
            for index in range(EVENTS)
        ]
        expected = {customer["id"]: 0 for customer in customers}
        for event in events:
            expected[event["customerId"]] += event["value"]

        first_pass = batches(events, rng)
        crashed = len(first_pass) // 2
        accepted = 0
        for index, batch in enumerate(first_pass):
            batch_key = new_key()
            if index == crashed:
                # In flight when the gateway dies: the answer is lost, whether or not the batch was committed.
                async with httpx.AsyncClient(base_url=gateway.url, timeout=30) as raw:
                    request = asyncio.create_task(
                        raw.post(
                            "/graphql",
                            json={"query": RECORD_BATCH, "variables": {"key": batch_key, "input": {"events": batch}}},
                            headers={"Authorization": f"Bearer {key}"},
                        )
                    )
                    await wait_claimed(gateway.database_url, batch_key)
                    sigkill(gateway)
                    with pytest.raises(httpx.TransportError):
                        await request
                await gateway.astart()
            payload = await send_batch(client, batch_key, batch)
            assert payload["accepted"] + payload["duplicates"] == len(batch)
            accepted += payload["accepted"]
        assert accepted == EVENTS, "each event accepted exactly once over the first pass"

        second_pass = batches(events, rng)
        for batch in second_pass:
            payload = await send_batch(client, new_key(), batch)
            assert payload["accepted"] == 0 and payload["duplicates"] == len(batch)
            assert sorted(payload["duplicateIdentifiers"]) == sorted(event["identifier"] for event in batch)

        window = {"meter": meter["event_name"], "from": (now - timedelta(hours=2)).isoformat(), "to": now.isoformat()}
        for customer in customers:
            body = await client.execute(
                USAGE, {"id": customer["id"], **window, "to": (now + timedelta(seconds=1)).isoformat()}
            )
            assert "errors" not in body, body
            usage = body["data"]["customer"]["usage"]
            assert usage["value"] == expected[customer["id"]]
            assert usage["eventCount"] == sum(1 for event in events if event["customerId"] == customer["id"])
            assert usage["meter"] == {"stripeId": meter["id"], "eventName": meter["event_name"], "formula": "SUM"}

    ingested = time.monotonic() - started
    # The worker forwards every event once; the sandbox refuses repeats of an identifier.
    deadline = time.monotonic() + 150
    while (count := sandbox_count(localstripe.url, meter["id"]))["count"] < EVENTS:
        assert time.monotonic() < deadline, f"meter events at the sandbox: {count}"
        await asyncio.sleep(0.5)
    while (pending := await pending_events(gateway.database_url)) > 0:
        assert time.monotonic() < deadline, f"{pending} usage events still pending at the gateway"
        await asyncio.sleep(0.5)
    count = sandbox_count(localstripe.url, meter["id"])
    assert count["count"] == EVENTS and count["identifiers"] == EVENTS
    assert count["aggregated_value"] == sum(expected.values())
    start = (int(now.timestamp()) - 3 * 3600) // 60 * 60
    for customer in customers:
        stripe_id = customer["stripeId"]
        summaries = stripe_request(
            localstripe.url,
            "GET",
            f"/v1/billing/meters/{meter['id']}/event_summaries",
            params={"customer": stripe_id, "start_time": start, "end_time": start + 4 * 3600},
        )
        assert summaries["data"][0]["aggregated_value"] == expected[customer["id"]]
    print(f"usage e2e: ingest {ingested:.1f} s, all {time.monotonic() - started:.1f} s, sandbox {count}")


async def test_usage_inputs_are_checked_and_sessions_record_only_their_own(
    gateway: GatewayProcess, graphql: GraphQLClient, localstripe: LocalStripe
) -> None:
    meter = create_meter(localstripe.url, "count")
    mine, theirs = await create_customer(graphql), await create_customer(graphql)
    listed = await wait_mirrored(graphql, meter["id"])  # its billing.meter.created webhook
    assert listed == {
        "stripeId": meter["id"],
        "displayName": "API calls",
        "eventName": meter["event_name"],
        "formula": "COUNT",
        "status": "ACTIVE",
    }
    run = uuid.uuid4().hex[:8]
    good = {"customerId": mine["id"], "meter": meter["id"], "value": 5, "identifier": f"one-{run}"}
    first = payload_of(await graphql.execute(RECORD_ONE, {"key": new_key(), "input": good}), "recordUsage")
    assert (first["accepted"], first["duplicates"], first["userErrors"]) == (1, 0, [])
    again = payload_of(await graphql.execute(RECORD_ONE, {"key": new_key(), "input": good}), "recordUsage")
    assert (again["accepted"], again["duplicates"], again["duplicateIdentifiers"]) == (0, 1, [f"one-{run}"])

    old = (datetime.now(UTC) - timedelta(days=36)).isoformat()
    ahead = (datetime.now(UTC) + timedelta(minutes=10)).isoformat()
    bad_cases = [
        ([good] * 1001, "VALIDATION_FAILED", ["input", "events"]),
        ([{**good, "value": -1}], "VALIDATION_FAILED", ["input", "events", "0", "value"]),
        ([good, {**good, "timestamp": old}], "VALIDATION_FAILED", ["input", "events", "1", "timestamp"]),
        ([{**good, "timestamp": ahead}], "VALIDATION_FAILED", ["input", "events", "0", "timestamp"]),
        ([{**good, "meter": "no_such_meter"}], "NOT_FOUND", ["input", "events", "0", "meter"]),
        ([{**good, "customerId": theirs["id"][:-2] + "zz"}], "NOT_FOUND", ["input", "events", "0", "customerId"]),
        ([{**good, "identifier": ""}], "VALIDATION_FAILED", ["input", "events", "0", "identifier"]),
    ]
    for events, code, field in bad_cases:
        body = await graphql.execute(RECORD_BATCH, {"key": new_key(), "input": {"events": events}})
        payload = payload_of(body, "recordUsageBatch")
        assert [(error["code"], error["field"]) for error in payload["userErrors"]] == [(code, field)], payload
        assert payload["accepted"] == 0

    session = await create_session(graphql, mine["id"])
    own = {**good, "identifier": f"session-{run}"}
    body = await graphql.execute(RECORD_BATCH, {"key": new_key(), "input": {"events": [own]}}, token=session["token"])
    assert payload_of(body, "recordUsageBatch")["accepted"] == 1
    foreign = {**good, "customerId": theirs["id"], "identifier": f"foreign-{run}"}
    body = await graphql.execute(
        RECORD_BATCH, {"key": new_key(), "input": {"events": [own, foreign]}}, token=session["token"]
    )
    assert [error["extensions"]["code"] for error in body["errors"]] == ["FORBIDDEN"]
    assert body["data"] is None or body["data"]["recordUsageBatch"] is None

    now = datetime.now(UTC)
    window = {"meter": meter["event_name"], "from": (now - timedelta(hours=1)).isoformat()}
    window["to"] = (now + timedelta(minutes=1)).isoformat()
    body = await graphql.execute(USAGE, {"id": mine["id"], **window})
    assert body["data"]["customer"]["usage"]["value"] == 2, body  # a count meter: two events of `mine`
    unknown = await graphql.execute(USAGE, {"id": mine["id"], **window, "meter": "no_such_meter"})
    assert unknown["data"]["customer"]["usage"] is None
    backwards = await graphql.execute(USAGE, {"id": mine["id"], **window, "to": window["from"]})
    assert [error["extensions"]["code"] for error in backwards["errors"]] == ["VALIDATION_FAILED"]

    deadline = time.monotonic() + 30
    while sandbox_count(localstripe.url, meter["id"], mine["stripeId"])["count"] < 2:
        assert time.monotonic() < deadline, "the two events of `mine` did not reach the sandbox"
        await asyncio.sleep(0.2)
    assert sandbox_count(localstripe.url, meter["id"])["count"] == 2


async def test_with_redis_a_worker_process_forwards_the_events(
    gateway_factory: GatewayFactory, localstripe: LocalStripe, redis_url: str, test_logs: Path
) -> None:
    gateway = await gateway_factory(localstripe=localstripe, redis_url=redis_url)
    worker = worker_process(gateway.env, test_logs / f"usage-worker-{gateway.port}.log", threads=2)
    worker.spawn()
    try:
        await wait_ready(worker)
        key = await asyncio.to_thread(gateway.create_api_key, "read,write", "usage-redis")
        meter = create_meter(localstripe.url, "count")
        async with GraphQLClient(gateway.url, token=key) as client:
            customer = await create_customer(client)
            run = uuid.uuid4().hex[:8]
            events = [
                {"customerId": customer["id"], "meter": meter["event_name"], "value": 1, "identifier": f"r-{run}-{i}"}
                for i in range(50)
            ]
            payload = await send_batch(client, new_key(), events)
            assert payload["accepted"] == 50
        deadline = time.monotonic() + 30
        while (count := sandbox_count(localstripe.url, meter["id"]))["count"] < 50:
            assert time.monotonic() < deadline, f"meter events at the sandbox: {count}"
            await asyncio.sleep(0.2)
        assert count["count"] == 50 and count["aggregated_value"] == 50
    finally:
        worker.stop()


def meter_requests(proxy: HoldingProxy, since: int = 0) -> list[str]:
    """The gateway's requests to Stripe's Billing Meters (lists and retrieves) after the first `since` requests."""
    return [
        f"{seen.method} {seen.path}" for seen in proxy.requests[since:] if seen.path.startswith("/v1/billing/meters")
    ]


async def inbox_settled(database_url: str, timeout: float = 20.0) -> None:
    """Until every webhook the gateway stored is applied (none pending or processing)."""
    connection = await asyncpg.connect(database_url)
    try:
        deadline = time.monotonic() + timeout
        while await connection.fetchval(
            "SELECT count(*) FROM webhook_events WHERE status IN ('pending', 'processing')"
        ):
            assert time.monotonic() < deadline, "webhooks still being applied"
            await asyncio.sleep(0.1)
    finally:
        await connection.close()


@pytest.mark.timeout(120)
async def test_meters_are_mirrored_from_webhooks_and_reads_never_ask_stripe(
    gateway_factory: GatewayFactory, localstripe_factory: LocalStripeFactory
) -> None:
    emulator = localstripe_factory()
    async with HoldingProxy(emulator.url) as proxy:  # nothing held: it counts the gateway's Stripe calls
        gateway = await gateway_factory(localstripe=SimpleNamespace(url=proxy.url), register_webhooks=False)  # type: ignore[arg-type]
        connect_webhooks(emulator, gateway)  # events come from the sandbox itself
        key = await asyncio.to_thread(gateway.create_api_key, "read,write", "meters-mirror")
        async with GraphQLClient(gateway.url, token=key) as client:
            customer = await create_customer(client)
            meter = await asyncio.to_thread(create_meter, emulator.url, "sum")
            start = len(proxy.requests)
            listed = await wait_mirrored(client, meter["id"], formula="SUM", status="ACTIVE")
            assert listed["eventName"] == meter["event_name"] and listed["displayName"] == "API calls"
            assert meter_requests(proxy, start) == [], "`meters` asked Stripe"

            # Renamed and deactivated at Stripe: the mirror follows its billing.meter.updated / .deactivated.
            path = f"/v1/billing/meters/{meter['id']}"
            await asyncio.to_thread(stripe_request, emulator.url, "POST", path, data={"display_name": "Calls"})
            await wait_mirrored(client, meter["id"], displayName="Calls")
            await asyncio.to_thread(stripe_request, emulator.url, "POST", f"{path}/deactivate")
            await wait_mirrored(client, meter["id"], status="INACTIVE")
            await asyncio.to_thread(stripe_request, emulator.url, "POST", f"{path}/reactivate")
            await wait_mirrored(client, meter["id"], status="ACTIVE")
            inactive = await client.execute("{ meters(status: INACTIVE) { stripeId } }")
            assert meter["id"] not in [item["stripeId"] for item in inactive["data"]["meters"]]

            # Once every webhook is applied, reads make no Stripe call at all, a junk meter name included.
            await inbox_settled(gateway.database_url)
            quiet = len(proxy.requests)
            now = datetime.now(UTC)
            window = {"id": customer["id"], "from": (now - timedelta(hours=1)).isoformat(), "to": now.isoformat()}
            for name in ("no_such_meter", f"mtr_{uuid.uuid4().hex[:24]}", meter["event_name"], "no_such_meter"):
                body = await client.execute(USAGE, {**window, "meter": name})
                assert "errors" not in body, body
                usage = body["data"]["customer"]["usage"]
                assert (usage is None) == (name != meter["event_name"]), (name, usage)
            assert (await client.execute(METERS))["data"]["meters"][0]["stripeId"] == meter["id"]
            assert [f"{seen.method} {seen.path}" for seen in proxy.requests[quiet:]] == []

            # Recording usage with a name the mirror lacks may sync from Stripe (a webhook may lag): one list.
            before = len(proxy.requests)
            event = {"customerId": customer["id"], "meter": "no_such_meter", "value": 1, "identifier": uuid.uuid4().hex}
            body = await client.execute(RECORD_BATCH, {"key": new_key(), "input": {"events": [event, event]}})
            assert [error["code"] for error in payload_of(body, "recordUsageBatch")["userErrors"]] == ["NOT_FOUND"]
            assert meter_requests(proxy, before) == ["GET /v1/billing/meters?limit=100"]
