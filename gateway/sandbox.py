"""The local Stripe emulator `serve` starts when no Stripe key is configured.

localstripe is a development dependency, not a core one: production never runs it.
It runs as its own process (`gateway.sandbox_server`: localstripe's app behind a layer
that honours `Idempotency-Key` as Stripe does) and is stopped with the gateway. localstripe keeps its
state in /tmp/localstripe.pickle; a new embedded database starts it empty, so the
mirror and the emulator begin together.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
import time
from pathlib import Path

import httpx

from gateway.settings import SANDBOX_API_KEY, SANDBOX_WEBHOOK_SECRET

STARTUP_TIMEOUT_SECONDS = 20.0


class SandboxError(Exception):
    """The emulator is not installed or did not start."""


def _check_installed() -> None:
    if importlib.util.find_spec("localstripe") is None:
        raise SandboxError(
            "the Stripe sandbox needs localstripe (a development dependency): run `uv sync`, "
            "or set STRIPE_API_KEY to use Stripe itself"
        )


class StripeSandbox:
    """A localstripe process on 127.0.0.1:`port`, behind the idempotency layer unless `idempotency=False`."""

    def __init__(self, port: int, log_path: Path, *, fresh: bool = False, idempotency: bool = True) -> None:
        self.port = port
        self.fresh = fresh
        self.idempotency = idempotency
        self.url = f"http://127.0.0.1:{port}"
        self.log_path = log_path
        self._process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        """Start the emulator and wait until it answers."""
        with self.log_path.open("ab") as log:
            _check_installed()
            self._process = subprocess.Popen(  # noqa: S603 - fixed argv, no shell
                [
                    sys.executable,
                    "-m",
                    "gateway.sandbox_server",
                    "--port",
                    str(self.port),
                    *(["--from-scratch"] if self.fresh else []),
                    *([] if self.idempotency else ["--no-idempotency"]),
                    "--parent",
                    str(os.getpid()),
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + STARTUP_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise SandboxError(f"localstripe exited at start-up (see {self.log_path}); is port {self.port} free?")
            try:
                httpx.get(f"{self.url}/v1/customers?limit=1", auth=(SANDBOX_API_KEY, ""), timeout=1.0)
                return
            except httpx.HTTPError:
                time.sleep(0.2)
        self.stop()
        raise SandboxError(f"localstripe did not answer on {self.url} within {STARTUP_TIMEOUT_SECONDS:.0f} s")

    def stop(self) -> None:
        """Stop the emulator if it runs."""
        if self._process is None or self._process.poll() is not None:
            return
        self._process.terminate()
        try:
            self._process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()

    def deliver_webhooks_to(self, url: str, secret: str = SANDBOX_WEBHOOK_SECRET) -> None:
        """Have the emulator send its signed events to `url` (localstripe keeps this in memory only)."""
        response = httpx.post(
            f"{self.url}/_config/webhooks/billing-gateway",
            data={"url": url, "secret": secret},
            auth=(SANDBOX_API_KEY, ""),
            timeout=5.0,
        )
        if response.is_error:
            raise SandboxError(f"localstripe refused the webhook endpoint: HTTP {response.status_code}")
