"""`serve --workers N`: how many by default, when more than one is refused, the metrics directory."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from base.settings import Settings
from gateway.cli import app
from gateway.worker_processes import default_workers, metrics_directory, workers_problem

POSTGRES = "postgres://u@127.0.0.1:5432/db"
REDIS = "redis://127.0.0.1:6379/0"


def test_one_process_per_core_in_production_and_one_otherwise() -> None:
    production = Settings(gateway_env="production", database_url=POSTGRES, redis_url=REDIS)
    assert default_workers(production) == len(os.sched_getaffinity(0))
    assert default_workers(Settings(gateway_env="development", database_url=POSTGRES, redis_url=REDIS)) == 1


def test_more_than_one_needs_postgres_and_redis() -> None:
    assert workers_problem(Settings(database_url=POSTGRES, redis_url=REDIS), 4) is None
    assert workers_problem(Settings(database_url=None, redis_url=None), 1) is None  # embedded, one process
    for settings in (Settings(database_url=None, redis_url=REDIS), Settings(database_url=POSTGRES, redis_url=None)):
        problem = workers_problem(settings, 2)
        assert problem is not None and "\n" not in problem
        assert "--workers 2 needs PostgreSQL (DATABASE_URL) and Redis (REDIS_URL)" in problem


def test_serve_refuses_several_processes_in_embedded_mode(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in ("DATABASE_URL", "REDIS_URL", "STRIPE_API_KEY", "STRIPE_API_BASE", "GATEWAY_ENV"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)  # no `.env` of the checkout
    result = CliRunner().invoke(app, ["serve", "--workers", "2"])
    assert result.exit_code == 2
    assert result.output.strip().splitlines() == [
        "error: --workers 2 needs PostgreSQL (DATABASE_URL) and Redis (REDIS_URL); "
        "the embedded mode runs one process (--workers 1)"
    ]
    assert not list(tmp_path.iterdir())  # refused before anything started: no database, no sandbox


def test_the_metrics_directory_is_fresh_per_serve_and_removed_after() -> None:
    before = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    with metrics_directory() as path:
        assert os.environ["PROMETHEUS_MULTIPROC_DIR"] == path and not os.listdir(path)
        Path(path, "counter_1.db").write_bytes(b"")
    assert not Path(path).exists()
    assert os.environ.get("PROMETHEUS_MULTIPROC_DIR") == before
