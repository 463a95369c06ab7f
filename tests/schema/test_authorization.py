"""Authorization proof: every root field names a permission rule, and the rules do what docs/API.md says.

- `test_every_root_field_names_a_permission_class` walks the built schema (the one
  `schema.graphql` is exported from) and fails on any Query, Mutation or Subscription
  root field without a permission class, and on any `Node` type `node` cannot resolve.
- `test_authorization_matrix` runs every root Query/Mutation field in-process as customer
  A's session against customer B's objects, and as API keys with `read`, `write` and
  `admin`, and checks the documented outcome: allowed, or a `FORBIDDEN` error with no
  data. API keys name unknown ids in mutations (and `upcomingInvoice`, `previewSubscriptionChange`), so an allowed call
  stops at NOT_FOUND/VALIDATION_FAILED before Stripe; what is checked is the gate.
- `test_live_authorization_matrix` subscribes in-process (a hub on an in-memory bus) to the new live root
  fields as A's session and as each API key, and checks who is refused and whose events arrive.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from graphql import GraphQLObjectType

from base.ids import to_global_id
from base.principals import Principal, Scope, effective_scopes
from base.settings import Settings
from live.bus import StatusMessage
from models import CustomerSession, Dispute
from schema import build_schema
from tests.support.in_process import Execute, execute_pg, pg_mirror, session_for
from tests.support.live_in_process import live_hub, live_results
from tests.support.seed import SeededCustomer, seed_customers

# The in-process fixtures of tests/resolvers, used here too.
__all__ = ["execute_pg", "pg_mirror"]


def test_every_root_field_names_a_permission_class() -> None:
    from resolvers.node import _NODE_TYPES

    schema = build_schema()
    roots = [schema.query, schema.mutation, schema.subscription]
    checked = 0
    for root in roots:
        if root is None:
            continue
        definition = schema.get_type_by_name(root.__strawberry_definition__.name)  # type: ignore[attr-defined]
        assert definition is not None
        for field in definition.fields:  # type: ignore[union-attr]
            assert field.permission_classes, f"{definition.name}.{field.name} has no permission class"
            checked += 1
    assert checked >= 28
    node_types = {
        name
        for name, gql_type in schema._schema.type_map.items()
        if isinstance(gql_type, GraphQLObjectType) and any(i.name == "Node" for i in gql_type.interfaces)
    }
    assert node_types == set(_NODE_TYPES), "every Node type needs a visibility rule in resolvers/node.py"


@dataclass(frozen=True)
class Case:
    field: str
    document: str
    variables: dict[str, Any]
    """Values with `{Type}` placeholders: B's object of that type (sessions) or an unknown id."""
    session_allowed: bool
    key_scope: Scope
    """The least API-key scope that may run it."""
    unknown_ids_for_keys: bool = False


def q(field: str, args: str, selection: str = "{ id }") -> str:
    header = f"query($id: ID!) {{ {field}(id: $id) {selection} }}" if args == "id" else f"{{ {field} {selection} }}"
    return header


def m(field: str, input_type: str) -> str:
    return (
        f"mutation($key: String!, $input: {input_type}!) "
        f"{{ {field}(idempotencyKey: $key, input: $input) {{ userErrors {{ code field }} }} }}"
    )


UNKNOWN_ENDPOINT = "V2ViaG9va0VuZHBvaW50OjAwMDAwMDAwLTAwMDAtMDAwMC0wMDAwLTAwMDAwMDAwMDAwMA"

CASES = [
    Case("auditEvents", q("auditEvents", "", "{ edges { node { id } } }"), {}, False, Scope.ADMIN),
    Case("node", q("node", "id"), {"id": "{Invoice}"}, True, Scope.READ),
    Case("customer", q("customer", "id"), {"id": "{Customer}"}, True, Scope.READ),
    Case("customers", q("customers", "", "{ edges { node { id } } }"), {}, False, Scope.READ),
    Case("paymentMethod", q("paymentMethod", "id"), {"id": "{PaymentMethod}"}, True, Scope.READ),
    Case("subscription", q("subscription", "id"), {"id": "{Subscription}"}, True, Scope.READ),
    Case("subscriptions", q("subscriptions", "", "{ edges { node { id } } }"), {}, True, Scope.READ),
    Case("invoice", q("invoice", "id"), {"id": "{Invoice}"}, True, Scope.READ),
    Case("invoices", q("invoices", "", "{ edges { node { id } } }"), {}, True, Scope.READ),
    Case("payment", q("payment", "id"), {"id": "{Payment}"}, True, Scope.READ),
    Case("payments", q("payments", "", "{ edges { node { id } } }"), {}, True, Scope.READ),
    Case("disputes", q("disputes", "", "{ edges { node { id } } }"), {}, True, Scope.READ),
    Case(
        "upcomingInvoice",
        "query($id: ID!) { upcomingInvoice(subscriptionId: $id) { amountDue } }",
        {"id": "{Subscription}"},
        True,
        Scope.READ,
        unknown_ids_for_keys=True,
    ),
    Case(
        "previewSubscriptionChange",
        "query($id: ID!) { previewSubscriptionChange(input: {subscriptionId: $id, quantity: 2}) "
        "{ userErrors { code } } }",
        {"id": "{Subscription}"},
        True,
        Scope.READ,
        unknown_ids_for_keys=True,
    ),
    Case("prices", q("prices", "", "{ edges { node { id } } }"), {}, True, Scope.READ),
    Case("viewer", q("viewer", "", "{ id }"), {}, True, Scope.READ),
    Case("createCustomer", m("createCustomer", "CreateCustomerInput"), {"email": "not-an-email"}, False, Scope.WRITE),
    Case("updateCustomer", m("updateCustomer", "UpdateCustomerInput"), {"id": "{Customer}"}, False, Scope.WRITE),
    Case(
        "createSetupIntent",
        m("createSetupIntent", "CreateSetupIntentInput"),
        {"customerId": "{Customer}"},
        True,
        Scope.WRITE,
    ),
    Case(
        "attachPaymentMethod",
        m("attachPaymentMethod", "AttachPaymentMethodInput"),
        {"customerId": "{Customer}", "stripePaymentMethodId": "pm_card_visa"},
        True,
        Scope.WRITE,
    ),
    Case(
        "detachPaymentMethod",
        m("detachPaymentMethod", "DetachPaymentMethodInput"),
        {"id": "{PaymentMethod}"},
        True,
        Scope.WRITE,
    ),
    Case(
        "setDefaultPaymentMethod",
        m("setDefaultPaymentMethod", "SetDefaultPaymentMethodInput"),
        {"customerId": "{Customer}", "paymentMethodId": "{PaymentMethod}"},
        True,
        Scope.WRITE,
    ),
    Case(
        "createSubscription",
        m("createSubscription", "CreateSubscriptionInput"),
        {"customerId": "{Customer}", "priceId": "price_x"},
        False,
        Scope.WRITE,
    ),
    Case(
        "updateSubscription",
        m("updateSubscription", "UpdateSubscriptionInput"),
        {"id": "{Subscription}"},
        False,
        Scope.WRITE,
    ),
    Case(
        "cancelSubscription",
        m("cancelSubscription", "CancelSubscriptionInput"),
        {"id": "{Subscription}"},
        False,
        Scope.WRITE,
    ),
    Case(
        "pauseSubscription",
        m("pauseSubscription", "PauseSubscriptionInput"),
        {"id": "{Subscription}", "behavior": "VOID"},
        True,
        Scope.WRITE,
    ),
    Case(
        "resumeSubscription",
        m("resumeSubscription", "ResumeSubscriptionInput"),
        {"id": "{Subscription}"},
        True,
        Scope.WRITE,
    ),
    Case("payInvoice", m("payInvoice", "PayInvoiceInput"), {"id": "{Invoice}"}, True, Scope.WRITE),
    # A customer does not finalize or void their own invoices: API keys only (test_a_session_may_not_…).
    Case("finalizeInvoice", m("finalizeInvoice", "FinalizeInvoiceInput"), {"id": "{Invoice}"}, False, Scope.WRITE),
    Case("voidInvoice", m("voidInvoice", "VoidInvoiceInput"), {"id": "{Invoice}"}, False, Scope.WRITE),
    Case(
        "createPayment",
        m("createPayment", "CreatePaymentInput"),
        {"customerId": "{Customer}", "amount": 100, "currency": "usd"},
        False,
        Scope.WRITE,
    ),
    Case("refundPayment", m("refundPayment", "RefundPaymentInput"), {"paymentId": "{Payment}"}, False, Scope.WRITE),
    Case(
        "submitDisputeEvidence",
        m("submitDisputeEvidence", "SubmitDisputeEvidenceInput"),
        {"disputeId": "{Dispute}", "evidence": {"uncategorizedText": "delivered"}, "submit": True},
        False,
        Scope.ADMIN,
    ),
    Case(
        "createCustomerSession",
        m("createCustomerSession", "CreateCustomerSessionInput"),
        {"customerId": "{Customer}"},
        False,
        Scope.WRITE,
    ),
    Case(
        "revokeCustomerSession",
        m("revokeCustomerSession", "RevokeCustomerSessionInput"),
        {"sessionId": "{CustomerSession}"},
        True,
        Scope.WRITE,
    ),
    Case(
        "revokeCustomerSessions",
        m("revokeCustomerSessions", "RevokeCustomerSessionsInput"),
        {"customerId": "{Customer}"},
        True,
        Scope.WRITE,
    ),
    # Discounts (issue 15): coupons are catalogue like prices; promotion codes are listed to API keys only.
    Case("coupons", q("coupons", "", "{ edges { node { id } } }"), {}, True, Scope.READ),
    Case("promotionCodes", q("promotionCodes", "", "{ edges { node { id } } }"), {}, False, Scope.READ),
    Case(
        "applyDiscount",
        m("applyDiscount", "ApplyDiscountInput"),
        {"subscriptionId": "{Subscription}", "promotionCode": "SPRING25"},
        True,
        Scope.WRITE,
    ),
    Case(
        "removeDiscount",
        m("removeDiscount", "RemoveDiscountInput"),
        {"subscriptionId": "{Subscription}"},
        False,
        Scope.WRITE,
    ),
    # Usage on Billing Meters (issue 15).
    Case("meters", "{ meters { stripeId } }", {}, True, Scope.READ),
    Case(
        "recordUsage",
        m("recordUsage", "RecordUsageInput"),
        {"customerId": "{Customer}", "meter": "api_calls", "value": 1, "identifier": "matrix-usage"},
        True,
        Scope.WRITE,
    ),
    Case(
        "recordUsageBatch",
        m("recordUsageBatch", "RecordUsageBatchInput"),
        {"events": [{"customerId": "{Customer}", "meter": "api_calls", "value": 1, "identifier": "matrix-batch"}]},
        True,
        Scope.WRITE,
    ),
    # Revenue analytics (issue 16): admin keys only.
    Case(
        "billingMetrics",
        '{ billingMetrics(currency: "usd", from: "2026-01-01T00:00:00Z", to: "2026-03-01T00:00:00Z", '
        "interval: MONTH) { periods { mrr } userErrors { code } } }",
        {},
        False,
        Scope.ADMIN,
    ),
    Case("events", q("events", "", "{ edges { node { id } } }"), {}, False, Scope.ADMIN),
    # Outgoing webhooks (issue 16): admin keys only (UNKNOWN_ENDPOINT: an unknown WebhookEndpoint id).
    Case("webhookEndpoints", "{ webhookEndpoints { id } }", {}, False, Scope.ADMIN),
    Case("eventDeliveries", "{ eventDeliveries { id } }", {}, False, Scope.ADMIN),
    Case(
        "createWebhookEndpoint",
        m("createWebhookEndpoint", "CreateWebhookEndpointInput"),
        {"url": "http://127.0.0.1:9/hook", "eventTypes": ["no.such_type"]},
        False,
        Scope.ADMIN,
    ),
    Case(
        "updateWebhookEndpoint",
        m("updateWebhookEndpoint", "UpdateWebhookEndpointInput"),
        {"id": UNKNOWN_ENDPOINT},
        False,
        Scope.ADMIN,
    ),
    Case(
        "rotateWebhookEndpointSecret",
        m("rotateWebhookEndpointSecret", "WebhookEndpointIdInput"),
        {"id": UNKNOWN_ENDPOINT},
        False,
        Scope.ADMIN,
    ),
    Case(
        "deleteWebhookEndpoint",
        m("deleteWebhookEndpoint", "WebhookEndpointIdInput"),
        {"id": UNKNOWN_ENDPOINT},
        False,
        Scope.ADMIN,
    ),
    Case(
        "redeliverEvent",
        m("redeliverEvent", "RedeliverEventInput"),
        {"eventId": "00000000-0000-0000-0000-000000000000", "endpointId": UNKNOWN_ENDPOINT},
        False,
        Scope.ADMIN,
    ),
    # The operator console (issue 17): the Stripe inbox and its replay, admin keys only.
    Case("webhookInbox", q("webhookInbox", "", "{ edges { node { id } } }"), {}, False, Scope.ADMIN),
    Case(
        "replayWebhookEvent",
        m("replayWebhookEvent", "ReplayWebhookEventInput"),
        {"id": "V2ViaG9va0luYm94RXZlbnQ6MDAwMDAwMDAtMDAwMC0wMDAwLTAwMDAtMDAwMDAwMDAwMDAw"},
        False,
        Scope.ADMIN,
    ),
]

KEYS = {scope: Principal(kind="api_key", id=f"matrix-{scope}", scopes=effective_scopes([scope])) for scope in Scope}


def test_the_matrix_covers_every_root_field() -> None:
    schema = build_schema()._schema
    assert schema.query_type is not None and schema.mutation_type is not None
    roots = set(schema.query_type.fields) | set(schema.mutation_type.fields)
    assert {case.field for case in CASES} == roots


def fill(value: Any, ids: dict[str, str]) -> Any:
    if isinstance(value, str) and value.startswith("{") and value.endswith("}"):
        return ids[value[1:-1]]
    if isinstance(value, list):
        return [fill(item, ids) for item in value]
    if isinstance(value, dict):
        return {key: fill(item, ids) for key, item in value.items()}
    return value


def variables_for(case: Case, ids: dict[str, str]) -> dict[str, Any]:
    values = {name: fill(value, ids) for name, value in case.variables.items()}
    if case.document.startswith("mutation"):
        return {"key": f"matrix-{uuid.uuid4()}", "input": values}
    return values


def object_ids(entry: SeededCustomer) -> dict[str, str]:
    return {
        "Customer": to_global_id("Customer", entry.customer.id),
        "PaymentMethod": to_global_id("PaymentMethod", entry.payment_methods[0].id),
        "Subscription": to_global_id("Subscription", entry.subscriptions[0].id),
        "Invoice": to_global_id("Invoice", entry.invoices[0].id),
        "Payment": to_global_id("Payment", entry.payments[0].id),
    }


async def dispute_row(entry: SeededCustomer) -> str:
    """A dispute of the customer's first payment (seeding makes none); returns its global id."""
    payment = entry.payments[0]
    row = await Dispute.create(
        stripe_id=f"dp_matrix_{uuid.uuid4().hex[:12]}",
        payment_id=payment.id,
        customer_id=entry.customer.id,
        status="needs_response",
        amount=payment.amount,
        currency=payment.currency,
        reason="fraudulent",
    )
    return to_global_id("Dispute", row.id)


async def session_row(customer_id: uuid.UUID) -> str:
    """A live session of the customer (its row only: the matrix needs no token); returns its id."""
    now = datetime.now(UTC)
    row = await CustomerSession.create(
        jti=uuid.uuid4().hex,
        customer_id=customer_id,
        minted_by="matrix",
        issued_at=now,
        expires_at=now + timedelta(minutes=10),
    )
    return row.jti


def codes(result: Any) -> list[str]:
    return [(error.extensions or {}).get("code") for error in result.errors or []]


def assert_forbidden(result: Any, case: Case, who: str) -> None:
    assert "FORBIDDEN" in codes(result), f"{case.field} as {who}: expected FORBIDDEN, got {result}"
    assert result.data is None or result.data.get(case.field) is None, f"{case.field} as {who} leaked data"


def assert_allowed(result: Any, case: Case, who: str) -> None:
    assert "FORBIDDEN" not in codes(result), f"{case.field} as {who}: expected allowed, got {result.errors}"
    if case.document.startswith("mutation"):
        assert result.data and result.data[case.field] is not None, f"{case.field} as {who}: {result}"
        assert result.data[case.field]["userErrors"], f"{case.field} as {who} should stop before Stripe"


async def test_authorization_matrix(execute_pg: Execute) -> None:
    a, b = await seed_customers(2)
    theirs = object_ids(b)
    theirs["Dispute"] = await dispute_row(b)
    unknown = {name: to_global_id(name, uuid.uuid4()) for name in theirs}
    # Sessions are named by their `jti`, not a global id.
    theirs["CustomerSession"] = await session_row(b.customer.id)
    unknown["CustomerSession"] = "no-such-session"
    session = session_for(a.customer.id)
    for case in CASES:
        result = await execute_pg(case.document, variables_for(case, theirs), principal=session)
        if not case.session_allowed or "id" in case.variables or case.document.startswith("mutation"):
            # Either the field is not for sessions, or it names B's object: FORBIDDEN, no data.
            assert_forbidden(result, case, "A's session")
        else:
            assert_allowed(result, case, "A's session")
            # Lists are scoped silently: nothing of B's in them.
            assert not any(value in str(result.data) for value in theirs.values()), f"{case.field} leaked B's data"
        for scope, key in KEYS.items():
            ids = unknown if case.unknown_ids_for_keys or case.document.startswith("mutation") else theirs
            result = await execute_pg(case.document, variables_for(case, ids), principal=key)
            who = f"an API key with {scope}"
            if case.key_scope in key.scopes:
                assert_allowed(result, case, who)
            else:
                assert_forbidden(result, case, who)


async def test_a_session_may_not_name_another_customers_card_for_itself(execute_pg: Execute) -> None:
    a, b = await seed_customers(2)
    session = session_for(a.customer.id)
    case = next(c for c in CASES if c.field == "setDefaultPaymentMethod")
    ids = {**object_ids(a), "PaymentMethod": object_ids(b)["PaymentMethod"]}
    assert_forbidden(await execute_pg(case.document, variables_for(case, ids), principal=session), case, "A")
    # Unknown ids stay NOT_FOUND for a session too.
    unknown = {**object_ids(a), "PaymentMethod": to_global_id("PaymentMethod", uuid.uuid4())}
    result = await execute_pg(case.document, variables_for(case, unknown), principal=session)
    assert result.errors is None, result.errors
    assert result.data["setDefaultPaymentMethod"]["userErrors"][0]["code"] == "NOT_FOUND"


async def test_a_session_may_not_finalize_or_void_even_its_own_invoice(execute_pg: Execute) -> None:
    (a,) = await seed_customers(1)
    session = session_for(a.customer.id)
    for field in ("finalizeInvoice", "voidInvoice"):
        case = next(c for c in CASES if c.field == field)
        result = await execute_pg(case.document, variables_for(case, object_ids(a)), principal=session)
        assert_forbidden(result, case, "A's session, A's invoice")


# --- live root fields (issue 15: dunning) --------------------------------------------------------------------

LIVE_CASES = [
    (
        "paymentFailed",
        "payment_failure",
        "subscription($customerId: ID) { paymentFailed(customerId: $customerId) { eventId invoice { id } } }",
    ),
]
"""New live root fields and the message kind they carry (the older ones are covered in tests/e2e/test_live*.py)."""


def failure_message(entry: SeededCustomer, kind: Any) -> StatusMessage:
    invoice = entry.invoices[0]
    return StatusMessage(
        kind=kind,
        object_id=str(invoice.id),
        stripe_id=invoice.stripe_id,
        customer_id=str(entry.customer.id),
        status="failed",
        previous_status=None,
        event_id=f"evt_matrix_{uuid.uuid4().hex[:12]}",
        occurred_at=datetime.now(UTC),
    )


async def test_live_authorization_matrix(pg_mirror: Settings) -> None:
    a, b = await seed_customers(2)
    session = session_for(a.customer.id)
    own, theirs = to_global_id("Customer", a.customer.id), to_global_id("Customer", b.customer.id)
    a_invoice, b_invoice = to_global_id("Invoice", a.invoices[0].id), to_global_id("Invoice", b.invoices[0].id)

    def invoices_of(results: list[Any], field: str) -> list[str]:
        assert all(not result.errors for result in results), results
        return [result.data[field]["invoice"]["id"] for result in results]

    async with live_hub() as hub:
        for field, kind, document in LIVE_CASES:
            both = [failure_message(b, kind), failure_message(a, kind)]
            # A session: its own customer's events only, named or not; naming another customer is FORBIDDEN.
            for variables in ({}, {"customerId": own}):
                results = await live_results(pg_mirror, hub, document, variables, session, both)
                assert invoices_of(results, field) == [a_invoice], f"{field} {variables} as A's session"
            [refused] = await live_results(pg_mirror, hub, document, {"customerId": theirs}, session, both)
            assert codes(refused) == ["FORBIDDEN"] and refused.data is None, f"{field} naming B as A's session"
            # API keys: `read` or more, any customer's; none without it.
            for scope, key in KEYS.items():
                results = await live_results(pg_mirror, hub, document, {"customerId": theirs}, key, both)
                if Scope.READ in key.scopes:
                    assert invoices_of(results, field) == [b_invoice], f"{field} as {scope}"
                else:
                    assert len(results) == 1 and codes(results[0]) == ["FORBIDDEN"], f"{field} as {scope}"


async def test_a_session_may_not_apply_a_coupon_even_to_its_own_subscription(execute_pg: Execute) -> None:
    (a,) = await seed_customers(1)
    session = session_for(a.customer.id)
    case = next(c for c in CASES if c.field == "applyDiscount")
    variables = {
        "key": f"matrix-{uuid.uuid4()}",
        "input": {"subscriptionId": object_ids(a)["Subscription"], "coupon": "c"},
    }
    assert_forbidden(await execute_pg(case.document, variables, principal=session), case, "A's session, a coupon")
