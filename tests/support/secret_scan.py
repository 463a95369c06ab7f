"""The after-the-suite check: no API key, session token, webhook secret or card number at rest.

`find_secrets(text)` names what it finds in short descriptions that are redacted
themselves (a key's public prefix, a card's first and last four digits), so a failure
report never repeats the secret. `scan_log_files(root)` reads every `*.log` under `root`
except the Stripe emulator's (`localstripe*`: not the gateway's logs) and every SQLite
database file; `scan_database(url)` reads every row of every table of a PostgreSQL
database as JSON. `tests/conftest.py` runs them on what the tests leave behind and fails
the session on any finding.

What is looked for, on purpose independent of the gateway's redactor (only the card
check shares `base.redaction`'s Luhn scan, which its own unit tests pin down):

- an API key WITH its secret part, `bgk_<8 hex>_<secret>` (the public `bgk_<8 hex>` prefix
  alone is fine: the database keeps it to name keys);
- a signed JWT (`eyJ….eyJ….<signature>`), i.e. a session token;
- a webhook signing secret `whsec_…`, and a Stripe live secret key `sk_live_…`;
- a Luhn-valid card number of 13 to 19 digits.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import asyncpg  # type: ignore[import-untyped]

from base.redaction import card_number_spans

API_KEY = re.compile(r"bgk_[0-9a-f]{8}_[A-Za-z0-9_-]{6,}")
JWT = re.compile(r"eyJ[A-Za-z0-9_-]{4,}\.eyJ[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]{16,}")
WEBHOOK_SECRET = re.compile(r"whsec_[A-Za-z0-9+/=_-]+")
LIVE_STRIPE_KEY = re.compile(r"(?:sk|rk)_live_[A-Za-z0-9]+")

EXCLUDED_LOG_PREFIXES = ("localstripe",)
"""Logs of the Stripe emulator, not of the gateway: it logs the card data tests send it, as Stripe would not."""

CONNECT_TIMEOUT_SECONDS = 10.0


def find_secrets(text: str) -> list[str]:
    """What secrets `text` holds, one redacted description each (empty: none)."""
    found: list[str] = []
    found += [f"API key with its secret part {m.group(0)[:13]}…" for m in API_KEY.finditer(text)]
    found += [f"signed JWT {m.group(0)[:8]}… ({len(m.group(0))} chars)" for m in JWT.finditer(text)]
    found += [f"webhook secret whsec_… ({len(m.group(0))} chars)" for m in WEBHOOK_SECRET.finditer(text)]
    found += [f"Stripe live key {m.group(0)[:8]}…" for m in LIVE_STRIPE_KEY.finditer(text)]
    for start, end in card_number_spans(text):
        digits = re.sub(r"\D", "", text[start:end])
        found.append(f"Luhn-valid card number {digits[:4]}…{digits[-4:]} ({len(digits)} digits)")
    return found


def _lines_with_secrets(text: str) -> Iterator[tuple[int, str]]:
    for number, line in enumerate(text.splitlines(), start=1):
        for finding in find_secrets(line):
            yield number, finding


def log_files(root: Path) -> list[Path]:
    """Every `*.log` under `root`, the emulator's excluded."""
    return sorted(
        path for path in root.rglob("*.log") if path.is_file() and not path.name.startswith(EXCLUDED_LOG_PREFIXES)
    )


def sqlite_files(root: Path) -> list[Path]:
    """Every SQLite database file (`*.sqlite3`) under `root`: embedded-mode gateways and in-process tests."""
    return sorted(path for path in root.rglob("*.sqlite3") if path.is_file())


def scan_log_files(root: Path) -> list[str]:
    """`<file>:<line>: <finding>` for every secret in a log file or SQLite database under `root`."""
    findings: list[str] = []
    for path in log_files(root):
        text = path.read_text(errors="replace")
        findings += [f"{path}:{number}: {finding}" for number, finding in _lines_with_secrets(text)]
    for path in sqlite_files(root):
        findings += [f"{path}: {finding}" for finding in scan_sqlite(path)]
    return findings


def scan_sqlite(path: Path) -> list[str]:
    """`table <name>: <finding>` for every secret in a SQLite database file (read-only)."""
    findings: list[str] = []
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        return [f"could not open the database: {exc}"]
    try:
        tables = [row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        for table in tables:
            quoted = table.replace('"', '""')
            for row in conn.execute(f'SELECT * FROM "{quoted}"'):
                # Columns stay apart: joined by spaces, `2017-08-15`, `0` and `2026-12-04 14:…` read as one
                # 13-digit Luhn-valid "card" on some days.
                text = "\n".join(str(value) for value in row)
                findings += [f"table {table}: {finding}" for finding in find_secrets(text)]
    except sqlite3.Error as exc:
        findings.append(f"could not read the database: {exc}")
    finally:
        conn.close()
    return findings


async def scan_database(url: str) -> list[str]:
    """`table <schema.name>: <finding>` for every secret in any row of any table of the database at `url`."""
    conn = await asyncpg.connect(url, timeout=CONNECT_TIMEOUT_SECONDS)
    findings: list[str] = []
    try:
        tables = await conn.fetch(
            "SELECT table_schema, table_name FROM information_schema.tables "
            "WHERE table_type = 'BASE TABLE' AND table_schema NOT IN ('pg_catalog', 'information_schema')"
        )
        for table in tables:
            name = f'"{table["table_schema"]}"."{table["table_name"]}"'
            rows = await conn.fetch(f"SELECT row_to_json(t)::text AS row FROM {name} t")
            for row in rows:
                findings += [f"table {table['table_name']}: {finding}" for finding in find_secrets(row["row"])]
    finally:
        await conn.close()
    return findings
