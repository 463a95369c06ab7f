"""How much CPU an idle `billing-gateway worker` uses (run on demand, not part of `python -m bench`).

    uv run python -m bench.idle_worker [--seconds 30] [--processes 1] [--threads 8] [--settle 5]

Starts its own `redis-server` on a free port and a fresh PostgreSQL database (migrated),
then a worker with production settings and the CLI's default processes and threads.
After `--settle` seconds (boot, the first sweep) it reads utime+stime of the worker's
process tree from /proc over `--seconds` seconds with nothing enqueued, and prints the
share of one core. Redis's own CPU over the same window is printed too: the worker's
polls cost it as well. Everything it started is stopped and dropped at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from pathlib import Path

from bench.harness import _cpu_seconds, _tree
from tests.pg import create_database, drop_database, unique_name
from tests.support.gateway import GATEWAY_SECRET, WEBHOOK_SECRET, cli_path, gateway_env, migrate
from tests.support.process import ManagedProcess
from tests.support.redis_server import RedisServer

READY_TIMEOUT_SECONDS = 60.0


def tree_cpu(pid: int) -> float:
    """utime+stime (children included) of `pid` and its descendants, in seconds."""
    return sum(_cpu_seconds(child) for child in _tree(pid))


def wait_ready(worker: ManagedProcess) -> None:
    deadline = time.monotonic() + READY_TIMEOUT_SECONDS
    while "worker ready" not in worker.log_text():
        if not worker.running or time.monotonic() > deadline:
            raise SystemExit(f"the worker did not start; see {worker.log_path}")
        time.sleep(0.1)


def measure(seconds: float, processes: int, threads: int, settle: float) -> None:
    log_dir = Path(tempfile.mkdtemp(prefix="billing-gateway-idle-worker-"))
    name = unique_name("bgw_bench_idle")
    redis_server = RedisServer(log_dir)
    worker: ManagedProcess | None = None
    database_url = asyncio.run(create_database(name))
    try:
        redis_server.start()
        env = gateway_env(
            database_url,
            "http://127.0.0.1:9",  # never called: nothing is enqueued
            redis_url=redis_server.url,
            gateway_env="production",
            gateway_secret=GATEWAY_SECRET,
            stripe_api_key="sk_test_idle",
            stripe_webhook_secret=WEBHOOK_SECRET,
        )
        migrate(database_url, env=env, log_path=log_dir / "cli.log")
        worker = ManagedProcess(
            [str(cli_path()), "worker", "--processes", str(processes), "--threads", str(threads)],
            env=env,
            log_path=log_dir / "worker.log",
            cwd=log_dir,
        )
        worker.spawn()
        wait_ready(worker)
        time.sleep(settle)
        assert worker.proc is not None and redis_server.process.proc is not None
        worker_pid, redis_pid = worker.proc.pid, redis_server.process.proc.pid
        started, worker_before, redis_before = time.monotonic(), tree_cpu(worker_pid), tree_cpu(redis_pid)
        time.sleep(seconds)
        elapsed = time.monotonic() - started
        worker_cpu, redis_cpu = tree_cpu(worker_pid) - worker_before, tree_cpu(redis_pid) - redis_before
        print(f"idle worker ({processes} process(es) x {threads} threads) over {elapsed:.1f} s:")
        print(f"  worker  {worker_cpu:.2f} CPU s = {100 * worker_cpu / elapsed:.2f} % of a core")
        print(f"  redis   {redis_cpu:.2f} CPU s = {100 * redis_cpu / elapsed:.2f} % of a core")
        print(f"  logs in {log_dir}")
    finally:
        if worker is not None:
            worker.stop()
        redis_server.stop()
        asyncio.run(drop_database(name))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=30.0, help="measured window")
    parser.add_argument("--processes", type=int, default=1, help="worker processes (the CLI's default)")
    parser.add_argument("--threads", type=int, default=8, help="threads per worker process (the CLI's default)")
    parser.add_argument("--settle", type=float, default=5.0, help="seconds between ready and the window")
    args = parser.parse_args(argv)
    measure(args.seconds, args.processes, args.threads, args.settle)


if __name__ == "__main__":
    main(sys.argv[1:])
