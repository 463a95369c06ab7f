"""A minimal HTTP/1.1 server for Stripe doubles: one request per connection, `Connection: close`.

Runs in the test's own event loop on 127.0.0.1 and a free port. A subclass answers each
request in `respond(seen, writer)`: with `write_response`, by waiting, or by closing.
Used by the fault server of `tests/stripe_provider/test_stripe_faults.py` and `HoldingProxy`.
"""

from __future__ import annotations

import asyncio
import contextlib
import http
from dataclasses import dataclass
from typing import Self


@dataclass
class Seen:
    """One request as the server received it (header names lower-cased)."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes


class OneRequestServer:
    """`async with Subclass(...) as server:` … `server.base_url`; `requests` lists what it saw."""

    def __init__(self) -> None:
        self.requests: list[Seen] = []
        self.base_url = ""
        self._tasks: set[asyncio.Task[None]] = set()
        self._server: asyncio.Server | None = None

    async def respond(self, seen: Seen, writer: asyncio.StreamWriter) -> None:
        """Answer one request (returning without writing drops the connection)."""
        raise NotImplementedError

    async def __aenter__(self) -> Self:
        self._server = await asyncio.start_server(self._on_connection, "127.0.0.1", 0)
        self.base_url = f"http://127.0.0.1:{self._server.sockets[0].getsockname()[1]}"
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.close()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await self._server.wait_closed()

    async def _on_connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        try:
            head = await reader.readuntil(b"\r\n\r\n")
            request_line, *header_lines = head.decode("latin-1").split("\r\n")
            method, path, _ = request_line.split(" ", 2)
            headers = {}
            for line in header_lines:
                if line:
                    name, _, value = line.partition(":")
                    headers[name.strip().lower()] = value.strip()
            body = await reader.readexactly(int(headers.get("content-length", "0")))
            seen = Seen(method, path, headers, body)
            self.requests.append(seen)
            await self.respond(seen, writer)
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            self._tasks.discard(task)
            writer.close()


async def write_response(
    writer: asyncio.StreamWriter, status: int, payload: bytes, content_type: str, headers: dict[str, str] | None = None
) -> None:
    """Write one whole HTTP/1.1 response and close the exchange (`Connection: close`)."""
    lines = [
        f"HTTP/1.1 {status} {http.HTTPStatus(status).phrase}",
        f"Content-Type: {content_type}",
        f"Content-Length: {len(payload)}",
        "Connection: close",
        *(f"{name}: {value}" for name, value in (headers or {}).items()),
    ]
    writer.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + payload)
    with contextlib.suppress(ConnectionError):
        await writer.drain()
