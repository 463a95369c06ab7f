"""An HTTP proxy in front of a Stripe emulator that can HOLD answers: Stripe did the work, the caller never hears.

`HoldingProxy(upstream)` runs in the test's event loop on 127.0.0.1 and a free port. Every
request is forwarded to `upstream` (one request per connection, `Connection: close`).
`hold(method, path, count)` arms it: the next `count` matching requests are forwarded
(so the emulator creates the object) but their answers are kept until the test ends
(`held` is set when the first one is kept). That is a hung Stripe after the fact, or a
gateway killed while Stripe "holds" its call: the faults localstripe cannot produce.
"""

from __future__ import annotations

import asyncio

import httpx

from tests.support.http_server import OneRequestServer, Seen, write_response

_HOP_HEADERS = frozenset({"connection", "keep-alive", "transfer-encoding", "content-length", "host"})


class HoldingProxy(OneRequestServer):
    """`async with HoldingProxy(upstream) as proxy:` … `proxy.url`, `proxy.hold(...)`, `await proxy.held.wait()`."""

    def __init__(self, upstream: str) -> None:
        super().__init__()
        self.upstream = upstream.rstrip("/")
        self.held = asyncio.Event()
        self.kept = 0
        """How many answers are being held."""
        self._rule: tuple[str, str] | None = None
        self._remaining = 0
        self._release = asyncio.Event()
        self._client = httpx.AsyncClient(timeout=30.0)

    @property
    def url(self) -> str:
        """Where the gateway should send its Stripe calls."""
        return self.base_url

    def hold(self, method: str, path: str, count: int = 1) -> None:
        """Hold the answers of the next `count` requests `method path` (path without the query)."""
        self._rule, self._remaining = (method, path), count

    async def __aexit__(self, *exc: object) -> None:
        self._release.set()
        await super().__aexit__(*exc)
        await self._client.aclose()

    async def respond(self, seen: Seen, writer: asyncio.StreamWriter) -> None:
        upstream = await self._client.request(
            seen.method,
            f"{self.upstream}{seen.path}",
            content=seen.body,
            headers={k: v for k, v in seen.headers.items() if k not in _HOP_HEADERS},
        )
        if self._rule == (seen.method, seen.path.split("?", 1)[0]) and self._remaining > 0:
            self._remaining -= 1
            self.kept += 1
            self.held.set()
            await self._release.wait()  # the emulator did it; the caller never hears
            return
        content_type = upstream.headers.get("content-type", "application/json")
        await write_response(writer, upstream.status_code, upstream.content, content_type)
