"""A tiny GraphQL-over-HTTP client for tests (httpx, JSON bodies, Bearer auth)."""

from __future__ import annotations

import json
from types import TracebackType
from typing import Any, Final

import httpx

from tests.support.audit_check import record_mutation


class _Default:
    """Marker: use the client's own token."""


DEFAULT: Final = _Default()


class GraphQLClient:
    """POSTs to `<base_url>/graphql` with `Authorization: Bearer <token>`.

    `token` given per call overrides the client's; `token=None` sends no Authorization.
    """

    def __init__(self, base_url: str, token: str | None = None, *, timeout: float = 30.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.token = token
        self.http = httpx.AsyncClient(base_url=self.base_url, timeout=timeout)

    def _headers(self, token: str | _Default | None, headers: dict[str, str] | None) -> dict[str, str]:
        actual = self.token if isinstance(token, _Default) else token
        result = {"Authorization": f"Bearer {actual}"} if actual is not None else {}
        result.update(headers or {})
        return result

    async def execute(
        self,
        query: str,
        variables: dict[str, Any] | None = None,
        *,
        token: str | _Default | None = DEFAULT,
        operation_name: str | None = None,
        headers: dict[str, str] | None = None,
        expect_status: int = 200,
    ) -> dict[str, Any]:
        """Run one operation; assert the HTTP status; return the parsed JSON body (`data`, `errors`…)."""
        payload: dict[str, Any] = {"query": query}
        if variables is not None:
            payload["variables"] = variables
        if operation_name is not None:
            payload["operationName"] = operation_name
        response = await self.http.post("/graphql", json=payload, headers=self._headers(token, headers))
        assert response.status_code == expect_status, (
            f"POST /graphql -> HTTP {response.status_code} (expected {expect_status}): {response.text[:1000]}"
        )
        try:
            body: dict[str, Any] = response.json()
        except json.JSONDecodeError as exc:
            raise AssertionError(f"POST /graphql answered non-JSON: {response.text[:1000]!r}") from exc
        actual = self.token if isinstance(token, _Default) else token
        record_mutation(self.base_url, actual, query, variables, body)
        return body

    async def raw_post(
        self,
        content: bytes | str,
        *,
        token: str | _Default | None = DEFAULT,
        content_type: str = "application/json",
        headers: dict[str, str] | None = None,
        path: str = "/graphql",
    ) -> httpx.Response:
        """POST an arbitrary body (for malformed-request tests); returns the response unchecked."""
        all_headers = {"Content-Type": content_type, **self._headers(token, headers)}
        return await self.http.post(path, content=content, headers=all_headers)

    async def aclose(self) -> None:
        """Close the HTTP connection pool."""
        await self.http.aclose()

    async def __aenter__(self) -> GraphQLClient:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()
