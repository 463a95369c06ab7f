"""Lean asyncio clients for the load side: a WebSocket client protocol and a keep-alive HTTP/1.1 poster.

A full client library (websockets, httpx) spends tens of microseconds of Python per
frame or request and one task per socket; with 1,000 sockets in one load process that
cost lands in the measured time to the last frame. These protocols parse frames inside
`data_received` and stamp each read with one `time.perf_counter()` call, so what is
measured is the server, not the client.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import os
import struct
import time
from collections.abc import Callable
from typing import Any, Final, cast
from urllib.parse import urlsplit

__all__ = [
    "GRAPHQL_TRANSPORT_WS",
    "HttpConnection",
    "HttpPool",
    "WsClient",
    "connect_ws",
    "split_url",
]

GRAPHQL_TRANSPORT_WS: Final = "graphql-transport-ws"

_OP_CONT: Final = 0x0
_OP_TEXT: Final = 0x1
_OP_BINARY: Final = 0x2
_OP_CLOSE: Final = 0x8
_OP_PING: Final = 0x9
_OP_PONG: Final = 0xA

OnMessage = Callable[["WsClient", bytes, float], None]
"""`on_message(client, payload, received_at)`: one text/binary message, stamped with `time.perf_counter()`."""


def split_url(url: str) -> tuple[str, int, str]:
    """(host, port, path with query) of an http(s)/ws(s) URL."""
    parts = urlsplit(url)
    host = parts.hostname or "127.0.0.1"
    port = parts.port or (443 if parts.scheme in ("https", "wss") else 80)
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    return host, port, path


def _mask(payload: bytes, key: bytes) -> bytes:
    """RFC 6455 client masking; one big-int XOR instead of a Python loop per byte."""
    n = len(payload)
    if n == 0:
        return b""
    repeated = (key * (n // 4 + 1))[:n]
    return (int.from_bytes(payload, "big") ^ int.from_bytes(repeated, "big")).to_bytes(n, "big")


def _frame(opcode: int, payload: bytes) -> bytes:
    """One final, masked client frame."""
    key = os.urandom(4)
    n = len(payload)
    if n < 126:
        header = struct.pack("!BB", 0x80 | opcode, 0x80 | n)
    elif n < 65536:
        header = struct.pack("!BBH", 0x80 | opcode, 0x80 | 126, n)
    else:
        header = struct.pack("!BBQ", 0x80 | opcode, 0x80 | 127, n)
    return header + key + _mask(payload, key)


class WsClient(asyncio.Protocol):
    """One WebSocket client connection; messages go to `on_message`, pings are answered at once."""

    def __init__(self, host: str, port: int, path: str, subprotocol: str | None, on_message: OnMessage) -> None:
        self._request = self._handshake(host, port, path, subprotocol)
        self.on_message = on_message
        self.transport: asyncio.Transport | None = None
        self.upgraded: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.closed: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._buffer = bytearray()
        self._is_upgraded = False
        self._fragments: list[bytes] = []
        self.inbox: asyncio.Queue[bytes] | None = None
        """When set, messages are also put here (handshake phases read replies from it)."""
        self.state: Any = None
        """Free for the caller (e.g. the round a subscriber last saw)."""

    @staticmethod
    def _handshake(host: str, port: int, path: str, subprotocol: str | None) -> bytes:
        key = base64.b64encode(os.urandom(16)).decode()
        lines = [
            f"GET {path} HTTP/1.1",
            f"Host: {host}:{port}",
            "Upgrade: websocket",
            "Connection: Upgrade",
            f"Sec-WebSocket-Key: {key}",
            "Sec-WebSocket-Version: 13",
        ]
        if subprotocol:
            lines.append(f"Sec-WebSocket-Protocol: {subprotocol}")
        return ("\r\n".join(lines) + "\r\n\r\n").encode()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's transports are not asyncio.Transport subclasses, but have its interface.
        self.transport = cast("asyncio.Transport", transport)
        self.transport.write(self._request)

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.upgraded.done():
            self.upgraded.set_exception(ConnectionError(f"closed before the upgrade: {exc!r}"))
        if not self.closed.done():
            self.closed.set_result(None)

    def data_received(self, data: bytes) -> None:
        received_at = time.perf_counter()
        self._buffer += data
        if not self._is_upgraded:
            end = self._buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            head = bytes(self._buffer[:end])
            del self._buffer[: end + 4]
            if not head.startswith((b"HTTP/1.1 101", b"HTTP/1.0 101")):
                self.upgraded.set_exception(ConnectionError(head.split(b"\r\n", 1)[0].decode(errors="replace")))
                if self.transport is not None:
                    self.transport.close()
                return
            self._is_upgraded = True
            self.upgraded.set_result(None)
        self._parse(received_at)

    def _parse(self, received_at: float) -> None:
        buf = self._buffer
        while True:
            if len(buf) < 2:
                return
            b0, b1 = buf[0], buf[1]
            length = b1 & 0x7F
            offset = 2
            if length == 126:
                if len(buf) < 4:
                    return
                length = struct.unpack_from("!H", buf, 2)[0]
                offset = 4
            elif length == 127:
                if len(buf) < 10:
                    return
                length = struct.unpack_from("!Q", buf, 2)[0]
                offset = 10
            masked = b1 & 0x80
            if masked:
                offset += 4
            if len(buf) < offset + length:
                return
            payload = bytes(buf[offset : offset + length])
            if masked:
                payload = _mask(payload, bytes(buf[offset - 4 : offset]))
            del buf[: offset + length]
            self._frame(b0 & 0x80 != 0, b0 & 0x0F, payload, received_at)

    def _frame(self, fin: bool, opcode: int, payload: bytes, received_at: float) -> None:
        if opcode == _OP_PING:
            self._write(_OP_PONG, payload)
            return
        if opcode == _OP_PONG:
            return
        if opcode == _OP_CLOSE:
            self._write(_OP_CLOSE, payload[:2])
            if self.transport is not None:
                self.transport.close()
            return
        if opcode in (_OP_TEXT, _OP_BINARY, _OP_CONT):
            self._fragments.append(payload)
            if not fin:
                return
            message = b"".join(self._fragments) if len(self._fragments) > 1 else self._fragments[0]
            self._fragments = []
            if self.inbox is not None:
                self.inbox.put_nowait(message)
            self.on_message(self, message, received_at)

    def _write(self, opcode: int, payload: bytes) -> None:
        if self.transport is not None and not self.transport.is_closing():
            self.transport.write(_frame(opcode, payload))

    def send_text(self, text: str) -> None:
        """Send one text message (buffered by the transport, never waits)."""
        self._write(_OP_TEXT, text.encode())

    def send_json(self, message: dict[str, Any]) -> None:
        """Send one JSON object as a text message."""
        self.send_text(json.dumps(message, separators=(",", ":")))

    async def next_message(self) -> bytes:
        """The next message from `inbox` (set `inbox` first; bound the wait with `asyncio.timeout`)."""
        assert self.inbox is not None
        return await self.inbox.get()

    def close(self) -> None:
        """Send a close frame and drop the connection."""
        with contextlib.suppress(Exception):
            self._write(_OP_CLOSE, struct.pack("!H", 1000))
        if self.transport is not None:
            self.transport.close()


def _ignore(_client: WsClient, _payload: bytes, _at: float) -> None:
    return None


async def connect_ws(url: str, *, subprotocol: str | None = None, on_message: OnMessage = _ignore) -> WsClient:
    """Open a WebSocket to `url` (ws://) and wait for the 101 (bound the wait with `asyncio.timeout`)."""
    host, port, path = split_url(url)
    loop = asyncio.get_running_loop()
    _, protocol = await loop.create_connection(lambda: WsClient(host, port, path, subprotocol, on_message), host, port)
    await protocol.upgraded
    return protocol


class HttpConnection(asyncio.Protocol):
    """One keep-alive HTTP/1.1 connection that sends one request at a time and reads `Content-Length` answers."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self._buffer = bytearray()
        self._waiter: asyncio.Future[tuple[int, bytes, float]] | None = None
        self._head: tuple[int, int] | None = None
        self.lost = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast("asyncio.Transport", transport)

    def connection_lost(self, exc: Exception | None) -> None:
        self.lost = True
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_exception(ConnectionError(f"connection lost: {exc!r}"))

    def data_received(self, data: bytes) -> None:
        received_at = time.perf_counter()
        self._buffer += data
        if self._head is None:
            end = self._buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            head = bytes(self._buffer[:end]).decode("latin-1")
            del self._buffer[: end + 4]
            status = int(head.split(" ", 2)[1])
            length = 0
            for line in head.split("\r\n")[1:]:
                name, _, value = line.partition(":")
                if name.strip().lower() == "content-length":
                    length = int(value.strip())
            self._head = (status, length)
        status, length = self._head
        if len(self._buffer) < length:
            return
        body = bytes(self._buffer[:length])
        del self._buffer[:length]
        self._head = None
        waiter, self._waiter = self._waiter, None
        if waiter is not None and not waiter.done():
            waiter.set_result((status, body, received_at))

    def request(self, raw: bytes) -> asyncio.Future[tuple[int, bytes, float]]:
        """Write one complete request; the future gives (status, body, received_at)."""
        assert self.transport is not None and self._waiter is None
        self._waiter = asyncio.get_running_loop().create_future()
        self.transport.write(raw)
        return self._waiter


class HttpPool:
    """Keep-alive connections to one origin; an open-loop sender takes an idle one or opens another."""

    def __init__(self, url: str) -> None:
        self.host, self.port, _ = split_url(url)
        self._idle: list[HttpConnection] = []
        self.opened = 0

    def build(self, method: str, path: str, body: bytes, headers: dict[str, str]) -> bytes:
        """The raw bytes of one request."""
        lines = [f"{method} {path} HTTP/1.1", f"Host: {self.host}:{self.port}", f"Content-Length: {len(body)}"]
        lines += [f"{name}: {value}" for name, value in headers.items()]
        return ("\r\n".join(lines) + "\r\n\r\n").encode() + body

    async def send(self, raw: bytes) -> tuple[int, bytes, float]:
        """Send one built request on an idle connection (opening one when none is idle)."""
        connection = None
        while self._idle:
            candidate = self._idle.pop()
            if not candidate.lost:
                connection = candidate
                break
        if connection is None:
            _, connection = await asyncio.get_running_loop().create_connection(HttpConnection, self.host, self.port)
            self.opened += 1
        result = await connection.request(raw)
        self._idle.append(connection)
        return result

    def close(self) -> None:
        """Close every idle connection."""
        for connection in self._idle:
            if connection.transport is not None:
                connection.transport.close()
        self._idle.clear()
