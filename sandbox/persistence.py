"""localstripe's store on disk: the one place that leans on localstripe's internals (version-guarded)."""

from __future__ import annotations

import asyncio
import contextlib
import os
import pickle
import time
from pathlib import Path
from typing import Final

from aiohttp import web

from base.versions import UnsupportedVersion, require

LOCALSTRIPE_VERSIONS: Final = ">=1.15,<1.16"
"""Versions whose `resources.Store` (`try_load_from_disk`, `dump_to_disk`, called on every write) the patch fits."""
STATE_FILE: Final = "localstripe.pickle"
MIN_SAVE_INTERVAL_SECONDS: Final = 1.0
SAVE_BUDGET: Final = 0.1
"""Share of the emulator's time saving may take: after a save of d seconds, the next waits at least d / SAVE_BUDGET."""


class StorePersistence:
    """localstripe's store kept in `path` (None: memory only), saved at most every few seconds and at exit.

    localstripe pickles its whole store to /tmp/localstripe.pickle on every write, often
    several times per request: shared by every localstripe on the machine, and slow once the
    store reaches a few MB. Here a write only marks the store dirty; a periodic task pickles
    it (on the event loop, so the snapshot is consistent) and writes it beside the
    database (in a thread, to a temporary file renamed over the old one, so a crash keeps the
    previous save whole). The interval grows with the pickling time (`SAVE_BUDGET`).
    """

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self.dirty = False
        self.saves = 0
        self.interval = MIN_SAVE_INTERVAL_SECONDS
        self._task: asyncio.Task[None] | None = None

    def mark_dirty(self) -> None:
        self.dirty = True

    def load(self) -> None:
        """Fill the store from `path`, if there is a save."""
        from localstripe.resources import store

        if self.path is None or not self.path.exists():
            return
        with self.path.open("rb") as file:
            saved = pickle.load(file)  # noqa: S301 - our own file, written by this class
        store.clear()
        dict.update(store, saved)  # not Store.__setitem__: loading is no write

    def _snapshot(self) -> bytes:
        from localstripe.resources import store

        self.dirty = False
        started = time.perf_counter()
        data = pickle.dumps(dict(store), protocol=pickle.HIGHEST_PROTOCOL)
        self.interval = max(MIN_SAVE_INTERVAL_SECONDS, (time.perf_counter() - started) / SAVE_BUDGET)
        return data

    def _write(self, data: bytes) -> None:
        assert self.path is not None
        self.path.parent.mkdir(parents=True, exist_ok=True)
        partial = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
        partial.write_bytes(data)
        os.replace(partial, self.path)
        self.saves += 1

    def save_now(self) -> None:
        """Save at once if anything changed (at exit)."""
        if self.path is not None and self.dirty:
            self._write(self._snapshot())

    async def _save_periodically(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            await asyncio.sleep(self.interval)
            if self.dirty:
                await loop.run_in_executor(None, self._write, self._snapshot())

    async def on_startup(self, app: web.Application) -> None:
        if self.path is not None:
            self._task = asyncio.create_task(self._save_periodically())

    async def on_cleanup(self, app: web.Application) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        self.save_now()


def persist_store_in(state_dir: Path | None) -> StorePersistence:
    """Patch localstripe's `Store` so that it saves into `state_dir` (debounced), never /tmp; return the saver.

    Refuses a localstripe version the patch was not written for (its test:
    tests/sandbox/test_persistence.py); pyproject.toml bounds the version too.
    """
    from localstripe import resources

    try:
        require("localstripe", LOCALSTRIPE_VERSIONS, by="sandbox.persistence.persist_store_in")
    except UnsupportedVersion as exc:
        raise SystemExit(str(exc)) from None
    store_class = getattr(resources, "Store", None)
    if not all(hasattr(store_class, name) for name in ("try_load_from_disk", "dump_to_disk")):
        raise SystemExit(f"sandbox.persistence patches localstripe's Store, which {store_class!r} is not")
    persistence = StorePersistence(None if state_dir is None else state_dir / STATE_FILE)

    def try_load_from_disk(self: object) -> None:
        persistence.load()

    def dump_to_disk(self: object) -> None:
        persistence.mark_dirty()

    store_class.try_load_from_disk = try_load_from_disk  # type: ignore[union-attr]
    store_class.dump_to_disk = dump_to_disk  # type: ignore[union-attr]
    return persistence
