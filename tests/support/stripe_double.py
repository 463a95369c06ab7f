"""A fake Stripe API at the HTTP layer: scripted replies and what the adapter sent."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator, Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any, TypeVar

from base.settings import Settings
from stripe_provider.adapter import StripeAdapter
from tests.support.http_server import OneRequestServer, Seen, write_response

API_KEY = "sk_test_faultsecret123"


T = TypeVar("T")


@dataclass
class Reply:
    status: int
    body: object = field(default_factory=dict)  # JSON-encoded unless bytes
    headers: dict[str, str] = field(default_factory=dict)


class Hang:
    """Read the request, never answer."""


class Drop:
    """Read the request, close the connection without a word."""


Action = Reply | Hang | Drop


Behaviour = Callable[[int, Seen], Action]  # (0-based request number, request) -> what to do


class FaultServer(OneRequestServer):
    """Plays Stripe: each request gets what `behaviour` says."""

    def __init__(self, behaviour: Behaviour) -> None:
        super().__init__()
        self.behaviour = behaviour

    async def respond(self, seen: Seen, writer: asyncio.StreamWriter) -> None:
        action = self.behaviour(len(self.requests) - 1, seen)
        if isinstance(action, Hang):
            await asyncio.Event().wait()  # until the test tears the server down
        if isinstance(action, Drop):
            return
        assert isinstance(action, Reply)
        payload = action.body if isinstance(action.body, bytes) else json.dumps(action.body).encode()
        content_type = "text/html" if isinstance(action.body, bytes) else "application/json"
        await write_response(writer, action.status, payload, content_type, action.headers)


@contextlib.asynccontextmanager
async def stripe_double(behaviour: Behaviour, **settings: Any) -> AsyncIterator[tuple[FaultServer, StripeAdapter]]:
    """The fault server and an adapter pointed at it, both closed afterwards."""
    async with FaultServer(behaviour) as server:
        values: dict[str, Any] = {
            "stripe_api_key": API_KEY,
            "stripe_api_base": server.base_url,
            "stripe_timeout_seconds": 5.0,
            "stripe_max_retries": 2,
        }
        values.update(settings)
        adapter = StripeAdapter(Settings(_env_file=None, **values))  # type: ignore[call-arg]
        try:
            yield server, adapter
        finally:
            await adapter.aclose()


def run(main: Callable[[], Coroutine[Any, Any, T]]) -> T:
    return asyncio.run(main())
