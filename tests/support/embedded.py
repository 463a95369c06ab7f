"""`billing-gateway serve` in embedded mode (SQLite, in-process broker, its own sandbox) in a directory of its own.

Unlike `GatewayProcess` (PostgreSQL, an emulator the tests own), this is the README's run
command: no gateway setting but free ports, so `serve` starts the sandbox itself and keeps
the sandbox's state in `<workdir>/.sandbox/`.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
from pathlib import Path
from typing import Any

import httpx

from tests.support.gateway import GATEWAY_ENV_PREFIXES, cli_path, raw_key_from, run_cli
from tests.support.net import free_port, wait_for_http
from tests.support.process import ManagedProcess, clean_env

READY_TIMEOUT_SECONDS = 90.0


class EmbeddedServe:
    """`billing-gateway serve --port P` with `SANDBOX_PORT` set, run in `workdir`; restartable."""

    def __init__(self, workdir: Path, log_dir: Path, *, port: int | None = None, sandbox_port: int | None = None):
        self.workdir = workdir
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.port = port or free_port()
        self.sandbox_port = sandbox_port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.sandbox_url = f"http://127.0.0.1:{self.sandbox_port}"
        self.env = clean_env({"SANDBOX_PORT": str(self.sandbox_port)}, drop_prefixes=GATEWAY_ENV_PREFIXES)
        self.log_path = log_dir / f"embedded-{self.port}.log"
        self.cli_log_path = log_dir / f"embedded-{self.port}-cli.log"
        self.process = ManagedProcess(
            [str(cli_path()), "serve", "--port", str(self.port)], env=self.env, log_path=self.log_path, cwd=workdir
        )

    @property
    def pid(self) -> int:
        assert self.process.proc is not None
        return self.process.proc.pid

    def spawn(self) -> None:
        """Start `serve` without waiting."""
        self.process.spawn()

    def start(self) -> None:
        """Start `serve` and wait until `/health/ready` answers 200."""
        self.spawn()
        try:
            wait_for_http(f"{self.url}/health/ready", timeout=READY_TIMEOUT_SECONDS, alive=lambda: self.process.running)
        except (TimeoutError, RuntimeError) as exc:
            self.process.stop()
            raise self.process.failure(f"embedded serve did not become ready on {self.url}", str(exc)) from exc

    def send(self, signum: signal.Signals) -> None:
        """Send `signum` to the `serve` process only (not its process group)."""
        os.kill(self.pid, signum)

    def wait(self, timeout: float) -> int:
        """Wait for `serve` to exit; its exit status."""
        assert self.process.proc is not None
        return self.process.proc.wait(timeout)

    def stop(self) -> None:
        """SIGTERM, then SIGKILL (teardown)."""
        self.process.stop()

    close = stop  # for contextlib.closing

    def sandbox_record(self) -> dict[str, Any]:
        """`.sandbox/sandbox.json`: the running sandbox's url, pid and token."""
        record: dict[str, Any] = json.loads((self.workdir / ".sandbox" / "sandbox.json").read_text())
        return record

    def cli(self, *args: str) -> str:
        """`billing-gateway ARGS…` in the same directory and environment; stdout (raises on a non-zero exit)."""
        return run_cli(*args, env=self.env, log_path=self.cli_log_path, cwd=self.workdir)

    def cli_result(self, *args: str) -> subprocess.CompletedProcess[str]:
        """`billing-gateway ARGS…` whatever its exit status (for refusals)."""
        return subprocess.run(
            [str(cli_path()), *args],
            env=self.env,
            cwd=self.workdir,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    def create_api_key(self, scopes: str = "read,write", name: str = "embedded") -> str:
        """A raw API key made with `billing-gateway api-keys create` in this directory."""
        return raw_key_from(self.cli("api-keys", "create", "--name", name, "--scopes", scopes))

    def graphql(self, key: str, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        """One GraphQL operation over HTTP; the `data` (asserts no top-level errors)."""
        response = httpx.post(
            f"{self.url}/graphql",
            json={"query": query, "variables": variables or {}},
            headers={"Authorization": f"Bearer {key}"},
            timeout=30.0,
        )
        body: dict[str, Any] = response.json()
        assert response.status_code == 200 and not body.get("errors"), body
        data: dict[str, Any] = body["data"]
        return data
