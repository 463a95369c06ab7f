"""The one walker over a selection set's AST: its selections at one level, through fragments, as graphql-core does.

`flat_selections` yields what graphql-core's field collection visits at one level (its
`visit_selection_sets`: the selections, into inline fragments and fragment spreads), so the
callers that read a selection ahead of execution agree with what executes:

- `runtime.execution` finds the variables the `@skip`/`@include` of a selection read;
- `schema.extensions.estimated_nodes` bounds the nodes nested connections may return;
- `billing.pagination.nested_pages` finds the nested pages a list's selection asks for.

`argument_value` reads an argument of a field node as a literal or a variable, before coercion.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any, Final

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    InlineFragmentNode,
    IntValueNode,
    NullValueNode,
    SelectionNode,
    SelectionSetNode,
    StringValueNode,
    ValueNode,
    VariableNode,
)

from base.versions import require

require("graphql-core", ">=3.3,<3.4", by=__name__)

__all__ = ["NO_VALUE", "argument_value", "fields_of", "flat_selections", "takes_arguments"]

NO_VALUE: Final = object()
"""`argument_value`'s answer for a value it does not read (a list, an object, a float, an enum…)."""


def takes_arguments(spread: FragmentSpreadNode, fragment: FragmentDefinitionNode | None) -> bool:
    """Whether a spread passes arguments or its fragment declares variables (experimental fragment variables)."""
    return bool(getattr(spread, "arguments", None)) or bool(fragment is not None and fragment.variable_definitions)


def flat_selections(
    selection_sets: Iterable[SelectionSetNode | None],
    fragments: Mapping[str, FragmentDefinitionNode],
    *,
    unconditional: bool = False,
    fragments_once: bool = True,
    enter_fragment_variables: bool = False,
) -> Iterator[SelectionNode]:
    """Every selection of `selection_sets` at their level, in document order, through fragments.

    Yields each field, inline fragment and fragment spread it meets (a fragment before what it
    holds); it does not enter fields (their own selection set is the next level). It enters an
    inline fragment, and the fragment a spread names when the document defines it.

    - `unconditional`: a selection carrying any directive is left out (neither yielded nor entered).
    - `fragments_once`: a fragment's selections are walked at its first spread only (every spread
      is yielded), as graphql-core collects; otherwise at every spread.
    - `enter_fragment_variables`: also enter fragments that take arguments (`takes_arguments`);
      by default their spreads are yielded but not entered.
    """
    seen: set[str] = set()
    stack: list[Iterator[SelectionNode]] = [
        iter(selection_set.selections) for selection_set in reversed(list(selection_sets)) if selection_set
    ]
    while stack:
        selection = next(stack[-1], None)
        if selection is None:
            stack.pop()
            continue
        if unconditional and selection.directives:
            continue
        yield selection
        if isinstance(selection, InlineFragmentNode):
            stack.append(iter(selection.selection_set.selections))
        elif isinstance(selection, FragmentSpreadNode):
            name = selection.name.value
            fragment = fragments.get(name)
            if fragment is None or (fragments_once and name in seen):
                continue
            if not enter_fragment_variables and takes_arguments(selection, fragment):
                continue
            seen.add(name)
            stack.append(iter(fragment.selection_set.selections))


def fields_of(
    selection_set: SelectionSetNode | None,
    fragments: Mapping[str, FragmentDefinitionNode],
    *,
    unconditional: bool = False,
) -> Iterator[FieldNode]:
    """The fields of `flat_selections` of one selection set (`unconditional`: those no directive may drop)."""
    for selection in flat_selections((selection_set,), fragments, unconditional=unconditional):
        if isinstance(selection, FieldNode):
            yield selection


def argument_value(node: FieldNode, name: str, variables: Mapping[str, Any]) -> Any:
    """The value of argument `name` of `node` as written, before coercion; None when absent or null.

    A variable gives its value in `variables` (None when the request left it out); an int or a
    string literal gives its value; any other literal gives `NO_VALUE`.
    """
    for argument in node.arguments or ():
        if argument.name.value != name:
            continue
        value: ValueNode = argument.value
        if isinstance(value, VariableNode):
            return variables.get(value.name.value)
        if isinstance(value, NullValueNode):
            return None
        if isinstance(value, IntValueNode):
            return int(value.value)
        if isinstance(value, StringValueNode):
            return value.value
        return NO_VALUE
    return None
