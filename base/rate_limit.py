"""Rate limits per principal: one token bucket for reads and one for mutations.

A bucket holds a minute's budget and refills continuously. With Redis the buckets live
there (one Lua script per check, so every gateway process draws from the same bucket);
embedded, they live in this process's memory.

When Redis cannot answer (down, or slower than `REDIS_TIMEOUT_SECONDS`), the limiter falls
back to buckets in this process's memory: the limit still applies, per process (N gateway
processes let through up to N budgets), and billing is not taken down with Redis. For
`REDIS_RETRY_SECONDS` after a failure, requests go straight to memory (a hung Redis costs
one timeout, not one per request); then the next request tries Redis again, and the limiter
goes back to it as soon as it answers. A warning is logged at most every
`FAILURE_LOG_INTERVAL_SECONDS`; `gateway_rate_limit_fallback` is 1 while in memory and
`gateway_rate_limit_redis_errors_total` counts the failures (docs/degraded-mode.md).

Redis connections: one bounded pool (`REDIS_POOL_SIZE`), so a burst of requests cannot leave
the process holding one idle connection per request it once served concurrently.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal, Protocol

import redis.asyncio as aioredis
from redis.exceptions import RedisError

from base.metrics import RATE_LIMIT_FALLBACK, RATE_LIMIT_REDIS_ERRORS, RATE_LIMITED
from base.principals import Principal
from base.redis_calls import honour_cancellation
from base.redis_names import RedisNames
from base.settings import Settings

log = logging.getLogger("base.rate_limit")

BudgetKind = Literal["read", "mutation"]
REDIS_TIMEOUT_SECONDS = 0.5
REDIS_RETRY_SECONDS = 2.0
"""After Redis failed, how long requests use the in-memory buckets before Redis is tried again."""
REDIS_POOL_SIZE = 8
"""Most Redis connections the limiter holds; a request finding none free within the timeout falls back."""
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

    def __init__(self, redis_url: str, names: RedisNames) -> None:
        pool = aioredis.BlockingConnectionPool.from_url(
            redis_url,
            max_connections=REDIS_POOL_SIZE,
            timeout=REDIS_TIMEOUT_SECONDS,
            socket_timeout=REDIS_TIMEOUT_SECONDS,
            socket_connect_timeout=REDIS_TIMEOUT_SECONDS,
            client_name=names.client_name("rate-limit"),
        )
        self._client: aioredis.Redis = aioredis.Redis(connection_pool=pool)
        self._script = self._client.register_script(TAKE_SCRIPT)

    async def take(self, key: str, budget: Budget) -> float:
        # The whole call, waiting for a free connection included, within the timeout.
        async with asyncio.timeout(REDIS_TIMEOUT_SECONDS * 2):
            wait_ms = await honour_cancellation(self._script(keys=[key], args=[budget.capacity, budget.per_second]))
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
        self._names = RedisNames.of(settings)
        if buckets is None:
            buckets = RedisBuckets(settings.redis_url, self._names) if settings.redis_url else MemoryBuckets()
        self._buckets = buckets
        self._shared = not isinstance(buckets, MemoryBuckets)
        """Whether `buckets` is shared (Redis) and so may fail; then `_fallback` stands in for it."""
        self._fallback: MemoryBuckets | None = None
        """This process's buckets while the shared ones fail: made on the first failure (never, embedded)."""
        self._use_fallback_until = -math.inf
        self._last_failure_log = -math.inf
        RATE_LIMIT_FALLBACK.set(0)
        log.info("rate limiter: %s", "redis" if self._shared else "in memory")

    @property
    def degraded(self) -> bool:
        """True while the shared buckets are unreachable and this process counts on its own."""
        return self._use_fallback_until > -math.inf

    async def take(self, principal: Principal, kind: BudgetKind) -> Decision:
        """Charge one request of `kind` to `principal`."""
        budget = self._budgets[kind]
        if budget is None:
            return ALLOWED
        key = self._names.rate_limit_key(kind, principal.kind, principal.id)
        wait = await self._take(key, budget)
        if wait <= 0:
            return ALLOWED
        RATE_LIMITED.labels(budget=kind).inc()
        return Decision(allowed=False, retry_after_seconds=max(1, math.ceil(wait)))

    async def _take(self, key: str, budget: Budget) -> float:
        """From the shared buckets, or this process's while they are unreachable."""
        if not self._shared:
            return await self._buckets.take(key, budget)
        if time.monotonic() < self._use_fallback_until:
            return await self._memory().take(key, budget)
        try:
            wait = await self._buckets.take(key, budget)
        except (RedisError, OSError, TimeoutError) as exc:
            self._failed(exc)
            return await self._memory().take(key, budget)
        if self.degraded:
            self._use_fallback_until = -math.inf
            RATE_LIMIT_FALLBACK.set(0)
            log.warning("rate limiter: Redis answers again; back to the shared buckets")
        return wait

    def _memory(self) -> MemoryBuckets:
        """The fallback buckets, made on first use."""
        if self._fallback is None:
            self._fallback = MemoryBuckets()
        return self._fallback

    def _failed(self, exc: BaseException) -> None:
        now = time.monotonic()
        self._use_fallback_until = now + REDIS_RETRY_SECONDS
        RATE_LIMIT_FALLBACK.set(1)
        RATE_LIMIT_REDIS_ERRORS.inc()
        if now - self._last_failure_log >= FAILURE_LOG_INTERVAL_SECONDS:
            self._last_failure_log = now
            log.warning(
                "rate limiter cannot reach Redis (%s); limiting with this process's own buckets until it answers",
                type(exc).__name__ if isinstance(exc, TimeoutError) else exc,
            )

    async def aclose(self) -> None:
        await self._buckets.aclose()
