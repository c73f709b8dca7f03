"""One answer, one write: uvicorn writes a response's head and its body with two `write` calls,
so a small JSON answer leaves as two TCP segments, two sends for the server and two wake-ups for
the client. `OneWrite` sits between uvicorn's HTTP protocol and its transport and holds a
response head until the next write, which normally follows at once (the body), and sends both
together.

Nothing is reordered or lost: every write and close goes through the same object in the order
uvicorn made them, a close or abort first deals with a held head, and a head whose body does not
follow in the same step (a streamed or dribbled answer) leaves at the loop's next turn.
Flow control (pause and resume reading) and everything else go to the transport as they are.
"""

from __future__ import annotations

import asyncio
import weakref
from typing import Any


class OneWrite:
    __slots__ = ("_flusher", "_head", "is_closing", "transport")

    def __init__(self, transport: asyncio.Transport, loop: asyncio.AbstractEventLoop) -> None:
        self.transport = transport
        self._flusher = Flusher.of(loop)
        self._head: bytes | None = None
        self.is_closing = transport.is_closing  # asked once per response: no frame of ours

    def write(self, data: bytes) -> None:
        head = self._head
        if head is not None:
            self._head = None
            self.transport.write(head + data)
        elif data.startswith(b"HTTP/1.") and data.endswith(b"\r\n\r\n"):  # a response's head
            self._head = data
            self._flusher.hold(self)
        else:
            self.transport.write(data)

    def flush(self) -> None:
        head = self._head
        if head is not None:
            self._head = None
            self.transport.write(head)

    def close(self) -> None:
        self.flush()
        self.transport.close()

    def abort(self) -> None:  # a reset: nothing held is owed to the peer
        self._head = None
        self.transport.abort()

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return self.transport.get_extra_info(name, default)

    def __getattr__(self, name: str) -> Any:  # pause_reading, set_protocol, …: as they are
        return getattr(self.transport, name)


class Flusher:
    """One per loop: the heads held in this turn of the loop leave at its next turn, with one
    callback for all of them (a callback per response cost more than the rest of OneWrite)."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = weakref.ref(loop)  # weak: `_FLUSHERS` is keyed by the loop, weakly
        self.held: list[OneWrite] = []

    @classmethod
    def of(cls, loop: asyncio.AbstractEventLoop) -> Flusher:
        found = _FLUSHERS.get(loop)
        if found is None:
            found = _FLUSHERS[loop] = cls(loop)
        return found

    def hold(self, writer: OneWrite) -> None:
        if not self.held:
            loop = self.loop()
            if loop is not None:
                loop.call_soon(self.flush)
        self.held.append(writer)

    def flush(self) -> None:
        held, self.held = self.held, []
        for writer in held:
            writer.flush()


_FLUSHERS: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Flusher] = (
    weakref.WeakKeyDictionary()
)
