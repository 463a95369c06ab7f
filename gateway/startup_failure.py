"""A lifespan start-up that fails is reported on one error line, without a traceback.

Starlette hands uvicorn the start-up exception's whole traceback (`lifespan.startup.failed`),
which uvicorn logs; under `serve --workers N` every worker printed it before `serve` exited 3.
What an operator needs (a setting that does not work, say) is the exception's message.
"""

from __future__ import annotations

import logging
import os

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from base.settings import ConfigurationError

__all__ = ["StartupFailureLine", "reason_of"]

log = logging.getLogger("gateway.startup")


def reason_of(exc: BaseException) -> str:
    """One line: the exception's first line, after its type unless it is a setting's (which names itself)."""
    lines = str(exc).strip().splitlines()
    text = lines[0] if lines else ""
    if isinstance(exc, ConfigurationError) and text:
        return text
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


class StartupFailureLine:
    """Pure ASGI middleware: a failed lifespan start-up is one `error` line instead of uvicorn's traceback."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "lifespan":
            await self.app(scope, receive, send)
            return
        failed = False

        async def without_traceback(message: Message) -> None:
            nonlocal failed
            if message["type"] == "lifespan.startup.failed":
                failed = True
                message = {"type": message["type"], "message": ""}  # uvicorn logs a non-empty one
            await send(message)

        try:
            await self.app(scope, receive, without_traceback)
        except Exception as exc:
            if failed:
                # Starlette raises right after its send, so this line precedes uvicorn's exit.
                log.error("gateway process %d could not start: %s", os.getpid(), reason_of(exc))
            raise
