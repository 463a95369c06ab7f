"""What `serve`'s banner and `worker --help` say about the Dramatiq broker (BROKER_URL, decision 0065)."""

from __future__ import annotations

from typer.testing import CliRunner

from base.settings import Settings
from gateway.cli import _describe_broker, _describe_redis, app

POSTGRES = "postgres://u@127.0.0.1:5432/db"
REDIS = "redis://127.0.0.1:6379/0"


def test_the_banner_names_the_broker_broker_url_picks() -> None:
    rabbitmq = Settings(database_url=POSTGRES, redis_url=REDIS, broker_url="amqp://user:secret@mq.internal:5673/bgw")
    assert _describe_broker(rabbitmq) == "RabbitMQ at mq.internal:5673 vhost bgw (BROKER_URL)"
    assert "secret" not in _describe_broker(rabbitmq)
    assert _describe_broker(Settings(database_url=POSTGRES, redis_url=REDIS)).startswith("Redis (REDIS_URL;")
    embedded = Settings(database_url=None, redis_url=None)
    assert _describe_broker(embedded).startswith("in-process (embedded mode;")
    assert "broker" not in _describe_redis(embedded)  # the broker has its own line


def test_worker_help_says_the_broker_comes_from_broker_url() -> None:
    shown = " ".join(CliRunner().invoke(app, ["worker", "--help"]).output.split())
    assert "The broker comes from BROKER_URL: Redis (REDIS_URL) by default, RabbitMQ with an amqp:// URL." in shown
