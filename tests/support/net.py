"""Ports and HTTP polling for tests that start servers."""

from __future__ import annotations

import socket
import time
from collections.abc import Callable

import httpx

POLL_INTERVAL_SECONDS = 0.05


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port that was free on `host` a moment ago (the OS picks it; a race is possible but rare)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        port: int = sock.getsockname()[1]
        return port


def wait_for_http(
    url: str,
    *,
    timeout: float,
    auth: tuple[str, str] | None = None,
    expect_status: int = 200,
    alive: Callable[[], bool] = lambda: True,
) -> httpx.Response:
    """Poll `GET url` every 50 ms until it answers `expect_status`.

    Returns the answering response. Raises TimeoutError after `timeout` seconds, or
    RuntimeError as soon as `alive()` turns false (the server process died).
    """
    deadline = time.monotonic() + timeout
    last: str = "no answer yet"
    with httpx.Client(timeout=2.0, auth=auth) as client:
        while True:
            if not alive():
                raise RuntimeError(f"process exited before {url} answered ({last})")
            try:
                response = client.get(url)
            except httpx.TransportError as exc:
                last = f"{type(exc).__name__}: {exc}"
            else:
                if response.status_code == expect_status:
                    return response
                last = f"HTTP {response.status_code}: {response.text[:200]}"
            if time.monotonic() >= deadline:
                raise TimeoutError(f"{url} did not answer {expect_status} within {timeout:.0f}s (last: {last})")
            time.sleep(POLL_INTERVAL_SECONDS)
