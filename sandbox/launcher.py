"""The local Stripe emulator `serve` starts when no Stripe key is configured (docs/sandbox.md).

localstripe is a development dependency, not a core one: production never runs it.
It runs as its own process (`sandbox.server`: localstripe's app on 127.0.0.1
behind a layer that honours `Idempotency-Key` as Stripe does) and is stopped with the
gateway. Its state lives in a directory of its own beside the database (`.sandbox/`), with
`sandbox.json` telling other commands (`reconcile`) where the running sandbox is. Every start
gets a random token the child answers at `/_sandbox/identity`: a stray emulator on the port
(an orphan of an earlier `serve`, say) is refused at start and fails the readiness check.
"""

from __future__ import annotations

import atexit
import contextlib
import importlib.util
import json
import os
import secrets
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Final

import httpx

from base.settings import SANDBOX_API_KEY, SANDBOX_WEBHOOK_SECRET

SANDBOX_TOKEN_ENV: Final = "BILLING_GATEWAY_SANDBOX_TOKEN"  # noqa: S105 - a variable name
"""The per-start token `GET /_sandbox/identity` answers (from the environment: argv is public in `ps`)."""
IDENTITY_PATH: Final = "/_sandbox/identity"
ADDRESS_IN_USE_EXIT: Final = 3
"""Exit status when the port is taken, so the starter can say so without reading the log."""
LISTEN_HOST: Final = "127.0.0.1"
STARTUP_TIMEOUT_SECONDS: Final = 20.0
STOP_TIMEOUT_SECONDS: Final = 5.0
IDENTITY_TIMEOUT_SECONDS: Final = 1.0
RUNTIME_FILE: Final = "sandbox.json"
"""In the state directory while a sandbox runs: its url, pid and token (for `reconcile`)."""


class SandboxError(Exception):
    """The emulator is not installed, did not start, or is not the one this gateway started."""


def _check_installed() -> None:
    if importlib.util.find_spec("localstripe") is None:
        raise SandboxError(
            "the Stripe sandbox needs localstripe (a development dependency): run `uv sync`, "
            "or set STRIPE_API_KEY to use Stripe itself"
        )


def port_taken_message(port: int) -> str:
    """What to say when another process holds the sandbox's port."""
    return (
        f"the sandbox's port {port} on {LISTEN_HOST} is held by another process, not the sandbox this gateway "
        f"starts (a sandbox left by an earlier `billing-gateway serve`, or another program): find it with "
        f"`ss -ltnp 'sport = :{port}'` (or `lsof -i :{port}`) and stop it, or choose another port with "
        f"SANDBOX_PORT=<port>"
    )


def identity_problem(response: httpx.Response, token: str) -> str | None:
    """Why this `/_sandbox/identity` answer is not from the sandbox holding `token`, or None when it is."""
    try:
        answered = response.json().get("token") if response.status_code == 200 else None
    except ValueError:
        answered = None
    if answered == token:
        return None
    return f"{response.url.host}:{response.url.port} answers, but it is not the sandbox this gateway started"


async def check_identity(url: str, token: str) -> None:
    """Raise SandboxError unless the emulator at `url` is the one started with `token` (readiness)."""
    async with httpx.AsyncClient(timeout=IDENTITY_TIMEOUT_SECONDS) as client:
        problem = identity_problem(await client.get(f"{url}{IDENTITY_PATH}"), token)
    if problem is not None:
        raise SandboxError(problem)


class StripeSandbox:
    """A localstripe process on 127.0.0.1:`port`, behind the idempotency layer unless `idempotency=False`.

    With `state_dir` its objects are kept there (and `sandbox.json` names the running
    sandbox); without, in memory only. `parent=True` makes it exit with this process (on
    Linux, with the thread that started it: start it from the main thread).
    """

    def __init__(
        self,
        port: int,
        log_path: Path,
        *,
        state_dir: Path | None = None,
        fresh: bool = False,
        idempotency: bool = True,
        parent: bool = True,
    ) -> None:
        self.port = port
        self.fresh = fresh
        self.idempotency = idempotency
        self.state_dir = state_dir
        self.parent = parent
        self.url = f"http://{LISTEN_HOST}:{port}"
        self.log_path = log_path
        self.token = secrets.token_urlsafe(24)
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def pid(self) -> int | None:
        """The emulator's process id while it runs."""
        return self._process.pid if self._process is not None and self._process.poll() is None else None

    def start(self) -> None:
        """Start the emulator and wait until it answers with this start's token; SandboxError otherwise."""
        _check_installed()
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        if self.state_dir is not None:
            self.state_dir.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("ab") as log:
            self._process = subprocess.Popen(  # noqa: S603 - fixed argv, no shell
                [
                    sys.executable,
                    "-m",
                    "sandbox.server",
                    "--port",
                    str(self.port),
                    *(["--state-dir", str(self.state_dir)] if self.state_dir is not None else []),
                    *(["--from-scratch"] if self.fresh else []),
                    *([] if self.idempotency else ["--no-idempotency"]),
                    *(["--parent", str(os.getpid())] if self.parent else []),
                ],
                env={**os.environ, SANDBOX_TOKEN_ENV: self.token},
                stdout=log,
                stderr=subprocess.STDOUT,
                # Its own process group: a Ctrl-C reaches the gateway only, which drains its
                # requests (Stripe calls included) and then stops the sandbox.
                process_group=0,
            )
        atexit.register(self.stop)
        try:
            self._wait_until_it_answers()
        except BaseException:
            self.stop()
            raise
        self._write_runtime_file()

    def _wait_until_it_answers(self) -> None:
        assert self._process is not None
        deadline = time.monotonic() + STARTUP_TIMEOUT_SECONDS
        with httpx.Client(timeout=IDENTITY_TIMEOUT_SECONDS) as client:
            while time.monotonic() < deadline:
                status = self._process.poll()
                if status == ADDRESS_IN_USE_EXIT:
                    raise SandboxError(port_taken_message(self.port))
                if status is not None:
                    raise SandboxError(f"the sandbox exited at start-up with status {status}: see {self.log_path}")
                try:
                    response = client.get(f"{self.url}{IDENTITY_PATH}")
                except httpx.HTTPError:
                    time.sleep(0.05)
                    continue
                if identity_problem(response, self.token) is None:
                    return
                # Someone answers, and it is not our child (still binding, or about to fail to).
                raise SandboxError(port_taken_message(self.port))
        raise SandboxError(f"the sandbox did not answer on {self.url} within {STARTUP_TIMEOUT_SECONDS:.0f} s")

    def _write_runtime_file(self) -> None:
        if self.state_dir is None or self._process is None:
            return
        path = self.state_dir / RUNTIME_FILE
        record = {"url": self.url, "port": self.port, "pid": self._process.pid, "token": self.token}
        partial = path.with_name(f".{RUNTIME_FILE}.{os.getpid()}.tmp")
        partial.write_text(json.dumps(record) + "\n")
        partial.chmod(0o600)
        os.replace(partial, path)

    def _remove_runtime_file(self) -> None:
        if self.state_dir is None:
            return
        path = self.state_dir / RUNTIME_FILE
        with contextlib.suppress(FileNotFoundError, ValueError):
            if json.loads(path.read_text()).get("token") == self.token:  # another start's file is not ours
                path.unlink()

    def stop(self) -> None:
        """Stop the emulator (it saves its state on the way out) and wait until it is gone."""
        self._remove_runtime_file()
        if self._process is None or self._process.poll() is not None:
            return
        self._process.terminate()
        try:
            self._process.wait(timeout=STOP_TIMEOUT_SECONDS)
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


def find_running_sandbox(state_dir: Path) -> str:
    """The url of the sandbox a `serve` started with this state directory; SandboxError when none runs."""
    path = state_dir / RUNTIME_FILE
    try:
        record: dict[str, Any] = json.loads(path.read_text())
        url, token = str(record["url"]), str(record["token"])
    except FileNotFoundError:
        raise SandboxError(
            f"no sandbox is running for this database ({path} is absent): start `billing-gateway serve` "
            f"in this directory first, or set STRIPE_API_KEY"
        ) from None
    except (ValueError, KeyError, TypeError):
        raise SandboxError(f"{path} is not a sandbox record: stop `billing-gateway serve` and start it again") from None
    try:
        response = httpx.get(f"{url}{IDENTITY_PATH}", timeout=IDENTITY_TIMEOUT_SECONDS)
    except httpx.HTTPError:
        raise SandboxError(
            f"the sandbox named in {path} ({url}) does not answer: is `billing-gateway serve` still running?"
        ) from None
    problem = identity_problem(response, token)
    if problem is not None:
        raise SandboxError(f"{problem} (stale {path}): restart `billing-gateway serve`")
    return url
