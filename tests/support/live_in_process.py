"""Live (GraphQL subscription) root fields run in-process, with a hub on an in-memory bus: refused, or what they get."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any

from strawberry.types import ExecutionResult

from base.principals import Principal
from base.settings import Settings
from billing.loaders import Loaders
from billing.request_context import Context
from live.bus import InMemoryBus, StatusMessage
from live.hub import LiveHub
from stripe_provider.adapter import StripeAdapter
from tests.support.in_process import SCHEMA

FRAME_WAIT_SECONDS = 1.0
"""How long an accepted subscription is given to answer a published message."""


@asynccontextmanager
async def live_hub() -> AsyncIterator[tuple[InMemoryBus, LiveHub]]:
    """A started hub (the process's active one) on its own in-memory bus."""
    bus = InMemoryBus()
    hub = LiveHub(bus=bus, queue_size=10)
    await hub.start()
    try:
        yield bus, hub
    finally:
        await hub.stop()


async def live_results(
    settings: Settings,
    hub: tuple[InMemoryBus, LiveHub],
    document: str,
    variables: dict[str, Any],
    principal: Principal,
    publish: Sequence[StatusMessage] = (),
) -> list[ExecutionResult]:
    """Subscribe in-process; once subscribed, publish `publish`; every result it gets within `FRAME_WAIT_SECONDS`.

    A refused subscription answers one result with its errors (and is never subscribed).
    """
    bus, live = hub
    stripe = StripeAdapter(settings)
    context = Context(
        principal=principal, settings=settings, stripe=stripe, loaders=Loaders(), request_id=uuid.uuid4().hex
    )
    before = live.subscriber_count
    try:
        result = await SCHEMA.subscribe(document, variable_values=variables, context_value=context)
        if isinstance(result, ExecutionResult):
            return [result]
        got: list[ExecutionResult] = []
        pending = asyncio.ensure_future(anext(result))
        deadline = time.monotonic() + FRAME_WAIT_SECONDS
        while live.subscriber_count == before and not pending.done() and time.monotonic() < deadline:
            await asyncio.sleep(0.01)
        for message in publish:
            await bus.publish(message)
        try:
            while True:
                got.append(await asyncio.wait_for(pending, max(0.01, deadline - time.monotonic())))
                pending = asyncio.ensure_future(anext(result))
        except (TimeoutError, StopAsyncIteration):
            pass
        finally:
            pending.cancel()
            await result.aclose()
        return got
    finally:
        await stripe.aclose()
