"""`runtime.dramatiq_redis`: an idle worker polls Redis slowly, a busy one quickly (issue 13, item 8: idle worker CPU).

The CPU itself is measured by `python -m bench.idle_worker` (docs/operations.md), not here.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from uuid import UUID

import dramatiq
import pytest

from base.settings import Settings
from runtime import dramatiq_redis
from runtime.dramatiq_redis import GatewayRedisBroker, IdleBackoffConsumer
from tasks.broker import QUEUE, configure_broker, enqueue_event, idle_timeout_ms, reset_broker

SETTINGS = Settings(_env_file=None, worker_timeout_ms=30, worker_idle_timeout_ms=900)  # type: ignore[call-arg]
"""Not the defaults, so the tests show the broker follows the settings it is given."""


@pytest.fixture
def redis_broker(redis_url: str) -> Iterator[GatewayRedisBroker]:
    broker = configure_broker(SETTINGS.model_copy(update={"redis_url": redis_url}))
    assert isinstance(broker, GatewayRedisBroker)
    yield broker
    reset_broker()


def test_the_defaults_poll_every_second_at_most_when_idle() -> None:
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert (settings.worker_timeout_ms, settings.worker_idle_timeout_ms, settings.worker_idle_after_seconds) == (
        25,
        1000,
        5.0,
    )
    # Below the heartbeat timeout, or an idle worker would be taken for dead.
    assert settings.worker_idle_timeout_ms < settings.worker_heartbeat_timeout_seconds * 1000


def test_the_worker_threads_wait_with_the_idle_timeout(
    redis_broker: GatewayRedisBroker, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`dramatiq.Worker` gets the idle timeout: its consumers start from it, its threads wake that often."""
    made: list[int] = []

    def spy(broker: dramatiq.Broker, **kwargs: int) -> dramatiq.Worker:
        made.append(kwargs["worker_timeout"])
        raise RuntimeError("spied")

    from tasks import worker as worker_module

    monkeypatch.setattr(worker_module.dramatiq, "Worker", spy)
    with pytest.raises(RuntimeError, match="spied"):
        worker_module._start(redis_broker, 1, SETTINGS)
    assert made == [idle_timeout_ms(SETTINGS)] == [900]


def test_a_consumer_polls_fast_after_a_message_and_slowly_once_idle(redis_broker: GatewayRedisBroker) -> None:
    consumer = redis_broker.consume(QUEUE, prefetch=1, timeout=idle_timeout_ms(SETTINGS))
    assert isinstance(consumer, IdleBackoffConsumer)
    try:
        consumer.idle_after = 60.0
        assert next(consumer) is None
        assert consumer.timeout == SETTINGS.worker_timeout_ms  # a new consumer starts busy

        consumer.last_message_at = time.monotonic() - 61.0
        assert next(consumer) is None
        assert consumer.timeout == idle_timeout_ms(SETTINGS)

        enqueue_event(UUID(int=7), "invoice.paid")
        deadline = time.monotonic() + 10
        message = None
        while message is None and time.monotonic() < deadline:
            message = next(consumer)
        assert message is not None, "the enqueued message was not fetched"
        consumer.ack(message)
        assert next(consumer) is None
        assert consumer.timeout == SETTINGS.worker_timeout_ms  # busy again after a message
    finally:
        consumer.close()


def test_maintenance_runs_at_least_every_interval(redis_broker: GatewayRedisBroker) -> None:
    """However rare the random chance, a command after a quiet second also re-queues dead workers' messages."""
    redis_broker.maintenance_chance = 0
    redis_broker._last_maintenance = time.monotonic()
    assert redis_broker._should_do_maintenance("fetch") == 0
    redis_broker._last_maintenance -= dramatiq_redis.MAINTENANCE_INTERVAL_SECONDS
    assert redis_broker._should_do_maintenance("fetch") == 1
    assert redis_broker._should_do_maintenance("fetch") == 0
    assert redis_broker._should_do_maintenance("ack") == 0


def test_the_broker_takes_heartbeat_and_maintenance_from_its_settings(redis_url: str) -> None:
    settings = SETTINGS.model_copy(
        update={"redis_url": redis_url, "worker_heartbeat_timeout_seconds": 7.5, "worker_maintenance_chance": 123}
    )
    broker = configure_broker(settings)
    try:
        assert isinstance(broker, GatewayRedisBroker)
        assert (broker.heartbeat_timeout, broker.maintenance_chance) == (7500, 123)
        assert (broker.busy_timeout_ms, broker.idle_after_seconds) == (30, settings.worker_idle_after_seconds)
    finally:
        reset_broker()
