"""Issue 12, acceptance 6: a signed event PostgreSQL cannot hold is answered 2xx, kept `failed` with a reason.

U+0000 cannot be stored in `text` or `jsonb`, nor can a lone surrogate: such an event was
answered 503 for ever, so Stripe would retry it for days. Now it is stored escaped and
marked `failed` (never applied), and `billing-gateway webhooks list --status failed` (run
as a process) shows it; `--failed` still works; `webhooks replay --failed` leaves it alone.
"""

from __future__ import annotations

import json
import uuid

import asyncpg  # type: ignore[import-untyped]
import httpx

from tests.support.gateway import GatewayFactory
from tests.support.webhook_load import customer_created, post_event, wait_all_processed


async def inbox_row(database_url: str, stripe_event_id: str) -> dict[str, object] | None:
    conn = await asyncpg.connect(database_url)
    try:
        row = await conn.fetchrow(
            "SELECT status, attempts, last_error, payload::text AS payload FROM webhook_events"
            " WHERE stripe_event_id = $1",
            stripe_event_id,
        )
    finally:
        await conn.close()
    return None if row is None else dict(row)


async def test_events_postgresql_cannot_hold_are_kept_failed_and_listed(gateway_factory: GatewayFactory) -> None:
    gateway = await gateway_factory(register_webhooks=False)
    run = uuid.uuid4().hex[:10]
    in_name = customer_created(run, 1)
    in_name["data"]["object"]["name"] = "Ada\x00Lovelace"
    in_id = customer_created(run, 2)
    in_id["id"] = f"evt_{run}_nul\x00id"
    in_key = customer_created(run, 3)
    in_key["data"]["object"]["metadata"] = {"k\x00": "v"}
    surrogate = customer_created(run, 4)
    fine = customer_created(run, 5)

    async with httpx.AsyncClient(base_url=gateway.url, timeout=30) as http:
        answers = [await post_event(http, event) for event in (in_name, in_id, in_key)]
        # json.dumps cannot write a lone surrogate from a str: put the escape in the body's text.
        body = json.dumps(surrogate).replace(f"fault-{run}-004", "lone \\ud800 surrogate")
        answers.append(await post_event(http, json.loads(body)))
        far = customer_created(run, 6)
        far["created"] = 10**15  # no datetime: was an OverflowError, a 500 for ever
        out_of_range = await post_event(http, far)
        again = await post_event(http, in_name)
        applied = await post_event(http, fine)

    assert [(a.status_code, a.json()) for a in answers] == [
        (200, {"received": True, "duplicate": False, "status": "failed"})
    ] * 4
    assert (again.status_code, again.json()["duplicate"]) == (200, True)
    assert (out_of_range.status_code, out_of_range.json()["code"]) == (400, "invalid_event"), out_of_range.text
    assert applied.status_code == 200

    expected = {
        in_name["id"]: "U+0000 (NUL), which PostgreSQL text cannot hold, at data.object.name",
        f"evt_{run}_nul\\u0000id": "U+0000 (NUL), which PostgreSQL text cannot hold, at id",
        in_key["id"]: "U+0000 (NUL), which PostgreSQL text cannot hold, in a key of data.object.metadata",
        surrogate["id"]: "a lone UTF-16 surrogate, which is not valid Unicode, at data.object.email",
    }
    for stripe_event_id, reason in expected.items():
        row = await inbox_row(gateway.database_url, stripe_event_id)
        assert row is not None, stripe_event_id
        assert row["status"] == "failed" and row["attempts"] == 0, row
        assert row["last_error"] == f"unstorable event: {reason}; stored escaped, not applied", row
    stored = await inbox_row(gateway.database_url, in_name["id"])
    assert stored is not None and "Ada\\\\u0000Lovelace" in str(stored["payload"]), stored
    await wait_all_processed(gateway.database_url, [fine["id"]], timeout=30)

    listing = gateway.cli("webhooks", "list", "--status", "failed")
    print(listing)
    lines = [line for line in listing.splitlines() if run in line]
    assert len(lines) == 4, listing
    assert all("failed" in line and "unstorable event" in line for line in lines), listing
    assert fine["id"] not in listing
    assert gateway.cli("webhooks", "list", "--failed") == listing
    assert fine["id"] in gateway.cli("webhooks", "list", "--status", "processed")
    both = gateway.cli("webhooks", "list", "--status", "failed", "--status", "processed")
    assert fine["id"] in both and in_name["id"] in both

    # Replaying cannot help an event that was never stored as sent: it stays failed, unapplied.
    assert gateway.cli("webhooks", "replay", "--failed").strip() == "no failed webhook events"
    row = await inbox_row(gateway.database_url, in_name["id"])
    assert row is not None and row["status"] == "failed"
