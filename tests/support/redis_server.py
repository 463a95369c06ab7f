"""A throwaway `redis-server` on a spare port, for tests that stop and start Redis.

Never the machine's shared Redis (6379): fault tests kill and restart this one.
No persistence (`--save "" --appendonly no`), so a restart comes back empty.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import redis

from tests.support.net import free_port
from tests.support.process import ManagedProcess, clean_env

START_TIMEOUT_SECONDS = 15.0


class RedisServer:
    """`redis-server` on 127.0.0.1:`port`; `start()` waits for PING, `stop()` ends it (restartable, same port)."""

    def __init__(self, log_dir: Path, *, port: int | None = None) -> None:
        self.port = port or free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        workdir = log_dir / f"redis-{self.port}.cwd"
        workdir.mkdir(parents=True, exist_ok=True)
        self.process = ManagedProcess(
            [
                "redis-server",
                "--port", str(self.port),
                "--save", "",
                "--appendonly", "no",
                "--bind", "127.0.0.1",
                "--daemonize", "no",
                "--dir", str(workdir),
            ],
            env=clean_env({}),
            log_path=log_dir / f"redis-{self.port}.log",
            cwd=workdir,
        )  # fmt: skip

    def start(self, timeout: float = START_TIMEOUT_SECONDS) -> None:
        """Spawn redis-server and wait until it answers PING."""
        self.process.spawn()
        deadline = time.monotonic() + timeout
        while True:
            client = redis.Redis(host="127.0.0.1", port=self.port, socket_connect_timeout=0.5, socket_timeout=0.5)
            try:
                if client.ping():
                    return
            except redis.RedisError:
                pass
            finally:
                client.close()
            if not self.process.running or time.monotonic() > deadline:
                self.process.stop()
                raise self.process.failure(f"redis-server did not answer PING on port {self.port}")
            time.sleep(0.05)

    def stop(self) -> None:
        """Stop redis-server (SIGTERM, then SIGKILL); the port is free again afterwards."""
        self.process.stop(timeout=5.0)


@contextmanager
def own_redis(log_dir: Path) -> Iterator[RedisServer]:
    """A started `RedisServer` of the caller's alone, stopped on the way out."""
    server = RedisServer(log_dir)
    server.start()
    try:
        yield server
    finally:
        server.stop()
