"""Issue 12, acceptance 4: PostgreSQL stopped for 10 s under mixed load.

The test starts its OWN PostgreSQL (`tests.support.pg_server`: initdb + pg_ctl as the
postgres user, temp dir, spare port; never the shared 5432), its own redis-server, a real
`billing-gateway serve` and a `billing-gateway worker`. Clients keep sending GraphQL
reads (API key: refused at the key lookup; customer session: the resolver meets the
outage), `createCustomer` mutations and signed webhooks while the server is stopped with
a fast shutdown for 10 s and started again. Nothing of the gateway or worker is restarted.

- every answer is JSON: a success, or a 503 problem (`application/problem+json`) with `Retry-After`
  and a typed code (`errors[].extensions.code` `SERVICE_UNAVAILABLE` for `/graphql`, `code`
  `storage_unavailable` from the webhook receiver);
- a WebSocket opened during the outage is closed with 1013 ("try again later"), reason
  `SERVICE_UNAVAILABLE`; one opened after it is acknowledged;
- after the server returns every kind of request succeeds again (pools recover);
- every webhook answered 2xx is applied (inbox `processed`, mirror row) within 10 s of the
  server's return.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import asyncpg  # type: ignore[import-untyped]
import httpx
import pytest
import websockets

from tests.support.gateway import GatewayFactory
from tests.support.pg_server import PgServer
from tests.support.poll import wait_until
from tests.support.process import ManagedProcess
from tests.support.redis_server import RedisServer
from tests.support.webhook_load import customer_created, post_event, wait_ready, worker_process

OUTAGE_SECONDS = 10.0
CLIENTS = 6
KINDS = ("read", "session_read", "mutation", "webhook")
AFTER_RECOVERY = 5
"""Successes of each kind, after its first one, that the load waits for once the database is back."""
READ = "query { customers(first: 5) { edges { node { id email } } } }"
SESSION_READ = "query($id: ID!) { customer(id: $id) { id email } }"
CREATE = """
mutation($key: String!, $email: String!) {
  createCustomer(idempotencyKey: $key, input: {email: $email}) { customer { id } userErrors { code message } }
}
"""
SESSION = """
mutation($key: String!, $id: ID!) {
  createCustomerSession(idempotencyKey: $key, input: {customerId: $id}) { token userErrors { code } }
}
"""


@dataclass
class Answer:
    kind: str
    at: float
    status: int
    outcome: str
    """`ok`, `unavailable` (503 + Retry-After + typed code), or what was wrong."""
    event_id: str | None = None


@dataclass
class Load:
    answers: list[Answer] = field(default_factory=list)
    stop: asyncio.Event = field(default_factory=asyncio.Event)

    def kinds_since(self, at: float, outcome: str) -> set[str]:
        return {a.kind for a in self.answers if a.at > at and a.outcome == outcome}

    def count_since(self, at: float, kind: str, outcome: str) -> int:
        return sum(1 for a in self.answers if a.at > at and a.kind == kind and a.outcome == outcome)


def classify(kind: str, response: httpx.Response) -> str:
    """`ok`, `unavailable`, or a description of an answer the acceptance forbids."""
    content_type = response.headers.get("content-type", "")
    expected = "application/problem+json" if response.status_code == 503 else "application/json"
    if not content_type.startswith(expected):
        return f"not {expected}: {response.status_code} {content_type} {response.text[:120]!r}"
    body = response.json()
    if response.status_code == 503:
        if not response.headers.get("retry-after", "").isdigit():
            return f"503 without Retry-After: {body}"
        if kind == "webhook":
            return "unavailable" if body.get("code") == "storage_unavailable" else f"untyped 503: {body}"
        codes = {(e.get("extensions") or {}).get("code") for e in body.get("errors") or []}
        return "unavailable" if codes == {"SERVICE_UNAVAILABLE"} else f"503 with codes {codes}: {body}"
    if response.status_code != 200:
        return f"status {response.status_code}: {body}"
    if kind == "webhook":
        return "ok" if body.get("received") is True else f"webhook answer {body}"
    if body.get("errors"):
        return f"200 with errors {body['errors']}"
    return "ok"


async def client_loop(n: int, gateway_url: str, key: str, session: tuple[str, str], load: Load, run: str) -> None:
    token, customer_id = session
    i = 0
    async with httpx.AsyncClient(base_url=gateway_url, timeout=30) as http:
        while not load.stop.is_set():
            i += 1
            kind = KINDS[(n + i) % len(KINDS)]
            event_id = None
            if kind == "read":
                response = await http.post("/graphql", json={"query": READ}, headers={"Authorization": f"Bearer {key}"})
            elif kind == "session_read":
                response = await http.post(
                    "/graphql",
                    json={"query": SESSION_READ, "variables": {"id": customer_id}},
                    headers={"Authorization": f"Bearer {token}"},
                )
            elif kind == "mutation":
                variables = {"key": f"outage-{run}-{n}-{i}", "email": f"outage-{run}-{n}-{i}@example.com"}
                response = await http.post(
                    "/graphql",
                    json={"query": CREATE, "variables": variables},
                    headers={"Authorization": f"Bearer {key}"},
                )
            else:
                event = customer_created(f"{run}{n}", i)
                event_id = event["id"]
                response = await post_event(http, event)
            load.answers.append(
                Answer(kind, time.monotonic(), response.status_code, classify(kind, response), event_id)
            )
            await asyncio.sleep(0.05)  # the load's pace, not a wait for something


async def ws_close_code(ws_url: str, token: str) -> tuple[str, int | None, str | None]:
    """Open a graphql-transport-ws socket with `token`: `("ack", …)` or `("closed", code, reason)`."""
    async with websockets.connect(ws_url, subprotocols=["graphql-transport-ws"]) as ws:  # type: ignore[list-item]
        await ws.send(json.dumps({"type": "connection_init", "payload": {"authorization": f"Bearer {token}"}}))
        try:
            message = json.loads(await asyncio.wait_for(ws.recv(), 10))
        except websockets.ConnectionClosed:
            return "closed", ws.close_code, ws.close_reason
        return str(message.get("type")), None, None


async def applied(database_url: str, event_ids: list[str]) -> tuple[int, int]:
    """(inbox rows processed, mirror customers) for these customer.created events."""
    conn = await asyncpg.connect(database_url)
    try:
        processed = await conn.fetchval(
            "SELECT count(*) FROM webhook_events WHERE status = 'processed' AND stripe_event_id = ANY($1::text[])",
            event_ids,
        )
        customers = await conn.fetchval(
            "SELECT count(*) FROM customers WHERE stripe_id = ANY($1::text[])",
            ["cus_" + event_id.removeprefix("evt_") for event_id in event_ids],
        )
    finally:
        await conn.close()
    return int(processed), int(customers)


@pytest.mark.timeout(240)
async def test_postgresql_stopped_for_10_s_under_mixed_load(gateway_factory: GatewayFactory, test_logs: Path) -> None:
    pg = PgServer(test_logs)
    redis_server = RedisServer(test_logs)
    worker: ManagedProcess | None = None
    try:
        pg.start()
        database_url = await pg.create_database("outage")
        redis_server.start()
        gateway = await gateway_factory(database_url=database_url, redis_url=redis_server.url, register_webhooks=False)
        worker = worker_process(gateway.env, test_logs / f"outage-worker-{redis_server.port}.log", threads=4)
        worker.spawn()
        await wait_ready(worker)
        key = gateway.create_api_key("read,write", "outage")
        run = uuid.uuid4().hex[:8]
        ws_url = gateway.url.replace("http://", "ws://", 1) + "/graphql"
        async with httpx.AsyncClient(base_url=gateway.url, timeout=30) as http:
            auth = {"Authorization": f"Bearer {key}"}
            made = await http.post(
                "/graphql",
                json={"query": CREATE, "variables": {"key": f"o-{run}", "email": f"o-{run}@example.com"}},
                headers=auth,
            )
            customer_id = made.json()["data"]["createCustomer"]["customer"]["id"]
            minted = await http.post(
                "/graphql", json={"query": SESSION, "variables": {"key": f"s-{run}", "id": customer_id}}, headers=auth
            )
            token = minted.json()["data"]["createCustomerSession"]["token"]

        load = Load()
        clients = [
            asyncio.create_task(client_loop(n, gateway.url, key, (token, customer_id), load, run))
            for n in range(CLIENTS)
        ]
        # Warm: every kind answered with the database up.
        await wait_until(lambda: len(load.kinds_since(0.0, "ok")) == len(KINDS), "every kind answered ok", 30)
        await asyncio.to_thread(pg.stop)
        down_at = time.monotonic()
        await wait_until(lambda: load.kinds_since(down_at, "unavailable"), "the gateway noticed the outage", 10)
        ws_during = await ws_close_code(ws_url, key)
        ws_session_during = await ws_close_code(ws_url, token)
        # The outage's length is the scenario (the acceptance's 10 s), not a wait for something.
        await asyncio.sleep(max(0.0, OUTAGE_SECONDS - (time.monotonic() - down_at)))
        restart_at = time.monotonic()
        await asyncio.to_thread(pg.start)
        up_at = time.monotonic()  # accepting connections (pg_ctl start -w returned)

        # Load goes on until every kind has succeeded again, and then a few times more.
        await wait_until(
            lambda: all(load.count_since(up_at, kind, "ok") > AFTER_RECOVERY for kind in KINDS),
            f"every kind answered ok {AFTER_RECOVERY + 1} times after the database returned",
            30,
        )
        load.stop.set()
        await asyncio.gather(*clients)
        ws_after = await ws_close_code(ws_url, key)

        bad = [a for a in load.answers if a.outcome not in ("ok", "unavailable")]
        assert not bad, Counter((a.kind, a.outcome[:70]) for a in bad)
        during = [a for a in load.answers if down_at + 0.5 < a.at < restart_at]
        by_kind = Counter((a.kind, a.outcome) for a in load.answers)
        print(f"answers: {len(load.answers)}, {dict(by_kind)}; pg_ctl start took {up_at - restart_at:.2f}s")
        print(f"during the outage: {Counter(a.outcome for a in during)}")
        assert during and all(a.outcome == "unavailable" for a in during), Counter(a.outcome for a in during)
        first_ok = {
            kind: min(a.at - up_at for a in load.answers if a.kind == kind and a.at > up_at and a.outcome == "ok")
            for kind in KINDS
        }
        print("first success after the database returned: " + ", ".join(f"{k} {v:.2f}s" for k, v in first_ok.items()))
        # The pools recovered: nothing after the first success of its kind failed again.
        for kind, first in first_ok.items():
            later = [a.outcome for a in load.answers if a.kind == kind and a.at > up_at + first]
            assert set(later) == {"ok"}, (kind, Counter(later))
        assert ws_during == ("closed", 1013, "SERVICE_UNAVAILABLE"), ws_during
        print(f"WebSocket during the outage: {ws_during}; with a session token: {ws_session_during}")
        # A session token is checked without the database (unless revocation asks it): acked, or the same 1013.
        assert ws_session_during in (("connection_ack", None, None), ws_during), ws_session_during
        assert ws_after == ("connection_ack", None, None), ws_after

        accepted = [a.event_id for a in load.answers if a.kind == "webhook" and a.outcome == "ok" and a.event_id]
        while True:
            processed, customers = await applied(database_url, accepted)
            if processed == customers == len(accepted):
                break
            assert time.monotonic() - up_at < 10, (
                f"{len(accepted)} webhooks answered 2xx; {processed} processed, {customers} mirrored "
                f"{time.monotonic() - up_at:.1f}s after the database returned"
            )
            await asyncio.sleep(0.1)
        print(
            f"all {len(accepted)} webhooks answered 2xx applied {time.monotonic() - up_at:.2f}s"
            " after the database returned"
        )
        assert worker.running and gateway.running
    finally:
        if worker is not None:
            worker.stop()
        redis_server.stop()
        await asyncio.to_thread(pg.remove)
