"""Which customer sessions are revoked, as seen by this process, at most `REFRESH_SECONDS` old.

A session is revoked when its `customer_sessions` row has `revoked_at` (by `revokeCustomerSession`
or `revokeCustomerSessions`), or when the API key that minted it is revoked (`api_keys.revoked_at`,
whichever path revoked it: the CLI today). Both live in the database every gateway process shares.

Each process keeps one snapshot: the `jti`s of revoked sessions not yet expired, and the ids of
revoked API keys. It is read again when older than `REFRESH_SECONDS` by the next request that needs
it (one query at a time; concurrent requests wait for the same read), so a revocation committed in
any process refuses the session's next HTTP request everywhere within REFRESH_SECONDS plus one query.
A failed read raises: a session is never let through on a snapshot too old to trust.

Open WebSocket connections of customer sessions are watched (`SessionWatch`): one task per process,
running while such sockets are open, refreshes the snapshot every `REFRESH_SECONDS` and closes the
sockets of revoked sessions with 4403 `session revoked`; each socket is also closed at its token's
expiry with 4403 `session expired`. 4403 is what a bad token gets at `connection_init`, and
graphql-ws clients reconnect after it (asking their `connectionParams` for a token again).
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import logging
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from base.principals import AuthenticationError, Principal
from models import ApiKey, CustomerSession

log = logging.getLogger("billing.revocations")

REFRESH_SECONDS = 0.5
"""How old the snapshot may be: a revocation takes effect in every process within this plus one query."""
WS_CLOSE_CODE = 4403


@dataclass(frozen=True)
class Snapshot:
    sessions: frozenset[str] = frozenset()
    """`jti`s of revoked sessions that have not expired."""
    api_keys: frozenset[str] = frozenset()
    """Ids of revoked API keys."""
    taken_at: float = float("-inf")
    """`time.monotonic()` when the read began."""

    def revoked(self, principal: Principal) -> bool:
        return principal.id in self.sessions or (principal.minted_by or "") in self.api_keys


async def read_snapshot() -> Snapshot:
    """The revocations in the database now."""
    started = time.monotonic()
    sessions = await CustomerSession.filter(revoked_at__isnull=False, expires_at__gt=datetime.now(UTC)).values_list(
        "jti", flat=True
    )
    keys = await ApiKey.filter(revoked_at__isnull=False).values_list("id", flat=True)
    return Snapshot(frozenset(str(jti) for jti in sessions), frozenset(str(key) for key in keys), started)


@dataclass
class Revocations:
    """This process's view of revoked sessions (see the module's docstring)."""

    refresh_seconds: float = REFRESH_SECONDS
    snapshot: Snapshot = field(default_factory=Snapshot)
    _reading: asyncio.Task[Snapshot] | None = None
    _floor: float = float("-inf")
    """Reads begun before this (`forget`) are too old to use."""

    async def current(self) -> Snapshot:
        """A snapshot at most `refresh_seconds` old (read now if it is older)."""
        now = time.monotonic()
        if self.snapshot.taken_at >= self._floor and now - self.snapshot.taken_at <= self.refresh_seconds:
            return self.snapshot
        reading = self._reading
        if reading is None or reading.done() or reading.get_loop() is not asyncio.get_running_loop():
            reading = self._reading = asyncio.ensure_future(read_snapshot())
        # Shielded: one caller going away must not cancel the read the others wait for.
        snapshot = await asyncio.shield(reading)
        if snapshot.taken_at > self.snapshot.taken_at and snapshot.taken_at >= self._floor:
            self.snapshot = snapshot
        return snapshot

    async def check(self, principal: Principal) -> None:
        """AuthenticationError when `principal` is a revoked customer session."""
        if principal.kind != "customer_session":
            return
        if (await self.current()).revoked(principal):
            raise AuthenticationError("revoked session token")

    def forget(self) -> None:
        """Drop the snapshot and any read in flight: the next check reads the database again.

        Called after this process committed a revocation, so the process that revoked a session refuses it at once.
        """
        self.snapshot = Snapshot()
        self._reading = None
        self._floor = time.monotonic()


Close = Callable[[str], Coroutine[Any, Any, None]]
"""Closes one socket with `WS_CLOSE_CODE` and the given reason."""


@dataclass(eq=False)
class _Watched:
    principal: Principal
    close: Close
    expiry: asyncio.TimerHandle | None = None
    closing: bool = False


class SessionWatch:
    """Closes the WebSocket connections of customer sessions that are revoked or expire."""

    def __init__(self, revocations: Revocations) -> None:
        self.revocations = revocations
        self._watched: set[_Watched] = set()
        self._task: asyncio.Task[None] | None = None

    def watch(self, principal: Principal, close: Close) -> Callable[[], None]:
        """Watch one socket of a customer session; returns the function that stops watching it."""
        watched = _Watched(principal, close)
        loop = asyncio.get_running_loop()
        if principal.expires_at is not None:
            delay = max(0.0, principal.expires_at - time.time())
            watched.expiry = loop.call_later(delay, self._close_soon, watched, "session expired")
        self._watched.add(watched)
        if self._task is None or self._task.done():
            # A context of its own: not the bound log context of the socket that happened to start it.
            self._task = loop.create_task(self._poll(), context=contextvars.Context())

        def unwatch() -> None:
            if watched.expiry is not None:
                watched.expiry.cancel()
            self._watched.discard(watched)

        return unwatch

    def _close_soon(self, watched: _Watched, reason: str) -> None:
        if watched.closing or watched not in self._watched:
            return
        watched.closing = True
        task: asyncio.Task[None] = asyncio.get_running_loop().create_task(watched.close(reason))
        task.add_done_callback(_log_failure)

    async def _poll(self) -> None:
        while self._watched:
            await asyncio.sleep(self.revocations.refresh_seconds)
            try:
                snapshot = await self.revocations.current()
            except Exception as exc:  # the database is away: keep the sockets, try again next round
                log.warning("could not read session revocations: %s", exc)
                continue
            for watched in list(self._watched):
                if snapshot.revoked(watched.principal):
                    self._close_soon(watched, "session revoked")


def _log_failure(task: asyncio.Task[None]) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.warning("closing a socket of an ended session failed", exc_info=task.exception())


revocations = Revocations()
"""The process's revocation snapshot (HTTP and WebSocket authentication both read it)."""
session_watch = SessionWatch(revocations)


SESSION_ROWS_KEPT = timedelta(days=1)
"""How long a session's row outlives its expiry (what revoked it stays readable in the database)."""


async def purge_expired_sessions() -> int:
    """Delete session rows expired more than `SESSION_ROWS_KEPT` ago; how many went."""
    deleted: int = await CustomerSession.filter(expires_at__lt=datetime.now(UTC) - SESSION_ROWS_KEPT).delete()
    return deleted


async def shutdown() -> None:
    """Stop the watch task (the app's lifespan calls it)."""
    task = session_watch._task
    if task is not None:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
