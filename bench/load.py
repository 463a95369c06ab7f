"""The HTTP load generator: an asyncio (uvloop) client meant to run in its own process, on its own core.

Run as `python -m bench.load` with a `LoadSpec` as JSON on stdin. It prints `WINDOW_START`
when the measured window opens, `WINDOW_END` when it closes (the runner reads the server's
CPU and memory between the two), then one line `RESULT <json>` (a `LoadOutcome`).

Why a hand-written client: wrk is not installed, locust costs far more CPU per request
than the servers under test, and aiohttp/httpx spend most of a request in their own
Python code. Here each keep-alive connection is an `asyncio.Protocol` that writes
pre-encoded HTTP/1.1 bytes and parses only the status line and the body length, so one
core drives well over 10,000 requests/s, beyond what the servers measured here answer.

Two modes:

- `closed`: `connections` keep-alive connections, each sending its next request as soon
  as the previous answer arrives (throughput at saturation). Latency is send → last byte.
- `open`: requests are scheduled at `rate` per second whatever the server does, sent on
  the first idle connection of `connections`; when none is idle they queue. Latency runs
  from the *scheduled* send time, so a stalled server shows up in the percentiles instead
  of silently slowing the client down (no coordinated omission).

Requests come from `requests` (round robin over pre-encoded bytes) or from a `factory`:
`"package.module:function"`, called once as `function(**factory_args)`, returning a
callable `make(i) -> HttpRequest` invoked for every request (e.g. to sign a webhook body
or to give each mutation its own idempotency key).
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import json
import os
import resource
import sys
import time
from collections import deque
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any, Literal
from urllib.parse import urlsplit

MAX_ERROR_SAMPLES = 5
_now = time.perf_counter
"""Every timestamp: uvloop's `loop.time()` has millisecond resolution, too coarse for latencies."""


@dataclass
class HttpRequest:
    """One HTTP/1.1 request; `body` is sent as is, `Content-Length` is added."""

    method: str = "GET"
    path: str = "/"
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    kind: str = ""
    """What the request is, for per-kind latencies in a mixed load (never sent)."""

    def encode(self, host: str) -> bytes:
        """The request's bytes on the wire (keep-alive)."""
        lines = [f"{self.method} {self.path} HTTP/1.1", f"Host: {host}"]
        lines += [f"{name}: {value}" for name, value in self.headers.items()]
        if self.body or self.method in ("POST", "PUT", "PATCH"):
            lines.append(f"Content-Length: {len(self.body)}")
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + self.body

    def to_json(self) -> dict[str, Any]:
        """A JSON-able form (the body as UTF-8 text)."""
        return {
            "method": self.method,
            "path": self.path,
            "headers": self.headers,
            "body": self.body.decode(),
            "kind": self.kind,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> HttpRequest:
        """The inverse of `to_json`."""
        return cls(data["method"], data["path"], dict(data["headers"]), data["body"].encode(), data.get("kind", ""))


@dataclass
class LoadSpec:
    """What one load run sends, how, and for how long."""

    url: str
    requests: list[HttpRequest] = field(default_factory=list)
    factory: str | None = None
    factory_args: dict[str, Any] = field(default_factory=dict)
    mode: Literal["closed", "open"] = "closed"
    connections: int = 16
    rate: float | None = None
    """Requests per second in `open` mode."""
    duration: float = 5.0
    warmup: float = 1.0
    timeout: float = 10.0
    """How long, after the window closes, answers to requests sent inside it are awaited."""
    expect_status: int = 200
    reject_substring: str | None = '"errors"'
    """An answer whose body contains this counts as an error (GraphQL errors come with HTTP 200)."""
    reject_also: list[str] = field(default_factory=list)
    """More such substrings (e.g. a mutation's non-empty `userErrors`)."""

    def to_json(self) -> str:
        """The spec as the JSON the load process reads on stdin."""
        data = asdict(self)
        data["requests"] = [request.to_json() for request in self.requests]
        return json.dumps(data)

    @classmethod
    def from_json(cls, text: str) -> LoadSpec:
        """The inverse of `to_json`."""
        data = json.loads(text)
        data["requests"] = [HttpRequest.from_json(item) for item in data["requests"]]
        return cls(**data)


@dataclass
class LoadOutcome:
    """What one load run measured inside its window."""

    completed: int
    """Answers received in the window (closed) / to requests scheduled in the window (open)."""
    errors: int
    window_seconds: float
    latencies_ms: list[float]
    client_cpu_seconds: float
    """CPU the load process used in the window: near `window_seconds` means the client was the limit."""
    unfinished: int = 0
    error_samples: list[str] = field(default_factory=list)
    latencies_by_kind: dict[str, list[float]] = field(default_factory=dict)
    """`latencies_ms` split by `HttpRequest.kind` (empty when no request names its kind)."""
    errors_by_kind: dict[str, int] = field(default_factory=dict)


class _Conn(asyncio.Protocol):
    """One keep-alive connection: writes a request, parses the answer, reports it to its generator."""

    def __init__(self, generator: _Generator) -> None:
        self.generator = generator
        self.transport: asyncio.Transport | None = None
        self.buffer = bytearray()
        self.started = 0.0
        self.kind = ""
        self.busy = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def connection_lost(self, exc: Exception | None) -> None:
        if self.busy:
            self.busy = False
            self.generator.on_error(self, f"connection lost: {exc!r}")
        self.generator.replace(self)

    def send(self, request: tuple[bytes, str], started: float) -> None:
        assert self.transport is not None
        data, self.kind = request
        self.started = started
        self.busy = True
        self.transport.write(data)

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while self.busy:
            parsed = _parse_response(self.buffer)
            if parsed is None:
                return
            status, body, consumed = parsed
            del self.buffer[:consumed]
            self.busy = False
            self.generator.on_response(self, status, body)


def _parse_response(buffer: bytearray) -> tuple[int, bytes, int] | None:
    """(status, body, bytes consumed) of the first complete response in `buffer`, or None."""
    head_end = buffer.find(b"\r\n\r\n")
    if head_end < 0:
        return None
    head = bytes(buffer[:head_end]).lower()
    status = int(head[9:12])
    start = head_end + 4
    marker = head.find(b"\r\ncontent-length:")
    if marker >= 0:
        line_end = head.find(b"\r\n", marker + 2)
        length = int(head[marker + 17 : line_end if line_end >= 0 else len(head)])
        if len(buffer) < start + length:
            return None
        return status, bytes(buffer[start : start + length]), start + length
    if b"\r\ntransfer-encoding: chunked" in head:
        return _parse_chunked(buffer, status, start)
    return status, b"", start


def _parse_chunked(buffer: bytearray, status: int, start: int) -> tuple[int, bytes, int] | None:
    body = bytearray()
    pos = start
    while True:
        line_end = buffer.find(b"\r\n", pos)
        if line_end < 0:
            return None
        size = int(bytes(buffer[pos:line_end]).split(b";")[0], 16)
        if size == 0:
            # No trailers are sent by the servers here: the last chunk is followed by one CRLF.
            if len(buffer) < line_end + 4:
                return None
            return status, bytes(body), line_end + 4
        chunk_start = line_end + 2
        if len(buffer) < chunk_start + size + 2:
            return None
        body += buffer[chunk_start : chunk_start + size]
        pos = chunk_start + size + 2


class _Generator:
    """Drives every connection of one run and records what lands in the window."""

    def __init__(self, spec: LoadSpec) -> None:
        self.spec = spec
        parts = urlsplit(spec.url)
        self.host = parts.hostname or "127.0.0.1"
        self.port = parts.port or 80
        self.host_header = f"{self.host}:{self.port}"
        self.encoded = [(request.encode(self.host_header), request.kind) for request in spec.requests]
        self.rejects = [text.encode() for text in ([spec.reject_substring] if spec.reject_substring else [])]
        self.rejects += [text.encode() for text in spec.reject_also]
        self.make: Callable[[int], HttpRequest] | None = None
        if spec.factory is not None:
            module_name, _, function_name = spec.factory.partition(":")
            self.make = getattr(importlib.import_module(module_name), function_name)(**spec.factory_args)
        if not self.encoded and self.make is None:
            raise ValueError("a LoadSpec needs `requests` or a `factory`")
        self.loop = asyncio.get_running_loop()
        self.index = 0
        self.running = True
        self.window_start = 0.0
        self.window_end = 0.0
        self.latencies: list[float] = []
        self.completed = 0
        self.errors = 0
        self.error_samples: list[str] = []
        self.by_kind: dict[str, list[float]] = {}
        self.errors_by_kind: dict[str, int] = {}
        self.pending: deque[float] = deque()
        """Open mode: scheduled send times waiting for an idle connection."""
        self.idle: list[_Conn] = []
        self.in_window_outstanding = 0
        self.conns: set[_Conn] = set()
        self.tasks: set[asyncio.Task[None]] = set()

    def next_request(self) -> tuple[bytes, str]:
        i = self.index
        self.index += 1
        if self.make is not None:
            request = self.make(i)
            return request.encode(self.host_header), request.kind
        return self.encoded[i % len(self.encoded)]

    def in_window(self, t: float) -> bool:
        return self.window_start <= t < self.window_end

    def record(self, ok: bool, started: float, finished: float, reason: str, kind: str = "") -> None:
        counted = self.in_window(started if self.spec.mode == "open" else finished)
        if self.spec.mode == "open" and self.in_window(started):
            self.in_window_outstanding -= 1
        if not counted:
            return
        if ok:
            self.completed += 1
            latency = (finished - started) * 1000.0
            self.latencies.append(latency)
            if kind:
                self.by_kind.setdefault(kind, []).append(latency)
        else:
            self.errors += 1
            if kind:
                self.errors_by_kind[kind] = self.errors_by_kind.get(kind, 0) + 1
            if len(self.error_samples) < MAX_ERROR_SAMPLES:
                self.error_samples.append(f"{kind}: {reason}" if kind else reason)

    def on_response(self, conn: _Conn, status: int, body: bytes) -> None:
        now = _now()
        ok = status == self.spec.expect_status
        reason = f"HTTP {status}: {body[:300]!r}"
        if ok and any(text in body for text in self.rejects):
            ok = False
        self.record(ok, conn.started, now, reason, conn.kind)
        self.after(conn)

    def on_error(self, conn: _Conn, reason: str) -> None:
        if self.running:  # connections closed by the run's own end are no error
            self.record(False, conn.started, _now(), reason, conn.kind)

    def after(self, conn: _Conn) -> None:
        """A connection is free again: closed loop sends at once; open loop takes the oldest queued request."""
        if not self.running:
            return
        if self.spec.mode == "closed":
            conn.send(self.next_request(), _now())
        elif self.pending:
            conn.send(self.next_request(), self.pending.popleft())
        else:
            self.idle.append(conn)

    def replace(self, conn: _Conn) -> None:
        """A connection closed (by the server, or an error): open another one in its place."""
        self.conns.discard(conn)
        with contextlib.suppress(ValueError):
            self.idle.remove(conn)
        if self.running:
            task = self.loop.create_task(self._reopen())
            self.tasks.add(task)
            task.add_done_callback(self.tasks.discard)

    async def _reopen(self) -> None:
        try:
            conn = await _connect(self)
        except OSError as exc:
            self.errors += 1
            if len(self.error_samples) < MAX_ERROR_SAMPLES:
                self.error_samples.append(f"reconnect failed: {exc!r}")
            return
        self.after(conn)

    def dispatch(self, scheduled: float) -> None:
        """Open loop: send a request scheduled at `scheduled` now, or queue it."""
        if self.in_window(scheduled):
            self.in_window_outstanding += 1
        if self.idle:
            self.idle.pop().send(self.next_request(), scheduled)
        else:
            self.pending.append(scheduled)


async def _connect(generator: _Generator) -> _Conn:
    _, conn = await generator.loop.create_connection(lambda: _Conn(generator), generator.host, generator.port)
    generator.conns.add(conn)
    return conn


async def run(spec: LoadSpec, announce: Callable[[str], None] = lambda line: None) -> LoadOutcome:
    """Run one load test; `announce("WINDOW_START" / "WINDOW_END")` marks the measured window."""
    generator = _Generator(spec)
    conns = [await _connect(generator) for _ in range(spec.connections)]
    loop = generator.loop
    begin = _now()
    generator.window_start = begin + spec.warmup
    generator.window_end = generator.window_start + spec.duration
    cpu: dict[str, float] = {}

    def open_window() -> None:
        cpu["start"] = _cpu_seconds()
        announce("WINDOW_START")

    loop.call_later(spec.warmup, open_window)
    if spec.mode == "closed":
        for conn in conns:
            conn.send(generator.next_request(), _now())
        # The loop's timers have millisecond resolution: never close the window early.
        while (left := generator.window_end - _now()) > 0:  # noqa: ASYNC110 - a deadline, not an event
            await asyncio.sleep(left)
    else:
        if not spec.rate or spec.rate <= 0:
            raise ValueError("open mode needs a positive `rate`")
        generator.idle = list(conns)
        interval = 1.0 / spec.rate
        sent = 0
        while True:
            now = _now()
            # Every request whose time has come goes out now (the sleep below may oversleep).
            while begin + sent * interval <= now and begin + sent * interval < generator.window_end:
                generator.dispatch(begin + sent * interval)
                sent += 1
            next_at = begin + sent * interval
            if next_at >= generator.window_end:
                break
            await asyncio.sleep(max(0.0, next_at - _now()))
    cpu["end"] = _cpu_seconds()
    announce("WINDOW_END")
    unfinished = 0
    if spec.mode == "open":
        # Answers to requests scheduled inside the window still count; latencies are stamped on arrival.
        deadline = _now() + spec.timeout
        while generator.in_window_outstanding > 0 and _now() < deadline:  # noqa: ASYNC110 - polling a counter
            await asyncio.sleep(0.005)
        unfinished = generator.in_window_outstanding
    generator.running = False
    for conn in list(generator.conns):
        if conn.transport is not None:
            conn.transport.close()
    return LoadOutcome(
        completed=generator.completed,
        errors=generator.errors + unfinished,
        window_seconds=spec.duration,
        latencies_ms=list(generator.latencies),
        client_cpu_seconds=cpu.get("end", 0.0) - cpu.get("start", 0.0),
        unfinished=unfinished,
        error_samples=list(generator.error_samples),
        latencies_by_kind=generator.by_kind,
        errors_by_kind=generator.errors_by_kind,
    )


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _announce(line: str) -> None:
    # The event loop may leave stdout non-blocking: a RESULT line over the 64 KiB pipe buffer
    # would then be cut off mid-line while the harness is busy (seen in benchmark 4).
    os.set_blocking(sys.stdout.fileno(), True)
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def main() -> None:
    """`python -m bench.load < spec.json`: run, print the window markers and `RESULT <json>`."""
    spec = LoadSpec.from_json(sys.stdin.read())

    async def go() -> LoadOutcome:
        return await run(spec, _announce)

    try:
        import uvloop
    except ImportError:  # pragma: no cover - uvicorn[standard] brings uvloop
        outcome = asyncio.run(go())
    else:
        outcome = uvloop.run(go())
    latencies = [round(value, 4) for value in outcome.latencies_ms]
    by_kind = {kind: [round(value, 4) for value in values] for kind, values in outcome.latencies_by_kind.items()}
    _announce("RESULT " + json.dumps({**asdict(outcome), "latencies_ms": latencies, "latencies_by_kind": by_kind}))


if __name__ == "__main__":
    main()
