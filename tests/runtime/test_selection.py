"""`runtime.selection`: one level of a selection set through fragments, as graphql-core collects it."""

from __future__ import annotations

from graphql import FieldNode, FragmentDefinitionNode, OperationDefinitionNode, parse

from runtime.selection import NO_VALUE, argument_value, fields_of, flat_selections

DOCUMENT = """
query Q($n: Int, $on: Boolean!) {
  a
  ... on Query { b ...F }
  c @include(if: $on)
  ...F
  ... @skip(if: $on) { d }
  ...G(x: 1)
  e(first: 3, after: "x", other: $n, list: [1], nothing: null)
}
fragment F on Query { f }
fragment G($x: Int) on Query { g }
"""


def _parsed() -> tuple[OperationDefinitionNode, dict[str, FragmentDefinitionNode]]:
    document = parse(DOCUMENT, experimental_fragment_arguments=True)
    [operation] = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
    return operation, fragments


def _names(selections: object) -> list[str]:
    return [node.name.value for node in selections if isinstance(node, FieldNode)]  # type: ignore[attr-defined]


def test_fields_in_document_order_through_fragments_each_fragment_once() -> None:
    operation, fragments = _parsed()
    assert _names(flat_selections((operation.selection_set,), fragments)) == ["a", "b", "f", "c", "d", "e"]


def test_unconditional_leaves_out_what_a_directive_may_drop() -> None:
    operation, fragments = _parsed()
    assert _names(fields_of(operation.selection_set, fragments, unconditional=True)) == ["a", "b", "f", "e"]


def test_every_spread_and_fragment_variables_when_asked() -> None:
    operation, fragments = _parsed()
    walk = flat_selections((operation.selection_set,), fragments, fragments_once=False, enter_fragment_variables=True)
    assert _names(walk) == ["a", "b", "f", "c", "f", "d", "g", "e"]


def test_argument_values_as_written() -> None:
    operation, _ = _parsed()
    [e] = [node for node in fields_of(operation.selection_set, {}) if node.name.value == "e"]
    variables = {"n": 4}
    assert argument_value(e, "first", variables) == 3
    assert argument_value(e, "after", variables) == "x"
    assert argument_value(e, "other", variables) == 4
    assert argument_value(e, "other", {}) is None
    assert argument_value(e, "list", variables) is NO_VALUE
    assert argument_value(e, "nothing", variables) is None
    assert argument_value(e, "absent", variables) is None
