"""What a Redis server was asked to do, exactly: MONITOR, read up to a marker, every command's keys.

`RedisMonitor(port)` opens a MONITOR connection (the server buffers what it echoes, so nothing
needs to read meanwhile); `commands()` sends an `ECHO` marker from a second connection and reads
every command up to it, arguments exact (MONITOR's escaping undone). `keys_of(command)` asks the
server itself which arguments are keys (`COMMAND GETKEYS`), so no key position is guessed here.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass

import redis

CONTROL_CLIENT_NAME = "tests:redis-monitor"

# `1700000000.123456 [3 127.0.0.1:5555] "SET" "k" "v"`: Lua's own calls show `[3 lua]`.
_LINE = re.compile(r"^\d+\.\d+ \[(\d+) ([^\]]*)\] (.*)$", re.DOTALL)
_ARG = re.compile(r'"((?:[^"\\]|\\.)*)"')
_ESCAPES = {"n": "\n", "r": "\r", "t": "\t", "a": "\a", "b": "\b", '"': '"', "\\": "\\"}
_ESCAPE = re.compile(r"\\(x[0-9a-fA-F]{2}|.)", re.DOTALL)

# Pub/sub channels are not keys to COMMAND GETKEYS; these name channels from their first argument on.
CHANNEL_COMMANDS = frozenset({"publish", "spublish", "subscribe", "ssubscribe", "psubscribe"})


def _unescape(text: str) -> str:
    def one(match: re.Match[str]) -> str:
        code = match.group(1)
        return chr(int(code[1:], 16)) if code.startswith("x") and len(code) == 3 else _ESCAPES.get(code, code)

    return _ESCAPE.sub(one, text)


@dataclass(frozen=True)
class MonitoredCommand:
    db: int
    client: str
    """`ip:port` of the connection, or `lua` for a call made by a script."""
    args: tuple[str, ...]

    @property
    def name(self) -> str:
        return self.args[0].lower() if self.args else ""

    @property
    def channels(self) -> tuple[str, ...]:
        """The pub/sub channels (or patterns) this command names."""
        if self.name not in CHANNEL_COMMANDS:
            return ()
        return self.args[1:2] if self.name in ("publish", "spublish") else self.args[1:]

    @property
    def client_name(self) -> str | None:
        """The name a `CLIENT SETNAME` (or `HELLO … SETNAME`) gives its connection."""
        upper = [arg.upper() for arg in self.args]
        if upper[:2] == ["CLIENT", "SETNAME"] and len(self.args) > 2:
            return self.args[2]
        if upper[:1] == ["HELLO"] and "SETNAME" in upper[:-1]:
            return self.args[upper.index("SETNAME") + 1]
        return None


class RedisMonitor:
    """MONITOR on the redis-server at 127.0.0.1:`port`, from creation until `commands()`."""

    def __init__(self, port: int) -> None:
        self._pool = redis.ConnectionPool(host="127.0.0.1", port=port, socket_timeout=10)
        self._monitor = self._pool.get_connection()
        self._monitor.send_command("MONITOR")
        if self._monitor.read_response() not in (b"OK", "OK"):
            raise RuntimeError("MONITOR was refused")
        self._control = redis.Redis(host="127.0.0.1", port=port, socket_timeout=10, client_name=CONTROL_CLIENT_NAME)
        self._control_address = str(self._control.client_info()["addr"])

    def commands(self) -> list[MonitoredCommand]:
        """Every command the server ran since MONITOR began, up to a marker sent now (this helper's own left out)."""
        marker = f"monitor-marker-{uuid.uuid4().hex}"
        self._control.echo(marker)
        seen: list[MonitoredCommand] = []
        while True:
            raw = self._monitor.read_response()
            line = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)
            match = _LINE.match(line)
            if match is None:
                raise AssertionError(f"unexpected MONITOR line: {line!r}")
            args = tuple(_unescape(arg) for arg in _ARG.findall(match.group(3)))
            if args == ("ECHO", marker) or args == ("echo", marker):
                return seen
            if match.group(2) == self._control_address:
                continue  # this helper's own commands
            seen.append(MonitoredCommand(db=int(match.group(1)), client=match.group(2), args=args))

    def keys_of(self, command: MonitoredCommand) -> list[str]:
        """The keys `command` touches, as the server reads its arguments (none when it takes no key)."""
        if not command.args:
            return []
        try:
            keys = self._control.command_getkeys(*command.args)
        except redis.ResponseError:
            return []  # a command without key arguments
        return [key.decode() if isinstance(key, bytes) else str(key) for key in keys]

    def client_names(self) -> list[str]:
        """The names of the server's open connections (CLIENT LIST), this monitor's own left out."""
        own = {CONTROL_CLIENT_NAME}
        return [str(client.get("name", "")) for client in self._control.client_list() if client.get("cmd") != "monitor"
                and client.get("name", "") not in own]  # fmt: skip

    def close(self) -> None:
        self._monitor.disconnect()
        self._pool.disconnect()
        self._control.close()
