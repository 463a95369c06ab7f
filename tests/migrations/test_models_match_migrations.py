"""The committed aerich migrations build exactly the schema the Tortoise models describe.

Two fresh PostgreSQL databases: A gets `apply_migrations`, B gets
`Tortoise.generate_schemas()` straight from the models. Their catalogs must match
(tables, columns, keys, foreign keys, indexes; names of indexes and constraints
ignored, aerich's own `aerich` table ignored). A mismatch means someone changed a
model without generating a migration (or edited a migration by hand):

    uv run aerich migrate --offline --name describe_the_change

These tests need PostgreSQL (TEST_PG_ADMIN_URL) and fail, not skip, without it.
Tests are plain functions around `asyncio.run`; every Tortoise context they open
is closed before the event loop ends, so nothing leaks from one test to the next.
"""

from __future__ import annotations

import asyncio
import difflib
from collections.abc import Awaitable, Callable
from typing import TypeVar

import asyncpg  # type: ignore[import-untyped]
import pytest
from tortoise import Tortoise
from tortoise.context import TortoiseContext

from base.db import tortoise_config
from base.migrator import APP, apply_migrations, migration_files, pending_migrations
from base.settings import ConfigurationError, Settings
from tests.pg import create_database, drop_database, unique_name

T = TypeVar("T")

IGNORED_TABLES = ("aerich",)

_COLUMNS = """
SELECT c.relname AS tbl, a.attname AS col, format_type(a.atttypid, a.atttypmod) AS type,
       a.attnotnull AS not_null, a.attidentity::text AS identity, pg_get_expr(d.adbin, d.adrelid) AS default_expr,
       col_description(c.oid, a.attnum) AS comment
FROM pg_attribute a
JOIN pg_class c ON c.oid = a.attrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND a.attnum > 0 AND NOT a.attisdropped
"""

_CONSTRAINTS = """
SELECT c.relname AS tbl, con.contype::text AS kind,
       ARRAY(SELECT a.attname FROM unnest(con.conkey) WITH ORDINALITY AS k(attnum, ord)
             JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.attnum ORDER BY k.ord) AS cols,
       fc.relname AS ref_tbl,
       ARRAY(SELECT a.attname FROM unnest(con.confkey) WITH ORDINALITY AS k(attnum, ord)
             JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.attnum ORDER BY k.ord) AS ref_cols,
       con.confdeltype::text AS on_delete, con.confupdtype::text AS on_update,
       CASE WHEN con.contype = 'c' THEN pg_get_constraintdef(con.oid, true) END AS check_def
FROM pg_constraint con
JOIN pg_class c ON c.oid = con.conrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_class fc ON fc.oid = con.confrelid
WHERE n.nspname = 'public' AND con.contype IN ('p', 'u', 'f', 'c', 'x')
"""

_INDEXES = """
SELECT t.relname AS tbl, i.indisunique AS is_unique, i.indisprimary AS is_primary, am.amname AS method,
       ARRAY(SELECT pg_get_indexdef(i.indexrelid, k, true) FROM generate_series(1, i.indnkeyatts) AS k) AS cols,
       pg_get_expr(i.indpred, i.indrelid, true) AS predicate
FROM pg_index i
JOIN pg_class t ON t.oid = i.indrelid
JOIN pg_class ic ON ic.oid = i.indexrelid
JOIN pg_am am ON am.oid = ic.relam
JOIN pg_namespace n ON n.oid = t.relnamespace
WHERE n.nspname = 'public'
"""

_FK_ACTIONS = {"a": "NO ACTION", "r": "RESTRICT", "c": "CASCADE", "n": "SET NULL", "d": "SET DEFAULT"}
_CONSTRAINT_KINDS = {"p": "PRIMARY KEY", "u": "UNIQUE", "f": "FOREIGN KEY", "c": "CHECK", "x": "EXCLUDE"}


def run(factory: Callable[[], Awaitable[T]]) -> T:
    """Run one coroutine on a fresh event loop (the project has no async test runner requirement)."""

    async def main() -> T:
        return await factory()

    return asyncio.run(main())


def _default(identity: str, expr: str | None, python_side: bool) -> str:
    if python_side and not identity:
        # Tortoise fills static defaults in Python and never emits DEFAULT for them, but aerich's later
        # migrations do (`ADD ... NOT NULL DEFAULT 0`, `ALTER ... SET DEFAULT 'x'`): both are fine.
        return "python default"
    if identity:
        return "identity"
    if expr is None:
        return "no default"
    if expr.startswith("nextval("):
        return "default nextval(sequence)"  # a serial column; the sequence's name does not matter
    return f"default {expr}"


def _comment(text: str) -> str:
    # Tortoise writes enum choices as 'A: a\\nB: b' (a backslash and an n); aerich pastes that SQL into
    # a Python string literal in the migration file, so the applied comment has a real newline instead.
    return text.replace("\\n", "\n")


async def catalog(url: str, python_defaults: frozenset[tuple[str, str]] = frozenset()) -> list[str]:
    """The schema of the database at `url` as sorted, name-free, human-readable lines.

    `python_defaults` holds the (table, column) pairs whose model field has a static Python default;
    whether their column also has a database DEFAULT is not compared.
    """
    conn = await asyncpg.connect(url)
    try:
        columns = await conn.fetch(_COLUMNS)
        constraints = await conn.fetch(_CONSTRAINTS)
        indexes = await conn.fetch(_INDEXES)
    finally:
        await conn.close()

    tables = {row["tbl"] for row in columns if row["tbl"] not in IGNORED_TABLES}
    lines = [f"{table}: table" for table in tables]
    for row in columns:
        if row["tbl"] in IGNORED_TABLES:
            continue
        null = "NOT NULL" if row["not_null"] else "NULL"
        default = _default(row["identity"], row["default_expr"], (row["tbl"], row["col"]) in python_defaults)
        line = f"{row['tbl']}.{row['col']}: {row['type']} {null} {default}"
        if row["comment"]:
            line += f" comment={_comment(row['comment'])!r}"
        lines.append(line)
    for row in constraints:
        if row["tbl"] in IGNORED_TABLES:
            continue
        kind = _CONSTRAINT_KINDS[row["kind"]]
        line = f"{row['tbl']}: {kind} ({', '.join(row['cols'])})"
        if row["kind"] == "f":
            line += (
                f" -> {row['ref_tbl']} ({', '.join(row['ref_cols'])})"
                f" ON DELETE {_FK_ACTIONS[row['on_delete']]} ON UPDATE {_FK_ACTIONS[row['on_update']]}"
            )
        if row["check_def"]:
            line += f" {row['check_def']}"
        lines.append(line)
    for row in indexes:
        if row["tbl"] in IGNORED_TABLES:
            continue
        kind = "PRIMARY KEY INDEX" if row["is_primary"] else "UNIQUE INDEX" if row["is_unique"] else "INDEX"
        line = f"{row['tbl']}: {kind} {row['method']} ({', '.join(row['cols'])})"
        if row["predicate"]:
            line += f" WHERE {row['predicate']}"
        lines.append(line)
    return sorted(lines)


def settings_for(url: str) -> Settings:
    return Settings(database_url=url)


async def generate_from_models(url: str) -> frozenset[tuple[str, str]]:
    """Create the models' tables in the database at `url` the way Tortoise would, without aerich.

    Returns the (table, column) pairs whose field has a static (non-callable) Python-side default.
    """
    python_defaults: set[tuple[str, str]] = set()
    async with TortoiseContext():
        await Tortoise.init(config=tortoise_config(settings_for(url)))
        await Tortoise.generate_schemas(safe=False)
        apps = Tortoise.apps
        assert apps is not None
        for model in apps[APP].values():
            for field_name, column in model._meta.fields_db_projection.items():
                field = model._meta.fields_map[field_name]
                if field.default is not None and not callable(field.default) and not field.has_db_default():
                    python_defaults.add((model._meta.db_table, column))
    return frozenset(python_defaults)


def schema_diff(migrated: list[str], from_models: list[str]) -> str:
    return "\n".join(
        difflib.unified_diff(
            migrated, from_models, fromfile="applied migrations", tofile="Tortoise models", lineterm=""
        )
    )


def test_models_match_migrations() -> None:
    """Applying every migration yields the same catalog as generating the schema from the models."""
    name_a, name_b = unique_name("mig"), unique_name("mig")

    async def scenario() -> tuple[list[str], list[str], list[str]]:
        created: list[str] = []  # only these are dropped: a name that existed is not ours
        try:
            url_a = await create_database(name_a)
            created.append(name_a)
            url_b = await create_database(name_b)
            created.append(name_b)
            applied = await apply_migrations(settings_for(url_a))
            python_defaults = await generate_from_models(url_b)
            return applied, await catalog(url_a, python_defaults), await catalog(url_b, python_defaults)
        finally:
            for name in created:
                await drop_database(name)

    applied, migrated, from_models = run(scenario)

    assert applied == migration_files(), "apply_migrations did not apply every migration file"
    assert any(line.endswith(": table") for line in from_models), "the models produced no tables"
    assert migrated == from_models, (
        "The models and the migrations disagree. Generate a migration with\n"
        "    uv run aerich migrate --offline --name <what_changed>\n"
        "and review it. Schema diff (- migrations, + models):\n" + schema_diff(migrated, from_models)
    )


def test_apply_migrations_twice_is_a_no_op() -> None:
    """The second run applies nothing and leaves the schema and aerich's history unchanged."""
    name = unique_name("mig")

    async def scenario() -> dict[str, object]:
        url = await create_database(name)
        try:
            settings = settings_for(url)
            result: dict[str, object] = {"pending_before": await pending_migrations(settings)}
            result["first"] = await apply_migrations(settings)
            result["catalog_first"] = await catalog(url)
            result["second"] = await apply_migrations(settings)
            result["catalog_second"] = await catalog(url)
            result["pending_after"] = await pending_migrations(settings)
            conn = await asyncpg.connect(url)
            try:
                result["history"] = [r["version"] for r in await conn.fetch("SELECT version FROM aerich ORDER BY id")]
            finally:
                await conn.close()
            return result
        finally:
            await drop_database(name)

    result = run(scenario)

    files = migration_files()
    assert files, "no migration files found in migrations/models/"
    assert result["pending_before"] == files
    assert result["first"] == files
    assert result["second"] == []
    assert result["pending_after"] == []
    assert result["catalog_second"] == result["catalog_first"]
    assert result["history"] == files


def test_migrations_refuse_sqlite() -> None:
    """Migrations are PostgreSQL-only; embedded SQLite creates its tables from the models."""
    with pytest.raises(ConfigurationError, match="DATABASE_URL"):
        run(lambda: apply_migrations(Settings(database_url="sqlite://:memory:")))
