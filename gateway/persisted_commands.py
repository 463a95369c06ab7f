"""What `billing-gateway persisted-queries add|list` do (`gateway/cli.py`): persisted documents, decision 0066.

`add FILE...` registers documents: a GraphQL file (one document), or a JSON manifest of
documents by hash, either GraphQL Code Generator's `persisted-documents.json` (`{"<sha256>":
"<document>"}`, `hashAlgorithm: "sha256"`) or Apollo's persisted query manifest (`{"operations":
[{"id": "<sha256>", "body": "<document>"}]}`). Every document must parse and validate against
the schema under the gateway's own limits (`GRAPHQL_MAX_DEPTH`, `_ALIASES`, `_TOKENS`, `_NODES`: a
document the gateway would refuse to run is refused here), and every hash a manifest names must be
the SHA-256 of its document; otherwise nothing is stored. With `PERSISTED_QUERIES=allowlist`
these are the only documents that run.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from base.settings import Settings
from billing.document_store import SHA256_HEX, StoredDocument, document_hash, list_documents, store_document
from schema import build_schema
from schema.extensions import refusals_before_execution

__all__ = ["check_documents", "list_documents", "read_documents", "register_documents", "summary_line"]


def _manifest_documents(path: Path, data: Any) -> list[tuple[str, str]]:
    """(the hash the manifest names, the document) of a JSON manifest; raises ValueError with a reason."""
    if isinstance(data, dict) and isinstance(data.get("operations"), list):  # Apollo's manifest
        entries = [(item.get("id"), item.get("body")) for item in data["operations"] if isinstance(item, dict)]
        if len(entries) != len(data["operations"]):
            raise ValueError(f"{path}: every entry of `operations` must be an object with `id` and `body`")
    elif isinstance(data, dict):  # GraphQL Code Generator's persisted-documents.json
        entries = list(data.items())
    else:
        raise ValueError(f"{path}: a manifest is a JSON object of documents by hash")
    documents: list[tuple[str, str]] = []
    for named, document in entries:
        if not isinstance(named, str) or not isinstance(document, str):
            raise ValueError(f"{path}: every hash and document must be strings")
        documents.append((named, document))
    return documents


def read_documents(paths: list[Path]) -> list[tuple[str, str | None, str]]:
    """(where, the hash named there or None, the document) for every document the files hold; ValueError otherwise."""
    found: list[tuple[str, str | None, str]] = []
    for path in paths:
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise ValueError(f"{path}: cannot be read ({exc})") from None
        if path.suffix.lower() == ".json":
            try:
                data = json.loads(text)
            except ValueError:
                raise ValueError(f"{path}: not valid JSON") from None
            found.extend((f"{path} [{named}]", named, document) for named, document in _manifest_documents(path, data))
        else:
            found.append((str(path), None, text))
    return found


def check_documents(settings: Settings, documents: list[tuple[str, str | None, str]]) -> list[str]:
    """Every problem, one line each: a named hash not the document's SHA-256, or what the gateway would refuse
    the document for when it runs (a parse or validation error, a limit: depth, aliases, tokens, nodes)."""
    schema = build_schema(settings)._schema
    problems: list[str] = []
    for where, named, document in documents:
        sha256 = document_hash(document)
        if named is not None and not SHA256_HEX.fullmatch(named):
            problems.append(f"{where}: {named!r} is not a SHA-256 (generate the manifest with hashAlgorithm sha256)")
        elif named is not None and named.lower() != sha256:
            problems.append(f"{where}: the document's SHA-256 is {sha256}, not {named}")
        problems.extend(f"{where}: {problem}" for problem in refusals_before_execution(schema, settings, document))
    return problems


async def register_documents(documents: list[tuple[str, str | None, str]]) -> list[tuple[str, bool]]:
    """Store every document as the operator's: (its hash, whether it is new)."""
    return [await store_document(document, "operator") for _, _, document in documents]


def summary_line(row: StoredDocument) -> str:
    """One line of `persisted-queries list`: hash, source, when, the document's start."""
    first = " ".join(row.document.split())[:60]
    return f"{row.sha256}  {row.source:<8}  {row.created_at.isoformat(timespec='seconds')}  {first}"
