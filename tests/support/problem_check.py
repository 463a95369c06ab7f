"""Every non-GraphQL error answer a gateway under test gives is problem details (issue 16, acceptance 6).

`install()` wraps httpx's `Client.send` and `AsyncClient.send` (every e2e HTTP request goes
through one of them, `GraphQLClient` included). Each 4xx/5xx answer of a registered gateway
(`tests.support.audit_check.register_gateway`, called when a `GatewayProcess` starts, until it stops) is checked:

- `application/problem+json` with `type`, `title`, `status` (= the HTTP status), `detail`,
  `instance` (= the response's `X-Request-Id`) and a string `code`: a problem;
- else, at `/graphql`, a JSON object with an `errors` list: a GraphQL result (the GraphQL-over-HTTP
  boundary, docs/decisions/0053-problem-details.md);
- anything else is a violation, kept in `VIOLATIONS` (tests/e2e/conftest.py fails the test that
  saw one). Answers of other servers (the Stripe emulator, test receivers) are not checked.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Mapping
from typing import Any

import httpx

from tests.support.audit_check import gateway_urls

PROBLEM_MEMBERS = ("type", "title", "status", "detail", "instance", "code")

VIOLATIONS: list[str] = []
VIOLATIONS_SHOWN = 20
"""How many violations the run's summary repeats (one outside an e2e test fails no test: it is only seen there)."""
SEEN: Counter[str] = Counter()
"""How many gateway error answers were checked, by kind (`problem`, `graphql`, `violation`)."""

_installed = False


def problem_violation(response: httpx.Response) -> str | None:
    """Why this error answer is neither a valid problem nor a GraphQL result, or None when it is one of them."""
    content_type = response.headers.get("content-type", "")
    where = f"{response.request.method} {response.request.url.path} -> {response.status_code}"
    try:
        body: Any = json.loads(response.content)
    except ValueError:
        body = None
    if content_type.split(";")[0].strip() == "application/problem+json":
        if not isinstance(body, dict):
            return f"{where}: problem+json that is not a JSON object: {response.text[:200]!r}"
        missing = [name for name in PROBLEM_MEMBERS if not isinstance(body.get(name), str | int)]
        if missing:
            return f"{where}: problem without {missing}: {body}"
        if body["status"] != response.status_code:
            return f"{where}: problem status {body['status']} is not the HTTP status"
        if body["instance"] != response.headers.get("x-request-id"):
            return f"{where}: instance {body['instance']!r} != X-Request-Id {response.headers.get('x-request-id')!r}"
        return None
    if (
        response.request.url.path == "/graphql"
        and content_type.startswith(("application/json", "application/graphql-response+json"))
        and isinstance(body, dict)
        and isinstance(body.get("errors"), list)
    ):
        return None
    return f"{where}: not problem details ({content_type or 'no content type'}): {response.text[:200]!r}"


def check(response: httpx.Response) -> None:
    """Check one answered response (its body read) when it is a gateway's error answer."""
    if response.status_code < 400:
        return
    url = str(response.request.url)
    if not any(url.startswith(base + "/") for base in gateway_urls()):
        return
    violation = problem_violation(response)
    if violation is None:
        is_problem = response.headers.get("content-type", "").startswith("application/problem+json")
        SEEN["problem" if is_problem else "graphql"] += 1
    else:
        SEEN["violation"] += 1
        VIOLATIONS.append(violation)


def install() -> None:
    """Wrap httpx's senders once per process (idempotent)."""
    global _installed
    if _installed:
        return
    _installed = True
    async_send = httpx.AsyncClient.send
    sync_send = httpx.Client.send

    async def checked_async_send(self: httpx.AsyncClient, request: httpx.Request, **kwargs: Any) -> httpx.Response:
        response = await async_send(self, request, **kwargs)
        if response.status_code >= 400:
            await response.aread()
            check(response)
        return response

    def checked_sync_send(self: httpx.Client, request: httpx.Request, **kwargs: Any) -> httpx.Response:
        response = sync_send(self, request, **kwargs)
        if response.status_code >= 400:
            response.read()
            check(response)
        return response

    httpx.AsyncClient.send = checked_async_send  # type: ignore[method-assign]
    httpx.Client.send = checked_sync_send  # type: ignore[method-assign]


def summary(seen: Mapping[str, int]) -> str:
    """The problem check's line in the run's summary."""
    return (
        f"problem check: {sum(seen.values())} gateway error answers, {seen.get('problem', 0)} problem+json, "
        f"{seen.get('graphql', 0)} GraphQL results, {seen.get('violation', 0)} violations"
    )
