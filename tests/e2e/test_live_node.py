"""Issue 5, acceptance 1 with the `graphql-ws` npm client (the one browsers use), driven by Node.

`tests/node/subscribe.mjs` subscribes to `paymentStatusChanged(customerId)` through the real
gateway and prints each `next` payload as a JSON line; it exits 0 after the first SUCCEEDED.
Needs `node` (>= 20) and npm: the `node` fixture runs `npm ci --prefix tests/node` when the packages
of `tests/node/package-lock.json` are missing or stale. Without Node.js this test fails; it never skips.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from typing import Any

import pytest

from tests.support.gateway import GatewayProcess
from tests.support.graphql import GraphQLClient
from tests.support.live import wait_subscribed, ws_url
from tests.support.localstripe import LocalStripe
from tests.support.node import NODE_DIR, NodeUnavailableError, ensure_node_packages
from tests.support.operations import CREATE_PAYMENT, customer_with_card, new_key, payload_of
from tests.support.process import REPO_ROOT

SCRIPT = NODE_DIR / "subscribe.mjs"


@pytest.fixture(scope="session")
def node() -> str:
    """`node`, with tests/node's npm packages installed (`npm ci` when missing or stale); fails, never skips."""
    try:
        return ensure_node_packages()
    except NodeUnavailableError as exc:
        pytest.fail(str(exc), pytrace=False)


class NodeSubscriber:
    """`node subscribe.mjs` as an asyncio subprocess; keeps every stdout line it has read."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process
        self.lines: list[str] = []

    async def read_until(self, predicate: Any, timeout: float) -> dict[str, Any]:
        """The first JSON line satisfying `predicate`; fails on EOF or timeout, quoting the output."""
        assert self.process.stdout is not None
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                await self.fail(f"timed out after {timeout} s")
            try:
                raw = await asyncio.wait_for(self.process.stdout.readline(), remaining)
            except TimeoutError:
                await self.fail(f"timed out after {timeout} s")
            if not raw:
                await self.fail("node exited first")
            line = raw.decode().rstrip("\n")
            self.lines.append(line)
            message: dict[str, Any] = json.loads(line)
            if predicate(message):
                return message

    async def wait(self, timeout: float) -> int:
        try:
            return await asyncio.wait_for(self.process.wait(), timeout)
        except TimeoutError:
            await self.fail(f"node still running after {timeout} s")
            raise  # unreachable

    async def stderr_text(self) -> str:
        if self.process.returncode is None:
            return "(still running)"
        assert self.process.stderr is not None
        return (await self.process.stderr.read()).decode(errors="replace")

    async def fail(self, why: str) -> None:
        stdout = "\n".join(self.lines)
        stderr = await self.stderr_text()
        pytest.fail(
            f"subscribe.mjs: {why} (exit {self.process.returncode})\n"
            f"--- stdout ---\n{stdout}\n--- stderr ---\n{stderr}",
            pytrace=False,
        )

    async def stop(self) -> None:
        if self.process.returncode is None:
            self.process.kill()
            with contextlib.suppress(Exception):
                await self.process.wait()


async def start_subscriber(node: str, url: str, token: str, customer_id: str) -> NodeSubscriber:
    process = await asyncio.create_subprocess_exec(
        node,
        str(SCRIPT),
        url,
        token,
        customer_id,
        cwd=str(REPO_ROOT),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    return NodeSubscriber(process)


@pytest.mark.timeout(90)
async def test_payment_succeeded_reaches_the_graphql_ws_npm_client(
    node: str, gateway: GatewayProcess, graphql: GraphQLClient, api_key: str, localstripe: LocalStripe
) -> None:
    customer, _ = await customer_with_card(graphql, localstripe.url)
    subscriber = await start_subscriber(node, ws_url(gateway), api_key, customer["id"])
    try:
        await subscriber.read_until(lambda m: m.get("event") == "subscribed", timeout=15)
        await wait_subscribed(gateway)
        body = await graphql.execute(
            CREATE_PAYMENT,
            {"key": new_key(), "input": {"customerId": customer["id"], "amount": 800, "currency": "usd"}},
        )
        payload = payload_of(body, "createPayment")
        assert payload["userErrors"] == [], payload
        payment = payload["payment"]

        def succeeded(message: dict[str, Any]) -> bool:
            if "errors" in message:
                return True  # stop here; asserted below
            event = (message.get("data") or {}).get("paymentStatusChanged") or {}
            return bool(event.get("status") == "SUCCEEDED")

        result = await subscriber.read_until(succeeded, timeout=25)
        assert "errors" not in result, result
        event = result["data"]["paymentStatusChanged"]
        assert event["status"] == "SUCCEEDED", event
        assert event["eventId"].startswith("evt_"), event
        assert event["payment"]["id"] == payment["id"], (event, payment)
        assert event["payment"]["status"] == "SUCCEEDED", event
        returncode = await subscriber.wait(timeout=10)
        if returncode != 0:
            await subscriber.fail("exited non-zero after SUCCEEDED")
    finally:
        await subscriber.stop()
