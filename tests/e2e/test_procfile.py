"""deploy/Procfile under honcho: `release` migrates, `web` and `worker` serve a request, and stop with honcho."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

import httpx
import pytest
import redis

from tests.support.aliases import PgDatabaseFactory
from tests.support.gateway import create_api_key, gateway_env
from tests.support.graphql import GraphQLClient
from tests.support.localstripe import LocalStripe
from tests.support.net import free_port, wait_for_http
from tests.support.poll import wait_until
from tests.support.proc_scan import alive, child_pids, listening_pids
from tests.support.process import ManagedProcess, run_logged
from tests.support.recipes import PROCFILE

HONCHO = Path(sys.executable).parent / "honcho"
START_SECONDS = 60.0
STOP_SECONDS = 30.0


def _descendants(pid: int) -> set[int]:
    found: set[int] = set()
    frontier = {pid}
    while frontier:
        children = set().union(*(child_pids(parent) for parent in frontier)) - found
        found |= children
        frontier = children
    return found


def _command_lines(pids: set[int]) -> list[str]:
    lines = []
    for pid in pids:
        try:
            lines.append(Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode())
        except OSError:
            continue
    return lines


def _worker_heartbeats(redis_url: str) -> int:
    client = redis.Redis.from_url(redis_url, socket_timeout=5)
    try:
        return sum(int(client.zcard(key)) for key in client.keys("*dramatiq:__heartbeats__"))
    finally:
        client.close()


@pytest.mark.timeout(180)
async def test_procfile_release_web_and_worker_under_honcho(
    pg_database_factory: PgDatabaseFactory, localstripe: LocalStripe, redis_url: str, test_logs: Path
) -> None:
    database_url = await pg_database_factory("procfile")
    workdir = test_logs / "procfile"
    workdir.mkdir(parents=True, exist_ok=True)
    # The Procfile names `billing-gateway` bare, as a platform's PATH would find it.
    env = gateway_env(database_url, localstripe.url, redis_url=redis_url)
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    honcho = [str(HONCHO), "--no-colour", "--procfile", str(PROCFILE), "--app-root", str(workdir)]
    log = workdir / "honcho.log"

    released = await asyncio.to_thread(
        run_logged, [*honcho, "start", "release"], env=env, log_path=log, cwd=workdir, timeout=START_SECONDS
    )
    assert "applied 0_" in released and "release.1 stopped (rc=0)" in released, released
    key = await asyncio.to_thread(create_api_key, database_url, "read", "procfile", env=env, log_path=log)

    port = free_port("0.0.0.0")
    process = ManagedProcess(
        [*honcho, "start", "--port", str(port), "web", "worker"], env=env, log_path=log, cwd=workdir
    )
    process.spawn()
    try:
        url = f"http://127.0.0.1:{port}"
        ready = await asyncio.to_thread(
            wait_for_http, f"{url}/health/ready", timeout=START_SECONDS, alive=lambda: process.running
        )
        body = ready.json()
        assert body["status"] == "ok", body
        assert {name for name, check in body["checks"].items() if check["ok"]} >= {"database", "redis", "stripe"}
        async with GraphQLClient(url, token=key) as graphql:
            answer = await graphql.execute("{ customers(first: 1) { edges { node { id } } } }")
        assert answer == {"data": {"customers": {"edges": []}}}, answer
        async with httpx.AsyncClient(base_url=url) as http:
            assert (await http.post("/graphql", json={"query": "{ __typename }"})).status_code == 401
        await wait_until(lambda: _worker_heartbeats(redis_url) > 0, "the worker's heartbeat in Redis", START_SECONDS)

        assert process.proc is not None
        children = _descendants(process.proc.pid)
        commands = _command_lines(children)
        assert any(f"serve --host 0.0.0.0 --port {port}" in line for line in commands), commands
        assert any("billing-gateway worker" in line for line in commands), commands

        # honcho alone gets the signal (not its process group): stopping its processes is its job.
        os.kill(process.proc.pid, signal.SIGTERM)
        await asyncio.to_thread(process.proc.wait, STOP_SECONDS)
        await wait_until(lambda: not alive(children), "every process honcho started gone", STOP_SECONDS)
        assert listening_pids(port) == set()
        stopped = log.read_text()
        assert "web.1 stopped" in stopped and "worker.1 stopped" in stopped, stopped[-2000:]
    finally:
        process.stop()  # a no-op once honcho has exited; after a failure, the whole group goes
