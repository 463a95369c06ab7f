"""`tests.support.node`: the suite installs tests/node's npm packages itself (issue 13, item 1)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.support.node import NODE_DIR, NodeUnavailableError, ensure_node_packages, installed


@pytest.fixture
def node_dir(tmp_path: Path) -> Path:
    """A copy of tests/node without node_modules, as in a fresh clone."""
    copy = tmp_path / "node"
    copy.mkdir()
    for name in ("package.json", "package-lock.json", "subscribe.mjs"):
        shutil.copy(NODE_DIR / name, copy / name)
    return copy


def test_missing_then_stale_packages_are_installed(node_dir: Path) -> None:
    assert not installed(node_dir)
    ensure_node_packages(node_dir)
    assert installed(node_dir)
    assert (node_dir / "node_modules" / "graphql-ws" / "package.json").is_file()

    # What npm installed no longer matches the lockfile (as after a `git pull` that bumped it).
    hidden = node_dir / "node_modules" / ".package-lock.json"
    lock = json.loads(hidden.read_text())
    lock["packages"]["node_modules/ws"]["version"] = "0.0.1"
    hidden.write_text(json.dumps(lock))
    assert not installed(node_dir)
    ensure_node_packages(node_dir)
    assert installed(node_dir)


def test_without_node_the_message_says_what_to_install(node_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(node_dir))  # a directory with no `node` in it
    with pytest.raises(NodeUnavailableError, match=r"`node` is not on PATH: install Node.js >= 20 with npm"):
        ensure_node_packages(node_dir)
    assert not (node_dir / "node_modules").exists()
