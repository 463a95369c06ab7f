"""The sandbox's Stripe: localstripe's own aiohttp app behind an `Idempotency-Key` layer that acts as Stripe does.

localstripe ignores idempotency keys, so a retried POST made a second object (issue 12).
`IdempotencyLayer` is an aiohttp middleware put in front of localstripe's own middlewares:

- a POST with `Idempotency-Key` is remembered per API key (the `Authorization` header)
  with a fingerprint of its method, path, query and body;
- the same key and the same request again: the first response is replayed byte for
  byte, with `Idempotent-Replayed: true`, and localstripe does nothing;
- the same key with another request: HTTP 400, Stripe's `idempotency_error` shape;
- the same key while the first request still runs: HTTP 409, `idempotency_key_in_use`;
- a 5xx answer (localstripe crashed) is not remembered, so a retry runs again;
- keys are kept `KEY_TTL_SECONDS` (24 h, Stripe's window), in memory, at most
  `MAX_KEYS` (the oldest go first).

Run as `python -m stripe_provider.sandbox_server --port P [--state-dir D] [--from-scratch]
[--no-idempotency] [--parent PID]` (`stripe_provider.sandbox.StripeSandbox` does);
`--no-idempotency` is bare localstripe, for tests of the gateway's own defence (metadata
tags). Unlike `python -m localstripe` it listens on 127.0.0.1 only, keeps its state in
`--state-dir` (or in memory only) instead of the machine-wide /tmp/localstripe.pickle,
saves it at most every few seconds instead of on every write (`persist_store_in`), and
answers `GET /_sandbox/identity` with the token its starter gave it (`SANDBOX_TOKEN_ENV`),
so `serve` can tell its own child from a stray emulator on the port (docs/sandbox.md).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import ctypes
import errno
import hashlib
import json
import logging
import os
import pickle
import secrets
import signal
import socket
import sys
import threading
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from aiohttp import web
from aiohttp.web_runner import GracefulExit

from base.versions import UnsupportedVersion, require
from stripe_provider.sandbox import ADDRESS_IN_USE_EXIT, IDENTITY_PATH, LISTEN_HOST, SANDBOX_TOKEN_ENV

KEY_TTL_SECONDS: Final = 24 * 3600
MAX_KEYS: Final = 10_000
_REPLAYED_HEADERS: Final = ("Content-Type",)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@dataclass
class _Entry:
    fingerprint: str
    stored_at: float
    status: int | None = None
    body: bytes = b""
    headers: tuple[tuple[str, str], ...] = ()


def _error(status: int, type_: str, message: str, code: str | None = None) -> web.Response:
    error: dict[str, str] = {"type": type_, "message": message}
    if code is not None:
        error["code"] = code
    return web.json_response({"error": error}, status=status)


class IdempotencyLayer:
    """Stripe's idempotency rules for POSTs, as an aiohttp middleware (`layer.middleware`)."""

    def __init__(self, ttl_seconds: float = KEY_TTL_SECONDS, max_keys: int = MAX_KEYS) -> None:
        self._ttl = ttl_seconds
        self._max_keys = max_keys
        self._entries: OrderedDict[tuple[str, str], _Entry] = OrderedDict()

    def _forget_old(self, now: float) -> None:
        while self._entries:
            scope, entry = next(iter(self._entries.items()))
            if entry.stored_at > now - self._ttl and len(self._entries) < self._max_keys:
                return
            del self._entries[scope]

    @web.middleware
    async def middleware(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        key = request.headers.get("Idempotency-Key")
        if request.method != "POST" or not key:
            return await handler(request)
        body = await request.read()  # aiohttp keeps it for localstripe's own read
        scope = (hashlib.sha256(request.headers.get("Authorization", "").encode()).hexdigest(), key)
        fingerprint = hashlib.sha256(b"\n".join([request.method.encode(), request.path_qs.encode(), body])).hexdigest()
        now = time.monotonic()
        self._forget_old(now)
        entry = self._entries.get(scope)
        if entry is not None:
            if entry.fingerprint != fingerprint:
                return _error(
                    400,
                    "idempotency_error",
                    "Keys for idempotent requests can only be used with the same parameters they were first "
                    f"used with. Try using a key other than '{key}' if you meant to execute a different request.",
                )
            if entry.status is None:
                return _error(
                    409,
                    "invalid_request_error",
                    "There is currently another in-progress request using this idempotency key. Try again later.",
                    code="idempotency_key_in_use",
                )
            replay = web.Response(status=entry.status, body=entry.body, headers=dict(entry.headers))
            replay.headers["Idempotency-Key"] = key
            replay.headers["Idempotent-Replayed"] = "true"
            return replay
        entry = self._entries[scope] = _Entry(fingerprint, now)
        try:
            response = await handler(request)
        except BaseException:  # aiohttp's HTTPExceptions (an unknown route) too: not a result
            self._entries.pop(scope, None)
            raise
        if response.status >= 500 or not isinstance(response, web.Response) or not isinstance(response.body, bytes):
            self._entries.pop(scope, None)
            return response
        entry.status = response.status
        entry.body = response.body
        entry.headers = tuple((name, response.headers[name]) for name in _REPLAYED_HEADERS if name in response.headers)
        response.headers["Idempotency-Key"] = key
        return response


# --- localstripe's store on disk: the one place that leans on localstripe's internals ---------

LOCALSTRIPE_VERSIONS: Final = ">=1.15,<1.16"
"""Versions whose `resources.Store` (`try_load_from_disk`, `dump_to_disk`, called on every write) the patch fits."""
STATE_FILE: Final = "localstripe.pickle"
MIN_SAVE_INTERVAL_SECONDS: Final = 1.0
SAVE_BUDGET: Final = 0.1
"""Share of the emulator's time saving may take: after a save of d seconds, the next waits at least d / SAVE_BUDGET."""


class StorePersistence:
    """localstripe's store kept in `path` (None: memory only), saved at most every few seconds and at exit.

    localstripe pickles its whole store to /tmp/localstripe.pickle on every write, often
    several times per request: shared by every localstripe on the machine, and slow once the
    store reaches a few MB. Here a write only marks the store dirty; a periodic task pickles
    it (on the event loop, so the snapshot is consistent) and writes it beside the
    database (in a thread, to a temporary file renamed over the old one, so a crash keeps the
    previous save whole). The interval grows with the pickling time (`SAVE_BUDGET`).
    """

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self.dirty = False
        self.saves = 0
        self.interval = MIN_SAVE_INTERVAL_SECONDS
        self._task: asyncio.Task[None] | None = None

    def mark_dirty(self) -> None:
        self.dirty = True

    def load(self) -> None:
        """Fill the store from `path`, if there is a save."""
        from localstripe.resources import store

        if self.path is None or not self.path.exists():
            return
        with self.path.open("rb") as file:
            saved = pickle.load(file)  # noqa: S301 - our own file, written by this class
        store.clear()
        dict.update(store, saved)  # not Store.__setitem__: loading is no write

    def _snapshot(self) -> bytes:
        from localstripe.resources import store

        self.dirty = False
        started = time.perf_counter()
        data = pickle.dumps(dict(store), protocol=pickle.HIGHEST_PROTOCOL)
        self.interval = max(MIN_SAVE_INTERVAL_SECONDS, (time.perf_counter() - started) / SAVE_BUDGET)
        return data

    def _write(self, data: bytes) -> None:
        assert self.path is not None
        self.path.parent.mkdir(parents=True, exist_ok=True)
        partial = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
        partial.write_bytes(data)
        os.replace(partial, self.path)
        self.saves += 1

    def save_now(self) -> None:
        """Save at once if anything changed (at exit)."""
        if self.path is not None and self.dirty:
            self._write(self._snapshot())

    async def _save_periodically(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            await asyncio.sleep(self.interval)
            if self.dirty:
                await loop.run_in_executor(None, self._write, self._snapshot())

    async def on_startup(self, app: web.Application) -> None:
        if self.path is not None:
            self._task = asyncio.create_task(self._save_periodically())

    async def on_cleanup(self, app: web.Application) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        self.save_now()


def persist_store_in(state_dir: Path | None) -> StorePersistence:
    """Patch localstripe's `Store` so that it saves into `state_dir` (debounced), never /tmp; return the saver.

    Refuses a localstripe version the patch was not written for (its test:
    tests/stripe_provider/test_sandbox_state.py); pyproject.toml bounds the version too.
    """
    from localstripe import resources

    try:
        require("localstripe", LOCALSTRIPE_VERSIONS, by="stripe_provider.sandbox_server.persist_store_in")
    except UnsupportedVersion as exc:
        raise SystemExit(str(exc)) from None
    store_class = getattr(resources, "Store", None)
    if not all(hasattr(store_class, name) for name in ("try_load_from_disk", "dump_to_disk")):
        raise SystemExit(f"stripe_provider.sandbox_server patches localstripe's Store, which {store_class!r} is not")
    persistence = StorePersistence(None if state_dir is None else state_dir / STATE_FILE)

    def try_load_from_disk(self: object) -> None:
        persistence.load()

    def dump_to_disk(self: object) -> None:
        persistence.mark_dirty()

    store_class.try_load_from_disk = try_load_from_disk  # type: ignore[union-attr]
    store_class.dump_to_disk = dump_to_disk  # type: ignore[union-attr]
    return persistence


# ---------------------------------------------------------------------------------------------


def identity_layer(
    token: str, persistence: StorePersistence
) -> Callable[[web.Request, Handler], Awaitable[web.StreamResponse]]:
    """A middleware answering `GET /_sandbox/identity` (before localstripe's auth): `token`, pid, saves so far."""

    @web.middleware
    async def identity(request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.path == IDENTITY_PATH:
            return web.json_response({"token": token, "pid": os.getpid(), "saves": persistence.saves})
        return await handler(request)

    return identity


def _exit_with_parent(parent: int) -> None:
    """Stop when the gateway is gone, even if it was killed (SIGKILL) and could not stop us itself.

    On Linux the kernel signals us the moment the parent dies (PR_SET_PDEATHSIG); elsewhere
    a thread notices within a second.
    """
    if sys.platform == "linux":
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    if os.getppid() != parent:  # it died before the line above took effect
        os.kill(os.getpid(), signal.SIGTERM)

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1.0)
        os.kill(os.getpid(), signal.SIGTERM)

    threading.Thread(target=watch, name="exit-with-parent", daemon=True).start()


def _listen(port: int) -> socket.socket:
    """A socket on 127.0.0.1:`port` (localstripe binds every interface), or exit with `ADDRESS_IN_USE_EXIT`."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    # Lets a restart reuse a port in TIME_WAIT; Linux still refuses a port another socket listens on.
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((LISTEN_HOST, port))
    except OSError as exc:
        sock.close()
        if exc.errno != errno.EADDRINUSE:
            raise
        print(f"sandbox: port {port} on {LISTEN_HOST} is already in use by another process", file=sys.stderr)
        raise SystemExit(ADDRESS_IN_USE_EXIT) from None
    return sock


async def _stop_on_hangup(app: web.Application) -> None:
    """aiohttp stops gracefully (state saved) on SIGINT and SIGTERM; on a closed terminal (SIGHUP) too."""
    asyncio.get_running_loop().add_signal_handler(signal.SIGHUP, _raise_graceful_exit)


def _raise_graceful_exit() -> None:
    raise GracefulExit


def main(argv: list[str] | None = None) -> None:
    """Run localstripe's app on 127.0.0.1, with its store kept in `--state-dir` and the idempotency layer."""
    parser = argparse.ArgumentParser(prog="python -m stripe_provider.sandbox_server")
    parser.add_argument("--port", type=int, default=8420)
    parser.add_argument("--state-dir", type=Path, default=None, help="keep the state here (default: memory only)")
    parser.add_argument("--from-scratch", action="store_true", help="start empty (ignore a saved state)")
    parser.add_argument("--no-idempotency", action="store_true", help="bare localstripe: Idempotency-Key ignored")
    parser.add_argument("--parent", type=int, default=None, help="exit when this process (the gateway) is gone")
    args = parser.parse_args(argv)
    if args.parent is not None:
        _exit_with_parent(args.parent)
    sock = _listen(args.port)

    from localstripe import server  # a development dependency: imported only here

    persistence = persist_store_in(args.state_dir)
    if not args.from_scratch:
        persistence.load()
    app = server.app
    if not args.no_idempotency:
        app.middlewares.insert(0, IdempotencyLayer().middleware)
    app.middlewares.insert(
        0, identity_layer(os.environ.get(SANDBOX_TOKEN_ENV) or secrets.token_urlsafe(24), persistence)
    )
    app.on_startup.append(persistence.on_startup)
    app.on_startup.append(_stop_on_hangup)
    app.on_cleanup.append(persistence.on_cleanup)
    print(
        json.dumps(
            {
                "sandbox": f"localstripe on {LISTEN_HOST}:{args.port}",
                "idempotency": not args.no_idempotency,
                "state": str(persistence.path) if persistence.path else "memory only",
            }
        ),
        flush=True,
    )
    access = logging.getLogger("aiohttp.access")  # localstripe's own access log, as its start() sets it
    access.setLevel(logging.DEBUG)
    access.addHandler(logging.StreamHandler())
    web.run_app(app, sock=sock, access_log=access, print=None)


if __name__ == "__main__":
    main()
