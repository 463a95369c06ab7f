"""The operator console at `/console`: its pages, assets, sign-in and sign-out (docs/console.md).

The console is a static page that speaks only the public GraphQL API on `/graphql`, like any
client; what it adds is a credential: an admin API key typed once at sign-in is exchanged for a
session cookie (HttpOnly, SameSite=Strict; `billing.console_sessions`). `/graphql` accepts that
cookie with the session's CSRF token echoed in `X-CSRF-Token` (`gateway.http_guard`); the
WebSocket accepts it only from the gateway's own origin (`ConsoleSocketOrigin`). The page gets the
CSRF token in a `<meta>` of the HTML served to the signed-in session; nothing goes in localStorage.
"""

from __future__ import annotations

import html
import logging
from pathlib import Path
from typing import Final
from urllib.parse import parse_qs, urlsplit

from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Receive, Scope, Send

from base.principals import AuthenticationError
from base.problems import problem
from base.settings import Settings
from billing.authentication import CONSOLE_COOKIE, authenticate_console_cookie
from billing.console_sessions import CONSOLE_SESSION_TTL, csrf_matches, csrf_token_for, open_session, revoke_session

log = logging.getLogger("gateway.console")

ASSETS: Final = Path(__file__).with_name("console_assets")
MAX_FORM_BYTES: Final = 4096
SECURITY_HEADERS: Final = {
    # Everything the console loads is its own: no CDN, no inline script, nothing framed.
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; "
    "form-action 'self'; base-uri 'none'",
    "Cache-Control": "no-store",
    "Referrer-Policy": "same-origin",  # "no-referrer" makes Chromium send `Origin: null` on form posts
    "X-Content-Type-Options": "nosniff",
}


def same_origin(scope: Scope) -> bool:
    """Whether the request's `Origin` (when sent) names this server as the browser reached it (`Host`)."""
    headers = {key.decode("latin-1").lower(): value.decode("latin-1") for key, value in scope.get("headers", [])}
    origin = headers.get("origin")
    if origin is None:
        return True  # not a browser's cross-origin request: browsers send Origin on these
    return bool(urlsplit(origin).netloc.lower() == headers.get("host", "").lower())


def _page(name: str, **values: str) -> HTMLResponse:
    text = (ASSETS / name).read_text()
    for key, value in values.items():
        text = text.replace("{{" + key + "}}", html.escape(value, quote=True))
    return HTMLResponse(text, headers=SECURITY_HEADERS)


def console_routes(settings: Settings) -> list[BaseRoute]:
    """The routes under `/console`."""
    secure = settings.is_production

    async def index(request: Request) -> Response:
        token = request.cookies.get(CONSOLE_COOKIE)
        if token:
            try:
                await authenticate_console_cookie(token)
            except AuthenticationError:
                pass
            else:
                return _page("console.html", csrf=csrf_token_for(settings, token))
        response = _page("signin.html", error=request.query_params.get("error", ""))
        if token:
            response.delete_cookie(CONSOLE_COOKIE, path="/")
        return response

    async def sign_in(request: Request) -> Response:
        if not same_origin(request.scope):
            return problem(request.scope, 403, "sign in from the console's own page")
        body = await _bounded_body(request)
        if body is None:
            return problem(request.scope, 413, f"the form is limited to {MAX_FORM_BYTES} bytes")
        key = (parse_qs(body.decode("utf-8", "replace")).get("api_key") or [""])[0]
        try:
            token = await open_session(key)
        except AuthenticationError as exc:
            log.info("console sign-in refused: %s", exc)
            return RedirectResponse("/console?error=" + str(exc).replace(" ", "+"), status_code=303)
        response = RedirectResponse("/console", status_code=303)
        response.set_cookie(
            CONSOLE_COOKIE,
            token,
            max_age=int(CONSOLE_SESSION_TTL.total_seconds()),
            path="/",
            httponly=True,
            samesite="strict",
            secure=secure,
        )
        return response

    async def sign_out(request: Request) -> Response:
        token = request.cookies.get(CONSOLE_COOKIE)
        body = await _bounded_body(request)
        if body is None:
            return problem(request.scope, 413, f"the form is limited to {MAX_FORM_BYTES} bytes")
        given = (parse_qs(body.decode("utf-8", "replace")).get("csrf") or [""])[0]
        if token:
            if not csrf_matches(settings, token, given):
                return problem(request.scope, 403, "sign out from the console's own page (its CSRF token)")
            await revoke_session(token)
        response = RedirectResponse("/console", status_code=303)
        response.delete_cookie(CONSOLE_COOKIE, path="/", httponly=True, samesite="strict", secure=secure)
        return response

    return [
        Route("/console", index, methods=["GET"]),
        Route("/console/session", sign_in, methods=["POST"]),
        Route("/console/signout", sign_out, methods=["POST"]),
        Mount("/console/assets", StaticFiles(directory=ASSETS), name="console-assets"),
    ]


async def _bounded_body(request: Request) -> bytes | None:
    """The form's body, or None past MAX_FORM_BYTES (read no further than that)."""
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_FORM_BYTES:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


class ConsoleSocketOrigin:
    """Refuses (403, before the upgrade) a WebSocket that carries the console cookie from a foreign origin.

    Browsers send cookies on cross-site WebSocket handshakes that SameSite does not always stop
    (a sibling subdomain is same-site), and a WebSocket has no CSRF header: its Origin is the check.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket" and _has_console_cookie(scope) and not same_origin(scope):
            await send({"type": "websocket.close", "code": 1008, "reason": "foreign origin"})
            return
        await self.app(scope, receive, send)


def _has_console_cookie(scope: Scope) -> bool:
    marker = f"{CONSOLE_COOKIE}=".encode()
    return any(key == b"cookie" and marker in value for key, value in scope.get("headers", []))
