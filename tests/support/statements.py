"""Counting the SQL statements a block of code sends."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

import asyncpg  # type: ignore[import-untyped]
import pytest

_DRIVER_METHODS = ("fetch", "fetchrow", "fetchval", "execute", "executemany")


_in_reset: ContextVar[bool] = ContextVar("in_reset", default=False)


class _Collect(logging.Handler):
    def __init__(self, sink: list[str]) -> None:
        super().__init__(level=logging.DEBUG)
        self.sink = sink

    def emit(self, record: logging.LogRecord) -> None:
        self.sink.append(record.getMessage())


class StatementCounter:
    """The statements run while `counting()` is open: `logged` (Tortoise's log) and `driver` (asyncpg)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.monkeypatch = monkeypatch
        self.logged: list[str] = []
        self.driver: list[str] = []
        self.resets = 0
        self._active = False
        connection_class = asyncpg.connection.Connection
        for name in _DRIVER_METHODS:
            monkeypatch.setattr(connection_class, name, self._wrap(getattr(connection_class, name)))
        monkeypatch.setattr(connection_class, "reset", self._wrap_reset(connection_class.reset))

    def _wrap(self, method: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(method)
        async def counted(connection: Any, query: str, *args: Any, **kwargs: Any) -> Any:
            if self._active and not _in_reset.get():
                self.driver.append(query)
            return await method(connection, query, *args, **kwargs)

        return counted

    def _wrap_reset(self, method: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(method)
        async def reset(connection: Any, *args: Any, **kwargs: Any) -> Any:
            if self._active:
                self.resets += 1
            token = _in_reset.set(True)  # per task: marks only this release's own statements
            try:
                return await method(connection, *args, **kwargs)
            finally:
                _in_reset.reset(token)

        return reset

    @contextmanager
    def counting(self) -> Iterator[StatementCounter]:
        self.logged.clear()
        self.driver.clear()
        self.resets = 0
        logger = logging.getLogger("tortoise.db_client")
        handler = _Collect(self.logged)
        level, propagate = logger.level, logger.propagate
        logger.addHandler(handler)
        # DEBUG so Tortoise emits one record per statement; no propagation so pytest does not keep them all.
        logger.setLevel(logging.DEBUG)
        logger.propagate = False
        self._active = True
        try:
            yield self
        finally:
            self._active = False
            logger.removeHandler(handler)
            logger.setLevel(level)
            logger.propagate = propagate

    @property
    def count(self) -> int:
        """The number of statements; fails when the two ways of counting disagree."""
        assert len(self.logged) == len(self.driver), (self.logged, self.driver)
        return len(self.driver)
