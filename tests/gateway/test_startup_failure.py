"""A failed lifespan start-up: one error line naming the reason, no traceback handed to uvicorn."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator

import pytest
from starlette.applications import Starlette
from starlette.types import Message

from base.settings import ConfigurationError
from gateway.startup_failure import StartupFailureLine, reason_of


def test_the_reason_is_one_line() -> None:
    assert reason_of(ConfigurationError("DATABASE_URL is wrong")) == "DATABASE_URL is wrong"
    assert reason_of(OSError("first\nsecond")) == "OSError: first"
    assert reason_of(RuntimeError()) == "RuntimeError"


async def test_a_failed_start_up_is_one_line_and_uvicorn_gets_no_traceback(caplog: pytest.LogCaptureFixture) -> None:
    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        raise ConfigurationError("DATABASE_URL is not a usable PostgreSQL URL: Port is not an integer")
        yield  # pragma: no cover

    app = StartupFailureLine(Starlette(lifespan=lifespan))
    sent: list[Message] = []

    async def receive() -> Message:
        return {"type": "lifespan.startup"}

    async def send(message: Message) -> None:
        sent.append(message)

    with caplog.at_level(logging.ERROR, logger="gateway.startup"), pytest.raises(ConfigurationError):
        await app({"type": "lifespan", "asgi": {"version": "3.0"}, "state": {}}, receive, send)
    assert sent == [{"type": "lifespan.startup.failed", "message": ""}]
    assert [record.getMessage().split(": ", 1)[1] for record in caplog.records] == [
        "DATABASE_URL is not a usable PostgreSQL URL: Port is not an integer"
    ]
