"""Process configuration, read once from the environment and `.env`.

Names and defaults follow docs/API.md; everything else has a documented default so
that `billing-gateway serve` runs with no configuration at all.
"""

from __future__ import annotations

import secrets
import string
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from base.redis_names import DEFAULT_PREFIX as DEFAULT_REDIS_PREFIX
from base.redis_names import prefix_problem, redis_db

Environment = Literal["development", "test", "production"]

SECRET_FILE = Path(".gateway-secret")
SQLITE_FILE = "billing-gateway.sqlite3"
SANDBOX_API_KEY = "sk_test_sandbox"
SANDBOX_WEBHOOK_SECRET = "whsec_sandbox"  # noqa: S105 - the local emulator's, not a real secret


class ConfigurationError(Exception):
    """A required setting is missing or malformed; the message is one line naming it."""


class Settings(BaseSettings):
    """Every setting the gateway reads. Field names map to upper-case env variables."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    database_url: str | None = None
    redis_url: str | None = None
    redis_prefix: str = DEFAULT_REDIS_PREFIX
    broker_url: str | None = None
    """`amqp://` or `amqps://`: Dramatiq's messages go to RabbitMQ (a vhost per deployment); None = Redis.

    Live status stays on Redis pub/sub, so REDIS_URL is still required (decision 0065)."""
    """Starts every Redis key and channel name, with the database number: `<prefix>:<db>` (base.redis_names)."""
    stripe_api_key: str | None = None
    stripe_api_base: str | None = None
    stripe_webhook_secret: Annotated[list[str], NoDecode] = Field(default_factory=list)
    gateway_env: Environment = "development"
    gateway_secret: str | None = None

    # Not fixed by docs/API.md: tuning knobs with safe defaults.
    stripe_timeout_seconds: float = 10.0
    stripe_max_retries: int = 2
    stripe_emulator: bool | None = None
    """True when STRIPE_API_BASE is an emulator (localstripe); None = guess from the key/base."""
    sandbox_port: int = 8420
    sandbox_state_dir: Path | None = None
    """Where the sandbox keeps its objects; None = `.sandbox/` beside the SQLite file (or in the working directory)."""
    idempotency_ttl_hours: int = 24
    idempotency_lock_timeout_seconds: float = 60.0
    money_lock_wait_seconds: float = 5.0
    """How long a refund or invoice payment waits for another one on the same object (then OBJECT_BUSY)."""
    sandbox_idempotency: bool = True
    """The sandbox `serve` starts honours `Idempotency-Key` as Stripe does; false = bare localstripe behaviour."""
    db_pool_max_size: int = 10
    graphql_max_depth: int = 10
    graphql_max_aliases: int = 15
    graphql_max_tokens: int = 2000
    graphql_max_nodes: int = 5000
    """Upper bound on the nodes one query may return, estimated from `first` along nested connections."""
    persisted_queries: Literal["apq", "allowlist"] = "apq"
    """`apq`: any document runs, and clients may register theirs by hash (Apollo's automatic persisted queries);
    `allowlist`: only documents an operator registered (`billing-gateway persisted-queries add`) run."""
    persisted_queries_retention_days: int = 30
    """Documents clients registered (APQ) that no request ran for this long are removed by the worker's sweeper;
    an operator's never are. 0 = keep forever."""
    rate_limit_reads_per_minute: int = 3000
    """Queries and subscriptions per principal per minute (token bucket; a full minute may burst). 0 = off."""
    rate_limit_mutations_per_minute: int = 600
    """Mutations per principal per minute (a budget separate from reads). 0 = off."""
    session_max_ttl_seconds: int = 3600
    """The longest a customer session token may live (`createCustomerSession.ttlSeconds`)."""
    session_default_ttl_seconds: int = 900
    session_min_ttl_seconds: int = 60
    """The shortest `createCustomerSession.ttlSeconds` accepted (tests lower it to watch a session expire)."""

    # Workers and the webhook inbox (production values; tests shorten them).
    worker_heartbeat_timeout_seconds: float = 5.0
    """A silent worker counts as dead after this; its messages are re-queued (docs/outages.md: the trade-off)."""
    worker_maintenance_chance: int = 20000
    """Per million Redis commands: how often the broker's re-queue maintenance runs."""
    worker_timeout_ms: int = 25
    """Longest poll interval of a worker busy in the last `WORKER_IDLE_AFTER_SECONDS` (bench/changes.md)."""
    worker_idle_timeout_ms: int = 1000
    """Longest poll interval of a worker idle for `WORKER_IDLE_AFTER_SECONDS` (docs/operations.md)."""
    worker_idle_after_seconds: float = 5.0
    """After this long without a message a worker polls every `WORKER_IDLE_TIMEOUT_MS` at most."""
    webhook_sweep_interval_seconds: float = 5.0
    webhook_pending_grace_seconds: float = 10.0
    """A `pending` row never sent is sent by the sweeper after this."""
    webhook_requeue_after_seconds: float = 900.0
    """A `pending` row sent this long ago is sent again (longer than the whole retry schedule)."""
    webhook_processing_stale_seconds: float = 6.0
    """A `processing` row whose claim was not renewed for this long (its worker died) is taken back.

    A live run renews its claim every third of this, so it only bounds how long a dead worker's row waits."""

    # Outgoing webhooks (docs/outgoing-webhooks.md; tests shorten the schedule).
    webhook_allow_private_urls: bool | None = None
    """Allow endpoint URLs resolving to private, loopback or link-local addresses; default: not in production."""
    outgoing_sweep_interval_seconds: float = 1.0
    """How often the worker fans new outbox events out and sends the due deliveries."""
    outgoing_backoff_first_seconds: float = 5.0
    """The first retry's delay; each next one doubles, capped by `OUTGOING_BACKOFF_MAX_SECONDS`."""
    outgoing_backoff_max_seconds: float = 6 * 3600.0
    outgoing_retry_window_seconds: float = 3 * 86400.0
    """A delivery still failing this long after its event is `failed` (redeliverEvent sends it again)."""
    outgoing_disable_after_seconds: float = 5 * 86400.0
    """An endpoint failing continuously this long is disabled (event `webhook_endpoint.disabled`)."""
    outgoing_connect_timeout_seconds: float = 5.0
    outgoing_read_timeout_seconds: float = 10.0
    outgoing_secret_overlap_seconds: float = 86400.0
    """After a rotation the previous secret signs too, this long."""
    # The optional stream sink (billing.event_sink, docs/event-sinks.md).
    event_sink_url: str = ""
    """`nats://host:4222` (comma-separated: a cluster): the worker publishes the outbox to JetStream; empty = off."""
    event_sink_stream: str = "BILLING_EVENTS"
    """The JetStream stream (created when missing, with subjects `<EVENT_SINK_SUBJECT_PREFIX>.>`)."""
    event_sink_subject_prefix: str = "billing.events"
    """An event's subject is `<prefix>.<type>`, e.g. `billing.events.payment.succeeded`."""
    event_sink_duplicate_window_seconds: float = 120.0
    """The stream's `Nats-Msg-Id` dedupe window (set when the sink creates the stream)."""
    event_sink_interval_seconds: float = 1.0
    """How often an idle sink looks for new outbox events."""
    event_retention_days: int = 30
    """Outbox events (and finished outgoing deliveries) older than this are pruned; each object's newest event is
    kept, and so is anything a delivery or a sink still needs. 0 = keep forever (docs/events.md, Retention)."""
    event_sink_batch_size: int = 100
    """Events published per round (each waits for its PubAck)."""

    @field_validator("stripe_webhook_secret", mode="before")
    @classmethod
    def _split_secrets(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @property
    def allow_private_webhook_urls(self) -> bool:
        """`WEBHOOK_ALLOW_PRIVATE_URLS`, or true outside production."""
        return (not self.is_production) if self.webhook_allow_private_urls is None else self.webhook_allow_private_urls

    @property
    def is_production(self) -> bool:
        return self.gateway_env == "production"

    @property
    def uses_sandbox(self) -> bool:
        """True when `serve` must start its own Stripe emulator."""
        return not self.stripe_api_key and not self.is_production and not self.stripe_api_base

    @property
    def effective_sandbox_state_dir(self) -> Path:
        """The sandbox's own directory: its objects, log and `sandbox.json` (never shared with another database)."""
        if self.sandbox_state_dir is not None:
            return self.sandbox_state_dir
        if self.is_sqlite:
            return Path(self.effective_database_url.removeprefix("sqlite://")).parent / ".sandbox"
        return Path(".sandbox")

    @property
    def effective_database_url(self) -> str:
        return self.database_url or f"sqlite://{SQLITE_FILE}"

    @property
    def is_sqlite(self) -> bool:
        return self.effective_database_url.startswith("sqlite")

    @property
    def effective_stripe_api_key(self) -> str:
        return self.stripe_api_key or SANDBOX_API_KEY

    @property
    def webhook_secrets(self) -> list[str]:
        return self.stripe_webhook_secret or ([] if self.stripe_api_key else [SANDBOX_WEBHOOK_SECRET])

    @property
    def is_stripe_emulator(self) -> bool:
        if self.stripe_emulator is not None:
            return self.stripe_emulator
        return self.uses_sandbox or (self.stripe_api_base is not None and "stripe.com" not in self.stripe_api_base)

    def validate_for_startup(self) -> None:
        """Raise ConfigurationError naming the first missing required setting."""
        if self.is_production:
            for name in ("database_url", "redis_url", "stripe_api_key", "gateway_secret"):
                if not getattr(self, name):
                    raise ConfigurationError(f"{name.upper()} is required when GATEWAY_ENV=production")
            if not self.database_url or not self.database_url.startswith(("postgres://", "postgresql://")):
                raise ConfigurationError("DATABASE_URL must be a postgres:// URL when GATEWAY_ENV=production")
            weakness = secret_weakness(self.gateway_secret or "")
            if weakness is not None:
                raise ConfigurationError(
                    f"GATEWAY_SECRET {weakness}: it needs at least {MIN_SECRET_BYTES} random bytes"
                    " (43+ characters of url-safe base64, or 64+ hex digits); generate one with"
                    ' python -c "import secrets; print(secrets.token_urlsafe(32))"'
                )
        problem = prefix_problem(self.redis_prefix)
        if problem is not None:
            raise ConfigurationError(f"REDIS_PREFIX {problem}")
        if self.redis_url:
            try:
                redis_db(self.redis_url)
            except ValueError as exc:
                raise ConfigurationError(f"REDIS_URL is not a Redis URL: {exc}") from None
        if self.broker_url:
            if not self.broker_url.startswith(("amqp://", "amqps://")):
                raise ConfigurationError("BROKER_URL must be an amqp:// or amqps:// URL (RabbitMQ)")
            if not self.redis_url:
                raise ConfigurationError(
                    "BROKER_URL needs REDIS_URL too: live status, rate limits and revocations stay on Redis"
                )
        if not 1 <= self.session_min_ttl_seconds <= self.session_default_ttl_seconds <= self.session_max_ttl_seconds:
            raise ConfigurationError(
                "SESSION_MIN_TTL_SECONDS (at least 1) <= SESSION_DEFAULT_TTL_SECONDS <= SESSION_MAX_TTL_SECONDS"
                " must hold"
            )
        if self.stripe_api_key and not self.stripe_webhook_secret:
            raise ConfigurationError("STRIPE_WEBHOOK_SECRET is required when STRIPE_API_KEY is set")
        for secret in self.stripe_webhook_secret:
            if not secret.startswith("whsec_"):
                raise ConfigurationError("STRIPE_WEBHOOK_SECRET entries must start with whsec_")

    def signing_secret(self) -> str:
        """GATEWAY_SECRET, or outside production one generated once and kept in `.gateway-secret`."""
        if self.gateway_secret:
            return self.gateway_secret
        if self.is_production:
            raise ConfigurationError("GATEWAY_SECRET is required when GATEWAY_ENV=production")
        if SECRET_FILE.exists():
            return SECRET_FILE.read_text().strip()
        secret = secrets.token_urlsafe(48)
        SECRET_FILE.write_text(secret + "\n")
        SECRET_FILE.chmod(0o600)
        return secret


MIN_SECRET_BYTES = 32
_HEX = frozenset(string.hexdigits)
_BASE64 = frozenset(string.ascii_letters + string.digits + "-_+/=")


def secret_weakness(secret: str) -> str | None:
    """Why `secret` cannot sign session tokens (a phrase), or None when it looks like 32 random bytes.

    Its length is judged by the alphabet it is written in: hex digits carry 4 bits each (64 needed),
    base64 characters 6 (43 needed), anything else counts as raw bytes (32 needed). Obviously
    low-entropy values (few distinct characters, or a short run repeated) are refused whatever their length.
    """
    if not secret:
        return "is empty"
    chars = frozenset(secret)
    if chars <= _HEX:
        needed, unit = 2 * MIN_SECRET_BYTES, "hex digits"
    elif chars <= _BASE64:
        needed, unit = -(-MIN_SECRET_BYTES * 4 // 3), "base64 characters"
    else:
        needed, unit = MIN_SECRET_BYTES, "bytes"
    size = len(secret) if unit != "bytes" else len(secret.encode())
    if size < needed:
        return f"is too short ({size} {unit}, at least {needed} needed)"
    if len(chars) < 8 or _repeats(secret):
        return "is not random (a few characters, or a short run repeated)"
    return None


def _repeats(text: str) -> bool:
    """Whether `text` is a shorter string repeated (at least twice, the last copy possibly cut short)."""
    return any(text[period:] == text[:-period] for period in range(1, len(text) // 2 + 1))


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read on first use."""
    return Settings()
