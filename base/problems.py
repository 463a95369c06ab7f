"""Problem details (RFC 9457, formerly RFC 7807): the one builder of every non-GraphQL HTTP error answer.

Every 4xx/5xx the gateway answers outside a GraphQL result is `application/problem+json`:

    {"type": "about:blank", "title": <the status's reason phrase>, "status": <the HTTP status>,
     "detail": <what went wrong, for a human>, "instance": <the request id>, "code": <ErrorCode>, …}

- `type` is `about:blank` (RFC 9457 §4.2.1: no semantics beyond the status code), so `title` is
  the status's reason phrase; the stable, machine-readable reason is the `code` extension member
  (the lower-case HTTP codes of `base.error_codes.ErrorCode`). No documentation host serves
  `…/problems/<code>` pages, and a made-up URI would invite dereferencing a page that is not there
  (docs/decisions/0053-problem-details.md).
- `instance` is the request id, the same value as the response's `X-Request-Id` header and the
  `request_id` of every log line of the request (a client-chosen `X-Request-Id` when it matches
  `REQUEST_ID`, else a new hex id): an opaque URI reference that finds the request in the log.
- Extension members carry what a code needs: `retryAfter` (seconds, with the `Retry-After`
  header), and for `/graphql` refusals that a GraphQL client reads as a response (429, 503) the
  GraphQL `errors` (and `data`), so `errors[0].extensions.code` keeps working.

Base layer: every upper layer (the webhook receiver, the gateway's routes and middleware) builds
its answers here. Imports nothing of ours except the error codes.
"""

from __future__ import annotations

import re
import uuid
from http import HTTPStatus
from typing import Any, Final

from starlette.responses import JSONResponse
from starlette.types import Scope

from base.error_codes import ErrorCode

__all__ = [
    "PROBLEM_CONTENT_TYPE",
    "PROBLEM_TYPE",
    "REQUEST_ID",
    "REQUEST_ID_HEADER",
    "ProblemResponse",
    "code_for_status",
    "problem",
    "problem_body",
    "request_id_of",
]

PROBLEM_CONTENT_TYPE: Final = "application/problem+json"
PROBLEM_TYPE: Final = "about:blank"
REQUEST_ID_HEADER: Final = "X-Request-Id"
REQUEST_ID = re.compile(rb"[A-Za-z0-9._:-]{1,64}")
"""An `X-Request-Id` a client may choose; anything else is replaced with a new id."""

_CODES_BY_STATUS: Final[dict[int, ErrorCode]] = {
    400: ErrorCode.BAD_REQUEST,
    401: ErrorCode.UNAUTHORIZED,
    403: ErrorCode.HTTP_FORBIDDEN,
    404: ErrorCode.HTTP_NOT_FOUND,
    405: ErrorCode.METHOD_NOT_ALLOWED,
    413: ErrorCode.PAYLOAD_TOO_LARGE,
    415: ErrorCode.UNSUPPORTED_MEDIA_TYPE,
    429: ErrorCode.HTTP_RATE_LIMITED,
    500: ErrorCode.HTTP_INTERNAL_ERROR,
    503: ErrorCode.HTTP_SERVICE_UNAVAILABLE,
}


class ProblemResponse(JSONResponse):
    """A JSON response served as `application/problem+json`."""

    media_type = PROBLEM_CONTENT_TYPE


def code_for_status(status: int) -> ErrorCode:
    """The default code of an HTTP status (a 4xx without its own is `bad_request`, a 5xx `internal_error`)."""
    default = ErrorCode.BAD_REQUEST if status < 500 else ErrorCode.HTTP_INTERNAL_ERROR
    return _CODES_BY_STATUS.get(status, default)


def request_id_of(scope: Scope) -> str:
    """The request's `X-Request-Id` when it is a plausible id, else a new one.

    The scope's headers are rewritten to carry exactly that id, so the GraphQL context
    (which reads the header), the audit trail (64 characters) and a problem's `instance`
    see the same, sane value. Idempotent: the second call reads what the first one wrote.
    """
    headers: list[tuple[bytes, bytes]] = list(scope.get("headers") or [])
    given = [value for name, value in headers if name == b"x-request-id"]
    if len(given) == 1 and REQUEST_ID.fullmatch(given[0]):
        return given[0].decode("ascii")
    request_id = uuid.uuid4().hex
    scope["headers"] = [(n, v) for n, v in headers if n != b"x-request-id"] + [(b"x-request-id", request_id.encode())]
    return request_id


def problem_body(
    status: int, detail: str, request_id: str, code: str | None = None, **extensions: Any
) -> dict[str, Any]:
    """The problem document (a dict): the five standard members, `code`, then `extensions`."""
    try:
        title = HTTPStatus(status).phrase
    except ValueError:
        title = "Error"
    body: dict[str, Any] = {
        "type": PROBLEM_TYPE,
        "title": title,
        "status": status,
        "detail": detail,
        "instance": request_id,
        "code": str(code if code is not None else code_for_status(status)),
    }
    for name, value in extensions.items():
        if name not in body:
            body[name] = value
    return body


def problem(
    scope: Scope,
    status: int,
    detail: str,
    code: str | None = None,
    *,
    headers: dict[str, str] | None = None,
    **extensions: Any,
) -> ProblemResponse:
    """The `application/problem+json` answer to the request of `scope`, with `X-Request-Id` set.

    `code` defaults to the status's (`code_for_status`); `extensions` become extension members
    (camelCase names, JSON values).
    """
    request_id = request_id_of(scope)
    all_headers = {REQUEST_ID_HEADER: request_id, **(headers or {})}
    return ProblemResponse(
        problem_body(status, detail, request_id, code, **extensions), status_code=status, headers=all_headers
    )
