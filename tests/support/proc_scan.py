"""Which processes exist, whose children they are, and who listens on a port (Linux `ps` and /proc)."""

from __future__ import annotations

import contextlib
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path


def child_pids(pid: int) -> set[int]:
    """The pids whose parent is `pid`, as `ps --ppid` lists them."""
    result = subprocess.run(["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True, check=False)
    return {int(word) for word in result.stdout.split()}


def alive(pids: set[int]) -> set[int]:
    """Those of `pids` that `ps -p` still lists (a zombie counts as gone: it runs nothing)."""
    if not pids:
        return set()
    result = subprocess.run(
        ["ps", "-o", "pid=,stat=", "-p", ",".join(map(str, sorted(pids)))], capture_output=True, text=True, check=False
    )
    rows = [line.split() for line in result.stdout.splitlines() if line.strip()]
    return {int(row[0]) for row in rows if not row[1].startswith("Z")}


def _listeners(port: int) -> Iterator[tuple[str, str]]:
    """(local address in /proc's hex, socket inode) of each socket listening on TCP `port`."""
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with contextlib.suppress(FileNotFoundError):
            for line in Path(table).read_text().splitlines()[1:]:
                fields = line.split()
                address, port_hex = fields[1].rsplit(":", 1)
                if fields[3] == "0A" and int(port_hex, 16) == port:  # 0A = LISTEN
                    yield address, fields[9]


def listening_pids(port: int) -> set[int]:
    """Every process (that this user may inspect) with a socket listening on TCP `port`, any address."""
    inodes = {inode for _, inode in _listeners(port)}
    if not inodes:
        return set()
    targets = {f"socket:[{inode}]" for inode in inodes}
    found: set[int] = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError):
            for fd in (entry / "fd").iterdir():
                if os.readlink(fd) in targets:
                    found.add(int(entry.name))
                    break
    return found


def listening_addresses(port: int) -> set[str]:
    """The local addresses of the sockets listening on TCP `port` (`127.0.0.1`, `0.0.0.0`, `::`…)."""
    import ipaddress

    addresses: set[str] = set()
    for address, _ in _listeners(port):
        raw = bytes.fromhex(address)
        # /proc prints each 32-bit word in host (little-endian) order.
        ordered = b"".join(raw[i : i + 4][::-1] for i in range(0, len(raw), 4))
        addresses.add(str(ipaddress.ip_address(ordered)))
    return addresses


def pids_running(*fragments: str) -> set[int]:
    """Processes whose command line contains every one of `fragments` (as separate arguments, in order)."""
    wanted = "\0".join(fragments)
    found: set[int] = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                if wanted in (entry / "cmdline").read_bytes().decode(errors="replace"):
                    found.add(int(entry.name))
    return found - {os.getpid()}
