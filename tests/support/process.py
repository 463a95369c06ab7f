"""Subprocesses for tests: output to a log file, clean stop, errors that carry the log's tail.

Every process is started in its own session (process group), so `stop()` reaches the
children it may have spawned too, and nothing else.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
LOG_TAIL_LINES = 60
POLL_INTERVAL_SECONDS = 0.05


class ServiceStartError(RuntimeError):
    """A process the tests need did not start (or a CLI step failed); the message holds its log's tail."""


def tail(path: Path, lines: int = LOG_TAIL_LINES) -> str:
    """The last `lines` lines of a text file ('' when it does not exist)."""
    try:
        text = path.read_text(errors="replace")
    except FileNotFoundError:
        return ""
    return "\n".join(text.splitlines()[-lines:])


def failure_message(what: str, log_path: Path, detail: str = "") -> str:
    """A one-paragraph error naming the log file and quoting its tail."""
    head = f"{what}{': ' + detail if detail else ''}"
    return f"{head}\n--- last {LOG_TAIL_LINES} lines of {log_path} ---\n{tail(log_path)}\n--- end of log ---"


def clean_env(overrides: Mapping[str, str], drop_prefixes: Sequence[str] = ()) -> dict[str, str]:
    """os.environ without variables starting with `drop_prefixes` (or named exactly so), plus `overrides`."""
    env = {k: v for k, v in os.environ.items() if not any(k.startswith(p) for p in drop_prefixes)}
    env.update(overrides)
    env.setdefault("PYTHONUNBUFFERED", "1")
    return env


def run_logged(
    args: Sequence[str],
    *,
    env: Mapping[str, str],
    log_path: Path,
    cwd: Path = REPO_ROOT,
    timeout: float = 120.0,
) -> str:
    """Run a command to completion; return its stdout.

    stderr (where the gateway logs) is appended to `log_path`; stdout, the command's
    product output (`api-keys create` prints a raw key there by design), is appended to
    `stdout_path(log_path)` instead, a file that is not a log and is not scanned for
    secrets. A non-zero exit or a timeout raises ServiceStartError with the tails of both.
    """
    log_path.parent.mkdir(parents=True, exist_ok=True)
    try:
        result = subprocess.run(
            list(args),
            env=dict(env),
            cwd=cwd,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        _append(log_path, args, _text(exc.stdout), _text(exc.stderr), None)
        raise ServiceStartError(
            _with_stdout(failure_message(f"{' '.join(args)} timed out after {timeout:.0f}s", log_path), log_path)
        ) from exc
    _append(log_path, args, result.stdout, result.stderr, result.returncode)
    if result.returncode != 0:
        raise ServiceStartError(
            _with_stdout(failure_message(f"{' '.join(args)} exited with {result.returncode}", log_path), log_path)
        )
    return result.stdout


def run_pytest(*args: str, env: dict[str, str], timeout: float, workers: int = 0) -> subprocess.CompletedProcess[str]:
    """A nested pytest run from the repo root, on `workers` xdist workers (0: one process), its output captured."""
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-n", str(workers), *args],
        cwd=REPO_ROOT,
        env=clean_env(env),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def run_test_file(
    test_file: Path, *args: str, env: dict[str, str], timeout: float, workers: int = 0
) -> subprocess.CompletedProcess[str]:
    """`run_pytest` on a test file written outside tests/ (a throwaway), under the suite's conftest and settings."""
    suite = ("-p", "tests.conftest", "-c", str(REPO_ROOT / "pyproject.toml"), "--rootdir", str(REPO_ROOT))
    return run_pytest(*suite, *args, str(test_file), env=env, timeout=timeout, workers=workers)


def stdout_path(log_path: Path) -> Path:
    """Where `run_logged` keeps the stdout of the commands logged to `log_path` (`<name>.log.stdout`)."""
    return log_path.with_name(f"{log_path.name}.stdout")


def _with_stdout(message: str, log_path: Path) -> str:
    out = stdout_path(log_path)
    return f"{message}\n--- last {LOG_TAIL_LINES} lines of {out} ---\n{tail(out)}\n--- end of stdout ---"


def _text(data: str | bytes | None) -> str:
    if data is None:
        return ""
    return data.decode(errors="replace") if isinstance(data, bytes) else data


def _append(log_path: Path, args: Sequence[str], stdout: str, stderr: str, returncode: int | None) -> None:
    out = stdout_path(log_path)
    with out.open("a") as product:
        product.write(f"$ {' '.join(args)}\n{stdout}")
    with log_path.open("a") as log:
        log.write(f"$ {' '.join(args)}\n{stderr}[exit {returncode}; stdout in {out.name}]\n")


_live: set[ManagedProcess] = set()


@atexit.register
def _stop_leftovers() -> None:
    """Last resort when a run ends without its fixtures' teardown (e.g. an internal error)."""
    for process in list(_live):
        process.stop(timeout=5.0)


class ManagedProcess:
    """One long-running command, restartable, with its output appended to one log file."""

    def __init__(
        self,
        args: Sequence[str],
        *,
        env: Mapping[str, str],
        log_path: Path,
        cwd: Path = REPO_ROOT,
    ) -> None:
        self.args = list(args)
        self.env = dict(env)
        self.log_path = log_path
        self.cwd = cwd
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def running(self) -> bool:
        """True while the process is alive."""
        return self.proc is not None and self.proc.poll() is None

    @property
    def returncode(self) -> int | None:
        """The exit status of the last run (None while running or never started)."""
        return None if self.proc is None else self.proc.poll()

    def spawn(self) -> None:
        """Start the command (in a new session, stdin closed, output appended to the log)."""
        if self.running:
            raise RuntimeError(f"{self.args[0]} is already running")
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("ab") as log:
            log.write(f"=== {time.strftime('%H:%M:%S')} $ {' '.join(self.args)}\n".encode())
            log.flush()
            self.proc = subprocess.Popen(
                self.args,
                env=self.env,
                cwd=self.cwd,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        _live.add(self)

    def stop(self, timeout: float = 10.0) -> int | None:
        """SIGTERM the process group, wait up to `timeout` s, then SIGKILL it. Returns the exit status."""
        proc = self.proc
        if proc is None:
            return None
        if proc.poll() is None:
            self._signal(signal.SIGTERM)
            try:
                proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self._signal(signal.SIGKILL)
                proc.wait(5.0)
        # Children left behind in the group (if any) get no second chance.
        self._signal(signal.SIGKILL)
        _live.discard(self)
        return proc.returncode

    def _signal(self, signum: signal.Signals) -> None:
        assert self.proc is not None
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.proc.pid, signum)

    def log_text(self) -> str:
        """Everything the process (all its runs) wrote so far."""
        try:
            return self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def failure(self, what: str, detail: str = "") -> ServiceStartError:
        """A ServiceStartError for this process, with its exit status and log tail."""
        status = self.returncode
        extra = f"{detail}; " if detail else ""
        extra += "still running" if status is None else f"exit status {status}"
        return ServiceStartError(failure_message(what, self.log_path, extra))
