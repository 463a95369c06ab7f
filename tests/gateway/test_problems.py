"""Problem details (base/problems.py) from the app's own handlers, in process (no database needed).

The e2e table (tests/e2e/test_problem_details.py) walks the answers a running gateway gives;
this covers what no route of the gateway answers today but the handlers must still shape: a 403
raised by a route, an unexpected exception (500), and the builder's defaults.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import httpx
import pytest
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from base.error_codes import ErrorCode
from base.problems import problem_body
from base.settings import Settings
from gateway.app import create_app
from tests.support.net import free_port
from tests.support.problem_check import problem_violation


async def forbidden(request: Request) -> Response:
    raise HTTPException(403, "this key may not use this route")


async def crash(request: Request) -> Response:
    raise RuntimeError("boom")


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None, stripe_api_key="sk_test_problems", stripe_api_base=f"http://127.0.0.1:{free_port()}"
    )
    app: Starlette = create_app(settings)
    app.router.routes.extend([Route("/test/forbidden", forbidden), Route("/test/crash", crash)])
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://gateway") as client:
        yield client


@pytest.mark.parametrize(
    ("method", "path", "status", "code"),
    [
        ("GET", "/test/forbidden", 403, "forbidden"),
        ("GET", "/test/crash", 500, "internal_error"),
        ("GET", "/no/such/path", 404, "not_found"),
        ("DELETE", "/metrics", 405, "method_not_allowed"),
        ("PATCH", "/graphql", 405, "method_not_allowed"),
    ],
)
async def test_handlers_answer_problems(
    http: httpx.AsyncClient, method: str, path: str, status: int, code: str
) -> None:
    response = await http.request(method, path, headers={"X-Request-Id": "unit-1"})
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json", response.headers
    body = response.json()
    assert body == {
        "type": "about:blank",
        "title": body["title"],
        "status": status,
        "detail": body["detail"],
        "instance": "unit-1",
        "code": code,
    }, body
    assert body["title"] and body["detail"] and "boom" not in body["detail"], body
    assert response.headers["x-request-id"] == "unit-1"
    if status == 405:
        assert response.headers["allow"], response.headers


async def test_an_insane_request_id_is_replaced(http: httpx.AsyncClient) -> None:
    response = await http.get("/nowhere", headers={"X-Request-Id": "not sane / " + "x" * 80})
    request_id = response.headers["x-request-id"]
    assert len(request_id) == 32 and response.json()["instance"] == request_id, response.text


def test_the_builder_keeps_the_standard_members() -> None:
    body = problem_body(429, "slow down", "r1", title="mine", retryAfter=3)  # an extension cannot shadow a member
    assert body == {
        "type": "about:blank",
        "title": "Too Many Requests",
        "status": 429,
        "detail": "slow down",
        "instance": "r1",
        "code": ErrorCode.HTTP_RATE_LIMITED,
        "retryAfter": 3,
    }


def test_the_suite_guard_sees_a_non_problem() -> None:
    """tests/support/problem_check.py can fail: the old body shape, plain text, a wrong instance."""

    def answer(status: int, path: str, content_type: str, body: bytes, request_id: str = "r1") -> httpx.Response:
        request = httpx.Request("POST", f"http://gateway{path}")
        headers = {"content-type": content_type, "x-request-id": request_id}
        return httpx.Response(status, headers=headers, content=body, request=request)

    good = json.dumps(problem_body(401, "missing Authorization header", "r1")).encode()
    assert problem_violation(answer(401, "/graphql", "application/problem+json", good)) is None
    graphql_result = json.dumps({"data": None, "errors": [{"message": "x"}]}).encode()
    assert problem_violation(answer(400, "/graphql", "application/json", graphql_result)) is None
    old = json.dumps({"error": "unauthorized", "message": "no"}).encode()
    assert "not problem details" in str(problem_violation(answer(401, "/graphql", "application/json", old)))
    assert "not problem details" in str(problem_violation(answer(404, "/x", "text/plain", b"Not Found")))
    assert "instance" in str(problem_violation(answer(401, "/graphql", "application/problem+json", good, "r2")))
    assert "status" in str(problem_violation(answer(403, "/graphql", "application/problem+json", good)))
