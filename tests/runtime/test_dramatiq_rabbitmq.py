"""The RabbitMQ broker's pieces on the machine's RabbitMQ (a vhost of their own): confirmed sends off the loop."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator
from typing import Any

import dramatiq
import pytest
from dramatiq.errors import ConnectionClosed
from dramatiq.middleware import Middleware

from runtime.dramatiq_rabbitmq import (
    BLOCKED_TIMEOUT_SECONDS,
    CONNECT_TIMEOUT_SECONDS,
    GatewayRabbitmqBroker,
    broker_location,
    send_off_loop,
)
from tests.support.net import free_port
from tests.support.rabbitmq import rabbitmq_vhost


@pytest.fixture(scope="module")
def vhost_url() -> Iterator[str]:
    with rabbitmq_vhost() as url:
        yield url


class SentOn(Middleware):  # type: ignore[misc]
    """Records the thread each enqueue ran on."""

    def __init__(self) -> None:
        self.threads: list[str] = []

    def before_enqueue(self, broker: dramatiq.Broker, message: dramatiq.Message[Any], delay: int | None) -> None:
        self.threads.append(threading.current_thread().name)


def test_location_has_no_credentials() -> None:
    assert broker_location("amqp://user:s3cret@mq.internal:5673/billing") == "mq.internal:5673 vhost billing"
    assert broker_location("amqps://u:p@mq") == "mq:5672 vhost /"


def test_timeouts_default_unless_the_url_sets_them() -> None:
    broker = GatewayRabbitmqBroker("amqp://guest:guest@127.0.0.1:5672/x")
    custom = GatewayRabbitmqBroker("amqp://guest:guest@127.0.0.1:5672/x?socket_timeout=7&connection_attempts=3")
    try:
        assert broker.confirm_delivery is True
        assert broker.parameters.socket_timeout == CONNECT_TIMEOUT_SECONDS
        assert broker.parameters.blocked_connection_timeout == BLOCKED_TIMEOUT_SECONDS
        assert broker.parameters.connection_attempts == 1
        assert custom.parameters.socket_timeout == 7
        assert custom.parameters.connection_attempts == 3
    finally:
        broker.close()
        custom.close()


async def test_send_off_loop_publishes_on_a_send_thread_and_is_confirmed(vhost_url: str) -> None:
    broker = GatewayRabbitmqBroker(vhost_url)
    seen = SentOn()
    broker.add_middleware(seen)
    actor = dramatiq.actor(actor_name="probe", queue_name="probe", broker=broker)(lambda n: None)
    try:
        ticks = 0

        async def tick() -> None:
            nonlocal ticks
            while True:
                ticks += 1
                await asyncio.sleep(0)

        ticking = asyncio.create_task(tick())
        await asyncio.gather(*(send_off_loop(actor, n) for n in range(20)))
        ticking.cancel()
        # Confirmed: the messages are in the queue once the sends return.
        ready, delayed, dead = await asyncio.to_thread(broker.get_queue_message_counts, "probe")
    finally:
        broker.close()
    assert (ready, delayed, dead) == (20, 0, 0)
    assert seen.threads and all(name.startswith("amqp-send") for name in seen.threads), seen.threads
    assert ticks > 0  # the loop ran while the sends were on their threads


async def test_a_send_to_a_dead_broker_raises_in_seconds() -> None:
    broker = GatewayRabbitmqBroker(f"amqp://guest:guest@127.0.0.1:{free_port()}/")
    actor = dramatiq.actor(actor_name="probe", queue_name="probe", broker=broker)(lambda n: None)
    started = time.monotonic()
    try:
        with pytest.raises(ConnectionClosed):
            await send_off_loop(actor, 1)
    finally:
        broker.close()
    assert time.monotonic() - started < 20


def test_retries_go_through_the_delay_queue_and_a_message_that_gives_up_is_dead_lettered(vhost_url: str) -> None:
    """Dramatiq's Retries middleware on this broker: backoff via `<queue>.DQ`, then `<queue>.XQ` and the hook."""
    broker = GatewayRabbitmqBroker(vhost_url)
    attempts: list[int] = []
    exhausted: list[Any] = []

    @dramatiq.actor(actor_name="gives_up", queue_name="retry", broker=broker)
    def gives_up_hook(message: dict[str, Any], retry_info: dict[str, Any]) -> None:
        exhausted.append((message["args"], retry_info["retries"]))

    @dramatiq.actor(
        actor_name="always_fails",
        queue_name="retry",
        broker=broker,
        max_retries=2,
        min_backoff=50,
        max_backoff=100,
        on_retry_exhausted="gives_up",
    )
    def always_fails(n: int) -> None:
        attempts.append(n)
        raise ConnectionError("transient, for ever")

    always_fails.send(7)
    worker = dramatiq.Worker(broker, worker_threads=1, worker_timeout=100)
    worker.start()
    try:
        deadline = time.monotonic() + 30
        while not exhausted or broker.get_queue_message_counts("retry")[2] < 1:
            assert time.monotonic() < deadline, f"not dead-lettered in 30 s: {attempts}, {exhausted}"
            time.sleep(0.05)
    finally:
        worker.stop()
        counts = broker.get_queue_message_counts("retry")
        broker.close()
    assert attempts == [7, 7, 7]  # the first run and two retries
    assert exhausted == [([7], 2)]
    assert counts == (0, 0, 1)  # nothing left to run; the message that gave up is in retry.XQ
