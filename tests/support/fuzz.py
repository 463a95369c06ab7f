"""Property-based fuzzing of `/graphql`: strategies for requests and the properties every answer must have.

Requests:
- `graphql_requests`: documents from `hypothesis-graphql` over the committed `schema.graphql`
  (valid ones, and ones with one schema violation), sent as generated or with every argument
  lifted into a variable, so literal parsing and variable coercion both run. `ID` and `String`
  values are half the time ids, Stripe ids and emails of objects that exist (`Pools`).
- `mutation_requests`: one mutation with an input filled field by field by name (mostly valid,
  sometimes wrong) and every leaf of its payload selected, so calls reach Stripe, the mirror
  and the idempotency ledger.
- `junk_requests`: bodies and GET parameters outside the grammar (any JSON, odd members, deep
  nesting, 20,000-digit numbers, bytes, lone surrogates).

The properties (`check_graphql_response`): the status is below 500 and never 429; the body is
JSON; a 4xx is a JSON object giving a reason; a 200 is a GraphQL result; an error with a
`path` (a resolver's) carries a documented `extensions.code` other than `INTERNAL` (a masked
crash is still a crash), and no error is `INTERNAL` even without a path; no message leaks
internals (tracebacks, driver, ORM or exception names) and no answer holds a gateway secret.
"""

from __future__ import annotations

import base64
import json
import re
import uuid
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import graphql
import httpx
from hypothesis import strategies as st
from hypothesis_graphql import Mode, from_schema, mutations, nodes, queries

from schema.errors import UserErrorCode
from tests.support.gateway import GATEWAY_API_KEY, GATEWAY_SECRET, WEBHOOK_SECRET

SCHEMA_PATH = Path(__file__).resolve().parents[2] / "schema.graphql"
SCHEMA_SDL = SCHEMA_PATH.read_text()
SCHEMA = graphql.build_schema(SCHEMA_SDL)

DOCUMENTED_CODES = frozenset({code.value for code in UserErrorCode} | {"FORBIDDEN"})
"""`extensions.code` values a client may see on an error with a path (README, "Failures a client cannot act on")."""

NODE_TYPES = ("Customer", "PaymentMethod", "Subscription", "Invoice", "Payment", "Refund", "Price", "AuditEvent")

LEAKS = re.compile(
    r"Traceback|File \"|asyncpg|tortoise|psycopg|sqlite|postgres(?:ql)?://|Exception|"
    r"\b(?:Key|Type|Attribute|Index|Value|Lookup|Name|Runtime|Assertion|Recursion|Overflow|ZeroDivision|"
    r"Unicode\w*|Integrity|Operational|Programming|Interface|Data|Transaction\w*|Connection\w*)Error\b|"
    r" object at 0x|<coroutine",
    re.IGNORECASE,
)
"""What no error message may contain: tracebacks, driver and ORM names, Python exception names, reprs."""

SECRETS = (GATEWAY_API_KEY, WEBHOOK_SECRET, GATEWAY_SECRET)
"""What no answer may contain anywhere: the gateway's Stripe key, webhook secret and signing secret."""

TEXT_CHARACTERS = st.characters(codec="utf-8", max_codepoint=0xFFFF, exclude_categories=["Cs"])
TEXT = st.text(alphabet=TEXT_CHARACTERS)
"""Any text JSON can carry as UTF-8 (NUL included)."""

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | TEXT,
    lambda children: st.lists(children, max_size=5) | st.dictionaries(TEXT, children, max_size=5),
    max_leaves=20,
)
"""Any JSON value (infinities included: `json.dumps` writes `Infinity`)."""


# --- what exists on the gateway under test ---------------------------------------------------------------


@dataclass(frozen=True)
class Pools:
    """Values that name real things on the gateway under test, mixed into generated arguments."""

    ids: tuple[str, ...]
    """Global ids of mirrored objects (customers, cards, subscriptions, invoices, payments…)."""
    strings: tuple[str, ...]
    """Stripe ids (`cus_…`, `pm_…`, plan ids), cursors, emails."""
    plans: tuple[str, ...] = ()
    """Plan ids at the emulator (`priceId` values)."""
    cards: tuple[str, ...] = ()
    """`pm_…` ids made at the emulator and not attached yet (`stripePaymentMethodId` values)."""

    def ids_of(self, type_name: str) -> tuple[str, ...]:
        """The pooled global ids of one type."""
        return tuple(i for i in self.ids if _type_of(i) == type_name)


def collect_values(body: Any) -> tuple[set[str], set[str]]:
    """(global ids, other interesting strings) found anywhere in a GraphQL response body."""
    ids: set[str] = set()
    strings: set[str] = set()

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            for key, item in value.items():
                if isinstance(item, str) and key == "id":
                    ids.add(item)
                elif isinstance(item, str) and key in ("stripeId", "priceId", "cursor", "endCursor", "email"):
                    strings.add(item)
                else:
                    walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    walk(body)
    return ids, strings


# --- value strategies --------------------------------------------------------------------------------------


def _b64(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def _type_of(global_id: str) -> str:
    try:
        return base64.urlsafe_b64decode(global_id + "=" * (-len(global_id) % 4)).decode().partition(":")[0]
    except ValueError:
        return ""


def id_strings(pools: Pools) -> st.SearchStrategy[str]:
    """Half the time an id that exists (each type as likely), else ids of nothing, of the wrong kind, or junk."""
    by_type: dict[str, list[str]] = {}
    for global_id in pools.ids:
        by_type.setdefault(_type_of(global_id), []).append(global_id)
    real = st.sampled_from(sorted(by_type.values())).flatmap(st.sampled_from)
    typed = st.builds(
        lambda type_name, pk: _b64(f"{type_name}:{pk}"),
        st.sampled_from((*NODE_TYPES, "cursor", "Nope", "")),
        st.uuids().map(str) | TEXT,
    )
    return st.one_of(real, st.one_of(typed, st.sampled_from(pools.strings), TEXT))


def plain_strings(pools: Pools) -> st.SearchStrategy[str]:
    """Half the time a meaningful string (a Stripe id, cursor or email that exists, a currency, a new
    email, a fresh or a reused idempotency key), else an edge case or any text."""
    meaningful = st.one_of(
        st.sampled_from(pools.strings),
        st.sampled_from(("usd", "eur", "EUR", "jpy", "xxx", "usdd")),
        st.emails().map(str),
        FRESH_KEYS,
        st.sampled_from(("fuzz-key-1", "fuzz-key-2")),
    )
    edges = st.sampled_from(("", " ", "a" * 600, "\x00", "x\x00y"))
    return st.one_of(meaningful, st.one_of(edges, TEXT))


FRESH_KEYS = st.builds(lambda: f"fuzz-{uuid.uuid4()}")
"""Idempotency keys never used before (Hypothesis' own uuids repeat across examples, by design)."""

INTS = st.one_of(
    st.integers(min_value=-(2**31), max_value=2**31 - 1),
    st.integers(min_value=-2, max_value=120),
    st.sampled_from((0, 1, 59, 60, 99, 100, 101, 730, 731, 3600, 3601, 10_000, 10_001, 99_999_999, 100_000_000)),
)

AMOUNTS = st.one_of(
    INTS,
    st.sampled_from((999_999_999_999, 10**12, 2**31, 2**53 - 1, 2**53, -(2**53), 2**63)),
)
"""Amounts in minor units (`MinorUnits`): 32-bit ones, and the edges of Stripe's 12 digits and of a JSON number."""

NAMES = st.from_regex(r"[_A-Za-z][_0-9A-Za-z]{0,12}", fullmatch=True)
"""GraphQL names: object keys in a JSON literal."""


def json_literals(pools: Pools) -> st.SearchStrategy[graphql.ValueNode]:
    """Literals for the `JSON` scalar (metadata): string maps as Stripe wants, and anything else."""
    strings = plain_strings(pools).map(nodes.String)
    leaves = st.one_of(
        strings,
        st.integers().map(nodes.Int),
        st.floats(allow_nan=False, allow_infinity=False).map(nodes.Float),
        st.booleans().map(nodes.Boolean),
        st.just(nodes.Null),
    )
    any_value = st.recursive(
        leaves,
        lambda children: st.one_of(
            st.lists(children, max_size=4).map(nodes.List),
            st.dictionaries(NAMES, children, max_size=4).map(_object),
        ),
        max_leaves=12,
    )
    metadata = st.dictionaries(NAMES | st.just("k" * 41), strings, max_size=52).map(_object)
    return metadata | any_value


def _object(fields: Mapping[str, graphql.ValueNode]) -> graphql.ObjectValueNode:
    return nodes.Object(
        [graphql.ObjectFieldNode(name=graphql.NameNode(value=name), value=value) for name, value in fields.items()]
    )


def custom_scalars(pools: Pools) -> dict[str, st.SearchStrategy[graphql.ValueNode]]:
    """hypothesis-graphql's `custom_scalars`: the schema's own scalars, and pool-aware built-in ones."""
    datetimes = st.datetimes().map(lambda d: d.isoformat()) | TEXT
    return {
        "ID": id_strings(pools).map(nodes.String) | INTS.map(nodes.Int),
        "String": plain_strings(pools).map(nodes.String),
        "Int": INTS.map(nodes.Int),
        "JSON": json_literals(pools),
        "MinorUnits": AMOUNTS.map(nodes.Int),
        "UsageQuantity": AMOUNTS.map(nodes.Int),  # the same edges: whole numbers up to 2^53 - 1
        "DateTime": datetimes.map(nodes.String),
    }


# --- documents and requests ------------------------------------------------------------------------------


@dataclass(frozen=True)
class GraphQLRequest:
    """One POST /graphql body."""

    query: str
    variables: dict[str, Any] | None = None

    def payload(self) -> dict[str, Any]:
        body: dict[str, Any] = {"query": self.query}
        if self.variables is not None:
            body["variables"] = self.variables
        return body

    def __str__(self) -> str:
        variables = "" if self.variables is None else f"\nvariables: {json.dumps(self.variables)[:2000]}"
        return f"{self.query[:4000]}{variables}"


def with_variables(document: str, schema: graphql.GraphQLSchema = SCHEMA) -> GraphQLRequest:
    """The same operation with every literal argument value passed as a variable of the argument's type.

    Arguments the schema does not define (a generated violation) keep their literal.
    """
    ast = graphql.parse(document)
    type_info = graphql.TypeInfo(schema)
    definitions: list[graphql.VariableDefinitionNode] = []
    variables: dict[str, Any] = {}

    class Lift(graphql.Visitor):
        def leave_argument(self, node: graphql.ArgumentNode, *_args: Any) -> graphql.ArgumentNode | None:
            argument = type_info.get_argument()
            if argument is None or isinstance(node.value, graphql.VariableNode):
                return None
            name = f"v{len(definitions)}"
            variable = graphql.VariableNode(name=graphql.NameNode(value=name))
            definitions.append(
                graphql.VariableDefinitionNode(variable=variable, type=graphql.parse_type(str(argument.type)))
            )
            variables[name] = graphql.value_from_ast_untyped(node.value)
            return graphql.ArgumentNode(name=node.name, value=variable)

    edited = graphql.visit(ast, graphql.TypeInfoVisitor(type_info, Lift()))
    operations = []
    for definition in edited.definitions:
        if isinstance(definition, graphql.OperationDefinitionNode):
            definition = graphql.OperationDefinitionNode(
                operation=definition.operation,
                name=definition.name,
                variable_definitions=(*(definition.variable_definitions or ()), *definitions),
                directives=definition.directives,
                selection_set=definition.selection_set,
            )
        operations.append(definition)
    return GraphQLRequest(graphql.print_ast(graphql.DocumentNode(definitions=tuple(operations))), variables)


def requests_for(documents: st.SearchStrategy[str]) -> st.SearchStrategy[GraphQLRequest]:
    """Each document as generated (literals) or with its arguments lifted into variables."""
    return st.one_of(documents.map(GraphQLRequest), documents.map(with_variables))


def graphql_requests(pools: Pools, root: str | None) -> st.SearchStrategy[GraphQLRequest]:
    """Valid operations and operations with one schema violation, on `root` ("query", "mutation" or both)."""
    factory = {"query": queries, "mutation": mutations, None: from_schema}[root]
    scalars = custom_scalars(pools)
    documents = st.one_of(
        factory(SCHEMA, custom_scalars=scalars, mode=Mode.POSITIVE),
        factory(SCHEMA, custom_scalars=scalars, mode=Mode.NEGATIVE),
    )
    return requests_for(documents)


# --- mutations with meaningful inputs --------------------------------------------------------------------
#
# hypothesis-graphql picks every value by its type alone, so a generated mutation rarely gets
# past input validation to Stripe and the mirror. These requests fill each input field by its
# name (an email where `email` is, a customer's id for `customerId`…), mostly valid and
# sometimes just wrong, and select every leaf of the payload, so the Stripe, mirror, ledger
# and replay paths run too. Fields this table does not know get values by their type.

NUL = "\x00"


def mostly(usual: st.SearchStrategy[Any], odd: st.SearchStrategy[Any], odd_in: int = 8) -> st.SearchStrategy[Any]:
    """`usual`, except one time in `odd_in` `odd`."""
    return st.integers(min_value=1, max_value=odd_in).flatmap(lambda n: odd if n == 1 else usual)


def _edge_texts(*extra: str) -> st.SearchStrategy[str]:
    return st.sampled_from(("", " ", f"a{NUL}b", "a" * 1001, *extra))


def _ids(pools: Pools, type_name: str) -> st.SearchStrategy[str]:
    own = pools.ids_of(type_name)
    return mostly(st.sampled_from(own), id_strings(pools)) if own else id_strings(pools)


def _input_type_object(input_name: str) -> str:
    """`UpdateCustomerInput` → `Customer`: the type an input's own `id` names."""
    return re.sub(r"^(Update|Detach|Cancel|Pause|Resume|Pay|Refund)", "", input_name.removesuffix("Input"))


def field_values(pools: Pools, input_name: str, field_name: str) -> st.SearchStrategy[Any] | None:
    """A strategy for one input field by its name, or None (then its type decides)."""
    ints = st.integers(min_value=-(2**31), max_value=2**31 - 1)
    table: dict[str, st.SearchStrategy[Any]] = {
        "customerId": _ids(pools, "Customer"),
        "paymentMethodId": _ids(pools, "PaymentMethod"),
        "paymentId": _ids(pools, "Payment"),
        "id": _ids(pools, _input_type_object(input_name)),
        "stripePaymentMethodId": mostly(
            st.sampled_from(pools.cards or ("pm_none",)), st.one_of(st.just("pm_unknown"), _edge_texts(), TEXT)
        ),
        "priceId": mostly(st.sampled_from(pools.plans or ("plan_none",)), st.one_of(st.just("price_unknown"), TEXT)),
        "email": mostly(st.emails().map(str), _edge_texts("not-an-email", f"a{NUL}@x.io")),
        "name": mostly(st.text(max_size=40), _edge_texts("a" * 257)),
        "description": mostly(st.text(max_size=40), _edge_texts()),
        "currency": mostly(
            st.sampled_from(("usd", "eur", "jpy", "USD", " usd ")),
            st.sampled_from(("xts", "xxx", "us", "", f"us{NUL}")),
        ),
        "amount": mostly(
            st.integers(min_value=1, max_value=100_000), st.one_of(AMOUNTS, st.sampled_from((0, 999_999_999_999)))
        ),
        "quantity": mostly(
            st.integers(min_value=1, max_value=20), st.one_of(st.sampled_from((0, 10_000, 10_001)), ints)
        ),
        "trialDays": mostly(st.integers(min_value=1, max_value=30), st.one_of(st.sampled_from((0, 730, 731)), ints)),
        "resumesAt": mostly(
            st.integers(min_value=60, max_value=400 * 86_400).map(
                lambda ahead: (datetime.now(UTC) + timedelta(seconds=ahead)).isoformat()
            ),
            st.sampled_from(("2000-01-01T00:00:00Z", "2099-01-01T00:00:00", "9999-12-31T23:59:59Z", "soon", "")),
        ),
        "ttlSeconds": mostly(st.integers(min_value=60, max_value=3600), st.one_of(st.sampled_from((59, 3601)), ints)),
        "metadata": mostly(
            st.dictionaries(NAMES, st.text(max_size=20), max_size=5),
            st.one_of(
                st.dictionaries(st.text(max_size=42), st.text(max_size=501) | JSON_VALUES, max_size=52), JSON_VALUES
            ),
        ),
    }
    return table.get(field_name)


def _by_type(pools: Pools, type_: graphql.GraphQLInputType) -> st.SearchStrategy[Any]:
    """Values for an input type, nullable ones sometimes null (fallback for fields the table does not know)."""
    nullable = not isinstance(type_, graphql.GraphQLNonNull)
    named = graphql.get_nullable_type(type_)
    strategy: st.SearchStrategy[Any]
    if isinstance(named, graphql.GraphQLList):
        strategy = st.lists(_by_type(pools, named.of_type), max_size=3)
    elif isinstance(named, graphql.GraphQLEnumType):
        strategy = st.sampled_from(sorted(named.values))
    elif isinstance(named, graphql.GraphQLInputObjectType):
        strategy = input_values(pools, named)
    else:
        strategy = {
            "ID": id_strings(pools),
            "String": plain_strings(pools),
            "Int": INTS,
            "Float": st.floats(allow_nan=False, allow_infinity=False),
            "Boolean": st.booleans(),
        }.get(getattr(named, "name", ""), JSON_VALUES)
    return strategy | st.none() if nullable else strategy


def input_values(pools: Pools, input_type: graphql.GraphQLInputObjectType) -> st.SearchStrategy[dict[str, Any]]:
    """An input object: every required field, each optional one present (maybe null) or left out."""

    @st.composite
    def build(draw: st.DrawFn) -> dict[str, Any]:
        value: dict[str, Any] = {}
        for name, field_def in input_type.fields.items():
            required = graphql.is_required_input_field(field_def)
            if not required and draw(st.booleans()):
                continue
            by_name = field_values(pools, input_type.name, name)
            strategy = by_name if by_name is not None else _by_type(pools, field_def.type)
            if not required and by_name is not None:
                strategy = strategy | st.none()
            value[name] = draw(strategy)
        return value

    return build()


def leaf_selection(type_: graphql.GraphQLObjectType, depth: int = 1) -> str:
    """Every leaf field without required arguments, and the leaves of object fields `depth` levels down."""
    parts: list[str] = []
    for name, field_def in type_.fields.items():
        if any(graphql.is_required_argument(arg) for arg in field_def.args.values()):
            continue
        named = graphql.get_named_type(field_def.type)
        if graphql.is_leaf_type(named):
            parts.append(name)
        elif depth > 0 and isinstance(named, graphql.GraphQLObjectType) and not named.name.endswith("Connection"):
            parts.append(f"{name} {{ {leaf_selection(named, depth - 1)} }}")
    return " ".join(parts) or "__typename"


def mutation_requests(pools: Pools, schema: graphql.GraphQLSchema = SCHEMA) -> st.SearchStrategy[GraphQLRequest]:
    """One mutation of the schema with a meaningful input, every leaf of its payload selected."""
    assert schema.mutation_type is not None
    requests: list[st.SearchStrategy[GraphQLRequest]] = []
    keys = mostly(FRESH_KEYS, st.one_of(st.sampled_from(("fuzz-key-1", "fuzz-key-2")), _edge_texts()))
    for name, field_def in sorted(schema.mutation_type.fields.items()):
        input_type = graphql.get_nullable_type(field_def.args["input"].type)
        payload = graphql.get_named_type(field_def.type)
        assert isinstance(input_type, graphql.GraphQLInputObjectType) and isinstance(payload, graphql.GraphQLObjectType)
        query = (
            f"mutation Fuzz($key: String!, $input: {input_type.name}!) "
            f"{{ {name}(idempotencyKey: $key, input: $input) {{ {leaf_selection(payload, depth=2)} }} }}"
        )
        requests.append(
            st.builds(
                lambda key, value, query=query: GraphQLRequest(query, {"key": key, "input": value}),
                keys,
                input_values(pools, input_type),
            )
        )
    return st.one_of(requests)


def replay_differences(first: Any, second: Any, path: str = "data") -> list[str]:
    """Where two answers differ (for the replay property), as paths."""
    if isinstance(first, dict) and isinstance(second, dict):
        found: list[str] = []
        for key in sorted(first.keys() | second.keys()):
            found.extend(replay_differences(first.get(key), second.get(key), f"{path}.{key}"))
        return found
    if isinstance(first, list) and isinstance(second, list) and len(first) == len(second):
        return [
            d
            for i, (a, b) in enumerate(zip(first, second, strict=True))
            for d in replay_differences(a, b, f"{path}[{i}]")
        ]
    return [] if first == second else [f"{path}: {first!r} then {second!r}"]


# --- junk bodies -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RawRequest:
    """One request to `/graphql` outside the GraphQL grammar."""

    method: str
    content: bytes = b""
    params: tuple[tuple[str, str], ...] = ()
    content_type: str = "application/json"

    def __str__(self) -> str:
        if self.method == "GET":
            return f"GET /graphql params={self.params!r}"[:4000]
        return f"POST /graphql ({self.content_type}, {len(self.content)} bytes): {self.content[:2000]!r}"


def _post(content: str | bytes, content_type: str = "application/json") -> RawRequest:
    data = content.encode("utf-8", "surrogatepass") if isinstance(content, str) else content
    return RawRequest("POST", data, content_type=content_type)


def _nested(depth: int, opener: str, closer: str) -> str:
    return opener * depth + closer * depth


def junk_requests() -> st.SearchStrategy[RawRequest]:
    """Bodies a broken or hostile client might send: any JSON, odd members, deep nesting, huge numbers, bytes."""
    query = st.one_of(TEXT, st.sampled_from(("{ __typename }", "query { viewer { id } }", "mutation { x }")))
    member = st.sampled_from(("query", "variables", "operationName", "extensions"))
    envelopes = st.builds(
        lambda q, extra: json.dumps({"query": q, **extra}),
        query,
        st.dictionaries(member, JSON_VALUES, max_size=3),
    )
    deep = st.one_of(
        st.integers(min_value=1, max_value=200_000).map(lambda n: _nested(n, "[", "]")),
        st.integers(min_value=1, max_value=100_000).map(
            lambda n: '{"query": "{ __typename }", "variables": {"a": ' + _nested(n, "[", "]") + "}}"
        ),
        st.integers(min_value=1, max_value=50_000).map(lambda n: '{"query": "' + _nested(n, "{ viewer ", "}") + '"}'),
    )
    numbers = st.integers(min_value=1, max_value=20_000).map(
        lambda n: '{"query": "{ __typename }", "variables": {"n": ' + "9" * n + "}}"
    )
    surrogates = st.sampled_from(('{"query": "\\ud800"}', '{"query": "{ __typename }", "variables": {"\\udfff": 1}}'))
    # A GET's URL stays far below uvicorn's 64 KiB request line: past that, uvicorn itself answers
    # a plain-text 400 before any application code runs (an HTTP-layer limit, not the gateway's).
    short_text = st.text(alphabet=TEXT_CHARACTERS, max_size=2_000)
    gets = st.builds(
        lambda q, params: RawRequest("GET", params=(("query", q), *params.items())),
        short_text | st.sampled_from(("{ __typename }", "query { viewer { id } }", "mutation { x }")),
        st.dictionaries(
            st.sampled_from(("variables", "operationName", "extensions")),
            short_text
            | JSON_VALUES.map(lambda v: json.dumps(v)[:2_000])
            | st.integers(min_value=1, max_value=3_000).map(lambda n: _nested(n, "[", "]")),
            max_size=3,
        ),
    )
    return st.one_of(
        JSON_VALUES.map(lambda v: _post(json.dumps(v))),
        envelopes.map(_post),
        deep.map(_post),
        numbers.map(_post),
        surrogates.map(_post),
        st.binary(max_size=200).map(_post),
        st.builds(_post, TEXT, st.sampled_from(("application/json; charset=latin-1", "application/graphql", ""))),
        gets,
    )


# --- properties ------------------------------------------------------------------------------------------


@dataclass
class FuzzStats:
    """What the fuzz run saw, printed at the end (status codes, error codes, examples)."""

    examples: Counter[str] = field(default_factory=Counter)
    statuses: Counter[int] = field(default_factory=Counter)
    codes: Counter[str] = field(default_factory=Counter)
    """`extensions.code` of errors with a path, `userErrors` codes (as `user:CODE`), `document` for the rest."""
    clean: Counter[str] = field(default_factory=Counter)
    """Answers with data and no error at all, per test."""

    def lines(self) -> list[str]:
        total = sum(self.examples.values())
        per_test = ", ".join(
            f"{name}: {count} ({self.clean[name]} without GraphQL errors)" for name, count in self.examples.items()
        )
        return [
            f"fuzz: {total} requests; {per_test}",
            f"fuzz: HTTP statuses {dict(sorted(self.statuses.items()))}",
            f"fuzz: error codes {dict(self.codes.most_common())}",
        ]


class PropertyViolation(AssertionError):
    """A response that breaks one of the fuzz properties."""


def _fail(reason: str, request: object, response: httpx.Response) -> PropertyViolation:
    return PropertyViolation(
        f"{reason}\n--- request\n{request}\n--- response HTTP {response.status_code}\n{response.text[:3000]}"
    )


def _messages(value: Any) -> list[str]:
    """Every `message` string of an error-shaped object (errors, userErrors) anywhere in a body."""
    found: list[str] = []
    if isinstance(value, dict):
        message = value.get("message")
        if isinstance(message, str):
            found.append(message)
        for item in value.values():
            found.extend(_messages(item))
    elif isinstance(value, list):
        for item in value:
            found.extend(_messages(item))
    return found


def _user_error_codes(value: Any) -> list[str]:
    codes: list[str] = []
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "userErrors" and isinstance(item, list):
                codes.extend(str(e["code"]) for e in item if isinstance(e, dict) and "code" in e)
            else:
                codes.extend(_user_error_codes(item))
    elif isinstance(value, list):
        for item in value:
            codes.extend(_user_error_codes(item))
    return codes


def check_transport(request: object, response: httpx.Response) -> Any:
    """Status below 500 and not 429; a JSON body; a 4xx says why. Returns the parsed body."""
    if response.status_code >= 500 or response.status_code == 429:
        raise _fail(f"HTTP {response.status_code}", request, response)
    try:
        body: Any = response.json()
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise _fail(f"the body is not JSON ({exc})", request, response) from None
    if response.status_code >= 400:
        # Problem details say why in `detail`; a GraphQL result in its errors' messages.
        errors = body.get("errors") if isinstance(body, dict) else None
        first = errors[0] if isinstance(errors, list) and errors and isinstance(errors[0], dict) else {}
        reason = body.get("detail") or first.get("message") if isinstance(body, dict) else None
        if not isinstance(reason, str) or not reason:
            raise _fail("a 4xx without a JSON object body giving a reason", request, response)
    for secret in SECRETS:
        if secret in response.text:
            raise _fail("the answer contains a secret of the gateway", request, response)
    for message in _messages(body):
        leak = LEAKS.search(message)
        if leak:
            raise _fail(f"a message leaks internals: {leak.group(0)!r}", request, response)
        if not message.strip():
            raise _fail("an empty message", request, response)
    return body


def check_graphql_response(request: object, response: httpx.Response, stats: FuzzStats, test: str) -> None:
    """Every property of one answer to a GraphQL request; counts what it saw in `stats`."""
    stats.examples[test] += 1
    stats.statuses[response.status_code] += 1
    body = check_transport(request, response)
    if response.status_code >= 400:
        stats.codes[f"http:{body.get('code')}"] += 1
        return
    if response.status_code != 200 or not isinstance(body, dict) or not ({"data", "errors"} & body.keys()):
        raise _fail("a 200 must be a GraphQL result (`data` and/or `errors`)", request, response)
    errors = body.get("errors") or []
    if not isinstance(errors, list):
        raise _fail("`errors` is not a list", request, response)
    for error in errors:
        if not isinstance(error, dict) or not isinstance(error.get("message"), str):
            raise _fail("an error without a message", request, response)
        extensions = error.get("extensions") or {}
        code = extensions.get("code") if isinstance(extensions, dict) else None
        if not error.get("path"):
            # Parsing, validation, variable coercion, the limits: the client's document, not a resolver.
            stats.codes["document" if code is None else f"document:{code}"] += 1
            if code == "INTERNAL":
                raise _fail("a crash outside any resolver (masked as INTERNAL)", request, response)
            continue
        stats.codes[str(code)] += 1
        if code == "INTERNAL":
            raise _fail(f"a resolver crashed (masked, request id {extensions.get('requestId')})", request, response)
        if code not in DOCUMENTED_CODES:
            raise _fail(f"an error at {error['path']} with code {code!r}, not a documented one", request, response)
    for code in _user_error_codes(body.get("data")):
        stats.codes[f"user:{code}"] += 1
    if not errors and body.get("data") is not None:
        stats.clean[test] += 1


def log_lines(log_path: Path, needle: str, limit: int = 60) -> str:
    """The lines of a gateway log that mention `needle` (a request id), with the lines after each."""
    if not needle or not log_path.exists():
        return ""
    lines = log_path.read_text(errors="replace").splitlines()
    picked: list[str] = []
    for index, line in enumerate(lines):
        if needle in line:
            picked.extend(lines[index : index + 40])
    return "\n".join(picked[:limit])


REQUEST_ID = re.compile(r'"requestId":\s*"([^"]+)"')


def request_id_in(message: str) -> str:
    """The first `requestId` quoted in a failure message (for the gateway log), or ""."""
    match = REQUEST_ID.search(message)
    return match.group(1) if match else ""
