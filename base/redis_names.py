"""Every name the gateway gives something in Redis, under one namespace per deployment.

Two deployments may share one Redis server. Keys are already apart when they use different
database numbers, but pub/sub channels are not: Redis delivers a PUBLISH to every subscriber
of that channel name on the server, whatever database either side selected. So every name,
keys and channel alike, starts with the deployment's namespace `<REDIS_PREFIX>:<db>`, where
`<db>` is the database number of `REDIS_URL` (0 when it names none):

- `<ns>:status`: the live status channel (`live.bus`, `live.hub`);
- `<ns>:credentials`: revoked API keys, announced to every gateway process (`live.credential_events`);
- `<ns>:ratelimit:<budget>:<principal kind>:<principal id>`: the rate limiter's buckets;
- `<ns>:dramatiq`: Dramatiq's namespace (its queues, acks and heartbeats are `<ns>:dramatiq:…`);
- `<ns>:<role>`: connection names, as Redis' CLIENT LIST shows them.

The gateway and its workers must read the same `REDIS_URL` and `REDIS_PREFIX` to find each
other (docs/redis-namespaces.md: changing either, and draining the old queue).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final, Protocol

from redis.connection import parse_url

__all__ = ["DEFAULT_PREFIX", "RedisNames", "RedisSettings", "prefix_problem", "redis_db"]

DEFAULT_PREFIX: Final = "billing-gateway"
PREFIX_MAX_LENGTH: Final = 64
# No spaces (Redis refuses them in client names) and no glob characters, so that
# `SCAN MATCH <ns>:*` finds exactly this deployment's keys.
_PREFIX: Final = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]*")


def prefix_problem(prefix: str) -> str | None:
    """Why `prefix` cannot be a REDIS_PREFIX (a phrase), or None when it can."""
    if not prefix:
        return "is empty"
    if len(prefix) > PREFIX_MAX_LENGTH:
        return f"is longer than {PREFIX_MAX_LENGTH} characters"
    if not _PREFIX.fullmatch(prefix) or prefix.endswith(":"):
        return "may hold only letters, digits and . _ : - (starting with a letter or digit, not ending with :)"
    return None


def redis_db(redis_url: str | None) -> int:
    """The database number a client of `redis_url` selects, as redis-py reads it (0 when none is named)."""
    if not redis_url:
        return 0
    db = parse_url(redis_url).get("db")  # type: ignore[no-untyped-call]
    return int(db) if db is not None else 0


class RedisSettings(Protocol):
    """What the names are made of: `base.settings.Settings` has both (settings import this module, not the reverse)."""

    @property
    def redis_url(self) -> str | None: ...

    @property
    def redis_prefix(self) -> str: ...


@dataclass(frozen=True)
class RedisNames:
    """The names of one deployment's keys, channel, Dramatiq namespace and connections."""

    prefix: str
    db: int

    @classmethod
    def of(cls, settings: RedisSettings) -> RedisNames:
        """The names for `settings` (`REDIS_PREFIX`, and the database of `REDIS_URL`)."""
        return cls(settings.redis_prefix, redis_db(settings.redis_url))

    @classmethod
    def for_url(cls, redis_url: str, prefix: str = DEFAULT_PREFIX) -> RedisNames:
        """The names a deployment with `prefix` on `redis_url` uses."""
        return cls(prefix, redis_db(redis_url))

    @property
    def namespace(self) -> str:
        """`<prefix>:<db>`: every name below starts with it and a colon."""
        return f"{self.prefix}:{self.db}"

    @property
    def pattern(self) -> str:
        """A `SCAN MATCH` / `KEYS` pattern for every key of this deployment."""
        return f"{self.namespace}:*"

    @property
    def status_channel(self) -> str:
        """The pub/sub channel of live status messages."""
        return f"{self.namespace}:status"

    @property
    def credentials_channel(self) -> str:
        """The pub/sub channel announcing revoked credentials to every gateway process's cache."""
        return f"{self.namespace}:credentials"

    @property
    def broker_namespace(self) -> str:
        """Dramatiq's `RedisBroker(namespace=…)`: its keys are `<this>:<queue>`, `<this>:__heartbeats__`…"""
        return f"{self.namespace}:dramatiq"

    def rate_limit_key(self, budget: str, principal_kind: str, principal_id: str) -> str:
        """The token bucket of one principal's budget (`read` or `mutation`)."""
        return f"{self.namespace}:ratelimit:{budget}:{principal_kind}:{principal_id}"

    def client_name(self, role: str) -> str:
        """`CLIENT SETNAME` of a connection with this role (publisher, live, rate-limit…)."""
        return f"{self.namespace}:{role}"
