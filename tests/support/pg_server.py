"""A throwaway PostgreSQL server of a test's own, on a spare port, that the test may stop and start.

Never the machine's shared server (5432): outage tests stop this one. `initdb` and
`pg_ctl` from the installed PostgreSQL run as the `postgres` user (`runuser`, when the
tests run as root) in a temporary directory; trust authentication on 127.0.0.1 only,
no fsync (a test's data needs no durability). `stop()` is a fast shutdown, what a
restart or a failover does to clients: open sessions are cut, new connections refused.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import subprocess
import tempfile
from pathlib import Path

import asyncpg  # type: ignore[import-untyped]

from tests.support.net import free_port

START_TIMEOUT_SECONDS = 30


def _bin(name: str) -> str:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    if found:
        return found[-1]
    path = shutil.which(name)
    if path is None:
        raise RuntimeError(f"PostgreSQL's {name} was not found (install the PostgreSQL server package)")
    return path


class PgServer:
    """PostgreSQL on 127.0.0.1:`port` in a temporary directory; `start()`/`stop()` as often as needed, `remove()`."""

    def __init__(self, log_dir: Path, *, port: int | None = None) -> None:
        self.port = port or free_port()
        self.root = Path(tempfile.mkdtemp(prefix=f"pg-{self.port}-"))
        self.data = self.root / "data"
        # The server writes its log inside its own directory (the tests' log directory may
        # not be open to the postgres user); `remove()` copies it there.
        self.server_log = self.root / "postgres.log"
        self.log_path = log_dir / f"postgres-{self.port}.log"
        self._as_postgres = os.geteuid() == 0
        if self._as_postgres:
            user = pwd.getpwnam("postgres")
            os.chown(self.root, user.pw_uid, user.pw_gid)
        self._run(_bin("initdb"), "-D", str(self.data), "-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8")

    def admin_url(self, database: str = "postgres") -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def _run(self, *args: str) -> None:
        command = ["runuser", "-u", "postgres", "--", *args] if self._as_postgres else list(args)
        result = subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)
        if result.returncode != 0:
            raise RuntimeError(f"{' '.join(args[:2])} failed ({result.returncode}): {result.stderr or result.stdout}")

    def start(self) -> None:
        """Start the server and wait until it accepts connections."""
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200"
        self._run(
            _bin("pg_ctl"), "-D", str(self.data), "-o", options, "-l", str(self.server_log),
            "-w", "-t", str(START_TIMEOUT_SECONDS), "start",
        )  # fmt: skip

    def stop(self) -> None:
        """Fast shutdown: sessions are terminated, the port refuses connections until `start()`."""
        self._run(_bin("pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop")

    def remove(self) -> None:
        """Stop (if running) and delete the data directory."""
        with contextlib.suppress(RuntimeError):  # not running
            self.stop()
        with contextlib.suppress(OSError):
            shutil.copyfile(self.server_log, self.log_path)
        shutil.rmtree(self.root, ignore_errors=True)

    async def create_database(self, name: str) -> str:
        """A new empty database `name`; returns its URL."""
        conn = await asyncpg.connect(self.admin_url())
        try:
            await conn.execute(f'CREATE DATABASE "{name}"')
        finally:
            await conn.close()
        return self.admin_url(name)
