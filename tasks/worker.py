"""Running the webhook actors: `billing-gateway worker` processes, or a thread inside `serve`.

Why `dramatiq.Worker` in-process rather than Dramatiq's CLI: the worker must boot in
an order we control (broker from our Settings, then the actors, then Tortoise on
Dramatiq's event-loop thread, then the sweeper on that same loop), and a boot failure
must end the command with one clear line and a non-zero status. The CLI imports a
module by name and only logs middleware failures. `--processes N` > 1 spawns N
single-process workers (multiprocessing "spawn": no inherited threads or sockets) and
forwards SIGTERM/SIGINT to them; only the first runs the sweeper.

Embedded mode (no REDIS_URL): `start_embedded_worker(settings, loop)` starts a
`dramatiq.Worker` thread pool on an in-process `StubBroker`. The actors still run on
Dramatiq's event-loop thread, but hand `process_event` to the server's loop (`loop`)
and await it there, because the app's Tortoise connections belong to that loop.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import signal
import threading
from types import FrameType
from typing import TYPE_CHECKING

import dramatiq

from base.logs import configure_logging
from base.settings import Settings, get_settings
from tasks.actors import WorkerBootError
from tasks.broker import WorkerBoot, configure_broker, describe_broker, idle_timeout_ms, reset_broker

if TYPE_CHECKING:
    from live.bus import StatusPublisher
    from stripe_provider.adapter import StripeAdapter

log = logging.getLogger("tasks.worker")

SHUTDOWN_TIMEOUT_MS = 30_000
"""How long a stopping worker lets in-flight events finish; unfinished ones are re-delivered."""


class WorkerStartError(RuntimeError):
    """The worker could not boot (message is one line)."""


def _start(broker: dramatiq.Broker, threads: int, settings: Settings) -> dramatiq.Worker:
    worker = dramatiq.Worker(broker, worker_threads=threads, worker_timeout=idle_timeout_ms(settings))
    try:
        worker.start()
    except WorkerBootError as exc:
        # No worker thread was started; stop the AsyncIO loop thread that was.
        broker.emit_after("worker_shutdown", worker)
        raise WorkerStartError(str(exc)) from exc
    return worker


def run_worker_process(settings: Settings, threads: int, *, sweeper: bool = True) -> int:
    """One worker process on Redis or RabbitMQ until SIGTERM/SIGINT; returns the exit status."""
    boot = WorkerBoot(settings, run_sweeper=sweeper)
    broker = configure_broker(settings, boot=boot)
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    try:
        worker = _start(broker, threads, settings)
    except WorkerStartError as exc:
        log.error("%s", exc)
        return 1
    log.info("worker ready: %d threads on queue webhooks of %s", threads, describe_broker(broker))
    print(f"worker ready: {threads} threads, sweeper {'on' if sweeper else 'off'}", flush=True)
    stop.wait()
    log.info("worker stopping")
    worker.stop(timeout=SHUTDOWN_TIMEOUT_MS)
    reset_broker()
    return 0


def _child(threads: int, sweeper: bool) -> None:

    settings = get_settings()
    configure_logging(settings)
    raise SystemExit(run_worker_process(settings, threads, sweeper=sweeper))


def run_workers(settings: Settings, processes: int, threads: int) -> int:
    """`billing-gateway worker`: one worker in this process, or `processes` child workers."""
    if processes <= 1:
        return run_worker_process(settings, threads)
    context = multiprocessing.get_context("spawn")
    children = [context.Process(target=_child, args=(threads, index == 0), daemon=False) for index in range(processes)]
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    for child in children:
        child.start()
    # A child that dies ends the whole command (the supervisor restarts it); children
    # are never silently fewer than asked for.
    while not stop.wait(0.5):
        if any(child.exitcode is not None for child in children):
            break
    for child in children:
        if child.is_alive() and child.pid is not None:
            child.terminate()  # SIGTERM: a graceful stop
    for child in children:
        child.join(SHUTDOWN_TIMEOUT_MS / 1000 + 5)
        if child.is_alive():
            child.kill()
            child.join()
    codes = [child.exitcode or 0 for child in children]
    return 0 if stop.is_set() and not any(code > 0 for code in codes) else max([1, *codes])


class EmbeddedWorker:
    """The in-process worker of embedded mode; `stop()` (or `await aclose()`) ends it."""

    def __init__(self, worker: dramatiq.Worker) -> None:
        self.worker = worker
        self._stopped = False

    def stop(self) -> None:
        """Stop the worker threads (blocking: never call it on the server loop; use `aclose`)."""
        if self._stopped:
            return
        self._stopped = True
        self.worker.stop(timeout=SHUTDOWN_TIMEOUT_MS)
        reset_broker()

    async def aclose(self) -> None:
        """`stop()` from the server loop, in a thread: in-flight actors still need this loop to finish."""
        await asyncio.to_thread(self.stop)


def start_embedded_worker(
    settings: Settings,
    loop: asyncio.AbstractEventLoop,
    *,
    stripe: StripeAdapter | None = None,
    publisher: StatusPublisher | None = None,
    threads: int = 4,
) -> EmbeddedWorker:
    """Start the in-process broker, its worker threads and the sweeper (on `loop`) for `serve`.

    `loop` is the server's running loop, where Tortoise is open; pass the app's
    `stripe` adapter and `publisher` to share them (else the worker builds its own).
    The idempotency purge is left to the app's own loop. Blocking for a moment (thread
    start-up): call it with `await asyncio.to_thread(...)` or accept the short pause.
    """
    boot = WorkerBoot(settings, embedded_loop=loop, stripe=stripe, publisher=publisher, purge_ledger=False)
    broker = configure_broker(settings, boot=boot)
    return EmbeddedWorker(_start(broker, threads, settings))


def start_app_broker(
    settings: Settings,
    loop: asyncio.AbstractEventLoop,
    *,
    stripe: StripeAdapter | None = None,
    publisher: StatusPublisher | None = None,
) -> EmbeddedWorker | None:
    """For `serve`'s lifespan, after the database is open: the broker the webhook receiver sends to.

    With REDIS_URL: the Redis broker, or RabbitMQ with BROKER_URL (send only; `billing-gateway
    worker` consumes) and None. Without: the embedded worker, to be closed with `await handle.aclose()`
    before the database is.
    """
    if settings.redis_url:
        configure_broker(settings)
        return None
    return start_embedded_worker(settings, loop, stripe=stripe, publisher=publisher)
