"""Waiting on a condition in tests: poll it until it holds, and fail with what was awaited after a deadline."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

POLL_INTERVAL_SECONDS = 0.02


async def wait_until(condition: Callable[[], object], what: str, timeout: float = 10.0) -> None:
    """Poll `condition()` until it is truthy; AssertionError naming `what` after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"{what}: not within {timeout:.0f} s"
        await asyncio.sleep(POLL_INTERVAL_SECONDS)
