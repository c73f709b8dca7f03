"""Network faults: the failures a client meets in production that no HTTP status expresses.

    connection-reset        the connection is reset (RST) instead of answered
    empty-response          the connection closes before a single byte
    malformed-chunk         a status line and headers, then chunk framing no parser accepts
    random-data-then-close  bytes that are not HTTP, then the connection closes
    hang                    no answer for N seconds (default 10), then the connection closes
    dribble                 the real answer, its body in chunks spread over N ms (default 1000)

In files and rules a fault is a name, or an object keyed by the name like `latency` is
(`{"hang": {"seconds": 5}}`, `{"dribble": {"durationMs": 2000, "chunks": 4}}`); per request
`Prefer: fault=hang:5` (seconds) or `fault=dribble:2000` (milliseconds).

The app calls `send_with_fault` instead of sending the reply. All but dribble need the TCP
connection, which ASGI hides: the outermost ASGI layer keeps uvicorn's own `send` in the scope
(`remember_send`), and `mockserver._compat` finds the transport behind it.
"""

from __future__ import annotations

import asyncio
import random
import socket
import struct
from collections.abc import Mapping
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

from starlette.types import Scope, Send

from mockserver import _compat

KINDS = (
    "connection-reset",
    "empty-response",
    "malformed-chunk",
    "random-data-then-close",
    "hang",
    "dribble",
)
DEFAULT_HANG_S, MAX_HANG_S = 10.0, 600.0
DEFAULT_DRIBBLE_MS, MAX_DRIBBLE_MS = 1000, 60000
DEFAULT_CHUNKS, MAX_CHUNKS = 5, 1000
RAW_SEND = "mockserver.raw_send"  # scope key: the server's own `send`, under every wrapper
_POLL_S = 0.25  # a hang notices a client that gave up within this long


class FaultError(ValueError):
    """A fault that cannot be: `str()` is the reason."""


@dataclass(frozen=True)
class Fault:
    kind: str
    seconds: float = DEFAULT_HANG_S  # hang
    duration_ms: int = DEFAULT_DRIBBLE_MS  # dribble
    chunks: int = DEFAULT_CHUNKS  # dribble

    @property
    def keeps_answer(self) -> bool:
        """Dribble delivers the real answer; every other fault destroys it."""
        return self.kind == "dribble"

    def describe(self) -> str | dict[str, Any]:
        """The fault in the words of the files and rules (for the journal and rule listings)."""
        if self.kind == "hang":
            return {"hang": {"seconds": self.seconds}}
        if self.kind == "dribble":
            return {"dribble": {"durationMs": self.duration_ms, "chunks": self.chunks}}
        return self.kind


def parse(raw: Any) -> Fault:
    """A fault from its file/rule form: a name, or `{name: {options}}`."""
    if isinstance(raw, str):
        return _make(raw, {})
    if isinstance(raw, Mapping) and len(raw) == 1:
        ((kind, options),) = raw.items()
        if not isinstance(options, Mapping):
            raise FaultError(f"options of {kind!r} must be an object")
        return _make(str(kind), options)
    raise FaultError(f"a fault is one of {', '.join(KINDS)}, or an object with one of them as key")


def from_prefer(value: str) -> Fault:
    """`hang:5` (seconds), `dribble:2000` (milliseconds) or a bare name."""
    kind, _, amount = value.strip().partition(":")
    if not amount:
        return _make(kind, {})
    try:
        number = float(amount)
    except ValueError:
        raise FaultError(f"{amount!r} is not a number") from None
    if kind == "hang":
        return _make(kind, {"seconds": number})
    if kind == "dribble":
        return _make(kind, {"durationMs": number})
    raise FaultError(f"{kind!r} takes no amount")


def _make(kind: str, options: Mapping[str, Any]) -> Fault:
    if kind not in KINDS:
        raise FaultError(f"unknown fault {kind!r}; known: {', '.join(KINDS)}")
    allowed = {"hang": {"seconds"}, "dribble": {"durationMs", "chunks"}}.get(kind, set())
    unknown = sorted(set(options) - allowed)
    if unknown:
        raise FaultError(f"{kind!r} takes no option {unknown[0]!r}")
    seconds = _number(options, "seconds", DEFAULT_HANG_S, MAX_HANG_S)
    duration = _number(options, "durationMs", DEFAULT_DRIBBLE_MS, MAX_DRIBBLE_MS)
    chunks = _number(options, "chunks", DEFAULT_CHUNKS, MAX_CHUNKS)
    if chunks < 2 or chunks != int(chunks):
        raise FaultError("chunks must be a whole number of at least 2")
    return Fault(kind, float(seconds), int(duration), int(chunks))


def _number(options: Mapping[str, Any], key: str, default: float, maximum: float) -> float:
    value = options.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= maximum:
        raise FaultError(f"{key} must be a number from 0 to {maximum:g}")
    return float(value)


def remember_send(scope: Scope, send: Send) -> None:
    """Called by the outermost ASGI layer, once per request: one dict store."""
    scope[RAW_SEND] = send


def forget_send(scope: Scope) -> None:
    """The other half of `remember_send`, when the request is over. uvicorn's `send` is a method
    of the object that holds the scope: left in it, every request would be a reference cycle for
    the collector to find, and its memory would wait for it."""
    scope.pop(RAW_SEND, None)


async def send_with_fault(
    send: Send,
    status: int,
    headers: list[tuple[bytes, bytes]],
    body: bytes,
    fault: Fault,
    *,
    scope: Scope | None = None,
    rng: random.Random | None = None,
) -> None:
    """Deliver `status`/`headers`/`body` the way `fault` says. Without a reachable connection (an
    in-process test client, another server) a destroying fault sends nothing at all, the closest
    ASGI comes to a dropped connection."""
    if fault.kind == "dribble":
        await _dribble(send, status, headers, body, fault)
        return
    raw = scope.get(RAW_SEND, send) if scope is not None else send
    connection = _compat.connection_of(raw)
    _compat.abandon(raw)
    if connection is None or connection.is_closing():
        return
    if fault.kind == "connection-reset":
        _reset(connection)
    elif fault.kind == "empty-response":
        connection.close()
    elif fault.kind == "malformed-chunk":
        connection.write(_head(status, headers) + b"zz\r\n" + body[:16] + b"\r\n")
        connection.close()
    elif fault.kind == "random-data-then-close":
        data = bytearray((rng or random.Random()).randbytes(256))
        data[0] = data[0] & 0x3F  # never 'H': a client must not read it as a status line
        connection.write(bytes(data))
        connection.close()
    else:  # hang
        await _hang(connection, fault.seconds)


def _reset(connection: _compat.Connection) -> None:
    """SO_LINGER 0 makes close() send RST instead of FIN, what a crashed peer or a proxy does."""
    sock = connection.get_extra_info("socket")
    if sock is not None:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    connection.abort()


async def _hang(connection: _compat.Connection, seconds: float) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while not connection.is_closing() and (left := deadline - loop.time()) > 0:
        await asyncio.sleep(min(left, _POLL_S))
    connection.close()


def _head(status: int, headers: list[tuple[bytes, bytes]]) -> bytes:
    """Status line and headers of a chunked response (its real length dropped)."""
    try:
        phrase = HTTPStatus(status).phrase
    except ValueError:
        phrase = ""
    lines = [f"HTTP/1.1 {status} {phrase}".encode()]
    lines += [
        name + b": " + value
        for name, value in headers
        if name.lower() not in (b"content-length", b"transfer-encoding", b"connection")
    ]
    lines += [b"transfer-encoding: chunked", b"connection: close", b"", b""]
    return b"\r\n".join(lines)


async def _dribble(
    send: Send, status: int, headers: list[tuple[bytes, bytes]], body: bytes, fault: Fault
) -> None:
    await send({"type": "http.response.start", "status": status, "headers": headers})
    count = max(1, min(fault.chunks, len(body)))
    size = -(-len(body) // count)  # ceiling: `count` pieces at most
    pieces = [body[i : i + size] for i in range(0, len(body), size)] or [b""]
    gap = fault.duration_ms / 1000 / max(1, len(pieces) - 1)
    for i, piece in enumerate(pieces):
        if i:
            await asyncio.sleep(gap)
        last = i == len(pieces) - 1
        await send({"type": "http.response.body", "body": piece, "more_body": not last})
