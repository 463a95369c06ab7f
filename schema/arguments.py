"""Arguments shared by many fields, each with the description clients read in the schema."""

from __future__ import annotations

from typing import Annotated, TypeAlias, TypeVar

import strawberry

from schema.enums import DisputeStatus, InvoiceStatus, SubscriptionStatus

T = TypeVar("T")

# Named explicitly: strawberry then takes the GraphQL name as given instead of converting
# `first`/`after` to camel case on every call (they sit on nested connections, resolved per row).
First: TypeAlias = Annotated[
    int | None,
    strawberry.argument(name="first", description="How many items to return, 1 to 100 (default 20)."),
]
After: TypeAlias = Annotated[
    str | None,
    strawberry.argument(name="after", description="Return the items after this cursor (the `endCursor` of a page)."),
]
ObjectId: TypeAlias = Annotated[
    strawberry.ID, strawberry.argument(description="The object's id (as the gateway answered it, not a Stripe id).")
]
IdempotencyKey: TypeAlias = Annotated[
    str,
    strawberry.argument(
        description="Your key for this call (up to 255 characters), unique per intended action: the same key "
        "with the same input answers the first response again and calls Stripe no more."
    ),
]
MutationInput: TypeAlias = Annotated[T, strawberry.argument(description="What to do.")]
ReplayAfter: TypeAlias = Annotated[
    str | None,
    strawberry.argument(
        description="Resume: first the changes recorded in the event feed after this cursor (the `cursor` of the "
        "last frame you handled), then live ones; none: live ones only."
    ),
]
OfCustomer: TypeAlias = Annotated[
    strawberry.ID | None, strawberry.argument(description="Only this customer's (a Customer id).")
]
OfSubscription: TypeAlias = Annotated[
    strawberry.ID | None, strawberry.argument(description="Only this subscription's (a Subscription id).")
]
OfPayment: TypeAlias = Annotated[
    strawberry.ID | None, strawberry.argument(description="Only this payment (a Payment id).")
]
OfInvoice: TypeAlias = Annotated[
    strawberry.ID | None, strawberry.argument(description="Only this invoice (an Invoice id).")
]
OfDispute: TypeAlias = Annotated[
    strawberry.ID | None, strawberry.argument(description="Only this dispute (a Dispute id).")
]
DisputeStatusFilter: TypeAlias = Annotated[
    DisputeStatus | None, strawberry.argument(description="Only disputes in this status.")
]
EmailFilter: TypeAlias = Annotated[
    str | None, strawberry.argument(description="Only customers with this email (case-insensitive, whole address).")
]
InvoiceStatusFilter: TypeAlias = Annotated[
    InvoiceStatus | None, strawberry.argument(description="Only invoices in this status.")
]
SubscriptionStatusFilter: TypeAlias = Annotated[
    SubscriptionStatus | None, strawberry.argument(description="Only subscriptions in this status.")
]
ActiveFilter: TypeAlias = Annotated[
    bool | None,
    strawberry.argument(description="Only active (true) or only archived (false) prices; both when absent."),
]
PrincipalFilter: TypeAlias = Annotated[
    str | None, strawberry.argument(description="Only entries of this principal, e.g. `api_key:<id>` or `stripe`.")
]
OperationFilter: TypeAlias = Annotated[
    str | None, strawberry.argument(description="Only entries of this mutation name or Stripe event type.")
]
SubscriptionToPreview: TypeAlias = Annotated[
    strawberry.ID,
    strawberry.argument(description="The subscription (a Subscription id) whose next invoice to preview."),
]
