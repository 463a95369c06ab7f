"""Revoked API keys announced to every gateway process, so each drops them from its cache at once.

`billing-gateway api-keys revoke` publishes `{"revoked_api_key": "<id>"}` on the deployment's
credentials channel (`RedisNames.credentials_channel`) after the revocation is committed; each
process's live hub, subscribed to that channel beside the status channel on the same connection
(`live.hub`), hands it to `apply`, which drops the key from `billing.verified_credentials` and makes
the session revocations be read again. Best effort: a lost message is covered by the cache's TTL
and by the hub dropping the whole cache whenever its subscription is lost (decision 0063).
"""

from __future__ import annotations

import json
import logging
from typing import Final

import redis.asyncio as aioredis

from base.redis_calls import once_more_on_fresh_connection
from base.redis_names import RedisNames
from base.settings import Settings
from billing.revocations import revocations
from billing.verified_credentials import verified_credentials

__all__ = ["apply", "publish_api_key_revoked"]

log = logging.getLogger("live.credential_events")

PUBLISH_TIMEOUT_SECONDS: Final = 2.0


async def publish_api_key_revoked(settings: Settings, key_id: str) -> int:
    """Announce a committed revocation; how many gateway processes heard it (0 without Redis)."""
    if not settings.redis_url:
        return 0
    names = RedisNames.of(settings)
    client: aioredis.Redis = aioredis.Redis.from_url(
        settings.redis_url,
        socket_connect_timeout=PUBLISH_TIMEOUT_SECONDS,
        socket_timeout=PUBLISH_TIMEOUT_SECONDS,
        client_name=names.client_name("credentials"),
    )
    payload = json.dumps({"revoked_api_key": key_id})
    try:
        heard: int = await once_more_on_fresh_connection(
            client, lambda: client.publish(names.credentials_channel, payload), "revoked API key: publish"
        )
        return heard
    finally:
        await client.aclose()


def apply(raw: str | bytes) -> None:
    """One message of the credentials channel: drop what it names (a foreign one drops everything)."""
    try:
        key_id = json.loads(raw)["revoked_api_key"]
        if not isinstance(key_id, str):
            raise TypeError(key_id)
    except (ValueError, KeyError, TypeError):
        log.warning("credentials channel: an unknown message; dropping every cached API key")
        verified_credentials.forget_all()
    else:
        verified_credentials.forget_api_key(key_id)
    revocations.forget()
