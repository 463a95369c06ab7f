"""Rate limits per principal: one token bucket for reads and one for mutations.

A bucket holds a minute's budget and refills continuously. With Redis the buckets live
there (one Lua script per check, so every gateway process draws from the same bucket);
embedded, they live in this process's memory. When Redis cannot answer, requests are
served and the failure is logged: the limiter protects the gateway, it must not take
billing down with it.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal, Protocol

import redis.asyncio as aioredis
from redis.exceptions import RedisError

from gateway.auth import Principal
from gateway.metrics import RATE_LIMITED
from gateway.settings import Settings

log = logging.getLogger("gateway.rate_limit")

BudgetKind = Literal["read", "mutation"]
KEY_PREFIX = "bgw:ratelimit"
REDIS_TIMEOUT_SECONDS = 0.5
FAILURE_LOG_INTERVAL_SECONDS = 30.0
MEMORY_BUCKETS_MAX = 100_000

# Redis' own clock, so processes with skewed clocks still agree; the state expires once
# a bucket would be full again, which keeps idle principals from piling up.
TAKE_SCRIPT = """
local capacity = tonumber(ARGV[1])
local rate = tonumber(ARGV[2])
local clock = redis.call('TIME')
local now = tonumber(clock[1]) + tonumber(clock[2]) / 1000000
local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(state[1]) or capacity
local at = tonumber(state[2]) or now
tokens = math.min(capacity, tokens + math.max(0, now - at) * rate)
local wait_ms = 0
if tokens >= 1 then
  tokens = tokens - 1
else
  wait_ms = math.ceil((1 - tokens) / rate * 1000)
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(now))
redis.call('PEXPIRE', KEYS[1], math.ceil(capacity / rate * 1000) + 1000)
return wait_ms
"""


@dataclass(frozen=True)
class Budget:
    """`capacity` requests at once, refilled at `per_second`."""

    capacity: int
    per_second: float

    @classmethod
    def per_minute(cls, count: int) -> Budget | None:
        """A minute's budget of `count`; None when `count` is 0 (the limit is off)."""
        return cls(capacity=count, per_second=count / 60.0) if count > 0 else None


@dataclass(frozen=True)
class Decision:
    allowed: bool
    retry_after_seconds: int = 0
    """Whole seconds until one request fits again (at least 1 when refused)."""


ALLOWED = Decision(allowed=True)


class Buckets(Protocol):
    async def take(self, key: str, budget: Budget) -> float:
        """Take one token from `key`; 0 when taken, else the seconds until one is available."""
        ...

    async def aclose(self) -> None: ...


class MemoryBuckets:
    """Buckets in this process (embedded mode: one process serves everything)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._state: dict[str, tuple[float, float]] = {}

    async def take(self, key: str, budget: Budget) -> float:
        now = self._clock()
        tokens, at = self._state.get(key, (float(budget.capacity), now))
        tokens = min(float(budget.capacity), tokens + max(0.0, now - at) * budget.per_second)
        wait = 0.0
        if tokens >= 1:
            tokens -= 1
        else:
            wait = (1 - tokens) / budget.per_second
        if len(self._state) >= MEMORY_BUCKETS_MAX and key not in self._state:
            self._state.clear()  # a flood of principals: forgetting buckets only ever allows more
        self._state[key] = (tokens, now)
        return wait

    async def aclose(self) -> None:
        self._state.clear()


class RedisBuckets:
    """Buckets in Redis, shared by every gateway process on it."""

    def __init__(self, redis_url: str) -> None:
        self._client: aioredis.Redis = aioredis.Redis.from_url(
            redis_url, socket_timeout=REDIS_TIMEOUT_SECONDS, socket_connect_timeout=REDIS_TIMEOUT_SECONDS
        )
        self._script = self._client.register_script(TAKE_SCRIPT)

    async def take(self, key: str, budget: Budget) -> float:
        wait_ms = await self._script(keys=[key], args=[budget.capacity, budget.per_second])
        return int(wait_ms) / 1000.0

    async def aclose(self) -> None:
        await self._client.aclose()


class RateLimiter:
    """Decides whether a principal may run one more read or mutation now."""

    def __init__(self, settings: Settings, buckets: Buckets | None = None) -> None:
        self._budgets: dict[BudgetKind, Budget | None] = {
            "read": Budget.per_minute(settings.rate_limit_reads_per_minute),
            "mutation": Budget.per_minute(settings.rate_limit_mutations_per_minute),
        }
        if buckets is None:
            buckets = RedisBuckets(settings.redis_url) if settings.redis_url else MemoryBuckets()
        self._buckets = buckets
        self._last_failure_log = -math.inf
        log.info("rate limiter: %s", "redis" if isinstance(buckets, RedisBuckets) else "in memory")

    async def take(self, principal: Principal, kind: BudgetKind) -> Decision:
        """Charge one request of `kind` to `principal`."""
        budget = self._budgets[kind]
        if budget is None:
            return ALLOWED
        key = f"{KEY_PREFIX}:{kind}:{principal.kind}:{principal.id}"
        try:
            wait = await self._buckets.take(key, budget)
        except (RedisError, OSError):
            self._log_failure()
            return ALLOWED
        if wait <= 0:
            return ALLOWED
        RATE_LIMITED.labels(budget=kind).inc()
        return Decision(allowed=False, retry_after_seconds=max(1, math.ceil(wait)))

    def _log_failure(self) -> None:
        now = time.monotonic()
        if now - self._last_failure_log >= FAILURE_LOG_INTERVAL_SECONDS:
            self._last_failure_log = now
            log.warning("rate limiter cannot reach Redis; serving requests unlimited until it answers", exc_info=True)

    async def aclose(self) -> None:
        await self._buckets.aclose()
