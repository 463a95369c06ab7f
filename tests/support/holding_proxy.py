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
import contextlib
import http

import httpx

_HOP_HEADERS = frozenset({"connection", "keep-alive", "transfer-encoding", "content-length", "host"})


class HoldingProxy:
    """`async with HoldingProxy(upstream) as proxy:` … `proxy.url`, `proxy.hold(...)`, `await proxy.held.wait()`."""

    def __init__(self, upstream: str) -> None:
        self.upstream = upstream.rstrip("/")
        self.url = ""
        self.held = asyncio.Event()
        self.seen: list[tuple[str, str]] = []
        """(method, path) of every request, in arrival order."""
        self.kept = 0
        """How many answers are being held."""
        self._rule: tuple[str, str] | None = None
        self._remaining = 0
        self._release = asyncio.Event()
        self._server: asyncio.Server | None = None
        self._client = httpx.AsyncClient(timeout=30.0)
        self._tasks: set[asyncio.Task[None]] = set()

    def hold(self, method: str, path: str, count: int = 1) -> None:
        """Hold the answers of the next `count` requests `method path` (path without the query)."""
        self._rule, self._remaining = (method, path), count

    async def __aenter__(self) -> HoldingProxy:
        self._server = await asyncio.start_server(self._on_connection, "127.0.0.1", 0)
        self.url = f"http://127.0.0.1:{self._server.sockets[0].getsockname()[1]}"
        return self

    async def __aexit__(self, *exc: object) -> None:
        self._release.set()
        assert self._server is not None
        self._server.close()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await self._client.aclose()

    async def _on_connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        try:
            await self._serve_one(reader, writer)
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            self._tasks.discard(task)
            writer.close()

    async def _serve_one(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await reader.readuntil(b"\r\n\r\n")
        request_line, *header_lines = head.decode("latin-1").split("\r\n")
        method, target, _ = request_line.split(" ", 2)
        headers: dict[str, str] = {}
        for line in header_lines:
            if line:
                name, _, value = line.partition(":")
                headers[name.strip()] = value.strip()
        length = int(next((v for k, v in headers.items() if k.lower() == "content-length"), "0"))
        body = await reader.readexactly(length)
        path = target.split("?", 1)[0]
        self.seen.append((method, path))
        upstream = await self._client.request(
            method,
            f"{self.upstream}{target}",
            content=body,
            headers={k: v for k, v in headers.items() if k.lower() not in _HOP_HEADERS},
        )
        if self._rule == (method, path) and self._remaining > 0:
            self._remaining -= 1
            self.kept += 1
            self.held.set()
            await self._release.wait()  # the emulator did it; the caller never hears
            return
        payload = upstream.content
        lines = [
            f"HTTP/1.1 {upstream.status_code} {http.HTTPStatus(upstream.status_code).phrase}",
            f"Content-Type: {upstream.headers.get('content-type', 'application/json')}",
            f"Content-Length: {len(payload)}",
            "Connection: close",
        ]
        writer.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + payload)
        with contextlib.suppress(ConnectionError):
            await writer.drain()
