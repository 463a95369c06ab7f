"""`billing-gateway worker` as a real process on Redis and PostgreSQL: processing, sweeper, replay."""

from __future__ import annotations

import asyncio
import subprocess
from pathlib import Path

from base.settings import Settings
from models import EventStatus
from tasks.broker import configure_broker, enqueue_event, reset_broker
from tests.support.aliases import PgDatabaseFactory
from tests.support.database import tortoise_on
from tests.support.gateway import cli_path, gateway_env, migrate, run_cli
from tests.support.inbox import customer_event, insert_event, wait_for_status
from tests.support.localstripe import LocalStripe
from tests.support.process import ManagedProcess


async def test_worker_process_applies_sweeps_and_replays(
    pg_database_factory: PgDatabaseFactory, redis_url: str, localstripe: LocalStripe, test_logs: Path
) -> None:
    database_url = await pg_database_factory()
    env = gateway_env(
        database_url,
        localstripe.url,
        redis_url=redis_url,
        webhook_sweep_interval_seconds="0.5",
        webhook_pending_grace_seconds="1",
    )
    workdir = test_logs / "worker.cwd"
    await asyncio.to_thread(migrate, database_url, env=env, log_path=test_logs / "worker-cli.log")
    worker = ManagedProcess(
        [str(cli_path()), "worker", "--threads", "2"], env=env, log_path=test_logs / "worker.log", cwd=workdir
    )
    workdir.mkdir(parents=True, exist_ok=True)
    try:
        async with tortoise_on(database_url):
            # 1. An event enqueued the way the receiver does it, before the worker starts (its
            #    threads consume at once: the database must already be open), is applied.
            configure_broker(Settings(_env_file=None, redis_url=redis_url, database_url=database_url))  # type: ignore[call-arg]
            sent = await insert_event(customer_event("evt_worker_sent"))
            await asyncio.to_thread(enqueue_event, sent.id, sent.type)
            worker.spawn()
            assert (await wait_for_status(sent.id, EventStatus.PROCESSED, timeout=30)).attempts == 1

            # 2. A row never enqueued (Redis was down) is found and sent by the worker's sweeper.
            forgotten = await insert_event(customer_event("evt_worker_forgotten"))
            swept = await wait_for_status(forgotten.id, EventStatus.PROCESSED, timeout=15)
            assert swept.attempts == 1
            assert swept.enqueued_at is not None

            # 3. `webhooks replay EVENT_ID` and `--failed` reset failed rows (attempts kept) and enqueue them.
            failed = [
                await insert_event(
                    customer_event(f"evt_worker_failed_{n}"),
                    status=EventStatus.FAILED,
                    attempts=3,
                    last_error="ProviderError: boom",
                    enqueued_at=swept.enqueued_at,
                )
                for n in range(3)
            ]
            out = await asyncio.to_thread(
                run_cli, "webhooks", "replay", failed[0].stripe_event_id, env=env, log_path=test_logs / "worker-cli.log"
            )
            assert f"replayed {failed[0].stripe_event_id} (customer.created): enqueued" in out
            assert (await wait_for_status(failed[0].id, EventStatus.PROCESSED, timeout=15)).attempts == 4
            out = await asyncio.to_thread(
                run_cli, "webhooks", "replay", "--failed", env=env, log_path=test_logs / "worker-cli.log"
            )
            assert out.count(": enqueued") == 2
            for row in failed[1:]:
                assert (await wait_for_status(row.id, EventStatus.PROCESSED, timeout=15)).attempts == 4
    finally:
        reset_broker()
        code = worker.stop()
    assert code == 0, worker.log_text()[-3000:]
    assert "worker ready" in worker.log_text()


def test_worker_requires_redis(test_logs: Path) -> None:
    env = gateway_env("sqlite://unused.sqlite3")
    result = subprocess.run(
        [str(cli_path()), "worker"], env=env, cwd=test_logs, capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "error: REDIS_URL is required for `worker` (without it, `serve` runs the worker in-process)"
    )
