"""Fuzzing the real gateway: generated queries, mutations and junk bodies over HTTP (issue 6).

`hypothesis-graphql` generates documents from `schema.graphql` for Query and Mutation (valid
ones and ones with one schema violation; literal arguments or variables), with ids and Stripe
ids of objects that exist mixed in; they go out with an admin key, a read key and a customer
session. A second mutation strategy fills each input field by its name, so calls reach Stripe,
the mirror and the idempotency ledger, and replays a call to check it answers the same. Junk
bodies and headers go to the HTTP gate. `tests/support/fuzz.py` holds the strategies and the
properties every answer must have.

Everything goes to a `billing-gateway serve` of this module's own, on a fresh PostgreSQL
database and localstripe, so what the fuzzer creates never reaches the other e2e tests.

Bounded for CI: `FUZZ_EXAMPLES` examples per test (default 100; the README gives the larger
run). The totals, the time and the seed are printed at the end; `FUZZ_SEED=N` replays a run.
"""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import string
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
import pytest_asyncio
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st

from tests.support.aliases import PgDatabaseFactory
from tests.support.fuzz import (
    FuzzStats,
    GraphQLRequest,
    Pools,
    PropertyViolation,
    RawRequest,
    check_graphql_response,
    collect_values,
    graphql_requests,
    junk_requests,
    log_lines,
    mutation_requests,
    replay_differences,
    request_id_in,
)
from tests.support.gateway import GatewayProcess, connect_webhooks, gateway_env
from tests.support.graphql import GraphQLClient
from tests.support.localstripe import LocalStripe, create_plan, create_test_card
from tests.support.operations import (
    CREATE_CUSTOMER,
    CREATE_PAYMENT,
    CREATE_SUBSCRIPTION,
    REFUND_PAYMENT,
    customer_with_card,
    new_key,
    payload_of,
    unique_email,
)

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "100"))
SEED = int(os.environ.get("FUZZ_SEED") or secrets.randbelow(2**32))

pytestmark = pytest.mark.timeout(120 + 3 * EXAMPLES)

FUZZ_SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    derandomize=False,
    # Generating a whole document per example is slow and large by nature; that is not a problem here.
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

VISA = "4242424242424242"
DECLINED_ON_CHARGE = "4000000000000341"
THREE_D_SECURE = "4000000000003220"

EVERYTHING = """
query {
  customers(first: 10) {
    edges { cursor node {
      id stripeId email
      paymentMethods(first: 10) { edges { cursor node { id stripeId } } pageInfo { endCursor } }
      subscriptions(first: 10) { edges { cursor node { id stripeId priceId } } }
      invoices(first: 10) { edges { cursor node { id stripeId } } }
      payments(first: 10) {
        edges { cursor node { id stripeId refunds(first: 5) { edges { cursor node { id stripeId } } } } }
      }
    } }
    pageInfo { endCursor }
  }
  prices(first: 10) { edges { cursor node { id stripeId } } }
  auditEvents(first: 20) { edges { cursor node { id } } }
}"""

CREATE_SESSION = """
mutation($key: String!, $input: CreateCustomerSessionInput!) {
  createCustomerSession(idempotencyKey: $key, input: $input) { token userErrors { code message } }
}"""


class FuzzTarget:
    """The gateway under fuzz, its keys and the pools of real values, with a sync HTTP client.

    Not a dataclass: Hypothesis prints a failing test's arguments, and this one is a fixture.
    """

    def __init__(
        self,
        process: GatewayProcess,
        http: httpx.Client,
        pools: Pools,
        admin_key: str,
        read_key: str,
        session: str,
        session_customer: str,
    ) -> None:
        self.process = process
        self.http = http
        self.pools = pools
        self.admin_key = admin_key
        self.read_key = read_key
        self.session_token = session
        self.session_customer = session_customer
        self.stats = FuzzStats()
        self.strategies: dict[str, st.SearchStrategy[GraphQLRequest]] = {}

    def __repr__(self) -> str:
        return f"FuzzTarget({self.process.url})"

    def strategy(self, kind: str) -> st.SearchStrategy[GraphQLRequest]:
        """Requests of one kind over this target's pools (built once): query, mutation, any, or inputs."""
        if kind not in self.strategies:
            if kind == "inputs":
                self.strategies[kind] = mutation_requests(self.pools)
            else:
                self.strategies[kind] = graphql_requests(self.pools, None if kind == "any" else kind)
        return self.strategies[kind]

    def renew_session(self) -> None:
        """A new session for the same customer (the fuzzer may revoke the current one)."""
        variables = {"key": new_key(), "input": {"customerId": self.session_customer, "ttlSeconds": 3600}}
        response = self.http.post(
            "/graphql", json={"query": CREATE_SESSION, "variables": variables}, headers=_headers(self.admin_key)
        )
        self.session_token = response.json()["data"]["createCustomerSession"]["token"]

    def post_graphql(self, request: GraphQLRequest, token: str, test: str) -> httpx.Response:
        """POST one request; check every property of the answer; return it."""
        body = json.dumps(request.payload(), ensure_ascii=False).encode()
        response = self.http.post("/graphql", content=body, headers=_headers(token))
        self._check(lambda: check_graphql_response(request, response, self.stats, test), response)
        return response

    def send_raw(self, request: RawRequest, authorization: str | None, test: str) -> httpx.Response:
        """Send one request outside the GraphQL grammar; check every property of the answer; return it."""
        headers = {"Accept": "application/json"}
        if authorization is not None:
            headers["Authorization"] = authorization
        if request.method == "GET":
            response = self.http.get("/graphql", params=list(request.params), headers=headers)
        else:
            headers["Content-Type"] = request.content_type
            response = self.http.post("/graphql", content=request.content, headers=headers)
        self._check(lambda: check_graphql_response(request, response, self.stats, test), response)
        return response

    def _check(self, check: Callable[[], None], response: httpx.Response) -> None:
        try:
            check()
        except PropertyViolation as exc:
            raise self.explained(str(exc), request_id_in(response.text)) from None

    def explained(self, failure: str, request_id: str = "") -> PropertyViolation:
        """A failure with the seed to replay it and the gateway's log lines for its request id."""
        return PropertyViolation(
            f"{failure}\n--- reproduce with FUZZ_SEED={SEED}"
            f"\n--- gateway log ({self.process.log_path}) for request id {request_id!r}:\n"
            f"{log_lines(self.process.log_path, request_id)}"
        )


def _headers(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", "Content-Type": "application/json", "Accept": "application/json"}


async def _seed(client: GraphQLClient, emulator: LocalStripe) -> tuple[Pools, str, str]:
    """Customers with cards, an active and an incomplete subscription, a payment and a refund; a session."""
    plan = create_plan(emulator.url, amount=1500)
    paying, card = await customer_with_card(client, emulator.url)
    declined, _ = await customer_with_card(client, emulator.url, DECLINED_ON_CHARGE)
    body = await client.execute(
        CREATE_CUSTOMER, {"key": new_key(), "input": {"email": unique_email("fuzz"), "metadata": {"plan": "none"}}}
    )
    assert payload_of(body, "createCustomer")["userErrors"] == [], body
    for customer in (paying, declined):
        body = await client.execute(
            CREATE_SUBSCRIPTION, {"key": new_key(), "input": {"customerId": customer["id"], "priceId": plan}}
        )
        assert payload_of(body, "createSubscription")["subscription"] is not None, body
    body = await client.execute(
        CREATE_PAYMENT,
        {"key": new_key(), "input": {"customerId": paying["id"], "amount": 2500, "currency": "usd"}},
    )
    payment = payload_of(body, "createPayment")["payment"]
    body = await client.execute(
        REFUND_PAYMENT, {"key": new_key(), "input": {"paymentId": payment["id"], "amount": 500}}
    )
    assert payload_of(body, "refundPayment")["userErrors"] == [], body
    body = await client.execute(
        CREATE_SESSION, {"key": new_key(), "input": {"customerId": paying["id"], "ttlSeconds": 3600}}
    )
    token: str = payload_of(body, "createCustomerSession")["token"]

    everything = await client.execute(EVERYTHING)
    assert "errors" not in everything, everything
    ids, strings = collect_values(everything)
    plans = (plan, create_plan(emulator.url, amount=4000, currency="eur", interval="year"))
    cards = tuple(
        create_test_card(emulator.url, number) for number in (*[VISA] * 6, DECLINED_ON_CHARGE, THREE_D_SECURE)
    )
    pools = Pools(
        ids=tuple(sorted(ids)),
        strings=tuple(sorted({*strings, *plans, card["stripeId"], *cards})),
        plans=plans,
        cards=cards,
    )
    return pools, token, paying["id"]


@pytest_asyncio.fixture(scope="module")
async def fuzz(
    pg_database_factory: PgDatabaseFactory, test_logs: Path, request: pytest.FixtureRequest
) -> AsyncIterator[FuzzTarget]:
    """A gateway of this module's own (fresh database, fresh localstripe whose webhooks it receives), seeded.

    Prints the totals and the seed when the module ends.
    """
    emulator = LocalStripe(test_logs, name="localstripe-fuzz")
    await asyncio.to_thread(emulator.start)
    process = GatewayProcess(gateway_env(await pg_database_factory(), emulator.url), test_logs, name="gateway-fuzz")
    try:
        await process.astart()
        connect_webhooks(emulator, process)
        admin_key = await asyncio.to_thread(process.create_api_key, "read,write,admin", "fuzz-admin")
        read_key = await asyncio.to_thread(process.create_api_key, "read", "fuzz-read")
        async with GraphQLClient(process.url, token=admin_key) as client:
            pools, session_token, session_customer = await _seed(client, emulator)
        started = time.monotonic()
        with httpx.Client(base_url=process.url, timeout=30.0) as http:
            target = FuzzTarget(process, http, pools, admin_key, read_key, session_token, session_customer)
            yield target
        _print_summary(request.config, target, time.monotonic() - started)
    finally:
        process.stop()
        emulator.stop()


def _print_summary(config: pytest.Config, target: FuzzTarget, seconds: float) -> None:
    """The totals, the time and the seed, on the terminal even when the run passed (past output capturing)."""
    lines = [*target.stats.lines(), f"fuzz: {seconds:.1f} s of fuzzing; FUZZ_EXAMPLES={EXAMPLES} FUZZ_SEED={SEED}"]
    capture = config.pluginmanager.get_plugin("capturemanager")
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    if capture is None or reporter is None:
        return
    with capture.global_and_fixture_disabled():
        reporter.write_line("")
        for line in lines:
            reporter.write_line(line)


@seed(SEED)
@FUZZ_SETTINGS
@given(data=st.data())
def test_fuzzed_queries_as_admin(fuzz: FuzzTarget, data: st.DataObject) -> None:
    request = data.draw(fuzz.strategy("query"), label="request")
    fuzz.post_graphql(request, fuzz.admin_key, "queries/admin")


@seed(SEED)
@FUZZ_SETTINGS
@given(data=st.data())
def test_fuzzed_mutations_as_admin(fuzz: FuzzTarget, data: st.DataObject) -> None:
    request = data.draw(fuzz.strategy("mutation"), label="request")
    fuzz.post_graphql(request, fuzz.admin_key, "mutations/admin")


@seed(SEED)
@FUZZ_SETTINGS
@given(data=st.data())
def test_fuzzed_operations_as_read_key(fuzz: FuzzTarget, data: st.DataObject) -> None:
    request = data.draw(fuzz.strategy("any"), label="request")
    fuzz.post_graphql(request, fuzz.read_key, "operations/read")


@seed(SEED)
@FUZZ_SETTINGS
@given(data=st.data())
def test_fuzzed_operations_as_customer_session(fuzz: FuzzTarget, data: st.DataObject) -> None:
    request = data.draw(fuzz.strategy("any"), label="request")
    response = fuzz.post_graphql(request, fuzz.session_token, "operations/session")
    if response.status_code == 401:
        # The session revoked itself (`revokeCustomerSession(s)`), or an admin call did: go on with a new one.
        fuzz.renew_session()


@seed(SEED)
@FUZZ_SETTINGS
@given(data=st.data())
def test_fuzzed_mutation_inputs_as_admin(fuzz: FuzzTarget, data: st.DataObject) -> None:
    """Meaningful inputs reach Stripe, the mirror and the ledger; a call replayed with its key answers the same."""
    request = data.draw(fuzz.strategy("inputs"), label="request")
    replay = data.draw(st.booleans(), label="replay")  # drawn first: what the server answers must not steer draws
    first = fuzz.post_graphql(request, fuzz.admin_key, "mutation inputs/admin").json()
    if not replay or not _stored(first):
        return
    second = fuzz.post_graphql(request, fuzz.admin_key, "mutation inputs/admin (replays)").json()
    differences = replay_differences(_own_fields(first), _own_fields(second))
    if differences:
        raise fuzz.explained(
            f"the same key and input answered differently the second time: {differences}\n--- request\n{request}"
            f"\n--- first\n{json.dumps(first)[:2000]}\n--- second\n{json.dumps(second)[:2000]}"
        )


def _payload(body: Any) -> dict[str, Any] | None:
    """The one mutation payload of an answer without GraphQL errors."""
    data = body.get("data") if isinstance(body, dict) and not body.get("errors") else None
    if not isinstance(data, dict) or len(data) != 1:
        return None
    payload = next(iter(data.values()))
    return payload if isinstance(payload, dict) else None


def _stored(body: Any) -> bool:
    """Whether the ledger kept this answer to replay: it holds an object, or a decline (README)."""
    payload = _payload(body)
    if payload is None:
        return False
    codes = {e.get("code") for e in payload.get("userErrors") or []}
    has_object = any(v is not None for k, v in payload.items() if k != "userErrors")
    return has_object or "CARD_DECLINED" in codes


def _own_fields(body: Any) -> dict[str, Any]:
    """What a replay answers as it was: the payload's leaves, its object's leaves, and userErrors.

    Objects nested deeper (`subscription.latestInvoice`…) are read live, so they may differ.
    """
    payload = _payload(body) or {}
    own: dict[str, Any] = {}
    for key, value in payload.items():
        if isinstance(value, dict):
            own[key] = {k: v for k, v in value.items() if not isinstance(v, dict | list)}
        else:
            own[key] = value
    return own


OTHER_AUTHORIZATIONS = st.one_of(
    st.none(),
    st.from_regex(r"[!-~]([ !-~]{0,80}[!-~])?", fullmatch=True),  # any legal header value
    st.text(alphabet=string.ascii_letters + string.digits + "_-.", min_size=1, max_size=60).map(
        lambda t: f"Bearer {t}"
    ),
)
AUTHORIZATIONS = st.tuples(st.integers(min_value=0, max_value=3), OTHER_AUTHORIZATIONS).map(
    lambda pick: "admin" if pick[0] else pick[1]
)
"""The admin key three times in four (so bodies reach the GraphQL app), else none, an odd or an unknown token."""


@seed(SEED)
@FUZZ_SETTINGS
@given(junk=junk_requests(), authorization=AUTHORIZATIONS)
def test_fuzzed_bodies(fuzz: FuzzTarget, junk: RawRequest, authorization: str | None) -> None:
    header = f"Bearer {fuzz.admin_key}" if authorization == "admin" else authorization
    fuzz.send_raw(junk, header, "junk bodies")


# --- what the fuzzer found, kept as fixed examples ----------------------------------------------------------

CREATE_CUSTOMER_WITH = (
    "mutation($key: String!, $input: CreateCustomerInput!) "
    "{ createCustomer(idempotencyKey: $key, input: $input) { customer { id } userErrors { code field } } }"
)


def _user_error(field: str) -> Callable[[httpx.Response], bool]:
    def check(response: httpx.Response) -> bool:
        payload = _payload(response.json()) or {}
        return [e["code"] for e in payload.get("userErrors", [])] == ["VALIDATION_FAILED"] and (
            payload["userErrors"][0]["field"] or [""]
        )[-1] == field

    return check


def _error_code(code: str | None) -> Callable[[httpx.Response], bool]:
    def check(response: httpx.Response) -> bool:
        errors = response.json().get("errors") or [{}]
        return (errors[0].get("extensions") or {}).get("code") == code

    return check


def _status(status: int) -> Callable[[httpx.Response], bool]:
    return lambda response: response.status_code == status


FOUND: list[Any] = [
    pytest.param(
        GraphQLRequest(CREATE_CUSTOMER_WITH, {"key": "\x00", "input": {"email": "nul@example.com"}}),
        _user_error("idempotencyKey"),
        id="nul-in-idempotency-key",
    ),
    pytest.param(
        GraphQLRequest(
            CREATE_CUSTOMER_WITH, {"key": "fuzz-nul-name", "input": {"email": "n@example.com", "name": "a\x00"}}
        ),
        _user_error("name"),
        id="nul-in-name",
    ),
    pytest.param(
        GraphQLRequest(
            CREATE_CUSTOMER_WITH,
            {"key": "fuzz-nul-metadata", "input": {"email": "m@example.com", "metadata": {"k": "\x00"}}},
        ),
        _user_error("metadata"),
        id="nul-in-metadata",
    ),
    pytest.param(
        GraphQLRequest('{ customers(email: "a\\u0000") { edges { cursor } } }'),
        _error_code("VALIDATION_FAILED"),
        id="nul-in-email-filter",
    ),
    pytest.param(
        GraphQLRequest("query($op: String) { auditEvents(operation: $op) { edges { cursor } } }", {"op": "\x00"}),
        _error_code("VALIDATION_FAILED"),
        id="nul-in-audit-filter",
    ),
    pytest.param(
        GraphQLRequest("query($p: String) { auditEvents(principal: $p) { edges { cursor } } }", {"p": 5}),
        _error_code(None),
        id="variable-that-does-not-coerce",
    ),
    pytest.param(RawRequest("POST", b'{"query": ""}'), _status(400), id="empty-query"),
    pytest.param(
        RawRequest("POST", b'{"query": "{ __typename }", "variables": {"a": ' + b"[" * 5000 + b"]" * 5000 + b"}}"),
        _status(400),
        id="json-nested-5000-deep",
    ),
    pytest.param(
        RawRequest("POST", b'{"query": "{ __typename }", "variables": {"n": ' + b"9" * 5000 + b"}}"),
        _status(400),
        id="integer-of-5000-digits",
    ),
    pytest.param(
        RawRequest("GET", params=(("query", "{ __typename }"), ("variables", "[" * 5000))), _status(400), id="get-deep"
    ),
    pytest.param(
        RawRequest("POST", b'{"query": "query A { __typename }", "operationName": "B"}'),
        _status(400),
        id="unknown-operation-name",
    ),
]
"""Requests the fuzzer once failed on (a 500, an INTERNAL, a plain-text 400), with what they must answer now."""


@pytest.mark.parametrize(("request_", "expected"), FOUND)
def test_what_fuzzing_found(
    fuzz: FuzzTarget, request_: GraphQLRequest | RawRequest, expected: Callable[[httpx.Response], bool]
) -> None:
    if isinstance(request_, GraphQLRequest):
        response = fuzz.post_graphql(request_, fuzz.admin_key, "found by fuzzing")
    else:
        response = fuzz.send_raw(request_, f"Bearer {fuzz.admin_key}", "found by fuzzing")
    assert expected(response), f"{request_}\n--- HTTP {response.status_code}\n{response.text[:1000]}"
