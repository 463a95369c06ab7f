"""The Dramatiq broker of this process, the worker boot (`WorkerBoot`), `enqueue_event` and `LoopEnqueuer`.

The brokers and on-loop sends leaning on Dramatiq's internals are `runtime.dramatiq_redis`'s
and `runtime.dramatiq_rabbitmq`'s.

One broker per process, configured by `configure_broker(settings)` before any actor
is declared (the actors of `tasks.actors` are declared on it by that call):

- with `BROKER_URL` (`amqp://`): RabbitMQ (`runtime.dramatiq_rabbitmq.GatewayRabbitmqBroker`,
  decision 0065); the worker processes consume it with acks, `serve` sends to it from threads;
- else with `REDIS_URL`: a `RedisBroker` (the `billing-gateway worker` processes consume it,
  `serve` only sends to it);
- without: an in-process `StubBroker` consumed by a worker thread inside `serve`
  (embedded mode, see `tasks.worker.start_embedded_worker`).

Async actors run on Dramatiq's event-loop thread (the `AsyncIO` middleware). Tortoise
1.x keeps its connections in a context variable, so `WorkerBoot.before_worker_boot`
opens them ONCE on that thread with the global fallback, never lazily inside actors
(lazy init from several worker threads was seen to fail and hang).

Where the work of an actor runs is the `Runtime.loop`:

- worker process: Dramatiq's own event loop (where `WorkerBoot` opened Tortoise);
- embedded mode: the server's (uvicorn's) loop, which owns the Tortoise connections
  opened by the app's lifespan. An asyncpg pool or aiosqlite connection must not be
  used from another loop, so the actor hands the coroutine to that loop with
  `asyncio.run_coroutine_threadsafe` and awaits the result.

Tuning knobs of the Redis broker (environment variables; defaults are the production values;
on RabbitMQ only `WORKER_IDLE_TIMEOUT_MS` applies, as the consumers' wake-up interval: RabbitMQ
pushes messages, and gives a dead worker's unacked ones back when its connection drops):

- `WORKER_HEARTBEAT_TIMEOUT_SECONDS` (5): after this long without a heartbeat a
  worker counts as dead and the messages it held (prefetched ones too) go back to the
  queue. Every broker command is a heartbeat: idle consumers poll at least every
  `WORKER_IDLE_TIMEOUT_MS` (the delay-queue consumer stays idle, so a busy process polls too),
  busy ones ack. A worker whose threads are all stuck longer than
  this (slow Stripe calls) is taken for dead too: its messages are delivered again, which
  costs a claim that finds the row taken or done (`webhooks.claims`), never a second effect.
  Dramatiq's 60 s kept a SIGKILLed worker's messages waiting about a minute.
- `WORKER_MAINTENANCE_CHANCE` (20000 per million Redis commands): how often a command
  also runs the maintenance that re-queues dead workers' messages (two sorted-set range
  reads when nobody died). Besides that chance, a process runs it on its first command
  after a second without one (`runtime.dramatiq_redis.MAINTENANCE_INTERVAL_SECONDS`), so slow idle polls do not
  slow the re-queue down; tests set 1000000 (every command).
- `WORKER_TIMEOUT_MS` (25): the longest a consumer sleeps between polls while busy, that is
  within `WORKER_IDLE_AFTER_SECONDS` (5) of its last message (Dramatiq backs off from 5 ms
  up to it). 100 ms added ~15 ms at the median at 25 events/s (bench/changes.md).
- `WORKER_IDLE_TIMEOUT_MS` (1000): the longest it sleeps once idle. 25 ms polls forever cost
  an idle worker 6.4 % of a core; 1 s polls about 1 % (`python -m bench.idle_worker`,
  docs/operations.md). The trade: the first webhook after 5 s of quiet waits for the next poll,
  up to 1 s (0.5 to 1 s with Dramatiq's jitter), before a worker picks it up. It is also the
  worker threads' wake-up interval (they are handed messages at once; the timeout only
  bounds how soon they notice a stop).
"""

from __future__ import annotations

import asyncio
import logging
import threading
from concurrent.futures import Future
from typing import Any
from uuid import UUID

import dramatiq
import redis
from dramatiq.asyncio import get_event_loop_thread
from dramatiq.brokers.stub import StubBroker
from dramatiq.middleware import AsyncIO, Middleware
from tortoise import Tortoise

from base.db import runtime_tortoise_config
from base.redis_names import RedisNames
from base.settings import Settings, get_settings
from billing.event_sink import sink_forever
from billing.outgoing import sweep_outgoing_forever
from billing.usage import sweep_usage_forever
from live.bus import StatusPublisher, make_publisher
from runtime.dramatiq_rabbitmq import GatewayRabbitmqBroker
from runtime.dramatiq_redis import (
    REDIS_CONNECT_TIMEOUT_SECONDS,
    REDIS_SOCKET_TIMEOUT_SECONDS,
    GatewayRedisBroker,
    LoopSender,
)
from stripe_provider.adapter import StripeAdapter
from tasks.actors import Runtime, WorkerBootError, declare_actors, set_runtime
from tasks.outgoing import declare_outgoing_actor, send_deliveries
from tasks.usage import declare_usage_actor, send_from_thread
from webhooks.families import family_of
from webhooks.sweeper import sweep_forever

log = logging.getLogger("tasks.broker")

QUEUE = "webhooks"
"""The one queue of the webhook actors (its dead letters are in `webhooks.XQ`)."""


class WorkerBoot(Middleware):  # type: ignore[misc]
    """Opens what actors need once per worker process, on the right event loop.

    Worker-process mode (`embedded_loop` None): on Dramatiq's event-loop thread, open
    Tortoise (global fallback), build a StripeAdapter and the status publisher, and
    start the sweeper there. Embedded mode: reuse the server loop and its clients.
    A boot failure raises `WorkerBootError` out of `Worker.start()` (and is kept in
    `error`), so the command stops with one clear line instead of running a worker
    that fails every job.
    """

    def __init__(
        self,
        settings: Settings,
        *,
        embedded_loop: asyncio.AbstractEventLoop | None = None,
        stripe: StripeAdapter | None = None,
        publisher: StatusPublisher | None = None,
        run_sweeper: bool = True,
        purge_ledger: bool = True,
    ) -> None:
        self.settings = settings
        self.embedded_loop = embedded_loop
        self.stripe = stripe
        self.publisher = publisher
        self.run_sweeper = run_sweeper
        self.purge_ledger = purge_ledger
        self.error: BaseException | None = None
        self._owns_clients = False
        self._sweeper: Future[None] | None = None
        self._usage_sweeper: Future[None] | None = None
        self._outgoing_sweeper: Future[None] | None = None
        self._event_sink: Future[None] | None = None
        self._runtime: Runtime | None = None

    def before_worker_boot(self, broker: dramatiq.Broker, worker: dramatiq.Worker) -> None:
        # Not after_worker_boot: Worker.start() starts the worker threads, which consume
        # at once, between the before and after hooks; the runtime must exist by then.
        # AsyncIO comes first in the middleware list, so its loop thread is running.
        try:
            if self.embedded_loop is not None:
                loop = self.embedded_loop
                stripe, publisher = self._clients()
            else:
                thread = get_event_loop_thread()
                if thread is None:
                    raise WorkerBootError("the AsyncIO middleware must come before WorkerBoot")
                loop = thread.loop
                stripe, publisher = thread.run_coroutine(self._open())
            self._runtime = Runtime(loop=loop, stripe=stripe, publisher=publisher)
            set_runtime(self._runtime)
        except Exception as exc:
            log.exception("worker boot failed")
            self.error = exc
            raise WorkerBootError(f"worker boot failed: {exc!r}") from exc
        log.info("worker booted (%s)", "embedded" if self.embedded_loop is not None else describe_broker(broker))

    def after_worker_boot(self, broker: dramatiq.Broker, worker: dramatiq.Worker) -> None:
        if self.run_sweeper and self._runtime is not None:
            self._sweeper = asyncio.run_coroutine_threadsafe(
                sweep_forever(self.settings, enqueue_event, purge_ledger=self.purge_ledger), self._runtime.loop
            )
            # Usage events left pending; an in-process broker's first sweep takes them all (its
            # messages died with the process before).
            self._usage_sweeper = asyncio.run_coroutine_threadsafe(
                sweep_usage_forever(send_from_thread, in_process_broker=isinstance(broker, StubBroker)),
                self._runtime.loop,
            )
            # Outgoing webhooks: outbox events not yet fanned out, and deliveries due (docs/outgoing-webhooks.md).
            self._outgoing_sweeper = asyncio.run_coroutine_threadsafe(
                sweep_outgoing_forever(self.settings, send_deliveries), self._runtime.loop
            )
            # The stream sink (EVENT_SINK_URL): beside the sweepers, in the first worker process only.
            if self.settings.event_sink_url:
                self._event_sink = asyncio.run_coroutine_threadsafe(sink_forever(self.settings), self._runtime.loop)

    def _clients(self) -> tuple[StripeAdapter, StatusPublisher]:
        if self.stripe is None or self.publisher is None:
            self._owns_clients = True
        stripe = self.stripe or StripeAdapter(self.settings)
        publisher = self.publisher or make_publisher(self.settings)
        self.stripe, self.publisher = stripe, publisher
        return stripe, publisher

    async def _open(self) -> tuple[StripeAdapter, StatusPublisher]:
        await Tortoise.init(config=runtime_tortoise_config(self.settings), _enable_global_fallback=True)
        # Tortoise connects lazily: probe now, so a wrong DATABASE_URL stops the worker at
        # boot with one line instead of failing every job later.
        await Tortoise.get_connection("default").execute_query("SELECT 1")
        return self._clients()

    def before_worker_shutdown(self, broker: dramatiq.Broker, worker: dramatiq.Worker) -> None:
        if self._sweeper is not None:
            self._sweeper.cancel()
        if self._usage_sweeper is not None:
            self._usage_sweeper.cancel()
        if self._outgoing_sweeper is not None:
            self._outgoing_sweeper.cancel()
        if self._event_sink is not None:
            self._event_sink.cancel()

    def after_worker_shutdown(self, broker: dramatiq.Broker, worker: dramatiq.Worker) -> None:
        # Runs before AsyncIO's after_worker_shutdown (emit_after walks the middleware
        # backwards), so Dramatiq's loop is still running to close what _open opened.
        self._runtime = None
        set_runtime(None)
        if self.embedded_loop is not None or self.error is not None:
            return
        thread = get_event_loop_thread()
        if thread is not None:
            thread.run_coroutine(self._close())

    async def _close(self) -> None:
        if self._owns_clients:
            if self.stripe is not None:
                await self.stripe.aclose()
            # The Redis publisher has a pool to close; the in-memory bus has none.
            close = getattr(self.publisher, "aclose", None)
            if close is not None:
                await close()
        await Tortoise.close_connections()


def describe_broker(broker: dramatiq.Broker) -> str:
    """Where `broker` keeps its messages, without credentials (for logs)."""
    if isinstance(broker, GatewayRabbitmqBroker):
        return f"rabbitmq {broker.location}"
    if isinstance(broker, GatewayRedisBroker):
        return f"redis {broker.namespace}"
    return "memory"


def idle_timeout_ms(settings: Settings) -> int:
    """The longest an idle consumer sleeps between polls (`WORKER_IDLE_TIMEOUT_MS`, never below the busy one)."""
    return max(settings.worker_idle_timeout_ms, settings.worker_timeout_ms)


_lock = threading.Lock()
_broker: dramatiq.Broker | None = None
_actors: dict[str, dramatiq.Actor[Any, Any]] = {}


def configure_broker(settings: Settings, *, boot: WorkerBoot | None = None) -> dramatiq.Broker:
    """Make this process's broker (RabbitMQ, Redis, or in-process without either), set it, declare the actors.

    `boot` is the worker-boot middleware (default: worker-process mode); it only acts
    when a `dramatiq.Worker` starts on this broker, so sender-only processes such as
    `serve` with Redis can call this too. Calling it again replaces the broker.
    """
    global _broker
    broker: dramatiq.Broker
    if settings.broker_url:
        # One vhost per deployment (docs/operations.md, RabbitMQ): the queue names are Dramatiq's own.
        broker = GatewayRabbitmqBroker(settings.broker_url)
    elif settings.redis_url:
        names = RedisNames.of(settings)
        client = redis.Redis.from_url(
            settings.redis_url,
            socket_connect_timeout=REDIS_CONNECT_TIMEOUT_SECONDS,
            socket_timeout=REDIS_SOCKET_TIMEOUT_SECONDS,
            client_name=names.client_name("broker"),
        )
        # Per deployment (prefix and database), so that a worker only ever sees its own
        # deployment's messages (docs/redis-namespaces.md).
        broker = GatewayRedisBroker(settings, client=client, namespace=names.broker_namespace)
    else:
        broker = StubBroker()
    broker.add_middleware(AsyncIO())
    broker.add_middleware(boot or WorkerBoot(settings))
    with _lock:
        if _broker is not None:
            _broker.close()
        dramatiq.set_broker(broker)
        _actors.clear()
        _actors.update(declare_actors(broker, QUEUE))
        declare_usage_actor(broker)
        declare_outgoing_actor(broker, settings)
        _broker = broker
    return broker


def get_configured_broker() -> dramatiq.Broker:
    """This process's broker, configured from the environment's settings on first use."""
    with _lock:
        broker = _broker
    return broker if broker is not None else configure_broker(get_settings())


def reset_broker() -> None:
    """Forget this process's broker (tests; `serve` shutdown)."""
    global _broker
    with _lock:
        if _broker is not None:
            _broker.close()
        _broker = None
        _actors.clear()


def enqueue_event(row_id: UUID, event_type: str) -> None:
    """Send the inbox row `row_id` to the actor of `event_type`'s family; ignored types are a no-op.

    Blocking (a Redis round trip): call it from a thread (`asyncio.to_thread`), never on
    an event loop. Raises when the broker is unreachable; the row then stays `pending`
    and the sweeper sends it later.
    """
    family = family_of(event_type)
    if family is None:
        return
    get_configured_broker()
    with _lock:
        actor = _actors[family]
    actor.send(str(row_id))


class LoopEnqueuer(LoopSender):
    """`enqueue_event` for code on an event loop (the webhook receiver): no thread, no blocking call.

    The send is `runtime.dramatiq_redis.LoopSender`'s (Dramatiq's own `dispatch` script on a
    redis.asyncio client of the calling loop; on RabbitMQ a confirmed publish on a send thread).
    Raises when the broker is unreachable, like
    `enqueue_event`; a message queued twice is applied once (the inbox claim). `aclose()` at shutdown.
    """

    def __init__(self, settings: Settings) -> None:
        super().__init__(settings.redis_url, RedisNames.of(settings).client_name("enqueue"))

    async def __call__(self, row_id: UUID, event_type: str) -> None:
        family = family_of(event_type)
        if family is None:
            return
        get_configured_broker()
        with _lock:
            actor = _actors[family]
        await self.send(actor, str(row_id), what=f"webhook row {row_id}")
