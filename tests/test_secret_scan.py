"""The secrets-at-rest scan can fail: it finds planted secrets in text, log files and databases.

Planted files live outside the session's temporary directory and planted databases are
made and dropped here (not by `pg_database_factory`), so the scan `tests/conftest.py` runs
at the end of the session does not see them.
"""

from __future__ import annotations

import sqlite3
import tempfile
import uuid
from pathlib import Path

import asyncpg  # type: ignore[import-untyped]
import pytest

from base.redaction import redact
from base.settings import Settings
from billing.session_tokens import SessionClaims, sign_session_claims
from tests.pg import create_database, drop_database, unique_name
from tests.support.secret_scan import find_secrets, log_files, scan_database, scan_log_files, scan_sqlite

API_KEY = "bgk_0a1b2c3d_" + "Zx9" * 14 + "_"
WEBHOOK_SECRET = "whsec_" + "planted0secret"
CARD = "4242" * 4
SESSION_JWT = sign_session_claims(
    Settings(_env_file=None, gateway_secret="scan-test-secret-of-at-least-32-bytes"),  # type: ignore[call-arg]
    SessionClaims(sub=str(uuid.UUID(int=1)), jti="planted", iat=1_767_225_600, exp=1_767_226_500),
)
PLANTED = f"key {API_KEY} token {SESSION_JWT} hook {WEBHOOK_SECRET} card {CARD}"


def test_find_secrets_names_each_planted_secret_without_repeating_it() -> None:
    findings = find_secrets(PLANTED)
    assert len(findings) == 4, findings
    kinds = " | ".join(findings)
    assert "API key" in kinds and "JWT" in kinds and "webhook secret" in kinds and "card number 4242…4242" in kinds
    for secret in (API_KEY, SESSION_JWT, WEBHOOK_SECRET, CARD):
        assert secret not in kinds
    assert find_secrets("card 4242 4242 4242 4242") and find_secrets("amex 3782-822463-10005")


@pytest.mark.parametrize(
    "text",
    [
        "627a680f-8b19-4d23-99b0-45c23df564ba",  # a UUIDv4 (fixed: every xdist worker collects the same ids)
        "01960123-4567-7123-8123-123456789012",
        "2026-01-31T12:00:00.123456+00:00",
        "1767225600 amount 4242 amount_due 123456789",
        "prefix bgk_0a1b2c3d, stripe ids cus_NffrFeUfNV2Hib pi_3MtwBwLkdIwHu7ix28a3tqPa",
        "4242424242424241",  # fails the Luhn check
        "idempotency bgw-5f2c9a0e1b7d4c3a8e6f0a1b2c3d4e5f6a7b8c9d0e1f2a3b",
    ],
)
def test_find_secrets_leaves_ordinary_values_alone(text: str) -> None:
    assert find_secrets(text) == []


def test_redacted_text_has_nothing_left_to_find() -> None:
    redacted = redact(PLANTED)
    assert find_secrets(redacted) == [], redacted
    assert "bgk_0a1b2c3d_[REDACTED]" in redacted  # the public prefix is kept


def test_log_scan_finds_a_planted_secret_and_skips_the_emulator_and_product_output() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "gateway-1.log").write_text(f"line one\nAuthorization: Bearer {API_KEY}\n")
        (root / "sub").mkdir()
        (root / "sub" / "worker.log").write_text(f"card {CARD}\n")
        (root / "localstripe-1.log").write_text(f"card[number]={CARD}\n")
        (root / "gateway-1-cli.log.stdout").write_text(f"{API_KEY}\n")
        assert [path.name for path in log_files(root)] == ["gateway-1.log", "worker.log"]
        findings = scan_log_files(root)
    assert len(findings) == 2, findings
    assert findings[0].startswith(f"{root / 'gateway-1.log'}:2: API key")
    assert findings[1].startswith(f"{root / 'sub' / 'worker.log'}:1: Luhn-valid card number")


def test_sqlite_scan_finds_a_planted_secret() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "billing-gateway.sqlite3"
        with sqlite3.connect(path) as conn:
            conn.execute("CREATE TABLE idempotency_records (id TEXT, response TEXT)")
            conn.execute("INSERT INTO idempotency_records VALUES ('r1', ?)", (f'{{"token": "{SESSION_JWT}"}}',))
        conn.close()
        findings = scan_sqlite(path)
    assert len(findings) == 1 and findings[0].startswith("table idempotency_records: signed JWT"), findings


def test_sqlite_scan_keeps_columns_apart() -> None:
    # The walkthrough's inbox row on 2026-12-04: api_version, livemode and the event time side by side
    # read as `2017-08-15 0 2026-12-04 14`, a 13-digit Luhn-valid number, when columns were joined by spaces.
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "billing-gateway.sqlite3"
        with sqlite3.connect(path) as conn:
            conn.execute("CREATE TABLE webhook_events (api_version TEXT, livemode INT, stripe_created TEXT)")
            conn.execute("INSERT INTO webhook_events VALUES ('2017-08-15', 0, '2026-12-04 14:00:40+00:00')")
        conn.close()
        assert find_secrets("2017-08-15 0 2026-12-04 14:00:40") != []  # the shape that fooled the scan
        assert scan_sqlite(path) == []


async def test_database_scan_finds_a_planted_secret_in_text_and_json_columns() -> None:
    name = unique_name("scan")
    url = await create_database(name)
    try:
        conn = await asyncpg.connect(url)
        try:
            await conn.execute("CREATE TABLE customers (id int, name text, metadata jsonb)")
            await conn.execute("CREATE TABLE clean (id uuid, note text)")
            await conn.execute(
                "INSERT INTO customers VALUES (1, $1, $2::jsonb), (2, 'Ada', '{}')",
                f"name {CARD}",
                f'{{"hook": "{WEBHOOK_SECRET}"}}',
            )
            await conn.execute("INSERT INTO clean VALUES ($1, 'nothing here 2026-01-31')", uuid.uuid4())
        finally:
            await conn.close()
        findings = await scan_database(url)
    finally:
        await drop_database(name)
    assert sorted(findings) == [
        "table customers: Luhn-valid card number 4242…4242 (16 digits)",
        f"table customers: webhook secret whsec_… ({len(WEBHOOK_SECRET)} chars)",
    ]
