"""`base.rate_limit`: the memory buckets standing in for Redis are made only once Redis fails."""

from __future__ import annotations

from redis.exceptions import ConnectionError as RedisConnectionError

from base.principals import Principal
from base.rate_limit import Budget, MemoryBuckets, RateLimiter
from base.settings import Settings

PRINCIPAL = Principal(kind="api_key", id="k")


class _FailingBuckets:
    """Shared buckets whose Redis never answers."""

    async def take(self, key: str, budget: Budget) -> float:
        raise RedisConnectionError("down")

    async def aclose(self) -> None:
        return None


async def test_embedded_limiter_builds_no_fallback() -> None:
    limiter = RateLimiter(Settings(_env_file=None))  # type: ignore[call-arg]
    assert (await limiter.take(PRINCIPAL, "read")).allowed
    assert limiter._fallback is None
    await limiter.aclose()


async def test_the_fallback_is_made_when_the_shared_buckets_fail() -> None:
    limiter = RateLimiter(Settings(_env_file=None), buckets=_FailingBuckets())  # type: ignore[call-arg]
    assert limiter._fallback is None
    assert (await limiter.take(PRINCIPAL, "read")).allowed
    assert isinstance(limiter._fallback, MemoryBuckets) and limiter.degraded
    await limiter.aclose()
