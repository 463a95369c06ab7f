"""Copy graphql-ws's browser build (and its licence) from this npm dir into the console's assets.

Run `npm ci --prefix tools/console-vendor` first, then `uv run python tools/console-vendor/vendor.py`.
tests/gateway/test_console_vendor.py checks the committed copy matches what package-lock.json pins.
"""

from __future__ import annotations

import shutil
from pathlib import Path

HERE = Path(__file__).resolve().parent
PACKAGE = HERE / "node_modules" / "graphql-ws"
TARGET = HERE.parent.parent / "gateway" / "console_assets" / "vendor"
FILES = {"umd/graphql-ws.min.js": "graphql-ws.min.js", "LICENSE.md": "graphql-ws.LICENSE.md"}


def main() -> None:
    TARGET.mkdir(parents=True, exist_ok=True)
    for source, name in FILES.items():
        shutil.copyfile(PACKAGE / source, TARGET / name)
        print(f"copied {source} -> {TARGET / name}")


if __name__ == "__main__":
    main()
