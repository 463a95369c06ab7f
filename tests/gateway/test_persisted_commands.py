"""`persisted-queries add` refuses what the gateway would refuse to run: its limits, not only the spec's rules."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from base.settings import Settings, get_settings
from gateway.cli import app
from gateway.persisted_commands import check_documents

NESTED = "query Nested { customers(first: 10) { edges { node { invoices(first: 10) { edges { node { id } } } } } } }"


def settings(**values: Any) -> Settings:
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


@pytest.mark.parametrize(
    ("limit", "document", "named"),
    [
        ({"graphql_max_depth": 2}, "query Deep { customers { edges { node { id } } } }", "GRAPHQL_MAX_DEPTH: "),
        ({"graphql_max_aliases": 1}, "query Aliased { a: __typename b: __typename }", "GRAPHQL_MAX_ALIASES: "),
        ({"graphql_max_tokens": 5}, "query Long { __typename __typename __typename }", "GRAPHQL_MAX_TOKENS: "),
        ({"graphql_max_nodes": 50}, NESTED, "GRAPHQL_MAX_NODES: this query could return 110 nodes; the limit is 50"),
        ({"gateway_env": "production"}, "query Intro { __schema { queryType { name } } }", "GATEWAY_ENV=production"),
    ],
)
def test_a_document_over_a_limit_is_refused_naming_the_setting(
    limit: dict[str, Any], document: str, named: str
) -> None:
    production = {"database_url": "postgres://u@127.0.0.1/db", "redis_url": "redis://127.0.0.1/0"}
    config = settings(**limit, **(production if limit.get("gateway_env") == "production" else {}))
    problems = check_documents(config, [("q.graphql", None, document)])
    assert problems and all(problem.startswith(f"q.graphql: {named}") for problem in problems), problems
    assert check_documents(settings(), [("q.graphql", None, document)]) == []  # within the defaults


@pytest.fixture
def fresh_settings() -> Iterator[None]:
    """The CLI reads the process-wide `get_settings()`: an earlier test of the session may have cached it
    without this test's environment (the full suite did: `add` then ran on the defaults and exited 0)."""
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()  # nor may this test's environment outlive it


@pytest.mark.usefixtures("fresh_settings")
def test_add_exits_1_with_one_line_and_registers_nothing(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in ("DATABASE_URL", "REDIS_URL", "STRIPE_API_KEY", "STRIPE_API_BASE", "GATEWAY_ENV"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("GRAPHQL_MAX_DEPTH", "2")
    monkeypatch.chdir(tmp_path)  # no `.env` of the checkout
    document = tmp_path / "deep.graphql"
    document.write_text("query Deep { customers { edges { node { id } } } }")
    result = CliRunner().invoke(app, ["persisted-queries", "add", str(document)])
    assert result.exit_code == 1
    assert result.output.strip().splitlines() == [
        f"error: {document}: GRAPHQL_MAX_DEPTH: 'Deep' exceeds maximum operation depth of 2 (nothing registered)"
    ]
    assert sorted(path.name for path in tmp_path.iterdir()) == ["deep.graphql"]  # refused before any database
