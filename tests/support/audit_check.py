"""Issue 6, acceptance 6: every mutation the e2e suite sent left exactly one audit entry with its key.

`GraphQLClient` reports each mutation it sends (`record_mutation`) with the database of
the gateway that answered (gateways register theirs in `register_gateway`). At the end
of the session `check_audit_trail` counts the entries per idempotency key in each
database and compares them with what the answers imply:

- a call that ran and was not stored (VALIDATION_FAILED, NOT_FOUND, PROVIDER_UNAVAILABLE:
  the key is released) leaves one entry each time it runs;
- a stored outcome (success, a decline) leaves one entry however often it is replayed;
- a refused call (FORBIDDEN, RATE_LIMITED, an invalid document, IDEMPOTENCY_KEY_REUSED /
  IN_PROGRESS, a malformed key) leaves none: nothing ran;
- a crash (INTERNAL) leaves one, with outcome `error`; another customer's object named in
  the input (FORBIDDEN with `reason: OTHER_CUSTOMER`) leaves one, with outcome `FORBIDDEN`.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

import asyncpg  # type: ignore[import-untyped]
from graphql import (
    FieldNode,
    GraphQLSyntaxError,
    OperationDefinitionNode,
    OperationType,
    StringValueNode,
    VariableNode,
    parse,
)

RELEASED = frozenset({"VALIDATION_FAILED", "NOT_FOUND", "PROVIDER_UNAVAILABLE", "OBJECT_BUSY"})
REFUSED_BY_LEDGER = frozenset({"IDEMPOTENCY_KEY_REUSED", "IDEMPOTENCY_KEY_IN_PROGRESS"})

_databases: dict[str, str] = {}


@dataclass(frozen=True)
class SentMutation:
    database_url: str
    token: str | None
    field: str
    idempotency_key: str
    body: dict[str, Any]


SENT: list[SentMutation] = []
UNCHECKED: list[str] = []


def register_gateway(url: str, database_url: str) -> None:
    """The gateway answering at `url` (from its start until `unregister_gateway`) keeps its data in `database_url`."""
    _databases[url.rstrip("/")] = database_url


def unregister_gateway(url: str) -> None:
    """The gateway at `url` has stopped: what answers there from now on is not it."""
    _databases.pop(url.rstrip("/"), None)


def gateway_urls() -> list[str]:
    """The base URLs of every gateway registered so far (`tests.support.problem_check` checks their answers)."""
    return list(_databases)


def record_mutation(
    base_url: str, token: str | None, query: str, variables: dict[str, Any] | None, body: dict[str, Any]
) -> None:
    """Note the mutations of one answered request (queries are ignored)."""
    for field, key in _mutation_fields(query, variables or {}):
        database = _databases.get(base_url.rstrip("/"))
        if database is None:
            UNCHECKED.append(f"{field} at {base_url} (not a registered gateway)")
            continue
        SENT.append(SentMutation(database, token, field, key, body))


def _mutation_fields(query: str, variables: dict[str, Any]) -> list[tuple[str, str]]:
    try:
        document = parse(query)
    except GraphQLSyntaxError:
        return []
    fields: list[tuple[str, str]] = []
    for definition in document.definitions:
        if not isinstance(definition, OperationDefinitionNode) or definition.operation is not OperationType.MUTATION:
            continue
        for selection in definition.selection_set.selections:
            if not isinstance(selection, FieldNode):
                continue
            for argument in selection.arguments or ():
                if argument.name.value != "idempotencyKey":
                    continue
                value: Any = None
                if isinstance(argument.value, StringValueNode):
                    value = argument.value.value
                elif isinstance(argument.value, VariableNode):
                    value = variables.get(argument.value.name.value)
                if isinstance(value, str):
                    alias = selection.alias.value if selection.alias else selection.name.value
                    fields.append((alias, value))
    return fields


def entries_implied(answers: list[tuple[str, dict[str, Any]]]) -> int:
    """How many audit entries these answers (field, body) for one principal and key imply."""
    runs = 0
    stored = False
    for field, body in answers:
        payload = (body.get("data") or {}).get(field)
        if payload is None:
            # A crash, or another customer's object named in the input, ran the mutation; a scope,
            # rate-limit or document refusal did not.
            ran = [
                e
                for e in body.get("errors") or []
                if (e.get("extensions") or {}).get("code") == "INTERNAL"
                or (e.get("extensions") or {}).get("reason") == "OTHER_CUSTOMER"
            ]
            runs += 1 if ran else 0
            continue
        errors = payload.get("userErrors") or []
        codes = {e["code"] for e in errors}
        if codes & REFUSED_BY_LEDGER or any(e.get("field") == ["idempotencyKey"] for e in errors):
            continue
        if codes & RELEASED:
            runs += 1
        else:
            stored = True
    return runs + (1 if stored else 0)


async def check_audit_trail() -> tuple[int, list[str]]:
    """Compare every recorded key with its database's audit entries; (keys checked, mismatches)."""
    answers: dict[tuple[str, str], dict[str | None, list[tuple[str, dict[str, Any]]]]] = defaultdict(
        lambda: defaultdict(list)
    )
    for sent in SENT:
        answers[(sent.database_url, sent.idempotency_key)][sent.token].append((sent.field, sent.body))
    by_database: dict[str, list[tuple[str, int]]] = defaultdict(list)
    last_answer: dict[str, str] = {}
    for (database_url, key), per_token in answers.items():
        expected = sum(entries_implied(calls) for calls in per_token.values())
        by_database[database_url].append((key, expected))
        field, body = next(iter(per_token.values()))[-1]
        last_answer[key] = f"{field}: {json.dumps(body)[:300]}"
    mismatches: list[str] = []
    for database_url, keys in by_database.items():
        connection = await asyncpg.connect(database_url)
        try:
            rows = await connection.fetch(
                "SELECT idempotency_key, count(*) AS n FROM audit_entries"
                " WHERE idempotency_key = ANY($1::text[]) GROUP BY idempotency_key",
                [key for key, _ in keys],
            )
        finally:
            await connection.close()
        found = {row["idempotency_key"]: row["n"] for row in rows}
        for key, expected in keys:
            if found.get(key, 0) != expected:
                mismatches.append(
                    f"{database_url.rsplit('/', 1)[-1]}: key {key!r} has {found.get(key, 0)} audit entries, "
                    f"its answers imply {expected} (last answer {last_answer[key]})"
                )
    return len(answers), mismatches


def summary(keys: int, mismatches: int, unchecked: int) -> str:
    """The audit check's line in the run's summary."""
    line = f"audit check: {keys} idempotency keys sent by e2e mutations, {mismatches} mismatches"
    return line + (f", {unchecked} mutations to unregistered gateways not checked" if unchecked else "")
