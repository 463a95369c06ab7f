"""A real HTTP receiver for outgoing webhooks (aiohttp on a free port): records every request, can answer 503."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes
    answered: int

    @property
    def envelope(self) -> dict[str, Any]:
        value: dict[str, Any] = json.loads(self.body)
        return value

    @property
    def webhook_id(self) -> str:
        return self.headers["webhook-id"]


@dataclass
class Receiver:
    """`async with Receiver() as r:` serves on 127.0.0.1:<free port>; `r.down = True` answers 503."""

    down: bool = False
    requests: list[Received] = field(default_factory=list)
    url: str = ""
    _runner: web.AppRunner | None = None

    async def _handle(self, request: web.Request) -> web.Response:
        body = await request.read()
        status = 503 if self.down else 200
        headers = {key.lower(): value for key, value in request.headers.items()}
        self.requests.append(Received(headers, body, status))
        return web.Response(status=status, text="down for maintenance" if self.down else "ok")

    async def open(self, port: int = 0) -> None:
        """Listen (again) on `port` (0: a free one)."""
        app = web.Application()
        app.router.add_post("/hook", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", port, reuse_address=True)
        await site.start()
        port = self._runner.addresses[0][1]
        self.url = f"http://127.0.0.1:{port}/hook"

    async def close(self) -> None:
        """Stop listening: connections are refused until `open(port)`."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    @property
    def port(self) -> int:
        return int(self.url.rsplit(":", 1)[1].split("/", 1)[0])

    async def __aenter__(self) -> Receiver:
        await self.open()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    def accepted(self) -> list[Received]:
        return [item for item in self.requests if item.answered == 200]

    async def wait_for(self, predicate: Any, timeout: float = 30.0, what: str = "requests") -> None:
        """Poll until `predicate(self)` holds (a deadline, never a fixed sleep)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not predicate(self):
            if loop.time() > deadline:
                raise AssertionError(
                    f"timed out waiting for {what}; got {[r.headers.get('webhook-id') for r in self.requests]}"
                )
            await asyncio.sleep(0.05)
