"""The sandbox's Stripe: localstripe's own aiohttp app behind the layers that make it act as Stripe does.

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

Run as `python -m sandbox.server --port P [--state-dir D] [--from-scratch]
[--no-idempotency] [--parent PID]` (`sandbox.launcher.StripeSandbox` does);
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
import ctypes
import errno
import json
import logging
import os
import secrets
import signal
import socket
import sys
import threading
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

from aiohttp import web
from aiohttp.web_runner import GracefulExit

from sandbox import (
    billing_meters,  # noqa: F401  (registers its routes)
    discounts,  # registers its routes; `install()` below
    disputes,  # noqa: F401  (registers its routes)
    events,  # noqa: F401  (registers its routes)
    invoice_actions,  # noqa: F401  (registers its routes)
    invoice_previews,  # noqa: F401  (registers its routes)
    pause_collection,  # registers its routes; `install()` below
    refunds,  # noqa: F401  (registers its routes)
    test_clocks,  # registers its routes; `install()` below
)
from sandbox.idempotency_layer import Handler, IdempotencyLayer
from sandbox.launcher import ADDRESS_IN_USE_EXIT, IDENTITY_PATH, LISTEN_HOST, SANDBOX_TOKEN_ENV
from sandbox.persistence import StorePersistence, persist_store_in
from sandbox.routes import routes_middleware

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
    parser = argparse.ArgumentParser(prog="python -m sandbox.server")
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
    pause_collection.install()
    test_clocks.install()
    discounts.install()
    if not args.from_scratch:
        persistence.load()
    app = server.app
    if not args.no_idempotency:
        app.middlewares.insert(0, IdempotencyLayer().middleware)
    app.middlewares.insert(
        0, identity_layer(os.environ.get(SANDBOX_TOKEN_ENV) or secrets.token_urlsafe(24), persistence)
    )
    # Innermost: after localstripe's error and API-key middlewares, so features are authenticated alike.
    app.middlewares.append(routes_middleware)
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
