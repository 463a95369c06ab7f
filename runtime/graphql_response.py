"""GraphQL over HTTP's `application/graphql-response+json` on strawberry's ASGI view (leans on its view hooks).

A client whose `Accept` prefers `application/graphql-response+json` (`preferred_media_type`) gets
that media type and the statuses of the GraphQL-over-HTTP spec:

- a request that did not start execution (a parse or validation error, a variable that does not
  coerce, a limit refused before any resolver) is answered WITHOUT `data`, with 400 (500 when
  the one reason is an unexpected failure, `INTERNAL`);
- a request whose execution started is 200, `data` present (null when a non-null root failed);
- a status set during the request (429 rate limited, 503 database) stays as set.

Everything else is unchanged: `application/json` (also for `*/*`, `application/*`, and no
`Accept`) answers exactly as strawberry does, 200 with `data: null` for the same errors.

"Did not start" is strawberry's `PreExecutionError` (parse, validation, an extension refusing in
`on_execute`), or graphql-core's result with `data` null and no error at a field path: a
variable coercion failure (graphql-core's executor is never built), while an error that nulls
`data` during execution always carries its field's path. See docs/decisions/0059-graphql-response-json.md.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any, Final

from starlette.requests import Request
from starlette.responses import Response
from starlette.websockets import WebSocket
from strawberry.http import GraphQLHTTPResponse, process_result
from strawberry.types import ExecutionResult
from strawberry.types.execution import PreExecutionError

from base.error_codes import ErrorCode
from base.versions import require

require("strawberry-graphql", ">=0.341,<0.342", by=__name__)
require("graphql-core", ">=3.3,<3.4", by=__name__)

__all__ = ["GRAPHQL_JSON", "GRAPHQL_RESPONSE_JSON", "GraphQLResponseMedia", "execution_started", "preferred_media_type"]

GRAPHQL_RESPONSE_JSON: Final = "application/graphql-response+json"
GRAPHQL_JSON: Final = "application/json"
RESPONSE_CONTENT_TYPE: Final = f"{GRAPHQL_RESPONSE_JSON}; charset=utf-8"


def _quality(parameters: list[str]) -> float | None:
    """The `q` of a media range's parameters (1 when absent), or None when it is not a number in [0, 1]."""
    for parameter in parameters:
        name, _, value = parameter.partition("=")
        if name.strip().lower() == "q":
            try:
                quality = float(value.strip())
            except ValueError:
                return None
            return quality if 0 <= quality <= 1 else None
    return 1.0


@lru_cache(maxsize=256)
def preferred_media_type(accept: str | None) -> str:
    """`application/graphql-response+json` when `accept` names it with a `q` at least that of `application/json`.

    Only an explicit mention counts for it: `*/*` and `application/*` (and no `Accept` at all)
    mean `application/json`, as they did before the gateway offered the newer type. A tie goes to
    the newer type (a client naming it reads it). An `Accept` admitting neither gets JSON, as before.
    """
    if not accept:
        return GRAPHQL_JSON
    response_json = 0.0
    plain_json = 0.0
    for media_range in accept.split(","):
        media, *parameters = media_range.split(";")
        media = media.strip().lower()
        quality = _quality(parameters)
        if quality is None:
            continue
        if media == GRAPHQL_RESPONSE_JSON:
            response_json = max(response_json, quality)
        elif media in (GRAPHQL_JSON, "application/*", "*/*"):
            plain_json = max(plain_json, quality)
    return GRAPHQL_RESPONSE_JSON if response_json > 0 and response_json >= plain_json else GRAPHQL_JSON


def execution_started(result: ExecutionResult) -> bool:
    """Whether the operation's execution began (so the answer carries `data`): see the module docstring."""
    if isinstance(result, PreExecutionError):
        return False
    if result.data is not None or not result.errors:
        return True
    return any(error.path is not None for error in result.errors)


def _status_without_data(errors: list[Any] | None) -> int:
    codes = {(error.get("extensions") or {}).get("code") for error in errors or [] if isinstance(error, dict)}
    return 500 if codes == {ErrorCode.INTERNAL} else 400


class GraphQLResponseMedia:
    """Mixed into strawberry's ASGI `GraphQL` view (before it in the bases): the media type a client prefers.

    `process_result` drops `data` for a request that did not start execution when the client
    prefers `application/graphql-response+json`; `create_response` then sets that media type and
    the status (the request is not at hand there: a missing `data` is what tells).
    """

    async def get_sub_response(self, request: Request | WebSocket) -> Response:
        sub_response: Response = await super().get_sub_response(request)  # type: ignore[misc]
        if preferred_media_type(request.headers.get("accept")) == GRAPHQL_RESPONSE_JSON:
            sub_response.media_type = GRAPHQL_RESPONSE_JSON  # read by `create_response`, never sent as is
        return sub_response

    async def process_result(self, request: Request, result: ExecutionResult) -> GraphQLHTTPResponse:
        processed = process_result(result)
        if preferred_media_type(request.headers.get("accept")) == GRAPHQL_RESPONSE_JSON and not execution_started(
            result
        ):
            processed.pop("data", None)
        return processed

    def create_response(
        self, response_data: GraphQLHTTPResponse | list[GraphQLHTTPResponse], sub_response: Response
    ) -> Response:
        response: Response = super().create_response(response_data, sub_response)  # type: ignore[misc]
        if sub_response.media_type != GRAPHQL_RESPONSE_JSON or not isinstance(response_data, dict):
            return response
        response.headers["content-type"] = RESPONSE_CONTENT_TYPE
        if "data" not in response_data and not sub_response.status_code:
            response.status_code = _status_without_data(response_data.get("errors"))
        return response
