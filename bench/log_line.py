"""`uv run python -m bench.log_line`: what one access line costs, formatted and redacted as in production.

The line every HTTP request writes (`gateway.access_log`), through `base.logs.configure_logging` with
production settings (JSON renderer, redaction of every value and of the rendered line), into a
memory stream. Prints the best of `REPEATS` timings of `LINES` lines, in µs per line: the best run is the
one least disturbed by other work on the machine.
"""

from __future__ import annotations

import io
import logging
import time

import structlog

from base.logs import configure_logging
from base.settings import Settings

LINES = 20_000
REPEATS = 5
REQUEST_ID = "0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b"


def _settings() -> Settings:
    return Settings(  # type: ignore[call-arg]
        _env_file=None,
        gateway_env="production",
        gateway_secret="x" * 40,
        database_url="postgres://bench@127.0.0.1/bench",
        stripe_api_key="sk_test_x",
        stripe_webhook_secret="whsec_x",
    )


def main() -> None:
    """Time the access line; print µs per line."""
    configure_logging(_settings())
    handler = logging.getLogger().handlers[0]
    assert isinstance(handler, logging.StreamHandler)
    handler.setStream(io.StringIO())
    log = structlog.get_logger("gateway.access")

    def line() -> None:
        with structlog.contextvars.bound_contextvars(request_id=REQUEST_ID):
            log.info(
                "http request", method="POST", path="/graphql", query_keys=None, status=200,
                duration_ms=1.23, client="127.0.0.1", pid=12345,
            )  # fmt: skip

    for _ in range(1000):
        line()
    timings = []
    for _ in range(REPEATS):
        handler.setStream(io.StringIO())
        started = time.perf_counter()
        for _ in range(LINES):
            line()
        timings.append((time.perf_counter() - started) / LINES * 1e6)
    print(f"access line: {min(timings):.1f} us (best of {REPEATS} x {LINES:,} lines; all: "
          + ", ".join(f"{t:.1f}" for t in timings) + ")")  # fmt: skip


if __name__ == "__main__":
    main()
