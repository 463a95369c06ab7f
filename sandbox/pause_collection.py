"""Stripe's `pause_collection` on subscriptions, which localstripe lacks (it answers 400 to the parameter).

- `POST /v1/subscriptions/{id}` with `pause_collection[behavior]` (`keep_as_draft`,
  `mark_uncollectible` or `void`) and optionally `pause_collection[resumes_at]` (unix time, in
  the future) pauses collection; `pause_collection=` (empty), Stripe's documented way to unset
  a parameter, resumes it. The value is kept on localstripe's own subscription object (saved
  with its store), in Stripe's shape: `{"behavior": …, "resumes_at": … or null}`, or null.
  Any other parameter of the same request goes on to localstripe's own update; the answer is
  the subscription as localstripe exports it. The status stays as it was, as at Stripe.
- Every subscription localstripe answers (retrieve, list, create, cancel, its own events)
  carries `pause_collection`, null unless paused (`install`: a class default on localstripe's
  `Subscription`, which its `_export` reads like any attribute).
- A change emits `customer.subscription.updated` (`sandbox.events.emit`), with
  `previous_attributes: {"pause_collection": <before>}`; setting the same value again emits nothing.

Not emulated: Stripe resuming by itself at `resumes_at` (the sandbox has no clock), and what
the behavior does to invoices made while paused (localstripe makes no renewal invoices). A
canceled or `incomplete_expired` subscription is refused (400), as Stripe refuses to update it.
Leans on localstripe internals (`Subscription._api_retrieve`, `_api_update`, `_export`,
`UserError`), checked by the version guard `sandbox.persistence` applies at start.
"""

from __future__ import annotations

import time
from typing import Any, Final

from aiohttp import web

from sandbox import events
from sandbox.routes import route

BEHAVIORS: Final = ("keep_as_draft", "mark_uncollectible", "void")
"""Stripe's values of `pause_collection[behavior]`."""
ENDED_STATUSES: Final = frozenset({"canceled", "incomplete_expired"})
UPDATED_EVENT: Final = "customer.subscription.updated"


class PauseRequestError(ValueError):
    """A `pause_collection` parameter Stripe would refuse: the parameter at fault and why."""

    def __init__(self, param: str, message: str) -> None:
        super().__init__(message)
        self.param = param
        self.message = message


def requested_pause(value: Any, now: float | None = None) -> dict[str, Any] | None:
    """The `pause_collection` a request asks for, in Stripe's shape; None to unset (an empty value).

    Raises `PauseRequestError` for what Stripe refuses: not a hash, an unknown key, a missing or
    unknown behavior, a `resumes_at` that is not a unix time in the future.
    """
    if value is None or value == "":
        return None
    if not isinstance(value, dict):
        raise PauseRequestError("pause_collection", "Invalid pause_collection: must be a hash or an empty string.")
    unknown = sorted(set(value) - {"behavior", "resumes_at"})
    if unknown:
        raise PauseRequestError(f"pause_collection[{unknown[0]}]", f"Received unknown parameter: {unknown[0]}")
    behavior = value.get("behavior")
    if behavior not in BEHAVIORS:
        raise PauseRequestError(
            "pause_collection[behavior]",
            f"Invalid pause_collection[behavior]: must be one of {', '.join(BEHAVIORS)}.",
        )
    resumes_at = value.get("resumes_at")
    if resumes_at is None or resumes_at == "":
        return {"behavior": behavior, "resumes_at": None}
    try:
        timestamp = int(resumes_at)
    except (TypeError, ValueError):
        raise PauseRequestError(
            "pause_collection[resumes_at]", "Invalid pause_collection[resumes_at]: must be an integer (unix time)."
        ) from None
    if timestamp <= (time.time() if now is None else now):
        raise PauseRequestError(
            "pause_collection[resumes_at]", "Invalid pause_collection[resumes_at]: must be in the future."
        )
    return {"behavior": behavior, "resumes_at": timestamp}


def install() -> None:
    """Make every localstripe subscription carry `pause_collection` (null by default): call once at start."""
    from localstripe import resources  # a development dependency, as in sandbox.server

    if "pause_collection" not in vars(resources.Subscription):
        resources.Subscription.pause_collection = None


def _current(subscription: Any) -> dict[str, Any] | None:
    value = getattr(subscription, "pause_collection", None)
    return None if value is None else dict(value)


@route("POST", r"/v1/subscriptions/(?P<id>sub_\w+)")
async def update_subscription(request: web.Request, match: Any, params: dict[str, Any]) -> web.StreamResponse | None:
    """An update naming `pause_collection`: kept here, the rest handed to localstripe; other updates: localstripe's."""
    if "pause_collection" not in params:
        return None
    from localstripe import resources, server  # a development dependency, as in sandbox.server
    from localstripe.errors import UserError

    install()
    subscription = resources.Subscription._api_retrieve(match["id"])  # localstripe's own 404
    rest = dict(params)
    try:
        requested = requested_pause(rest.pop("pause_collection"))
    except PauseRequestError as exc:
        raise UserError(400, exc.message, {"param": exc.param}) from None
    expand = rest.pop("expand", None)
    if subscription.status in ENDED_STATUSES:
        raise UserError(
            400,
            f"You cannot pause or resume a subscription that is {subscription.status}.",
            {"param": "pause_collection"},
        )
    if rest:
        resources.Subscription._api_update(match["id"], **rest)
    previous = _current(subscription)
    subscription.pause_collection = requested
    if requested != previous:
        events.emit(UPDATED_EVENT, subscription._export(), {"pause_collection": previous})
    answer: web.StreamResponse = server.json_response(subscription._export(expand=expand))
    return answer
