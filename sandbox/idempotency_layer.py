"""Stripe's `Idempotency-Key` rules in front of localstripe, which ignores the header (issue 12).

- a POST with `Idempotency-Key` is remembered per API key (the `Authorization` header)
  with a fingerprint of its method, path, query and body;
- the same key and the same request again: the first response is replayed byte for
  byte, with `Idempotent-Replayed: true`, and localstripe does nothing;
- the same key with another request: HTTP 400, Stripe's `idempotency_error` shape;
- the same key while the first request still runs: HTTP 409, `idempotency_key_in_use`;
- a 5xx answer (localstripe crashed) is not remembered, so a retry runs again;
- keys are kept `KEY_TTL_SECONDS` (24 h, Stripe's window), in memory, at most
  `MAX_KEYS` (the oldest go first).
"""

from __future__ import annotations

import hashlib
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Final

from aiohttp import web

KEY_TTL_SECONDS: Final = 24 * 3600
MAX_KEYS: Final = 10_000
_REPLAYED_HEADERS: Final = ("Content-Type",)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@dataclass
class _Entry:
    fingerprint: str
    stored_at: float
    status: int | None = None
    body: bytes = b""
    headers: tuple[tuple[str, str], ...] = ()


def _error(status: int, type_: str, message: str, code: str | None = None) -> web.Response:
    error: dict[str, str] = {"type": type_, "message": message}
    if code is not None:
        error["code"] = code
    return web.json_response({"error": error}, status=status)


class IdempotencyLayer:
    """Stripe's idempotency rules for POSTs, as an aiohttp middleware (`layer.middleware`)."""

    def __init__(self, ttl_seconds: float = KEY_TTL_SECONDS, max_keys: int = MAX_KEYS) -> None:
        self._ttl = ttl_seconds
        self._max_keys = max_keys
        self._entries: OrderedDict[tuple[str, str], _Entry] = OrderedDict()

    def _forget_old(self, now: float) -> None:
        while self._entries:
            scope, entry = next(iter(self._entries.items()))
            if entry.stored_at > now - self._ttl and len(self._entries) < self._max_keys:
                return
            del self._entries[scope]

    @web.middleware
    async def middleware(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        key = request.headers.get("Idempotency-Key")
        if request.method != "POST" or not key:
            return await handler(request)
        body = await request.read()  # aiohttp keeps it for localstripe's own read
        scope = (hashlib.sha256(request.headers.get("Authorization", "").encode()).hexdigest(), key)
        fingerprint = hashlib.sha256(b"\n".join([request.method.encode(), request.path_qs.encode(), body])).hexdigest()
        now = time.monotonic()
        self._forget_old(now)
        entry = self._entries.get(scope)
        if entry is not None:
            if entry.fingerprint != fingerprint:
                return _error(
                    400,
                    "idempotency_error",
                    "Keys for idempotent requests can only be used with the same parameters they were first "
                    f"used with. Try using a key other than '{key}' if you meant to execute a different request.",
                )
            if entry.status is None:
                return _error(
                    409,
                    "invalid_request_error",
                    "There is currently another in-progress request using this idempotency key. Try again later.",
                    code="idempotency_key_in_use",
                )
            replay = web.Response(status=entry.status, body=entry.body, headers=dict(entry.headers))
            replay.headers["Idempotency-Key"] = key
            replay.headers["Idempotent-Replayed"] = "true"
            return replay
        entry = self._entries[scope] = _Entry(fingerprint, now)
        try:
            response = await handler(request)
        except BaseException:  # aiohttp's HTTPExceptions (an unknown route) too: not a result
            self._entries.pop(scope, None)
            raise
        if response.status >= 500 or not isinstance(response, web.Response) or not isinstance(response.body, bytes):
            self._entries.pop(scope, None)
            return response
        entry.status = response.status
        entry.body = response.body
        entry.headers = tuple((name, response.headers[name]) for name in _REPLAYED_HEADERS if name in response.headers)
        response.headers["Idempotency-Key"] = key
        return response
