"""The sandbox's store on disk: `sandbox.persistence.persist_store_in`, the patch of localstripe's internals.

localstripe (1.15) pickles its whole store to /tmp/localstripe.pickle on every write. The
patch keeps it in the sandbox's own directory and saves it at most every few seconds and at
exit. These tests pin what the patch relies on, so a localstripe upgrade that breaks it fails
here first.
"""

from __future__ import annotations

import importlib.metadata
from pathlib import Path

import httpx
import pytest
from localstripe import resources

from sandbox import persistence as sandbox_server
from sandbox.launcher import StripeSandbox
from tests.support.net import free_port

AUTH = ("sk_test_sandbox", "")


@pytest.fixture
def patched_store(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> sandbox_server.StorePersistence:
    """The patch applied in this process (undone after the test), saving into `tmp_path`."""
    monkeypatch.setattr(resources.Store, "try_load_from_disk", resources.Store.try_load_from_disk)
    monkeypatch.setattr(resources.Store, "dump_to_disk", resources.Store.dump_to_disk)
    return sandbox_server.persist_store_in(tmp_path)


def test_a_write_only_marks_the_store_and_a_save_goes_to_the_state_dir(
    patched_store: sandbox_server.StorePersistence, tmp_path: Path
) -> None:
    saved = tmp_path / sandbox_server.STATE_FILE
    resources.store["test:patched"] = {"kept": True}  # what every localstripe write does
    try:
        assert patched_store.dirty and not saved.exists()
        patched_store.save_now()
        assert saved.exists() and not patched_store.dirty and patched_store.saves == 1
        del resources.store["test:patched"]
        assert patched_store.dirty
        resources.store.try_load_from_disk()  # localstripe's own entry point, patched
        assert resources.store["test:patched"] == {"kept": True}
    finally:
        dict.pop(resources.store, "test:patched", None)


def test_an_unknown_localstripe_version_is_refused(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(importlib.metadata, "version", lambda name: "1.16.0")
    with pytest.raises(SystemExit, match=r"1\.16\.0 is installed"):
        sandbox_server.persist_store_in(tmp_path)


def _customers(sandbox: StripeSandbox) -> list[str]:
    response = httpx.get(f"{sandbox.url}/v1/customers", params={"limit": 100}, auth=AUTH, timeout=10)
    return [customer["email"] for customer in response.json()["data"]]


def test_the_sandbox_keeps_its_state_in_its_own_directory_saving_in_batches(tmp_path: Path, test_logs: Path) -> None:
    mine, other = tmp_path / "mine", tmp_path / "other"
    sandbox = StripeSandbox(free_port(), test_logs / "state-sandbox.log", state_dir=mine, fresh=True, parent=False)
    sandbox.start()
    writes = 40
    try:
        for number in range(writes):
            assert httpx.post(
                f"{sandbox.url}/v1/customers", data={"email": f"c{number}@example.com"}, auth=AUTH, timeout=10
            ).is_success
        identity = httpx.get(f"{sandbox.url}/_sandbox/identity", timeout=10).json()
        assert identity["token"] == sandbox.token
        # localstripe alone saved several times per write; batched, far fewer.
        assert identity["saves"] < writes, identity
    finally:
        sandbox.stop()
    assert (mine / sandbox_server.STATE_FILE).exists()  # saved at exit

    again = StripeSandbox(free_port(), test_logs / "state-sandbox.log", state_dir=mine, parent=False)
    again.start()
    try:
        assert len(_customers(again)) == writes
    finally:
        again.stop()
    elsewhere = StripeSandbox(free_port(), test_logs / "state-sandbox.log", state_dir=other, parent=False)
    elsewhere.start()
    try:
        assert _customers(elsewhere) == []
    finally:
        elsewhere.stop()
