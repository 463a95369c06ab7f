"""Every Redis name the gateway uses starts with its deployment's namespace `<REDIS_PREFIX>:<db>` (issue 13, item 5)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest

from base.principals import Principal
from base.rate_limit import RateLimiter
from base.redis_names import DEFAULT_PREFIX, RedisNames, prefix_problem, redis_db
from base.settings import ConfigurationError, Settings
from gateway.health import DependencyChecks
from live.bus import StatusMessage, make_publisher
from live.hub import LiveHub
from stripe_provider.adapter import StripeAdapter
from tasks.broker import QUEUE, LoopEnqueuer, configure_broker, enqueue_event, reset_broker
from tests.support.poll import wait_until
from tests.support.redis_monitor import RedisMonitor
from tests.support.redis_server import RedisServer, own_redis

PREFIX = "acme-billing"
DB = 3


def settings_for(**values: Any) -> Settings:
    return Settings(_env_file=None, **values)


def test_the_namespace_is_the_prefix_and_the_database_number() -> None:
    assert RedisNames.of(settings_for()).namespace == f"{DEFAULT_PREFIX}:0"
    assert RedisNames.of(settings_for(redis_url="redis://h:6379/7", redis_prefix="acme")).namespace == "acme:7"
    assert redis_db("redis://h:6379") == 0
    assert redis_db("redis://h:6379?db=4") == 4
    assert redis_db("unix:///run/redis.sock?db=2") == 2
    assert redis_db("rediss://user:pw@h:6380/9") == 9


def test_every_name_starts_with_the_namespace_and_deployments_never_share_one() -> None:
    deployments = [RedisNames("billing-gateway", 0), RedisNames("billing-gateway", 1), RedisNames("acme", 0)]
    seen: set[str] = set()
    for names in deployments:
        built = [
            names.status_channel,
            names.credentials_channel,
            names.broker_namespace,
            names.rate_limit_key("read", "api_key", "k1"),
            names.rate_limit_key("mutation", "customer_session", "j1"),
            names.client_name("publisher"),
        ]
        assert all(name.startswith(names.namespace + ":") for name in built), built
        assert not seen & set(built)
        seen |= set(built)
    assert deployments[0].status_channel != deployments[1].status_channel  # pub/sub ignores the db


@pytest.mark.parametrize("prefix", ["", "has space", "glob*", "a[b]", "ends:", ":starts", "x" * 65, "new\nline"])
def test_a_prefix_redis_cannot_carry_is_refused_at_start(prefix: str) -> None:
    assert prefix_problem(prefix) is not None
    with pytest.raises(ConfigurationError, match="REDIS_PREFIX"):
        settings_for(redis_prefix=prefix).validate_for_startup()


def test_a_malformed_redis_url_is_refused_at_start() -> None:
    with pytest.raises(ConfigurationError, match="REDIS_URL"):
        settings_for(redis_url="http://127.0.0.1:6379/0").validate_for_startup()
    settings_for(redis_url="redis://127.0.0.1:6379/0", redis_prefix="acme.eu-1:billing").validate_for_startup()


@pytest.fixture
def redis_alone(test_logs: Path) -> Iterator[RedisServer]:
    """A redis-server of this test alone: every key, channel and connection on it is the gateway's."""
    with own_redis(test_logs) as server:
        yield server


@pytest.mark.timeout(60)
async def test_every_key_channel_and_connection_the_gateway_uses_is_in_its_namespace(redis_alone: RedisServer) -> None:
    """Drive each Redis user of the gateway and the worker; the server's MONITOR shows what they touched."""
    settings = settings_for(
        redis_url=f"redis://127.0.0.1:{redis_alone.port}/{DB}",
        redis_prefix=PREFIX,
        stripe_api_base="http://127.0.0.1:1",
        rate_limit_reads_per_minute=10,
        rate_limit_mutations_per_minute=10,
    )
    names = RedisNames.of(settings)
    assert names.namespace == f"{PREFIX}:{DB}"
    monitor = RedisMonitor(redis_alone.port)
    hub = LiveHub(settings.redis_url, names=names)
    publisher = make_publisher(settings)
    limiter = RateLimiter(settings)
    stripe = StripeAdapter(settings)
    enqueuer = LoopEnqueuer(settings)
    broker = configure_broker(settings)
    try:
        # Live status: the hub's subscription, a worker's publish reaching it.
        await hub.start()
        assert hub.connected
        event = StatusMessage(
            kind="payment",
            object_id=str(UUID(int=1)),
            stripe_id="pi_1",
            customer_id=None,
            status="succeeded",
            previous_status=None,
            event_id="evt_ns",
            occurred_at=datetime.now(UTC),
        )
        await publisher.publish(event)
        await wait_until(lambda: hub.received >= 1, "the hub did not hear the status message")

        # Rate limits: both budgets of an API key and of a customer session.
        for principal in (Principal(kind="api_key", id="k1"), Principal(kind="customer_session", id="j1")):
            assert (await limiter.take(principal, "read")).allowed
            assert (await limiter.take(principal, "mutation")).allowed

        # Health: the Redis check's connection.
        assert (await DependencyChecks(settings, stripe).results())["redis"]["ok"]

        # Broker: the receiver's on-loop enqueue, the blocking enqueue (sweeper, replay), a consumer
        # acking one message and dead-lettering the other, as a worker does.
        await enqueuer(UUID(int=2), "invoice.paid")
        await asyncio.to_thread(enqueue_event, UUID(int=3), "customer.created")

        def consume_two() -> int:
            consumer = broker.consume(QUEUE, prefetch=2, timeout=200)
            handled = 0
            for proxy in consumer:
                if proxy is None:
                    break
                (consumer.ack if handled == 0 else consumer.nack)(proxy)
                handled += 1
                if handled == 2:
                    break
            consumer.close()
            return handled

        assert await asyncio.to_thread(consume_two) == 2

        open_connections = monitor.client_names()
        commands = await asyncio.to_thread(monitor.commands)
    finally:
        await hub.stop()
        await publisher.aclose()  # type: ignore[attr-defined]
        await limiter.aclose()
        await stripe.aclose()
        await enqueuer.aclose()
        reset_broker()

    assert commands, "MONITOR saw nothing"
    mine = names.namespace + ":"
    keyed = [(command, monitor.keys_of(command)) for command in commands]
    monitor.close()
    keys = {key for _, touched in keyed for key in touched}
    channels = {channel for command in commands for channel in command.channels}
    client_names = {name for command in commands if (name := command.client_name) is not None}
    print(f"{len(commands)} commands, {len(keys)} keys, channels {sorted(channels)}, clients {sorted(client_names)}")

    assert keys, "no key was touched: the exercise did not reach Redis"
    assert sorted(key for key in keys if not key.startswith(mine)) == []
    assert {f"{mine}ratelimit:read:api_key:k1", f"{mine}dramatiq:{QUEUE}"} <= keys
    assert {command.db for command, touched in keyed if touched} == {DB}
    assert channels == {names.status_channel, names.credentials_channel}
    # Every connection names itself in the namespace; none is left unnamed.
    assert open_connections and all(name.startswith(mine) for name in open_connections), open_connections
    assert all(name.startswith(mine) for name in client_names), client_names
