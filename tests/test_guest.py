"""The suite is a guest on the developer's machine (issue 13, item 2 and acceptance 1).

It must leave alone every Redis database and PostgreSQL database it did not create. The
outer test here plants sentinels (a key in each logical database of the machine's Redis, a
database with a row) and runs a slice of the suite in a subprocess, Redis- and PostgreSQL-using
unit tests and an e2e test with a real gateway and worker, then checks every sentinel.
The whole suite checks its own sentinels at session end too (tests/conftest.py).
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
import uuid
import warnings
from pathlib import Path

import asyncpg  # type: ignore[import-untyped]
import pytest
import redis

from tests.pg import PG_ADMIN_URL, drop_database
from tests.support.process import REPO_ROOT, clean_env, run_pytest, run_test_file
from tests.support.redis_server import RedisServer
from tests.support.sentinels import plant, run_async

SLICE = ("tests/live/test_bus.py", "tests/e2e/test_smoke.py::test_health_ready_reports_each_check")


async def databases_named(prefix: str) -> list[str]:
    conn = await asyncpg.connect(PG_ADMIN_URL, timeout=10)
    try:
        rows = await conn.fetch("SELECT datname FROM pg_database WHERE starts_with(datname, $1)", prefix)
    finally:
        await conn.close()
    return [row["datname"] for row in rows]


@pytest.mark.timeout(300)
def test_a_run_leaves_a_redis_and_a_postgresql_it_did_not_create_untouched() -> None:
    prefix = f"bgw_guest_{uuid.uuid4().hex[:8]}"
    sentinels = plant()
    try:
        assert sentinels.pg_database, sentinels.pg_note
        if not sentinels.redis_databases:
            warnings.warn(f"only PostgreSQL is checked: {sentinels.redis_note}", stacklevel=1)
        done = run_pytest(*SLICE, env={"TEST_PG_DATABASE_PREFIX": prefix}, timeout=240)
        output = done.stdout[-6000:] + done.stderr[-4000:]
        assert done.returncode == 0, output
        assert "passed" in done.stdout and "sentinels (" in done.stdout and "): intact" in done.stdout, output
        assert sentinels.problems() == []
        # The run made its databases under the prefix it was given, and dropped each of them.
        assert run_async(lambda: databases_named(prefix)) == []
    finally:
        sentinels.remove()


def test_the_sentinel_check_notices_a_flushed_redis_database_and_a_dropped_database(test_logs: Path) -> None:
    server = RedisServer(test_logs)
    server.start()
    try:
        sentinels = plant(f"redis://127.0.0.1:{server.port}")
        assert sentinels.redis_databases == list(range(16))
        assert sentinels.problems() == []
        redis.Redis(host="127.0.0.1", port=server.port, db=3).flushdb()
        run_async(lambda: drop_database(sentinels.pg_database))
        problems = sentinels.problems()
        assert len(problems) == 2, problems
        assert problems[0].startswith("Redis database 3: "), problems
        assert problems[1].startswith(f"PostgreSQL database {sentinels.pg_database}: cannot connect"), problems
        sentinels.remove()
    finally:
        server.stop()


@pytest.mark.timeout(120)
def test_a_run_that_flushes_a_redis_it_did_not_create_fails(tmp_path: Path, test_logs: Path) -> None:
    """The session-end check is wired: a test flushing the sentinels' Redis fails the run, naming each one."""
    server = RedisServer(test_logs)  # stands for the machine's Redis; the run's sentinels go here
    server.start()
    try:
        victim = tmp_path / "test_vandal.py"
        victim.write_text(
            textwrap.dedent(
                f"""
                import redis

                def test_flushes_everything() -> None:
                    redis.Redis(host="127.0.0.1", port={server.port}).flushall()
                """
            )
        )
        done = run_test_file(victim, env={"TEST_SENTINEL_REDIS_URL": f"redis://127.0.0.1:{server.port}"}, timeout=90)
        output = done.stdout[-6000:] + done.stderr[-4000:]
        assert done.returncode == 1, output
        assert "1 passed" in done.stdout, output
        assert "the run touched data it did not create" in done.stdout, output
        assert done.stdout.count("SENTINEL: Redis database ") == 16, output
    finally:
        server.stop()


def unique_name_with_prefix(prefix: str) -> subprocess.CompletedProcess[str]:
    """`tests.pg.unique_name("x")` in a fresh interpreter whose `TEST_PG_DATABASE_PREFIX` is `prefix`."""
    return subprocess.run(
        [sys.executable, "-c", "from tests.pg import unique_name; print(unique_name('x'))"],
        cwd=REPO_ROOT,
        env=clean_env({"TEST_PG_DATABASE_PREFIX": prefix}),
        capture_output=True,
        text=True,
        check=False,
    )


def test_the_database_prefix_is_settable_and_checked() -> None:
    named = unique_name_with_prefix("mine").stdout.strip()
    assert named.startswith("mine_x_") and len(named) == len("mine_x_") + 12, named
    refused = unique_name_with_prefix("Robert'); DROP")
    assert refused.returncode != 0 and "TEST_PG_DATABASE_PREFIX=" in refused.stderr, refused.stderr
