"""`tests.support.xdist_relay`: what the guards find in xdist workers fails the run, reported once by the controller."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from tests.support.process import run_test_file
from tests.support.redis_server import RedisServer

PLANTED = """
import asyncpg
import redis


async def test_a_card_left_in_a_database(pg_database_factory) -> None:
    conn = await asyncpg.connect(await pg_database_factory("relay"))
    try:
        await conn.execute("CREATE TABLE notes (note text)")
        await conn.execute("INSERT INTO notes VALUES ('card 4242 4242 4242 4242')")
    finally:
        await conn.close()


def test_a_secret_left_in_a_log_and_a_database_flushed(test_logs) -> None:
    (test_logs / "relay.log").write_text("signing with whsec_plantedplantedplanted\\n")
    redis.Redis(host="127.0.0.1", port={port}, db=5).flushdb()
"""


@pytest.mark.timeout(180)
def test_findings_in_two_workers_fail_the_run_and_are_reported_once(tmp_path: Path, test_logs: Path) -> None:
    server = RedisServer(test_logs)  # stands for the machine's Redis: the run's sentinels go here
    server.start()
    try:
        planted = tmp_path / "test_planted.py"
        planted.write_text(textwrap.dedent(PLANTED.replace("{port}", str(server.port))))
        done = run_test_file(
            planted,
            "--dist",
            "load",
            env={"TEST_SENTINEL_REDIS_URL": f"redis://127.0.0.1:{server.port}"},
            timeout=150,
            workers=2,
        )
    finally:
        server.stop()
    output = done.stdout[-8000:] + done.stderr[-4000:]
    assert "bringing up nodes" in done.stdout, output  # the tests ran in workers, never in the controller
    assert "2 passed" in done.stdout and done.returncode == 1, output
    secrets = [line for line in done.stdout.splitlines() if line.startswith("SECRET: ")]
    assert len(secrets) == 2, output
    assert any("database bgw_test_relay_" in line and "Luhn-valid card number 4242…4242" in line for line in secrets)
    assert any("relay.log:1: webhook secret" in line for line in secrets), output
    assert (
        [line for line in done.stdout.splitlines() if line.startswith("SENTINEL: ")]
        == [line for line in done.stdout.splitlines() if line.startswith("SENTINEL: Redis database 5: ")]
        != []
    ), output
    assert done.stdout.count("secret scan (") == 1 and "1 PostgreSQL databases: 2 finding(s)" in done.stdout, output
