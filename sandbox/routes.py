"""Stripe endpoints the sandbox serves itself, in front of localstripe (which lacks them).

A feature module registers a handler for a method and a path pattern with `@route`; the
handler gets the request, the path match and the decoded form body, and answers, or returns
None to let localstripe answer as before. `routes_middleware` runs innermost, after
localstripe's own error and API-key middlewares, so a handler may raise localstripe's
`UserError` and is authenticated like every other endpoint. docs/sandbox.md lists what the
sandbox serves itself and how far it follows Stripe.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import web

FeatureHandler = Callable[[web.Request, "re.Match[str]", dict[str, Any]], Awaitable[web.StreamResponse | None]]
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@dataclass(frozen=True)
class Route:
    method: str
    pattern: re.Pattern[str]
    handle: FeatureHandler


ROUTES: list[Route] = []
"""Every registered route, in registration order (the first match answers)."""


def route(method: str, pattern: str) -> Callable[[FeatureHandler], FeatureHandler]:
    """Register `handle` for `method` on paths matching `pattern` (anchored at both ends)."""

    def register(handle: FeatureHandler) -> FeatureHandler:
        ROUTES.append(Route(method.upper(), re.compile(f"^{pattern}$"), handle))
        return handle

    return register


async def form_of(request: web.Request) -> dict[str, Any]:
    """The request's parameters decoded as Stripe's SDK encodes them (`a[b][0]=c`), query for a GET."""
    from localstripe import server  # a development dependency, as in sandbox.server

    if request.method == "GET":
        return dict(server.unflatten_data(request.query) or {})
    return dict(await server.get_post_data(request) or {})


@web.middleware
async def routes_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Answer from the first matching route that answers; otherwise localstripe's own handler."""
    form: dict[str, Any] | None = None  # decoded once, for every route matching this path
    for candidate in ROUTES:
        if candidate.method != request.method:
            continue
        match = candidate.pattern.match(request.path)
        if match is None:
            continue
        if form is None:
            form = await form_of(request)
        answer = await candidate.handle(request, match, form)
        if answer is not None:
            return answer
    return await handler(request)
