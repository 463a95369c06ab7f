"""`schema.graphql` at the repo root is the exported SDL, and it must be current."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from graphql import build_ast_schema, parse, print_schema

from schema import build_schema

ROOT = Path(__file__).resolve().parents[2]


def test_committed_schema_is_current() -> None:
    committed = (ROOT / "schema.graphql").read_text()
    exported = build_schema().as_str().rstrip("\n") + "\n"
    assert committed == exported, "schema.graphql is stale: run `uv run billing-gateway export-schema > schema.graphql`"


def test_export_schema_command_prints_the_sdl() -> None:
    cli = Path(sys.executable).with_name("billing-gateway")
    result = subprocess.run([str(cli), "export-schema"], capture_output=True, text=True, check=True, timeout=60)
    assert result.stdout == (ROOT / "schema.graphql").read_text()


def _sdl_without_descriptions() -> str:
    """The committed SDL with every description dropped, so a signature reads on one line."""
    schema = build_ast_schema(parse((ROOT / "schema.graphql").read_text()))
    for named in schema.type_map.values():
        named.description = None
        for member in [*getattr(named, "fields", {}).values(), *getattr(named, "values", {}).values()]:
            member.description = None
            for arg in getattr(member, "args", {}).values():
                arg.description = None
    return print_schema(schema)


def test_contract_names_are_in_the_schema() -> None:
    sdl = _sdl_without_descriptions()
    for name in (
        "type Customer implements Node",
        "type PaymentMethod implements Node",
        "customers(first: Int = null, after: String = null, email: String = null): CustomerConnection!",
        "createCustomer(idempotencyKey: String!, input: CreateCustomerInput!): CreateCustomerPayload!",
        "attachPaymentMethod(idempotencyKey: String!, input: AttachPaymentMethodInput!): AttachPaymentMethodPayload!",
        "IDEMPOTENCY_KEY_IN_PROGRESS",
        "PROVIDER_UNAVAILABLE",
    ):
        assert name in sdl, name
