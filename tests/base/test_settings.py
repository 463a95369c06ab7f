"""Settings: defaults for embedded mode, production start-up refusal, webhook secret lists."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from base.settings import ConfigurationError, Settings

CLI = Path(sys.executable).with_name("billing-gateway")
STRONG_SECRET = "Zk3n8QmT1vR0xWc5bYp7LhJ2sUa9dEfG4iKoNqVtX6w"
GENERATE = 'python -c "import secrets; print(secrets.token_urlsafe(32))"'


def settings(**values: object) -> Settings:
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


def test_embedded_defaults_need_nothing() -> None:
    s = settings()
    s.validate_for_startup()
    assert s.is_sqlite and s.uses_sandbox and s.redis_url is None and s.is_stripe_emulator


def test_webhook_secrets_are_comma_separated() -> None:
    s = settings(stripe_api_key="sk_test_x", stripe_webhook_secret="whsec_old, whsec_new")
    assert s.webhook_secrets == ["whsec_old", "whsec_new"]


def test_an_api_key_requires_a_webhook_secret() -> None:
    with pytest.raises(ConfigurationError, match="STRIPE_WEBHOOK_SECRET"):
        settings(stripe_api_key="sk_test_x").validate_for_startup()


@pytest.mark.parametrize("missing", ["database_url", "redis_url", "stripe_api_key", "gateway_secret"])
def test_production_names_the_missing_setting(missing: str) -> None:
    complete: dict[str, object] = {
        "gateway_env": "production",
        "database_url": "postgres://db/x",
        "redis_url": "redis://r",
        "stripe_api_key": "sk_live_x",
        "stripe_webhook_secret": "whsec_x",
        "gateway_secret": STRONG_SECRET,
    }
    settings(**complete).validate_for_startup()
    del complete[missing]
    with pytest.raises(ConfigurationError, match=missing.upper()):
        settings(**complete).validate_for_startup()


def test_production_serve_refuses_to_start_with_one_clear_line(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_", "REDIS_", "STRIPE_", "GATEWAY_"))}
    env["GATEWAY_ENV"] = "production"
    result = subprocess.run(
        [str(CLI), "serve"], capture_output=True, text=True, env=env, cwd=tmp_path, timeout=60, check=False
    )
    assert result.returncode == 2
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert lines == ["error: DATABASE_URL is required when GATEWAY_ENV=production"], result.stderr
    assert "Traceback" not in result.stdout + result.stderr


def test_development_secret_is_generated_once_and_kept(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    first = settings().signing_secret()
    assert first == settings().signing_secret()
    assert (tmp_path / ".gateway-secret").stat().st_mode & 0o077 == 0


def production_with(secret: str) -> Settings:
    """Complete production settings with this GATEWAY_SECRET."""
    return settings(
        gateway_env="production",
        database_url="postgres://db/x",
        redis_url="redis://r",
        stripe_api_key="sk_live_x",
        stripe_webhook_secret="whsec_x",
        gateway_secret=secret,
    )


@pytest.mark.parametrize(
    "secret",
    [
        "x",
        "s" * 64,
        "passwordpasswordpasswordpasswordpasswordpassword",
        "0123456789abcdef" * 4,
        "a3f9" * 8,  # 32 hex digits: 16 bytes
        "Zk3n8QmT1vR0xWc5bYp7LhJ2sUa9dEf",  # 31 base64 characters
    ],
)
def test_production_refuses_a_weak_gateway_secret(secret: str) -> None:
    with pytest.raises(ConfigurationError, match="GATEWAY_SECRET") as refused:
        production_with(secret).validate_for_startup()
    assert GENERATE in str(refused.value) and "\n" not in str(refused.value)


@pytest.mark.parametrize(
    "secret",
    [
        STRONG_SECRET,
        "9f2c41d7e8b03a65c1f4e7d29ab80c3f5e6d17a2b49c08f3e1d6a7b54c2f9e08",  # 64 hex digits
        "ein geheimes Passwort, länger als 32 Bytes!",  # raw bytes
    ],
)
def test_production_accepts_32_random_bytes(secret: str) -> None:
    production_with(secret).validate_for_startup()


def test_session_ttl_bounds_must_be_ordered() -> None:
    settings(session_min_ttl_seconds=1).validate_for_startup()
    for bad in ({"session_min_ttl_seconds": 0}, {"session_default_ttl_seconds": 7200}):
        with pytest.raises(ConfigurationError, match="SESSION_MIN_TTL_SECONDS"):
            settings(**bad).validate_for_startup()


def test_broker_url_must_be_amqp_and_needs_redis() -> None:
    redis = "redis://127.0.0.1:6379/0"
    with pytest.raises(ConfigurationError, match="BROKER_URL must be an amqp"):
        Settings(_env_file=None, broker_url="redis://x", redis_url=redis).validate_for_startup()  # type: ignore[call-arg]
    with pytest.raises(ConfigurationError, match="BROKER_URL needs REDIS_URL"):
        Settings(_env_file=None, broker_url="amqp://guest:guest@127.0.0.1/").validate_for_startup()  # type: ignore[call-arg]
    Settings(_env_file=None, broker_url="amqps://u:p@mq/billing", redis_url=redis).validate_for_startup()  # type: ignore[call-arg]
