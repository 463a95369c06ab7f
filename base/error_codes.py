"""Every error code the gateway emits, in one enum (base layer: imports nothing of ours).

A code reaches a client as a mutation's `userErrors[].code`, a top-level GraphQL error's
`extensions.code`, a WebSocket close reason or the `code` member of a problem details
(`application/problem+json`) HTTP error body.
`ErrorCode` is a `StrEnum`, so JSON, logs and metric labels carry the bare string.
The GraphQL enum `UserErrorCode` (schema/errors.py) is built from the members with
`user_error=True`; their descriptions are the ones the exported schema shows.
tests/test_error_codes.py fails on a string literal equal to a code anywhere else in product code.
"""

from __future__ import annotations

from enum import StrEnum


class ErrorCode(StrEnum):
    description: str
    user_error: bool

    def __new__(cls, value: str, description: str, user_error: bool = False) -> ErrorCode:
        member = str.__new__(cls, value)
        member._value_ = value
        member.description = description
        member.user_error = user_error
        return member

    # Mutation `userErrors` (the GraphQL enum UserErrorCode); the ledger, the Stripe
    # adapter and scoping report these too.
    VALIDATION_FAILED = (
        "VALIDATION_FAILED",
        "The input is invalid (the message says why, `field` says where); nothing was done.",
        True,
    )
    NOT_FOUND = "NOT_FOUND", "An id in the input names no object this caller may see.", True
    CARD_DECLINED = "CARD_DECLINED", "The card was declined; `declineCode` carries Stripe's reason.", True
    PAYMENT_FAILED = (
        "PAYMENT_FAILED",
        "Stripe could not complete the payment for another reason than a decline.",
        True,
    )
    IDEMPOTENCY_KEY_REUSED = (
        "IDEMPOTENCY_KEY_REUSED",
        "This key was used before with another operation or input; nothing was done.",
        True,
    )
    IDEMPOTENCY_KEY_IN_PROGRESS = (
        "IDEMPOTENCY_KEY_IN_PROGRESS",
        "The first call with this key is still running; retry with the same key.",
        True,
    )
    OBJECT_BUSY = (
        "OBJECT_BUSY",
        "Another refund or payment of the same payment or invoice is still running; "
        "nothing was sent to Stripe: retry with the same idempotency key.",
        True,
    )
    PROVIDER_UNAVAILABLE = (
        "PROVIDER_UNAVAILABLE",
        "Stripe did not answer in time or is down; the outcome is unknown: retry with the same key.",
        True,
    )
    PROVIDER_ERROR = (
        "PROVIDER_ERROR",
        "Stripe refused the call for a reason the client cannot fix; see the message.",
        True,
    )
    SERVICE_UNAVAILABLE = (
        "SERVICE_UNAVAILABLE",
        "The gateway's database cannot be reached. Sent as a top-level GraphQL error "
        "(`extensions: {code, retryAfter}`; over HTTP a 503 with `Retry-After`): retry later, "
        "with the same idempotency key for a mutation.",
        True,
    )
    SUBSCRIPTION_ENDED = (
        "SUBSCRIPTION_ENDED",
        "The subscription has ended (canceled or expired): it cannot be paused or resumed; nothing was done.",
        True,
    )
    DISCOUNT_EXPIRED = (
        "DISCOUNT_EXPIRED",
        "The promotion code (or coupon) has expired or was deactivated: it cannot be redeemed; nothing was done.",
        True,
    )
    DISCOUNT_USED_UP = (
        "DISCOUNT_USED_UP",
        "The promotion code (or coupon) was redeemed as many times as it may be (`maxRedemptions`); nothing was done.",
        True,
    )
    DISCOUNT_FOR_ANOTHER_CUSTOMER = (
        "DISCOUNT_FOR_ANOTHER_CUSTOMER",
        "The promotion code may be redeemed by another customer only; nothing was done.",
        True,
    )

    # Top-level GraphQL errors (`extensions.code`).
    FORBIDDEN = "FORBIDDEN", "The caller may not see this object or run this operation; no data of it is sent."
    RATE_LIMITED = "RATE_LIMITED", "The caller's request budget is used up; `extensions.retryAfter` says when to retry."
    QUERY_TOO_COMPLEX = "QUERY_TOO_COMPLEX", "The document would return too many nodes (`extensions.estimatedNodes`)."
    INTERNAL = "INTERNAL", "An unexpected failure; `extensions.requestId` finds it in the log."
    CURSOR_EXPIRED = (
        "CURSOR_EXPIRED",
        "The event feed's retention pruned events after this cursor: re-read the objects you follow, then resume "
        "from `extensions.resumeAfter`.",
    )
    # Persisted documents (decision 0066): a request naming a document by its SHA-256 hash.
    PERSISTED_QUERY_NOT_FOUND = (
        "PERSISTED_QUERY_NOT_FOUND",
        "No document is stored under this hash: send it again with `query` (Apollo's automatic persisted queries).",
    )
    PERSISTED_QUERY_NOT_ALLOWED = (
        "PERSISTED_QUERY_NOT_ALLOWED",
        "Allow-list mode (`PERSISTED_QUERIES=allowlist`): the document is not registered by an operator.",
    )
    PERSISTED_QUERY_HASH_MISMATCH = (
        "PERSISTED_QUERY_HASH_MISMATCH",
        "`extensions.persistedQuery.sha256Hash` is not the SHA-256 of `query`; nothing was stored or run.",
    )
    PERSISTED_QUERY_INVALID = (
        "PERSISTED_QUERY_INVALID",
        "`extensions.persistedQuery` is malformed: not an object, `version` not 1, or `sha256Hash` not 64 hex digits.",
    )
    # Log labels only: graphql-core's own errors carry no code.
    GRAPHQL_PARSE_FAILED = "GRAPHQL_PARSE_FAILED", "Log label: the document does not parse."
    GRAPHQL_VALIDATION_FAILED = (
        "GRAPHQL_VALIDATION_FAILED",
        "Log label: the document (or a variable) does not validate.",
    )

    # Plain HTTP error bodies: the `code` member of an `application/problem+json` answer (RFC 9457,
    # base/problems.py), lower case by contract.
    BAD_REQUEST = "bad_request", "HTTP 400: the request body or a query parameter is malformed."
    UNAUTHORIZED = "unauthorized", "HTTP 401: no valid API key or session token."
    METHOD_NOT_ALLOWED = "method_not_allowed", "HTTP 405: /graphql takes GET or POST."
    PAYLOAD_TOO_LARGE = "payload_too_large", "HTTP 413: the body is over the size limit."
    INVALID_SIGNATURE = "invalid_signature", "HTTP 400 on /webhooks: the Stripe-Signature does not verify."
    INVALID_EVENT = "invalid_event", "HTTP 400 on /webhooks: the signed body is not a usable Stripe event."
    HTTP_SERVICE_UNAVAILABLE = (
        "service_unavailable",
        "HTTP 503 on /graphql: SERVICE_UNAVAILABLE for a client that reads only the HTTP body.",
    )
    STORAGE_UNAVAILABLE = "storage_unavailable", "HTTP 503 on /webhooks: the event could not be stored; Stripe retries."
    # Problem details (base/problems.py): the `code` member of an `application/problem+json` answer.
    HTTP_FORBIDDEN = "forbidden", "HTTP 403: the credentials are valid but may not use this route."
    HTTP_NOT_FOUND = "not_found", "HTTP 404: no route at this path."
    UNSUPPORTED_MEDIA_TYPE = "unsupported_media_type", "HTTP 415: POST /graphql takes `Content-Type: application/json`."
    HTTP_RATE_LIMITED = (
        "rate_limited",
        "HTTP 429 on /graphql: RATE_LIMITED for a client that reads only the HTTP body; `retryAfter` says when.",
    )
    HTTP_INTERNAL_ERROR = (
        "internal_error",
        "HTTP 500: an unexpected failure; `instance` (the request id) finds it in the log.",
    )
    NOT_READY = "not_ready", "HTTP 503 on /health/ready: the database cannot be reached; `checks` says which failed."

    # Revenue analytics (issue 16): the userErrors of `billingMetrics`.
    INVALID_RANGE = "INVALID_RANGE", "The range is empty or reversed (`from` must be before `to`).", True
    TOO_MANY_PERIODS = (
        "TOO_MANY_PERIODS",
        "The range holds more periods of the interval than one request may ask for (366).",
        True,
    )
    URL_NOT_ALLOWED = (
        "URL_NOT_ALLOWED",
        "A webhook endpoint's URL is refused by the SSRF guard: not https in production, or it resolves to a "
        "private, loopback or link-local address (`WEBHOOK_ALLOW_PRIVATE_URLS`).",
        True,
    )


USER_ERROR_CODES: tuple[ErrorCode, ...] = tuple(code for code in ErrorCode if code.user_error)
"""The codes a mutation's `userErrors` may carry, in the GraphQL enum's order."""
