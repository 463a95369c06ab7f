"""`MinorUnits`: the scalar of every amount of money in the schema (GraphQL's `Int` is 32-bit).

Stripe accepts amounts of up to 12 digits (999,999,999,999 minor units: IDR 9,999,999,999.99),
far past `Int`'s 2,147,483,647. The value is a JSON number, not a string: every amount Stripe
accepts is below 2^53, so JavaScript's `number` (and any JSON decoder) holds it exactly, and
clients that read amounts as numbers keep working. The scalar's range is the integers a JSON
number carries exactly, |n| <= 2^53 - 1; how much a mutation accepts is the resolver's check
(`billing.validation.clean_amount`), answered as a `VALIDATION_FAILED` user error.
See docs/money-and-graphql.md.
"""

from __future__ import annotations

from typing import Any, NewType

import strawberry
from graphql import GraphQLError, IntValueNode, ValueNode
from strawberry.types.scalar import ScalarDefinition

from base.error_codes import ErrorCode

MAX_SAFE_INTEGER = 2**53 - 1
"""The largest integer a JSON number (an IEEE 754 double: JavaScript's `Number.MAX_SAFE_INTEGER`) holds exactly."""

_DESCRIPTION = (
    "An amount of money in the currency's minor unit (cents for USD, yen for JPY), as a JSON number: "
    f"a whole number from -{MAX_SAFE_INTEGER} to {MAX_SAFE_INTEGER} (2^53 - 1), so a JavaScript number holds it "
    "exactly. Covers every amount Stripe accepts (up to 12 digits); `Int` (32-bit) stops at 2,147,483,647. "
    "Inputs refuse fractions, strings and anything outside that range; mutations check their own bounds."
)


def _refuse(value: object, reason: str) -> GraphQLError:
    return GraphQLError(
        f"MinorUnits cannot represent {value!r}: {reason}", extensions={"code": ErrorCode.VALIDATION_FAILED}
    )


def _checked(value: int) -> int:
    if -MAX_SAFE_INTEGER <= value <= MAX_SAFE_INTEGER:
        return value
    raise _refuse(value, f"outside -{MAX_SAFE_INTEGER}..{MAX_SAFE_INTEGER} (exact as a JSON number)")


def serialize(value: Any) -> int:
    """An amount from the mirror (or Stripe): a whole number in range, else an error (never a silent rounding)."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"MinorUnits cannot serialise {type(value).__name__}")
    return _checked(value)


def parse_value(value: Any) -> int:
    """A variable's value: a JSON integer (a float with no fraction, as JSON allows `1e3`, is taken too)."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise _refuse(value, "an amount is a whole number of minor units (a JSON number, not a string)")
    return _checked(value)


def parse_literal(node: ValueNode, _variables: dict[str, Any] | None = None) -> int:
    """An amount written in the document: an integer literal only."""
    if not isinstance(node, IntValueNode):
        raise _refuse(node.to_dict().get("value"), "an amount is a whole number of minor units (an integer literal)")
    if len(node.value.lstrip("-")) > 16:  # past 2^53 already; and Python refuses to parse 4,300 digits
        raise _refuse(node.value[:20] + "…", f"outside -{MAX_SAFE_INTEGER}..{MAX_SAFE_INTEGER}")
    return _checked(int(node.value))


MinorUnits = NewType("MinorUnits", int)
"""The Python type of amount fields; `schema.scalars.SCALAR_MAP` makes it the scalar `MINOR_UNITS`."""

MINOR_UNITS: ScalarDefinition = strawberry.scalar(
    name="MinorUnits",
    description=_DESCRIPTION,
    # JSON's interoperable integers, [-(2^53)+1, 2^53-1]: exactly this scalar's range.
    specified_by_url="https://www.rfc-editor.org/rfc/rfc8259#section-6",
    serialize=serialize,
    parse_value=parse_value,
    parse_literal=parse_literal,
)
