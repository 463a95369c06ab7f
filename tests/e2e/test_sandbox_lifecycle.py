"""`serve`'s sandbox lives and dies with it (issue 13, item 3; acceptance 2).

Real `billing-gateway serve` processes in embedded mode (their own sandbox, free ports),
stopped by a signal sent to `serve` alone, the way a supervisor or a terminal does. After
each, `ps` lists none of its children, and nothing listens on its ports.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from pathlib import Path

import httpx
import pytest

from tests.support.embedded import EmbeddedServe
from tests.support.localstripe import LocalStripe
from tests.support.net import free_port
from tests.support.proc_scan import alive, child_pids, listening_addresses, listening_pids, pids_running

pytestmark = pytest.mark.timeout(240)


@pytest.fixture
def serve(tmp_path: Path, test_logs: Path) -> Iterator[EmbeddedServe]:
    process = EmbeddedServe(tmp_path / "work", test_logs)
    yield process
    process.stop()


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT, signal.SIGHUP], ids=lambda s: s.name)
def test_a_stop_signal_leaves_no_child_behind(serve: EmbeddedServe, signum: signal.Signals) -> None:
    serve.start()
    sandbox_pid = serve.sandbox_record()["pid"]
    children = child_pids(serve.pid)
    assert sandbox_pid in children and alive(children) == children
    assert listening_pids(serve.sandbox_port) == {sandbox_pid}
    assert listening_addresses(serve.sandbox_port) == {"127.0.0.1"}, "the sandbox must listen on loopback only"

    serve.send(signum)
    status = serve.wait(timeout=60)

    # Checked the moment `serve` is gone, not after a grace period.
    assert status == 0, serve.process.log_text()[-3000:]
    assert alive(children) == set(), f"left running after {signum.name}: {alive(children)}"
    assert pids_running("--parent", str(serve.pid)) == set()
    assert listening_pids(serve.sandbox_port) == set() and listening_pids(serve.port) == set()
    assert not (serve.workdir / ".sandbox" / "sandbox.json").exists()


@contextlib.contextmanager
def _held_by_a_plain_socket(port: int, test_logs: Path) -> Iterator[None]:
    with socket.socket() as stray:
        stray.bind(("127.0.0.1", port))
        stray.listen()
        yield


@contextlib.contextmanager
def _held_by_another_emulator(port: int, test_logs: Path) -> Iterator[None]:
    """As a sandbox left running by an earlier `serve` would."""
    emulator = LocalStripe(test_logs, port=port, name="stray-emulator")
    emulator.start()
    try:
        yield
    finally:
        emulator.stop()


@pytest.mark.parametrize("stray", [_held_by_a_plain_socket, _held_by_another_emulator], ids=["socket", "emulator"])
def test_a_stray_listener_on_the_sandbox_port_fails_the_start_clearly(
    tmp_path: Path, test_logs: Path, stray: Callable[[int, Path], AbstractContextManager[None]]
) -> None:
    sandbox_port = free_port()
    serve = EmbeddedServe(tmp_path / "work", test_logs, sandbox_port=sandbox_port)
    with stray(sandbox_port, test_logs), contextlib.closing(serve):
        holders_before = listening_pids(sandbox_port)
        serve.spawn()
        status = serve.wait(timeout=60)
        output = serve.process.log_text()
        assert status != 0, output[-3000:]
        assert f"the sandbox's port {sandbox_port} on 127.0.0.1 is held by another process" in output
        assert "SANDBOX_PORT" in output and f"sport = :{sandbox_port}" in output
        assert "Uvicorn running" not in output
        assert pids_running("--parent", str(serve.pid)) == set()
        assert listening_pids(sandbox_port) == holders_before and listening_pids(serve.port) == set()


def test_readiness_is_not_ok_against_an_emulator_serve_did_not_start(serve: EmbeddedServe, test_logs: Path) -> None:
    serve.start()
    ready = httpx.get(f"{serve.url}/health/ready", timeout=10).json()
    assert ready["status"] == "ok", ready
    # The sandbox dies and another emulator takes its port.
    os.kill(serve.sandbox_record()["pid"], signal.SIGKILL)
    stray = LocalStripe(test_logs, port=serve.sandbox_port, name="usurper")
    stray.start()
    try:
        deadline = time.monotonic() + 30
        while True:
            ready = httpx.get(f"{serve.url}/health/ready", timeout=10).json()
            stripe = ready["checks"]["stripe"]
            if not stripe["ok"] and "not the sandbox this gateway started" in stripe.get("error", ""):
                break
            assert time.monotonic() < deadline, f"readiness still trusts the stray emulator: {ready}"
            time.sleep(0.2)
        assert ready["status"] == "degraded" and ready["degraded"] == ["stripe"]
    finally:
        stray.stop()
