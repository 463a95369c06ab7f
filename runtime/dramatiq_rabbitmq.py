"""Dramatiq's RabbitMQ broker: confirmed sends, bounded waits, sends off the event loop (leans on its internals).

- `GatewayRabbitmqBroker`: Dramatiq's `RabbitmqBroker` with publisher confirms (an enqueue returns
  only once RabbitMQ holds the message, so the receiver's "row committed, then enqueued, else the
  sweeper sends it" stays true), and connection timeouts a webhook request can afford
  (`CONNECT_TIMEOUT_SECONDS`, `BLOCKED_TIMEOUT_SECONDS`) unless the URL sets its own.
- `send_off_loop(actor, *args)`: `actor.send(*args)` for code on an event loop. pika's
  `BlockingConnection` blocks, so the send runs on one of `SEND_THREADS` threads of the broker's
  own; Dramatiq keeps one connection per thread (`RabbitmqBroker.connection`, a thread-local), so
  those threads hold at most `SEND_THREADS` connections and never share one.

- `amqp_ping(url)`: whether RabbitMQ answers AMQP at the URL's address (readiness, `gateway.health`).

`tasks.broker` configures it when `BROKER_URL` is an `amqp://` URL (decision 0065).
"""

from __future__ import annotations

import asyncio
import functools
import logging
import ssl
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from urllib.parse import parse_qs, urlsplit

import dramatiq
from dramatiq.brokers.rabbitmq import RabbitmqBroker

from base.versions import require

require("dramatiq", ">=2.2,<2.3", by=__name__)
require("pika", ">=1.4,<1.5", by=__name__)

__all__ = [
    "BLOCKED_TIMEOUT_SECONDS",
    "CONNECT_TIMEOUT_SECONDS",
    "SEND_THREADS",
    "GatewayRabbitmqBroker",
    "amqp_ping",
    "broker_location",
    "send_off_loop",
]

CONNECT_TIMEOUT_SECONDS = 2.0
"""A webhook request waits about this long (per attempt) for a RabbitMQ that does not answer."""
BLOCKED_TIMEOUT_SECONDS = 5.0
"""A send held by RabbitMQ's flow control (memory or disk alarm) fails after this; the sweeper sends it later."""
SEND_THREADS = 4
"""Threads (and connections) one process sends from while on an event loop."""


def broker_location(url: str) -> str:
    """`host:port/vhost` of an AMQP URL, without its credentials (for logs and banners)."""
    parts = urlsplit(url.split(";")[0])
    vhost = parts.path[1:] or "/"
    return f"{parts.hostname or 'localhost'}:{parts.port or 5672} vhost {vhost}"


class GatewayRabbitmqBroker(RabbitmqBroker):  # type: ignore[misc]
    """Dramatiq's `RabbitmqBroker` with publisher confirms, bounded connection waits and a send pool."""

    def __init__(self, url: str, **kwargs: Any) -> None:
        super().__init__(url=url, confirm_delivery=True, **kwargs)  # type: ignore[no-untyped-call]
        # pika logs every connection's opening and closing at INFO; failures still show (WARNING and up).
        logging.getLogger("pika").setLevel(logging.WARNING)
        parameters = self.parameters if isinstance(self.parameters, list) else [self.parameters]
        for one, text in zip(parameters, url.split(";"), strict=False):
            given = parse_qs(urlsplit(text).query)
            # Only where the URL says nothing: an operator's `?socket_timeout=…` wins.
            if "socket_timeout" not in given:
                one.socket_timeout = CONNECT_TIMEOUT_SECONDS
            if "stack_timeout" not in given:
                one.stack_timeout = CONNECT_TIMEOUT_SECONDS * 2
            if "blocked_connection_timeout" not in given:
                one.blocked_connection_timeout = BLOCKED_TIMEOUT_SECONDS
            if "connection_attempts" not in given:
                one.connection_attempts = 1
        self.location = broker_location(url)
        self._senders = ThreadPoolExecutor(max_workers=SEND_THREADS, thread_name_prefix="amqp-send")

    def close(self) -> None:
        """Close every connection (Dramatiq's), then the send threads."""
        super().close()  # type: ignore[no-untyped-call]
        self._senders.shutdown(wait=False)

    async def run_send(self, actor: dramatiq.Actor[Any, Any], *args: Any) -> None:
        """`actor.send(*args)` on a send thread, awaited."""
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(self._senders, functools.partial(actor.send, *args))


async def send_off_loop(actor: dramatiq.Actor[Any, Any], *args: Any) -> None:
    """`actor.send(*args)` without blocking the loop: on a send thread for RabbitMQ, else directly."""
    broker = actor.broker
    if isinstance(broker, GatewayRabbitmqBroker):
        await broker.run_send(actor, *args)
    else:
        actor.send(*args)


AMQP_HEADER = b"AMQP\x00\x00\x09\x01"
"""AMQP 0-9-1's protocol header: a broker answers it with a `Connection.Start` method frame (type 1)."""


async def amqp_ping(url: str) -> None:
    """Raise unless the first broker of `url` answers the AMQP header with a method frame (no login, no channel)."""
    parts = urlsplit(url.split(";")[0])
    tls = parts.scheme == "amqps"
    reader, writer = await asyncio.open_connection(
        parts.hostname or "localhost",
        parts.port or (5671 if tls else 5672),
        ssl=ssl.create_default_context() if tls else None,
    )
    try:
        writer.write(AMQP_HEADER)
        await writer.drain()
        first = await reader.readexactly(1)
    finally:
        writer.close()
    if first != b"\x01":
        raise ConnectionError(f"not an AMQP 0-9-1 broker at {broker_location(url)}")
