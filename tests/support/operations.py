"""GraphQL documents and small helpers shared by the e2e tests."""

from __future__ import annotations

import uuid
from typing import Any

from tests.support.graphql import GraphQLClient
from tests.support.localstripe import create_test_card

USER_ERRORS = "userErrors { code message field declineCode }"
CUSTOMER_FIELDS = "id stripeId email name metadata createdAt"
PAYMENT_METHOD_FIELDS = "id stripeId type brand last4 expMonth expYear isDefault"

CREATE_CUSTOMER = f"""
mutation($key: String!, $input: CreateCustomerInput!) {{
  createCustomer(idempotencyKey: $key, input: $input) {{ customer {{ {CUSTOMER_FIELDS} }} {USER_ERRORS} }}
}}"""

UPDATE_CUSTOMER = f"""
mutation($key: String!, $input: UpdateCustomerInput!) {{
  updateCustomer(idempotencyKey: $key, input: $input) {{ customer {{ {CUSTOMER_FIELDS} }} {USER_ERRORS} }}
}}"""

ATTACH_PAYMENT_METHOD = f"""
mutation($key: String!, $input: AttachPaymentMethodInput!) {{
  attachPaymentMethod(idempotencyKey: $key, input: $input) {{
    paymentMethod {{ {PAYMENT_METHOD_FIELDS} customer {{ id }} }} {USER_ERRORS}
  }}
}}"""

DETACH_PAYMENT_METHOD = f"""
mutation($key: String!, $input: DetachPaymentMethodInput!) {{
  detachPaymentMethod(idempotencyKey: $key, input: $input) {{
    paymentMethod {{ {PAYMENT_METHOD_FIELDS} customer {{ id }} }} {USER_ERRORS}
  }}
}}"""

SET_DEFAULT_PAYMENT_METHOD = f"""
mutation($key: String!, $input: SetDefaultPaymentMethodInput!) {{
  setDefaultPaymentMethod(idempotencyKey: $key, input: $input) {{
    customer {{ id defaultPaymentMethod {{ id last4 }} }} {USER_ERRORS}
  }}
}}"""

CREATE_SETUP_INTENT = f"""
mutation($key: String!, $input: CreateSetupIntentInput!) {{
  createSetupIntent(idempotencyKey: $key, input: $input) {{ clientSecret setupIntentId {USER_ERRORS} }}
}}"""

CUSTOMER_WITH_PAYMENT_METHODS = f"""
query($id: ID!) {{
  customer(id: $id) {{
    {CUSTOMER_FIELDS}
    defaultPaymentMethod {{ id last4 brand }}
    paymentMethods(first: 10) {{
      edges {{ cursor node {{ {PAYMENT_METHOD_FIELDS} }} }}
      pageInfo {{ hasNextPage endCursor }}
    }}
  }}
}}"""


def unique_email(prefix: str = "customer") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}@example.com"


def new_key() -> str:
    return f"test-{uuid.uuid4()}"


def payload_of(body: dict[str, Any], field: str) -> dict[str, Any]:
    """The payload of mutation `field`, asserting the response had no GraphQL errors."""
    assert "errors" not in body, body
    payload: dict[str, Any] = body["data"][field]
    return payload


def error_codes(payload: dict[str, Any]) -> list[str]:
    return [e["code"] for e in payload["userErrors"]]


async def create_customer(client: GraphQLClient, email: str | None = None, **fields: Any) -> dict[str, Any]:
    """Create a customer through the gateway and return it (asserting success)."""
    body = await client.execute(
        CREATE_CUSTOMER, {"key": new_key(), "input": {"email": email or unique_email(), **fields}}
    )
    payload = payload_of(body, "createCustomer")
    assert payload["userErrors"] == [], payload
    customer: dict[str, Any] = payload["customer"]
    return customer


INVOICE_FIELDS = "id stripeId status amountDue amountPaid currency hostedInvoiceUrl"
PAYMENT_FIELDS = "id stripeId status amount amountRefunded currency clientSecret failureCode failureMessage"
SUBSCRIPTION_FIELDS = f"""
  id stripeId status priceId quantity currentPeriodStart currentPeriodEnd cancelAtPeriodEnd canceledAt
  customer {{ id }}
  latestInvoice {{ {INVOICE_FIELDS} payment {{ {PAYMENT_FIELDS} }} }}
"""

CREATE_SUBSCRIPTION = f"""
mutation($key: String!, $input: CreateSubscriptionInput!) {{
  createSubscription(idempotencyKey: $key, input: $input) {{ subscription {{ {SUBSCRIPTION_FIELDS} }} {USER_ERRORS} }}
}}"""

UPDATE_SUBSCRIPTION = f"""
mutation($key: String!, $input: UpdateSubscriptionInput!) {{
  updateSubscription(idempotencyKey: $key, input: $input) {{ subscription {{ {SUBSCRIPTION_FIELDS} }} {USER_ERRORS} }}
}}"""

CANCEL_SUBSCRIPTION = f"""
mutation($key: String!, $input: CancelSubscriptionInput!) {{
  cancelSubscription(idempotencyKey: $key, input: $input) {{ subscription {{ {SUBSCRIPTION_FIELDS} }} {USER_ERRORS} }}
}}"""

PAY_INVOICE = f"""
mutation($key: String!, $input: PayInvoiceInput!) {{
  payInvoice(idempotencyKey: $key, input: $input) {{
    invoice {{ {INVOICE_FIELDS} payment {{ {PAYMENT_FIELDS} }} }} {USER_ERRORS}
  }}
}}"""

CREATE_PAYMENT = f"""
mutation($key: String!, $input: CreatePaymentInput!) {{
  createPayment(idempotencyKey: $key, input: $input) {{
    payment {{ {PAYMENT_FIELDS} customer {{ id }} }} {USER_ERRORS}
  }}
}}"""

REFUND_PAYMENT = f"""
mutation($key: String!, $input: RefundPaymentInput!) {{
  refundPayment(idempotencyKey: $key, input: $input) {{
    refund {{ id stripeId amount status payment {{ id amountRefunded }} }} {USER_ERRORS}
  }}
}}"""


async def customer_with_card(
    client: GraphQLClient, emulator_url: str, number: str = "4242424242424242"
) -> tuple[dict[str, Any], dict[str, Any]]:
    """A new customer with a card attached as default; returns (customer, payment method)."""

    customer = await create_customer(client)
    body = await client.execute(
        ATTACH_PAYMENT_METHOD,
        {
            "key": new_key(),
            "input": {
                "customerId": customer["id"],
                "stripePaymentMethodId": create_test_card(emulator_url, number),
                "setAsDefault": True,
            },
        },
    )
    payload = payload_of(body, "attachPaymentMethod")
    assert payload["userErrors"] == [], payload
    return customer, payload["paymentMethod"]


CREATE_SESSION = """
mutation($key: String!, $input: CreateCustomerSessionInput!) {
  createCustomerSession(idempotencyKey: $key, input: $input) { token expiresAt userErrors { code field } }
}"""


async def create_session(graphql: GraphQLClient, customer_id: str, **extra: Any) -> dict[str, Any]:
    body = await graphql.execute(CREATE_SESSION, {"key": new_key(), "input": {"customerId": customer_id, **extra}})
    payload = payload_of(body, "createCustomerSession")
    assert payload["userErrors"] == [], payload
    return payload


async def create_payment(graphql: GraphQLClient, customer_id: str, amount: int) -> dict[str, Any]:
    body = await graphql.execute(
        CREATE_PAYMENT, {"key": new_key(), "input": {"customerId": customer_id, "amount": amount, "currency": "usd"}}
    )
    payload = payload_of(body, "createPayment")
    assert payload["userErrors"] == [], payload
    payment: dict[str, Any] = payload["payment"]
    return payment
