"""The NATS stream sink through the real system (issue 16, acceptance 7).

A gateway and a `billing-gateway worker` with `EVENT_SINK_URL` set: a createPayment, a refund and
other changes reach a JetStream consumer in outbox order, each once, with `Nats-Msg-Id` = the event
id. A worker SIGKILLed and restarted with its position behind what the stream acknowledged (the
state a kill between a PubAck and the position's commit leaves) publishes those events again, and
the stream's dedupe keeps each id once; so does a worker SIGKILLed for real while it publishes a
backlog. Embedded `serve` runs the sink too.
"""

from __future__ import annotations

import asyncio
import signal
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import asyncpg
import pytest_asyncio

from tests.support.aliases import PgDatabaseFactory
from tests.support.gateway import GatewayFactory, GatewayProcess, cli_path, gateway_env, migrate
from tests.support.graphql import GraphQLClient
from tests.support.localstripe import LocalStripe
from tests.support.nats import Received, SinkStream, require_nats
from tests.support.operations import (
    REFUND_PAYMENT,
    UPDATE_CUSTOMER,
    create_customer,
    create_payment,
    customer_with_card,
    new_key,
    payload_of,
)
from tests.support.outbox import outbox_rows, webhook_applied
from tests.support.poll import wait_until
from tests.support.process import ManagedProcess

CATCH_UP_SECONDS = 30.0
DUPLICATES_LOGGED = "events published again, dropped by the stream as duplicates"


@pytest_asyncio.fixture
async def stream() -> AsyncIterator[SinkStream]:
    await require_nats()
    made = SinkStream()
    yield made
    await made.delete()


async def caught_up(stream: SinkStream, database_url: str) -> tuple[list[Received], list[dict[str, Any]]]:
    """Poll until the stream holds exactly the outbox's event ids in sequence order; (messages, outbox rows)."""
    deadline = time.monotonic() + CATCH_UP_SECONDS
    while True:
        rows = await outbox_rows(database_url)
        received = await stream.messages()
        if [message.msg_id for message in received] == [str(row["id"]) for row in rows]:
            return received, rows
        assert time.monotonic() < deadline, (
            f"stream {[m.body['type'] for m in received]} != outbox {[row['type'] for row in rows]}"
        )
        await asyncio.sleep(0.2)


def check(received: list[Received], rows: list[dict[str, Any]], prefix: str) -> None:
    ids = [message.msg_id for message in received]
    assert len(ids) == len(set(ids)), "an event id reached the consumer twice"
    for message, row in zip(received, rows, strict=True):
        body = message.body
        assert (body["id"], body["type"], body["sequence"]) == (str(row["id"]), row["type"], row["sequence"])
        assert body["object"]["id"] == row["object_id"] and body["data"] == row["data"]
        assert message.subject == f"{prefix}.{row['type']}"


async def position_of(database_url: str, stream: SinkStream) -> int | None:
    conn = await asyncpg.connect(database_url)
    try:
        value: int | None = await conn.fetchval(
            "SELECT sequence FROM event_sink_positions WHERE name = $1", f"nats:{stream.stream}"
        )
        return value
    finally:
        await conn.close()


async def rewind(database_url: str, stream: SinkStream, sequence: int) -> None:
    conn = await asyncpg.connect(database_url)
    try:
        await conn.execute(
            "UPDATE event_sink_positions SET sequence = $1 WHERE name = $2", sequence, f"nats:{stream.stream}"
        )
    finally:
        await conn.close()


async def test_the_sink_gets_every_event_in_order_once_across_a_killed_worker(
    gateway_factory: GatewayFactory, localstripe: LocalStripe, redis_url: str, stream: SinkStream, test_logs: Path
) -> None:
    gateway = await gateway_factory(localstripe=localstripe, redis_url=redis_url, **stream.env())
    worker = ManagedProcess(
        [str(cli_path()), "worker", "--threads", "2"],
        env=gateway.env,
        log_path=test_logs / f"sink-worker-{gateway.port}.log",
        cwd=gateway.workdir,
    )
    worker.spawn()
    try:
        token = gateway.create_api_key("read,write", "event-sink")
        async with GraphQLClient(gateway.url, token=token) as graphql:
            customer, method = await customer_with_card(graphql, localstripe.url)
            payment = await create_payment(graphql, customer["id"], 4321)
            await webhook_applied(gateway.database_url, "payment_intent.succeeded", payment["stripeId"])
            received, rows = await caught_up(stream, gateway.database_url)
            check(received, rows, stream.prefix)
            types = {(message.body["type"], message.body["object"]["id"]) for message in received}
            assert ("payment.succeeded", payment["id"]) in types
            assert ("customer.created", customer["id"]) in types
            assert ("payment_method.attached", method["id"]) in types
            succeeded = next(m for m in received if m.body["type"] == "payment.succeeded")
            assert succeeded.body["data"]["amount"] == 4321 and succeeded.body["data"]["status"] == "SUCCEEDED"
            assert await position_of(gateway.database_url, stream) == rows[-1]["sequence"]

            # The worker dies; its position is left behind what the stream acknowledged.
            assert worker.proc is not None
            worker._signal(signal.SIGKILL)
            await asyncio.to_thread(worker.proc.wait, 10)
            await rewind(gateway.database_url, stream, rows[-3]["sequence"])
            body = await graphql.execute(
                REFUND_PAYMENT, {"key": new_key(), "input": {"paymentId": payment["id"], "amount": 321}}
            )
            refund = payload_of(body, "refundPayment")["refund"]
            body = await graphql.execute(
                UPDATE_CUSTOMER, {"key": new_key(), "input": {"id": customer["id"], "name": "Renamed"}}
            )
            assert payload_of(body, "updateCustomer")["userErrors"] == []
            other = await create_customer(graphql)
            worker.spawn()

            received, rows = await caught_up(stream, gateway.database_url)
            check(received, rows, stream.prefix)
            types = {(message.body["type"], message.body["object"]["id"]) for message in received}
            assert {("refund.created", refund["id"]), ("customer.updated", customer["id"])} <= types
            assert ("customer.created", other["id"]) in types
            # Per object, the consumer sees the outbox's order too.
            mine = [m.body["type"] for m in received if m.body["object"]["id"] == customer["id"]]
            assert mine.index("customer.created") < mine.index("customer.updated")
            # The round logs its duplicates after its last PubAck, which the stream shows first.
            await wait_until(lambda: DUPLICATES_LOGGED in worker.log_text(), "the round's duplicates logged")
    finally:
        worker.stop()
    log = worker.log_text()
    assert "event sink publishing to stream" in log
    assert f"2 {DUPLICATES_LOGGED}" in log  # the two after rows[-3]


async def test_embedded_serve_runs_the_sink(
    gateway_factory: GatewayFactory, localstripe: LocalStripe, stream: SinkStream
) -> None:
    gateway: GatewayProcess = await gateway_factory(localstripe=localstripe, **stream.env())
    token = gateway.create_api_key("read,write", "event-sink-embedded")
    async with GraphQLClient(gateway.url, token=token) as graphql:
        customer, _ = await customer_with_card(graphql, localstripe.url)
        payment = await create_payment(graphql, customer["id"], 1500)
    received, rows = await caught_up(stream, gateway.database_url)
    check(received, rows, stream.prefix)
    assert ("payment.succeeded", payment["id"]) in {(m.body["type"], m.body["object"]["id"]) for m in received}


BACKLOG = 3000


async def test_a_worker_killed_while_publishing_a_backlog_leaves_no_duplicate_after_dedupe(
    pg_database_factory: PgDatabaseFactory, redis_url: str, stream: SinkStream, test_logs: Path
) -> None:
    database_url = await pg_database_factory("sink_kill")
    # One round takes the whole backlog: its position commits only at its end, so a kill before the
    # last PubAck is always mid-round (with small rounds a busy machine could kill between two).
    env = gateway_env(database_url, redis_url=redis_url, **stream.env(), event_sink_batch_size=str(BACKLOG))
    await asyncio.to_thread(migrate, database_url, env=env, log_path=test_logs / "sink-kill-cli.log")
    conn = await asyncpg.connect(database_url)
    try:  # a backlog of well-formed events (the sink publishes what the outbox holds)
        await conn.execute(
            "INSERT INTO outbox_events "
            "(id, type, occurred_at, object_kind, object_id, customer_id, data, schema_version) "
            "SELECT gen_random_uuid(), 'customer.updated', now(), 'customer', 'Q3VzdG9tZXI6' || n, NULL, "
            "jsonb_build_object('n', n), 1 FROM generate_series(1, $1) AS n",
            BACKLOG,
        )
    finally:
        await conn.close()
    workdir = test_logs / f"sink-kill-{stream.stream}.cwd"
    workdir.mkdir(parents=True, exist_ok=True)
    worker = ManagedProcess(
        [str(cli_path()), "worker", "--threads", "1"], env=env, log_path=workdir / "worker.log", cwd=workdir
    )
    worker.spawn()
    try:
        deadline = time.monotonic() + CATCH_UP_SECONDS
        while (count := await stream.count()) == 0:
            assert time.monotonic() < deadline, "the worker published nothing"
            await asyncio.sleep(0.01)
        worker._signal(signal.SIGKILL)  # mid-publish: the round's position is not committed
        assert worker.proc is not None
        await asyncio.to_thread(worker.proc.wait, 10)
        killed_at = await stream.count()
        assert count <= killed_at < BACKLOG, f"the backlog was done before the kill ({killed_at})"
        worker.spawn()
        received, rows = await caught_up(stream, database_url)
        await wait_until(lambda: DUPLICATES_LOGGED in worker.log_text(), "the round's duplicates logged")
    finally:
        worker.stop()
    assert len(rows) == BACKLOG
    assert len({message.msg_id for message in received}) == BACKLOG  # every id once after dedupe, in order
