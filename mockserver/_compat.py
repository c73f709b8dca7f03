"""Every touch of a library's private API, in one place, each with a test that fails loudly when
an upgrade breaks it (tests/test_faults.py::test_compat_*).

Sections, one per library; keep each self-contained.
"""

from __future__ import annotations

from typing import Any, Protocol

# --- uvicorn: the connection under an ASGI `send` -------------------------------------------------
# Network faults (mockserver.faults) must write bytes HTTP would never write, or break the TCP
# connection, which ASGI cannot express. Under uvicorn's httptools and h11 protocols the `send`
# callable given to the app is the bound method `RequestResponseCycle.send`; the cycle holds the
# asyncio transport as `.transport` and a `.disconnected` flag that makes every later `send` a
# no-op. Checked against uvicorn 0.54 (httptools_impl.py, h11_impl.py).


class Connection(Protocol):
    """What the faults use of an asyncio (or uvloop) transport."""

    def write(self, data: bytes) -> None: ...

    def close(self) -> None: ...

    def abort(self) -> None: ...

    def is_closing(self) -> bool: ...

    def get_extra_info(self, name: str, default: Any = None) -> Any: ...


def connection_of(send: Any) -> Connection | None:
    """The transport under uvicorn's own `send`, or None for any other server or a wrapped send."""
    cycle = getattr(send, "__self__", None)
    transport = getattr(cycle, "transport", None)
    if transport is None or not all(
        callable(getattr(transport, name, None))
        for name in ("write", "close", "abort", "is_closing", "get_extra_info")
    ):
        return None
    return transport  # type: ignore[no-any-return]


def abandon(send: Any) -> None:
    """Tell uvicorn's cycle the connection is gone, so that it neither answers 500 for a response
    that never started nor lets a later `send` write to a broken connection."""
    cycle = getattr(send, "__self__", None)
    if cycle is not None and hasattr(cycle, "disconnected"):
        cycle.disconnected = True
