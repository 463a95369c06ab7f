"""`serve --workers N`: N gateway processes on one port, under uvicorn's process manager.

uvicorn's `Multiprocess` supervisor binds the socket once, spawns N fresh interpreters that each
build the app with `app_from_environment` (the factory uvicorn imports by name), restarts a worker
that dies, replaces the workers one by one on SIGHUP (each new one serving before the old one
stops), and on SIGINT/SIGTERM asks every worker to stop: each then finishes its in-flight HTTP
requests and closes its WebSockets with 1012 (service restart), as a single `serve` does.

What a worker cannot get from the parent's memory travels in its environment: the sandbox's URL
and identity token, and `PROMETHEUS_MULTIPROC_DIR`, a fresh directory per `serve` where every
worker's instruments are written so `/metrics` on any of them sums all (`gateway.metrics_endpoint`).
Decision 0062.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import sys
import tempfile
from collections.abc import Iterator
from typing import Final

from starlette.types import ASGIApp, Message, Receive, Scope, Send
from uvicorn.config import STARTUP_FAILURE

from base.logs import configure_logging
from base.settings import Settings, get_settings
from gateway.app import create_app
from gateway.startup_failure import reason_of

__all__ = [
    "APP_FACTORY",
    "SANDBOX_TOKEN_ENV",
    "WORKER_READY_SECONDS",
    "app_from_environment",
    "default_workers",
    "metrics_directory",
    "workers_problem",
]

log = logging.getLogger("gateway.worker_processes")

APP_FACTORY: Final = "gateway.worker_processes:app_from_environment"
"""What each worker process imports and calls to build its app."""
SANDBOX_TOKEN_ENV: Final = "BILLING_GATEWAY_SANDBOX_TOKEN"  # noqa: S105 - a variable's name
"""The identity token of the sandbox the parent `serve` started (its health check verifies it)."""
MULTIPROC_ENV: Final = "PROMETHEUS_MULTIPROC_DIR"
WORKER_READY_SECONDS: Final = 60
"""How long a worker started by a reload (SIGHUP) may take to serve before the reload is abandoned."""


def default_workers(settings: Settings) -> int:
    """One process per core available to this process in production, else one."""
    if not settings.is_production:
        return 1
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def workers_problem(settings: Settings, workers: int) -> str | None:
    """Why `workers` processes cannot serve these settings (one line), or None."""
    if workers <= 1:
        return None
    if settings.is_sqlite or not settings.redis_url:
        # SQLite is one file with one writer; without Redis each process would have its own
        # broker, live bus and rate limits, and a webhook on one would never reach another's sockets.
        return (
            f"--workers {workers} needs PostgreSQL (DATABASE_URL) and Redis (REDIS_URL); "
            "the embedded mode runs one process (--workers 1)"
        )
    return None


@contextlib.contextmanager
def metrics_directory() -> Iterator[str]:
    """A fresh `PROMETHEUS_MULTIPROC_DIR` for this `serve`'s workers, removed when it ends."""
    path = tempfile.mkdtemp(prefix="billing-gateway-metrics-")
    previous = os.environ.get(MULTIPROC_ENV)
    os.environ[MULTIPROC_ENV] = path
    try:
        yield path
    finally:
        if previous is None:
            os.environ.pop(MULTIPROC_ENV, None)
        else:
            os.environ[MULTIPROC_ENV] = previous
        shutil.rmtree(path, ignore_errors=True)


def app_from_environment() -> ASGIApp:
    """The app of one worker process: settings from the environment (as the parent `serve` left it)."""
    settings = get_settings()
    configure_logging(settings)
    log.info("gateway worker process %d starting", os.getpid())
    try:
        return ExitOnStartupFailure(create_app(settings, sandbox_token=os.environ.get(SANDBOX_TOKEN_ENV) or None))
    except Exception as exc:
        # uvicorn stops `serve` only on this exit code; any other exit is a death, restarted forever.
        log.error("gateway process %d could not start: %s", os.getpid(), reason_of(exc))
        sys.exit(STARTUP_FAILURE)


class ExitOnStartupFailure:
    """A worker whose lifespan start-up failed ends at once, with uvicorn's start-up failure code.

    uvicorn's supervisor pings each worker every half second and waits `WORKER_READY_SECONDS` for
    the answer: a worker still winding its interpreter down when pinged never answers, and `serve`
    hung that long before exiting 3. `StartupFailureLine` (inside) has logged the reason by now.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        started = False

        async def watched(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "lifespan.startup.complete"
            await send(message)

        if scope["type"] != "lifespan":
            await self.app(scope, receive, send)
            return
        try:
            await self.app(scope, receive, watched)
        except Exception:
            if started:
                raise
            logging.shutdown()  # flush the reason's line
            os._exit(STARTUP_FAILURE)
