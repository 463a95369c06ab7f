"""What an operator reads (issue 13, items 7 and 8): client errors, the access log, the CLI's lists and help.

- a syntax error, a validation error and a variable of the wrong type are the client's fault: one `info`
  line each with the request id, no traceback, nothing at `error` (a crash stays at `error` with its
  traceback: tests/e2e/test_production.py);
- production writes one JSON access line per HTTP request, with status and request id, without the
  query string's values or the `Authorization` header;
- `api-keys list`, `webhooks list` and `audit` print a JSON array with `--json`; no `--help` shows a
  `<bool>` placeholder.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import time
from typing import Any

import httpx
import pytest

from tests.support.gateway import GatewayFactory, GatewayProcess, cli_path

CLIENT_MISTAKES: dict[str, dict[str, Any]] = {
    "req-syntax-1": {"query": "{ customers { edges { node { id } }", "operationName": None},
    "req-validation-1": {"query": "query Typo { customerz { edges { node { id } } } }"},
    "req-variable-1": {
        "query": "query Page($first: Int) { customers(first: $first) { edges { node { id } } } }",
        "variables": {"first": "twenty"},
        "operationName": "Page",
    },
}


async def post(gateway: GatewayProcess, key: str, body: dict[str, Any], request_id: str) -> httpx.Response:
    async with httpx.AsyncClient(timeout=30) as client:
        return await client.post(
            f"{gateway.url}/graphql", json=body, headers={"Authorization": f"Bearer {key}", "X-Request-Id": request_id}
        )


def json_records(text: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in text.splitlines() if line.startswith("{")]


async def send_client_mistakes(gateway: GatewayProcess, key: str) -> None:
    for request_id, body in CLIENT_MISTAKES.items():
        answer = await post(gateway, key, {k: v for k, v in body.items() if v is not None}, request_id)
        assert answer.status_code in (200, 400), answer.text
        assert answer.json()["errors"], answer.text


@pytest.mark.timeout(120)
async def test_production_logs_client_errors_on_one_info_line_and_one_access_line_per_request(
    gateway_factory: GatewayFactory, redis_url: str
) -> None:
    gateway = await gateway_factory(gateway_env="production", redis_url=redis_url)
    key = gateway.create_api_key("read,write", name="operator")
    log_start = len(gateway.log_text())

    await send_client_mistakes(gateway, key)
    async with httpx.AsyncClient(timeout=30) as client:
        # A token in the query string and in the header: neither may reach the log.
        secret_get = await client.get(
            f"{gateway.url}/graphql",
            params={"query": "{ __typename }", "access_token": key},
            headers={"Authorization": f"Bearer {key}", "X-Request-Id": "req-access-1"},
        )
    assert secret_get.status_code == 200, secret_get.text

    # The access line is written once the answer has gone: wait for the last request's (5 s at most).
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and not any(
        r.get("logger") == "gateway.access" and r.get("request_id") == "req-access-1"
        for r in json_records(gateway.log_text()[log_start:])
    ):
        await asyncio.sleep(0.05)
    log = gateway.log_text()[log_start:]
    records = json_records(log)
    assert [r for r in records if r.get("level") in ("error", "critical")] == []
    assert "Traceback" not in log
    for request_id in CLIENT_MISTAKES:
        [refusal] = [r for r in records if r.get("request_id") == request_id and r.get("logger") == "gateway.graphql"]
        assert refusal["level"] == "info", refusal
        assert refusal["codes"], refusal
        assert "exception" not in refusal
    [syntax] = [r for r in records if r.get("request_id") == "req-syntax-1" and r.get("logger") == "gateway.graphql"]
    assert syntax["codes"] == ["GRAPHQL_PARSE_FAILED"]
    [variable] = [
        r for r in records if r.get("request_id") == "req-variable-1" and r.get("logger") == "gateway.graphql"
    ]
    assert variable["operation_name"] == "Page"
    assert variable["codes"] == ["GRAPHQL_VALIDATION_FAILED"]

    access = [r for r in records if r.get("logger") == "gateway.access"]
    by_id = {r["request_id"]: r for r in access}
    assert len(by_id) == len(access), access  # one line per request
    assert set(CLIENT_MISTAKES) | {"req-access-1"} <= set(by_id)
    line = by_id["req-access-1"]
    assert (line["method"], line["path"], line["status"]) == ("GET", "/graphql", 200)
    assert line["query_keys"] == ["access_token", "query"]
    assert isinstance(line["duration_ms"], float | int) and line["client"] == "127.0.0.1"
    # `bgk_<8 hex>_<secret>`: the secret is all after the second underscore (it may hold `_` itself).
    secret_part = key.split("_", 2)[2]
    assert key not in log and secret_part not in log


@pytest.mark.timeout(120)
async def test_development_logs_client_errors_on_one_readable_info_line(gateway_factory: GatewayFactory) -> None:
    gateway = await gateway_factory()
    key = gateway.create_api_key("read,write", name="operator-dev")
    log_start = len(gateway.log_text())
    await send_client_mistakes(gateway, key)
    log = gateway.log_text()[log_start:]
    assert "Traceback" not in log and "[error" not in log, log
    for request_id in CLIENT_MISTAKES:
        lines = [line for line in log.splitlines() if request_id in line and "graphql request refused" in line]
        assert len(lines) == 1 and "[info" in lines[0], log


@pytest.mark.timeout(120)
async def test_list_commands_print_json_with_stable_fields(gateway_factory: GatewayFactory) -> None:
    gateway = await gateway_factory(start=False)
    gateway.migrate()
    gateway.create_api_key("read", name="json-listed")
    keys = json.loads(gateway.cli("api-keys", "list", "--json"))
    assert [k["name"] for k in keys] == ["json-listed"]
    assert set(keys[0]) == {"id", "name", "prefix", "scopes", "status", "created_at", "revoked_at", "last_used_at"}
    assert keys[0]["scopes"] == ["read"] and keys[0]["status"] == "active"

    assert json.loads(gateway.cli("webhooks", "list", "--json")) == []
    assert json.loads(gateway.cli("webhooks", "list", "--json", "--status", "failed", "--failed")) == []
    assert json.loads(gateway.cli("audit", "--json")) == []

    await gateway.astart()
    key = gateway.create_api_key("read,write", name="json-writer")
    async with httpx.AsyncClient(timeout=30) as client:
        created = await client.post(
            f"{gateway.url}/graphql",
            json={
                "query": 'mutation { createCustomer(idempotencyKey: "json-1", input: {email: "json@example.com"}) '
                "{ customer { id } userErrors { code } } }"
            },
            headers={"Authorization": f"Bearer {key}"},
        )
    assert created.json()["data"]["createCustomer"]["userErrors"] == [], created.text
    [entry] = json.loads(gateway.cli("audit", "--json", "--operation", "createCustomer"))
    assert entry["operation"] == "createCustomer" and entry["idempotency_key"] == "json-1"
    assert set(entry) == {
        "id",
        "occurred_at",
        "principal",
        "operation",
        "outcome",
        "idempotency_key",
        "stripe_request_id",
        "stripe_event_id",
        "request_id",
        "object_ids",
    }
    events = json.loads(gateway.cli("webhooks", "list", "--json"))
    assert all(
        set(event)
        == {"id", "stripe_event_id", "type", "status", "attempts", "received_at", "processed_at", "last_error"}
        for event in events
    )


COMMANDS = [
    (),
    ("serve",),
    ("migrate",),
    ("api-keys",),
    ("api-keys", "create"),
    ("api-keys", "list"),
    ("api-keys", "revoke"),
    ("export-schema",),
    ("worker",),
    ("webhooks",),
    ("webhooks", "list"),
    ("webhooks", "replay"),
    ("audit",),
    ("reconcile",),
    # Revenue analytics (issue 16).
    ("metrics",),
    ("metrics", "mrr"),
    ("metrics", "churn"),
    ("metrics", "revenue"),
    ("metrics", "backfill"),
    ("process-refund",),
    ("webhook-status",),
    ("subscription-info",),
    ("persisted-queries",),
    ("persisted-queries", "add"),
    ("persisted-queries", "list"),
]


def test_every_command_is_listed_here() -> None:
    import typer.main

    from gateway.cli import app

    group = typer.main.get_command(app)
    found: set[tuple[str, ...]] = set()
    for name, command in group.commands.items():  # type: ignore[attr-defined]
        found.add((name,))
        for sub in getattr(command, "commands", {}):
            found.add((name, sub))
    assert found == {c for c in COMMANDS if c}


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c) or "billing-gateway")
def test_help_shows_no_bool_placeholder(command: tuple[str, ...]) -> None:
    shown = subprocess.run(
        [str(cli_path()), *command, "--help"], capture_output=True, text=True, timeout=60, check=True
    ).stdout
    assert "Usage:" in shown
    assert "<bool>" not in shown and "BOOLEAN" not in shown, shown
