"""Every link and file path in README.md and docs/*.md resolves inside the repo (issue 13, acceptance 5).

Checked: markdown links `[text](target)` (anchors included, for targets that are markdown files
of the repo) and inline code spans that look like repo paths (`gateway/app.py`, `docs/x.md`,
`tests/node/`). Fenced code blocks are commands, not references, and are skipped. A target that
leaves the checkout (`../elsewhere/CONTRACT.md`) fails even when it exists on this machine.
Also checked: the facts docs/stripe-test-mode.md and the README copy from the code.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from stripe_provider.adapter import STRIPE_API_VERSION
from webhooks.families import EVENT_FAMILIES

ROOT = Path(__file__).resolve().parents[1]
DOCS = sorted([ROOT / "README.md", ROOT / "CONTRIBUTING.md", *(ROOT / "docs").rglob("*.md")])

# Paths the docs name that the program creates at run time (in the working directory, or output
# directories), so a checkout does not hold them. Keep this list short and each entry explained.
RUNTIME_DIRS = (".sandbox/", "./.sandbox/")
"""Folders the program creates at run time: anything named under them."""
RUNTIME_PATHS = frozenset(
    {
        "./billing-gateway.sqlite3",  # the embedded database `serve` creates
        "billing-gateway.sqlite3",
        "localstripe.log",  # the sandbox's log, next to it
        "./.sandbox/",  # the sandbox's state next to the embedded database (issue 13, item 4)
        ".sandbox/",
        "bench/out/",  # benchmark logs and profiles
        "tests/node/.npm-ci.lock",  # the suite's lock around `npm ci` (git-ignored)
        "sandbox.json",  # the running sandbox's record, in .sandbox/
        "localstripe.pickle",  # the sandbox's saved store, in .sandbox/
        "sandbox.log",
    }
)
# A table row whose first cell is a directory (`| `gateway/` | … `mirror/` … |`, the Layout
# table) names paths relative to it.
_ROW_DIR = re.compile(r"^\| `([\w./-]+/)` \|")

_FENCE = re.compile(r"^(```|~~~).*?^\1", re.S | re.M)
_LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")
_CODE = re.compile(r"`([^`\n]+)`")
# A repo path: words, dots and dashes joined by `/`, ending in a file extension or a `/`; or a
# bare file name with one of the repo's own extensions (`schema.graphql`, `app.py` in a table row).
_PATH = re.compile(
    r"^\.{0,2}/?(?:[\w.-]+/)+(?:[\w.-]+\.[A-Za-z0-9]+|)$"
    r"|^[\w.-]+\.(?:py|md|graphql|toml|json|mjs|yml|yaml|lock|log|sqlite3)$"
)


def _prose(doc: Path) -> str:
    return _FENCE.sub("", doc.read_text())


def _slug(heading: str) -> str:
    """GitHub's anchor of a heading: lower case, punctuation dropped, spaces to dashes."""
    text = re.sub(r"[`*_\[\]()]", "", heading.strip().lower())
    return re.sub(r"[^\w\- ]", "", text).replace(" ", "-")


def _anchors(doc: Path) -> set[str]:
    return {_slug(m.group(1)) for m in re.finditer(r"^#{1,6}\s+(.+)$", _prose(doc), re.M)}


def _inside(path: Path) -> bool:
    return path.resolve().is_relative_to(ROOT)


def _problems_of_link(doc: Path, target: str) -> list[str]:
    if re.match(r"^[a-z][a-z0-9+.-]*:", target):  # https:, mailto:
        return []
    where, _, anchor = target.partition("#")
    path = (doc.parent / where) if where else doc
    if not _inside(path):
        return [f"{doc.name}: link {target!r} leaves the repo"]
    if not path.exists():
        return [f"{doc.name}: link {target!r} names nothing in the repo"]
    if anchor and path.suffix == ".md" and anchor not in _anchors(path):
        return [f"{doc.name}: link {target!r}: no heading with that anchor in {path.resolve().relative_to(ROOT)}"]
    return []


def _problems_of_code_path(doc: Path, text: str, row_dir: str | None) -> list[str]:
    path_text = text.split("::", 1)[0]
    if (
        not _PATH.match(path_text)
        or path_text.startswith("/")
        or path_text in RUNTIME_PATHS
        or path_text.startswith(RUNTIME_DIRS)
    ):
        return []
    candidates = [ROOT / path_text, doc.parent / path_text]
    if row_dir and row_dir != path_text:
        candidates.append(ROOT / row_dir / path_text)
    if any(not _inside(c) for c in candidates):
        return [f"{doc.name}: path `{text}` leaves the repo"]
    if not any(c.exists() for c in candidates):
        return [f"{doc.name}: path `{text}` names nothing in the repo"]
    return []


def problems(doc: Path, text: str | None = None) -> list[str]:
    """What in `doc` (or in `text`, read as if it were `doc`) does not resolve inside the repo."""
    prose = _FENCE.sub("", doc.read_text() if text is None else text)
    found = [p for m in _LINK.finditer(prose) for p in _problems_of_link(doc, m.group(1))]
    for line in prose.splitlines():
        row = _ROW_DIR.match(line)
        for m in _CODE.finditer(line):
            found += _problems_of_code_path(doc, m.group(1), row.group(1) if row else None)
    return found


@pytest.mark.parametrize("doc", DOCS, ids=[str(d.relative_to(ROOT)) for d in DOCS])
def test_links_and_paths_resolve_inside_the_repo(doc: Path) -> None:
    assert problems(doc) == []


def test_the_checker_catches_what_it_must() -> None:
    """The check above could pass by checking nothing: each kind of bad reference is reported."""
    doc = ROOT / "docs" / "_probe.md"  # never written: its text is given
    text = (
        "[contract](../../outside/CONTRACT.md) [gone](docs/nope.md) [anchor](../README.md#no-such-heading) "
        "`gateway/nope.py` `../outside/CONTRACT.md` [ok](../README.md#configuration) `gateway/app.py`\n"
        "```bash\ncat gateway/in_a_command_block.py\n```\n"
    )
    assert problems(doc, text) == [
        "_probe.md: link '../../outside/CONTRACT.md' leaves the repo",
        "_probe.md: link 'docs/nope.md' names nothing in the repo",
        "_probe.md: link '../README.md#no-such-heading': no heading with that anchor in README.md",
        "_probe.md: path `gateway/nope.py` names nothing in the repo",
        "_probe.md: path `../outside/CONTRACT.md` leaves the repo",
    ]


def test_the_stripe_event_table_is_the_code_s() -> None:
    text = (ROOT / "docs" / "stripe-test-mode.md").read_text()
    rows = re.findall(r"^\| `stripe\.(\w+)` \| (.+) \|$", text, re.M)
    documented = {event: family for family, events in rows for event in re.findall(r"`([\w.]+)`", events)}
    assert documented == EVENT_FAMILIES
    listen = re.search(r"--events (\S+)", text)
    assert listen and listen.group(1).split(",") == list(EVENT_FAMILIES)


def test_the_documented_api_version_is_the_pinned_one() -> None:
    for doc in (ROOT / "README.md", ROOT / "docs" / "stripe-test-mode.md"):
        versions = set(re.findall(r"\b20\d\d-\d\d-\d\d\.[a-z]+\b", doc.read_text()))
        assert versions == {STRIPE_API_VERSION}, doc.name
