"""`MinorUnits` (schema/money.py): exact JSON integers to 2^53 - 1, anything else refused as VALIDATION_FAILED."""

from __future__ import annotations

from typing import Any

import pytest
from graphql import GraphQLError, GraphQLScalarType, parse, validate

from schema import build_schema
from schema.money import MAX_SAFE_INTEGER, serialize

SCHEMA = build_schema()
CREATE_PAYMENT = 'mutation { createPayment(idempotencyKey: "k", input: {customerId: "x", amount: %s, currency: "usd"}) { payment { id } } }'  # noqa: E501


def scalar() -> GraphQLScalarType:
    found = SCHEMA._schema.type_map["MinorUnits"]
    assert isinstance(found, GraphQLScalarType)
    return found


@pytest.mark.parametrize("value", [0, 1, -1, 2**31, 10**12, MAX_SAFE_INTEGER, -MAX_SAFE_INTEGER])
def test_whole_numbers_in_range_pass_exactly(value: int) -> None:
    assert serialize(value) == value and type(serialize(value)) is int
    assert scalar().parse_value(value) == value
    assert validate(SCHEMA._schema, parse(CREATE_PAYMENT % value)) == []


def test_a_float_without_fraction_is_a_json_integer() -> None:
    assert scalar().parse_value(1e12) == 10**12


@pytest.mark.parametrize("value", [1.5, "100", True, MAX_SAFE_INTEGER + 1, -(MAX_SAFE_INTEGER + 1), 2**63, [1]])
def test_variables_out_of_the_scalar_are_validation_failed(value: Any) -> None:
    with pytest.raises(GraphQLError, match="MinorUnits cannot represent") as raised:
        scalar().parse_value(value)
    assert raised.value.extensions == {"code": "VALIDATION_FAILED"}


@pytest.mark.parametrize("literal", ["1.5", '"100"', "true", "9007199254740992", "9" * 5000, "[1]", "{a: 1}"])
def test_literals_out_of_the_scalar_are_validation_failed(literal: str) -> None:
    errors = validate(SCHEMA._schema, parse(CREATE_PAYMENT % literal))
    assert errors and all((e.extensions or {}).get("code") == "VALIDATION_FAILED" for e in errors), errors


@pytest.mark.parametrize("value", [1.0, "1", None, 2**53])
def test_serialising_anything_but_an_exact_integer_fails(value: Any) -> None:
    with pytest.raises((TypeError, GraphQLError)):
        serialize(value)
