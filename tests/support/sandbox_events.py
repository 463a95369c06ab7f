"""The sandbox's signed events, received by a test, and requests to the sandbox (the Stripe emulator).

- `EventCollector(secret)`: the events the sandbox POSTed, each verified with `secret` as Stripe
  signs; waits on them with a deadline (never a fixed sleep).
- `collecting_events(secret, emulator)`: an aiohttp endpoint serving an `EventCollector` on a free
  port, registered with the emulator when one is given (else the test registers `collector.url`).
- `sandbox_call` / `sandbox_ok`: one request to the emulator with its key; `sandbox_ok` asserts 200.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from typing import Any

import httpx
from aiohttp import web

from stripe_provider.signatures import WebhookSignatureError, verify_webhook
from tests.support.localstripe import BASIC_AUTH, LocalStripe

Event = dict[str, Any]


class EventCollector:
    """A webhook endpoint's handler: the verified events in arrival order, and `arrived` notified on each."""

    def __init__(self, secret: str) -> None:
        self.secret = secret
        self.url = ""
        self.events: list[Event] = []
        self.rejected: list[str] = []
        self.arrived = asyncio.Condition()

    async def handle(self, request: web.Request) -> web.Response:
        try:
            event = verify_webhook(await request.read(), request.headers.get("Stripe-Signature"), [self.secret])
        except WebhookSignatureError as exc:
            # Kept so that a wait fails with the reason at once instead of timing out.
            async with self.arrived:
                self.rejected.append(str(exc))
                self.arrived.notify_all()
            return web.Response(status=400, text=str(exc))
        async with self.arrived:
            self.events.append(dict(event))
            self.arrived.notify_all()
        return web.Response(status=200)

    def of(self, event_type: str, object_id: str | None = None) -> list[Event]:
        """The events of `event_type` (about `object_id` when given), in arrival order."""
        return [
            event
            for event in self.events
            if event["type"] == event_type and (object_id is None or event["data"]["object"].get("id") == object_id)
        ]

    async def wait_until(self, condition: Callable[[list[Event]], bool], timeout: float = 10) -> None:
        """Until `condition(events)` holds; `TimeoutError` after `timeout` seconds."""

        def met() -> bool:
            assert not self.rejected, f"deliveries refused: {self.rejected}"
            return condition(self.events)

        async with self.arrived:
            await asyncio.wait_for(self.arrived.wait_for(met), timeout)

    async def wait_for(self, event_type: str, object_id: str, count: int = 1, timeout: float = 10) -> Event:
        """The `count`-th event of `event_type` about `object_id`, waiting up to `timeout` seconds for it."""
        await self.wait_until(lambda _: len(self.of(event_type, object_id)) >= count, timeout)
        return self.of(event_type, object_id)[count - 1]

    async def wait_count(self, event_type: str, count: int, timeout: float = 10) -> list[Event]:
        """Every event of `event_type` once there are at least `count` (about any object)."""
        await self.wait_until(lambda _: len(self.of(event_type)) >= count, timeout)
        return self.of(event_type)


@asynccontextmanager
async def collecting_events(
    secret: str, emulator: LocalStripe | None = None, webhook_id: str | None = None
) -> AsyncIterator[EventCollector]:
    """An `EventCollector` served at `collector.url` (POST), registered with `emulator` if given; stopped on exit."""
    collector = EventCollector(secret)
    app = web.Application()
    app.router.add_post("/hook", collector.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    try:
        await web.TCPSite(runner, "127.0.0.1", 0).start()
        collector.url = f"http://127.0.0.1:{runner.addresses[0][1]}/hook"
        if emulator is not None:
            emulator.register_webhook(webhook_id or f"wh_{uuid.uuid4().hex[:8]}", collector.url, secret)
        yield collector
    finally:
        await runner.cleanup()


async def sandbox_call(
    at: LocalStripe | str, method: str, path: str, data: Mapping[str, Any] | None = None, /, **fields: Any
) -> httpx.Response:
    """`method path` at the emulator (or its URL) with its key; `data` and `fields` are a GET's query, else the form."""
    url = at if isinstance(at, str) else at.url
    values = {**(data or {}), **fields}
    async with httpx.AsyncClient(auth=BASIC_AUTH, timeout=10) as client:
        if method == "GET":
            return await client.get(f"{url}{path}", params=values)
        return await client.request(method, f"{url}{path}", data=values)


async def sandbox_ok(
    at: LocalStripe | str, method: str, path: str, data: Mapping[str, Any] | None = None, /, **fields: Any
) -> dict[str, Any]:
    """`sandbox_call`'s answer's JSON body, asserting it is a 200."""
    answer = await sandbox_call(at, method, path, data, **fields)
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body
