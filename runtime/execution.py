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

Results shared between subscribers (`ResultSharingCache`)
--------------------------------------------------------

`live/streams.py` hands the same event object to every subscriber of a status message. The
subscribers that would execute it identically share one execution: a per-event executor looks
up a bounded, process-wide LRU keyed by

- the event (the payload, the root value) by identity; the entry holds it, so its id cannot be
  reused while the entry lives, and a hit also checks it with `is`;
- the executor class, the schema, the operation node and the document's fragment definitions by
  identity (held by the entry too), `serially` and `hide_suggestions`;
- the coerced variable values, each with its type (`1`, `1.0` and `True` are different keys);
  nothing is shared when one is unhashable (lists, input objects);
- the context's `result_sharing_key` (`schema.context.Context`): the principal, and the settings
  and the Stripe adapter by identity. A context without one (or returning None) shares nothing.

Nothing is shared when the execution has field middleware (an extension with `resolve`), an
abort signal, graphql-core execution hooks, or strawberry operation extensions (other than
`persistedQuery`, used up before execution): each of those must see every execution. Only
results without errors are shared (errors carry the subscriber's request id once masked); a
subscriber that would have got a result with errors executes on its own.

An execution that completes synchronously (plain fields: the usual event) is stored done; the
next identical subscribers get the very same `ExecutionResult`. An asynchronous one runs as a
task that the identical subscribers arriving meanwhile wait for, each on its own future (a
subscriber leaving cancels only its own wait, never the shared execution); if it fails or has
errors, they execute on their own. The first subscriber gets its task's outcome as is.

Sharing the object is safe because nothing downstream mutates it: strawberry's
`_handle_execution_result` wraps graphql-core's result in a new strawberry `ExecutionResult`
per subscriber (errors and extensions are set on that wrapper; the masking extension replaces
`errors` on it, and only for results with errors, which are not shared), and the transport
only reads `data` to encode it. `payload_json` caches the JSON of a shared `data` so that each
socket encodes only its own frame envelope (`gateway/ws.py`).
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections import OrderedDict
from collections.abc import Hashable
from functools import partial
from typing import Any, Final, TypeGuard

from graphql import (
    ExecutionResult,
    FieldNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLObjectType,
    ListValueNode,
    ObjectValueNode,
    ValueNode,
    VariableNode,
)
from graphql.execution.collect_fields import CollectedFields, FieldDetailsList, FragmentDetails, collect_subfields
from graphql.execution.executor import CollectedErrors, Executor
from graphql.pyutils import AwaitableOrValue, RefMap
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from base.versions import require
from runtime.selection import flat_selections, takes_arguments
from runtime.shared_tasks import SharedTask

require("graphql-core", ">=3.3,<3.4", by=__name__)
require("strawberry-graphql", ">=0.341,<0.342", by=__name__)

__all__ = [
    "DEFAULT_MAXSIZE",
    "DEFAULT_RESULTS_KEPT",
    "CachingExecutor",
    "CollectedFieldsCache",
    "ResultSharingCache",
    "SuggestionFreeExecutor",
    "collected_fields_cache",
    "result_sharing_cache",
]

DEFAULT_MAXSIZE: Final = 4096
"""Entries kept in each of the cache's two LRUs (one per distinct selection, and one per variable values of it)."""

DEFAULT_RESULTS_KEPT: Final = 1024
"""Shared event results kept (one per event and distinct subscriber key; most events have one)."""

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

    Walks what graphql-core's `visit_selection_sets` walks (`runtime.selection.flat_selections`):
    the selections of each node's selection set, into inline fragments and fragment spreads
    (each fragment once).
    """
    definitions = {name: details.definition for name, details in (fragments or {}).items()}
    names: set[str] = set()
    for selection in flat_selections((node.selection_set for node in nodes), definitions):
        for directive in selection.directives or ():
            if directive.name.value in _UNCACHEABLE_DIRECTIVES:
                return None
            for argument in directive.arguments or ():
                _variables_in(argument.value, names)
        if isinstance(selection, FragmentSpreadNode) and takes_arguments(
            selection, definitions.get(selection.name.value)
        ):
            return None  # fragment arguments (experimental)
    return tuple(sorted(names))


PRE_EXECUTION_EXTENSIONS: Final = frozenset({"persistedQuery"})
"""Request extensions used up before execution (a persisted document's hash): no reason not to share."""

_cache = CollectedFieldsCache()


def collected_fields_cache() -> CollectedFieldsCache:
    """The process's cache (for tests and metrics)."""
    return _cache


def _shareable(result: object) -> TypeGuard[ExecutionResult]:
    """A complete result without errors (incremental results and results with errors are never shared)."""
    return type(result) is ExecutionResult and not result.errors and result.data is not None and not result.extensions


def _compact_json(value: object) -> str:
    """strawberry's `BaseView.encode_json`: what its WebSocket transport sends."""
    return json.dumps(value, separators=(",", ":"))


class _SharedResult:
    """One execution of an event for one sharing key: done (`result`) or in flight (`running`)."""

    __slots__ = ("anchors", "encoded", "result", "running")

    def __init__(
        self,
        anchors: tuple[Any, ...],
        result: ExecutionResult | None = None,
        running: SharedTask[Any] | None = None,
    ) -> None:
        self.anchors = anchors
        """The payload first, then every other object the key names by id (kept alive)."""
        self.result = result
        self.running = running
        self.encoded: str | None = None
        """`{"data": …}` of the result as JSON, once a socket sent it."""


class ResultSharingCache:
    """A bounded LRU of per-event execution results shared by identical subscribers (see the module docstring)."""

    def __init__(self, maxsize: int = DEFAULT_RESULTS_KEPT) -> None:
        if maxsize < 1:
            raise ValueError("maxsize must be at least 1")
        self.maxsize = maxsize
        self._entries: OrderedDict[tuple[Any, ...], _SharedResult] = OrderedDict()
        self._by_data: dict[int, _SharedResult] = {}
        """Done entries by the id of their result's `data` (the entry holds it)."""
        self._lock = threading.Lock()
        self.hits = 0
        """Executions answered with another subscriber's result."""
        self.misses = 0
        """Executions run and offered to the identical subscribers."""
        self.unshared = 0
        """Results not shared after all (errors, or a failed execution) and subscribers that then ran their own."""
        self.bypassed = 0
        """Executions not eligible (no sharing key, unhashable variables, middleware, another loop)."""
        self.payload_encodes = 0
        self.payload_reuses = 0

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._by_data.clear()
            self.hits = self.misses = self.unshared = self.bypassed = 0
            self.payload_encodes = self.payload_reuses = 0

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)

    def execute(self, executor: CachingExecutor, serially: bool | None) -> AwaitableOrValue[Any]:
        """The per-event executor's `execute_operation(serially)`, shared with identical subscribers when safe."""
        key = executor.result_sharing_key(serially)
        if key is None:
            self.bypassed += 1
            return executor.execute_operation_unshared(serially)
        payload = executor.root_value
        try:
            with self._lock:
                entry = self._entries.get(key)
                if entry is not None:
                    self._entries.move_to_end(key)
        except TypeError:  # an unhashable variable value, or context key
            self.bypassed += 1
            return executor.execute_operation_unshared(serially)
        if entry is not None and entry.anchors[0] is payload:
            if entry.result is not None:
                self.hits += 1
                return entry.result
            running = entry.running
            if running is not None and running.task.get_loop() is asyncio.get_running_loop():
                return self._follow(running, executor, serially)
            self.bypassed += 1
            return executor.execute_operation_unshared(serially)
        result = executor.execute_operation_unshared(serially)
        anchors = (payload, *executor.result_sharing_anchors())
        if not executor.is_awaitable(result):
            if _shareable(result):
                self.misses += 1
                self._store(key, _SharedResult(anchors, result=result))
            else:
                self.unshared += 1
            return result
        self.misses += 1
        running = SharedTask(asyncio.ensure_future(result))
        entry = _SharedResult(anchors, running=running)
        # Runs before any waiter resumes: `running` wakes them through futures of their own, later.
        running.task.add_done_callback(partial(self._settle, key, entry))
        self._store(key, entry)
        return self._lead(running)

    def payload_json(self, data: object) -> str | None:
        """`{"data": data}` as strawberry's transport encodes it, once per shared result; None for any other data."""
        with self._lock:
            entry = self._by_data.get(id(data))
        if entry is None or entry.result is None or entry.result.data is not data:
            return None
        encoded = entry.encoded
        if encoded is None:
            entry.encoded = encoded = _compact_json({"data": data})
            self.payload_encodes += 1
        else:
            self.payload_reuses += 1
        return encoded

    def _store(self, key: tuple[Any, ...], entry: _SharedResult) -> None:
        with self._lock:
            previous = self._entries.pop(key, None)
            if previous is not None:
                self._forget_data(previous)
            self._entries[key] = entry
            if entry.result is not None:
                self._by_data[id(entry.result.data)] = entry
            while len(self._entries) > self.maxsize:
                _, evicted = self._entries.popitem(last=False)
                self._forget_data(evicted)

    def _forget_data(self, entry: _SharedResult) -> None:
        if entry.result is not None and self._by_data.get(id(entry.result.data)) is entry:
            del self._by_data[id(entry.result.data)]

    def _settle(self, key: tuple[Any, ...], entry: _SharedResult, task: asyncio.Task[Any]) -> None:
        failed = task.cancelled() or task.exception() is not None
        result = None if failed else task.result()
        with self._lock:
            entry.running = None
            if result is not None and _shareable(result):
                entry.result = result
                if self._entries.get(key) is entry:
                    self._by_data[id(result.data)] = entry
            elif self._entries.get(key) is entry:
                del self._entries[key]

    @staticmethod
    async def _lead(running: SharedTask[Any]) -> Any:
        done = await running.settled()
        return done.result()  # this subscriber's own execution: errors and exceptions included

    async def _follow(self, running: SharedTask[Any], executor: CachingExecutor, serially: bool | None) -> Any:
        done = await running.settled()
        if not done.cancelled() and done.exception() is None and _shareable(result := done.result()):
            self.hits += 1
            return result
        # The shared execution failed or has errors: this subscriber's own (its request id in its errors).
        self.unshared += 1
        own = executor.execute_operation_unshared(serially)
        return await own if executor.is_awaitable(own) else own


_results = ResultSharingCache()


def result_sharing_cache() -> ResultSharingCache:
    """The process's shared event results (for tests, metrics and the WebSocket transport)."""
    return _results


class CachingExecutor(StrawberryGraphQLCoreExecutionContext):
    """Strawberry's executor, with collected subfields cached across executions (see the module docstring)."""

    fields_cache: CollectedFieldsCache = _cache
    results_cache: ResultSharingCache = _results
    _per_event: bool = False
    """True on the executors `build_per_event_executor` makes (one subscription event each)."""

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
        executor._per_event = True
        return executor

    def execute_operation(self, serially: bool | None = None) -> AwaitableOrValue[Any]:
        """graphql-core's, except that a subscription event's result is shared with identical subscribers."""
        if self._per_event:
            return self.results_cache.execute(self, serially)
        return super().execute_operation(serially)

    def execute_operation_unshared(self, serially: bool | None = None) -> AwaitableOrValue[Any]:
        """graphql-core's `execute_operation`."""
        return super().execute_operation(serially)

    def result_sharing_key(self, serially: bool | None) -> tuple[Any, ...] | None:
        """What this event's result depends on (see the module docstring); None when it must not be shared.

        Objects named by id are held by `result_sharing_anchors()` in the cache entry.
        """
        if self.abort_signal is not None or self.hooks is not None:
            return None
        extensions = getattr(self, "operation_extensions", None)
        if extensions and extensions.keys() - PRE_EXECUTION_EXTENSIONS:
            return None
        middleware = self.middleware_manager
        if middleware is not None and middleware.middlewares:
            return None
        context_key: Hashable | None = getattr(self.context_value, "result_sharing_key", None)
        if context_key is None:
            return None
        fragments = self.fragments
        return (
            id(self.root_value),
            type(self),
            id(self.schema),
            id(self.operation),
            tuple(id(details.definition) for details in fragments.values()) if fragments else (),
            serially,
            self.hide_suggestions,
            tuple((name, type(value), value) for name, value in self.variable_values.coerced.items()),
            context_key,
        )

    def result_sharing_anchors(self) -> tuple[Any, ...]:
        """The objects `result_sharing_key` names by id, besides the payload."""
        fragments = self.fragments
        definitions = tuple(details.definition for details in fragments.values()) if fragments else ()
        return (self.schema, self.operation, definitions)

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


class SuggestionFreeExecutor(CachingExecutor):
    """`CachingExecutor` with graphql-core's `hide_suggestions` on: the production executor.

    Coercing variables suggests names too ("Did you mean the enum value 'ACTIVE'?", an input
    field's name); strawberry passes no `hide_suggestions`, so the executor class sets it.
    """

    @classmethod
    def build(cls, *args: Any, **kwargs: Any) -> list[GraphQLError] | Executor[Any]:
        kwargs["hide_suggestions"] = True
        return super().build(*args, **kwargs)
