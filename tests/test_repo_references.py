"""Mentions of the contract, the old design notes and the old shared folder name files of the repo (issue 14, acc. 4).

The contract lives in the repo as docs/API.md; the design notes and the sibling folder the
first version pointed at are not part of the checkout. Over the tracked `*.py` and `*.md`
files (`git ls-files`), a line fails when it:

- names the old design document at all (its name is spelled out in `_DESIGN` below);
- names a path through a folder called `shared` that does not exist inside the repo, or
  leaves the repo (`../shared…`);
- names the contract other than as `docs/API.md` from the repo root or a relative path from its
  own file that resolves to it (`../docs/API.md` from tests/).

The patterns are written so that this file does not match them itself (`API\\.md`, `[/]`).
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CONTRACT = ROOT / "docs" / ("API" + ".md")

_DESIGN = re.compile(r"DESIGN\.md")
# A path-like token holding the folder name or the contract's file name.
_SHARED = re.compile(r"[\w.~/-]*\bshared[/][\w./-]*")
_API = re.compile(r"[\w.~/-]*API\.md\b")
# A pathlib join of string parts (`ROOT / "docs" / "x.md"`), read as the path it builds.
_JOIN = re.compile(r"\"([\w.-]+)\"\s*/\s*\"")


def tracked_sources(root: Path) -> list[Path]:
    """The tracked `*.py` and `*.md` files of the checkout at `root`."""
    listed = subprocess.run(
        ["git", "-C", str(root), "ls-files", "-z", "--", "*.py", "*.md"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return [root / name for name in listed.split("\0") if name]


def _resolves(root: Path, source: Path, token: str) -> list[Path]:
    """Where `token` points, read from the repo root and from the file's folder, kept inside the repo."""
    token = token.rstrip(".")  # a path ending a sentence
    found = []
    for base in (root, source.parent):
        target = (base / token).resolve()
        if target.is_relative_to(root.resolve()):
            found.append(target)
    return found


def offences(root: Path = ROOT) -> list[str]:
    """`file:line: text` of every line naming a reference that does not resolve inside the repo."""
    contract = (root / CONTRACT.relative_to(ROOT)).resolve()
    found = []
    for source in tracked_sources(root):
        if not source.is_file():  # deleted in the work tree, not yet in the index
            continue
        for number, text in enumerate(source.read_text(errors="replace").splitlines(), start=1):
            line = _JOIN.sub(r"\1/", text)
            bad = bool(_DESIGN.search(line))
            for m in _SHARED.finditer(line):
                token = m.group()
                bad |= token.startswith("../") or not any(t.exists() for t in _resolves(root, source, token))
            for m in _API.finditer(line):
                bad |= contract not in _resolves(root, source, m.group())
            if bad:
                found.append(f"{source.relative_to(root)}:{number}: {text.strip()}")
    return found


def test_references_name_files_of_the_repo() -> None:
    assert offences() == [], "\n".join(["lines naming files outside the repo:", *offences()])


def _git(root: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(root), *args], check=True, capture_output=True)


def test_the_check_fails_on_planted_lines(tmp_path: Path) -> None:
    """A temp repo holding the contract, good mentions and planted bad ones: exactly the bad ones are named."""
    api = "API" + ".md"
    (tmp_path / "docs").mkdir()
    (tmp_path / "tests").mkdir()
    shutil.copy(CONTRACT, tmp_path / "docs" / api)
    (tmp_path / "docs" / "guide.md").write_text(f"See [the contract]({api}) and `docs/{api}`.\n")
    (tmp_path / "tests" / "test_x.py").write_text(f'"""Checks ../docs/{api}."""\ntext = (ROOT / "docs" / "{api}")\n')
    (tmp_path / "mod.py").write_text(
        f'"""Follows docs/{api}."""\n'
        f"# see ../{'shared'}/{api}\n"
        f"# rules in {'DESIGN'}.md\n"
        f"# the bare {api} at the root names nothing\n"
    )
    (tmp_path / "README.md").write_text(f"Layout: `{'shared'}/tools/x.py`.\n[contract](docs/{api})\n")
    (tmp_path / "untracked.py").write_text(f"# {'DESIGN'}.md, never added: not checked\n")
    _git(tmp_path, "init", "-q")
    _git(tmp_path, "add", "docs", "tests", "mod.py", "README.md")

    assert offences(tmp_path) == [
        "README.md:1: Layout: `" + "shared" + "/tools/x.py`.",
        "mod.py:2: # see ../" + "shared" + "/" + api,
        "mod.py:3: # rules in " + "DESIGN" + ".md",
        "mod.py:4: # the bare " + api + " at the root names nothing",
    ]
