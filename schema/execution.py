"""The schema's graphql-core executor: collected subfields are remembered across executions.

graphql-core memoises `collect_subfields` per executor, keyed by the identity of the
field list, so each new execution collects every object's selection set again. A
subscription runs a new per-event executor for every event and every subscriber: one
status message to 1,000 subscribers collected the same two selection sets 2,000 times
(about a fifth of the gateway's time in benchmark 6).

`CachingExecutor` keeps one bounded, process-wide LRU of collected subfields keyed by

- the schema, the object type, the operation node and the document's fragment
  definitions, and the field nodes being expanded, all by identity. The entry holds
  strong references to every object its key names, so no key id can be reused by a
  new object while the entry lives;
- the values of the variables that `@skip`/`@include` on the collected selections
  refer to (found once per selection by walking it, fragments included), so
  `@include(if: $x)` collects differently for `x = true` and `x = false`;
- `hide_suggestions` (it changes error messages of argument coercion).

Nothing is cached (graphql-core collects as before) when the fields carry `@defer`
usages or fragment variables, when a collected selection uses `@defer`/`@stream` or
fragment arguments, when the collection produced defer usages or forbidden directives,
or when a variable value is unhashable. Collection errors are raised, never cached.

Collected fields are read-only to the executor (graphql-core already shares one
result between all the items of a list), so sharing them between executions is safe.

The per-event executor of a subscription also gets its own per-execution memo: graphql-core's
is a shallow copy shared with the subscription's executor, so it grew by two entries per event
for the life of every subscription.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any, Final

from graphql import (
    FieldNode,
    FragmentSpreadNode,
    GraphQLObjectType,
    InlineFragmentNode,
    ListValueNode,
    ObjectValueNode,
    SelectionSetNode,
    ValueNode,
    VariableNode,
)
from graphql.execution.collect_fields import CollectedFields, FieldDetailsList, FragmentDetails, collect_subfields
from graphql.execution.executor import CollectedErrors
from graphql.pyutils import RefMap
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

__all__ = ["DEFAULT_MAXSIZE", "CachingExecutor", "CollectedFieldsCache", "collected_fields_cache"]

DEFAULT_MAXSIZE: Final = 4096
"""Entries kept in each of the cache's two LRUs (one per distinct selection, and one per variable values of it)."""

_UNCACHEABLE_DIRECTIVES: Final = frozenset({"defer", "stream"})
_UNSET: Final = object()
"""Key stand-in for a variable with no value at all (distinct from an explicit null)."""


class _Plan:
    """One selection: the objects its key names by id (kept alive), and how to cache it."""

    __slots__ = ("anchors", "collected", "variable_names")

    def __init__(self, anchors: tuple[Any, ...], variable_names: tuple[str, ...] | None) -> None:
        self.anchors = anchors
        self.variable_names = variable_names
        """The variables its @skip/@include read (sorted); None when it must not be cached."""
        self.collected: CollectedFields | None = None
        """Its collected fields when it reads no variable."""


class CollectedFieldsCache:
    """A bounded, thread-safe LRU of `CollectedFields` shared by all executions of this process."""

    def __init__(self, maxsize: int = DEFAULT_MAXSIZE) -> None:
        if maxsize < 1:
            raise ValueError("maxsize must be at least 1")
        self.maxsize = maxsize
        # selection key -> what its @skip/@include read, and its fields when they read no variable
        self._plans: OrderedDict[tuple[Any, ...], _Plan] = OrderedDict()
        # (selection key, variable values) -> (objects the key names by id, the collected fields)
        self._collected: OrderedDict[tuple[Any, ...], tuple[tuple[Any, ...], CollectedFields]] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0
        self.bypassed = 0

    def clear(self) -> None:
        with self._lock:
            self._plans.clear()
            self._collected.clear()
            self.hits = self.misses = self.bypassed = 0

    def collect_subfields(
        self, executor: CachingExecutor, return_type: GraphQLObjectType, field_details_list: FieldDetailsList
    ) -> CollectedFields:
        """What `Executor.collect_subfields` would collect, from the cache when it is safe to."""
        nodes: list[FieldNode] = []
        for field_details in field_details_list:
            if field_details.defer_usage is not None or field_details.fragment_variable_values is not None:
                return self._bypass(executor, return_type, field_details_list)
            nodes.append(field_details.node)
        schema, operation, fragments = executor.schema, executor.operation, executor.fragments
        definitions = tuple(details.definition for details in fragments.values()) if fragments else ()
        selection_key = (
            id(schema),
            id(return_type),
            id(operation),
            tuple(map(id, definitions)),
            tuple(map(id, nodes)),
            executor.hide_suggestions,
        )
        with self._lock:
            plan = self._plans.get(selection_key)
            if plan is not None:
                self._plans.move_to_end(selection_key)
                if plan.collected is not None:  # no variables matter: one lookup
                    self.hits += 1
                    return plan.collected
        if plan is None:
            anchors = (schema, return_type, operation, definitions, tuple(nodes))
            plan = _Plan(anchors, _directive_variables(nodes, fragments))
            self._remember(self._plans, selection_key, plan)
        variable_names = plan.variable_names
        if variable_names is None:
            return self._bypass(executor, return_type, field_details_list)
        key: tuple[Any, ...] | None = None
        if variable_names:
            coerced = executor.variable_values.coerced
            key = (selection_key, tuple(coerced.get(name, _UNSET) for name in variable_names))
            try:
                with self._lock:
                    entry = self._collected.get(key)
                    if entry is not None:
                        self._collected.move_to_end(key)
                        self.hits += 1
                        return entry[1]
            except TypeError:  # an unhashable variable value
                return self._bypass(executor, return_type, field_details_list)
        collected = executor.collect_subfields_uncached(return_type, field_details_list)
        if collected.new_defer_usages or collected.forbidden_directive_instances:
            self.bypassed += 1
            return collected
        self.misses += 1
        if key is None:
            plan.collected = collected
        else:
            self._remember(self._collected, key, (plan.anchors, collected))
        return collected

    def __len__(self) -> int:
        """Collected field sets held (selections without variables, plus one per variable values of the others)."""
        with self._lock:
            return len(self._collected) + sum(1 for plan in self._plans.values() if plan.collected is not None)

    def _bypass(
        self, executor: CachingExecutor, return_type: GraphQLObjectType, field_details_list: FieldDetailsList
    ) -> CollectedFields:
        self.bypassed += 1
        return executor.collect_subfields_uncached(return_type, field_details_list)

    def _remember(self, lru: OrderedDict[tuple[Any, ...], Any], key: tuple[Any, ...], value: Any) -> None:
        with self._lock:
            lru[key] = value
            lru.move_to_end(key)
            while len(lru) > self.maxsize:
                lru.popitem(last=False)


def _variables_in(value: ValueNode, names: set[str]) -> None:
    if isinstance(value, VariableNode):
        names.add(value.name.value)
    elif isinstance(value, ListValueNode):
        for item in value.values:
            _variables_in(item, names)
    elif isinstance(value, ObjectValueNode):
        for field in value.fields:
            _variables_in(field.value, names)


def _directive_variables(nodes: list[FieldNode], fragments: dict[str, FragmentDetails]) -> tuple[str, ...] | None:
    """The variables the directives of the selections collected under `nodes` read; None: do not cache.

    Walks what graphql-core's `visit_selection_sets` walks: the selections of each node's
    selection set, into inline fragments and fragment spreads (each fragment once).
    """
    names: set[str] = set()
    seen: set[str] = set()
    stack: list[SelectionSetNode] = [node.selection_set for node in nodes if node.selection_set]
    while stack:
        for selection in stack.pop().selections:
            for directive in selection.directives or ():
                if directive.name.value in _UNCACHEABLE_DIRECTIVES:
                    return None
                for argument in directive.arguments or ():
                    _variables_in(argument.value, names)
            if isinstance(selection, InlineFragmentNode):
                stack.append(selection.selection_set)
            elif isinstance(selection, FragmentSpreadNode):
                if getattr(selection, "arguments", None):  # fragment arguments (experimental)
                    return None
                name = selection.name.value
                if name in seen:
                    continue
                seen.add(name)
                fragment = fragments.get(name)
                if fragment is None:
                    continue
                if fragment.variable_signatures:
                    return None
                stack.append(fragment.definition.selection_set)
    return tuple(sorted(names))


_cache = CollectedFieldsCache()


def collected_fields_cache() -> CollectedFieldsCache:
    """The process's cache (for tests and metrics)."""
    return _cache


class CachingExecutor(StrawberryGraphQLCoreExecutionContext):
    """Strawberry's executor, with collected subfields cached across executions (see the module docstring)."""

    fields_cache: CollectedFieldsCache = _cache

    def build_per_event_executor(self, payload: Any) -> CachingExecutor:
        """graphql-core's `build_per_event_executor` (a shallow copy with the payload as root value), faster.

        `copy.copy` goes through `__reduce_ex__`; no class of this executor has slots or custom
        copy/pickle hooks, so copying `__dict__` is the same shallow copy.
        """
        executor = object.__new__(type(self))
        executor.__dict__.update(self.__dict__)
        executor.root_value = payload
        executor.collected_errors = CollectedErrors()
        # Per-execution memos, not graphql-core's shared ones that every event appended to.
        executor._relevant_sub_fields = {}
        executor._stream_usages = RefMap()
        return executor

    def collect_subfields(
        self, return_type: GraphQLObjectType, field_details_list: FieldDetailsList
    ) -> CollectedFields:
        # The per-execution memo first: the items of a list share one field list.
        memo = self._relevant_sub_fields
        memo_key = (return_type, id(field_details_list))
        cached = memo.get(memo_key)
        if cached is not None:
            return cached[1]
        collected = self.fields_cache.collect_subfields(self, return_type, field_details_list)
        memo[memo_key] = (field_details_list, collected)
        return collected

    def collect_subfields_uncached(
        self, return_type: GraphQLObjectType, field_details_list: FieldDetailsList
    ) -> CollectedFields:
        """graphql-core's collection, without any memo."""
        return collect_subfields(
            self.schema,
            self.fragments,
            self.variable_values,
            self.operation,
            return_type,
            field_details_list,
            self.hide_suggestions,
        )
